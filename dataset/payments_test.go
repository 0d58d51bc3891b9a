package dataset

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"

	"github.com/kampbank/kamp"
)

const paymentsEntities = "id,name,is_client\nA,Alpha Co,1\nB,\"Beta, Ltd\",1\nC,（甲）有限公司,0\n"

const paymentsFX = "date,currency,rate\n2024-01-15,USD,7.1\n"

// recorder is a PaymentSink that keeps copies of the payments it is given.
type recorder struct {
	got     []kamp.Payment
	resets  int
	refuse  string // a txn_id to refuse
	skip    string // a date to leave out
	skipped atomic.Int64
	ents    *Entities
	sameIDs bool // every id given was the entities' own string
}

func (r *recorder) Wanted(payer, payee int32, date string) bool {
	if date == r.skip {
		r.skipped.Add(1)
		return false
	}
	return true
}

func (r *recorder) Add(p *kamp.Payment, payer, payee int32) error {
	for _, side := range [2]struct {
		idx int32
		id  string
	}{{payer, p.PayerID}, {payee, p.PayeeID}} {
		if (side.idx >= 0) != (side.id != "") || side.idx >= 0 && r.ents.IDs[side.idx] != side.id {
			return kamp.Errorf(kamp.EINVALID, "payment %q: side index %d does not match id %q", p.TxnID, side.idx, side.id)
		}
	}
	if p.TxnID == r.refuse {
		return kamp.Errorf(kamp.EINVALID, "payment %q: refused", p.TxnID)
	}
	for _, id := range []string{p.PayerID, p.PayeeID} {
		if id == "" {
			continue
		}
		i, _ := r.ents.Index(id)
		if unsafe.StringData(r.ents.IDs[i]) != unsafe.StringData(id) {
			r.sameIDs = false
		}
	}
	c := *p
	c.TxnID, c.Date = strings.Clone(c.TxnID), strings.Clone(c.Date)
	c.PayerID, c.PayerName = strings.Clone(c.PayerID), strings.Clone(c.PayerName)
	c.PayeeID, c.PayeeName = strings.Clone(c.PayeeID), strings.Clone(c.PayeeName)
	r.got = append(r.got, c)
	return nil
}

func (r *recorder) Reset() error {
	r.resets++
	r.got = nil
	return nil
}

// sorted returns the payments by txn_id.
func (r *recorder) sorted() []kamp.Payment {
	out := slices.Clone(r.got)
	slices.SortFunc(out, func(a, b kamp.Payment) int { return cmp.Compare(a.TxnID, b.TxnID) })
	return out
}

// scanFolder writes entities, fx and payments into a folder and scans the
// payments into a recorder.
func scanFolder(t testing.TB, payments string, opt Options, rec *recorder) (int64, error) {
	t.Helper()
	dir := writeFolder(t, map[string]string{"entities.csv": paymentsEntities, "fx.csv": paymentsFX, "payments.csv": payments})
	ctx := context.Background()
	ents, err := LoadEntities(ctx, filepath.Join(dir, "entities.csv"), opt)
	if err != nil {
		t.Fatal(err)
	}
	fx, err := LoadFX(ctx, filepath.Join(dir, "fx.csv"), opt)
	if err != nil {
		t.Fatal(err)
	}
	rec.ents, rec.sameIDs = ents, true
	return ScanPayments(ctx, filepath.Join(dir, "payments.csv"), ents, fx, opt, rec)
}

func TestScanPayments(t *testing.T) {
	const csv = "TXN_ID,date,payer_id,payer_name,payee_id,payee_name,amount,currency\n" +
		"T1,2024-02-01,A,ignored,B,,12.5,usd\n" +
		"T2,2024-02-02,,\"Gamma, Inc\",A,,3,\n" +
		"T3,2024-02-03,B,,,（甲）有限公司,0.0001,CNY\n" +
		"T4,2024-02-04,A,,B,,1,\n"
	rec := &recorder{skip: "2024-02-04"}
	rows, err := scanFolder(t, csv, Options{}, rec)
	if err != nil {
		t.Fatal(err)
	}
	if rows != 4 {
		t.Errorf("rows = %d, want 4", rows)
	}
	want := []kamp.Payment{
		{TxnID: "T1", Date: "2024-02-01", PayerID: "A", PayerName: "ignored", PayeeID: "B", Amount: 125000, Currency: "USD"},
		{TxnID: "T2", Date: "2024-02-02", PayerName: "Gamma, Inc", PayeeID: "A", Amount: 30000, Currency: "CNY"},
		{TxnID: "T3", Date: "2024-02-03", PayerID: "B", PayeeName: "（甲）有限公司", Amount: 1, Currency: "CNY"},
	}
	if got := rec.sorted(); !slices.Equal(got, want) {
		t.Errorf("payments =\n%+v\nwant\n%+v", got, want)
	}
	if rec.skipped.Load() != 1 {
		t.Errorf("Wanted left out %d rows, want 1", rec.skipped.Load())
	}
	if !rec.sameIDs {
		t.Error("ids were not the entities' own strings")
	}
}

func TestScanPaymentsProblems(t *testing.T) {
	const head = "txn_id,date,payer_id,payer_name,payee_id,payee_name,amount,currency\n"
	for _, tc := range []struct {
		name, row string
		want      string
	}{
		{"missing txn", ",2024-01-20,A,,B,,1,", `payments.csv:2:txn_id: required value is missing`},
		{"bad txn", "T 1,2024-01-20,A,,B,,1,", ""},
		{"missing date", "T1,,A,,B,,1,", `payments.csv:2:date: required value is missing`},
		{"bad date", "T1,2024-02-30,A,,B,,1,", `payments.csv:2:date: "2024-02-30": day 30 does not exist in 2024-02, which has 29 days`},
		{"no payer", "T1,2024-01-20,,,B,,1,", `payments.csv:2:payer_id: the payer needs payer_id or payer_name`},
		{"no payee", "T1,2024-01-20,A,,,,1,", `payments.csv:2:payee_id: the payee needs payee_id or payee_name`},
		{"unknown payer", "T1,2024-01-20,X,,B,,1,", `payments.csv:2:payer_id: "X": unknown entity: no such id in entities.csv`},
		{"unknown payee", "T1,2024-01-20,A,,Y,name,1,", `payments.csv:2:payee_id: "Y": unknown entity: no such id in entities.csv`},
		{"zero amount", "T1,2024-01-20,A,,B,,0.00,", `payments.csv:2:amount: "0.00": must be more than 0`},
		{"negative amount", "T1,2024-01-20,A,,B,,-1,", ""},
		{"missing amount", "T1,2024-01-20,A,,B,,,", `payments.csv:2:amount: required value is missing`},
		{"unknown currency", "T1,2024-01-20,A,,B,,1,GBP", `payments.csv:2:currency: "GBP": unknown currency: no exchange rate for GBP in fx.csv`},
		{"rate too late", "T1,2023-12-20,A,,B,,1,USD", `payments.csv:2:currency: "USD": no exchange rate for USD on or before 2023-12-31 (the first is on 2024-01-15)`},
		{"wrong fields", "T1,2024-01-20,A,,B,,1", `payments.csv:2: wrong number of fields: 7, the header has 8`},
		{"empty match key", "T1,2024-01-20,,( ),B,,1,", `payments.csv:2:payer_name: "( )": the name has an empty match key: it holds only spaces and brackets`},
		{"refused", "T9,2024-01-20,A,,B,,1,", `payments.csv:2: payment "T9": refused`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{refuse: "T9"}
			if strings.Contains(tc.name, "match key") {
				rec.refuse = "T1"
			}
			_, err := scanFolder(t, head+tc.row+"\nT5,2024-01-20,A,,B,,1,\n", Options{}, rec)
			var pe *ProblemError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a *ProblemError", err)
			}
			if len(pe.Problems) != 1 {
				t.Fatalf("problems = %v, want one", pe.Problems)
			}
			if got := FormatProblem(pe.Problems[0]); tc.want != "" && got != tc.want {
				t.Errorf("problem = %s\nwant      %s", got, tc.want)
			}
			if len(rec.got) != 1 || rec.got[0].TxnID != "T5" {
				t.Errorf("the sink got %+v, want only T5", rec.got)
			}
		})
	}
}

func TestScanPaymentsMissingColumn(t *testing.T) {
	_, err := scanFolder(t, "txn_id,date,payer_id,payee_id\nT1,2024-01-20,A,B\n", Options{}, &recorder{})
	if err == nil || !strings.Contains(err.Error(), `missing required column "amount"`) {
		t.Errorf("err = %v", err)
	}
}

// paymentsFile returns a payments.csv of n rows in various shapes.
func paymentsFile(n int) string {
	var b strings.Builder
	b.WriteString("txn_id,date,payer_id,payer_name,payee_id,payee_name,amount,currency\n")
	for i := range n {
		switch i % 4 {
		case 0:
			fmt.Fprintf(&b, "T%d,2024-02-%02d,A,,B,,%d.%d,\n", i, 1+i%28, i+1, i%10)
		case 1:
			fmt.Fprintf(&b, "T%d,2024-03-%02d,,\"Name, %d\",A,,%d,USD\n", i, 1+i%28, i%7, i+1)
		case 2:
			fmt.Fprintf(&b, "\"T%d\",2024-04-01,B,,,\"line\nbreak %d\",1,cny\r\n", i, i%5)
		default:
			fmt.Fprintf(&b, "T%d,2024-05-01,C,,A,,0.5,\n\n", i)
		}
	}
	return b.String()
}

// TestScanPaymentsChunks checks that the payments handed over do not depend
// on how the file is cut, and that a file the fast reader gives up on is
// read again after a Reset.
func TestScanPaymentsChunks(t *testing.T) {
	csv := paymentsFile(500)
	whole := &recorder{}
	if _, err := scanFolder(t, csv, Options{Workers: 1}, whole); err != nil {
		t.Fatal(err)
	}
	if len(whole.got) != 500 {
		t.Fatalf("%d payments, want 500", len(whole.got))
	}
	defer func(n int) { chunkSize = n }(chunkSize)
	chunkSize = 101
	cut := &recorder{}
	rows, err := scanFolder(t, csv, Options{Workers: 3}, cut)
	if err != nil {
		t.Fatal(err)
	}
	if rows != 500 || !slices.Equal(whole.sorted(), cut.sorted()) {
		t.Errorf("chunked scan differs (%d rows)", rows)
	}
	// Bytes that are not UTF-8 make the fast reader give up: the file is
	// read again, and the error is the sequential reader's.
	bad := &recorder{}
	_, err = scanFolder(t, csv+"T9,2024-01-20,A,\xff,B,,1,\n", Options{Workers: 2}, bad)
	if err == nil || bad.resets != 1 {
		t.Errorf("err = %v, resets = %d", err, bad.resets)
	}
}

func TestLoadEntitiesWithNames(t *testing.T) {
	dir := writeFolder(t, map[string]string{"entities.csv": paymentsEntities})
	ctx := context.Background()
	// Blocks of a row or two: the names of several chunks are gathered.
	defer func(n int) { chunkSize = n }(chunkSize)
	chunkSize = 16
	for _, workers := range []int{1, 2, 3} {
		ents, err := LoadEntitiesWithNames(ctx, filepath.Join(dir, "entities.csv"), Options{Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"Alpha Co", "Beta, Ltd", "（甲）有限公司"}; !slices.Equal(ents.Names, want) {
			t.Errorf("names = %q, want %q", ents.Names, want)
		}
	}
	ents, err := LoadEntities(ctx, filepath.Join(dir, "entities.csv"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ents.Names != nil {
		t.Errorf("LoadEntities kept the names: %q", ents.Names)
	}
}

// FuzzScanPayments checks that any payments.csv is either read or refused
// with an error, the same whole as cut in small chunks.
func FuzzScanPayments(f *testing.F) {
	f.Add(paymentsFile(9))
	f.Add("txn_id,date,payer_id,payee_name,amount\nT1,2024-02-01,A,\"x\"\"y\",1\n")
	f.Add("amount,date,txn_id,payer_name,payee_id,currency\n1,2024-02-01,T1,( ),B,usd\n")
	f.Add("txn_id,date,payer_id,payee_id,amount\nT1,2024-02-31,A,B,-1\nT1,2024-02-01,X,B,1\n")
	f.Fuzz(func(t *testing.T, csv string) {
		whole := &recorder{}
		_, err1 := scanFolder(t, csv, Options{Workers: 1}, whole)
		old := chunkSize
		chunkSize = 16
		cut := &recorder{}
		_, err2 := scanFolder(t, csv, Options{Workers: 2}, cut)
		chunkSize = old
		if (err1 == nil) != (err2 == nil) || err1 != nil && err1.Error() != err2.Error() {
			t.Fatalf("whole: %v; cut: %v", err1, err2)
		}
		if !slices.Equal(whole.sorted(), cut.sorted()) {
			t.Fatal("cut scan differs")
		}
	})
}

// concurrentRecorder is a recorder that takes the rows on the workers.
type concurrentRecorder struct {
	recorder
	mu      sync.Mutex
	workers atomic.Int64 // calls of Worker
	serial  atomic.Int64 // calls of Add
}

func (c *concurrentRecorder) Add(p *kamp.Payment, payer, payee int32) error {
	c.serial.Add(1)
	return c.recorder.Add(p, payer, payee)
}

func (c *concurrentRecorder) Worker() func(ps []kamp.Payment, sides []int32, refused func(i int, err error)) {
	c.workers.Add(1)
	return func(ps []kamp.Payment, sides []int32, refused func(i int, err error)) {
		c.mu.Lock()
		defer c.mu.Unlock()
		for i := range ps {
			if err := c.recorder.Add(&ps[i], sides[2*i], sides[2*i+1]); err != nil {
				refused(i, err)
			}
		}
	}
}

// TestScanPaymentsConcurrentSink checks that a ConcurrentPaymentSink gets,
// on its workers' functions, the rows a PaymentSink gets, and that a row it
// refuses is reported at its line.
func TestScanPaymentsConcurrentSink(t *testing.T) {
	// More rows than a batch, one refused after the first batch.
	csv := paymentsFile(1500)
	want := &recorder{refuse: "T1100"}
	_, wantErr := scanFolder(t, csv, Options{Workers: 1}, want)
	if wantErr == nil {
		t.Fatal("the refused row was not reported")
	}
	defer func(n int) { chunkSize = n }(chunkSize)
	chunkSize = 40000 // about 1,000 rows: two batches a chunk
	got := &concurrentRecorder{recorder: recorder{refuse: "T1100"}}
	dir := writeFolder(t, map[string]string{"entities.csv": paymentsEntities, "fx.csv": paymentsFX, "payments.csv": csv})
	ctx := context.Background()
	ents, err := LoadEntities(ctx, filepath.Join(dir, "entities.csv"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	fx, err := LoadFX(ctx, filepath.Join(dir, "fx.csv"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got.ents = ents
	rows, err := ScanPayments(ctx, filepath.Join(dir, "payments.csv"), ents, fx, Options{Workers: 3}, got)
	var pe *ProblemError
	if !errors.As(err, &pe) || len(pe.Problems) != 1 || err.Error() != wantErr.Error() || !strings.Contains(err.Error(), `payment "T1100": refused`) {
		t.Fatalf("err = %v, want %v", err, wantErr)
	}
	if rows != 1500 || len(got.got) != 1499 || !slices.Equal(want.sorted(), got.sorted()) {
		t.Errorf("the concurrent sink got %d payments of %d rows, want %d", len(got.got), rows, len(want.got))
	}
	if n := got.workers.Load(); n < 1 || n > 3 {
		t.Errorf("Worker was called %d times for 3 workers", n)
	}
	if got.serial.Load() != 0 {
		t.Errorf("Add was called %d times", got.serial.Load())
	}
}

// TestScanPaymentsDates checks every row's date when the rows repeat the
// date before them: good and bad dates after good ones, in quoted fields
// (parsed into a buffer the next quoted row reuses), and a first date of
// zero bytes.
func TestScanPaymentsDates(t *testing.T) {
	const head = "txn_id,date,payer_id,payer_name,payee_id,payee_name,amount,currency\n"
	rows := "T1,\"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\",A,,B,,1,\n" +
		"T2,2024-02-28,A,,B,,1,\n" +
		"T3,2024-02-28,A,,B,,1,\n" +
		"T4,\"2024-02-28\",A,,B,,1,\n" +
		"T5,\"2023-02-29\",A,,B,,1,\n" +
		"T6,2024-02-28,A,,B,,1,\n" +
		"T7,2024-02-30,A,,B,,1,\n" +
		"T8,2024-02-30,A,,B,,1,\n" +
		"T9,\"2024-02-29\",A,,\"B\",,1,\n"
	rec := &recorder{}
	_, err := scanFolder(t, head+rows, Options{}, rec)
	var pe *ProblemError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want a *ProblemError", err)
	}
	var lines []int
	for _, p := range pe.Problems {
		lines = append(lines, p.Line)
	}
	if want := []int{2, 6, 8, 9}; !slices.Equal(lines, want) {
		t.Errorf("problems on lines %v, want %v: %v", lines, want, pe.Problems)
	}
	var got []string
	for _, p := range rec.got {
		got = append(got, p.TxnID+" "+p.Date)
	}
	slices.Sort(got)
	if want := []string{"T2 2024-02-28", "T3 2024-02-28", "T4 2024-02-28", "T6 2024-02-28", "T9 2024-02-29"}; !slices.Equal(got, want) {
		t.Errorf("the sink got %q, want %q", got, want)
	}
}

// TestScanPaymentsQuotedFields checks the fields of every payment handed
// over, against those paymentsFile wrote: the quoted ones are parsed into a
// buffer the next quoted row reuses, the others are parts of the chunk, on
// both readers (file mapped into memory or read into buffers).
func TestScanPaymentsQuotedFields(t *testing.T) {
	const n = 3000
	csv := paymentsFile(n)
	defer func(n int) { chunkSize = n }(chunkSize)
	chunkSize = 40000
	for _, mapped := range []bool{true, false} {
		withMapping(mapped, func() {
			rec := &recorder{}
			if _, err := scanFolder(t, csv, Options{Workers: 2}, rec); err != nil {
				t.Fatal(err)
			}
			if len(rec.got) != n {
				t.Fatalf("mapped %v: %d payments, want %d", mapped, len(rec.got), n)
			}
			for _, p := range rec.got {
				i, err := strconv.Atoi(p.TxnID[1:])
				if err != nil {
					t.Fatal(err)
				}
				var want kamp.Payment
				switch i % 4 {
				case 0:
					want = kamp.Payment{Date: fmt.Sprintf("2024-02-%02d", 1+i%28), PayerID: "A", PayeeID: "B"}
				case 1:
					want = kamp.Payment{Date: fmt.Sprintf("2024-03-%02d", 1+i%28), PayerName: fmt.Sprintf("Name, %d", i%7), PayeeID: "A"}
				case 2:
					want = kamp.Payment{Date: "2024-04-01", PayerID: "B", PayeeName: fmt.Sprintf("line\nbreak %d", i%5)}
				default:
					want = kamp.Payment{Date: "2024-05-01", PayerID: "C", PayeeID: "A"}
				}
				got := p
				got.TxnID, got.Amount, got.Currency = "", 0, ""
				if got != want {
					t.Fatalf("mapped %v: payment %s is %+v, want %+v", mapped, p.TxnID, got, want)
				}
			}
		})
	}
}
