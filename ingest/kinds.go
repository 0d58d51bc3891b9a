package ingest

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/check"
)

// Record strings from package tabular stay valid after the reader moves on
// (each record is one allocation that its fields share), so rows on their
// way to the store use them as they are; only values kept for the whole
// import (ids, USCCs, LEIs in the lookup maps) are cloned, so that they do
// not keep their records alive.

// processor checks and loads the rows of one kind of file.
type processor interface {
	// row checks one record and buffers or loads it when it is good.
	row(r *row) error
	// end loads what is buffered and returns how many rows loaded since
	// the last call.
	end() (int64, error)
	// key returns the record's key (for files with keys).
	key(r *row) string
	// keyColumn names the key's column in reports.
	keyColumn() string
}

func (im *importer) processor(f *inputFile, meta *kamp.ImportFile, custom []string) processor {
	switch f.kind {
	case KindEntities:
		p := &entitiesProc{im: im, seen: map[string]int{}}
		p.buf.put, p.buf.pipe = p.put, im.pipe
		return p
	case KindOwnership:
		return &ownershipProc{im: im, meta: meta}
	case KindMetrics:
		p := &metricsProc{keyed: newKeyed(im), custom: custom}
		p.buf.put, p.buf.pipe = p.put, im.pipe
		return p
	case KindExposures:
		p := &exposuresProc{keyed: newKeyed(im)}
		p.buf.put, p.buf.pipe = p.put, im.pipe
		return p
	case KindPayments:
		p := &paymentsProc{keyed: newKeyed(im)}
		p.buf.put, p.buf.pipe = p.put, im.pipe
		return p
	default:
		p := &fxProc{keyed: newKeyed(im)}
		p.buf.put, p.buf.pipe = p.put, im.pipe
		return p
	}
}

// buffer collects rows and hands them to the store in chunks, through the
// import's write pipeline.
type buffer[T any] struct {
	rows   []T
	loaded int64
	put    func([]T) error
	pipe   *pipeline
}

func (b *buffer[T]) add(v T) error {
	b.rows = append(b.rows, v)
	if len(b.rows) >= chunkRows {
		return b.flush()
	}
	return nil
}

func (b *buffer[T]) flush() error {
	if len(b.rows) == 0 {
		return nil
	}
	rows, put := b.rows, b.put
	b.rows = make([]T, 0, chunkRows)
	b.loaded += int64(len(rows))
	return b.pipe.send(func() error { return put(rows) })
}

// end flushes and returns the rows loaded since the last end.
func (b *buffer[T]) end() (int64, error) {
	err := b.flush()
	n := b.loaded
	b.loaded = 0
	return n, err
}

// keyed is the part of a processor whose file has a unique key.
type keyed struct {
	im  *importer
	idx *keyIndex
}

func newKeyed(im *importer) keyed { return keyed{im: im, idx: newKeyIndex()} }

func (k *keyed) keys() *keyIndex { return k.idx }

// register records the row's key, bad rows included (so that a duplicate of
// a bad row is reported too), and reports whether a good row may load now:
// a row whose key's hash was seen before waits for the file's end, and load
// loads it if it proves not to be a duplicate.
func (k *keyed) register(p processor, r *row, load func() error) bool {
	if r.get(p.keyColumn()) == "" {
		return r.ok
	}
	if !r.ok {
		load = nil
	}
	if !k.idx.add(p.key(r), r.line, load) {
		return false
	}
	return r.ok
}

// --- entities.csv ---

type entitiesProc struct {
	im   *importer
	seen map[string]int // id -> line in this file
	buf  buffer[kamp.Entity]
}

func (p *entitiesProc) key(r *row) string          { return r.get("id") }
func (p *entitiesProc) keyColumn() string          { return "id" }
func (p *entitiesProc) end() (int64, error)        { return p.buf.end() }
func (p *entitiesProc) put(es []kamp.Entity) error { return p.im.load.Entities(p.im.ctx, es) }

func (p *entitiesProc) row(r *row) error {
	e := kamp.Entity{ID: r.id("id"), Kind: kamp.KindCompany, Country: "CN", IsClient: true}
	e.Name, _ = r.required("name")
	if v := r.get("kind"); v != "" {
		switch k := kamp.EntityKind(strings.ToLower(v)); k {
		case kamp.KindCompany, kamp.KindPerson, kamp.KindState:
			e.Kind = k
		default:
			r.bad("kind", v, "must be company, person or state")
		}
	}
	if v := r.get("uscc"); v != "" {
		if err := check.USCC(v); err != nil {
			r.badErr("uscc", v, err)
		} else {
			e.USCC = v
		}
	}
	if v := r.get("lei"); v != "" {
		if err := check.LEI(v); err != nil {
			r.badErr("lei", v, err)
		} else {
			e.LEI = v
		}
	}
	if v := r.get("country"); v != "" {
		c := strings.ToUpper(v)
		if err := check.Country(c); err != nil {
			r.badErr("country", v, err)
		}
		e.Country = c
	}
	if v := r.get("industry"); v != "" {
		if err := check.Industry(v); err != nil {
			r.badErr("industry", v, err)
		}
		e.Industry = v
	}
	if v := r.get("branch"); v != "" {
		if err := check.ID(v); err != nil {
			r.badErr("branch", v, err)
		}
		e.Branch = v
	}
	if v := r.get("is_client"); v != "" {
		b, err := check.Bool(v)
		if err != nil {
			r.badErr("is_client", v, err)
		}
		e.IsClient = b
	}
	if e.ID != "" {
		if first, dup := p.seen[e.ID]; dup {
			r.bad("id", e.ID, fmt.Sprintf("duplicate id: the same as line %d", first))
		} else {
			p.seen[strings.Clone(e.ID)] = r.line
		}
	}
	if e.USCC != "" {
		if other, ok := p.im.uscc[e.USCC]; ok && other != e.ID {
			r.bad("uscc", e.USCC, "USCC already belongs to entity "+other)
		}
	}
	if e.LEI != "" {
		if other, ok := p.im.lei[e.LEI]; ok && other != e.ID {
			r.bad("lei", e.LEI, "LEI already belongs to entity "+other)
		}
	}
	if !r.ok {
		return nil
	}
	p.im.addEntity(e.ID, entity{client: e.IsClient})
	if e.USCC != "" {
		e.USCC = strings.Clone(e.USCC)
		p.im.uscc[e.USCC] = e.ID
	}
	if e.LEI != "" {
		e.LEI = strings.Clone(e.LEI)
		p.im.lei[e.LEI] = e.ID
	}
	return p.buf.add(e)
}

// --- ownership.csv ---

// maxShareSum is 100.01%: the shares in one entity may exceed 100 by a
// rounding tolerance.
const maxShareSum = kamp.Share(100_010_000)

// hundredPct is 100% in Share units.
const hundredPct = kamp.Share(100_000_000)

type pair struct {
	share     kamp.Share
	agreement bool
	asOf      string
}

// ownRow is a good ownership row, kept until the file's end: the 100.01%
// rule can only be applied once every stored pair the file restates is known.
type ownRow struct {
	key       uint64
	share     kamp.Share
	agreement bool
	line      int
	asOf      string
	value     string // share_pct as written
}

type ownershipProc struct {
	im   *importer
	meta *kamp.ImportFile
	file string
	rows []ownRow
	done bool
}

func (p *ownershipProc) key(r *row) string { return r.get("holder_id") + "/" + r.get("entity_id") }
func (p *ownershipProc) keyColumn() string { return "entity_id" }

func (p *ownershipProc) row(r *row) error {
	p.file = r.file
	_, hi := r.ref("holder_id", true)
	_, ei := r.ref("entity_id", true)
	agreement := false
	if v := r.get("control"); v != "" {
		if strings.EqualFold(v, "agreement") {
			agreement = true
		} else {
			r.bad("control", v, `must be empty or "agreement"`)
		}
	}
	var share kamp.Share
	if v := r.get("share_pct"); v == "" {
		if !agreement {
			r.bad("share_pct", "", "required unless control is agreement")
		}
	} else if n, ok := r.fixed("share_pct", kamp.ShareScale, false); ok {
		if n <= 0 || kamp.Share(n) > hundredPct {
			r.bad("share_pct", v, "must be more than 0 and at most 100")
		}
		share = kamp.Share(n)
	}
	asOf := r.date("as_of", false)
	if h := r.get("holder_id"); h != "" && h == r.get("entity_id") {
		r.bad("holder_id", h, "an entity cannot hold itself")
	}
	if !r.ok {
		return nil
	}
	p.rows = append(p.rows, ownRow{key: pairKey(hi, ei), share: share, agreement: agreement, line: r.line,
		asOf: strings.Clone(asOf), value: strings.Clone(r.get("share_pct"))})
	return nil
}

// end applies the 100.01% rule and loads the merged holdings, in (holder,
// entity) order. The shares of a held entity are its stored holdings, less
// those of the pairs this file restates (the file's rows replace them), plus
// the file's rows in file order; the row that takes the sum past 100.01 is
// reported and left out.
func (p *ownershipProc) end() (int64, error) {
	if p.done {
		return 0, nil
	}
	p.done = true
	base := map[int32]kamp.Share{}
	restated := map[uint64]bool{}
	for _, o := range p.rows {
		held := int32(uint32(o.key))
		if _, ok := base[held]; !ok {
			base[held] = p.im.storedSum[held]
		}
		if !restated[o.key] {
			restated[o.key] = true
			base[held] -= p.im.storedShare[o.key]
		}
	}
	pairs := map[uint64]*pair{}
	for _, o := range p.rows {
		held := int32(uint32(o.key))
		if sum := base[held] + o.share; sum > maxShareSum {
			p.im.bad(p.file, o.line, "share_pct", o.value, fmt.Sprintf("the shares held in %s would add up to %s%%, more than 100.01", p.im.ids[held], sum))
			p.meta.Rejected++
			continue
		}
		base[held] += o.share
		agg := pairs[o.key]
		if agg == nil {
			agg = &pair{}
			pairs[o.key] = agg
		}
		agg.share += o.share
		agg.agreement = agg.agreement || o.agreement
		if o.asOf > agg.asOf {
			agg.asOf = o.asOf
		}
	}
	p.rows = nil
	keys := make([]uint64, 0, len(pairs))
	for k := range pairs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	buf := buffer[kamp.Holding]{pipe: p.im.pipe, put: func(hs []kamp.Holding) error { return p.im.load.Holdings(p.im.ctx, hs) }}
	for _, k := range keys {
		a := pairs[k]
		h := kamp.Holding{HolderID: p.im.ids[int32(k>>32)], EntityID: p.im.ids[int32(uint32(k))], Share: a.share, Agreement: a.agreement, AsOf: a.asOf}
		if err := buf.add(h); err != nil {
			return 0, err
		}
	}
	return buf.end()
}

// --- metrics.csv ---

type metricsProc struct {
	keyed
	custom    []string
	buf       buffer[kamp.Metric]
	nonClient int
	firstNC   int
}

func (p *metricsProc) key(r *row) string {
	cur := strings.ToUpper(r.get("currency"))
	if cur == "" {
		cur = kamp.ReportingCurrency
	}
	return r.get("client_id") + "\x00" + r.get("period") + "\x00" + cur
}
func (p *metricsProc) keyColumn() string          { return "client_id" }
func (p *metricsProc) put(ms []kamp.Metric) error { return p.im.load.Metrics(p.im.ctx, ms) }

func (p *metricsProc) end() (int64, error) {
	if p.nonClient > 0 {
		p.im.warnings = append(p.im.warnings, fmt.Sprintf("metrics: %d rows for entities that are not clients (is_client=0) were ignored, the first on line %d", p.nonClient, p.firstNC))
		p.nonClient = 0
	}
	return p.buf.end()
}

func (p *metricsProc) row(r *row) error {
	id, ci := r.ref("client_id", true)
	period, _ := r.required("period")
	end := ""
	if period != "" {
		if err := check.Period(period); err != nil {
			r.badErr("period", period, err)
		} else {
			end = check.PeriodEnd(period)
		}
	}
	m := kamp.Metric{ClientID: id, Period: period, Currency: r.currency(end)}
	m.DepositsAvg = r.amount("deposits_avg", false)
	m.LoansAvg = r.amount("loans_avg", false)
	m.Revenue = r.amount("revenue", true)
	m.FeeIncome = r.amount("fee_income", true)
	for _, c := range p.custom {
		if n, ok := r.fixed(c, kamp.AmountScale, true); ok {
			if m.Custom == nil {
				m.Custom = map[string]kamp.Amount{}
			}
			m.Custom[c] = kamp.Amount(n)
		}
	}
	if r.ok && !p.im.info[ci].client {
		if p.nonClient == 0 {
			p.firstNC = r.line
		}
		p.nonClient++
		return nil
	}
	if !p.register(p, r, func() error { return p.buf.add(m) }) {
		return nil
	}
	return p.buf.add(m)
}

// --- exposures.csv ---

type exposuresProc struct {
	keyed
	buf buffer[kamp.Exposure]
}

func (p *exposuresProc) key(r *row) string            { return r.get("facility_id") }
func (p *exposuresProc) keyColumn() string            { return "facility_id" }
func (p *exposuresProc) put(xs []kamp.Exposure) error { return p.im.load.Exposures(p.im.ctx, xs) }
func (p *exposuresProc) end() (int64, error)          { return p.buf.end() }

func (p *exposuresProc) row(r *row) error {
	x := kamp.Exposure{FacilityID: r.id("facility_id")}
	x.ClientID, _ = r.ref("client_id", true)
	x.Product = r.get("product")
	x.AsOf = r.date("as_of", false)
	x.Currency = r.currency(x.AsOf)
	if _, ok := r.required("amount"); ok {
		a := r.amount("amount", false)
		x.Amount = a.Amount
	}
	if !p.register(p, r, func() error { return p.buf.add(x) }) {
		return nil
	}
	return p.buf.add(x)
}

// --- payments.csv ---

type paymentsProc struct {
	keyed
	buf buffer[kamp.Payment]
}

func (p *paymentsProc) key(r *row) string           { return r.get("txn_id") }
func (p *paymentsProc) keyColumn() string           { return "txn_id" }
func (p *paymentsProc) put(ps []kamp.Payment) error { return p.im.load.Payments(p.im.ctx, ps) }
func (p *paymentsProc) end() (int64, error)         { return p.buf.end() }

func (p *paymentsProc) row(r *row) error {
	x := kamp.Payment{TxnID: r.id("txn_id")}
	x.Date = r.date("date", true)
	x.PayerID, _ = r.ref("payer_id", false)
	x.PayeeID, _ = r.ref("payee_id", false)
	x.PayerName, x.PayeeName = r.get("payer_name"), r.get("payee_name")
	if r.get("payer_id") == "" && x.PayerName == "" {
		r.bad("payer_id", "", "the payer needs payer_id or payer_name")
	}
	if r.get("payee_id") == "" && x.PayeeName == "" {
		r.bad("payee_id", "", "the payee needs payee_id or payee_name")
	}
	monthEnd := ""
	if x.Date != "" {
		monthEnd = check.PeriodEnd(x.Date[:7])
	}
	x.Currency = r.currency(monthEnd)
	if _, ok := r.required("amount"); ok {
		if a := r.amount("amount", false); a.Valid {
			if a.Amount == 0 {
				r.bad("amount", r.get("amount"), "must be more than 0")
			}
			x.Amount = a.Amount
		}
	}
	if !p.register(p, r, func() error { return p.buf.add(x) }) {
		return nil
	}
	return p.buf.add(x)
}

// --- fx.csv ---

type fxProc struct {
	keyed
	buf buffer[kamp.FXRate]
}

func (p *fxProc) key(r *row) string          { return r.get("date") + "/" + strings.ToUpper(r.get("currency")) }
func (p *fxProc) keyColumn() string          { return "date" }
func (p *fxProc) put(fs []kamp.FXRate) error { return p.im.load.FXRates(p.im.ctx, fs) }
func (p *fxProc) end() (int64, error)        { return p.buf.end() }

func (p *fxProc) row(r *row) error {
	x := kamp.FXRate{Date: r.date("date", true)}
	if v, ok := r.required("currency"); ok {
		x.Currency = strings.ToUpper(v)
		if err := check.Currency(x.Currency); err != nil {
			r.badErr("currency", v, err)
		}
	}
	if v, ok := r.required("rate"); ok {
		if n, ok := r.fixed("rate", kamp.RateScale, false); ok {
			if n == 0 {
				r.bad("rate", v, "must be more than 0")
			}
			x.Rate = kamp.Rate(n)
		}
	}
	load := func() error {
		p.im.noteRate(x.Currency, x.Date)
		return p.buf.add(x)
	}
	if !p.register(p, r, load) {
		return nil
	}
	return load()
}
