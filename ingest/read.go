package ingest

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/check"
	"github.com/kampbank/kamp/tabular"
)

// layouts lists each kind's columns; required ones must be in the header.
var layouts = map[string][]struct {
	name     string
	required bool
}{
	KindEntities:  {{"id", true}, {"name", true}, {"kind", false}, {"uscc", false}, {"lei", false}, {"country", false}, {"industry", false}, {"branch", false}, {"is_client", false}},
	KindOwnership: {{"holder_id", true}, {"entity_id", true}, {"share_pct", true}, {"control", false}, {"as_of", false}},
	KindMetrics:   {{"client_id", true}, {"period", true}, {"currency", false}, {"deposits_avg", false}, {"loans_avg", false}, {"revenue", false}, {"fee_income", false}},
	KindExposures: {{"client_id", true}, {"facility_id", true}, {"product", false}, {"currency", false}, {"amount", true}, {"as_of", false}},
	KindPayments:  {{"txn_id", true}, {"date", true}, {"payer_id", false}, {"payer_name", false}, {"payee_id", false}, {"payee_name", false}, {"amount", true}, {"currency", false}},
	KindFX:        {{"date", true}, {"currency", true}, {"rate", true}},
}

// row is the record being checked.
type row struct {
	im   *importer
	file string
	line int
	rec  []string
	col  []column // the header's columns, lower-cased
	ok   bool
}

// column is a header name and its field index.
type column struct {
	name string
	i    int
}

// columnsOf indexes a header by lower-cased name. A file has a dozen columns
// or so: a slice searched in order beats a map on the hot path.
func columnsOf(header []string) []column {
	cols := make([]column, len(header))
	for i, h := range header {
		cols[i] = column{strings.ToLower(h), i}
	}
	return cols
}

// get returns the named field, or "" when the column is absent.
func (r *row) get(name string) string {
	for _, c := range r.col {
		if c.name == name {
			if c.i < len(r.rec) {
				return r.rec[c.i]
			}
			return ""
		}
	}
	return ""
}

// has reports whether the header has the named column.
func (r *row) has(name string) bool {
	for _, c := range r.col {
		if c.name == name {
			return true
		}
	}
	return false
}

// hasNUL reports (as bad) every field holding a NUL character.
func (r *row) hasNUL(header []string) bool {
	found := false
	for i, f := range r.rec {
		if strings.IndexByte(f, 0) >= 0 {
			r.bad(header[i], f, "contains a NUL character (\\x00), which is not text")
			found = true
		}
	}
	return found
}

func (r *row) bad(column, value, reason string) {
	r.ok = false
	r.im.bad(r.file, r.line, column, value, reason)
}

func (r *row) badErr(column, value string, err error) { r.bad(column, value, kamp.ErrorMessage(err)) }

// required returns the named field, reporting it when empty.
func (r *row) required(name string) (string, bool) {
	v := r.get(name)
	if v == "" {
		r.bad(name, "", "required value is missing")
		return "", false
	}
	return v, true
}

// id returns a required id field.
func (r *row) id(name string) string {
	v, ok := r.required(name)
	if !ok {
		return ""
	}
	if err := check.ID(v); err != nil {
		r.badErr(name, v, err)
		return ""
	}
	return v
}

// ref returns an id field that must name a known entity (required or not).
func (r *row) ref(name string, required bool) (string, int32) {
	v := r.get(name)
	if v == "" {
		if required {
			r.bad(name, "", "required value is missing")
		}
		return "", -1
	}
	if err := check.ID(v); err != nil {
		r.badErr(name, v, err)
		return "", -1
	}
	i, ok := r.im.ents[v]
	if !ok {
		r.bad(name, v, "unknown entity: no such id in entities.csv or the database")
		return "", -1
	}
	return v, i
}

// fixed parses an optional exact decimal with the given scale.
func (r *row) fixed(name string, scale int, allowNeg bool) (int64, bool) {
	v := r.get(name)
	if v == "" {
		return 0, false
	}
	n, err := check.ParseFixed(v, scale, allowNeg)
	if err != nil {
		r.badErr(name, v, err)
		return 0, false
	}
	return n, true
}

// amount parses an optional amount (at most 4 decimals).
func (r *row) amount(name string, allowNeg bool) kamp.NullAmount {
	n, ok := r.fixed(name, kamp.AmountScale, allowNeg)
	return kamp.NullAmount{Amount: kamp.Amount(n), Valid: ok}
}

// date parses an optional (or required) date.
func (r *row) date(name string, required bool) string {
	v := r.get(name)
	if v == "" {
		if required {
			r.bad(name, "", "required value is missing")
		}
		return ""
	}
	if err := check.Date(v); err != nil {
		r.badErr(name, v, err)
		return ""
	}
	return v
}

// currency returns the row's currency (CNY when empty), upper-cased, checked
// against ISO 4217 and, when on is not empty, required to have an exchange
// rate dated on or before on.
func (r *row) currency(on string) string {
	v := r.get("currency")
	if v == "" {
		return kamp.ReportingCurrency
	}
	c := strings.ToUpper(v)
	if err := check.Currency(c); err != nil {
		r.badErr("currency", v, err)
		return ""
	}
	if c == kamp.ReportingCurrency {
		return c
	}
	first, ok := r.im.firstRate[c]
	switch {
	case !ok:
		r.bad("currency", v, "unknown currency: no exchange rate for "+c+" in fx.csv or the database")
		return ""
	case on != "" && first > on:
		r.bad("currency", v, fmt.Sprintf("no exchange rate for %s on or before %s (the first is on %s)", c, on, first))
		return ""
	}
	return c
}

// file reads, checks and loads one file. Row problems are recorded; the
// returned error is for failures of the import itself.
func (im *importer) file(f *inputFile, meta *kamp.ImportFile) error {
	if isPublic(f.kind) {
		return im.publicFile(f, meta)
	}
	if f.kind == KindCamt053 {
		return im.camtFile(f, meta)
	}
	tr, err := tabular.Open(f.path)
	if err != nil {
		im.readErr(f.name, err)
		return nil
	}
	defer tr.Close()
	r := row{im: im, file: f.name, col: columnsOf(tr.Header())}
	known := map[string]bool{}
	missing := false
	for _, c := range layouts[f.kind] {
		known[c.name] = true
		if !r.has(c.name) && c.required {
			im.bad(f.name, 1, c.name, "", "missing required column "+strconv.Quote(c.name))
			missing = true
		}
	}
	if missing {
		im.fatal = true
		return nil
	}
	var custom []string // metrics' custom indicators
	for _, h := range tr.Header() {
		name := strings.ToLower(h)
		if known[name] {
			continue
		}
		if f.kind == KindMetrics {
			custom = append(custom, name)
			continue
		}
		im.warnings = append(im.warnings, fmt.Sprintf("%s: column %q is not part of the %s format and was ignored", f.name, h, f.kind))
	}
	p := im.processor(f, meta, custom)
	var n int64
	for tr.Next() {
		n++
		r.rec, r.line, r.ok = tr.Record(), tr.Line(), true
		if !tr.FieldCountOK() {
			r.bad("", "", fmt.Sprintf("wrong number of fields: %d, the header has %d", len(r.rec), len(tr.Header())))
		} else if r.hasNUL(tr.Header()) {
			// A NUL is no text: no database keeps it in a text column.
		} else if err := p.row(&r); err != nil {
			return err
		}
		if !r.ok {
			meta.Rejected++
		}
		if im.errCount > im.opt.MaxErrors {
			im.warnings = append(im.warnings, fmt.Sprintf("stopped after %d bad rows", im.opt.MaxErrors))
			return errTooManyErrors
		}
		if n%65536 == 0 {
			if err := im.ctx.Err(); err != nil {
				return err
			}
			im.progress(f, tr, n)
		}
	}
	meta.Rows = int(n)
	if err := tr.Err(); err != nil {
		im.readErr(f.name, err)
		return nil
	}
	loaded, err := p.end()
	if err != nil {
		return err
	}
	if h, ok := p.(interface{ keys() *keyIndex }); ok && len(h.keys().suspects) > 0 {
		if loaded, err = im.settle(f, p, h.keys(), meta, loaded); err != nil {
			return err
		}
	}
	meta.Loaded = int(loaded)
	im.progress(f, tr, n)
	return nil
}

func (im *importer) progress(f *inputFile, tr *tabular.Reader, n int64) {
	if im.opt.Progress != nil {
		im.opt.Progress(Progress{File: f.name, Rows: n, Bytes: tr.BytesRead(), Total: tr.Size()})
	}
}

// settle reads the file again for the keys on the lines that suspects may
// duplicate, then reports true duplicates and loads the rest.
func (im *importer) settle(f *inputFile, p processor, k *keyIndex, meta *kamp.ImportFile, loaded int64) (int64, error) {
	want := k.firstLines()
	tr, err := tabular.Open(f.path)
	if err != nil {
		return loaded, fmt.Errorf("reading %s again: %w", f.name, err)
	}
	defer tr.Close()
	r := row{im: im, file: f.name, col: columnsOf(tr.Header())}
	for tr.Next() {
		if _, ok := want[tr.Line()]; ok {
			r.rec = tr.Record()
			want[tr.Line()] = p.key(&r)
		}
	}
	if err := tr.Err(); err != nil {
		return loaded, fmt.Errorf("reading %s again: %w", f.name, err)
	}
	err = k.settle(want, func(s suspect) error {
		meta.Rejected++
		im.bad(f.name, s.line, p.keyColumn(), strings.ReplaceAll(s.key, "\x00", " / "), fmt.Sprintf("duplicate key: the same as line %d", s.first))
		return nil
	})
	if err != nil {
		return loaded, err
	}
	more, err := p.end()
	return loaded + more, err
}
