package chain

import (
	"cmp"
	"encoding/binary"
	"math/bits"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/names"
	"github.com/kampbank/kamp/prefetch"
)

// Shards take payments on parallel goroutines. A Shard resolves and checks
// a payment as Add does, but instead of adding its amount to an edge found
// through a map, it appends one compact record per edge touched to a bucket
// chosen by (unit, direction): the buckets follow the order of the result,
// so Result sorts each bucket on its own (small enough to stay in the
// cache) by the final edge order, sums the runs of equal edges into
// Result.Edges, and needs no map of edges at all. Unmatched names are
// interned in one table shared by the shards: names already there are
// found without a lock, and added under striped locks.

// maxBuckets bounds the number of buckets of a Shard: enough for each to
// hold a few thousand records on a large bank, few enough that the
// partly filled chunks cost little.
const maxBuckets = 1024

// chunkLen is the number of records of one chunk of a bucket.
const chunkLen = 256

// record is one payment's share of one edge, kept by a Shard until Result.
type record struct {
	// key is the unit<<33 | the direction's rank<<32 |
	// uint32(counterparty): the edge, ordered as the result is (units
	// are numbered by id) but for the counterparty, whose rank is known
	// only at Result.
	key    uint64
	amount uint64 // kamp.Amount, > 0
	date   int32  // yyyymmdd
	rate   uint32 // index into Accumulator.rateTab
}

// chunk is a block of records of one bucket.
type chunk [chunkLen]record

// bucket is the records of one range of (unit, direction) in a Shard: the
// chunks in order, the last one, tail, holding n records, and the runs of
// records compact has folded.
type bucket struct {
	tail   *chunk
	n      int
	chunks []*chunk
	folds  []fold
	// limit is the number of chunks at which the bucket is compacted
	// next (0: minCompactChunks).
	limit int
}

// A bucket is compacted when it fills minCompactChunks chunks (about
// 390 KB), and after that whenever its chunks double (quadruple, after a
// compaction that saved little), so that a shard's records grow with the
// distinct edges, not with the payments: with many payments per edge, most
// records fold away. On the demo banks, with about one payment per edge, a
// shard of size M never compacts.
var minCompactChunks = 64

// foldedRate marks a record that stands for a run of records folded by
// compact: its date is the run's first, its amount the index of the fold
// in its bucket's folds.
const foldedRate = ^uint32(0)

// fold is the sum of a run of records of one edge, folded by compact.
type fold struct {
	sum  u128
	n    int64 // payments; -1: the sum overflows
	last int32
}

// rateMemo caches the rate index of the last month looked up for one
// currency.
type rateMemo struct {
	month int32
	idx   uint32
	ok    bool
	set   bool
}

// Shard is one part of an Accumulator that takes payments on a goroutine of
// its own: create one per goroutine with Accumulator.NewShard, add payments
// to them concurrently, then call Accumulator.Result once they are all
// done. The result is the same as if every payment had been given to Add,
// whatever shard took it, except for one thing: an exact sum that overflows
// 128 bits is reported by Result rather than by the Add that made it
// overflow. A Shard is not safe for concurrent use.
type Shard struct {
	a       *Accumulator
	buckets []bucket
	records int64
	stats   Stats
	// sides counts the in-range sides of committed payments that used
	// ambiguous name k.
	sides map[int32]int64
	memo  []rateMemo
	buf   []byte
	// lastDate is the date of the last payment with a good date, a copy
	// (payments' strings do not last), and lastDay its yyyymmdd (0: none
	// yet).
	lastDate [10]byte
	lastDay  int32
	// For AddBatch: the batch of payments it works on.
	batch batchAhead
	// For compact: its buffers, and how many times it ran.
	scratch, tmp []keyedRecord
	compactions  int
}

// NewShard returns a new, empty Shard of a. It may be called concurrently
// with other calls of NewShard and with the Add methods of other shards.
// An accumulator takes payments either through its shards or through its
// own Add and AddIndexed, not both: Result fails when both have payments.
func (a *Accumulator) NewShard() *Shard {
	s := &Shard{
		a:       a,
		buckets: make([]bucket, a.nBuckets),
		sides:   map[int32]int64{},
		memo:    make([]rateMemo, len(a.fx)),
		buf:     make([]byte, 0, 256),
	}
	a.shardMu.Lock()
	a.shards = append(a.shards, s)
	a.shardMu.Unlock()
	return s
}

// Add is Accumulator.Add for a payment taken by this shard.
func (s *Shard) Add(p kamp.Payment) error { return s.add(&p, -1, -1, nil) }

// AddIndexed is Accumulator.AddIndexed for a payment taken by this shard.
func (s *Shard) AddIndexed(p kamp.Payment, payer, payee int32) error {
	if err := s.a.checkIndexes(&p, payer, payee, true); err != nil {
		return err
	}
	return s.add(&p, payer, payee, nil)
}

// AddResolved is AddIndexed for a caller that resolved payer and payee from
// PayerID and PayeeID itself: it checks only that each is -1 exactly when
// its id is empty and that it is an entity, and never reads the ids, which
// saves a cache miss per side on a large bank. Indexes of other entities
// than the ids' give a wrong result, not an error.
func (s *Shard) AddResolved(p kamp.Payment, payer, payee int32) error {
	if err := s.a.checkIndexes(&p, payer, payee, false); err != nil {
		return err
	}
	return s.add(&p, payer, payee, nil)
}

// AddBatch is AddResolved for many payments: ps[i], whose sides are
// sides[2*i] and sides[2*i+1]. It calls refused(i, err) for each payment
// it refuses, in order, and takes the others.
//
// On a large bank the tables it reads (the entities' groups, the name
// index, the table of unmatched names) are far larger than the cache, and
// a name side needs up to three reads, each waiting for the one before. So
// it takes the payments a few dozen at a time, in stages, each asking for
// the addresses the next stage reads (package prefetch): the waits of the
// payments of a batch then overlap each other, and the making of the match
// keys.
func (s *Shard) AddBatch(ps []kamp.Payment, sides []int32, refused func(i int, err error)) {
	const ahead = 64
	t := s.tables()
	b := &s.batch
	for start := 0; start < len(ps); start += ahead {
		s.keysAhead(b, t, ps, sides, start, min(start+ahead, len(ps)))
		s.entriesAhead(b, t)
		s.addAhead(b, t, ps, sides, refused)
	}
}

// batchAhead is a batch of payments ps[start:end] in AddBatch: the match
// keys of its name sides (pre, two a payment, in keys), and the addresses
// it asks for.
type batchAhead struct {
	start, end int
	keys       []byte
	pre        []preKey
	addrs      []uintptr
}

// tableAddrs are the addresses of the tables AddBatch asks for ahead.
type tableAddrs struct {
	group, slots, data uintptr
}

// tables returns the addresses of the accumulator's tables.
func (s *Shard) tables() tableAddrs {
	var t tableAddrs
	if g := s.a.group; len(g) > 0 {
		t.group = uintptr(unsafe.Pointer(&g[0]))
	}
	if x := s.a.index; len(x.slots) > 0 {
		t.slots = uintptr(unsafe.Pointer(&x.slots[0]))
		t.data = uintptr(unsafe.Pointer(unsafe.SliceData(x.data)))
	}
	return t
}

// keysAhead is AddBatch's first stage, for ps[start:end]: it asks for the
// groups of the entities, makes the match keys of the name sides, and
// asks for their slots in the name index and, at once, in the table of
// unmatched names, where most names of a bank's payments end up.
func (s *Shard) keysAhead(b *batchAhead, t tableAddrs, ps []kamp.Payment, sides []int32, start, end int) {
	a, x := s.a, s.a.index
	n := int32(len(a.group))
	b.start, b.end = start, end
	addrs := b.addrs[:0]
	for _, e := range sides[2*start : 2*end] {
		if e >= 0 && e < n {
			addrs = append(addrs, t.group+4*uintptr(e))
		}
	}
	prefetch.Addrs(addrs)
	b.keys = b.keys[:0]
	b.pre = slices.Grow(b.pre[:0], 2*(end-start))[:2*(end-start)]
	for i := start; i < end; i++ {
		p := &ps[i]
		j := 2 * (i - start)
		b.setPreKey(&b.pre[j], sides[2*i], p.PayerID, p.PayerName)
		b.setPreKey(&b.pre[j+1], sides[2*i+1], p.PayeeID, p.PayeeName)
	}
	// The keys are sliced only now that keys no longer grows.
	addrs = addrs[:0]
	for i := range b.pre {
		if pk := &b.pre[i]; pk.set {
			pk.key = b.keys[pk.start:pk.end]
			addrs = append(addrs, t.slots+8*uintptr(pk.h&x.mask))
			if p := a.shared.slotAddr(pk.h); p != 0 {
				addrs = append(addrs, p)
			}
		}
	}
	prefetch.Addrs(addrs)
	b.addrs = addrs
}

// entriesAhead is AddBatch's second stage: it reads the slots of the
// batch's keys and asks for the entries they point to, in both tables.
func (s *Shard) entriesAhead(b *batchAhead, t tableAddrs) {
	a, x := s.a, s.a.index
	addrs := b.addrs[:0]
	for i := range b.pre {
		if pk := &b.pre[i]; pk.set {
			if sl := x.slots[pk.h&x.mask]; sl != 0 {
				p := t.data + uintptr(sl&(1<<40-1)-1)
				addrs = append(addrs, p, p+entrySpan)
			}
			if p := a.shared.entryAddr(pk.h); p != 0 {
				addrs = append(addrs, p, p+entrySpan)
			}
		}
	}
	prefetch.Addrs(addrs)
	b.addrs = addrs
}

// addAhead is AddBatch's last stage: it looks the batch's keys up in the
// name index, asks for the groups of the entities they match, and adds
// the payments.
func (s *Shard) addAhead(b *batchAhead, t tableAddrs, ps []kamp.Payment, sides []int32, refused func(i int, err error)) {
	a, x := s.a, s.a.index
	n := int32(len(a.group))
	addrs := b.addrs[:0]
	for i := range b.pre {
		if pk := &b.pre[i]; pk.set {
			pk.e, pk.m = x.lookup(pk.key, pk.h)
			if pk.m == names.Unique && pk.e < n {
				addrs = append(addrs, t.group+4*uintptr(pk.e))
			}
		}
	}
	prefetch.Addrs(addrs)
	b.addrs = addrs
	for i := b.start; i < b.end; i++ {
		payer, payee := sides[2*i], sides[2*i+1]
		err := a.checkIndexes(&ps[i], payer, payee, false)
		if err == nil {
			j := 2 * (i - b.start)
			err = s.add(&ps[i], payer, payee, b.pre[j:j+2])
		}
		if err != nil {
			refused(i, err)
		}
	}
}

// entrySpan is where AddBatch asks for the second cache line of an entry
// of the name index or of the table of unmatched names, from its start: a
// company's key, with what precedes it, is often 40 to 60 bytes.
const entrySpan = 48

// setPreKey sets *pk to the match key of a payment's side when it has a
// name and neither an entity index nor an id, and clears it otherwise.
func (b *batchAhead) setPreKey(pk *preKey, idx int32, id, name string) {
	*pk = preKey{}
	if idx < 0 && id == "" && name != "" {
		pk.set, pk.start = true, int32(len(b.keys))
		b.keys = names.AppendMatchKey(b.keys, name)
		pk.end = int32(len(b.keys))
		pk.h = hashKey(b.keys[pk.start:pk.end])
	}
}

// preKey is the match key of a name side computed ahead by AddBatch: key,
// at keys[start:end] of its batch, of hash h, and what the name index
// found for it.
type preKey struct {
	set        bool
	start, end int32
	key        []byte
	h          uint64
	e          int32
	m          names.Match
}

// Stats returns the counts of the payments this shard took so far.
func (s *Shard) Stats() Stats { return s.stats }

// add is Accumulator.add, appending records instead of adding to edges.
// pre, when not nil, holds the match keys of the payer and payee computed
// ahead.
func (s *Shard) add(p *kamp.Payment, payerIdx, payeeIdx int32, pre []preKey) error {
	a := s.a
	d, ok := s.lastDay, s.lastDay != 0 && p.Date == string(s.lastDate[:])
	if !ok {
		if d, ok = parseDate(p.Date); ok {
			copy(s.lastDate[:], p.Date)
			s.lastDay = d
		}
	}
	if !ok {
		return kamp.Errorf(kamp.EINVALID, "payment %q: date %q is not YYYY-MM-DD", p.TxnID, p.Date)
	}
	if d < a.from || d > a.to {
		s.stats.Payments++
		s.stats.OutOfRange++
		return nil
	}
	if p.Amount <= 0 {
		return kamp.Errorf(kamp.EINVALID, "payment %q: amount %s is not > 0", p.TxnID, p.Amount)
	}
	var prePayer, prePayee *preKey
	if pre != nil {
		prePayer, prePayee = &pre[0], &pre[1]
	}
	payer, err := s.side(p.TxnID, "payer", payerIdx, p.PayerID, p.PayerName, prePayer)
	if err != nil {
		return err
	}
	payee, err := s.side(p.TxnID, "payee", payeeIdx, p.PayeeID, p.PayeeName, prePayee)
	if err != nil {
		return err
	}
	internal, uPayer, uPayee := a.units(payer.entity, payee.entity)
	var rate uint32
	if uPayer >= 0 || uPayee >= 0 {
		if rate, err = s.rate(p.TxnID, p.Currency, d); err != nil {
			return err
		}
	}

	// Commit.
	s.stats.Payments++
	s.note(payer)
	s.note(payee)
	switch {
	case internal:
		s.stats.Internal++
		return nil
	case uPayer < 0 && uPayee < 0:
		s.stats.Outside++
		return nil
	}
	s.stats.Counted++
	r := record{amount: uint64(p.Amount), date: d, rate: rate}
	if uPayer >= 0 {
		r.key = uint64(uPayer)<<33 | 1<<32 | uint64(uint32(payee.cp))
		s.put(r)
	}
	if uPayee >= 0 {
		r.key = uint64(uPayee)<<33 | uint64(uint32(payer.cp))
		s.put(r)
	}
	if uPayer >= 0 && uPayee >= 0 {
		s.stats.TwoUnits++
	}
	return nil
}

// put appends r to its bucket.
func (s *Shard) put(r record) {
	b := &s.buckets[(r.key>>32)>>s.a.bucketShift]
	if b.tail == nil || b.n == chunkLen {
		if len(b.chunks) >= cmp.Or(b.limit, minCompactChunks) {
			s.compact(b)
		}
	}
	if b.tail == nil || b.n == chunkLen {
		b.tail = new(chunk)
		b.chunks = append(b.chunks, b.tail)
		b.n = 0
	}
	b.tail[b.n] = r
	b.n++
	s.records++
}

// compact sorts the records of b by key and folds each run of two or more
// records of one edge into one record and a fold, writing them back into
// the first of b's chunks and dropping the others.
func (s *Shard) compact(b *bucket) {
	s.scratch = s.scratch[:0]
	for ci, c := range b.chunks {
		n := chunkLen
		if ci == len(b.chunks)-1 {
			n = b.n
		}
		for i := range c[:n] {
			s.scratch = append(s.scratch, keyedRecord{c[i].key, c[i]})
		}
	}
	sorted := sortKeyed(s.scratch, &s.tmp)
	var folds []fold
	out := 0
	emit := func(r record) {
		b.chunks[out/chunkLen][out%chunkLen] = r
		out++
	}
	for i := 0; i < len(sorted); {
		j := i + 1
		for j < len(sorted) && sorted[j].key == sorted[i].key {
			j++
		}
		if r := sorted[i].r; j-i == 1 {
			if r.rate == foldedRate {
				// A fold of an earlier compaction, renumbered.
				folds = append(folds, b.folds[r.amount])
				r.amount = uint64(len(folds) - 1)
			}
			emit(r)
			i = j
			continue
		}
		f := fold{last: sorted[i].r.date}
		first := sorted[i].r.date
		for ; i < j; i++ {
			r := &sorted[i].r
			var add u128
			n, last := int64(1), r.date
			if r.rate == foldedRate {
				g := &b.folds[r.amount]
				add, n, last = g.sum, g.n, g.last
			} else {
				add = s.a.product(r.amount, r.rate)
			}
			first, f.last = min(first, r.date), max(f.last, last)
			if f.n < 0 {
				continue
			}
			var ok bool
			if f.sum, ok = f.sum.add(add); !ok || n < 0 {
				f.n = -1
				continue
			}
			f.n += n
		}
		emit(record{key: sorted[i-1].r.key, amount: uint64(len(folds)), date: first, rate: foldedRate})
		folds = append(folds, f)
	}
	before, used := len(b.chunks), (out+chunkLen-1)/chunkLen
	clear(b.chunks[used:])
	b.chunks = b.chunks[:used]
	b.tail, b.n = nil, 0
	if used > 0 {
		b.tail, b.n = b.chunks[used-1], out-(used-1)*chunkLen
	}
	b.folds = folds
	// Compact again when the chunks double, or quadruple when this
	// compaction saved less than a quarter (few payments per edge), which
	// halves the work spent on compactions that save little.
	growth := 2
	if 4*used > 3*before {
		growth = 4
	}
	b.limit = max(minCompactChunks, growth*used)
	s.compactions++
}

// note counts a committed side in Stats and in the ambiguity report.
func (s *Shard) note(sd side) {
	if !sd.byName {
		return
	}
	switch sd.match {
	case names.Unique:
		s.stats.NameMatched++
	case names.Ambiguous:
		s.stats.NameAmbiguous++
		s.sides[-1-sd.cp]++
	default:
		s.stats.NameUnmatched++
	}
}

// side resolves one side of a payment, as Accumulator.side does, interning
// unmatched names in the shared table.
func (s *Shard) side(txn, role string, idx int32, id, name string, pre *preKey) (side, error) {
	if idx >= 0 {
		return side{cp: idx, entity: idx}, nil
	}
	a := s.a
	if id != "" {
		e, ok := a.byID(id)
		if !ok {
			return side{}, kamp.Errorf(kamp.EINVALID, "payment %q: %s_id %q is not in entities", txn, role, id)
		}
		return side{cp: e, entity: e}, nil
	}
	if name == "" {
		return side{}, kamp.Errorf(kamp.EINVALID, "payment %q: the %s has neither id nor name", txn, role)
	}
	var key []byte
	var h uint64
	var e int32
	var m names.Match
	if pre != nil && pre.set {
		key, h, e, m = pre.key, pre.h, pre.e, pre.m
	} else {
		s.buf = names.AppendMatchKey(s.buf[:0], name)
		key, h = s.buf, hashKey(s.buf)
		e, m = a.index.lookup(key, h)
	}
	if len(key) == 0 {
		return side{}, kamp.Errorf(kamp.EINVALID, "payment %q: %s_name %q has an empty match key", txn, role, name)
	}
	if m == names.Unique {
		return side{cp: e, entity: e, match: m, byName: true}, nil
	}
	k, ok := a.shared.intern(key, h, m == names.Ambiguous)
	if !ok {
		return side{}, kamp.Errorf(kamp.EINVALID, "payment %q: too many distinct unmatched names", txn)
	}
	return side{cp: -1 - k, entity: -1, match: m, byName: true}, nil
}

// rate returns the index in rateTab of the rate of currency (empty: the
// reporting currency) for a payment dated d.
func (s *Shard) rate(txn, currency string, d int32) (uint32, error) {
	a := s.a
	ci := a.reporting
	if currency != "" && currency != kamp.ReportingCurrency {
		c, ok := a.currency[currency]
		if !ok {
			return 0, kamp.Errorf(kamp.EINVALID, "payment %q: unknown currency %q: no rate in FX", txn, currency)
		}
		ci = c
	}
	month := d / 100
	m := &s.memo[ci]
	if !m.set || m.month != month {
		i, _ := slices.BinarySearch(a.fx[ci].dates, month*100+32)
		*m = rateMemo{month: month, set: true}
		switch {
		case i > 0:
			m.idx, m.ok = a.rateBase[ci]+uint32(i-1), true
		case ci == a.reporting:
			m.idx, m.ok = a.rateOne, true
		}
	}
	if !m.ok {
		return 0, kamp.Errorf(kamp.EINVALID, "payment %q: unknown currency %q: no rate on or before the end of %s", txn, currency, formatDate(d)[:7])
	}
	return m.idx, nil
}

// nameStripes is the number of stripes of a nameTable; a power of 2.
const (
	stripeBits  = 6
	nameStripes = 1 << stripeBits
)

// nameTable interns the unmatched match keys of the payments of all the
// shards of an accumulator. Name k lives in stripe k mod nameStripes, at
// k / nameStripes; its counterparty is -1-k.
type nameTable struct {
	stripes [nameStripes]nameStripe
}

// nameStripe is one lock's share of a nameTable: the keys, and an
// open-addressing table of them whose slots hold the top 32 bits of a
// key's hash and a reference to the key's entry in the chunks (0: empty).
// An entry is the key's name in the stripe and its length (4 bytes each,
// little-endian), then its bytes, so that a lookup reads the slot and
// then one entry; keys[j] points into the chunks too.
//
// Lookups of keys already there take no lock: the table and the list of
// chunks are replaced whole when they grow, and published atomically; a
// slot is stored atomically once its entry is written, and an entry is
// never changed. A lookup that misses takes the lock and looks again in
// the current table before it adds the key.
type nameStripe struct {
	mu        sync.Mutex
	slots     atomic.Pointer[[]uint64]
	chunks    atomic.Pointer[[][]byte] // each as long as it will ever be
	fill      int                      // bytes used of the last chunk, under mu
	keys      []string                 // under mu
	ambiguous []bool                   // under mu
	_         [64]byte                 // keep stripes on separate cache lines
}

// nameChunk is the size of a nameStripe's chunks, and a reference's
// offset bits: a reference is (chunk index + 1) << nameChunkBits | offset.
// A key too long for a chunk gets one of its own.
const (
	nameChunkBits = 16
	nameChunk     = 1 << nameChunkBits
)

// stripe returns the stripe of a key whose hashKey is h, and the tag of
// its slots.
func (t *nameTable) stripe(h uint64) (st *nameStripe, si uint32, tag uint64) {
	si = uint32(h) & (nameStripes - 1)
	return &t.stripes[si], si, h >> 32
}

// intern returns the name of key, whose hashKey is h, adding it if needed;
// ambiguous says whether two or more entities share key. It fails when
// the stripe is full. The low bits of h pick the stripe, the top bits the
// slot.
func (t *nameTable) intern(key []byte, h uint64, ambiguous bool) (int32, bool) {
	st, si, tag := t.stripe(h)
	if j, ok := st.find(key, tag); ok {
		return j<<stripeBits | int32(si), true
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if j, ok := st.find(key, tag); ok {
		return j<<stripeBits | int32(si), true
	}
	chunks := st.chunks.Load()
	if len(st.keys) >= 1<<(31-stripeBits)-1 || chunks != nil && len(*chunks) >= 1<<(32-nameChunkBits)-1 {
		return 0, false
	}
	j := int32(len(st.keys))
	ref := st.store(j, key)
	e := st.entry(ref)
	st.keys = append(st.keys, unsafe.String(unsafe.SliceData(e[8:8+len(key)]), len(key)))
	st.ambiguous = append(st.ambiguous, ambiguous)
	var slots []uint64
	if p := st.slots.Load(); p != nil {
		slots = *p
	}
	if 3*len(st.keys) > 2*len(slots) {
		// At most two thirds full: a table twice as large, with every
		// key placed again from the tags of their slots, replaces it.
		grown := make([]uint64, max(256, 2*len(slots)))
		for _, sl := range slots {
			if sl != 0 {
				place(grown, sl)
			}
		}
		place(grown, tag<<32|uint64(ref))
		st.slots.Store(&grown)
		return j<<stripeBits | int32(si), true
	}
	place(slots, tag<<32|uint64(ref))
	return j<<stripeBits | int32(si), true
}

// find returns the name in the stripe of key, whose slots' tag is tag, and
// whether it is there; it takes no lock.
func (st *nameStripe) find(key []byte, tag uint64) (int32, bool) {
	p := st.slots.Load()
	if p == nil {
		return 0, false
	}
	slots := *p
	mask := uint64(len(slots) - 1)
	for i := tag & mask; ; i = (i + 1) & mask {
		sl := atomic.LoadUint64(&slots[i])
		if sl == 0 {
			return 0, false
		}
		if sl>>32 != tag {
			continue
		}
		e := st.entry(uint32(sl))
		if n := binary.LittleEndian.Uint32(e[4:]); int(n) == len(key) && string(e[8:8+n]) == string(key) {
			return int32(binary.LittleEndian.Uint32(e)), true
		}
	}
}

// firstSlot returns the stripe of a key whose hashKey is h, the first
// slot a lookup of it reads (nil while the stripe has no slots), and the
// key's tag.
func (t *nameTable) firstSlot(h uint64) (*nameStripe, *uint64, uint64) {
	st, _, tag := t.stripe(h)
	p := st.slots.Load()
	if p == nil {
		return st, nil, tag
	}
	slots := *p
	return st, &slots[tag&uint64(len(slots)-1)], tag
}

// slotAddr returns the address of the first slot a lookup of a key whose
// hashKey is h reads, or 0 while the table has no slots. entryAddr returns
// the address of the entry that slot points to when its tag is the key's,
// else 0. They are for prefetch, which never reads them: taken without the
// lock, they may be stale by the time the lookup runs.
func (t *nameTable) slotAddr(h uint64) uintptr {
	_, slot, _ := t.firstSlot(h)
	return uintptr(unsafe.Pointer(slot))
}

// entryAddr: see slotAddr.
func (t *nameTable) entryAddr(h uint64) uintptr {
	st, slot, tag := t.firstSlot(h)
	if slot == nil {
		return 0
	}
	sl := atomic.LoadUint64(slot)
	if sl == 0 || sl>>32 != tag {
		return 0
	}
	return uintptr(unsafe.Pointer(&st.entry(uint32(sl))[0]))
}

// entry returns the chunk bytes from the entry of reference ref on.
func (st *nameStripe) entry(ref uint32) []byte {
	return (*st.chunks.Load())[ref>>nameChunkBits-1][ref&(nameChunk-1):]
}

// store writes the entry of key, name j of the stripe, into the chunks and
// returns its reference. The caller holds the lock.
func (st *nameStripe) store(j int32, key []byte) uint32 {
	need := 8 + len(key)
	var chunks [][]byte
	if p := st.chunks.Load(); p != nil {
		chunks = *p
	}
	last := len(chunks) - 1
	if last < 0 || len(chunks[last])-st.fill < need {
		// Appending may write past the end of the list that lookups
		// see, never into it.
		grown := append(chunks, make([]byte, max(nameChunk, need)))
		st.chunks.Store(&grown)
		chunks, st.fill = grown, 0
		last++
	}
	off := st.fill
	c := chunks[last][off:]
	binary.LittleEndian.PutUint32(c, uint32(j))
	binary.LittleEndian.PutUint32(c[4:], uint32(len(key)))
	copy(c[8:], key)
	st.fill += need
	return uint32(last+1)<<nameChunkBits | uint32(off)
}

// place puts slot value sl in the first empty slot of slots from its
// tag's, atomically: lookups may be reading slots.
func place(slots []uint64, sl uint64) {
	mask := uint64(len(slots) - 1)
	i := sl >> 32 & mask
	for slots[i] != 0 {
		i = (i + 1) & mask
	}
	atomic.StoreUint64(&slots[i], sl)
}

// key returns the match key of name k.
func (t *nameTable) key(k int32) string {
	return t.stripes[k&(nameStripes-1)].keys[k>>stripeBits]
}

// count returns the number of names.
func (t *nameTable) count() int {
	n := 0
	for i := range t.stripes {
		n += len(t.stripes[i].keys)
	}
	return n
}

// sharedCPString returns the counterparty string of cp for the shards: an
// entity id or an interned match key.
func (a *Accumulator) sharedCPString(cp int32) string {
	if cp >= 0 {
		return a.ids[cp]
	}
	return a.shared.key(-1 - cp)
}

// product returns the exact value of amount at rate index ri.
func (a *Accumulator) product(amount uint64, ri uint32) u128 {
	hi, lo := bits.Mul64(amount, uint64(a.rateTab[ri]))
	return u128{hi, lo}
}
