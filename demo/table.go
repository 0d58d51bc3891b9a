package demo

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// progressEvery is how many rows pass between two Progress calls.
const progressEvery = 100_000

// table writes one CSV file of the bank: rows are built in row with the
// append helpers below and written through a large buffer to a temporary
// file, which Generate renames over the final name only when every file has
// been written.
type table struct {
	name     string // base name, e.g. "entities.csv"
	final    string // final path
	f        *os.File
	w        *bufio.Writer
	row      []byte
	rows     int64
	bytes    int64
	progress func(string, int64)
}

// newTable creates the temporary file for name in dir and writes header.
func newTable(dir, name, header string, progress func(string, int64)) (*table, error) {
	f, err := os.CreateTemp(dir, "."+name+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("demo: create %s: %w", name, err)
	}
	t := &table{
		name:     name,
		final:    filepath.Join(dir, name),
		f:        f,
		w:        bufio.NewWriterSize(f, 1<<20),
		row:      make([]byte, 0, 512),
		progress: progress,
	}
	n, err := t.w.WriteString(header + "\n")
	t.bytes += int64(n)
	if err != nil {
		t.discard()
		return nil, fmt.Errorf("demo: write %s: %w", name, err)
	}
	return t, nil
}

// end finishes the row being built: it writes it with a line break and
// counts it.
func (t *table) end() error {
	t.row = append(t.row, '\n')
	n, err := t.w.Write(t.row)
	t.bytes += int64(n)
	t.row = t.row[:0]
	if err != nil {
		return fmt.Errorf("demo: write %s: %w", t.name, err)
	}
	t.rows++
	if t.progress != nil && t.rows%progressEvery == 0 {
		t.progress(t.name, t.rows)
	}
	return nil
}

// close flushes and closes the temporary file and reports the final count.
func (t *table) close() error {
	if t.f == nil {
		return nil
	}
	err := t.w.Flush()
	if cerr := t.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// CreateTemp makes the file private; the bank's files are not.
		err = os.Chmod(t.f.Name(), 0o644)
	}
	if err != nil {
		return fmt.Errorf("demo: write %s: %w", t.name, err)
	}
	if t.progress != nil {
		t.progress(t.name, t.rows)
	}
	return nil
}

// commit renames the closed temporary file over the final name.
func (t *table) commit() error {
	if err := os.Rename(t.f.Name(), t.final); err != nil {
		return fmt.Errorf("demo: replace %s: %w", t.name, err)
	}
	t.f = nil
	return nil
}

// discard closes and removes the temporary file (after a failure).
func (t *table) discard() {
	if t.f == nil {
		return
	}
	t.f.Close()
	os.Remove(t.f.Name())
	t.f = nil
}

// appendField appends s as one CSV field, quoted (RFC 4180) only when it
// holds a comma, a quote or a line break.
func appendField(dst []byte, s []byte) []byte {
	quote := false
	for _, c := range s {
		if c == ',' || c == '"' || c == '\n' || c == '\r' {
			quote = true
			break
		}
	}
	if !quote {
		return append(dst, s...)
	}
	dst = append(dst, '"')
	for _, c := range s {
		if c == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, c)
	}
	return append(dst, '"')
}

// appendID appends prefix and n zero-padded to width digits.
func appendID(dst []byte, prefix byte, n uint64, width int) []byte {
	var b [24]byte
	i := len(b)
	for n > 0 || i > len(b)-width {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	dst = append(dst, prefix)
	return append(dst, b[i:]...)
}

// appendCents appends an amount given in hundredths with exactly two
// decimals: 12345 -> "123.45", -5 -> "-0.05".
func appendCents(dst []byte, cents int64) []byte {
	if cents < 0 {
		dst = append(dst, '-')
		cents = -cents
	}
	dst = strconv.AppendInt(dst, cents/100, 10)
	c := cents % 100
	return append(dst, '.', byte('0'+c/10), byte('0'+c%10))
}

// appendFixed appends v / 10^scale as a decimal with trailing zeros (and a
// trailing point) trimmed; v must not be negative.
func appendFixed(dst []byte, v int64, scale int) []byte {
	var pow int64 = 1
	for range scale {
		pow *= 10
	}
	dst = strconv.AppendInt(dst, v/pow, 10)
	frac := v % pow
	if frac == 0 {
		return dst
	}
	var b [20]byte
	for i := scale - 1; i >= 0; i-- {
		b[i] = byte('0' + frac%10)
		frac /= 10
	}
	n := scale
	for n > 0 && b[n-1] == '0' {
		n--
	}
	dst = append(dst, '.')
	return append(dst, b[:n]...)
}

// digits returns the number of decimal digits of n (at least 1).
func digits(n uint64) int {
	d := 1
	for n >= 10 {
		n /= 10
		d++
	}
	return d
}
