package control

import (
	"math/bits"
	"slices"
	"strings"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/hugepage"
)

// Regime is a set of large-exposure thresholds, in basis points of tier-1
// capital (250 = 2.5%).
type Regime struct {
	// Name identifies the regime in settings and flags.
	Name string
	// ReportBP: above it an exposure is a large exposure.
	ReportBP int64
	// SingleBP is the limit for a non-interbank single client.
	SingleBP int64
	// GroupBP is the limit for a non-interbank group of connected clients.
	GroupBP int64
	// InterbankBP is the limit for an interbank client or group.
	InterbankBP int64
}

// CN2018 is the default regime, the Chinese large-exposure rules of 2018
// (商业银行大额风险暴露管理办法).
var CN2018 = Regime{Name: "cn2018", ReportBP: 250, SingleBP: 1500, GroupBP: 2000, InterbankBP: 2500}

// BaselLEX is the Basel large-exposures framework: 10% reporting, 25% limit.
var BaselLEX = Regime{Name: "basel-lex", ReportBP: 1000, SingleBP: 2500, GroupBP: 2500, InterbankBP: 2500}

// RegimeByName returns the regime called name (CN2018.Name or BaselLEX.Name,
// case-insensitive), or an EINVALID error.
func RegimeByName(name string) (Regime, error) {
	for _, r := range []Regime{CN2018, BaselLEX} {
		if strings.EqualFold(name, r.Name) {
			return r, nil
		}
	}
	return Regime{}, kamp.Errorf(kamp.EINVALID, "control: unknown large-exposure regime %q (want %s or %s)", name, CN2018.Name, BaselLEX.Name)
}

func (r Regime) validate() error {
	for _, bp := range []int64{r.ReportBP, r.SingleBP, r.GroupBP, r.InterbankBP} {
		if bp <= 0 || bp > 10_000 {
			return kamp.Errorf(kamp.EINVALID, "control: regime %q: thresholds must lie in 1..10000 basis points", r.Name)
		}
	}
	return nil
}

// Exposure statuses of a group.
const (
	StatusOK     = "ok"
	StatusLarge  = "large"  // above the reporting threshold
	StatusNear   = "near"   // above 90% of the limit
	StatusBreach = "breach" // above the limit
)

// GroupExposure is one group's exposure against its large-exposure limit.
type GroupExposure struct {
	// GroupID is the group root's entity index.
	GroupID int32
	// Members is the number of entities in the group, non-clients included.
	Members int
	// Exposure is the sum of the members' exposures.
	Exposure kamp.Amount
	// PctOfTier1 is Exposure as a percentage of tier-1 capital (0 without it).
	PctOfTier1 float64
	// LimitPct is the group's limit in percent of tier-1 capital.
	LimitPct float64
	// Headroom is the limit amount, rounded down, less Exposure: negative
	// for a breach; 0 without tier-1 capital.
	Headroom kamp.Amount
	// Status is StatusOK, StatusLarge, StatusNear or StatusBreach; "" when
	// tier-1 capital is not configured (0).
	Status string
}

// GroupExposures sums exposure (one exact amount per entity, already in the
// reporting currency) per group of res and compares each group with its
// limit under regime, given the bank's tier-1 capital (0: not configured,
// nothing flagged). Groups whose exposure is 0 are left out; rows are sorted
// by exposure descending, then by group id. It fails with an EINVALID error
// on a negative exposure or tier-1 capital, a sum that overflows, a bad
// regime, or a res that does not fit in.
func GroupExposures(in Input, res Result, exposure []kamp.Amount, tier1 kamp.Amount, regime Regime) ([]GroupExposure, error) {
	if err := checkResult(&in, &res); err != nil {
		return nil, err
	}
	if err := regime.validate(); err != nil {
		return nil, err
	}
	n := len(in.IDs)
	if len(exposure) != n {
		return nil, kamp.Errorf(kamp.EINVALID, "control: %d exposures for %d entities", len(exposure), n)
	}
	if tier1 < 0 {
		return nil, kamp.Errorf(kamp.EINVALID, "control: tier-1 capital %s is negative", tier1)
	}
	sum := hugepage.Make[kamp.Amount](n)
	size := hugepage.Make[int32](n)
	for v, x := range exposure {
		if x < 0 {
			return nil, kamp.Errorf(kamp.EINVALID, "control: exposure of %s is negative (%s)", in.IDs[v], x)
		}
		r := res.Root[v]
		s := sum[r] + x
		if s < sum[r] {
			return nil, kamp.Errorf(kamp.EINVALID, "control: exposure of group %s overflows", in.IDs[r])
		}
		sum[r] = s
		size[r]++
	}
	// Largest exposure first, ties by group id: sort small keys by radix
	// on the exposure's complement, then the runs of equal exposures by
	// id, and make the rows in their order.
	count := 0
	for v := range int32(n) {
		if res.Root[v] == v && sum[v] != 0 {
			count++
		}
	}
	keys := hugepage.Make[idKey](count)
	at := 0
	for v := range int32(n) {
		if res.Root[v] == v && sum[v] != 0 {
			// next carries the group's size.
			keys[at] = idKey{prefix: ^uint64(sum[v]), next: uint64(size[v]), index: v}
			at++
		}
	}
	if count > 0 {
		radixSort(keys, hugepage.Make[idKey](count))
	}
	sortRuns(keys, func(run []idKey) {
		slices.SortFunc(run, func(a, b idKey) int { return strings.Compare(in.IDs[a.index], in.IDs[b.index]) })
	})
	rows := hugepage.Make[GroupExposure](count)
	for i, k := range keys {
		x := kamp.Amount(^k.prefix)
		limit := regime.GroupBP
		if k.next == 1 {
			limit = regime.SingleBP
		}
		row := &rows[i]
		*row = GroupExposure{GroupID: k.index, Members: int(k.next), Exposure: x, LimitPct: float64(limit) / 100}
		if tier1 > 0 {
			t := uint64(tier1)
			row.PctOfTier1 = pct(x, tier1)
			hi, lo := bits.Mul64(t, uint64(limit))
			q, _ := bits.Div64(hi, lo, 10_000) // limit amount <= tier1: fits
			row.Headroom = kamp.Amount(q) - x
			switch {
			case above(uint64(x), 10_000, t, uint64(limit)):
				row.Status = StatusBreach
			case above(uint64(x), 100_000, t, 9*uint64(limit)):
				row.Status = StatusNear
			case above(uint64(x), 10_000, t, uint64(regime.ReportBP)):
				row.Status = StatusLarge
			default:
				row.Status = StatusOK
			}
		}
	}
	return rows, nil
}

// above reports x*a > t*b exactly, in 128-bit arithmetic.
func above(x, a, t, b uint64) bool {
	xh, xl := bits.Mul64(x, a)
	th, tl := bits.Mul64(t, b)
	return xh > th || (xh == th && xl > tl)
}

// pct returns 100 x / t, rounded once where x and t allow.
func pct(x, t kamp.Amount) float64 {
	const exact = 1 << 53 // integers that float64 holds exactly
	if x <= exact/100 && t <= exact {
		return float64(x*100) / float64(t)
	}
	return float64(x) / float64(t) * 100
}
