package ingest_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/ingest"
	"github.com/kampbank/kamp/store"
	"github.com/kampbank/kamp/store/storetest"
)

// Headers of the six files, as the bad-row cases write them.
const (
	entH = "id,name,kind,uscc,lei,country,industry,branch,is_client"
	ownH = "holder_id,entity_id,share_pct,control,as_of"
	metH = "client_id,period,currency,deposits_avg,loans_avg,revenue,fee_income,esg"
	expH = "client_id,facility_id,product,currency,amount,as_of"
	payH = "txn_id,date,payer_id,payer_name,payee_id,payee_name,amount,currency"
	fxH  = "date,currency,rate"
)

// Good rows the cases put before their bad rows, so that line numbers are
// checked and so that a good row is seen not to load.
const (
	entOK = "X1,新公司,,,,,,,"
	ownOK = "B,A,10,,"
	metOK = "A,2026-01,,1,,,,"
	expOK = "A,F-OK,loan,,1,"
	payOK = "T-OK,2026-01-05,A,,B,,1,"
	fxOK  = "2026-02-01,USD,7.0"
)

// baseFiles is what the store holds before each bad-row case: USD rates
// from 2026-01-01, EUR rates only from 2026-03-01; clients A, B, C, the
// non-client N and the person P; A holds 60% of C.
func baseFiles(t testing.TB) map[string]string {
	return map[string]string{
		"fx.csv": lines(fxH, "2026-01-01,USD,7.1", "2026-03-01,EUR,7.8"),
		"entities.csv": lines(entH,
			"A,甲公司,,"+uscc(t, 10)+","+lei(t, 10)+",,,,",
			"B,乙公司,,,,,,,",
			"C,丙公司,,,,,,,",
			"N,非客户,,,,,,,0",
			"P,张三,person,,,,,,0",
		),
		"ownership.csv": lines(ownH, "A,C,60,,"),
	}
}

// loadBase loads baseFiles into db.
func loadBase(t testing.TB, db *store.DB) {
	t.Helper()
	res := runFiles(t, db, ingest.Options{}, baseFiles(t))
	if res.Batch.Status != kamp.ImportLoaded {
		t.Fatalf("base: status %q, bad rows %s", res.Batch.Status, fmtErrs(res.Errors))
	}
}

// e is shorthand for an expected bad row.
func e(file string, line int, column, value, reason string) wantErr {
	return wantErr{File: file, Line: line, Column: column, Value: value, Reason: reason}
}

// ruleCase is one rule's bad row(s).
type ruleCase struct {
	name  string
	files map[string]string
	want  []wantErr
}

func ent(rows ...string) map[string]string {
	return map[string]string{"entities.csv": lines(append([]string{entH, entOK}, rows...)...)}
}
func own(rows ...string) map[string]string {
	return map[string]string{"ownership.csv": lines(append([]string{ownH, ownOK}, rows...)...)}
}
func met(rows ...string) map[string]string {
	return map[string]string{"metrics.csv": lines(append([]string{metH, metOK}, rows...)...)}
}
func exp(rows ...string) map[string]string {
	return map[string]string{"exposures.csv": lines(append([]string{expH, expOK}, rows...)...)}
}
func pay(rows ...string) map[string]string {
	return map[string]string{"payments.csv": lines(append([]string{payH, payOK}, rows...)...)}
}
func fx(rows ...string) map[string]string {
	return map[string]string{"fx.csv": lines(append([]string{fxH, fxOK}, rows...)...)}
}

// ruleCases has one case per rule of data-formats.md and the issue, each with
// the exact bad rows expected. The good first row of each file is line 2.
func ruleCases(t testing.TB) []ruleCase {
	const E, O, M, X, P, F = "entities.csv", "ownership.csv", "metrics.csv", "exposures.csv", "payments.csv", "fx.csv"
	long := strings.Repeat("x", 65)
	letters := usccBody(t, "MA0ABCDE")
	return []ruleCase{
		// entities.csv
		{"entity id bad character", ent("A B,名,,,,,,,"), []wantErr{e(E, 3, "id", "A B", "not allowed in an id")}},
		{"entity id too long", ent(long + ",名,,,,,,,"), []wantErr{e(E, 3, "id", long, "at most 64")}},
		{"entity id missing", ent(",名,,,,,,,"), []wantErr{e(E, 3, "id", "", "required value is missing")}},
		{"entity name missing", ent("X2,,,,,,,,"), []wantErr{e(E, 3, "name", "", "required value is missing")}},
		{"entity kind", ent("X2,名,bank,,,,,,"), []wantErr{e(E, 3, "kind", "bank", "must be company, person or state")}},
		{"uscc check character", ent("X2,名,," + usccBadCheck(t, 11) + ",,,,,"), []wantErr{e(E, 3, "uscc", usccBadCheck(t, 11), "USCC check character")}},
		{"uscc organisation code check", ent("X2,名,," + usccBadOrg(t, 12) + ",,,,,"), []wantErr{e(E, 3, "uscc", usccBadOrg(t, 12), "organisation code")}},
		{"uscc length", ent("X2,名,,91110108MA01234,,,,,"), []wantErr{e(E, 3, "uscc", "91110108MA01234", "USCC has 15 characters")}},
		{"uscc lower case", ent("X2,名,," + strings.ToLower(letters) + ",,,,,"), []wantErr{e(E, 3, "uscc", strings.ToLower(letters), "upper case")}},
		{"uscc letter I", ent("X2,名,,91110108MA0I234567,,,,,"), []wantErr{e(E, 3, "uscc", "91110108MA0I234567", "'I' at position 12 is not allowed in a USCC")}},
		{"uscc twice in the file", ent("X2,名,,"+uscc(t, 20)+",,,,,", "X3,名,,"+uscc(t, 20)+",,,,,"),
			[]wantErr{e(E, 4, "uscc", uscc(t, 20), "USCC already belongs to entity X2")}},
		{"uscc of a stored entity", ent("X2,名,," + uscc(t, 10) + ",,,,,"), []wantErr{e(E, 3, "uscc", uscc(t, 10), "USCC already belongs to entity A")}},
		{"lei check digits", ent("X2,名,,," + leiBad(t, 11) + ",,,,"), []wantErr{e(E, 3, "lei", leiBad(t, 11), "LEI check digits")}},
		{"lei length", ent("X2,名,,,5493001234,,,,"), []wantErr{e(E, 3, "lei", "5493001234", "LEI has 10 characters")}},
		{"lei twice in the file", ent("X2,名,,,"+lei(t, 20)+",,,,", "X3,名,,,"+lei(t, 20)+",,,,"),
			[]wantErr{e(E, 4, "lei", lei(t, 20), "LEI already belongs to entity X2")}},
		{"lei of a stored entity", ent("X2,名,,," + lei(t, 10) + ",,,,"), []wantErr{e(E, 3, "lei", lei(t, 10), "LEI already belongs to entity A")}},
		{"country unknown", ent("X2,名,,,,XX,,,"), []wantErr{e(E, 3, "country", "XX", "unknown country code")}},
		{"country alpha-3", ent("X2,名,,,,CHN,,,"), []wantErr{e(E, 3, "country", "CHN", "not a country code")}},
		{"industry section", ent("X2,名,,,,,U12,,"), []wantErr{e(E, 3, "industry", "U12", "section letter A-T")}},
		{"industry one digit", ent("X2,名,,,,,C1,,"), []wantErr{e(E, 3, "industry", "C1", "1 digits")}},
		{"industry five digits", ent("X2,名,,,,,C36121,,"), []wantErr{e(E, 3, "industry", "C36121", "5 digits")}},
		{"industry lower case", ent("X2,名,,,,,c36,,"), []wantErr{e(E, 3, "industry", "c36", "upper case")}},
		{"branch", ent("X2,名,,,,,,BJ 01,"), []wantErr{e(E, 3, "branch", "BJ 01", "not allowed in an id")}},
		{"is_client", ent("X2,名,,,,,,,yes"), []wantErr{e(E, 3, "is_client", "yes", "not a boolean")}},
		{"entity id twice", ent("X2,名,,,,,,,", "X2,又名,,,,,,,"), []wantErr{e(E, 4, "id", "X2", "duplicate id: the same as line 3")}},
		{"entity id twice, the first row bad", ent("X2,名,bank,,,,,,", "X2,又名,,,,,,,"), []wantErr{
			e(E, 3, "kind", "bank", "must be company, person or state"), e(E, 4, "id", "X2", "duplicate id: the same as line 3")}},
		{"entity with two problems", ent("X2,名,,,,XX,U1,,"), []wantErr{
			e(E, 3, "country", "XX", "unknown country code"), e(E, 3, "industry", "U1", "section letter")}},
		{"entity too few fields", ent("X2,名,,"), []wantErr{e(E, 3, "", "", "wrong number of fields: 4, the header has 9")}},
		{"entity too many fields", ent("X2,名,,,,,,,,"), []wantErr{e(E, 3, "", "", "wrong number of fields: 10, the header has 9")}},
		{"blank lines count for line numbers", ent("", "X2,名,firm,,,,,,"), []wantErr{e(E, 4, "kind", "firm", "must be company, person or state")}},
		{"line of a record after a multi-line field", ent("X2,\"多行\n名称\",,,,,,,", "X3,名,firm,,,,,,"),
			[]wantErr{e(E, 5, "kind", "firm", "must be company, person or state")}},

		// ownership.csv
		{"holder unknown", own("ZZ,C,10,,"), []wantErr{e(O, 3, "holder_id", "ZZ", "unknown entity")}},
		{"held entity unknown", own("B,ZZ,10,,"), []wantErr{e(O, 3, "entity_id", "ZZ", "unknown entity")}},
		{"holder missing", own(",C,10,,"), []wantErr{e(O, 3, "holder_id", "", "required value is missing")}},
		{"held entity missing", own("B,,10,,"), []wantErr{e(O, 3, "entity_id", "", "required value is missing")}},
		{"holder id malformed", own("A/B,C,10,,"), []wantErr{e(O, 3, "holder_id", "A/B", "not allowed in an id")}},
		{"self-holding", own("B,B,10,,"), []wantErr{e(O, 3, "holder_id", "B", "cannot hold itself")}},
		{"share over 100", own("C,A,100.000001,,"), []wantErr{e(O, 3, "share_pct", "100.000001", "must be more than 0 and at most 100")}},
		{"share 0", own("C,A,0,,"), []wantErr{e(O, 3, "share_pct", "0", "must be more than 0 and at most 100")}},
		{"share 7 decimals", own("C,A,1.1234567,,"), []wantErr{e(O, 3, "share_pct", "1.1234567", "more than 6 decimals")}},
		{"share negative", own("C,A,-5,,"), []wantErr{e(O, 3, "share_pct", "-5", "must not be negative")}},
		{"share with percent sign", own("C,A,5%,,"), []wantErr{e(O, 3, "share_pct", "5%", "not a number")}},
		{"shares past 100.01", own("A,B,50,,", "C,B,50,,", "P,B,0.02,,"), []wantErr{e(O, 5, "share_pct", "0.02", "more than 100.01")}},
		{"shares past 100.01 with a stored holding", own("B,C,40.02,,"), []wantErr{e(O, 3, "share_pct", "40.02", "more than 100.01")}},
		{"stored holding replaced later in the file, still past 100.01", own("B,C,50,,", "A,C,50.02,,"),
			[]wantErr{e(O, 4, "share_pct", "50.02", "would add up to 100.02%")}},
		{"merged pair past 100.01", own("C,A,60,,", "C,A,30.02,,"), []wantErr{e(O, 4, "share_pct", "30.02", "would add up to 100.02%, more than 100.01")}},
		{"empty share without agreement", own("C,A,,,"), []wantErr{e(O, 3, "share_pct", "", "required unless control is agreement")}},
		{"control", own("C,A,10,board,"), []wantErr{e(O, 3, "control", "board", `must be empty or "agreement"`)}},
		{"ownership as_of", own("C,A,10,,2026-02-30"), []wantErr{e(O, 3, "as_of", "2026-02-30", "day 30 does not exist")}},
		{"ownership with two problems", own("ZZ,C,0,,"), []wantErr{
			e(O, 3, "holder_id", "ZZ", "unknown entity"), e(O, 3, "share_pct", "0", "must be more than 0")}},

		// metrics.csv
		{"metric client unknown", met("ZZ,2026-01,,1,,,,"), []wantErr{e(M, 3, "client_id", "ZZ", "unknown entity")}},
		{"metric client missing", met(",2026-01,,1,,,,"), []wantErr{e(M, 3, "client_id", "", "required value is missing")}},
		{"period missing", met("A,,,1,,,,"), []wantErr{e(M, 3, "period", "", "required value is missing")}},
		{"period month 13", met("A,2026-13,,1,,,,"), []wantErr{e(M, 3, "period", "2026-13", "month 13 does not exist")}},
		{"period given as a date", met("A,2026-01-15,,1,,,,"), []wantErr{e(M, 3, "period", "2026-01-15", "a full date was given")}},
		{"currency not ISO 4217", met("A,2026-02,XYZ,1,,,,"), []wantErr{e(M, 3, "currency", "XYZ", "unknown currency code")}},
		{"currency shape", met("A,2026-02,US,1,,,,"), []wantErr{e(M, 3, "currency", "US", "not a currency code")}},
		{"currency without a rate", met("A,2026-02,GBP,1,,,,"), []wantErr{e(M, 3, "currency", "GBP", "unknown currency")}},
		{"rate only after the period", met("A,2026-02,EUR,1,,,,"), []wantErr{e(M, 3, "currency", "EUR", "no exchange rate for EUR on or before 2026-02-28")}},
		{"deposits 5 decimals", met("A,2026-02,,1.00001,,,,"), []wantErr{e(M, 3, "deposits_avg", "1.00001", "more than 4 decimals")}},
		{"deposits negative", met("A,2026-02,,-1,,,,"), []wantErr{e(M, 3, "deposits_avg", "-1", "must not be negative")}},
		{"loans negative", met("A,2026-02,,,-0.5,,,"), []wantErr{e(M, 3, "loans_avg", "-0.5", "must not be negative")}},
		{"revenue with a plus sign", met("A,2026-02,,,,+5,,"), []wantErr{e(M, 3, "revenue", "+5", "'+' sign")}},
		{"fee income with a thousands separator", met("A,2026-02,,,,,\"1,000\","), []wantErr{e(M, 3, "fee_income", "1,000", "thousands separators")}},
		{"custom indicator not a number", met("A,2026-02,,,,,,high"), []wantErr{e(M, 3, "esg", "high", "not a number")}},
		{"custom indicator 5 decimals", met("A,2026-02,,,,,,1.23456"), []wantErr{e(M, 3, "esg", "1.23456", "more than 4 decimals")}},
		{"metric key twice (empty currency is CNY)", met("A,2026-01,CNY,2,,,,"), []wantErr{e(M, 3, "client_id", "A / 2026-01 / CNY", "duplicate key: the same as line 2")}},
		{"metric key twice (currency case)", met("B,2026-01,USD,2,,,,", "B,2026-01,usd,3,,,,"), []wantErr{e(M, 4, "client_id", "B / 2026-01 / USD", "duplicate key: the same as line 3")}},

		// exposures.csv
		{"exposure client unknown", exp("ZZ,F2,loan,,1,"), []wantErr{e(X, 3, "client_id", "ZZ", "unknown entity")}},
		{"facility missing", exp("A,,loan,,1,"), []wantErr{e(X, 3, "facility_id", "", "required value is missing")}},
		{"facility id malformed", exp("A,F 2,loan,,1,"), []wantErr{e(X, 3, "facility_id", "F 2", "not allowed in an id")}},
		{"facility twice", exp("B,F-OK,bond,,2,"), []wantErr{e(X, 3, "facility_id", "F-OK", "duplicate key: the same as line 2")}},
		{"exposure amount missing", exp("A,F2,loan,,,"), []wantErr{e(X, 3, "amount", "", "required value is missing")}},
		{"exposure amount negative", exp("A,F2,loan,,-1,"), []wantErr{e(X, 3, "amount", "-1", "must not be negative")}},
		{"exposure amount 5 decimals", exp("A,F2,loan,,0.00001,"), []wantErr{e(X, 3, "amount", "0.00001", "more than 4 decimals")}},
		{"exposure as_of", exp("A,F2,loan,,1,2026-1-31"), []wantErr{e(X, 3, "as_of", "2026-1-31", "not a date")}},
		{"exposure currency without a rate", exp("A,F2,loan,JPY,1,"), []wantErr{e(X, 3, "currency", "JPY", "unknown currency")}},
		{"exposure rate only after as_of", exp("A,F2,loan,EUR,1,2026-02-01"), []wantErr{e(X, 3, "currency", "EUR", "no exchange rate for EUR on or before 2026-02-01")}},

		// payments.csv
		{"payment amount 0", pay("T2,2026-01-05,A,,B,,0,"), []wantErr{e(P, 3, "amount", "0", "must be more than 0")}},
		{"payment amount 0.0000", pay("T2,2026-01-05,A,,B,,0.0000,"), []wantErr{e(P, 3, "amount", "0.0000", "must be more than 0")}},
		{"payment amount negative", pay("T2,2026-01-05,A,,B,,-3,"), []wantErr{e(P, 3, "amount", "-3", "must not be negative")}},
		{"payment amount missing", pay("T2,2026-01-05,A,,B,,,"), []wantErr{e(P, 3, "amount", "", "required value is missing")}},
		{"payment amount 5 decimals", pay("T2,2026-01-05,A,,B,,1.00001,"), []wantErr{e(P, 3, "amount", "1.00001", "more than 4 decimals")}},
		{"payer with neither id nor name", pay("T2,2026-01-05,,,B,,1,"), []wantErr{e(P, 3, "payer_id", "", "payer needs payer_id or payer_name")}},
		{"payee with neither id nor name", pay("T2,2026-01-05,A,,,,1,"), []wantErr{e(P, 3, "payee_id", "", "payee needs payee_id or payee_name")}},
		{"both sides with neither", pay("T2,2026-01-05,,,,,1,"), []wantErr{
			e(P, 3, "payer_id", "", "payer needs"), e(P, 3, "payee_id", "", "payee needs")}},
		{"payer unknown despite a name", pay("T2,2026-01-05,ZZ,某公司,B,,1,"), []wantErr{e(P, 3, "payer_id", "ZZ", "unknown entity")}},
		{"payee unknown", pay("T2,2026-01-05,A,,ZZ,,1,"), []wantErr{e(P, 3, "payee_id", "ZZ", "unknown entity")}},
		{"payment date missing", pay("T2,,A,,B,,1,"), []wantErr{e(P, 3, "date", "", "required value is missing")}},
		{"payment date malformed", pay("T2,2026/01/05,A,,B,,1,"), []wantErr{e(P, 3, "date", "2026/01/05", "not a date")}},
		{"payment date 29 February of a common year", pay("T2,2026-02-29,A,,B,,1,"), []wantErr{e(P, 3, "date", "2026-02-29", "day 29 does not exist")}},
		{"txn missing", pay(",2026-01-05,A,,B,,1,"), []wantErr{e(P, 3, "txn_id", "", "required value is missing")}},
		{"txn twice", pay("T2,2026-01-05,A,,B,,1,", "T-OK,2026-01-06,B,,A,,2,"), []wantErr{e(P, 4, "txn_id", "T-OK", "duplicate key: the same as line 2")}},
		{"txn twice, the first row bad", pay("T2,2026-01-05,A,,B,,0,", "T2,2026-01-06,B,,A,,2,"), []wantErr{
			e(P, 3, "amount", "0", "must be more than 0"), e(P, 4, "txn_id", "T2", "duplicate key: the same as line 3")}},
		{"payment currency without a rate", pay("T2,2026-01-05,A,,B,,1,GBP"), []wantErr{e(P, 3, "currency", "GBP", "unknown currency")}},
		{"payment rate only after its month", pay("T2,2026-02-15,A,,B,,1,EUR"), []wantErr{e(P, 3, "currency", "EUR", "no exchange rate for EUR on or before 2026-02-28")}},
		{"payment too many fields", pay("T2,2026-01-05,A,,B,,1,,x"), []wantErr{e(P, 3, "", "", "wrong number of fields: 9, the header has 8")}},

		// fx.csv
		{"rate 0", fx("2026-02-02,USD,0"), []wantErr{e(F, 3, "rate", "0", "must be more than 0")}},
		{"rate negative", fx("2026-02-02,USD,-7"), []wantErr{e(F, 3, "rate", "-7", "must not be negative")}},
		{"rate 11 decimals", fx("2026-02-02,USD,7.12345678901"), []wantErr{e(F, 3, "rate", "7.12345678901", "more than 10 decimals")}},
		{"rate missing", fx("2026-02-02,USD,"), []wantErr{e(F, 3, "rate", "", "required value is missing")}},
		{"fx currency not ISO 4217", fx("2026-02-02,ABC,1"), []wantErr{e(F, 3, "currency", "ABC", "unknown currency code")}},
		{"fx currency missing", fx("2026-02-02,,1"), []wantErr{e(F, 3, "currency", "", "required value is missing")}},
		{"fx date missing", fx(",USD,1"), []wantErr{e(F, 3, "date", "", "required value is missing")}},
		{"fx date malformed", fx("02/02/2026,USD,1"), []wantErr{e(F, 3, "date", "02/02/2026", "not a date")}},
		{"fx key twice", fx("2026-02-01,usd,7.01"), []wantErr{e(F, 3, "date", "2026-02-01/USD", "duplicate key: the same as line 2")}},

		// compressed files and workbooks report the same lines.
		{"duplicate in a gzip file", map[string]string{"payments.csv.gz": lines(payH, payOK, "T-OK,2026-01-06,B,,A,,2,")},
			[]wantErr{e("payments.csv.gz", 3, "txn_id", "T-OK", "duplicate key: the same as line 2")}},
		{"bad rows in a workbook", map[string]string{"exposures.xlsx": lines(expH, expOK, "A,F-OK,bond,,2,", "A,F3,loan,,-1,")}, []wantErr{
			e("exposures.xlsx", 3, "facility_id", "F-OK", "duplicate key: the same as line 2"),
			e("exposures.xlsx", 4, "amount", "-1", "must not be negative")}},

		// several files: the report follows the import's file order, and a
		// reference to a bad entity row is bad too.
		{"bad rows in several files", map[string]string{
			"payments.csv": lines(payH, "T1,2026-01-05,X2,,A,,1,", "T2,2026-01-05,A,,B,,0,"),
			"entities.csv": lines(entH, "X2,名,,,,XX,,,"),
			"fx.csv":       lines(fxH, "2026-02-01,USD,0"),
		}, []wantErr{
			e(F, 2, "rate", "0", "must be more than 0"),
			e(E, 2, "country", "XX", "unknown country code"),
			e(P, 2, "payer_id", "X2", "unknown entity"),
			e(P, 3, "amount", "0", "must be more than 0"),
		}},
		{"duplicate reported in file order among other bad rows", pay("T2,2026-01-05,A,,B,,1,", "T-OK,2026-01-06,B,,A,,2,", "T3,2026-01-07,A,,B,,-1,"), []wantErr{
			e(P, 4, "txn_id", "T-OK", "duplicate key: the same as line 2"),
			e(P, 5, "amount", "-1", "must not be negative"),
		}},
	}
}

// TestRules runs every bad-row case twice on a store holding only baseFiles
// (one store per engine, emptied before each case):
// without quarantine the import is rejected, nothing of it loads, and exactly
// the expected bad rows are reported and stored; with quarantine the same bad
// rows are kept, the batch is partial and every other row loads.
func TestRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, tc := range ruleCases(t) {
			t.Run(tc.name, func(t *testing.T) {
				resetStore(t, db)
				loadBase(t, db)
				before := stats(t, db)
				dir := writeFiles(t, tc.files)

				res := run(t, db, ingest.Options{}, dir)
				if res.Batch.Status != kamp.ImportRejected {
					t.Errorf("status %q, want rejected", res.Batch.Status)
				}
				matchErrors(t, res.Errors, tc.want)
				if res.ErrorCount != len(tc.want) {
					t.Errorf("ErrorCount %d, want %d", res.ErrorCount, len(tc.want))
				}
				checkInFileOrder(t, res.Batch, res.Errors)
				checkValues(t, tc.files, res.Errors)
				checkRejectedCounts(t, res, tc.want)
				for _, f := range res.Batch.Files {
					if f.Loaded != 0 {
						t.Errorf("%s: %d rows loaded in a rejected import", f.Name, f.Loaded)
					}
				}
				checkStored(t, db, res)
				if after := stats(t, db); after != before {
					t.Errorf("a rejected import changed the store:\nbefore %+v\nafter  %+v", before, after)
				}

				res = run(t, db, ingest.Options{Quarantine: true}, dir)
				if res.Batch.Status != kamp.ImportPartial {
					t.Errorf("quarantine: status %q, want partial", res.Batch.Status)
				}
				matchErrors(t, res.Errors, tc.want)
				checkRejectedCounts(t, res, tc.want)
				for _, f := range res.Batch.Files {
					if f.Loaded+f.Rejected != f.Rows {
						t.Errorf("quarantine: %s: %d rows, %d loaded, %d rejected", f.Name, f.Rows, f.Loaded, f.Rejected)
					}
				}
				checkStored(t, db, res)
			})
		}
	})
}

// checkRejectedCounts checks each file's Rejected: the number of lines of it
// with a bad row.
func checkRejectedCounts(t testing.TB, res ingest.Result, want []wantErr) {
	t.Helper()
	bad := map[string]map[int]bool{}
	for _, w := range want {
		if bad[w.File] == nil {
			bad[w.File] = map[int]bool{}
		}
		bad[w.File][w.Line] = true
	}
	for _, f := range res.Batch.Files {
		if f.Rejected != len(bad[f.Name]) {
			t.Errorf("%s: %d rows rejected, want %d", f.Name, f.Rejected, len(bad[f.Name]))
		}
	}
}

// TestRulesAccepted covers the edges that must load: shares adding up to
// 100.01 exactly, agreement without a share, negative revenue and fee income,
// a rate dated on the payment's month's first day, lower-case codes, the
// longest id, and a stored entity restating its own USCC and LEI.
func TestRulesAccepted(t *testing.T) {
	id64 := strings.Repeat("a", 30) + "Z_0.9-" + strings.Repeat("b", 28)
	tests := []struct {
		name  string
		files map[string]string
		check func(t *testing.T, db *store.DB)
	}{
		{"shares add up to 100.01 exactly", map[string]string{"ownership.csv": lines(ownH, "A,B,50,,", "C,B,50.01,,")},
			func(t *testing.T, db *store.DB) { checkShareSum(t, db, "B", 100_010_000) }},
		{"shares 100.01 with a stored holding", map[string]string{"ownership.csv": lines(ownH, "B,C,40.01,,")},
			func(t *testing.T, db *store.DB) { checkShareSum(t, db, "C", 100_010_000) }},
		// A holds 60% of C in the store; the new file moves 20% of it to
		// B, and names B first: A's stored 60% must not count, since the
		// file replaces it.
		{"stored holding replaced later in the file", map[string]string{"ownership.csv": lines(ownH, "B,C,20,,", "A,C,40,,")},
			func(t *testing.T, db *store.DB) { checkShareSum(t, db, "C", 60_000_000) }},
		{"stored holding replaced, new holder first, up to 100", map[string]string{"ownership.csv": lines(ownH, "B,C,50,,", "A,C,50,,")},
			func(t *testing.T, db *store.DB) { checkShareSum(t, db, "C", 100_000_000) }},
		{"agreement with an empty share", map[string]string{"ownership.csv": lines(ownH, "B,C,,AGREEMENT,2026-01-01", "A,B,100,,")},
			func(t *testing.T, db *store.DB) {
				hs, err := db.HoldingsOf(context.Background(), store.System, "B")
				if err != nil || len(hs) != 1 || hs[0].Holding != (kamp.Holding{HolderID: "B", EntityID: "C", Agreement: true, AsOf: "2026-01-01"}) {
					t.Errorf("holdings of B = %+v, %v", hs, err)
				}
			}},
		{"negative revenue, fee income and indicator", map[string]string{"metrics.csv": lines(metH, "A,2026-01,,,,-5,-1,-2.5")},
			func(t *testing.T, db *store.DB) {
				ms, err := db.MetricsOf(context.Background(), store.System, "A")
				want := []kamp.Metric{{ClientID: "A", Period: "2026-01", Currency: "CNY",
					Revenue: kamp.NullAmount{Amount: -50_000, Valid: true}, FeeIncome: kamp.NullAmount{Amount: -10_000, Valid: true},
					Custom: map[string]kamp.Amount{"esg": -25_000}}}
				if err != nil || !reflect.DeepEqual(ms, want) {
					t.Errorf("metrics of A = %+v, %v; want %+v", ms, err, want)
				}
			}},
		{"rates on the last day of the month", map[string]string{
			"fx.csv":       lines(fxH, "2026-04-30,JPY,0.05"),
			"payments.csv": lines(payH, "T1,2026-04-01,A,,B,,1,jpy", "T2,2026-03-01,A,,B,,1,EUR"),
			"metrics.csv":  lines(metH, "A,2026-04,JPY,1,,,,", "A,2026-03,eur,1,,,,"),
		}, func(t *testing.T, db *store.DB) {
			s := stats(t, db)
			if s.Payments != 2 || s.Metrics != 2 || s.FXRates != 3 {
				t.Errorf("stats %+v", s)
			}
		}},
		{"longest id and lower-case codes", map[string]string{"entities.csv": lines(entH, id64+",名,STATE,,,us,,,TRUE")},
			func(t *testing.T, db *store.DB) {
				got, err := db.Entity(context.Background(), store.System, id64)
				want := kamp.Entity{ID: id64, Name: "名", Kind: kamp.KindState, Country: "US", IsClient: true}
				if err != nil || got != want {
					t.Errorf("entity = %+v, %v; want %+v", got, err, want)
				}
			}},
		{"stored entity restating its codes", map[string]string{"entities.csv": lines(entH, "A,甲公司（新）,,"+uscc(t, 10)+","+lei(t, 10)+",,,,")},
			func(t *testing.T, db *store.DB) {
				got, err := db.Entity(context.Background(), store.System, "A")
				if err != nil || got.Name != "甲公司（新）" || got.USCC != uscc(t, 10) {
					t.Errorf("A = %+v, %v", got, err)
				}
			}},
		{"non-client metric ignored", map[string]string{"metrics.csv": lines(metH, "N,2026-01,,1,,,,", "P,2026-01,,1,,,,")},
			func(t *testing.T, db *store.DB) {
				if s := stats(t, db); s.Metrics != 0 {
					t.Errorf("%d metrics loaded for non-clients", s.Metrics)
				}
			}},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				resetStore(t, db)
				loadBase(t, db)
				res := runFiles(t, db, ingest.Options{}, tc.files)
				if res.Batch.Status != kamp.ImportLoaded || len(res.Errors) != 0 {
					t.Fatalf("status %q, bad rows %s", res.Batch.Status, fmtErrs(res.Errors))
				}
				checkStored(t, db, res)
				tc.check(t, db)
			})
		}
	})
}

// checkShareSum checks the sum of the stored shares held in id.
func checkShareSum(t testing.TB, db *store.DB, id string, want kamp.Share) {
	t.Helper()
	hs, err := db.HoldersOf(context.Background(), store.System, id)
	if err != nil {
		t.Fatal(err)
	}
	var sum kamp.Share
	for _, h := range hs {
		sum += h.Share
	}
	if sum != want {
		t.Errorf("shares held in %s add up to %s, want %s", id, sum, want)
	}
}
