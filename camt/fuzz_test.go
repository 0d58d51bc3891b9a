package camt

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// FuzzRead checks that Read never panics and either passes entries (each
// with its line and, when good, an amount above 0) or returns an error.
func FuzzRead(f *testing.F) {
	for _, name := range []string{"v02.xml", "v08.xml", "bad.xml"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`<Document><BkToCstmrStmt><Stmt><Ntry><Amt Ccy="EUR">1</Amt></Ntry></Stmt><Stmt><Ntry/></Stmt></BkToCstmrStmt></Document>`))
	f.Add([]byte(`<a:Document xmlns:a="x"><a:BkToCstmrStmt><a:Stmt><a:Ntry><a:NtryDtls><a:TxDtls/><a:TxDtls/></a:NtryDtls></a:Ntry></a:Stmt></a:BkToCstmrStmt></a:Document>`))
	f.Add([]byte("<"))
	f.Fuzz(func(t *testing.T, b []byte) {
		n := 0
		err := Read(strings.NewReader(string(b)), "f.xml", func(e Entry) error {
			n++
			if e.Line < 1 {
				t.Fatalf("entry without a line: %+v", e)
			}
			if e.Err == nil && e.Amount <= 0 {
				t.Fatalf("good entry with amount %v", e.Amount)
			}
			if e.Err == nil && e.ValueDate == "" {
				t.Fatalf("good entry without a value date: %+v", e)
			}
			if p, err := ToPayment(e.Statement, e, ""); err == nil && (p.TxnID == "" || p.PayerName == "" || p.PayeeName == "") {
				t.Fatalf("payment with an empty side or id: %+v", p)
			}
			return nil
		})
		var ce *Error
		if err != nil && !errors.As(err, &ce) {
			t.Fatalf("Read returned %T %v, want a *Error", err, err)
		}
	})
}
