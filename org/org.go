// Package org reads the org-units file (机构表), org-units.csv: the bank's
// organisation as a tree of head office, branches, sub-branches and
// departments. The file is kamp's own addition to the interchange formats of
// data-formats.md and follows their general rules: UTF-8 CSV (or CSV.gz, or
// the first sheet of an .xlsx), one header row, column order free, header
// names and the kind case-insensitive, ids of 1-64 characters of
// A-Z a-z 0-9 _ . -.
//
// Columns, all four required in the header:
//
//	code    the unit's id; unique in the file
//	name    the unit's name (总行, 北京分行, 战略客户部); surrounding spaces are trimmed
//	kind    head_office, branch, sub_branch or department
//	parent  the code of the unit above; empty only for the head office
//
// The file holds the whole tree: exactly one head office at its root,
// branches under the head office, sub-branches under a branch, departments
// under any unit (kamp.CheckOrgTree). Reading is all or nothing, as for the
// interchange files: every bad row is reported with its line, column, value
// and reason, and when any row is bad no unit is returned.
package org

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/check"
	"github.com/kampbank/kamp/tabular"
)

// Header is the header row of the file, in the order kamp writes it.
const Header = "code,name,kind,parent"

// columns are the file's columns, all required in the header.
var columns = []string{"code", "name", "kind", "parent"}

// MaxUnits bounds the rows of one file, so that a wrong file (a payments
// export, say) is refused quickly instead of being held in memory.
const MaxUnits = 100_000

// ReadFile reads the org-units file at path: .csv, .csv.gz or .xlsx, told by
// the name's ending. The error is for a file that cannot be opened or read;
// problems with its contents are RowErrors, as for Read.
func ReadFile(path string) ([]kamp.OrgUnit, []kamp.RowError, error) {
	name := filepath.Base(path)
	lower := strings.ToLower(name)
	if !strings.HasSuffix(lower, ".xlsx") {
		if !strings.HasSuffix(lower, ".csv") && !strings.HasSuffix(lower, ".csv.gz") {
			return nil, nil, kamp.Errorf(kamp.EINVALID, "%s: unsupported file type: the name must end in .csv, .csv.gz or .xlsx", name)
		}
		f, err := os.Open(path)
		if err != nil {
			return nil, nil, kamp.WrapError(kamp.EINVALID, err, "cannot open the org-units file %s", path)
		}
		defer f.Close()
		return Read(f, name)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, kamp.WrapError(kamp.EINVALID, err, "cannot open the org-units file %s", path)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, kamp.WrapError(kamp.EINVALID, err, "cannot open the org-units file %s", path)
	}
	rd := &readerAt{r: f}
	tr, err := tabular.NewXLSX(rd, st.Size(), name)
	return read(tr, err, name, &rd.err)
}

// Read reads an org-units file in CSV (gzip-compressed or not) from r; name
// is the base name used in the row errors. It returns the units in file
// order when every row is good, or no units and every problem found. The
// error is for input that cannot be read at all (an I/O error of r).
func Read(r io.Reader, name string) ([]kamp.OrgUnit, []kamp.RowError, error) {
	rd := &reader{r: r}
	tr, err := tabular.NewCSV(rd, name)
	return read(tr, err, name, &rd.err)
}

// reader remembers the first error of its reader other than io.EOF, to tell
// a failing input from a bad file.
type reader struct {
	r   io.Reader
	err error
}

func (r *reader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF && r.err == nil {
		r.err = err
	}
	return n, err
}

// readerAt is reader for an io.ReaderAt.
type readerAt struct {
	r   io.ReaderAt
	err error
}

func (r *readerAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := r.r.ReadAt(p, off)
	if err != nil && err != io.EOF && r.err == nil {
		r.err = err
	}
	return n, err
}

// row is one data row as read, with what was found wrong with it.
type row struct {
	line int
	unit kamp.OrgUnit
	ok   bool
}

// file collects the rows and the problems of one file.
type file struct {
	name string
	errs []kamp.RowError
	// unread counts the rows whose fields could not be read (a wrong
	// number of fields, a NUL): their kinds are unknown.
	unread int
}

// bad records a problem. Values are kept as printable text: a NUL becomes
// \x00 and invalid UTF-8 the replacement character.
func (f *file) bad(line int, column, value, reason string) {
	v := strings.ToValidUTF8(strings.ReplaceAll(value, "\x00", `\x00`), "\uFFFD")
	f.errs = append(f.errs, kamp.RowError{File: f.name, Line: line, Column: column, Value: v, Reason: reason})
}

// read checks the rows of tr (opened with err) and then the tree they form.
// ioErr points at the input's own error, if it failed.
func read(tr *tabular.Reader, err error, name string, ioErr *error) ([]kamp.OrgUnit, []kamp.RowError, error) {
	f := &file{name: name}
	if err != nil {
		if *ioErr != nil {
			return nil, nil, fmt.Errorf("reading %s: %w", name, *ioErr)
		}
		f.fatal(err)
		return nil, f.errs, nil
	}
	defer tr.Close()
	idx := map[string]int{}
	missing := false
	for _, c := range columns {
		idx[c] = tr.Index(c)
		if idx[c] < 0 {
			f.bad(1, c, "", "missing required column "+strconv.Quote(c))
			missing = true
		}
	}
	if missing {
		return nil, f.errs, nil
	}
	var rows []row
	for tr.Next() {
		if len(rows) == MaxUnits {
			f.bad(tr.Line(), "", "", fmt.Sprintf("too many rows: an org-units file holds at most %d units", MaxUnits))
			return nil, f.errs, nil
		}
		rows = append(rows, f.row(tr, idx))
	}
	if err := tr.Err(); err != nil {
		if *ioErr != nil {
			return nil, nil, fmt.Errorf("reading %s: %w", name, *ioErr)
		}
		f.fatal(err)
		return nil, f.errs, nil
	}
	if len(rows) == 0 {
		f.bad(1, "", "", "no org units: the file has a header but no rows")
		return nil, f.errs, nil
	}
	f.duplicates(rows)
	f.tree(rows)
	if len(f.errs) > 0 {
		slices.SortStableFunc(f.errs, func(a, b kamp.RowError) int { return cmp.Compare(a.Line, b.Line) })
		return nil, f.errs, nil
	}
	units := make([]kamp.OrgUnit, len(rows))
	for i, r := range rows {
		units[i] = r.unit
	}
	// The tree rule itself is kamp.CheckOrgTree's; the checks above report
	// every row it would refuse, so this only guards against the two
	// drifting apart.
	if err := kamp.CheckOrgTree(units); err != nil {
		f.bad(f.lineOf(rows, kamp.ErrorMessage(err)), "parent", "", kamp.ErrorMessage(err))
		return nil, f.errs, nil
	}
	return units, nil, nil
}

// fatal records a problem with the file as a whole.
func (f *file) fatal(err error) {
	var te *tabular.Error
	if errors.As(err, &te) {
		f.bad(te.Line, te.Column, te.Value, te.Reason)
		return
	}
	f.bad(0, "", "", err.Error())
}

// row checks the current record of tr.
func (f *file) row(tr *tabular.Reader, idx map[string]int) row {
	r := row{line: tr.Line(), ok: true}
	rec := tr.Record()
	bad := func(column, value, reason string) {
		r.ok = false
		f.bad(r.line, column, value, reason)
	}
	if !tr.FieldCountOK() {
		bad("", "", fmt.Sprintf("wrong number of fields: %d, the header has %d", len(rec), len(tr.Header())))
		f.unread++
		return r
	}
	for i, v := range rec {
		if strings.IndexByte(v, 0) >= 0 {
			bad(strings.ToLower(tr.Header()[i]), v, "contains a NUL character (\\x00), which is not text")
		}
	}
	if !r.ok {
		f.unread++
		return r
	}
	get := func(c string) string { return strings.Clone(rec[idx[c]]) }
	code, name, kind, parent := get("code"), get("name"), get("kind"), get("parent")
	switch err := check.ID(code); {
	case code == "":
		bad("code", "", "required value is missing")
	case err != nil:
		bad("code", code, kamp.ErrorMessage(err))
	}
	r.unit.Code = code
	r.unit.Name = strings.TrimSpace(name)
	if r.unit.Name == "" {
		bad("name", name, "required value is missing: every unit has a name")
	}
	r.unit.Kind = strings.ToLower(kind)
	switch {
	case kind == "":
		bad("kind", "", "required value is missing: use head_office, branch, sub_branch or department")
	case !slices.Contains(kamp.UnitKinds, r.unit.Kind):
		bad("kind", kind, "unknown kind: use head_office, branch, sub_branch or department")
	}
	r.unit.Parent = parent
	const pcol = "parent"
	switch {
	case parent == "" && r.unit.Kind == kamp.UnitHeadOffice:
	case parent == "" && slices.Contains(kamp.UnitKinds, r.unit.Kind):
		bad(pcol, "", "required value is missing: only the head office has no parent")
	case parent == "":
	case r.unit.Kind == kamp.UnitHeadOffice:
		bad(pcol, parent, "the head office has no parent: it is the root of the tree")
	case check.ID(parent) != nil:
		bad(pcol, parent, kamp.ErrorMessage(check.ID(parent)))
	case parent == code:
		bad(pcol, parent, "a unit cannot be its own parent")
	}
	return r
}

// duplicates reports every row whose code an earlier row has, good or bad.
func (f *file) duplicates(rows []row) {
	first := map[string]int{}
	for i := range rows {
		r := &rows[i]
		if r.unit.Code == "" {
			continue
		}
		if l, dup := first[r.unit.Code]; dup {
			r.ok = false
			f.bad(r.line, "code", r.unit.Code, fmt.Sprintf("duplicate code: the same as line %d", l))
			continue
		}
		first[r.unit.Code] = r.line
	}
}

// tree checks how the good rows fit together: each parent exists, branches
// sit under the head office and sub-branches under a branch, there is one
// head office, and parents form no cycle. A row whose parent is itself a
// bad row is not checked against it: that row is reported already.
func (f *file) tree(rows []row) {
	all := map[string]*row{} // every code's first row, good or bad
	for i := range rows {
		if _, dup := all[rows[i].unit.Code]; !dup && rows[i].unit.Code != "" {
			all[rows[i].unit.Code] = &rows[i]
		}
	}
	var heads []*row
	headKind := false
	for i := range rows {
		r := &rows[i]
		headKind = headKind || r.unit.Kind == kamp.UnitHeadOffice
		if !r.ok {
			continue
		}
		if r.unit.Kind == kamp.UnitHeadOffice {
			heads = append(heads, r)
			continue
		}
		p, ok := all[r.unit.Parent]
		switch {
		case !ok:
			f.bad(r.line, "parent", r.unit.Parent, "unknown parent: no unit with this code in the file")
		case !p.ok:
		case r.unit.Kind == kamp.UnitBranch && p.unit.Kind != kamp.UnitHeadOffice:
			f.bad(r.line, "parent", r.unit.Parent, fmt.Sprintf("a branch sits under the head office, not under a %s", p.unit.Kind))
		case r.unit.Kind == kamp.UnitSubBranch && p.unit.Kind != kamp.UnitBranch:
			f.bad(r.line, "parent", r.unit.Parent, fmt.Sprintf("a sub-branch sits under a branch, not under a %s", p.unit.Kind))
		}
	}
	for _, h := range heads[min(1, len(heads)):] {
		f.bad(h.line, "kind", h.unit.Kind, fmt.Sprintf("a second head office: the tree has exactly one (the first is %s on line %d)", heads[0].unit.Code, heads[0].line))
	}
	if !headKind && f.unread == 0 {
		f.bad(1, "kind", "", "no head office: one unit of kind head_office is the root of the tree")
	}
	// A unit is on a cycle when walking up its good parents comes back to
	// it; units below a cycle are not reported, the cycle is. Each unit is
	// walked once: a walk stops at a unit an earlier walk went through.
	const (
		unseen = iota
		onPath
		done
	)
	state := map[string]int{}
	for i := range rows {
		var path []*row
		for r := &rows[i]; r != nil && r.ok && state[r.unit.Code] == unseen; {
			state[r.unit.Code] = onPath
			path = append(path, r)
			p, ok := all[r.unit.Parent]
			if !ok {
				break
			}
			if state[p.unit.Code] == onPath {
				on := false
				for _, q := range path {
					on = on || q == p
					if on {
						f.bad(q.line, "parent", q.unit.Parent, "the unit's parents form a cycle: it lies under itself")
					}
				}
				break
			}
			r = p
		}
		for _, q := range path {
			state[q.unit.Code] = done
		}
	}
}

// lineOf returns the line of the unit a tree error names ("org unit X: …"),
// or 1 when it names none.
func (f *file) lineOf(rows []row, msg string) int {
	if rest, ok := strings.CutPrefix(msg, "org unit "); ok {
		code, _, _ := strings.Cut(rest, ":")
		code, _, _ = strings.Cut(code, " ")
		for _, r := range rows {
			if r.unit.Code == code {
				return r.line
			}
		}
	}
	return 1
}
