package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
)

// Value model: a unit's monthly revenue contribution (CNY) is lognormal with
// these parameters, scaled up by the number of clients it has. With this
// sigma the top 5% of units hold about half of the total score and the top
// 20% about four fifths (the 5% and 80/20 models; TestHeavyTail checks it).
const (
	valueMu    = 9.9 // ln of the median, about 20,000 yuan a month
	valueSigma = 1.6
	hoSigmas   = 2.5 // units above mu + hoSigmas*sigma belong to the head office
)

// Shares are built in units of 1/10,000 of a percent (4 decimals).
const (
	pct     = 10_000
	fullPct = 100 * pct
)

// gen holds the demo bank being generated. Entities live in columns indexed
// by an internal index, where each group's members are contiguous; ids are a
// pseudo-random permutation of the indices, so related entities get
// scattered ids. Everything later files need is kept in these columns or is
// a pure function of (seed, index), so memory stays at about 20 bytes an
// entity.
type gen struct {
	ctx     context.Context
	n       int
	seed    uint64
	rng     *rand.Rand
	ids     perm
	idNum   []uint32 // id number (forward permutation + 1) of each index
	idWidth int

	kind   []uint8
	flags  []uint8
	region []uint8 // company: region of the name; branch: region of the branch
	ind    []uint8 // industry (foreign: index into foreignIndustries)
	brand  []uint16
	aux    []int32 // person/foreign ordinal, state body, or a branch's head
	grp    []int32
	size   []float32 // planned monthly revenue contribution of clients (CNY)
	gStart []int32   // first index of each group

	used     []uint64 // taken (brand, region, industry) triples
	persons  int
	foreigns int
	next     int
	poolLo   int // pool of persons holding minority stakes: [poolLo, poolHi)
	poolHi   int
	firstCo  int

	own *table

	// scratch for building one group
	mem, depth, parent, lastChild, picked []int
}

func newGen(ctx context.Context, n int, seed int64) *gen {
	s := uint64(seed)
	g := &gen{
		ctx:     ctx,
		n:       n,
		seed:    s,
		rng:     rand.New(rand.NewPCG(s, 0x656e746974696573)),
		ids:     newPerm(uint64(n), s),
		idWidth: max(7, digits(uint64(n))),
		kind:    make([]uint8, n),
		flags:   make([]uint8, n),
		region:  make([]uint8, n),
		ind:     make([]uint8, n),
		brand:   make([]uint16, n),
		aux:     make([]int32, n),
		grp:     make([]int32, n),
		size:    make([]float32, n),
		used:    make([]uint64, (len(brands)*len(regions)*len(industries)+63)/64),
		idNum:   make([]uint32, n),
	}
	for i := range g.idNum {
		g.idNum[i] = uint32(g.ids.forward(uint64(i)) + 1)
	}
	return g
}

// appendEntityID appends the id of entity index i.
func (g *gen) appendEntityID(dst []byte, i int) []byte {
	return appendID(dst, 'E', uint64(g.idNum[i]), g.idWidth)
}

// build lays out every entity and group and writes ownership.csv.
func (g *gen) build() error {
	for s := range stateBodies {
		g.beginGroup()
		i := g.alloc(kState)
		g.aux[i] = int32(s)
	}
	g.poolLo = g.next
	for range max(20, g.n/25) {
		g.beginGroup()
		if _, err := g.newPerson(); err != nil {
			return err
		}
	}
	g.poolHi = g.next
	g.firstCo = g.next

	span := g.n - g.firstCo
	nSpecial := 1 + g.n/100_000
	nMega := 0
	if g.n >= 20_000 {
		nMega = max(1, g.n/250_000)
	}
	bodyCap := max(12, g.n/2000)
	special, mega := 0, 0
	for step := 0; g.next < g.n; step++ {
		if step%1024 == 0 {
			if err := g.ctx.Err(); err != nil {
				return fmt.Errorf("demo: generating entities: %w", err)
			}
		}
		rem := g.n - g.next
		if special < nSpecial && g.next-g.firstCo >= (2*special+1)*span/(2*nSpecial+1) {
			special++
			if rem >= 60 {
				if err := g.specials(special); err != nil {
					return err
				}
				continue
			}
		}
		if mega < nMega && g.next-g.firstCo >= (2*mega+2)*span/(2*nMega+3) {
			mega++
			// Thousands of members at size M; larger banks have more of them.
			base := min(g.n, 1_000_000)
			s := base/500 + g.rng.IntN(base/150-base/500+1)
			if rem > s {
				if err := g.group(s, true); err != nil {
					return err
				}
				continue
			}
		}
		r := g.rng.Float64()
		switch {
		case r < 0.004:
			g.beginGroup()
			i, err := g.newForeign(g.rng.Float64() < 0.75)
			if err != nil {
				return err
			}
			g.value(i, i+1, i, 0.8)
		case r < 0.58 || rem < 2:
			if err := g.standalone(); err != nil {
				return err
			}
		default:
			s := min(rem, g.groupSize(bodyCap))
			if err := g.group(s, false); err != nil {
				return err
			}
		}
	}
	return nil
}

// groupSize draws a group size (root included) from a discrete Pareto
// distribution: mostly 2 to 10, rarely up to limit.
func (g *gen) groupSize(limit int) int {
	u := 1 - g.rng.Float64() // (0, 1]
	s := int(2 * math.Pow(u, -1/2.3))
	return min(s, limit)
}

func (g *gen) beginGroup() { g.gStart = append(g.gStart, int32(g.next)) }

// alloc takes the next index for an entity of kind k in the current group.
func (g *gen) alloc(k uint8) int {
	i := g.next
	g.next++
	g.kind[i] = k
	g.grp[i] = int32(len(g.gStart) - 1)
	return i
}

func (g *gen) newPerson() (int, error) {
	if g.persons >= personSpace {
		return 0, fmt.Errorf("demo: more than %d persons: too many entities", personSpace)
	}
	i := g.alloc(kPerson)
	g.aux[i] = int32(g.persons)
	g.persons++
	return i, nil
}

func (g *gen) newForeign(client bool) (int, error) {
	if uint64(g.foreigns) >= uint64(len(countries))*foreignSpace {
		return 0, fmt.Errorf("demo: more than %d foreign entities: too many entities", uint64(len(countries))*foreignSpace)
	}
	i := g.alloc(kForeign)
	g.aux[i] = int32(g.foreigns)
	_, _, _, in := foreignParts(uint64(g.foreigns))
	g.ind[i] = uint8(in)
	g.foreigns++
	if client {
		g.flags[i] |= fClient
	}
	return i, nil
}

// randRegion draws a region by its weight.
func (g *gen) randRegion() int {
	u := g.rng.IntN(regionCum[len(regionCum)-1])
	lo, hi := 0, len(regionCum)-1
	for lo < hi {
		m := (lo + hi) / 2
		if regionCum[m] > u {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

// newCompany adds a domestic company whose name uses brand b, region r and
// industry w where free (-1: any) and the legal form form.
func (g *gen) newCompany(b, r, w int, form uint8, client bool) (int, error) {
	nr, nw := len(regions), len(industries)
	if b < 0 {
		b = g.rng.IntN(len(brands))
	}
	if r < 0 {
		r = g.randRegion()
	}
	if w < 0 {
		w = g.rng.IntN(nw)
	}
	for t := 0; ; t++ {
		k := (b*nr+r)*nw + w
		if g.used[k/64]&(1<<(k%64)) == 0 {
			g.used[k/64] |= 1 << (k % 64)
			break
		}
		switch {
		case t > 200:
			return 0, fmt.Errorf("demo: company names exhausted: too many entities")
		case t < 6:
			w = g.rng.IntN(nw)
		case t < 12:
			r, w = g.randRegion(), g.rng.IntN(nw)
		default:
			b, r, w = g.rng.IntN(len(brands)), g.randRegion(), g.rng.IntN(nw)
		}
	}
	i := g.alloc(kCompany)
	g.brand[i], g.region[i], g.ind[i] = uint16(b), uint8(r), uint8(w)
	f := form << formShift
	if client {
		f |= fClient
	}
	if form <= formJoint && g.rng.Float64() < 0.25 {
		f |= fBracket
	}
	if g.rng.Float64() < 0.07 {
		f |= fNoUSCC
	}
	if g.rng.Float64() < 0.65 {
		f |= fMA
	}
	g.flags[i] = f
	return i, nil
}

// newBranch adds a branch office (分公司) of company head in a region other
// than the head's and other than avoid's.
func (g *gen) newBranch(head, avoid int) int {
	r := g.randRegion()
	for r == int(g.region[head]) || r == avoid {
		r = (r + 1) % len(regions)
	}
	i := g.alloc(kBranch)
	g.aux[i] = int32(head)
	g.region[i] = uint8(r)
	g.ind[i] = g.ind[head]
	if g.rng.Float64() < 0.6 {
		g.flags[i] |= fClient
	}
	if g.rng.Float64() < 0.05 {
		g.flags[i] |= fNoUSCC
	}
	if g.rng.Float64() < 0.8 {
		g.flags[i] |= fMA
	}
	return i
}

// asOf dates of ownership rows; one in twelve rows has none.
var asOfDates = []string{"2026-09-30", "2026-09-30", "2026-09-30", "2026-09-30", "2026-09-30",
	"2026-09-30", "2026-06-30", "2026-06-30", "2025-12-31", "2025-12-31", "2024-12-31", ""}

// hold writes one ownership row: holder h holds share (in 1/10,000 %, or
// none when < 0) of entity e, by agreement when agreement is set.
func (g *gen) hold(h, e int, share int64, agreement bool) error {
	t := g.own
	t.row = g.appendEntityID(t.row, h)
	t.row = append(t.row, ',')
	t.row = g.appendEntityID(t.row, e)
	t.row = append(t.row, ',')
	if share >= 0 {
		t.row = appendFixed(t.row, share, 4)
	}
	t.row = append(t.row, ',')
	if agreement {
		t.row = append(t.row, "agreement"...)
	}
	t.row = append(t.row, ',')
	t.row = append(t.row, asOfDates[g.rng.IntN(len(asOfDates))]...)
	return t.end()
}

// share draws a share in [lo, hi] percent units of 1/10,000, rounded to two
// decimals seven times in ten.
func (g *gen) share(lo, hi int64) int64 {
	v := lo + g.rng.Int64N(hi-lo+1)
	if g.rng.Float64() < 0.7 {
		v = v / 100 * 100
		if v < lo {
			v += 100
		}
	}
	return v
}

// majority draws a controlling share: often 100%, else 51-99.99%.
func (g *gen) majority() int64 {
	if g.rng.Float64() < 0.45 {
		return fullPct
	}
	return g.share(51*pct, 99*pct+9999)
}

// outsiders adds up to k minority holders (5-49% each, never more than
// maxEach, together at most room) of entity e: persons of the minority pool,
// and at most one company from a group before limit. None of them can
// control e, alone or together: pool persons control nothing, and a single
// company's group holds at most 49%.
func (g *gen) outsiders(e int, room, maxEach int64, k, limit int) error {
	g.picked = g.picked[:0]
	company := false
	for t := 0; t < k; t++ {
		hi := min(maxEach, room-int64(k-t-1)*5*pct, 49*pct+9999)
		if hi < 5*pct {
			break
		}
		s := g.share(5*pct, hi)
		h := -1
		if !company && limit > g.firstCo && g.rng.Float64() < 0.25 {
			for range 6 {
				c := g.firstCo + g.rng.IntN(limit-g.firstCo)
				if g.kind[c] == kCompany || g.kind[c] == kForeign {
					h, company = c, true
					break
				}
			}
		}
		if h < 0 {
			for range 6 {
				p := g.poolLo + g.rng.IntN(g.poolHi-g.poolLo)
				if !containsInt(g.picked, p) {
					h = p
					break
				}
			}
		}
		if h < 0 {
			continue
		}
		g.picked = append(g.picked, h)
		if err := g.hold(h, e, s, false); err != nil {
			return err
		}
		room -= s
	}
	return nil
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// standalone adds a company outside any group: its shareholders, if any, are
// minority holders only.
func (g *gen) standalone() error {
	g.beginGroup()
	start := g.next
	form := uint8(formLtd)
	if g.rng.Float64() < 0.15 {
		form = formJoint
	}
	i, err := g.newCompany(-1, -1, -1, form, g.rng.Float64() < 0.8)
	if err != nil {
		return err
	}
	if g.rng.Float64() < 0.7 {
		if err := g.outsiders(i, fullPct, 49*pct+9999, 2+g.rng.IntN(3), start); err != nil {
			return err
		}
	}
	g.value(i, i+1, i, 0.8)
	return nil
}

// group adds a corporate group of s members (root included): a private group
// under a person, a state group whose top company a state body holds, or a
// group under a top company with dispersed shareholders. deep groups reach
// depth 6.
func (g *gen) group(s int, deep bool) error {
	g.beginGroup()
	start := g.next
	pb := g.rng.IntN(len(brands))
	home := g.randRegion()
	mainInd := g.rng.IntN(len(industries))
	g.mem, g.depth, g.parent, g.lastChild = g.mem[:0], g.depth[:0], g.parent[:0], g.lastChild[:0]
	top := -1
	typ := g.rng.Float64()
	if typ < 0.58 {
		p, err := g.newPerson()
		if err != nil {
			return err
		}
		g.mem = append(g.mem, p)
	} else {
		form := uint8(formGroup)
		switch f := g.rng.Float64(); {
		case f < 0.2:
			form = formGroupJSC
		case f < 0.35:
			form = formJoint
		case f < 0.55:
			form = formLtd
		}
		c, err := g.newCompany(pb, home, mainInd, form, g.rng.Float64() < 0.92)
		if err != nil {
			return err
		}
		top = c
		g.mem = append(g.mem, c)
		if typ < 0.72 {
			sb := g.stateBody()
			sh := int64(fullPct)
			if g.rng.Float64() < 0.6 {
				sh = g.share(51*pct, 90*pct)
			}
			if err := g.hold(sb, c, sh, false); err != nil {
				return err
			}
			if sh < fullPct && g.rng.Float64() < 0.5 {
				if err := g.outsiders(c, fullPct-sh, fullPct-sh, 1+g.rng.IntN(3), start); err != nil {
					return err
				}
			}
		} else if err := g.outsiders(c, g.share(60*pct, 95*pct), 30*pct, 2+g.rng.IntN(4), start); err != nil {
			return err
		}
	}
	g.depth = append(g.depth, 0)
	g.parent = append(g.parent, -1)
	g.lastChild = append(g.lastChild, -1)

	d := 1
	switch {
	case deep:
		d = 6
	case s >= 10:
		d = 2 + g.rng.IntN(5)
	case s > 2:
		d = 1 + g.rng.IntN(min(s-1, 3))
	}
	for j := 1; j < s; j++ {
		p := j - 1
		if j > d {
			p = g.rng.IntN(j)
			for g.depth[p] >= d {
				p = g.parent[p]
			}
		}
		var c int
		var err error
		if s >= 4 && g.rng.Float64() < 0.012 {
			c, err = g.newForeign(g.rng.Float64() < 0.8)
		} else {
			b, r, w := -1, -1, -1
			if g.rng.Float64() < 0.75 {
				b = pb
			}
			if g.rng.Float64() < 0.5 {
				r = home
			}
			if g.rng.Float64() < 0.35 {
				w = mainInd
			}
			form := uint8(formLtd)
			if g.rng.Float64() < 0.1 {
				form = formJoint
			}
			c, err = g.newCompany(b, r, w, form, g.rng.Float64() < 0.86)
		}
		if err != nil {
			return err
		}
		if top < 0 {
			top = c
		}
		g.mem = append(g.mem, c)
		g.depth = append(g.depth, g.depth[p]+1)
		g.parent = append(g.parent, p)
		g.lastChild = append(g.lastChild, -1)
		if err := g.member(g.mem[p], c, g.lastChild[p], start); err != nil {
			return err
		}
		g.lastChild[p] = j
	}
	g.value(start, g.next, top, 1)
	if top >= 0 && g.kind[top] == kCompany && g.rng.Float64() < 0.04+0.01*math.Log2(float64(s)) {
		avoid := -1
		for range 1 + g.rng.IntN(2) {
			if g.next >= g.n {
				break
			}
			g.beginGroup()
			b := g.newBranch(top, avoid)
			avoid = int(g.region[b])
			g.value(b, b+1, b, 0.4)
		}
	}
	return nil
}

// member writes the holdings that make parent p control new member c: a
// majority share, a split holding (p's direct share plus that of its earlier
// child q, local index sib, together above 50 while each is below), or
// control by agreement; then perhaps some outsiders' minority stakes.
func (g *gen) member(p, c, sib, start int) error {
	used := int64(0)
	switch r := g.rng.Float64(); {
	case r < 0.07 && sib >= 0:
		x := g.share(20*pct, 40*pct)
		y := 50*pct - x + g.share(1*pct, 19*pct+9800)
		if err := g.hold(p, c, x, false); err != nil {
			return err
		}
		if err := g.hold(g.mem[sib], c, y, false); err != nil {
			return err
		}
		used = x + y
	case r < 0.13:
		sh := int64(-1)
		if g.rng.Float64() < 0.5 {
			sh = g.share(5*pct, 30*pct)
			used = sh
		}
		if err := g.hold(p, c, sh, true); err != nil {
			return err
		}
	default:
		used = g.majority()
		if err := g.hold(p, c, used, false); err != nil {
			return err
		}
	}
	if used < fullPct && g.rng.Float64() < 0.35 {
		return g.outsiders(c, fullPct-used, fullPct-used, 1+g.rng.IntN(3), start)
	}
	return nil
}

// stateBody picks the state body of a new state group: the central SASAC
// for a third of them, else a local one.
func (g *gen) stateBody() int {
	if g.rng.Float64() < 0.35 {
		return 0
	}
	return 1 + g.rng.IntN(len(stateBodies)-1)
}

// value gives the clients among [start, end) their planned monthly revenue
// contribution: the unit's lognormal value, scaled by boost and by its
// number of clients, split with random weights (top's three times as
// heavy). A large enough unit's top company is served by the head office,
// and may have an LEI.
func (g *gen) value(start, end, top int, boost float64) {
	m := 0
	for i := start; i < end; i++ {
		if g.flags[i]&fClient != 0 {
			m++
		}
	}
	if m == 0 {
		return
	}
	z := g.rng.NormFloat64()
	v := math.Exp(valueMu+valueSigma*z) * boost * math.Pow(float64(m), 0.35)
	sum := 0.0
	for i := start; i < end; i++ {
		if g.flags[i]&fClient != 0 {
			w := math.Exp(0.9 * g.rng.NormFloat64())
			if i == top {
				w *= 3
			}
			g.size[i] = float32(w)
			sum += w
		}
	}
	for i := start; i < end; i++ {
		if g.flags[i]&fClient != 0 {
			g.size[i] = float32(v * float64(g.size[i]) / sum)
		}
	}
	if z > hoSigmas && top >= 0 && g.kind[top] == kCompany {
		g.flags[top] |= fHO
		if g.rng.Float64() < 0.6 {
			g.flags[top] |= fLEI
		}
	}
}

// specials adds one bundle of the structures the control rules single out:
// a two-company cross-holding cycle, a three-company ring under a person's
// agreement, a company controlling itself only through its subsidiaries, a
// controller conflict and a 50/50 joint venture.
func (g *gen) specials(k int) error {
	steps := []func(int) error{g.cycleOfTwo, g.ringOfThree, g.selfThroughSubs, g.conflict, g.jointVenture}
	for _, step := range steps {
		if err := step(k); err != nil {
			return err
		}
	}
	return nil
}

// co adds a company of brand b (-1: any) to the current group.
func (g *gen) co(b int, form uint8) (int, error) {
	return g.newCompany(b, -1, -1, form, g.rng.Float64() < 0.85)
}

// subs adds up to k majority-held subsidiaries of parent to the current group.
func (g *gen) subs(parent, b, k int) error {
	for range k {
		c, err := g.co(b, formLtd)
		if err != nil {
			return err
		}
		if err := g.hold(parent, c, g.majority(), false); err != nil {
			return err
		}
	}
	return nil
}

func (g *gen) cycleOfTwo(int) error {
	g.beginGroup()
	start := g.next
	b := g.rng.IntN(len(brands))
	a, err := g.co(b, formGroup)
	if err != nil {
		return err
	}
	c, err := g.co(b, formJoint)
	if err != nil {
		return err
	}
	ab, ba := g.share(51*pct, 70*pct), g.share(51*pct, 70*pct)
	if err := g.hold(a, c, ab, false); err != nil {
		return err
	}
	if err := g.hold(c, a, ba, false); err != nil {
		return err
	}
	if err := g.outsiders(a, fullPct-ba, fullPct-ba, 2, start); err != nil {
		return err
	}
	if err := g.subs(a, b, 1+g.rng.IntN(2)); err != nil {
		return err
	}
	if err := g.subs(c, b, g.rng.IntN(2)); err != nil {
		return err
	}
	g.value(start, g.next, a, 2)
	return nil
}

func (g *gen) ringOfThree(int) error {
	g.beginGroup()
	start := g.next
	p, err := g.newPerson()
	if err != nil {
		return err
	}
	b := g.rng.IntN(len(brands))
	var ring [3]int
	for i := range ring {
		if ring[i], err = g.co(b, formLtd); err != nil {
			return err
		}
	}
	if err := g.hold(p, ring[0], -1, true); err != nil {
		return err
	}
	for i := range ring {
		if err := g.hold(ring[i], ring[(i+1)%3], g.share(51*pct, 65*pct), false); err != nil {
			return err
		}
	}
	if err := g.subs(ring[2], b, 1); err != nil {
		return err
	}
	g.value(start, g.next, ring[0], 2)
	return nil
}

func (g *gen) selfThroughSubs(int) error {
	g.beginGroup()
	start := g.next
	b := g.rng.IntN(len(brands))
	c, err := g.co(b, formGroup)
	if err != nil {
		return err
	}
	a, err := g.co(b, formLtd)
	if err != nil {
		return err
	}
	d, err := g.co(b, formLtd)
	if err != nil {
		return err
	}
	for _, h := range [][3]int64{{int64(c), int64(a), 60 * pct}, {int64(c), int64(d), 60 * pct}, {int64(a), int64(c), 30 * pct}, {int64(d), int64(c), 30 * pct}} {
		if err := g.hold(int(h[0]), int(h[1]), h[2], false); err != nil {
			return err
		}
	}
	if err := g.outsiders(c, 40*pct, 20*pct, 2, start); err != nil {
		return err
	}
	g.value(start, g.next, c, 1.5)
	return nil
}

// conflict adds a company that two unrelated holders each claim: two persons
// by agreement, or (every other bundle) a person by agreement and a company
// by a 60% share. Neither controls the other, so the company keeps no
// controller and heads its own group with its subsidiaries.
func (g *gen) conflict(k int) error {
	g.beginGroup()
	x, err := g.newPerson()
	if err != nil {
		return err
	}
	g.beginGroup()
	var y int
	if k%2 == 1 {
		if y, err = g.newPerson(); err != nil {
			return err
		}
	} else {
		if y, err = g.co(-1, formLtd); err != nil {
			return err
		}
		g.value(y, y+1, y, 1)
	}
	g.beginGroup()
	start := g.next
	b := g.rng.IntN(len(brands))
	e, err := g.co(b, formJoint)
	if err != nil {
		return err
	}
	if err := g.hold(x, e, -1, true); err != nil {
		return err
	}
	if g.kind[y] == kPerson {
		err = g.hold(y, e, 10*pct, true)
	} else {
		err = g.hold(y, e, 60*pct, false)
	}
	if err != nil {
		return err
	}
	if err := g.subs(e, b, 1+g.rng.IntN(2)); err != nil {
		return err
	}
	g.value(start, g.next, e, 1.5)
	return nil
}

// jointVenture adds a company held 50/50 by two unrelated companies: 50 is
// not control, so it has no controller.
func (g *gen) jointVenture(int) error {
	var owners [2]int
	for i := range owners {
		g.beginGroup()
		c, err := g.co(-1, formJoint)
		if err != nil {
			return err
		}
		owners[i] = c
		g.value(c, c+1, c, 1)
	}
	g.beginGroup()
	start := g.next
	b := g.rng.IntN(len(brands))
	e, err := g.co(b, formLtd)
	if err != nil {
		return err
	}
	for _, o := range owners {
		if err := g.hold(o, e, 50*pct, false); err != nil {
			return err
		}
	}
	if err := g.subs(e, b, 1+g.rng.IntN(2)); err != nil {
		return err
	}
	g.value(start, g.next, e, 1)
	return nil
}
