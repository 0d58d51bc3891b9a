package ingest

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/control"
	"github.com/kampbank/kamp/ownership"
	"github.com/kampbank/kamp/store"
)

// Kinds of public ownership file (docs/data-formats.md, "Public ownership
// formats"). They load in the ownership stage, after ownership files.
const (
	KindGLEIF = "gleif-rr" // GLEIF Level 2 relationship records, RR-CDF XML
	KindBODS  = "bods"     // Open Ownership BODS 0.4 statements, JSON or JSON Lines
)

func isPublic(kind string) bool { return kind == KindGLEIF || kind == KindBODS }

// publicKindOf tells a public ownership file from its lower-cased base name:
// a .xml file whose name starts with "rr", ends in "-rr", "_rr" or ".rr", or
// contains "relationship" is GLEIF RR-CDF; a .json or .jsonl file is BODS;
// either may end in .gz as well (GLEIF publishes its files compressed).
func publicKindOf(base string) (string, bool) {
	// A gzip-compressed file (.xml.gz, .json.gz, .jsonl.gz) is told by the
	// name inside; publicFile uncompresses it.
	base = strings.TrimSuffix(base, ".gz")
	if stem, ok := strings.CutSuffix(base, ".xml"); ok {
		if strings.HasPrefix(stem, "rr") || strings.Contains(stem, "relationship") ||
			strings.HasSuffix(stem, "-rr") || strings.HasSuffix(stem, "_rr") || strings.HasSuffix(stem, ".rr") {
			return KindGLEIF, true
		}
		return "", false
	}
	if strings.HasSuffix(base, ".json") || strings.HasSuffix(base, ".jsonl") {
		return KindBODS, true
	}
	return "", false
}

// publicState is what an import keeps of its public ownership files.
type publicState struct {
	// ultimates are GLEIF's ultimate parents, in kamp ids, for Compare.
	ultimates []ownership.Ultimate
}

// countingReader counts the bytes read, for progress.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// publicFile reads, checks and loads one GLEIF or BODS file: the entities it
// introduces first, then its holdings. Records are read as a stream; the
// mapped links are kept until the file's end, since a BODS relationship may
// come before the statements of its parties.
func (im *importer) publicFile(f *inputFile, meta *kamp.ImportFile) error {
	fh, err := os.Open(f.path)
	if err != nil {
		im.readErr(f.name, err)
		return nil
	}
	defer fh.Close()
	cr := &countingReader{r: fh}
	// Gzip is told by its magic bytes, as package tabular does for CSV;
	// progress counts the compressed bytes read, against the file's size.
	br := bufio.NewReaderSize(cr, 64<<10)
	var in io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			im.readErr(f.name, err)
			return nil
		}
		defer gz.Close()
		in = gz
	}
	var n int64
	// step counts a record, reports progress and enforces the error cap.
	step := func() error {
		n++
		if im.errCount > im.opt.MaxErrors {
			im.warnings = append(im.warnings, fmt.Sprintf("stopped after %d bad rows", im.opt.MaxErrors))
			return errTooManyErrors
		}
		if n%65536 == 0 {
			if err := im.ctx.Err(); err != nil {
				return err
			}
			im.publicProgress(f, cr, n)
		}
		return nil
	}
	var loaded int64
	if f.kind == KindGLEIF {
		loaded, err = im.gleif(f, meta, in, step)
	} else {
		loaded, err = im.bods(f, meta, in, step)
	}
	meta.Rows = int(n)
	if err != nil {
		var oe *ownership.Error
		if errors.As(err, &oe) {
			im.fatal = true
			im.badRecord(oe)
			return nil
		}
		return err
	}
	meta.Loaded = int(loaded)
	if skipped := meta.Rows - meta.Loaded - meta.Rejected; skipped > 0 {
		im.warnings = append(im.warnings, fmt.Sprintf("%s: %d records gave nothing to load and were passed over (see \"Public ownership formats\" in docs/data-formats.md)", f.name, skipped))
	}
	im.publicProgress(f, cr, n)
	return nil
}

func (im *importer) publicProgress(f *inputFile, cr *countingReader, n int64) {
	if im.opt.Progress != nil {
		im.opt.Progress(Progress{File: f.name, Rows: n, Bytes: cr.n, Total: f.size})
	}
}

// badRecord records a problem with one record as a bad row: Line is the
// record's line (XML, JSON Lines) or statement index (JSON array), Column
// the element or field, and the reason names the record and, when known, the
// column or byte offset.
func (im *importer) badRecord(e *ownership.Error) {
	reason := e.Reason
	switch {
	case e.Column > 0:
		reason += " (column " + strconv.Itoa(e.Column) + ")"
	case e.Offset >= 0:
		reason += " (byte " + strconv.FormatInt(e.Offset, 10) + ")"
	}
	if e.Record != "" {
		reason = "record " + e.Record + ": " + reason
	}
	im.bad(e.File, e.Line, e.Field, e.Value, reason)
}

// rejectRecord records a bad record of a file: an *ownership.Error as it is,
// anything else as a problem of the file as a whole.
func (im *importer) rejectRecord(meta *kamp.ImportFile, name string, err error) {
	meta.Rejected++
	var oe *ownership.Error
	if errors.As(err, &oe) {
		im.badRecord(oe)
		return
	}
	im.bad(name, 0, "", "", err.Error())
}

// newEntities collects the entities a file introduces and loads them.
type newEntities struct {
	im   *importer
	list []kamp.Entity
}

// leiEntity returns the kamp id of an LEI: the stored (or earlier loaded)
// entity that has it, an entity whose id is the LEI, or a new entity that
// LEIEntity describes.
func (ne *newEntities) leiEntity(lei string) string {
	im := ne.im
	if id, ok := im.lei[lei]; ok {
		return id
	}
	if _, ok := im.ents[lei]; ok {
		return lei
	}
	e := ownership.LEIEntity(lei)
	e.ID, e.LEI = strings.Clone(e.ID), strings.Clone(e.LEI)
	im.addEntity(e.ID, entity{})
	im.lei[e.LEI] = e.ID
	ne.list = append(ne.list, e)
	return e.ID
}

// load writes the new entities, then the holdings, in (holder, entity)
// order.
func (ne *newEntities) load(hs []kamp.Holding) error {
	im := ne.im
	eb := buffer[kamp.Entity]{pipe: im.pipe, put: func(es []kamp.Entity) error { return im.load.Entities(im.ctx, es) }}
	for _, e := range ne.list {
		if err := eb.add(e); err != nil {
			return err
		}
	}
	if _, err := eb.end(); err != nil {
		return err
	}
	sort.Slice(hs, func(i, j int) bool {
		if hs[i].HolderID != hs[j].HolderID {
			return hs[i].HolderID < hs[j].HolderID
		}
		return hs[i].EntityID < hs[j].EntityID
	})
	hb := buffer[kamp.Holding]{pipe: im.pipe, put: func(hs []kamp.Holding) error { return im.load.Holdings(im.ctx, hs) }}
	for _, h := range hs {
		if err := hb.add(h); err != nil {
			return err
		}
	}
	_, err := hb.end()
	return err
}

// holdingSet merges holdings by (holder, entity): the largest share, the
// agreement if any has it, the latest as-of date.
type holdingSet map[[2]string]*kamp.Holding

func (s holdingSet) add(h kamp.Holding) {
	k := [2]string{h.HolderID, h.EntityID}
	if o := s[k]; o != nil {
		o.Share = max(o.Share, h.Share)
		o.Agreement = o.Agreement || h.Agreement
		o.AsOf = max(o.AsOf, h.AsOf)
		return
	}
	s[k] = &h
}

func (s holdingSet) list() []kamp.Holding {
	out := make([]kamp.Holding, 0, len(s))
	for _, h := range s {
		out = append(out, *h)
	}
	return out
}

// gleif imports a GLEIF RR-CDF file and returns how many records loaded.
func (im *importer) gleif(f *inputFile, meta *kamp.ImportFile, r io.Reader, step func() error) (int64, error) {
	var links []ownership.Link
	err := ownership.ReadRRCDF(r, f.name, func(rel ownership.Relationship) error {
		if err := step(); err != nil {
			return err
		}
		l, ok, err := ownership.MapRR(f.name, rel)
		if err != nil {
			im.rejectRecord(meta, f.name, err)
			return nil
		}
		if ok {
			links = append(links, l)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	ne := &newEntities{im: im}
	hs := holdingSet{}
	for _, l := range links {
		child, parent := ne.leiEntity(l.Child), ne.leiEntity(l.Parent)
		if child == parent {
			im.bad(f.name, l.Line, "EndNode/NodeID", l.Parent, "record "+l.Child+" -> "+l.Parent+": both LEIs belong to entity "+child+"; an entity cannot be consolidated by itself")
			meta.Rejected++
			continue
		}
		if l.Ultimate {
			im.public.ultimates = append(im.public.ultimates, ownership.Ultimate{Entity: child, Parent: parent, Line: l.Line})
			continue
		}
		hs.add(l.Holding(parent, child))
	}
	return int64(len(links)), ne.load(hs.list())
}

// bodsRel is a mapped BODS relationship awaiting its parties.
type bodsRel struct {
	tie  ownership.Tie
	line int
	id   string
}

// bods imports a BODS file and returns how many statements loaded.
func (im *importer) bods(f *inputFile, meta *kamp.ImportFile, r io.Reader, step func() error) (int64, error) {
	ne := &newEntities{im: im}
	alias := map[string]string{}    // RecordKey -> kamp id of a record mapped to a known entity
	created := map[string]int{}     // RecordKey -> index in ne.list of a record this file creates
	leiOwner := map[string]string{} // LEI -> RecordKey of a record this file creates
	rels := map[string]bodsRel{}    // relationship recordId -> its last statement
	var used int64
	err := ownership.ReadBODS(r, f.name, func(s ownership.Statement) error {
		if err := step(); err != nil {
			return err
		}
		switch s.RecordType {
		case ownership.RecordEntity, ownership.RecordPerson:
			e, ok, err := ownership.MapBODSEntity(f.name, s)
			if err != nil {
				im.rejectRecord(meta, f.name, err)
				return nil
			}
			if !ok {
				return nil
			}
			used++
			if i, ok := created[e.ID]; ok { // a later statement of the same record
				if e.LEI != "" && e.LEI != ne.list[i].LEI {
					if other, taken := leiOwner[e.LEI]; taken && other != e.ID {
						im.rejectRecord(meta, f.name, &ownership.Error{File: f.name, Line: s.Line, Offset: s.Offset, Record: s.RecordID, Field: "recordDetails.identifiers.id", Value: e.LEI, Reason: "LEI already belongs to record " + other})
						used--
						return nil
					}
					leiOwner[e.LEI] = e.ID
				}
				ne.list[i] = e
				return nil
			}
			if e.LEI != "" {
				if id, ok := im.lei[e.LEI]; ok {
					alias[e.ID] = id
					return nil
				}
				if other, taken := leiOwner[e.LEI]; taken {
					im.rejectRecord(meta, f.name, &ownership.Error{File: f.name, Line: s.Line, Offset: s.Offset, Record: s.RecordID, Field: "recordDetails.identifiers.id", Value: e.LEI, Reason: "LEI already belongs to record " + other})
					used--
					return nil
				}
			}
			if _, ok := im.ents[e.ID]; ok { // a known entity is not overwritten
				alias[e.ID] = e.ID
				return nil
			}
			e.ID, e.Name, e.LEI = strings.Clone(e.ID), strings.Clone(e.Name), strings.Clone(e.LEI)
			if e.LEI != "" {
				leiOwner[e.LEI] = e.ID
			}
			created[e.ID] = len(ne.list)
			ne.list = append(ne.list, e)
		case ownership.RecordRelationship:
			key := s.RecordID
			if key == "" {
				key = "\x00" + strconv.Itoa(s.Line)
			}
			key = strings.Clone(key)
			if s.RecordStatus == "closed" {
				delete(rels, key)
				return nil
			}
			t, ok, err := ownership.MapBODSRelationship(f.name, s)
			if err != nil {
				delete(rels, key)
				im.rejectRecord(meta, f.name, err)
				return nil
			}
			if !ok {
				delete(rels, key)
				return nil
			}
			t.Holder, t.Held = strings.Clone(t.Holder), strings.Clone(t.Held)
			t.HolderRecord, t.HeldRecord, t.AsOf = strings.Clone(t.HolderRecord), strings.Clone(t.HeldRecord), strings.Clone(t.AsOf)
			rels[key] = bodsRel{tie: t, line: s.Line, id: strings.Clone(s.RecordID)}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for k := range created {
		im.addEntity(k, entity{})
		if e := ne.list[created[k]]; e.LEI != "" {
			im.lei[e.LEI] = e.ID
		}
	}
	resolve := func(key string) (string, bool) {
		if id, ok := alias[key]; ok {
			return id, true
		}
		_, ok := im.ents[key]
		return key, ok
	}
	keys := make([]string, 0, len(rels))
	for k := range rels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	hs := holdingSet{}
	for _, k := range keys {
		rel := rels[k]
		t := rel.tie
		holder, ok1 := resolve(t.Holder)
		held, ok2 := resolve(t.Held)
		bad := func(field, value, reason string) {
			meta.Rejected++
			im.bad(f.name, rel.line, field, value, "record "+rel.id+": "+reason)
		}
		switch {
		case !ok1:
			bad("recordDetails.interestedParty", t.HolderRecord, "unknown party: no entity or person statement with this recordId in the file, and no entity "+t.Holder+" in the database")
		case !ok2:
			bad("recordDetails.subject", t.HeldRecord, "unknown subject: no entity or person statement with this recordId in the file, and no entity "+t.Held+" in the database")
		case holder == held:
			bad("recordDetails.interestedParty", t.HolderRecord, "both parties are entity "+holder+"; an entity cannot hold itself")
		default:
			used++
			hs.add(t.Holding(holder, held))
		}
	}
	return used, ne.load(hs.list())
}

// compareUltimates compares GLEIF's ultimate parents of this import with
// kamp's ultimate controllers, computed by the control engine over every
// stored entity and holding (the import committed).
func (im *importer) compareUltimates(ctx context.Context) ([]ownership.Disagreement, error) {
	if len(im.public.ultimates) == 0 {
		return nil, nil
	}
	var in control.Input
	index := map[string]int32{}
	hasState := false
	var state []bool
	err := im.db.EachEntityKey(ctx, func(k store.EntityKey) error {
		index[k.ID] = int32(len(in.IDs))
		in.IDs = append(in.IDs, k.ID)
		state = append(state, k.State)
		hasState = hasState || k.State
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("comparing with GLEIF's ultimate parents: %w", err)
	}
	if hasState {
		in.State = state
	}
	err = im.db.EachHolding(ctx, func(h kamp.Holding) error {
		hi, ok1 := index[h.HolderID]
		ei, ok2 := index[h.EntityID]
		if ok1 && ok2 && hi != ei {
			in.Edges = append(in.Edges, control.Edge{Holder: hi, Held: ei, Share: min(max(h.Share, 0), hundredPct), Agreement: h.Agreement})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("comparing with GLEIF's ultimate parents: %w", err)
	}
	res, err := control.Compute(in)
	if err != nil {
		return nil, fmt.Errorf("comparing with GLEIF's ultimate parents: %w", err)
	}
	return ownership.Compare(im.public.ultimates, in, res)
}
