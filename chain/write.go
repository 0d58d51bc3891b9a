package chain

import (
	"bufio"
	"fmt"
	"io"
	"strconv"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/inorder"
)

// Headers of the result files (engines.md, "Result files").
const (
	ProspectsHeader = "rank,counterparty,known,amount,payments,units,direction"
	EdgesHeader     = "unit_id,direction,counterparty,known,amount,payments,first,last"
)

// WriteProspectsCSV writes prospects.csv: the header ProspectsHeader, then
// one row per prospect in the order given (Result.Prospects is by rank).
// known is 1 or 0, amount is written like kamp.Amount.String ("230",
// "1234.5") and units is the number of units. Lines end in "\n"; a field
// that needs it is quoted as RFC 4180 says. The rows are formatted in
// blocks on every core and written in order.
func WriteProspectsCSV(w io.Writer, ps []Prospect) error {
	if _, err := io.WriteString(w, ProspectsHeader+"\n"); err != nil {
		return fmt.Errorf("prospects.csv: %w", err)
	}
	const block = 16384
	err := inorder.WriteBlocks(w, (len(ps)+block-1)/block, func(line []byte, b int) []byte {
		for i := b * block; i < min((b+1)*block, len(ps)); i++ {
			line = appendProspect(line, &ps[i])
		}
		return line
	})
	if err != nil {
		return fmt.Errorf("prospects.csv: %w", err)
	}
	return nil
}

// appendProspect appends the row of p in prospects.csv.
func appendProspect(line []byte, p *Prospect) []byte {
	line = strconv.AppendInt(line, int64(p.Rank), 10)
	line = append(line, ',')
	line = kamp.AppendCSVField(line, p.Counterparty)
	line = append(line, ',')
	line = appendBool(line, p.Known)
	line = append(line, ',')
	line = appendAmount(line, p.Amount)
	line = append(line, ',')
	line = strconv.AppendInt(line, p.Payments, 10)
	line = append(line, ',')
	line = strconv.AppendInt(line, int64(len(p.Units)), 10)
	line = append(line, ',')
	line = append(line, p.Direction.String()...)
	return append(line, '\n')
}

// WriteEdgesCSV writes chain-edges.csv: the header EdgesHeader, then one row
// per edge in the order given (Result.Edges is sorted as the file must be).
// Lines end in "\n"; a field that needs it is quoted as RFC 4180 says.
func WriteEdgesCSV(w io.Writer, es []Edge) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString(EdgesHeader + "\n")
	line := make([]byte, 0, 256)
	for i := range es {
		e := &es[i]
		line = appendEdgeStart(line[:0], e)
		line = append(line, e.First...)
		line = append(line, ',')
		line = append(line, e.Last...)
		line = append(line, '\n')
		if _, err := bw.Write(line); err != nil {
			return fmt.Errorf("chain-edges.csv: write row %d: %w", i+1, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("chain-edges.csv: %w", err)
	}
	return nil
}

// appendEdgeStart appends the fields of a row of chain-edges.csv before
// first and last, with the comma after them.
func appendEdgeStart(line []byte, e *Edge) []byte {
	return appendEdgeAfterUnit(kamp.AppendCSVField(line, e.Unit), e, false)
}

// appendEdgeAfterUnit is appendEdgeStart after the unit's field; plainCP
// says that the counterparty needs no quotes.
func appendEdgeAfterUnit(line []byte, e *Edge, plainCP bool) []byte {
	line = append(line, ',')
	line = append(line, e.Direction.String()...)
	line = append(line, ',')
	if plainCP {
		line = append(line, e.Counterparty...)
	} else {
		line = kamp.AppendCSVField(line, e.Counterparty)
	}
	line = append(line, ',')
	line = appendBool(line, e.Known)
	line = append(line, ',')
	line = appendAmount(line, e.Amount)
	line = append(line, ',')
	line = strconv.AppendInt(line, e.Payments, 10)
	return append(line, ',')
}

// appendAmount appends a as kamp.Amount.String formats it ("230", "1234.5",
// "-0.0001"), without allocating.
func appendAmount(b []byte, a kamp.Amount) []byte {
	u := uint64(a)
	if a < 0 {
		b = append(b, '-')
		u = -u
	}
	b = strconv.AppendUint(b, u/1e4, 10)
	frac := u % 1e4
	if frac == 0 {
		return b
	}
	b = append(b, '.')
	for div := uint64(1000); frac != 0; div /= 10 {
		b = append(b, byte('0'+frac/div))
		frac %= div
	}
	return b
}

// appendBool appends 1 or 0.
func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, '1')
	}
	return append(b, '0')
}
