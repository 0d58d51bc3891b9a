package camt

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/kampbank/kamp"
)

// readFile reads a fixture and returns its entries.
func readFile(t *testing.T, name string) []Entry {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []Entry
	if err := Read(f, name, func(e Entry) error { out = append(out, e); return nil }); err != nil {
		t.Fatalf("Read(%s): %v", name, err)
	}
	return out
}

// hashID is the documented fallback txn_id, computed independently.
func hashID(account string, index int, date, units, ccy, ind string, tx ...string) string {
	s := account + "\x00" + itoa(index) + "\x00" + date + "\x00" + units + "\x00" + ccy + "\x00" + ind
	for _, x := range tx {
		s += "\x00" + x
	}
	sum := sha256.Sum256([]byte(s))
	return "camt-" + hex.EncodeToString(sum[:])[:20]
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

func TestRead(t *testing.T) {
	type want struct {
		line, index, tx, batch int
		amount                 kamp.Amount
		ccy, ind, status, val  string
		debtor, creditor       Party
		err                    string // Element of Err, or ""
	}
	tests := []struct {
		file    string
		account string
		owner   string
		ownerID string
		entries []want
	}{
		{"v02.xml", "DE02100100100006820101", "Harbour Logistics GmbH", "C001", []want{
			{line: 25, index: 0, amount: 12505000, ccy: "EUR", ind: Debit, status: StatusBooked, val: "2026-10-06", creditor: Party{"Nordic Steel AB", "SE4550000000058398257466"}},
			{line: 44, index: 1, amount: 3000000, ccy: "EUR", ind: Credit, status: StatusBooked, val: "2026-10-08", debtor: Party{"Alpine Foods SA", "CH-ACC-9"}},
			{line: 60, index: 2, amount: 999900, ccy: "EUR", ind: Credit, status: StatusPending, val: "2026-10-30", debtor: Party{Name: "Later Payer Ltd"}},
			{line: 67, index: 3, tx: 0, batch: 2, amount: 2000000, ccy: "EUR", ind: Debit, status: StatusBooked, val: "2026-10-12", creditor: Party{Name: "Supplier One"}},
			{line: 67, index: 3, tx: 1, batch: 2, amount: 3000000, ccy: "EUR", ind: Debit, status: StatusBooked, val: "2026-10-12", creditor: Party{Name: "Supplier Two"}},
		}},
		{"v08.xml", "4400112233", "Eastern Textile Co., Ltd.", "", []want{
			{line: 11, index: 0, amount: 100000001, ccy: "USD", ind: Credit, status: StatusBooked, val: "2026-10-21", debtor: Party{"Pacific Trading Inc", "GB33BUKB20201555555555"}},
			{line: 30, index: 1, amount: 888000, ccy: "CNY", ind: Debit, status: StatusInfo, val: "2026-10-22"},
			{line: 36, index: 2, tx: 0, batch: 2, amount: 15000000, ccy: "CNY", ind: Debit, status: StatusBooked, val: "2026-10-23", creditor: Party{Name: "Batch Payee A"}},
			{line: 36, index: 2, tx: 1, batch: 2, amount: 5000000, ccy: "CNY", ind: Debit, status: StatusBooked, val: "2026-10-23", creditor: Party{Name: "Batch Payee B"}},
		}},
		{"bad.xml", "DE02100100100006820101", "Harbour Logistics GmbH", "", []want{
			{line: 7, index: 0, ccy: "EUR", ind: Debit, status: StatusBooked, val: "2026-10-02", creditor: Party{Name: "Somebody"}, err: "Amt"},
			{line: 14, index: 1, amount: 100000, ccy: "EUR", ind: Credit, status: StatusBooked, val: "2026-10-03", creditor: Party{Name: "Me Again"}},
			{line: 21, index: 2, amount: 100000, ccy: "EUR", ind: "SIDEWAYS", status: StatusBooked, err: "CdtDbtInd"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got := readFile(t, tt.file)
			if len(got) != len(tt.entries) {
				t.Fatalf("got %d entries, want %d", len(got), len(tt.entries))
			}
			for i, w := range tt.entries {
				g := got[i]
				if g.Statement.Account != tt.account || g.Statement.OwnerName != tt.owner || g.Statement.OwnerID != tt.ownerID {
					t.Errorf("entry %d: statement %+v, want account %q owner %q id %q", i, g.Statement, tt.account, tt.owner, tt.ownerID)
				}
				if g.Line != w.line || g.Index != w.index || g.Tx != w.tx || g.Batch != w.batch {
					t.Errorf("entry %d: line/index/tx/batch %d/%d/%d/%d, want %d/%d/%d/%d", i, g.Line, g.Index, g.Tx, g.Batch, w.line, w.index, w.tx, w.batch)
				}
				if g.Amount != w.amount || g.Currency != w.ccy || g.CdtDbtInd != w.ind || g.Status != w.status || g.ValueDate != w.val {
					t.Errorf("entry %d: %v %s %s %s %s, want %v %s %s %s %s", i, g.Amount, g.Currency, g.CdtDbtInd, g.Status, g.ValueDate, w.amount, w.ccy, w.ind, w.status, w.val)
				}
				if g.Debtor != w.debtor || g.Creditor != w.creditor {
					t.Errorf("entry %d: debtor %+v creditor %+v, want %+v %+v", i, g.Debtor, g.Creditor, w.debtor, w.creditor)
				}
				switch {
				case w.err == "" && g.Err != nil:
					t.Errorf("entry %d: unexpected error %v", i, g.Err)
				case w.err != "" && (g.Err == nil || g.Err.Element != w.err || g.Err.Line != w.line):
					t.Errorf("entry %d: error %v, want one on element %s line %d", i, g.Err, w.err, w.line)
				}
			}
		})
	}
}

func TestReadErrors(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"not xml", "hello <", "not well-formed XML"},
		{"unclosed", "<Document><BkToCstmrStmt><Stmt>", "not well-formed XML"},
		{"no statement", `<Document><BkToCstmrStmt><GrpHdr/></BkToCstmrStmt></Document>`, "no Document/BkToCstmrStmt/Stmt"},
		{"camt.052 report", `<Document><BkToCstmrAcctRpt><Rpt><Ntry/></Rpt></BkToCstmrAcctRpt></Document>`, "no Document/BkToCstmrStmt/Stmt"},
		{"too deep", "<Document><BkToCstmrStmt><Stmt>" + strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100) + "</Stmt></BkToCstmrStmt></Document>", "nested more than"},
		{"text too long", "<Document><BkToCstmrStmt><Stmt><Id>" + strings.Repeat("x", maxText+1) + "</Id></Stmt></BkToCstmrStmt></Document>", "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Read(strings.NewReader(tt.doc), "x.xml", func(Entry) error { return nil })
			var ce *Error
			if !errors.As(err, &ce) || !strings.Contains(ce.Reason, tt.want) {
				t.Fatalf("Read: %v, want a *Error with %q", err, tt.want)
			}
		})
	}
	stop := errors.New("stop")
	f, err := os.Open("testdata/v02.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := Read(f, "v02.xml", func(Entry) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("Read returned %v, want the callback's error", err)
	}
}

func TestEntryErrors(t *testing.T) {
	ntry := func(body string) string {
		return `<Document><BkToCstmrStmt><Stmt><Acct><Ownr><Nm>O</Nm></Ownr></Acct><Ntry>` + body + `</Ntry></Stmt></BkToCstmrStmt></Document>`
	}
	const ok = `<CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-01-02</Dt></BookgDt>`
	tests := []struct {
		name, body, element string
	}{
		{"five decimals", `<Amt Ccy="EUR">1.00001</Amt>` + ok, "Amt"},
		{"negative", `<Amt Ccy="EUR">-1</Amt>` + ok, "Amt"},
		{"zero", `<Amt Ccy="EUR">0.00</Amt>` + ok, "Amt"},
		{"missing amount", ok, "Amt"},
		{"missing currency", `<Amt>1</Amt>` + ok, "Amt@Ccy"},
		{"bad currency", `<Amt Ccy="XYZ1">1</Amt>` + ok, "Amt@Ccy"},
		{"no status", `<Amt Ccy="EUR">1</Amt><CdtDbtInd>DBIT</CdtDbtInd><BookgDt><Dt>2026-01-02</Dt></BookgDt>`, "Sts"},
		{"unknown status", `<Amt Ccy="EUR">1</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>DONE</Sts><BookgDt><Dt>2026-01-02</Dt></BookgDt>`, "Sts"},
		{"no date", `<Amt Ccy="EUR">1</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>`, "ValDt"},
		{"bad DtTm", `<Amt Ccy="EUR">1</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts><ValDt><DtTm>2026-01-02 10:00</DtTm></ValDt>`, "ValDt/DtTm"},
		{"batch without amounts", `<Amt Ccy="EUR">2</Amt>` + ok + `<NtryDtls><TxDtls/><TxDtls/></NtryDtls>`, "NtryDtls/TxDtls/AmtDtls/TxAmt/Amt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []Entry
			if err := Read(strings.NewReader(ntry(tt.body)), "x.xml", func(e Entry) error { got = append(got, e); return nil }); err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 || got[0].Err == nil || got[0].Err.Element != tt.element {
				t.Fatalf("entries %+v, want the first with an error on %s", got, tt.element)
			}
			if _, err := ToPayment(got[0].Statement, got[0], ""); err == nil {
				t.Fatal("ToPayment accepted a bad entry")
			}
		})
	}
}

func TestToPayment(t *testing.T) {
	v02, v08, bad := readFile(t, "v02.xml"), readFile(t, "v08.xml"), readFile(t, "bad.xml")
	tests := []struct {
		name    string
		e       Entry
		ownerID string
		want    kamp.Payment
		err     string // Element of the error, or ""
	}{
		{"debit to creditor, owner resolved", v02[0], "C001",
			kamp.Payment{TxnID: "REF-0001", Date: "2026-10-06", PayerID: "C001", PayeeName: "Nordic Steel AB", Amount: 12505000, Currency: "EUR"}, ""},
		{"debit, owner by name", v02[0], "",
			kamp.Payment{TxnID: "REF-0001", Date: "2026-10-06", PayerName: "Harbour Logistics GmbH", PayeeName: "Nordic Steel AB", Amount: 12505000, Currency: "EUR"}, ""},
		{"credit from debtor, DtTm value date, invalid ref hashed", v02[1], "",
			kamp.Payment{TxnID: hashID("DE02100100100006820101", 1, "2026-10-08", "3000000", "EUR", "CRDT"), Date: "2026-10-08", PayerName: "Alpine Foods SA", PayeeName: "Harbour Logistics GmbH", Amount: 3000000, Currency: "EUR"}, ""},
		{"pending is no payment", v02[2], "", kamp.Payment{}, "Sts"},
		{"batch, own ref", v02[3], "",
			kamp.Payment{TxnID: "BATCH-9-1", Date: "2026-10-12", PayerName: "Harbour Logistics GmbH", PayeeName: "Supplier One", Amount: 2000000, Currency: "EUR"}, ""},
		{"batch, hashed with tx index", v02[4], "",
			kamp.Payment{TxnID: hashID("DE02100100100006820101", 3, "2026-10-12", "3000000", "EUR", "DBIT", "1"), Date: "2026-10-12", PayerName: "Harbour Logistics GmbH", PayeeName: "Supplier Two", Amount: 3000000, Currency: "EUR"}, ""},
		{"v08 credit, TxId, Pty/Nm", v08[0], "",
			kamp.Payment{TxnID: "T8.0001", Date: "2026-10-21", PayerName: "Pacific Trading Inc", PayeeName: "Eastern Textile Co., Ltd.", Amount: 100000001, Currency: "USD"}, ""},
		{"info is no payment", v08[1], "", kamp.Payment{}, "Sts"},
		{"v08 batch, Amt per tx", v08[3], "E9",
			kamp.Payment{TxnID: hashID("4400112233", 2, "2026-10-23", "5000000", "CNY", "DBIT", "1"), Date: "2026-10-23", PayerID: "E9", PayeeName: "Batch Payee B", Amount: 5000000, Currency: "CNY"}, ""},
		{"bad amount", bad[0], "", kamp.Payment{}, "Amt"},
		{"credit without debtor name", bad[1], "", kamp.Payment{}, "NtryDtls/TxDtls/RltdPties/Dbtr/Nm"},
		{"bad indicator", bad[2], "", kamp.Payment{}, "CdtDbtInd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ToPayment(tt.e.Statement, tt.e, tt.ownerID)
			if tt.err != "" {
				var ce *Error
				if !errors.As(err, &ce) || ce.Element != tt.err || ce.Line != tt.e.Line {
					t.Fatalf("ToPayment error %v, want one on %s at line %d", err, tt.err, tt.e.Line)
				}
				return
			}
			if err != nil {
				t.Fatalf("ToPayment: %v", err)
			}
			if got != tt.want {
				t.Fatalf("ToPayment\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestToPaymentNoOwner(t *testing.T) {
	e := readFile(t, "v02.xml")[0]
	st := e.Statement
	st.OwnerName = "  "
	if _, err := ToPayment(st, e, ""); err == nil || !strings.Contains(err.Error(), "Acct/Ownr/Nm") {
		t.Fatalf("ToPayment without an owner: %v", err)
	}
	if _, err := ToPayment(st, e, "C001"); err != nil {
		t.Fatalf("ToPayment with a resolved owner: %v", err)
	}
}

func TestTxnIDStable(t *testing.T) {
	a, b := readFile(t, "v08.xml"), readFile(t, "v08.xml")
	pa, err1 := ToPayment(a[2].Statement, a[2], "")
	pb, err2 := ToPayment(b[2].Statement, b[2], "")
	pc, err3 := ToPayment(b[3].Statement, b[3], "")
	if err1 != nil || err2 != nil || err3 != nil {
		t.Fatal(err1, err2, err3)
	}
	if pa.TxnID != pb.TxnID || pa.TxnID == pc.TxnID || len(pa.TxnID) != 25 {
		t.Fatalf("txn ids %q %q %q: want stable, distinct, camt- and 20 hex digits", pa.TxnID, pb.TxnID, pc.TxnID)
	}
}
