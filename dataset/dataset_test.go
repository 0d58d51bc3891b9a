package dataset

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/control"
)

// The small bank most tests start from.
const (
	baseEntities = "id,name,kind,uscc,lei,country,industry,branch,is_client\n" +
		"S1,国资委,state,,,CN,,,0\n" +
		"P1,\"Zhang, San\",person,,,CN,,,false\n" +
		"A,Alpha Co,company,,,CN,C36,,1\n" +
		"B,Beta 有限公司,,,,,,,TRUE\n" +
		"C,\"Gamma \"\"Holdings\"\"\nLtd\",COMPANY,,,,,,\n" +
		"LONG_ENTITY_ID_0123456789,Long,Person,,,,,,0\n" +
		"D,Delta,STATE,,,,,,1\n"
	baseOwnership = "holder_id,entity_id,share_pct,control,as_of\n" +
		"S1,A,60,,2024-01-31\n" +
		"A,B,30.5,,\n" +
		"A,B,20.5,,\n" +
		"P1,C,,AGREEMENT,\n" +
		"LONG_ENTITY_ID_0123456789,C,10.123456,agreement,2024-02-29\n"
	baseFX = "date,currency,rate\n" +
		"2024-01-31,USD,7.1\n" +
		"2024-02-29,USD,7.2\n" +
		"2024-02-29,eur,7.8\n" +
		"2024-01-01,HKD,0.5\n"
	baseExposures = "client_id,facility_id,product,currency,amount,as_of\n" +
		"A,F1,loan,,100,\n" +
		"A,F2,loan,USD,10,2024-02-15\n" +
		"A,F3,bond,usd,1.5,\n" +
		"B,F4,,EUR,0.0001,2024-03-01\n" +
		"B,F5,,EUR,0.0001,2024-03-01\n" +
		"C,F6,,CNY,0,\n" +
		"D,F7,,HKD,0.0001,\n"
)

// baseFiles returns the files of the small bank.
func baseFiles() map[string]string {
	return map[string]string{
		"entities.csv":  baseEntities,
		"ownership.csv": baseOwnership,
		"fx.csv":        baseFX,
		"exposures.csv": baseExposures,
	}
}

// wantBase is what the small bank loads as.
var wantBase = struct {
	ids      []string
	state    []bool
	client   []bool
	edges    []control.Edge
	exposure []kamp.Amount
}{
	ids:    []string{"S1", "P1", "A", "B", "C", "LONG_ENTITY_ID_0123456789", "D"},
	state:  []bool{true, false, false, false, false, false, true},
	client: []bool{false, false, true, true, true, false, true},
	edges: []control.Edge{
		{Holder: 0, Held: 2, Share: 60_000_000},
		{Holder: 2, Held: 3, Share: 30_500_000},
		{Holder: 2, Held: 3, Share: 20_500_000},
		{Holder: 1, Held: 4, Agreement: true},
		{Holder: 5, Held: 4, Share: 10_123_456, Agreement: true},
	},
	// A: 100 + 10 USD at 7.1 (the rate of 2024-01-31) + 1.5 USD at 7.2
	// (the latest) = 181.8. B: 2 × 0.0001 EUR at 7.8 = 0.00156, rounded
	// once to 0.0016 (rounding each row would give 0.0002). D: 0.0001 HKD
	// at 0.5 = 0.00005, rounded half-up to 0.0001.
	exposure: []kamp.Amount{0, 0, 1_818_000, 16, 0, 0, 1},
}

// checkBase checks that d is the small bank.
func checkBase(t *testing.T, d *Data) {
	t.Helper()
	w := wantBase
	e := d.Entities
	if !reflect.DeepEqual(e.IDs, w.ids) || !reflect.DeepEqual(e.State, w.state) || !reflect.DeepEqual(e.Client, w.client) {
		t.Errorf("entities:\n ids %q\n state %v\n client %v", e.IDs, e.State, e.Client)
	}
	if e.States != 2 {
		t.Errorf("States = %d, want 2", e.States)
	}
	if !reflect.DeepEqual(d.Edges, w.edges) {
		t.Errorf("edges = %+v\nwant %+v", d.Edges, w.edges)
	}
	if d.Exposures == nil || !reflect.DeepEqual(d.Exposures.ByEntity, w.exposure) || d.Exposures.Rows != 7 {
		t.Errorf("exposures = %+v, want %v (7 rows)", d.Exposures, w.exposure)
	}
	for i, id := range w.ids {
		if got, ok := e.Index(id); !ok || int(got) != i {
			t.Errorf("Index(%q) = %d, %v; want %d", id, got, ok, i)
		}
	}
	for _, id := range []string{"", "a", "S", "S11", "LONG_ENTITY_ID_012345678", "LONG_ENTITY_ID_01234567890"} {
		if i, ok := e.Index(id); ok {
			t.Errorf("Index(%q) = %d, want not found", id, i)
		}
	}
}

func TestLoadGroups(t *testing.T) {
	checkBase(t, load(t, writeFolder(t, baseFiles()), Options{}))
}

// reorder rewrites a CSV text with its columns in another order, the
// header in upper case, CRLF line ends and a byte order mark.
func reorder(t *testing.T, text string) string {
	t.Helper()
	r, err := readAll(text)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("\ufeff")
	for i, rec := range r {
		for j := len(rec) - 1; j >= 0; j-- {
			f := rec[j]
			if i == 0 {
				f = strings.ToUpper(f)
			}
			if strings.ContainsAny(f, ",\"\r\n") {
				f = `"` + strings.ReplaceAll(f, `"`, `""`) + `"`
			}
			b.WriteString(f)
			if j > 0 {
				b.WriteByte(',')
			}
		}
		b.WriteString("\r\n")
	}
	return b.String()
}

// readAll reads a CSV text, header included.
func readAll(text string) ([][]string, error) {
	recs, headerErr, readErr := readTabular([]byte(text))
	if err := errors.Join(headerErr, readErr); err != nil {
		return nil, err
	}
	first, _, _ := strings.Cut(text, "\n")
	out := [][]string{strings.Split(first, ",")}
	for _, r := range recs {
		out = append(out, r.fields)
	}
	return out, nil
}

func TestLoadGroupsForms(t *testing.T) {
	rename := func(suffix string) map[string]string {
		out := map[string]string{}
		for name, content := range baseFiles() {
			out[strings.TrimSuffix(name, ".csv")+suffix] = content
		}
		return out
	}
	reordered := map[string]string{}
	for name, content := range baseFiles() {
		reordered[strings.ToUpper(name[:1])+name[1:]] = reorder(t, content)
	}
	for _, c := range []struct {
		name  string
		files map[string]string
	}{
		{"gzip", rename(".csv.gz")},
		{"xlsx", rename(".xlsx")},
		{"columns reordered, upper-case header and file names, CRLF, BOM", reordered},
	} {
		t.Run(c.name, func(t *testing.T) {
			checkBase(t, load(t, writeFolder(t, c.files), Options{}))
		})
	}
	t.Run("small chunks, three workers", func(t *testing.T) {
		dir := writeFolder(t, baseFiles())
		for _, size := range []int{1, 5, 16, 40} {
			withChunkSize(size, func() { checkBase(t, load(t, dir, Options{Workers: 3})) })
		}
	})
	t.Run("without exposures and fx", func(t *testing.T) {
		d := load(t, writeFolder(t, map[string]string{"entities.csv": baseEntities, "ownership.csv": baseOwnership}), Options{})
		if d.Exposures != nil || d.FX != nil || len(d.Edges) != 5 || len(d.Files) != 2 {
			t.Errorf("got exposures %v, fx %v, %d edges, files %q", d.Exposures, d.FX, len(d.Edges), d.Files)
		}
	})
}

func TestLoadGroupsFolderErrors(t *testing.T) {
	for _, c := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"no ownership", map[string]string{"entities.csv": baseEntities}, "no ownership.csv"},
		{"no entities", map[string]string{"ownership.csv": baseOwnership}, "no entities.csv"},
		{"two forms", map[string]string{"entities.csv": baseEntities, "entities.csv.gz": baseEntities, "ownership.csv": baseOwnership}, "keep one of them"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := LoadGroups(context.Background(), writeFolder(t, c.files), Options{})
			if kamp.ErrorCode(err) != kamp.EINVALID || !strings.Contains(kamp.ErrorMessage(err), c.want) {
				t.Errorf("err = %v, want EINVALID with %q", err, c.want)
			}
		})
	}
}

// withRow returns the base files with text appended to one of them.
func withRow(file, text string) map[string]string {
	files := baseFiles()
	files[file] += text
	return files
}

// withFile returns the base files with one replaced.
func withFile(file, text string) map[string]string {
	files := baseFiles()
	files[file] = text
	return files
}

func TestLoadGroupsProblems(t *testing.T) {
	const entityHeader = "id,name,kind,uscc,lei,country,industry,branch,is_client\n"
	for _, c := range []struct {
		name  string
		files map[string]string
		want  kamp.RowError // File, Line, Column, Value as reported; Reason a substring
	}{
		{"entity id with a space", withRow("entities.csv", "E 1,x,,,,,,,\n"),
			kamp.RowError{File: "entities.csv", Line: 10, Column: "id", Value: "E 1", Reason: "not allowed in an id"}},
		{"entity id missing", withRow("entities.csv", ",x,,,,,,,\n"),
			kamp.RowError{File: "entities.csv", Line: 10, Column: "id", Reason: "required value is missing"}},
		{"entity id too long", withRow("entities.csv", strings.Repeat("x", 65)+",x,,,,,,,\n"),
			kamp.RowError{File: "entities.csv", Line: 10, Column: "id", Value: strings.Repeat("x", 64) + "…", Reason: "at most 64"}},
		{"entity name missing", withRow("entities.csv", "E1,,,,,,,,\n"),
			kamp.RowError{File: "entities.csv", Line: 10, Column: "name", Reason: "required value is missing"}},
		{"bad kind", withRow("entities.csv", "E1,x,bank,,,,,,\n"),
			kamp.RowError{File: "entities.csv", Line: 10, Column: "kind", Value: "bank", Reason: "must be company, person or state"}},
		{"bad is_client", withRow("entities.csv", "E1,x,,,,,,,yes\n"),
			kamp.RowError{File: "entities.csv", Line: 10, Column: "is_client", Value: "yes", Reason: "not a boolean"}},
		{"duplicate id", withRow("entities.csv", "LONG_ENTITY_ID_0123456789,again,,,,,,,\n"),
			kamp.RowError{File: "entities.csv", Line: 10, Column: "id", Value: "LONG_ENTITY_ID_0123456789", Reason: "duplicate id: the same as line 8"}},
		{"duplicate short id", withRow("entities.csv", "A,again,,,,,,,\n"),
			kamp.RowError{File: "entities.csv", Line: 10, Column: "id", Value: "A", Reason: "duplicate id: the same as line 4"}},
		{"wrong number of fields", withRow("entities.csv", "E1,x\n"),
			kamp.RowError{File: "entities.csv", Line: 10, Reason: "wrong number of fields: 2, the header has 9"}},
		{"missing column", withFile("entities.csv", "id,kind\nA,company\n"),
			kamp.RowError{File: "entities.csv", Line: 1, Column: "name", Reason: `missing required column "name"`}},
		{"not UTF-8", withRow("entities.csv", "E1,\xb9\xab\xcb\xbe,,,,,,,\n"),
			kamp.RowError{File: "entities.csv", Line: 10, Column: "name", Value: `\xb9\xab\xcb\xbe`, Reason: "invalid UTF-8"}},
		{"unclosed quote", withRow("entities.csv", "E1,\"x,,,,,,,\n"),
			kamp.RowError{File: "entities.csv", Line: 10, Column: "name", Reason: "quoted field starting on line 10 is not closed"}},
		{"empty file", withFile("entities.csv", ""),
			kamp.RowError{File: "entities.csv", Reason: "empty file"}},
		{"duplicate column", withFile("entities.csv", entityHeader[:len(entityHeader)-1]+",ID\n"),
			kamp.RowError{File: "entities.csv", Line: 1, Reason: "duplicate column"}},

		{"unknown holder", withRow("ownership.csv", "X9,A,10,,\n"),
			kamp.RowError{File: "ownership.csv", Line: 7, Column: "holder_id", Value: "X9", Reason: "unknown entity"}},
		{"bad held id", withRow("ownership.csv", "A,B!,10,,\n"),
			kamp.RowError{File: "ownership.csv", Line: 7, Column: "entity_id", Value: "B!", Reason: "not allowed in an id"}},
		{"holds itself", withRow("ownership.csv", "B,B,10,,\n"),
			kamp.RowError{File: "ownership.csv", Line: 7, Column: "holder_id", Value: "B", Reason: "cannot hold itself"}},
		{"share 0", withRow("ownership.csv", "A,D,0,,\n"),
			kamp.RowError{File: "ownership.csv", Line: 7, Column: "share_pct", Value: "0", Reason: "more than 0 and at most 100"}},
		{"share over 100", withRow("ownership.csv", "A,D,100.000001,,\n"),
			kamp.RowError{File: "ownership.csv", Line: 7, Column: "share_pct", Value: "100.000001", Reason: "more than 0 and at most 100"}},
		{"share with 7 decimals", withRow("ownership.csv", "A,D,1.0000001,,\n"),
			kamp.RowError{File: "ownership.csv", Line: 7, Column: "share_pct", Value: "1.0000001", Reason: "more than 6 decimals"}},
		{"share not a number", withRow("ownership.csv", "A,D,1e3,,\n"),
			kamp.RowError{File: "ownership.csv", Line: 7, Column: "share_pct", Value: "1e3", Reason: "exponent"}},
		{"share missing", withRow("ownership.csv", "A,D,,,\n"),
			kamp.RowError{File: "ownership.csv", Line: 7, Column: "share_pct", Reason: "required unless control is agreement"}},
		{"bad control", withRow("ownership.csv", "A,D,10,vie,\n"),
			kamp.RowError{File: "ownership.csv", Line: 7, Column: "control", Value: "vie", Reason: `must be empty or "agreement"`}},
		{"bad as_of", withRow("ownership.csv", "A,D,10,,2024-02-30\n"),
			kamp.RowError{File: "ownership.csv", Line: 7, Column: "as_of", Value: "2024-02-30", Reason: "day 30 does not exist"}},
		{"shares past 100.01", withRow("ownership.csv", "P1,B,49.01,,\nD,B,0.01,,\n"),
			kamp.RowError{File: "ownership.csv", Line: 8, Column: "share_pct", Value: "0.01", Reason: "the shares held in B would add up to 100.02%, more than 100.01"}},

		{"unknown client", withRow("exposures.csv", "Z,F8,,,1,\n"),
			kamp.RowError{File: "exposures.csv", Line: 9, Column: "client_id", Value: "Z", Reason: "unknown entity"}},
		{"negative amount", withRow("exposures.csv", "A,F8,,,-1,\n"),
			kamp.RowError{File: "exposures.csv", Line: 9, Column: "amount", Value: "-1", Reason: "must not be negative"}},
		{"amount with 5 decimals", withRow("exposures.csv", "A,F8,,,1.00001,\n"),
			kamp.RowError{File: "exposures.csv", Line: 9, Column: "amount", Value: "1.00001", Reason: "more than 4 decimals"}},
		{"amount missing", withRow("exposures.csv", "A,F8,,,,\n"),
			kamp.RowError{File: "exposures.csv", Line: 9, Column: "amount", Reason: "required value is missing"}},
		{"duplicate facility", withRow("exposures.csv", "B,F2,,,1,\n"),
			kamp.RowError{File: "exposures.csv", Line: 9, Column: "facility_id", Value: "F2", Reason: "duplicate facility_id: the same as line 3"}},
		{"facility missing", withRow("exposures.csv", "B,,,,1,\n"),
			kamp.RowError{File: "exposures.csv", Line: 9, Column: "facility_id", Reason: "required value is missing"}},
		{"currency without rate", withRow("exposures.csv", "A,F8,,JPY,1,\n"),
			kamp.RowError{File: "exposures.csv", Line: 9, Column: "currency", Value: "JPY", Reason: "unknown currency: no exchange rate for JPY in fx.csv"}},
		{"no rate so early", withRow("exposures.csv", "A,F8,,USD,1,2023-12-31\n"),
			kamp.RowError{File: "exposures.csv", Line: 9, Column: "currency", Value: "USD", Reason: "no exchange rate for USD on or before 2023-12-31 (the first is on 2024-01-31)"}},
		{"not a currency", withRow("exposures.csv", "A,F8,,XYZ,1,\n"),
			kamp.RowError{File: "exposures.csv", Line: 9, Column: "currency", Value: "XYZ", Reason: "unknown currency code"}},
		{"bad exposure date", withRow("exposures.csv", "A,F8,,,1,2024-13-01\n"),
			kamp.RowError{File: "exposures.csv", Line: 9, Column: "as_of", Value: "2024-13-01", Reason: "month 13 does not exist"}},
		{"foreign currency without fx.csv", map[string]string{"entities.csv": baseEntities, "ownership.csv": baseOwnership, "exposures.csv": baseExposures},
			kamp.RowError{File: "exposures.csv", Line: 3, Column: "currency", Value: "USD", Reason: "unknown currency"}},

		{"rate 0", withRow("fx.csv", "2024-03-31,USD,0\n"),
			kamp.RowError{File: "fx.csv", Line: 6, Column: "rate", Value: "0", Reason: "must be more than 0"}},
		{"rate with 11 decimals", withRow("fx.csv", "2024-03-31,USD,1.00000000001\n"),
			kamp.RowError{File: "fx.csv", Line: 6, Column: "rate", Value: "1.00000000001", Reason: "more than 10 decimals"}},
		{"duplicate rate", withRow("fx.csv", "2024-02-29,EUR,7.9\n"),
			kamp.RowError{File: "fx.csv", Line: 6, Column: "date", Value: "2024-02-29", Reason: "duplicate rate: the same date and currency as line 4"}},
		{"bad fx currency", withRow("fx.csv", "2024-03-31,US,7\n"),
			kamp.RowError{File: "fx.csv", Line: 6, Column: "currency", Value: "US", Reason: "not a currency code"}},
		{"bad fx date", withRow("fx.csv", "2024-3-31,USD,7\n"),
			kamp.RowError{File: "fx.csv", Line: 6, Column: "date", Value: "2024-3-31", Reason: "not a date"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := writeFolder(t, c.files)
			for _, size := range []int{1 << 20, 7} {
				withChunkSize(size, func() {
					_, err := LoadGroups(context.Background(), dir, Options{Workers: 2})
					var pe *ProblemError
					if !errors.As(err, &pe) || len(pe.Problems) == 0 {
						t.Fatalf("chunk %d: err = %v, want a *ProblemError", size, err)
					}
					got := pe.Problems[0]
					if got.File != c.want.File || got.Line != c.want.Line || got.Column != c.want.Column || got.Value != c.want.Value || !strings.Contains(got.Reason, c.want.Reason) {
						t.Errorf("chunk %d: first problem %+v\nwant %+v", size, got, c.want)
					}
					if kamp.ErrorCode(err) != kamp.EINVALID || !strings.Contains(kamp.ErrorMessage(err), FormatProblem(got)) {
						t.Errorf("chunk %d: message %q does not list %q", size, kamp.ErrorMessage(err), FormatProblem(got))
					}
				})
			}
		})
	}
}

func TestProblemsSortedAndCounted(t *testing.T) {
	// 30 bad rows, two problems on one of them: all are counted, the first
	// 20 by line (and by column within a line) are listed.
	var b strings.Builder
	b.WriteString(baseOwnership)
	for i := range 30 {
		if i == 3 {
			b.WriteString("A,NOPE,0,,\n")
			continue
		}
		fmt.Fprintf(&b, "A,D,%d.0000001,,\n", i)
	}
	dir := writeFolder(t, withFile("ownership.csv", b.String()))
	for _, size := range []int{1 << 20, 50} {
		withChunkSize(size, func() {
			_, err := LoadGroups(context.Background(), dir, Options{Workers: 3})
			var pe *ProblemError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v", err)
			}
			if pe.Total != 31 || len(pe.Problems) != DefaultMaxProblems || pe.File != "ownership.csv" {
				t.Fatalf("total %d, listed %d, file %q", pe.Total, len(pe.Problems), pe.File)
			}
			if p := pe.Problems[3]; p.Line != 10 || p.Column != "entity_id" {
				t.Errorf("problem 3 = %+v, want line 10, entity_id", p)
			}
			if p := pe.Problems[4]; p.Line != 10 || p.Column != "share_pct" {
				t.Errorf("problem 4 = %+v, want line 10, share_pct", p)
			}
			if p := pe.Problems[19]; p.Line != 25 {
				t.Errorf("problem 19 = %+v, want line 25", p)
			}
			if !strings.HasPrefix(err.Error(), "ownership.csv: 31 problems, the first 20:\n  ownership.csv:7:share_pct: \"0.0000001\": ") {
				t.Errorf("message = %q", err.Error())
			}
		})
	}
	_, err := LoadGroups(context.Background(), dir, Options{MaxProblems: 2})
	var pe *ProblemError
	if !errors.As(err, &pe) || len(pe.Problems) != 2 || pe.Total != 31 {
		t.Errorf("MaxProblems 2: %v", err)
	}
}

func TestFXRate(t *testing.T) {
	fx, err := LoadFX(context.Background(), writeFolder(t, map[string]string{"fx.csv": baseFX + "2024-01-31,CNY,1.0001\n"})+"/fx.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		cur, date string
		want      kamp.Rate
		ok        bool
	}{
		{"USD", "2024-01-30", 0, false},
		{"USD", "2024-01-31", 71_000_000_000, true},
		{"USD", "2024-02-28", 71_000_000_000, true},
		{"USD", "2024-02-29", 72_000_000_000, true},
		{"USD", "2030-01-01", 72_000_000_000, true},
		{"USD", "", 72_000_000_000, true},
		{"EUR", "", 78_000_000_000, true},
		{"CNY", "2024-01-01", 0, false},
		{"CNY", "", 10_001_000_000, true},
		{"JPY", "", 0, false},
	} {
		if got, ok := fx.Rate(c.cur, c.date); got != c.want || ok != c.ok {
			t.Errorf("Rate(%s, %q) = %v, %v; want %v, %v", c.cur, c.date, got, ok, c.want, c.ok)
		}
	}
	if got := fx.Currencies(); !reflect.DeepEqual(got, []string{"CNY", "EUR", "HKD", "USD"}) {
		t.Errorf("Currencies = %q", got)
	}
	var none *FX
	if r, ok := none.Rate("CNY", "2024-01-01"); r != rateOne || !ok {
		t.Errorf("nil FX: CNY = %v, %v", r, ok)
	}
	if _, ok := none.Rate("USD", ""); ok {
		t.Error("nil FX has a USD rate")
	}
}

func TestRoundRate(t *testing.T) {
	const unit = uint64(rateOne)
	for _, c := range []struct {
		hi, lo uint64
		want   kamp.Amount
		ok     bool
	}{
		{0, 0, 0, true},
		{0, unit/2 - 1, 0, true},
		{0, unit / 2, 1, true},
		{0, 3*unit - 1, 3, true},
		{0, 3*unit + unit/2, 4, true},
		{1, 0, 1844674407, true}, // 2^64 / 1e10 = 1844674407.37…
		{unit - 1, ^uint64(0), 0, false},
		{unit, 0, 0, false},
	} {
		if got, ok := roundRate(c.hi, c.lo); got != c.want || ok != c.ok {
			t.Errorf("roundRate(%d, %d) = %d, %v; want %d, %v", c.hi, c.lo, got, ok, c.want, c.ok)
		}
	}
}

func TestExposureTooLarge(t *testing.T) {
	// 922337203685477.5807 is the largest Amount; at a rate of 2 it
	// overflows.
	files := withRow("exposures.csv", "A,F9,,HKD,922337203685477,\nA,F10,,HKD,922337203685477,\nA,F11,,HKD,922337203685477,\nA,F12,,HKD,922337203685477,\nA,F13,,HKD,922337203685477,\n")
	_, err := LoadGroups(context.Background(), writeFolder(t, files), Options{})
	if kamp.ErrorCode(err) != kamp.EINVALID || !strings.Contains(kamp.ErrorMessage(err), "too large") {
		t.Errorf("err = %v", err)
	}
}

// randomBank writes a random bank of n entities, with quoted names (some
// with line breaks), random kinds and shares, as CSV text.
func randomBank(r *rand.Rand, n int) map[string]string {
	var ents, own, exp strings.Builder
	ents.WriteString("id,name,kind,is_client\n")
	kinds := []string{"", "company", "Person", "STATE"}
	id := func(i int) string {
		if i%3 == 0 {
			return fmt.Sprintf("entity-with-a-long-id.%06d", i)
		}
		return fmt.Sprintf("E%d", i)
	}
	for i := range n {
		name := fmt.Sprintf("Name %d", i)
		if r.IntN(4) == 0 {
			name = fmt.Sprintf("\"Name, %d\nLtd \"\"%d\"\"\"", i, i)
		}
		fmt.Fprintf(&ents, "%s,%s,%s,%d\n", id(i), name, kinds[r.IntN(4)], r.IntN(2))
		if r.IntN(10) == 0 {
			ents.WriteString("\n")
		}
	}
	own.WriteString("holder_id,entity_id,share_pct,control\n")
	for i := 1; i < n; i++ {
		h := r.IntN(i)
		fmt.Fprintf(&own, "%s,%s,%d.%d,%s\n", id(h), id(i), 1+r.IntN(50), r.IntN(1000), []string{"", "", "agreement"}[r.IntN(3)])
	}
	exp.WriteString("client_id,facility_id,currency,amount\n")
	for i := range n {
		fmt.Fprintf(&exp, "%s,FAC%d,%s,%d.%04d\n", id(r.IntN(n)), i, []string{"", "CNY", "USD", "eur"}[r.IntN(4)], r.IntN(1e6), r.IntN(1e4))
	}
	return map[string]string{"entities.csv": ents.String(), "ownership.csv": own.String(), "exposures.csv": exp.String(), "fx.csv": baseFX}
}

func TestLoadDoesNotDependOnChunks(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	files := randomBank(r, 3000)
	dir := writeFolder(t, files)
	want := load(t, dir, Options{Workers: 1})
	if want.Entities.Len() != 3000 || len(want.Edges) != 2999 || want.Exposures.Rows != 3000 {
		t.Fatalf("loaded %d entities, %d edges, %d exposures", want.Entities.Len(), len(want.Edges), want.Exposures.Rows)
	}
	same := func(t *testing.T, got *Data) {
		t.Helper()
		if !reflect.DeepEqual(got.Entities.IDs, want.Entities.IDs) || !reflect.DeepEqual(got.Entities.State, want.Entities.State) ||
			!reflect.DeepEqual(got.Entities.Client, want.Entities.Client) || !reflect.DeepEqual(got.Edges, want.Edges) ||
			!reflect.DeepEqual(got.Exposures, want.Exposures) {
			t.Error("the result differs")
		}
	}
	for _, size := range []int{64, 1000, 9999} {
		for _, workers := range []int{2, 5} {
			withChunkSize(size, func() { same(t, load(t, dir, Options{Workers: workers})) })
		}
	}
	// The same through package tabular, sequentially (as .xlsx).
	xlsx := map[string]string{}
	for name, content := range files {
		xlsx[strings.TrimSuffix(name, ".csv")+".xlsx"] = content
	}
	same(t, load(t, writeFolder(t, xlsx), Options{}))
	// And gzipped.
	gz := map[string]string{}
	maps.Copy(gz, files)
	gz["entities.csv.gz"] = gz["entities.csv"]
	delete(gz, "entities.csv")
	same(t, load(t, writeFolder(t, gz), Options{}))
}
