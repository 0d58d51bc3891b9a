package screen

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"sync"

	"github.com/kampbank/kamp"
)

// Tier is a unit's tier (层级).
type Tier uint8

// Tiers, from the top. The zero Tier is not a tier.
const (
	Core    Tier = iota + 1 // 核心: the "5% model" set, cum_before < 50% of the total score
	Key                     // 重点: the "80/20 model" set, otherwise cum_before < 80%
	General                 // 一般: the rest
)

// String returns "core", "key" or "general" (the names of tiers.csv), or ""
// for the zero Tier.
func (t Tier) String() string {
	switch t {
	case Core:
		return "core"
	case Key:
		return "key"
	case General:
		return "general"
	}
	return ""
}

// Data is the aggregated input of screening: per unit and indicator the exact
// total in the reporting currency and the unit's share of the indicator, as
// float64. It is read-only and safe for concurrent use; Score on it is the
// cheap what-if recompute with other weights.
type Data struct {
	ids        []string
	members    []int32
	indicators []string
	indIndex   map[string]int
	idOrder    []int32
	n, k       int
	total      []Sum     // indicator*n + unit
	positive   []Sum     // per indicator: the sum of positive unit totals
	share      []float64 // indicator*n + unit
}

// Units returns the number of units.
func (d *Data) Units() int { return d.n }

// UnitID returns the id of unit u.
func (d *Data) UnitID(u int32) string { return d.ids[u] }

// Members returns the number of clients of unit u.
func (d *Data) Members(u int32) int32 { return d.members[u] }

// Indicators returns the indicator names, in the order given to NewAggregator.
func (d *Data) Indicators() []string { return slices.Clone(d.indicators) }

// Indicator returns the index of the named indicator.
func (d *Data) Indicator(name string) (int, bool) {
	k, ok := d.indIndex[name]
	return k, ok
}

// Total returns the exact total of indicator k for unit u in the reporting
// currency (negative totals included).
func (d *Data) Total(u int32, k int) Sum { return d.total[k*d.n+int(u)] }

// PositiveTotal returns the sum over units of max(total, 0) for indicator k:
// the denominator of the shares.
func (d *Data) PositiveTotal(k int) Sum { return d.positive[k] }

// Share returns share_k(u) = max(x_k(u), 0) / Σ max(x_k, 0), 0 when that sum
// is 0.
func (d *Data) Share(u int32, k int) float64 { return d.share[k*d.n+int(u)] }

// Result is the outcome of screening: the Pareto ranking, tiers and
// concentration. Slices "by unit" are indexed by unit index.
type Result struct {
	Weights       Weights   // the weights used (a copy)
	Order         []int32   // unit indexes by rank: score descending, ties by unit id
	Rank          []int32   // by unit: 1-based rank
	Score         []float64 // by unit: Σ_k w_k·share_k
	CumShare      []float64 // by unit: (cum_before + score) / T, 0 when T is 0
	Tier          []Tier    // by unit
	Concentration Concentration
}

// Concentration summarises how concentrated the scores are.
type Concentration struct {
	Units      int     // n
	TotalScore float64 // T, the exact sum of scores rounded once
	Top5Units  int     // ceil(0.05 n)
	Top5Share  float64 // share of T held by the top Top5Units units
	Top20Units int     // ceil(0.20 n)
	Top20Share float64 // share of T held by the top Top20Units units
	// Gini is Σ_i (2i − n − 1) x_i / (n Σx) over the scores x in ascending
	// order (i 1-based); 0 when n or Σx is 0.
	Gini   float64
	Lorenz []LorenzPoint
	Tiers  TierCounts
}

// TierCounts counts the units of each tier.
type TierCounts struct {
	Core, Key, General int
}

// LorenzPoint is one point of the Lorenz curve: the X share of units with
// the smallest scores hold the Y share of the total score.
type LorenzPoint struct {
	X, Y float64
}

// MaxLorenzPoints is the most points a Lorenz curve has.
const MaxLorenzPoints = 200

// Score ranks the units with weights w (engines.md §2): score(u) = Σ_k w_k ·
// share_k(u), summed over the weighted indicators in byte order of their
// names (so the result does not depend on the order of the indicators);
// units sorted by score descending, ties by unit id in byte order; cum_before
// summed exactly, so the tier boundaries (cum_before < 0.5 T for core, < 0.8 T
// for key, 0.8 taken as exactly 4/5) are decided exactly on the float64
// scores. When T is 0 every unit is general and every cum_share is 0.
//
// Errors (EINVALID): weights that fail Validate, and a weight naming an
// indicator that is not in the data.
func (d *Data) Score(w Weights) (*Result, error) {
	if err := w.Validate(); err != nil {
		return nil, err
	}
	n := d.n
	var ws []float64
	var cols [][]float64
	for _, name := range w.names() {
		k, ok := d.indIndex[name]
		if !ok {
			return nil, kamp.Errorf(kamp.EINVALID, "score: weight for %q, which is not an indicator of the data (have %v)", name, d.indicators)
		}
		if w[name] != 0 {
			ws = append(ws, w[name])
			cols = append(cols, d.share[k*n:(k+1)*n])
		}
	}
	score := make([]float64, n)
	var total exactAcc
	for u := range score {
		s := 0.0
		for i, col := range cols {
			s += float64(ws[i] * col[u]) // the conversion forbids fusing into an FMA
		}
		score[u] = s
		total.add(s)
	}
	r := &Result{
		Weights:  make(Weights, len(w)),
		Order:    make([]int32, n),
		Rank:     make([]int32, n),
		Score:    score,
		CumShare: make([]float64, n),
		Tier:     make([]Tier, n),
	}
	for name, v := range w {
		r.Weights[name] = v
	}
	bufs := getRankBuffers(n)
	r.walk(rankItems(score, d.idOrder, bufs), &total, bufs.cum)
	rankBufferPool.Put(bufs)
	return r, nil
}

// rankItem is a unit with its sort key: the complemented bits of its score,
// which order like the scores reversed (scores are >= 0).
type rankItem struct {
	key  uint64
	unit int32
}

// score returns the score the key was made from.
func (it rankItem) score() float64 { return math.Float64frombits(^it.key) }

// rankBuffers is the scratch space of one ranking.
type rankBuffers struct {
	a, b []rankItem
	cum  []float64 // cum_share by rank
}

// rankBufferPool keeps scratch space between what-if recomputes.
var rankBufferPool = sync.Pool{New: func() any { return new(rankBuffers) }}

// getRankBuffers returns scratch space for n units.
func getRankBuffers(n int) *rankBuffers {
	bufs := rankBufferPool.Get().(*rankBuffers)
	if cap(bufs.a) < n {
		bufs.a, bufs.b, bufs.cum = make([]rankItem, n), make([]rankItem, n), make([]float64, n)
	}
	bufs.a, bufs.b, bufs.cum = bufs.a[:n], bufs.b[:n], bufs.cum[:n]
	return bufs
}

// rankItems returns the units sorted by score descending and, among equal
// scores, in the order of idOrder. Units scoring 0 go last in id order. The
// others are sorted, starting from the id order, by a stable LSD radix sort
// with 11-bit digits on the 33 highest bits in which their keys differ
// (digits that are the same for every unit are skipped); units whose keys
// agree on those bits are then put in order by a stable sort on the whole
// key. The result lives in bufs.
func rankItems(score []float64, idOrder []int32, bufs *rankBuffers) []rankItem {
	const digitBits, digits, mask = 11, 3, 1<<11 - 1
	n := len(idOrder)
	a, b := bufs.a, bufs.b
	p, z := 0, n
	kmin, kmax := ^uint64(0), uint64(0)
	for _, u := range idOrder {
		s := score[u]
		if s == 0 {
			z--
			a[z] = rankItem{^uint64(0), u}
			continue
		}
		key := ^math.Float64bits(s)
		a[p] = rankItem{key, u}
		kmin, kmax = min(kmin, key), max(kmax, key)
		p++
	}
	slices.Reverse(a[p:]) // the zeros, back in id order
	if p < 2 {
		return a
	}
	shift := max(bits.Len64(kmin^kmax)-digits*digitBits, 0)
	var count [digits][1 << digitBits]int32
	for _, it := range a[:p] {
		k := it.key >> shift
		for d := range digits {
			count[d][k>>(d*digitBits)&mask]++
		}
	}
	for d := range digits {
		sh := shift + d*digitBits
		c := &count[d]
		if int(c[a[0].key>>sh&mask]) == p {
			continue
		}
		var sum int32
		for i, v := range c {
			c[i] = sum
			sum += v
		}
		for _, it := range a[:p] {
			j := it.key >> sh & mask
			b[c[j]] = it
			c[j]++
		}
		copy(b[p:], a[p:])
		a, b = b, a
	}
	if shift > 0 {
		for i := 0; i < p; {
			j := i + 1
			for j < p && a[j].key>>shift == a[i].key>>shift {
				j++
			}
			if j-i > 1 {
				sortRun(a[i:j])
			}
			i = j
		}
	}
	return a
}

// sortRun sorts items by key, stably.
func sortRun(run []rankItem) {
	if len(run) > 16 {
		slices.SortStableFunc(run, func(x, y rankItem) int { return cmp.Compare(x.key, y.key) })
		return
	}
	for i := 1; i < len(run); i++ {
		it := run[i]
		j := i
		for ; j > 0 && run[j-1].key > it.key; j-- {
			run[j] = run[j-1]
		}
		run[j] = it
	}
}

// walk fills Order, Rank, CumShare, Tier and Concentration from the units
// sorted by rank and the exact total of their scores; cumShare is scratch
// space for n values.
func (r *Result) walk(items []rankItem, total *exactAcc, cumShare []float64) {
	n := len(items)
	tf := total.float()
	c := &r.Concentration
	c.Units = n
	c.TotalScore = tf
	c.Top5Units = (n + 19) / 20
	c.Top20Units = (n + 4) / 5
	lorenz := lorenzIndexes(n)
	c.Lorenz = make([]LorenzPoint, len(lorenz))
	for i, j := range lorenz {
		c.Lorenz[i].X = float64(j) / float64(n)
		if n == 0 {
			c.Lorenz[i].X = float64(i) // (0,0) and (1,1)
		}
		c.Lorenz[i].Y = c.Lorenz[i].X // perfect equality when T is 0
	}
	if total.isZero() {
		for rank, it := range items {
			r.Order[rank] = it.unit
			r.Rank[it.unit] = int32(rank + 1)
			r.Tier[it.unit] = General
		}
		c.Tiers.General = n
		return
	}
	// The boundaries are decided on floats when the float of cum_before is
	// clearly on one side (its relative error is at most 2^-53, far below
	// the margin); otherwise, and for totals too small for that bound,
	// exactly on the accumulators.
	exactOnly := tf < 0x1p-900
	margin := 1e-12 * tf
	half, fourFifths := 0.5*tf, 0.8*tf
	var acc exactAcc
	var cums neumaier // Σ_{k<n} S_k, S_k the sum of the top k scores
	cumBefore := 0.0
	tier := Core
	// li is the next Lorenz point to fill, going down from j = n, where all
	// units hold everything: (1,1).
	li := len(lorenz) - 1
	for ; li >= 0 && lorenz[li] == n; li-- {
		c.Lorenz[li].Y = 1
	}
	for rank, it := range items {
		if tier == Core {
			if exactOnly || math.Abs(cumBefore-half) <= margin {
				if acc.cmpScaled(2, total, 1) >= 0 {
					tier = Key
				}
			} else if cumBefore >= half {
				tier = Key
			}
			if tier != Core {
				c.Tiers.Core = rank
			}
		}
		if tier == Key {
			if exactOnly || math.Abs(cumBefore-fourFifths) <= margin {
				if acc.cmpScaled(5, total, 4) >= 0 {
					tier = General
				}
			} else if cumBefore >= fourFifths {
				tier = General
			}
			if tier == General {
				c.Tiers.Key = rank - c.Tiers.Core
			}
		}
		cums.add(cumBefore)
		acc.add(it.score())
		cum := acc.float()
		cumShare[rank] = cum / tf
		cumBefore = cum
		top := rank + 1
		for li >= 0 && n-lorenz[li] == top {
			rest := total.diff(&acc)
			c.Lorenz[li].Y = rest.float() / tf
			li--
		}
	}
	switch tier {
	case Core:
		c.Tiers.Core = n
	case Key:
		c.Tiers.Key = n - c.Tiers.Core
	}
	c.Tiers.General = n - c.Tiers.Core - c.Tiers.Key
	for rank, it := range items { // scatter by unit, apart from the walk so that the stores overlap
		u := it.unit
		r.Order[rank] = u
		r.Rank[u] = int32(rank + 1)
		r.CumShare[u] = cumShare[rank]
		switch {
		case rank < c.Tiers.Core:
			r.Tier[u] = Core
		case rank < c.Tiers.Core+c.Tiers.Key:
			r.Tier[u] = Key
		default:
			r.Tier[u] = General
		}
	}
	if c.Top5Units > 0 {
		c.Top5Share = cumShare[c.Top5Units-1]
		c.Top20Share = cumShare[c.Top20Units-1]
	}
	// Σ_i (2i−n−1) x_i over ascending x is, in rank order r = n+1−i,
	// Σ_r (n+1−2r) x_r = 2 Σ_{k<n} S_k − (n−1) T.
	c.Gini = max((2*cums.sum()-float64(n-1)*tf)/(float64(n)*tf), 0)
}

// lorenzIndexes returns the unit counts j (from the bottom) of the Lorenz
// points: every j in 0..n when that is at most MaxLorenzPoints points, else
// MaxLorenzPoints counts evenly spaced from 0 to n. For n == 0 it returns
// [0, 0], the points (0,0) and (1,1).
func lorenzIndexes(n int) []int {
	if n == 0 {
		return []int{0, 0}
	}
	m := min(n+1, MaxLorenzPoints)
	js := make([]int, m)
	for p := range js {
		js[p] = int(int64(p) * int64(n) / int64(m-1))
	}
	return js
}

// neumaier is a compensated (Neumaier) float64 sum.
type neumaier struct {
	s, c float64
}

func (k *neumaier) add(x float64) {
	t := k.s + x
	if math.Abs(k.s) >= math.Abs(x) {
		k.c += (k.s - t) + x
	} else {
		k.c += (x - t) + k.s
	}
	k.s = t
}

func (k *neumaier) sum() float64 { return k.s + k.c }
