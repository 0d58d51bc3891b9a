package control

import (
	"bufio"
	"fmt"
	"io"
	"strconv"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/hugepage"
)

// GroupsHeader is the header row of groups.csv.
const GroupsHeader = "entity_id,controller_id,ultimate_id,group_id,in_cycle,conflict"

// GroupExposuresHeader is the header row of group-exposures.csv.
const GroupExposuresHeader = "group_id,members,exposure,pct_of_tier1,limit_pct,headroom,status"

// WriteGroupsCSV writes groups.csv (engines.md, "Result files"): one row per
// entity of in, sorted by entity id as byte strings. It fails with an
// EINVALID error when res does not fit in or two entities share an id.
//
// Rows are first formatted in index order, where the columns are read in
// sequence, then copied out in id order: one scattered read per row instead
// of one per column.
func WriteGroupsCSV(w io.Writer, in Input, res Result) error {
	if err := checkResult(&in, &res); err != nil {
		return err
	}
	order, dup := sortedOrder(in.IDs)
	if dup >= 0 {
		return kamp.Errorf(kamp.EINVALID, "control: two entities have the id %q", in.IDs[dup])
	}
	n := len(in.IDs)
	start := hugepage.Make[int](n + 1)
	rows := make([]byte, 0, 48*n)
	for v := range int32(n) {
		start[v] = len(rows)
		id := len(rows)
		rows = kamp.AppendCSVField(rows, in.IDs[v])
		idEnd := len(rows)
		rows = append(rows, ',')
		// Reuse the bytes of ids already written in this row: the ultimate
		// controller and the root are often the entity or its controller.
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
		rows = append(rows, '\n')
	}
	start[n] = len(rows)
	out := make([]byte, 0, 1<<16)
	out = append(out, GroupsHeader+"\n"...)
	for _, v := range order {
		if len(out) > 1<<16-512 {
			if _, err := w.Write(out); err != nil {
				return fmt.Errorf("control: write groups.csv: %w", err)
			}
			out = out[:0]
		}
		out = append(out, rows[start[v]:start[v+1]]...)
	}
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("control: write groups.csv: %w", err)
	}
	return nil
}

// WriteGroupExposuresCSV writes group-exposures.csv: the rows of
// GroupExposures in the order given, group ids taken from in.
func WriteGroupExposuresCSV(w io.Writer, in Input, rows []GroupExposure) error {
	bw := bufio.NewWriter(w)
	buf := append(make([]byte, 0, 256), GroupExposuresHeader+"\n"...)
	// A regime has a few limits: format each once.
	limits := map[float64][]byte{}
	for _, r := range rows {
		if r.GroupID < 0 || int(r.GroupID) >= len(in.IDs) {
			return kamp.Errorf(kamp.EINVALID, "control: group exposure row has group index %d for %d entities", r.GroupID, len(in.IDs))
		}
		if _, err := bw.Write(buf); err != nil {
			return fmt.Errorf("control: write group-exposures.csv: %w", err)
		}
		buf = kamp.AppendCSVField(buf[:0], in.IDs[r.GroupID])
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
	if _, err := bw.Write(buf); err != nil {
		return fmt.Errorf("control: write group-exposures.csv: %w", err)
	}
	if err := bw.Flush(); err != nil {
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
