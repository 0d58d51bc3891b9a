package camt

import (
	"bytes"
	"fmt"
	"testing"
)

// statement returns a camt.053.001.08 statement of n booked entries.
func statement(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><Stmt><Id>B</Id><Acct><Id><IBAN>DE02100100100006820101</IBAN></Id><Ownr><Nm>Bench Owner</Nm></Ownr></Acct>`)
	for i := range n {
		fmt.Fprintf(&b, "\n<Ntry><Amt Ccy=\"EUR\">%d.25</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-10-05</Dt></BookgDt><ValDt><Dt>2026-10-06</Dt></ValDt><AcctSvcrRef>R%d</AcctSvcrRef>"+
			"<NtryDtls><TxDtls><Refs><EndToEndId>E%d</EndToEndId></Refs><RltdPties><Cdtr><Pty><Nm>Supplier %d</Nm></Pty></Cdtr><CdtrAcct><Id><IBAN>SE4550000000058398257466</IBAN></Id></CdtrAcct></RltdPties><RmtInf><Ustrd>Invoice %d</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>", i+1, i, i, i%100, i)
	}
	b.WriteString(`</Stmt></BkToCstmrStmt></Document>`)
	return b.Bytes()
}

// BenchmarkRead measures reading and converting a statement of 10,000
// entries.
func BenchmarkRead(b *testing.B) {
	data := statement(10000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		err := Read(bytes.NewReader(data), "bench.xml", func(e Entry) error {
			if _, err := ToPayment(e.Statement, e, ""); err != nil {
				return err
			}
			n++
			return nil
		})
		if err != nil || n != 10000 {
			b.Fatalf("read %d entries: %v", n, err)
		}
	}
}
