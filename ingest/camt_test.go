package ingest_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/ingest"
	"github.com/kampbank/kamp/store"
	"github.com/kampbank/kamp/store/storetest"
)

// camtFixture returns a statement of camt/testdata.
func camtFixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "camt", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// camtBase is a first import: the statements' owners and the rates of their
// currencies. E2 is known to camt053 files by name only.
func camtBase() map[string]string {
	return map[string]string{
		"fx.csv": lines("date,currency,rate", "2026-01-01,EUR,7.8", "2026-01-01,USD,7.1"),
		"entities.csv": lines("id,name", "C001,Harbour Logistics GmbH", "E2,\"Eastern Textile Co., Ltd.\"",
			"D1,Twin Name Ltd", "D2,TWIN NAME LTD"),
	}
}

func TestCamtKindOf(t *testing.T) {
	tests := []struct {
		name string
		kind string
		ok   bool
	}{
		{"camt053.xml", ingest.KindCamt053, true},
		{"CAMT053_2026-10.XML", ingest.KindCamt053, true},
		{"acme.camt053.xml", ingest.KindCamt053, true},
		{"bank-camt.053.001.08.xml", ingest.KindCamt053, true},
		{"rr-camt053.xml", ingest.KindCamt053, true},
		{"camt053.csv", "", false},
		{"camt.052.xml", "", false},
		{"statement.xml", "", false},
		{"payments.csv", ingest.KindPayments, true},
	}
	for _, tt := range tests {
		kind, ok := ingest.KindOf(tt.name)
		if kind != tt.kind || ok != tt.ok {
			t.Errorf("KindOf(%q) = %q, %v; want %q, %v", tt.name, kind, ok, tt.kind, tt.ok)
		}
	}
}

func TestCamtImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if res := runFiles(t, db, ingest.Options{}, camtBase()); res.Batch.Status != kamp.ImportLoaded {
			t.Fatalf("base import: %s %s", res.Batch.Status, fmtErrs(res.Errors))
		}
		before := stats(t, db)
		res := runFiles(t, db, ingest.Options{}, map[string]string{
			"camt053_v02.xml":  camtFixture(t, "v02.xml"),
			"bank.camt053.xml": camtFixture(t, "v08.xml"),
			// A pending entry is passed over unchecked.
			"pending.camt053.xml": `<Document><BkToCstmrStmt><Stmt><Ntry><Amt Ccy="EUR">1.234567</Amt><Sts>PDNG</Sts></Ntry></Stmt></BkToCstmrStmt></Document>`,
		})
		checkStored(t, db, res)
		if res.Batch.Status != kamp.ImportLoaded {
			t.Fatalf("status %s, bad rows %s", res.Batch.Status, fmtErrs(res.Errors))
		}
		want := []fileCount{{"bank.camt053.xml", ingest.KindCamt053, 4, 3, 0}, {"camt053_v02.xml", ingest.KindCamt053, 5, 4, 0}, {"pending.camt053.xml", ingest.KindCamt053, 1, 0, 0}}
		if got := fileCounts(res.Batch); !equalCounts(got, want) {
			t.Errorf("files %+v, want %+v", got, want)
		}
		if got := stats(t, db).Payments - before.Payments; got != 7 {
			t.Errorf("%d payments stored, want 7", got)
		}
		if n := countContaining(res.Warnings, "not booked"); n != 3 {
			t.Errorf("warnings %q: want one about entries not booked per file", res.Warnings)
		}

		// All or nothing: one bad entry, and nothing of the import loads.
		before = stats(t, db)
		gbp := strings.Replace(camtFixture(t, "v08.xml"), `Ccy="USD">10000.0001`, `Ccy="GBP">10000.0001`, 2)
		gbp = strings.Replace(gbp, "T8.0001", "T8.0002", 1)
		res = runFiles(t, db, ingest.Options{}, map[string]string{
			"camt053_bad.xml": camtFixture(t, "bad.xml"),
			"camt053_gbp.xml": gbp,
			"payments.csv":    lines("txn_id,date,payer_id,payee_name,amount", "P-OK,2026-10-01,C001,Someone,10"),
		})
		checkStored(t, db, res)
		if res.Batch.Status != kamp.ImportRejected {
			t.Fatalf("status %s, want rejected", res.Batch.Status)
		}
		matchErrors(t, res.Errors, []wantErr{
			{File: "camt053_bad.xml", Line: 7, Column: "Amt", Value: "12.345678", Reason: "decimals"},
			{File: "camt053_bad.xml", Line: 14, Column: "NtryDtls/TxDtls/RltdPties/Dbtr/Nm", Reason: "debtor"},
			{File: "camt053_bad.xml", Line: 21, Column: "CdtDbtInd", Value: "SIDEWAYS", Reason: "CRDT or DBIT"},
			{File: "camt053_gbp.xml", Line: 11, Column: "Amt@Ccy", Value: "GBP", Reason: "no exchange rate for GBP"},
		})
		if after := stats(t, db); after.Payments != before.Payments {
			t.Errorf("a rejected import stored %d payments", after.Payments-before.Payments)
		}

		// A file that is no statement is one fatal bad row.
		res = runFiles(t, db, ingest.Options{}, map[string]string{"camt053_x.xml": "<Document><BkToCstmrStmt>"})
		if res.Batch.Status != kamp.ImportRejected || len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Reason, "XML") {
			t.Errorf("truncated statement: %s %s", res.Batch.Status, fmtErrs(res.Errors))
		}
	})
}

// camtPay is a payment by its fields, in kamp.Payment's order.
func camtPay(txn, date, payerID, payerName, payeeID, payeeName string, amount kamp.Amount, ccy string) kamp.Payment {
	return kamp.Payment{TxnID: txn, Date: date, PayerID: payerID, PayerName: payerName, PayeeID: payeeID, PayeeName: payeeName, Amount: amount, Currency: ccy}
}

func equalCounts(a, b []fileCount) bool {
	sort.Slice(a, func(i, j int) bool { return a[i].name < a[j].name })
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func countContaining(list []string, s string) int {
	n := 0
	for _, x := range list {
		if strings.Contains(x, s) {
			n++
		}
	}
	return n
}

// TestCamtSides checks the stored rows of a camt.053 import: the owner's
// side by id (Acct/Ownr/Id, or a unique match of Acct/Ownr/Nm) or by name
// (an ambiguous name), the counterparty by name.
func TestCamtSides(t *testing.T) {
	storetest.Each(t, checkCamtSides)
}

func checkCamtSides(t *testing.T, db *store.DB) {
	if res := runFiles(t, db, ingest.Options{}, camtBase()); res.Batch.Status != kamp.ImportLoaded {
		t.Fatalf("base import: %s %s", res.Batch.Status, fmtErrs(res.Errors))
	}
	twin := strings.Replace(camtFixture(t, "v08.xml"), "Eastern Textile Co., Ltd.", "twin  name ltd", 1)
	twin = strings.Replace(twin, "T8.0001", "T8.0009", 1)
	twin = strings.Replace(twin, "4400112233", "4400999999", 1)
	res := runFiles(t, db, ingest.Options{}, map[string]string{
		"camt053_v02.xml":  camtFixture(t, "v02.xml"),
		"bank.camt053.xml": camtFixture(t, "v08.xml"),
		"twin.camt053.xml": twin,
	})
	if res.Batch.Status != kamp.ImportLoaded {
		t.Fatalf("status %s, bad rows %s", res.Batch.Status, fmtErrs(res.Errors))
	}
	var got []kamp.Payment
	err := db.EachPayment(context.Background(), func(p kamp.Payment) error {
		if strings.HasPrefix(p.TxnID, "camt-") && len(p.TxnID) == 25 {
			p.TxnID = "camt-*"
		}
		got = append(got, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []kamp.Payment{
		camtPay("REF-0001", "2026-10-06", "C001", "", "", "Nordic Steel AB", 12505000, "EUR"),
		camtPay("camt-*", "2026-10-08", "", "Alpine Foods SA", "C001", "", 3000000, "EUR"),
		camtPay("BATCH-9-1", "2026-10-12", "C001", "", "", "Supplier One", 2000000, "EUR"),
		camtPay("camt-*", "2026-10-12", "C001", "", "", "Supplier Two", 3000000, "EUR"),
		camtPay("T8.0001", "2026-10-21", "", "Pacific Trading Inc", "E2", "", 100000001, "USD"),
		camtPay("camt-*", "2026-10-23", "E2", "", "", "Batch Payee A", 15000000, "CNY"),
		camtPay("camt-*", "2026-10-23", "E2", "", "", "Batch Payee B", 5000000, "CNY"),
		camtPay("T8.0009", "2026-10-21", "", "Pacific Trading Inc", "", "twin  name ltd", 100000001, "USD"),
		camtPay("camt-*", "2026-10-23", "", "twin  name ltd", "", "Batch Payee A", 15000000, "CNY"),
		camtPay("camt-*", "2026-10-23", "", "twin  name ltd", "", "Batch Payee B", 5000000, "CNY"),
	}
	key := func(p kamp.Payment) string {
		return p.Date + p.PayerID + p.PayerName + p.PayeeID + p.PayeeName + p.Amount.String() + p.TxnID
	}
	sort.Slice(got, func(i, j int) bool { return key(got[i]) < key(got[j]) })
	sort.Slice(want, func(i, j int) bool { return key(want[i]) < key(want[j]) })
	if len(got) != len(want) {
		t.Fatalf("stored %d payments, want %d:\n%+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("payment %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}
