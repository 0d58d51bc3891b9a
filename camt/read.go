package camt

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/check"
)

// maxDepth bounds the element nesting Read accepts; camt.053 needs about 12.
const maxDepth = 64

// maxText bounds the text of one element, so that a hostile file cannot make
// Read hold more than that much of it at a time.
const maxText = 1 << 16

// tx is what Read keeps of one TxDtls.
type tx struct {
	endToEnd, txID, acctSvcrRef string
	debtor, creditor            Party
	remittance                  []string
	hasTxAmt, hasPlainAmt       bool
	txAmt, txAmtCcy             string
	plainAmt, plainAmtCcy       string
}

// entry is what Read keeps of one Ntry while it reads it.
type entry struct {
	line                     int
	amount, ccy, ind, status string
	valDt, valDtTm           string
	bookgDt, bookgDtTm       string
	acctSvcrRef              string
	txs                      []tx
}

// Read reads a camt.053 statement file from r as a stream of tokens and
// calls fn for each entry, in file order (see Entry and the package
// comment). name is the file's name for error messages. An entry that
// cannot be read is passed with Err set; a file that is not well-formed XML,
// or has no BkToCstmrStmt/Stmt, is an error, as is any error fn returns.
func Read(r io.Reader, name string, fn func(Entry) error) error {
	d := xml.NewDecoder(r)
	d.Strict = true
	var (
		stack   []string
		text    strings.Builder
		st      Statement
		stmtAt  = -1 // depth of the Stmt element, or -1
		ntryAt  = -1 // depth of the Ntry element, or -1
		index   int  // entries so far in this statement
		e       entry
		stmts   int
		tooLong bool
	)
	fail := func(reason string) error {
		line, _ := d.InputPos()
		return &Error{File: name, Line: line, Reason: reason}
	}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return &Error{File: name, Line: se.Line, Reason: "not well-formed XML: " + se.Msg}
			}
			line, _ := d.InputPos()
			return &Error{File: name, Line: line, Reason: "cannot read the XML: " + err.Error()}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= maxDepth {
				return fail(fmt.Sprintf("elements nested more than %d deep", maxDepth))
			}
			stack = append(stack, t.Name.Local)
			text.Reset()
			tooLong = false
			depth := len(stack) - 1
			switch {
			case stmtAt < 0 && t.Name.Local == "Stmt" && depth > 0 && stack[depth-1] == "BkToCstmrStmt":
				line, _ := d.InputPos()
				stmtAt, index, stmts = depth, 0, stmts+1
				st = Statement{Line: line}
			case stmtAt >= 0 && ntryAt < 0 && depth == stmtAt+1 && t.Name.Local == "Ntry":
				line, _ := d.InputPos()
				ntryAt = depth
				e = entry{line: line}
			case ntryAt >= 0:
				switch path := strings.Join(stack[ntryAt+1:], "/"); path {
				case "Amt":
					e.ccy = attr(t, "Ccy")
				case "NtryDtls/TxDtls":
					e.txs = append(e.txs, tx{})
				case "NtryDtls/TxDtls/AmtDtls/TxAmt/Amt":
					x := &e.txs[len(e.txs)-1]
					x.hasTxAmt, x.txAmtCcy = true, attr(t, "Ccy")
				case "NtryDtls/TxDtls/Amt":
					x := &e.txs[len(e.txs)-1]
					x.hasPlainAmt, x.plainAmtCcy = true, attr(t, "Ccy")
				}
			}
		case xml.CharData:
			if stmtAt >= 0 && !tooLong {
				if text.Len()+len(t) > maxText {
					tooLong = true
					continue
				}
				text.Write(t)
			}
		case xml.EndElement:
			depth := len(stack) - 1
			v := strings.TrimSpace(text.String())
			text.Reset()
			if tooLong {
				return fail(fmt.Sprintf("the text of element %s is longer than %d bytes", t.Name.Local, maxText))
			}
			switch {
			case ntryAt >= 0 && depth == ntryAt:
				for _, out := range e.entries(st, index, name) {
					if err := fn(out); err != nil {
						return err
					}
				}
				index++
				ntryAt = -1
			case stmtAt >= 0 && depth == stmtAt:
				stmtAt = -1
			case v == "":
				// An empty element, or one holding only elements (Sts
				// around Sts/Cd), sets nothing.
			case ntryAt >= 0:
				e.set(strings.Join(stack[ntryAt+1:], "/"), v)
			case stmtAt >= 0:
				st.set(strings.Join(stack[stmtAt+1:], "/"), v)
			}
			stack = stack[:depth]
		}
	}
	if stmts == 0 {
		return &Error{File: name, Reason: "not a camt.053 statement: no Document/BkToCstmrStmt/Stmt element"}
	}
	return nil
}

// attr returns the value of the attribute with the given local name.
func attr(t xml.StartElement, local string) string {
	for _, a := range t.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// set keeps a statement header value by its path below Stmt.
func (st *Statement) set(path, v string) {
	switch path {
	case "Id":
		st.ID = v
	case "Acct/Id/IBAN":
		st.Account = v
	case "Acct/Id/Othr/Id":
		if st.Account == "" {
			st.Account = v
		}
	case "Acct/Ownr/Nm":
		st.OwnerName = v
	case "Acct/Ownr/Id/OrgId/LEI", "Acct/Ownr/Id/OrgId/Othr/Id", "Acct/Ownr/Id/PrvtId/Othr/Id":
		if st.OwnerID == "" {
			st.OwnerID = v
		}
	}
}

// set keeps an entry value by its path below Ntry.
func (e *entry) set(path, v string) {
	switch path {
	case "Amt":
		e.amount = v
	case "CdtDbtInd":
		e.ind = v
	case "Sts", "Sts/Cd":
		e.status = v
	case "ValDt/Dt":
		e.valDt = v
	case "ValDt/DtTm":
		e.valDtTm = v
	case "BookgDt/Dt":
		e.bookgDt = v
	case "BookgDt/DtTm":
		e.bookgDtTm = v
	case "AcctSvcrRef":
		e.acctSvcrRef = v
	}
	rest, ok := strings.CutPrefix(path, "NtryDtls/TxDtls/")
	if !ok || len(e.txs) == 0 {
		return
	}
	x := &e.txs[len(e.txs)-1]
	switch rest {
	case "Refs/EndToEndId":
		x.endToEnd = v
	case "Refs/TxId":
		x.txID = v
	case "Refs/AcctSvcrRef":
		x.acctSvcrRef = v
	case "AmtDtls/TxAmt/Amt":
		x.txAmt = v
	case "Amt":
		x.plainAmt = v
	case "RltdPties/Dbtr/Nm", "RltdPties/Dbtr/Pty/Nm":
		x.debtor.Name = v
	case "RltdPties/Cdtr/Nm", "RltdPties/Cdtr/Pty/Nm":
		x.creditor.Name = v
	case "RltdPties/DbtrAcct/Id/IBAN":
		x.debtor.Account = v
	case "RltdPties/DbtrAcct/Id/Othr/Id":
		if x.debtor.Account == "" {
			x.debtor.Account = v
		}
	case "RltdPties/CdtrAcct/Id/IBAN":
		x.creditor.Account = v
	case "RltdPties/CdtrAcct/Id/Othr/Id":
		if x.creditor.Account == "" {
			x.creditor.Account = v
		}
	case "RmtInf/Ustrd":
		if v != "" {
			x.remittance = append(x.remittance, v)
		}
	}
}

// entries turns a read Ntry into the entries it passes: one, or one per
// TxDtls of a batch booking.
func (e *entry) entries(st Statement, index int, file string) []Entry {
	base := Entry{Statement: st, Line: e.line, Index: index, AcctSvcrRef: e.acctSvcrRef, CdtDbtInd: e.ind, Status: strings.ToUpper(e.status)}
	bad := func(out *Entry, element, value, reason string) {
		if out.Err == nil {
			out.Err = &Error{File: file, Line: e.line, Element: element, Value: value, Reason: reason}
		}
	}
	switch base.Status {
	case StatusBooked, StatusPending, StatusInfo, StatusFuture:
	case "":
		bad(&base, "Sts", "", "required value is missing")
	default:
		bad(&base, "Sts", e.status, "must be BOOK, PDNG, INFO or FUTR")
	}
	switch e.ind {
	case Credit, Debit:
	case "":
		bad(&base, "CdtDbtInd", "", "required value is missing")
	default:
		bad(&base, "CdtDbtInd", e.ind, "must be CRDT or DBIT")
	}
	base.BookingDate = dateOf(&base, e.bookgDt, e.bookgDtTm, "BookgDt", bad)
	base.ValueDate = dateOf(&base, e.valDt, e.valDtTm, "ValDt", bad)
	if base.ValueDate == "" && e.valDt == "" && e.valDtTm == "" {
		base.ValueDate = base.BookingDate
		if base.BookingDate == "" && e.bookgDt == "" && e.bookgDtTm == "" {
			bad(&base, "ValDt", "", "the entry has no value date (ValDt) and no booking date (BookgDt)")
		}
	}
	base.Amount, base.Currency = amountOf(&base, e.amount, e.ccy, "Amt", bad)
	if len(e.txs) <= 1 {
		if len(e.txs) == 1 {
			base.with(e.txs[0])
		}
		return []Entry{base}
	}
	out := make([]Entry, len(e.txs))
	for i, x := range e.txs {
		o := base
		o.Tx, o.Batch = i, len(e.txs)
		o.with(x)
		switch {
		case x.hasTxAmt:
			o.Amount, o.Currency = amountOf(&o, x.txAmt, x.txAmtCcy, "NtryDtls/TxDtls/AmtDtls/TxAmt/Amt", bad)
		case x.hasPlainAmt:
			o.Amount, o.Currency = amountOf(&o, x.plainAmt, x.plainAmtCcy, "NtryDtls/TxDtls/Amt", bad)
		default:
			bad(&o, "NtryDtls/TxDtls/AmtDtls/TxAmt/Amt", "", fmt.Sprintf("transaction %d of a batch booking of %d has no amount of its own (AmtDtls/TxAmt/Amt or Amt)", i+1, len(e.txs)))
		}
		out[i] = o
	}
	return out
}

// with copies the references and parties of a TxDtls.
func (o *Entry) with(x tx) {
	o.EndToEndID, o.TxID, o.TxAcctSvcrRef = x.endToEnd, x.txID, x.acctSvcrRef
	o.Debtor, o.Creditor = x.debtor, x.creditor
	o.Remittance = strings.Join(x.remittance, " ")
}

// dateOf returns the date of a Dt or, failing that, the date part of a DtTm.
func dateOf(o *Entry, dt, dtTm, element string, bad func(*Entry, string, string, string)) string {
	switch {
	case dt != "":
		if err := check.Date(dt); err != nil {
			bad(o, element+"/Dt", dt, kamp.ErrorMessage(err))
			return ""
		}
		return dt
	case dtTm != "":
		d := dtTm
		if len(d) > 10 {
			d = d[:10]
		}
		if err := check.Date(d); err != nil || (len(dtTm) > 10 && dtTm[10] != 'T') {
			bad(o, element+"/DtTm", dtTm, "not a date and time like 2026-10-31T14:05:00")
			return ""
		}
		return d
	}
	return ""
}

// amountOf parses an amount of at most 4 decimals, more than 0, and its
// currency.
func amountOf(o *Entry, v, ccy, element string, bad func(*Entry, string, string, string)) (kamp.Amount, string) {
	var a kamp.Amount
	if v == "" {
		bad(o, element, "", "required value is missing")
	} else if n, err := check.ParseFixed(v, kamp.AmountScale, false); err != nil {
		bad(o, element, v, kamp.ErrorMessage(err))
	} else if n == 0 {
		bad(o, element, v, "must be more than 0")
	} else {
		a = kamp.Amount(n)
	}
	c := strings.ToUpper(ccy)
	if ccy == "" {
		bad(o, element+"@Ccy", "", "required attribute Ccy is missing")
	} else if err := check.Currency(c); err != nil {
		bad(o, element+"@Ccy", ccy, kamp.ErrorMessage(err))
	}
	return a, c
}
