package dataset

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"unsafe"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/check"
	"github.com/kampbank/kamp/names"
)

// paymentColumns are the columns of payments.csv that must be present. The
// id and name columns of each side are each optional, but a row needs one
// of them per side.
var paymentColumns = []string{"txn_id", "date", "amount"}

// paymentBatch is how many rows a worker checks before it hands them over:
// it bounds a worker's buffers whatever the size of a chunk, and of the
// whole file when it is read sequentially.
const paymentBatch = 2048

// PaymentSink receives the good rows of payments.csv.
type PaymentSink interface {
	// Wanted is called, concurrently, for every good row before it is
	// handed over: payer and payee are the entity indexes of the sides
	// given by id, -1 for a side given by name only. A row it returns false
	// for is not given to Add.
	Wanted(payer, payee int32, date string) bool
	// Add takes one payment, with the entity indexes of its sides given by
	// id (-1 for a side given by name only). Calls are never concurrent,
	// but come in no particular order. The ids of p are those of the
	// entities (so that comparing them with the entities' own strings is
	// cheap); its other strings are valid only during the call: copy what
	// is kept. An error makes the row a bad row of the file, reported at
	// its line, and Add must then leave the sink as it was.
	Add(p *kamp.Payment, payer, payee int32) error
	// Reset forgets every payment added: the file is read again from its
	// start.
	Reset() error
}

// ConcurrentPaymentSink is a PaymentSink that takes rows on the workers
// that read them, so that what it does with a row runs in parallel too:
// ScanPayments then gives the rows to the functions Worker returns instead
// of to Add, and does not serialize the calls.
type ConcurrentPaymentSink interface {
	PaymentSink
	// Worker returns the function that takes the rows of one worker, a
	// batch at a time, with the contract of Add but for three things: the
	// functions of different workers run concurrently; a call takes the
	// payments ps, the sides of ps[i] being sides[2*i] and sides[2*i+1],
	// and reports each payment it refuses with refused(i, err); and the
	// ids of the payments, like their other strings, are the file's,
	// valid only during the call (looking up the entity's own string
	// would cost a cache miss per side). ScanPayments calls Worker,
	// possibly concurrently, once per worker before its first row (and
	// again after a Reset), and calls each function from one goroutine at
	// a time.
	Worker() func(ps []kamp.Payment, sides []int32, refused func(i int, err error))
}

// concurrentBatch is how many rows a worker hands a ConcurrentPaymentSink
// at a time: few enough that they are still in the core's cache when the
// sink reads them.
const concurrentBatch = 512

// payChunk is what a worker makes of one chunk of payments.csv.
type payChunk struct {
	rows  int64
	probs *problems
}

// payWorker is a worker's reusable buffers for a batch of rows.
type payWorker struct {
	// arena holds the fields of quoted records, which the parser keeps
	// only until its next record; other fields are parts of the chunk,
	// which lasts until the batch is handed over.
	arena []byte
	pay   []kamp.Payment
	sides []int32 // of pay: payer and payee entity indexes, two a payment
	lines []int32 // of pay
	ids   []byte  // payer and payee ids, two a row
	ends  []uint32
	idx   []int32
	// add takes the worker's rows when the sink is a
	// ConcurrentPaymentSink.
	add func(ps []kamp.Payment, sides []int32, refused func(i int, err error))
}

// The fields of a payment row, in the order of payColumn.
const (
	pfTxn = iota
	pfDate
	pfPayerID
	pfPayerName
	pfPayeeID
	pfPayeeName
)

// payColumn are the column names of the fields of a payment row.
var payColumn = [6]string{"txn_id", "date", "payer_id", "payer_name", "payee_id", "payee_name"}

// ScanPayments reads payments.csv (or .csv.gz, .xlsx) at path and gives
// every good row to sink, without holding the file in memory: chunks are
// parsed on opt.Workers goroutines and handed over in batches, so memory is
// bounded by the chunks in flight and by what sink keeps. It returns the
// number of data rows.
//
// Every row is checked before it reaches sink: txn_id (a valid id), date (a
// valid date) and amount (> 0, at most 4 decimals) are required; each side
// needs its id or its name; an id must be that of an entity of ents;
// currency is empty (CNY) or an ISO 4217 code (any case, passed on in upper
// case) with a rate in fx on or before the last day of the payment's month.
// A row the sink refuses is a bad row too, reported at its line with the
// column at fault where it can be told (a name without a match key). Bad rows make it fail with a *ProblemError once the whole file
// has been read; the sink has then seen only the good rows.
func ScanPayments(ctx context.Context, path string, ents *Entities, fx *FX, opt Options, sink PaymentSink) (int64, error) {
	t, err := openTable(path, paymentColumns)
	if err != nil {
		return 0, err
	}
	return scanPayments(ctx, t, ents, fx, opt, sink)
}

func scanPayments(ctx context.Context, t *table, ents *Entities, fx *FX, opt Options, sink PaymentSink) (int64, error) {
	opt = opt.withDefaults()
	nf := len(t.header)
	cols := [6]int{}
	for i, name := range payColumn {
		cols[i] = t.col(name)
	}
	ai, cui := t.col("amount"), t.col("currency")
	var mu sync.Mutex // serializes sink.Add
	workers := make([]*payWorker, opt.Workers)
	var resetErr error
	reset := func() {
		workers = make([]*payWorker, opt.Workers)
		resetErr = sink.Reset()
	}
	// flush looks up the ids of a worker's batch, keeps the rows whose
	// ids are entities and that the sink wants, and hands them to the
	// sink.
	flush := func(pw *payWorker, probs *problems) {
		if len(pw.pay) == 0 {
			return
		}
		pw.idx = slices.Grow(pw.idx[:0], len(pw.ends))[:len(pw.ends)]
		ents.ix.findAll(pw.ids, pw.ends, 2, pw.idx)
		pw.sides = pw.sides[:0]
		kept := 0
		for i := range pw.pay {
			p := &pw.pay[i]
			line := pw.lines[i]
			ok := true
			side := [2]int32{-1, -1}
			for k, id := range [2]*string{&p.PayerID, &p.PayeeID} {
				if *id == "" {
					continue
				}
				if side[k] = pw.idx[2*i+k]; side[k] < 0 {
					refProblem(probs, int(line), payColumn[pfPayerID+2*k], []byte(*id))
					ok = false
					continue
				}
				if pw.add == nil {
					*id = ents.IDs[side[k]]
				}
			}
			if !ok || !sink.Wanted(side[0], side[1], p.Date) {
				continue
			}
			pw.pay[kept], pw.lines[kept] = *p, line
			pw.sides = append(pw.sides, side[0], side[1])
			kept++
		}
		pw.pay, pw.lines = pw.pay[:kept], pw.lines[:kept]
		if pw.add != nil {
			for lo := 0; lo < kept; lo += concurrentBatch {
				hi := min(lo+concurrentBatch, kept)
				pw.add(pw.pay[lo:hi], pw.sides[2*lo:2*hi], func(i int, err error) {
					refused(probs, ents, int(pw.lines[lo+i]), &pw.pay[lo+i], err)
				})
			}
		} else if kept > 0 {
			mu.Lock()
			for i := range pw.pay {
				if err := sink.Add(&pw.pay[i], pw.sides[2*i], pw.sides[2*i+1]); err != nil {
					refused(probs, ents, int(pw.lines[i]), &pw.pay[i], err)
				}
			}
			mu.Unlock()
		}
		pw.pay, pw.sides, pw.lines = pw.pay[:0], pw.sides[:0], pw.lines[:0]
		pw.arena, pw.ids, pw.ends = pw.arena[:0], pw.ids[:0], pw.ends[:0]
	}
	chunks, err := scan(ctx, t, opt.Workers, reset, func(w int, recs records) payChunk {
		pw := workers[w]
		if pw == nil {
			pw = &payWorker{pay: make([]kamp.Payment, 0, paymentBatch), lines: make([]int32, 0, paymentBatch)}
			if cs, ok := sink.(ConcurrentPaymentSink); ok {
				pw.add = cs.Worker()
			}
			workers[w] = pw
		}
		c := payChunk{probs: newProblems(t, opt.MaxProblems)}
		cc := payCurrencyCache{fx: fx}
		var lastDate [10]byte // the last good date, when haveLast
		haveLast := false
		for recs.next() {
			f := recs.fields()
			line := recs.line()
			c.rows++
			if !c.probs.fieldCount(line, len(f), nf) {
				continue
			}
			ok := true
			var fs [6][]byte
			for k, col := range cols {
				if col >= 0 {
					fs[k] = f[col]
				}
			}
			if v := fs[pfTxn]; !c.probs.required(line, "txn_id", v) {
				ok = false
			} else if err := check.ID(str(v)); err != nil {
				c.probs.addErr(line, "txn_id", v, err)
				ok = false
			}
			date := fs[pfDate]
			if !c.probs.required(line, "date", date) {
				ok = false
				date = nil
			} else if haveLast && len(date) == len(lastDate) && [len(lastDate)]byte(date) == lastDate {
				// The rows of a file mostly come in date order: a date
				// like the last good one is good.
			} else if err := check.Date(str(date)); err != nil {
				c.probs.addErr(line, "date", date, err)
				ok = false
				date = nil
			}
			if len(fs[pfPayerID]) == 0 && len(fs[pfPayerName]) == 0 {
				c.probs.add(line, "payer_id", nil, "the payer needs payer_id or payer_name")
				ok = false
			}
			if len(fs[pfPayeeID]) == 0 && len(fs[pfPayeeName]) == 0 {
				c.probs.add(line, "payee_id", nil, "the payee needs payee_id or payee_name")
				ok = false
			}
			var cur []byte
			if cui >= 0 {
				cur = f[cui]
			}
			if len(date) == len(lastDate) {
				lastDate, haveLast = [len(lastDate)]byte(date), true
			}
			code, reason := cc.code(cur, date)
			if reason != "" {
				c.probs.add(line, "currency", cur, reason)
				ok = false
			}
			var amount int64
			if v := f[ai]; !c.probs.required(line, "amount", v) {
				ok = false
			} else if a, err := check.ParseFixed(str(v), kamp.AmountScale, false); err != nil {
				c.probs.addErr(line, "amount", v, err)
				ok = false
			} else if a == 0 {
				c.probs.add(line, "amount", v, "must be more than 0")
				ok = false
			} else {
				amount = a
			}
			if !ok {
				continue
			}
			var ss [6]string
			stable := recs.stable()
			for k, v := range fs {
				if !stable {
					// The arena may move as it grows: the strings
					// made before keep the old one.
					start := len(pw.arena)
					pw.arena = append(pw.arena, v...)
					v = pw.arena[start:]
				}
				ss[k] = unsafe.String(unsafe.SliceData(v), len(v))
			}
			pw.pay = append(pw.pay, kamp.Payment{TxnID: ss[pfTxn], Date: ss[pfDate], PayerID: ss[pfPayerID], PayerName: ss[pfPayerName],
				PayeeID: ss[pfPayeeID], PayeeName: ss[pfPayeeName], Amount: kamp.Amount(amount), Currency: code})
			pw.lines = append(pw.lines, int32(line))
			pw.ids = append(pw.ids, fs[pfPayerID]...)
			pw.ends = append(pw.ends, uint32(len(pw.ids)))
			pw.ids = append(pw.ids, fs[pfPayeeID]...)
			pw.ends = append(pw.ends, uint32(len(pw.ids)))
			if len(pw.pay) == paymentBatch || len(pw.arena) > 1<<30 {
				flush(pw, c.probs)
			}
		}
		flush(pw, c.probs)
		return c
	})
	if err != nil {
		return 0, err
	}
	if resetErr != nil {
		return 0, resetErr
	}
	probs := make([]*problems, len(chunks))
	var rows int64
	for i, c := range chunks {
		probs[i] = c.probs
		rows += c.rows
	}
	if err := mergeProblems(t, opt.MaxProblems, probs); err != nil {
		return rows, err
	}
	return rows, nil
}

// refused records the problem of a row the sink refused: an unknown id or a
// name without a match key at its column, anything else as the sink says.
func refused(probs *problems, ents *Entities, line int, p *kamp.Payment, err error) {
	sides := [2]struct {
		id, name       string
		idCol, nameCol string
	}{{p.PayerID, p.PayerName, "payer_id", "payer_name"}, {p.PayeeID, p.PayeeName, "payee_id", "payee_name"}}
	var buf []byte
	for _, s := range sides {
		if s.id != "" {
			if _, ok := ents.Index(s.id); !ok {
				refProblem(probs, line, s.idCol, []byte(s.id))
				return
			}
			continue
		}
		if buf = names.AppendMatchKey(buf[:0], s.name); len(buf) == 0 {
			probs.add(line, s.nameCol, []byte(s.name), "the name has an empty match key: it holds only spaces and brackets")
			return
		}
	}
	probs.addErr(line, "", nil, err)
}

// payCurrencyCache checks the currency of payments, remembering the last
// (currency, month) pair: the rows of a file mostly share it.
type payCurrencyCache struct {
	fx       *FX
	cur      []byte
	month    [7]byte
	lastCode string
	valid    bool
}

// code returns the upper-case currency code of the field cur for a payment
// on date (a valid date, or nil when it is not one), or the reason it is
// not acceptable: not an ISO 4217 code, or without a rate on or before the
// last day of the payment's month.
func (cc *payCurrencyCache) code(cur, date []byte) (string, string) {
	if date == nil {
		_, reason := currencyCode(cur)
		return "", reason
	}
	if cc.valid && bytes.Equal(date[:7], cc.month[:]) && bytes.Equal(cur, cc.cur) {
		return cc.lastCode, ""
	}
	cc.valid = false
	code, reason := currencyCode(cur)
	if reason != "" {
		return "", reason
	}
	if code != kamp.ReportingCurrency {
		end := check.PeriodEnd(string(date[:7]))
		if _, ok := cc.fx.Rate(code, end); !ok {
			first := cc.fx.first(code)
			if first == "" {
				return "", "unknown currency: no exchange rate for " + code + " in fx.csv"
			}
			return "", fmt.Sprintf("no exchange rate for %s on or before %s (the first is on %s)", code, end, first)
		}
	}
	cc.cur = append(cc.cur[:0], cur...)
	copy(cc.month[:], date[:7])
	cc.lastCode, cc.valid = code, true
	return code, ""
}
