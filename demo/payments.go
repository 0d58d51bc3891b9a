package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Payment counterparties of a client come from its trading slots: a
// client's k-th slot is always the same counterparty (a pure function of
// seed, client and k), so that suppliers and customers recur. Larger
// clients have more slots, and low slots are used most.
const (
	maxSlots       = 5000
	internalShare  = 80  // per mille of slots: another member of the group
	unknownShare   = 120 // per mille: a firm not known to the bank
	anyEntityShare = 350 // per mille: any entity; the rest: a client, by size
)

// Probabilities of how a payment writes a side.
const (
	coreNameOnly   = 0.05 // the client's own side by name only
	otherNameOnly  = 0.26 // a known counterparty by name only
	withRegistered = 0.3  // an id side that also carries the registered name
)

// holidays of 2026 when payments are few (month, first day, last day).
var holidays = [][3]int{{1, 1, 3}, {2, 15, 23}, {4, 4, 6}, {5, 1, 5}, {6, 19, 21}, {9, 25, 27}, {10, 1, 7}}

// payDay is one value date of the payment year.
type payDay struct {
	date  string
	month int // 0 = November 2025
	count int64
}

// payDays spreads total payments over the year: weekdays carry most,
// weekends and public holidays few, month ends more.
func payDays(total int64) []payDay {
	var days []payDay
	var weights []float64
	start := time.Date(firstMonth/12, time.Month(firstMonth%12+1), 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, payMonths, 0)
	for d := start; d.Before(end); d = d.AddDate(0, 0, 1) {
		w := 1.0
		switch d.Weekday() {
		case time.Saturday:
			w = 0.15
		case time.Sunday:
			w = 0.1
		}
		if d.Year() == 2026 {
			for _, h := range holidays {
				if int(d.Month()) == h[0] && d.Day() >= h[1] && d.Day() <= h[2] {
					w = 0.1
				}
			}
		}
		if d.AddDate(0, 0, 1).Day() == 1 {
			w *= 1.6
		}
		m := (d.Year()*12 + int(d.Month()) - 1) - firstMonth
		days = append(days, payDay{date: d.Format(time.DateOnly), month: m})
		weights = append(weights, w)
	}
	sum := 0.0
	for _, w := range weights {
		sum += w
	}
	cum, prev := 0.0, int64(0)
	for k, w := range weights {
		cum += w
		upto := int64(math.Round(float64(total) * cum / sum))
		if k == len(weights)-1 {
			upto = total
		}
		days[k].count = upto - prev
		prev = upto
	}
	return days
}

// aliasTable samples clients in proportion to a weight in O(1) (Vose's
// alias method).
type aliasTable struct {
	items []int32
	prob  []float32
	alias []int32
}

func newAliasTable(items []int32, weight func(int32) float64) aliasTable {
	n := len(items)
	a := aliasTable{items: items, prob: make([]float32, n), alias: make([]int32, n)}
	if n == 0 {
		return a
	}
	p := make([]float64, n)
	sum := 0.0
	for k, it := range items {
		p[k] = weight(it)
		sum += p[k]
	}
	var small, large []int32
	for k := range p {
		p[k] *= float64(n) / sum
		if p[k] < 1 {
			small = append(small, int32(k))
		} else {
			large = append(large, int32(k))
		}
	}
	for len(small) > 0 && len(large) > 0 {
		s, l := small[len(small)-1], large[len(large)-1]
		small = small[:len(small)-1]
		a.prob[s], a.alias[s] = float32(p[s]), l
		p[l] -= 1 - p[s]
		if p[l] < 1 {
			large = large[:len(large)-1]
			small = append(small, l)
		}
	}
	for _, k := range append(small, large...) {
		a.prob[k], a.alias[k] = 1, k
	}
	return a
}

// sample returns an item for 64 random bits.
func (a *aliasTable) sample(u uint64) int {
	k := int((u >> 32) * uint64(len(a.items)) >> 32)
	if float32(uint32(u))/(1<<32) >= a.prob[k] {
		k = int(a.alias[k])
	}
	return int(a.items[k])
}

// payWriter writes payments.csv.
type payWriter struct {
	g        *gen
	fx       *fxTable
	rng      *rand.Rand
	t        *table
	cores    aliasTable
	unknowns float64
	width    int
	name     []byte
	usd      int
}

func (g *gen) writePayments(fx *fxTable, t *table, total int64) error {
	var clients []int32
	for i := range g.n {
		if g.flags[i]&fClient != 0 {
			clients = append(clients, int32(i))
		}
	}
	w := &payWriter{
		g:        g,
		fx:       fx,
		rng:      rand.New(rand.NewPCG(g.seed, 0x7061796d656e7473)),
		t:        t,
		cores:    newAliasTable(clients, func(i int32) float64 { return math.Pow(float64(g.size[i])+1, 0.8) }),
		unknowns: float64(max(100, g.n/8)),
		width:    max(10, digits(uint64(total))),
		usd:      currencyIndex("USD"),
	}
	if len(clients) == 0 && total > 0 {
		return fmt.Errorf("demo: no clients to make payments for")
	}
	var seq uint64
	for _, day := range payDays(total) {
		rates := fx.rate[day.month+1]
		for k := int64(0); k < day.count; k++ {
			if k%8192 == 0 {
				if err := g.ctx.Err(); err != nil {
					return fmt.Errorf("demo: writing payments: %w", err)
				}
			}
			seq++
			if err := w.payment(seq, day.date, rates); err != nil {
				return err
			}
		}
	}
	return nil
}

// payment writes one payment between a client and one of its counterparties.
func (w *payWriter) payment(seq uint64, date string, rates []float64) error {
	g, rng := w.g, w.rng
	f := w.cores.sample(rng.Uint64())
	rf := float64(g.size[f])
	slots := min(maxSlots, 3+int(math.Sqrt(rf)/4))
	v := rng.Float64()
	slot := int(v * v * float64(slots))
	h := hash2(g.seed, tagSlot, uint64(f), uint64(slot))
	cp, unknown := w.counterparty(f, h)
	cur := -1
	switch {
	case g.kind[f] == kForeign:
		cur = w.usd
		if rng.Float64() < 0.8 {
			cur = g.clientCurrency(f)
		}
	case cp >= 0 && g.kind[cp] == kForeign:
		cur = w.usd
		if rng.Float64() < 0.5 {
			cur = g.clientCurrency(cp)
		}
	case g.trade(f) && rng.Float64() < 0.004:
		cur = w.usd
	}
	cny := math.Exp(5.3 + 0.5*math.Log(rf+100) + 1.2*rng.NormFloat64())
	amount := max(money(cny, cur, rates), 100)

	t := w.t
	r := appendID(t.row, 'T', seq, w.width)
	r = append(r, ',')
	r = append(r, date...)
	r = append(r, ',')
	if h>>40&1 == 0 { // f pays a supplier
		r = w.side(r, f, 0, coreNameOnly)
		r = append(r, ',')
		r = w.side(r, cp, unknown, otherNameOnly)
	} else { // a customer pays f
		r = w.side(r, cp, unknown, otherNameOnly)
		r = append(r, ',')
		r = w.side(r, f, 0, coreNameOnly)
	}
	r = append(r, ',')
	r = appendCents(r, amount)
	r = append(r, ',')
	if cur >= 0 {
		r = append(r, fxCurrencies[cur].code...)
	} else if rng.Float64() >= 0.03 {
		r = append(r, "CNY"...)
	}
	t.row = r
	return t.end()
}

// counterparty returns the counterparty of client f's slot with hash h: an
// entity index, or -1 and the seed of an unknown firm's name.
func (w *payWriter) counterparty(f int, h uint64) (int, uint64) {
	g := w.g
	sel := h % 1000
	h2 := mix64(h)
	gi := g.grp[f]
	gs := int(g.gStart[gi])
	ge := g.n
	if int(gi)+1 < len(g.gStart) {
		ge = int(g.gStart[gi+1])
	}
	switch {
	case sel < internalShare && ge-gs > 1:
		cp := gs + int(h2%uint64(ge-gs))
		if cp == f {
			cp = gs + (cp-gs+1)%(ge-gs)
		}
		return cp, 0
	case sel < internalShare+unknownShare:
		u := uint64(w.unknowns * math.Pow(unit(h2), 2.5))
		return -1, hash2(g.seed, tagUnknown, u, 0)
	case sel < internalShare+unknownShare+anyEntityShare:
		cp := int(h2 % uint64(g.n))
		if cp == f {
			cp = (cp + 1) % g.n
		}
		return cp, 0
	default:
		cp := w.cores.sample(h2)
		if cp == f {
			cp = (cp + 1) % g.n
		}
		return cp, 0
	}
}

// side appends "id,name" for entity e (or, when e < 0, the unknown firm
// named by seed unknown): by id alone, by id and registered name, or by a
// variant of the name alone (with probability nameOnly).
func (w *payWriter) side(r []byte, e int, unknown uint64, nameOnly float64) []byte {
	rng := w.rng
	if e < 0 {
		r = append(r, ',')
		w.name = appendUnknownName(w.name[:0], unknown)
		return appendField(r, w.name)
	}
	u := rng.Float64()
	if u < nameOnly {
		r = append(r, ',')
		w.name = w.g.appendName(w.name[:0], e)
		n := len(w.name)
		w.name = appendVariant(w.name, w.name[:n], rng.Uint64())
		return appendField(r, w.name[n:])
	}
	r = w.g.appendEntityID(r, e)
	r = append(r, ',')
	if u < nameOnly+withRegistered {
		w.name = w.g.appendName(w.name[:0], e)
		r = appendField(r, w.name)
	}
	return r
}
