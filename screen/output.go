package screen

import (
	"fmt"
	"io"
	"math"
	"runtime"
	"strconv"
	"sync"

	"github.com/kampbank/kamp"
)

// TiersHeader is the header row of tiers.csv.
const TiersHeader = "rank,unit_id,members,score,cum_share,tier"

// WriteTiersCSV writes tiers.csv (engines.md, "Result files"): the header
// TiersHeader, then one row per unit sorted by rank, with score and cum_share
// as the shortest decimals that read back to the same float64
// (strconv.FormatFloat(x, 'g', -1, 64)). Lines end in "\n"; a unit id that
// needs it is quoted as RFC 4180 says. r must come from d.Score.
func WriteTiersCSV(w io.Writer, d *Data, r *Result) error {
	if len(r.Order) != d.n || len(r.Score) != d.n || len(r.CumShare) != d.n || len(r.Tier) != d.n {
		return kamp.Errorf(kamp.EINTERNAL, "tiers.csv: the result has %d units but the data %d", len(r.Order), d.n)
	}
	// The rows are formatted in parts on parallel goroutines (the floats
	// are most of the work), then written in order.
	parts := make([][]byte, max(1, min(runtime.GOMAXPROCS(0), len(r.Order)/tiersPart)))
	var wg sync.WaitGroup
	for p := range parts {
		lo, hi := len(r.Order)*p/len(parts), len(r.Order)*(p+1)/len(parts)
		wg.Go(func() { parts[p] = appendTiersRows(make([]byte, 0, 48*(hi-lo)), d, r, lo, hi) })
	}
	wg.Wait()
	if _, err := io.WriteString(w, TiersHeader+"\n"); err != nil {
		return fmt.Errorf("tiers.csv: %w", err)
	}
	for _, b := range parts {
		if _, err := w.Write(b); err != nil {
			return fmt.Errorf("tiers.csv: %w", err)
		}
	}
	return nil
}

// tiersPart is the fewest rows of tiers.csv worth a goroutine of their own.
const tiersPart = 16384

// appendTiersRows appends the rows of tiers.csv of ranks lo+1 to hi.
func appendTiersRows(b []byte, d *Data, r *Result, lo, hi int) []byte {
	for rank := lo; rank < hi; rank++ {
		u := r.Order[rank]
		b = strconv.AppendInt(b, int64(rank+1), 10)
		b = append(b, ',')
		b = kamp.AppendCSVField(b, d.ids[u])
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(d.members[u]), 10)
		b = append(b, ',')
		b = strconv.AppendFloat(b, r.Score[u], 'g', -1, 64)
		b = append(b, ',')
		b = strconv.AppendFloat(b, r.CumShare[u], 'g', -1, 64)
		b = append(b, ',')
		b = append(b, r.Tier[u].String()...)
		b = append(b, '\n')
	}
	return b
}

// WriteConcentrationJSON writes concentration.json, one JSON object:
//
//	{
//	  "units": 1000,              // n
//	  "total_score": 1,           // T
//	  "top5_units": 50,           // ceil(0.05 n)
//	  "top5_share": 0.61,         // share of T held by the top5_units units
//	  "top20_units": 200,         // ceil(0.20 n)
//	  "top20_share": 0.87,
//	  "gini": 0.83,               // 0 when n or T is 0
//	  "tiers": {"core": 31, "key": 112, "general": 857},
//	  "lorenz": [                 // [x, y]: the x share of units with the
//	    [0, 0],                   // smallest scores holds the y share of T;
//	    ...,                      // at most 200 points evenly spaced by unit
//	    [1, 1]                    // count, from (0,0) to (1,1); y = x when T is 0
//	  ]
//	}
//
// (without the comments). Keys are always in this order and floats are the
// shortest decimals that read back to the same float64, so equal results
// give identical bytes.
func WriteConcentrationJSON(w io.Writer, r *Result) error {
	c := &r.Concentration
	if err := checkFinite(c); err != nil {
		return err
	}
	b := make([]byte, 0, 256+len(c.Lorenz)*48)
	b = append(b, "{\n  \"units\": "...)
	b = strconv.AppendInt(b, int64(c.Units), 10)
	b = append(b, ",\n  \"total_score\": "...)
	b = appendJSONFloat(b, c.TotalScore)
	b = append(b, ",\n  \"top5_units\": "...)
	b = strconv.AppendInt(b, int64(c.Top5Units), 10)
	b = append(b, ",\n  \"top5_share\": "...)
	b = appendJSONFloat(b, c.Top5Share)
	b = append(b, ",\n  \"top20_units\": "...)
	b = strconv.AppendInt(b, int64(c.Top20Units), 10)
	b = append(b, ",\n  \"top20_share\": "...)
	b = appendJSONFloat(b, c.Top20Share)
	b = append(b, ",\n  \"gini\": "...)
	b = appendJSONFloat(b, c.Gini)
	b = append(b, ",\n  \"tiers\": {\"core\": "...)
	b = strconv.AppendInt(b, int64(c.Tiers.Core), 10)
	b = append(b, ", \"key\": "...)
	b = strconv.AppendInt(b, int64(c.Tiers.Key), 10)
	b = append(b, ", \"general\": "...)
	b = strconv.AppendInt(b, int64(c.Tiers.General), 10)
	b = append(b, "},\n  \"lorenz\": ["...)
	for i, p := range c.Lorenz {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, "\n    ["...)
		b = appendJSONFloat(b, p.X)
		b = append(b, ", "...)
		b = appendJSONFloat(b, p.Y)
		b = append(b, ']')
	}
	b = append(b, "\n  ]\n}\n"...)
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("concentration.json: %w", err)
	}
	return nil
}

// checkFinite reports an error when a float of c is NaN or infinite, which
// JSON cannot hold (screening never produces one).
func checkFinite(c *Concentration) error {
	xs := []float64{c.TotalScore, c.Top5Share, c.Top20Share, c.Gini}
	for _, p := range c.Lorenz {
		xs = append(xs, p.X, p.Y)
	}
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return kamp.Errorf(kamp.EINTERNAL, "concentration.json: a figure is %v", x)
		}
	}
	return nil
}

// appendJSONFloat appends x in the 'g' format, which is valid JSON for every
// finite x.
func appendJSONFloat(b []byte, x float64) []byte {
	return strconv.AppendFloat(b, x, 'g', -1, 64)
}
