// Package camt reads ISO 20022 camt.053 bank-to-customer statements
// (Document/BkToCstmrStmt/Stmt, versions .001.02 to .001.08 alike) as a
// stream of entries and turns booked entries into kamp payments.
//
// Elements are matched by local name, so any namespace (or none) works. Of
// each statement Read keeps the account (Acct/Id/IBAN or Acct/Id/Othr/Id),
// the owner (Acct/Ownr/Nm and the first of Acct/Ownr/Id/OrgId/LEI,
// .../OrgId/Othr/Id or .../PrvtId/Othr/Id) and the statement id; of each
// entry (Ntry) the amount, currency, credit/debit indicator, status, dates,
// references and the related parties of its transaction details.
//
// An entry with several TxDtls (a batch booking) is passed as one Entry per
// TxDtls, each with its own amount (TxDtls/AmtDtls/TxAmt/Amt, else
// TxDtls/Amt); a batch whose transaction has no amount of its own is a bad
// entry, since the entry's total cannot be split. An entry with one TxDtls
// or none is one Entry with the entry's amount.
package camt

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/check"
)

// Entry statuses (Ntry/Sts, or Ntry/Sts/Cd from version .001.08). Only
// booked entries become payments: pending and information-only entries may
// still change or never settle.
const (
	StatusBooked  = "BOOK"
	StatusPending = "PDNG"
	StatusInfo    = "INFO"
	StatusFuture  = "FUTR"
)

// Credit/debit indicators (Ntry/CdtDbtInd): money into or out of the
// statement's account.
const (
	Credit = "CRDT"
	Debit  = "DBIT"
)

// Statement is the header of one Stmt.
type Statement struct {
	ID        string // Stmt/Id
	Account   string // Acct/Id/IBAN, else Acct/Id/Othr/Id
	OwnerName string // Acct/Ownr/Nm
	OwnerID   string // Acct/Ownr/Id: OrgId/LEI, OrgId/Othr/Id or PrvtId/Othr/Id
	Line      int    // line of the <Stmt> start
}

// Party is one side of a transaction as the statement names it.
type Party struct {
	Name    string // Nm, or Pty/Nm (.001.08)
	Account string // Acct/Id/IBAN, else Acct/Id/Othr/Id
}

// Entry is one booked (or pending) movement: a Ntry, or one TxDtls of a
// batch booking.
type Entry struct {
	Statement Statement
	Line      int // line of the <Ntry> start
	Index     int // the Ntry's position within its statement, from 0
	// Tx is the TxDtls's position within a batch booking, from 0; Batch is
	// how many TxDtls the batch has (0 when the entry is no batch).
	Tx, Batch   int
	Amount      kamp.Amount
	Currency    string // upper case
	CdtDbtInd   string // Credit or Debit
	Status      string // StatusBooked, StatusPending, ...
	ValueDate   string // YYYY-MM-DD: ValDt, else BookgDt
	BookingDate string // YYYY-MM-DD, or "" when absent
	AcctSvcrRef string // Ntry/AcctSvcrRef
	// References of the transaction details (Refs).
	EndToEndID, TxID, TxAcctSvcrRef string
	Debtor, Creditor                Party
	Remittance                      string // RmtInf/Ustrd lines, joined by a space
	// Err, when not nil, tells why the entry cannot be read (a bad amount,
	// currency, indicator or date); the other fields may then be partial.
	Err *Error
}

// Booked reports whether the entry is booked: only booked entries are
// payments.
func (e Entry) Booked() bool { return e.Status == StatusBooked }

// Error is a problem with a statement file or one of its entries.
type Error struct {
	File    string // empty for errors of ToPayment
	Line    int    // line of the entry (or of the syntax error)
	Element string // the element path within the entry, like "Amt"
	Value   string
	Reason  string
}

// Error formats the problem as file:line: element: "value": reason.
func (e *Error) Error() string {
	s := e.File + ":" + strconv.Itoa(e.Line) + ": "
	if e.Element != "" {
		s += e.Element + ": "
	}
	if e.Value != "" {
		s += strconv.Quote(e.Value) + ": "
	}
	return s + e.Reason
}

// ToPayment turns a booked entry of statement st into a payment. A DBIT
// entry is a payment from the statement's owner to the creditor, a CRDT
// entry one from the debtor to the owner. The owner's side is ownerID when
// the caller resolved the statement's account to a kamp entity, else the
// owner's name; the counterparty is always name-only (an id is never guessed
// from a name or an account).
//
// The txn_id is the first of, when it passes kamp's id rule:
// Ntry/AcctSvcrRef (not for a batch, whose transactions share it),
// TxDtls/Refs/AcctSvcrRef, TxDtls/Refs/TxId; else "camt-" and the first 20
// hex digits of the SHA-256 of the statement's account, the entry's index
// within the statement, the value date, the amount in units of 0.0001, the
// currency and the indicator (and, in a batch, the transaction's index),
// joined by NUL bytes.
func ToPayment(st Statement, e Entry, ownerID string) (kamp.Payment, error) {
	if e.Err != nil {
		return kamp.Payment{}, e.Err
	}
	bad := func(element, value, reason string) (kamp.Payment, error) {
		return kamp.Payment{}, &Error{Line: e.Line, Element: element, Value: value, Reason: reason}
	}
	if !e.Booked() {
		return bad("Sts", e.Status, "the entry is not booked (BOOK): only booked entries are payments")
	}
	owner := strings.TrimSpace(st.OwnerName)
	if ownerID == "" && owner == "" {
		return bad("Acct/Ownr/Nm", "", "the statement's account has no owner name (Acct/Ownr/Nm) and is no known entity")
	}
	p := kamp.Payment{TxnID: txnID(st, e), Date: e.ValueDate, Amount: e.Amount, Currency: e.Currency}
	switch e.CdtDbtInd {
	case Debit:
		name := strings.TrimSpace(e.Creditor.Name)
		if name == "" {
			return bad("NtryDtls/TxDtls/RltdPties/Cdtr/Nm", "", "the creditor of a debit entry has no name: the counterparty needs one")
		}
		p.PayerID, p.PayeeName = ownerID, name
		if ownerID == "" {
			p.PayerName = owner
		}
	case Credit:
		name := strings.TrimSpace(e.Debtor.Name)
		if name == "" {
			return bad("NtryDtls/TxDtls/RltdPties/Dbtr/Nm", "", "the debtor of a credit entry has no name: the counterparty needs one")
		}
		p.PayeeID, p.PayerName = ownerID, name
		if ownerID == "" {
			p.PayeeName = owner
		}
	default:
		return bad("CdtDbtInd", e.CdtDbtInd, "must be CRDT or DBIT")
	}
	return p, nil
}

// txnID returns the payment id of an entry (see ToPayment).
func txnID(st Statement, e Entry) string {
	var refs []string
	if e.Batch == 0 {
		refs = append(refs, e.AcctSvcrRef)
	}
	refs = append(refs, e.TxAcctSvcrRef, e.TxID)
	for _, r := range refs {
		if r = strings.TrimSpace(r); r != "" && check.ID(r) == nil {
			return r
		}
	}
	parts := []string{st.Account, strconv.Itoa(e.Index), e.ValueDate, strconv.FormatInt(int64(e.Amount), 10), e.Currency, e.CdtDbtInd}
	if e.Batch > 0 {
		parts = append(parts, strconv.Itoa(e.Tx))
	}
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return "camt-" + hex.EncodeToString(sum[:10])
}
