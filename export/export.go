// Package export writes tables for people to download: CSV and XLSX, streamed
// row by row so that exporting millions of rows never holds them in memory.
//
// Both writers take every cell as a string, which is how kamp keeps exported
// amounts exact: an amount is written as the decimal its kamp.Amount prints,
// never through float64.
//
// CSV files start with a UTF-8 byte order mark (EF BB BF). Excel, the tool
// most bankers open exports with, reads a CSV file without one in the
// system's legacy code page (GBK on Chinese Windows), which garbles every
// Chinese name; with the mark it reads UTF-8. kamp's importer and most other
// CSV readers skip the mark.
//
// XLSX files are written by hand as SpreadsheetML inside a zip archive (no
// third-party library): one sheet, a bold and frozen header row, numbers as
// numbers in numeric columns, and everything else as inline strings, so no
// cell is ever interpreted as a formula.
package export

import (
	"fmt"
	"io"
	"strings"

	"github.com/kampbank/kamp"
)

// Format is a file format a table can be exported to.
type Format string

// Export formats.
const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// ParseFormat returns the Format named by s ("csv" or "xlsx", any case), or
// an EINVALID error.
func ParseFormat(s string) (Format, error) {
	switch Format(strings.ToLower(strings.TrimSpace(s))) {
	case CSV:
		return CSV, nil
	case XLSX:
		return XLSX, nil
	}
	return "", kamp.Errorf(kamp.EINVALID, "unknown export format %q: use csv or xlsx", s)
}

// ContentType returns the media type of files in format f.
func (f Format) ContentType() string {
	switch f {
	case XLSX:
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	default:
		return "text/csv; charset=utf-8"
	}
}

// Extension returns the file name extension of format f, with the dot.
func (f Format) Extension() string { return "." + string(f) }

// Column describes one column of an exported table.
type Column struct {
	// Name is the header cell.
	Name string
	// Numeric marks a column of decimal numbers. XLSX writes its cells that
	// hold a plain decimal as numbers; CSV writes every cell as given.
	Numeric bool
}

// Writer writes one table, one row at a time. WriteRow may be called any
// number of times; Close must be called once at the end and finishes the
// file. A Writer is not safe for concurrent use.
type Writer interface {
	// WriteRow writes one row: one cell per column, in column order. A row
	// with fewer cells is padded with empty cells; one with more is an
	// EINVALID error.
	WriteRow(cells []string) error
	// Close finishes the file. It does not close the underlying io.Writer.
	Close() error
}

// New returns a Writer for format f that writes a table with the given
// columns to w. sheet names the XLSX sheet and is ignored for CSV.
func New(f Format, w io.Writer, sheet string, cols []Column) (Writer, error) {
	switch f {
	case CSV:
		return NewCSV(w, cols)
	case XLSX:
		return NewXLSX(w, sheet, cols)
	}
	return nil, kamp.Errorf(kamp.EINVALID, "unknown export format %q: use csv or xlsx", string(f))
}

// checkRow validates the width of a row against the columns.
func checkRow(cells []string, ncols int) error {
	if len(cells) > ncols {
		return kamp.Errorf(kamp.EINVALID, "row has %d cells, table has %d columns", len(cells), ncols)
	}
	return nil
}

// checkColumns validates a column list.
func checkColumns(cols []Column) error {
	if len(cols) == 0 {
		return kamp.Errorf(kamp.EINVALID, "a table needs at least one column")
	}
	if len(cols) > maxColumns {
		return kamp.Errorf(kamp.EINVALID, "a table has at most %d columns, got %d", maxColumns, len(cols))
	}
	return nil
}

// maxColumns is the widest sheet Excel opens (XFD).
const maxColumns = 16384

// IsDecimal reports whether s is a plain decimal number as data-formats.md
// defines it: an optional leading '-', digits, and an optional '.' followed
// by at least one digit. No '+', exponent, spaces or separators.
func IsDecimal(s string) bool {
	s = strings.TrimPrefix(s, "-")
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" || !allDigits(intPart) {
		return false
	}
	if hasDot && (frac == "" || !allDigits(frac)) {
		return false
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// excelDigits is how many significant decimal digits an Excel number (an
// IEEE 754 double) keeps exactly.
const excelDigits = 15

// fitsExcelNumber reports whether the decimal s (accepted by IsDecimal)
// survives as an Excel number: at most 15 significant digits and at most 15
// digits before the point. Larger or finer values are written as text so the
// export stays exact.
func fitsExcelNumber(s string) bool {
	intPart, _, _ := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	return len(strings.TrimLeft(intPart, "0")) <= excelDigits && significantDigits(s) <= excelDigits
}

// significantDigits counts the significant digits of a decimal accepted by
// IsDecimal: leading zeros of the whole number and trailing zeros of the
// fraction do not count.
func significantDigits(s string) int {
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	frac = strings.TrimRight(frac, "0")
	digits := strings.TrimLeft(intPart+frac, "0")
	if frac == "" {
		digits = strings.TrimRight(digits, "0")
	}
	return len(digits)
}

// wrapWrite annotates a write error.
func wrapWrite(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("export: write %s: %w", what, err)
}
