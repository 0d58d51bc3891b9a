package control

import (
	"fmt"
	"io"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/hugepage"
	"github.com/kampbank/kamp/inorder"
)

// GroupsHeader is the header row of groups.csv.
const GroupsHeader = "entity_id,controller_id,ultimate_id,group_id,in_cycle,conflict"

// GroupExposuresHeader is the header row of group-exposures.csv.
const GroupExposuresHeader = "group_id,members,exposure,pct_of_tier1,limit_pct,headroom,status"

// WriteGroupsCSV writes groups.csv (engines.md, "Result files"): one row per
// entity of in, sorted by entity id as byte strings. It fails with an
// EINVALID error when res does not fit in or two entities share an id.
//
// The rows are formatted in blocks by GOMAXPROCS goroutines and written in
// order. When the ids are not in index order, every row is first
// formatted in index order, where the columns are read in sequence, then
// copied out in id order: one scattered read per row instead of one per
// column.
func WriteGroupsCSV(w io.Writer, in Input, res Result) error {
	if err := checkResult(&in, &res); err != nil {
		return err
	}
	order, dup := sortedOrder(in.IDs)
	if dup >= 0 {
		return kamp.Errorf(kamp.EINVALID, "control: two entities have the id %q", in.IDs[dup])
	}
	n := len(in.IDs)
	blocks := (n + groupsBlock - 1) / groupsBlock
	head := []byte(GroupsHeader + "\n")
	rowsOf := func(k int) (lo, hi int) { return k * groupsBlock, min(n, (k+1)*groupsBlock) }
	var err error
	if order == nil {
		err = writeBlocks(w, head, blocks, func(buf []byte, k int) []byte {
			lo, hi := rowsOf(k)
			return appendGroupsRows(buf, &in, &res, lo, hi, nil)
		})
	} else {
		rows, end := formatGroupsRows(&in, &res)
		err = writeBlocks(w, head, blocks, func(buf []byte, k int) []byte {
			lo, hi := rowsOf(k)
			for _, v := range order[lo:hi] {
				begin := 0
				if v%groupsPart != 0 {
					begin = end[v-1]
				}
				buf = append(buf, rows[v/groupsPart][begin:end[v]]...)
			}
			return buf
		})
	}
	if err != nil {
		return fmt.Errorf("control: write groups.csv: %w", err)
	}
	return nil
}

// groupsBlock is the number of rows of groups.csv in a block written at
// once; groupsPart the number of rows formatted into one buffer when the
// rows are formatted ahead of writing.
const (
	groupsBlock = 1 << 14
	groupsPart  = 1 << 18
)

// formatGroupsRows formats the rows of groups.csv in index order, in parts
// of groupsPart rows on parallel goroutines: the row of entity v ends at
// end[v] in rows[v/groupsPart], and begins where the row before it in the
// part ends (at 0 for the first row of a part).
func formatGroupsRows(in *Input, res *Result) (rows [][]byte, end []int) {
	n := len(in.IDs)
	rows = make([][]byte, (n+groupsPart-1)/groupsPart)
	end = hugepage.Make[int](n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range max(1, min(runtime.GOMAXPROCS(0), len(rows))) {
		wg.Go(func() {
			for p := int(next.Add(1) - 1); p < len(rows); p = int(next.Add(1) - 1) {
				lo, hi := p*groupsPart, min(n, (p+1)*groupsPart)
				rows[p] = appendGroupsRows(make([]byte, 0, 48*(hi-lo)), in, res, lo, hi, end)
			}
		})
	}
	wg.Wait()
	return rows, end
}

// appendGroupsRows appends the groups.csv rows of entities lo to hi-1 to
// buf; with end not nil, it records where each row ends in end[v]. The ids
// a row names besides its entity's are read ahead for a batch of rows
// with touchIDs.
func appendGroupsRows(buf []byte, in *Input, res *Result, lo, hi int, end []int) []byte {
	var refs [3 * touchBatch]int32
	sink := 0
	for b := lo; b < hi; b += touchBatch {
		bEnd := min(hi, b+touchBatch)
		n := 0
		for v := int32(b); v < int32(bEnd); v++ {
			c, u, r := res.Controller[v], res.Ultimate[v], res.Root[v]
			if c >= 0 {
				refs[n] = c
				n++
			}
			if u != v && u != c {
				refs[n] = u
				n++
			}
			if r != v && r != u && r != c {
				refs[n] = r
				n++
			}
		}
		sink += touchIDs(in.IDs, refs[:n])
		for v := b; v < bEnd; v++ {
			buf = appendGroupsRow(buf, in, res, int32(v))
			if end != nil {
				end[v] = len(buf)
			}
		}
	}
	runtime.KeepAlive(sink)
	return buf
}

// touchBatch is the number of rows whose ids are read ahead at once.
const touchBatch = 64

// touchIDs reads the ids of the entities vs: their string headers in one
// loop, then their first bytes in another. The loads of a loop do not
// depend on each other, so their cache misses overlap, where formatting
// the rows one by one waits for two misses in a row for every id outside
// the entity's own. The sum it returns only keeps the loads from being
// optimized away.
func touchIDs(ids []string, vs []int32) (sink int) {
	for _, v := range vs {
		sink += len(ids[v])
	}
	for _, v := range vs {
		if id := ids[v]; id != "" {
			sink += int(id[0])
		}
	}
	return sink
}

// appendGroupsRow appends the groups.csv row of entity v to rows. It reuses
// the bytes of ids already written in the row: the ultimate controller and
// the root are often the entity or its controller.
func appendGroupsRow(rows []byte, in *Input, res *Result, v int32) []byte {
	id := len(rows)
	rows = kamp.AppendCSVField(rows, in.IDs[v])
	idEnd := len(rows)
	rows = append(rows, ',')
	var ctrl, ctrlEnd int
	if c := res.Controller[v]; c >= 0 {
		ctrl = len(rows)
		rows = kamp.AppendCSVField(rows, in.IDs[c])
		ctrlEnd = len(rows)
	}
	rows = append(rows, ',')
	ult := len(rows)
	switch u := res.Ultimate[v]; {
	case u == v:
		rows = append(rows, rows[id:idEnd]...)
	case u == res.Controller[v]:
		rows = append(rows, rows[ctrl:ctrlEnd]...)
	default:
		rows = kamp.AppendCSVField(rows, in.IDs[u])
	}
	ultEnd := len(rows)
	rows = append(rows, ',')
	switch r := res.Root[v]; {
	case r == v:
		rows = append(rows, rows[id:idEnd]...)
	case r == res.Ultimate[v]:
		rows = append(rows, rows[ult:ultEnd]...)
	case r == res.Controller[v]:
		rows = append(rows, rows[ctrl:ctrlEnd]...)
	default:
		rows = kamp.AppendCSVField(rows, in.IDs[r])
	}
	rows = append(rows, ',')
	rows = appendBit(rows, res.InCycle[v])
	rows = append(rows, ',')
	rows = appendBit(rows, res.Conflict[v])
	return append(rows, '\n')
}

// writeBlocks writes head, then blocks 0 to nb-1 in order, to w, as
// inorder.WriteBlocks does.
func writeBlocks(w io.Writer, head []byte, nb int, fill func(buf []byte, k int) []byte) error {
	if _, err := w.Write(head); err != nil {
		return err
	}
	return inorder.WriteBlocks(w, nb, fill)
}

// WriteGroupExposuresCSV writes group-exposures.csv: the rows of
// GroupExposures in the order given, group ids taken from in. The rows are
// formatted in blocks as WriteGroupsCSV's are.
func WriteGroupExposuresCSV(w io.Writer, in Input, rows []GroupExposure) error {
	for _, r := range rows {
		if r.GroupID < 0 || int(r.GroupID) >= len(in.IDs) {
			return kamp.Errorf(kamp.EINVALID, "control: group exposure row has group index %d for %d entities", r.GroupID, len(in.IDs))
		}
	}
	blocks := (len(rows) + groupsBlock - 1) / groupsBlock
	err := writeBlocks(w, []byte(GroupExposuresHeader+"\n"), blocks, func(buf []byte, k int) []byte {
		block := rows[k*groupsBlock : min(len(rows), (k+1)*groupsBlock)]
		// A regime has a few limits: format each once.
		limits := map[float64][]byte{}
		var refs [touchBatch]int32
		sink := 0
		for len(block) > 0 {
			batch := block[:min(len(block), touchBatch)]
			block = block[len(batch):]
			for i, r := range batch {
				refs[i] = r.GroupID
			}
			sink += touchIDs(in.IDs, refs[:len(batch)])
			for _, r := range batch {
				buf = kamp.AppendCSVField(buf, in.IDs[r.GroupID])
				buf = append(buf, ',')
				buf = strconv.AppendInt(buf, int64(r.Members), 10)
				buf = append(buf, ',')
				buf = kamp.AppendFixed(buf, int64(r.Exposure), kamp.AmountScale)
				buf = append(buf, ',')
				buf = strconv.AppendFloat(buf, r.PctOfTier1, 'g', -1, 64)
				buf = append(buf, ',')
				limit, ok := limits[r.LimitPct]
				if !ok {
					limit = strconv.AppendFloat(nil, r.LimitPct, 'g', -1, 64)
					limits[r.LimitPct] = limit
				}
				buf = append(buf, limit...)
				buf = append(buf, ',')
				buf = kamp.AppendFixed(buf, int64(r.Headroom), kamp.AmountScale)
				buf = append(buf, ',')
				buf = append(buf, r.Status...)
				buf = append(buf, '\n')
			}
		}
		runtime.KeepAlive(sink)
		return buf
	})
	if err != nil {
		return fmt.Errorf("control: write group-exposures.csv: %w", err)
	}
	return nil
}

func appendBit(buf []byte, b bool) []byte {
	if b {
		return append(buf, '1')
	}
	return append(buf, '0')
}
