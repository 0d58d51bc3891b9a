package export

import (
	"encoding/csv"
	"io"
)

// BOM is the UTF-8 byte order mark every CSV export starts with, so that
// Excel reads the file as UTF-8 (see the package documentation).
const BOM = "\uFEFF"

// CSVWriter writes a table as RFC 4180 CSV, preceded by a UTF-8 byte order
// mark and a header row. Records end in LF rather than CRLF: Excel and every
// CSV reader accept it, and encoding/csv drops a lone carriage return inside
// a field when asked for CRLF, which would make the export inexact.
//
// Text cells that a spreadsheet would run as a formula (starting with '=',
// '+', '-', '@', a tab or a carriage return, and not a plain decimal number)
// are prefixed with a single quote, as OWASP advises against CSV injection:
// an exported client name must never execute in the analyst's Excel. Plain
// decimals such as "-12.5" are written unchanged.
type CSVWriter struct {
	w     *csv.Writer
	ncols int
	row   []string
}

// NewCSV writes the byte order mark and the header row of cols to w and
// returns a writer for the data rows.
func NewCSV(w io.Writer, cols []Column) (*CSVWriter, error) {
	if err := checkColumns(cols); err != nil {
		return nil, err
	}
	if _, err := io.WriteString(w, BOM); err != nil {
		return nil, wrapWrite("csv byte order mark", err)
	}
	cw := csv.NewWriter(w)
	c := &CSVWriter{w: cw, ncols: len(cols), row: make([]string, len(cols))}
	header := make([]string, len(cols))
	for i, col := range cols {
		header[i] = col.Name
	}
	if err := c.WriteRow(header); err != nil {
		return nil, err
	}
	return c, nil
}

// WriteRow writes one data row.
func (c *CSVWriter) WriteRow(cells []string) error {
	if err := checkRow(cells, c.ncols); err != nil {
		return err
	}
	for i := range c.row {
		v := ""
		if i < len(cells) {
			v = cells[i]
		}
		c.row[i] = guardFormula(v)
	}
	return wrapWrite("csv row", c.w.Write(c.row))
}

// Flush writes buffered rows to the underlying writer, for a caller that
// streams a long export and wants the client to see progress.
func (c *CSVWriter) Flush() error {
	c.w.Flush()
	return wrapWrite("csv", c.w.Error())
}

// Close flushes the remaining rows.
func (c *CSVWriter) Close() error { return c.Flush() }

// guardFormula prefixes v with a single quote when a spreadsheet would treat
// it as a formula.
func guardFormula(v string) string {
	if v == "" {
		return v
	}
	switch v[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if IsDecimal(v) {
			return v
		}
		return "'" + v
	}
	return v
}
