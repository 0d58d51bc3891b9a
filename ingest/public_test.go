package ingest_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/ingest"
	"github.com/kampbank/kamp/ownership"
	"github.com/kampbank/kamp/store"
	"github.com/kampbank/kamp/store/storetest"
)

const (
	leiTop    = "5493004KAMPTOPCO0084"
	leiParent = "5493001KAMPPARENT032"
	leiSub    = "5493002KAMPSUBSID047"
	leiGrand  = "5493003KAMPGRANDC013"
	leiOther  = "5493005KAMPOTHER0049"
	leiHarbor = "5493006KAMPBODSCO056"
	gleifName = "20261101-gleif-concatenated-file-rr.xml"
)

// fixture returns a file of ownership/testdata.
func fixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "ownership", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// holdings returns every stored holding, by holder then entity.
func holdings(t testing.TB, db *store.DB) []kamp.Holding {
	t.Helper()
	var hs []kamp.Holding
	if err := db.EachHolding(context.Background(), func(h kamp.Holding) error { hs = append(hs, h); return nil }); err != nil {
		t.Fatal(err)
	}
	sort.Slice(hs, func(i, j int) bool {
		if hs[i].HolderID != hs[j].HolderID {
			return hs[i].HolderID < hs[j].HolderID
		}
		return hs[i].EntityID < hs[j].EntityID
	})
	return hs
}

func entityOf(t testing.TB, db *store.DB, id string) kamp.Entity {
	t.Helper()
	e, err := db.Entity(context.Background(), store.System, id)
	if err != nil {
		t.Fatalf("Entity(%s): %v", id, err)
	}
	return e
}

type fileCount struct {
	name, kind             string
	rows, loaded, rejected int
}

func fileCounts(b kamp.ImportBatch) []fileCount {
	var out []fileCount
	for _, f := range b.Files {
		out = append(out, fileCount{f.Name, f.Kind, f.Rows, f.Loaded, f.Rejected})
	}
	return out
}

func TestPublicKindOf(t *testing.T) {
	tests := []struct {
		name, kind string
		ok         bool
	}{
		{gleifName, ingest.KindGLEIF, true},
		{"/data/RR-2026.XML", ingest.KindGLEIF, true},
		{"company_relationships.xml", ingest.KindGLEIF, true},
		{"lei2_rr.xml", ingest.KindGLEIF, true},
		{"lei-records.xml", "", false},
		{"brr.xml", "", false},
		{"statements.json", ingest.KindBODS, true},
		{"Register.JSONL", ingest.KindBODS, true},
		{"bods.csv", "", false},
		{"gleif-rr.csv", "", false},
		{"rr.xml.gz", ingest.KindGLEIF, true},
		{"20261101-gleif-concatenated-file-rr.xml.gz", ingest.KindGLEIF, true},
		{"statements.jsonl.gz", ingest.KindBODS, true},
		{"entities.csv.gz", ingest.KindEntities, true},
		{"rr.gz", "", false},
	}
	for _, tc := range tests {
		kind, ok := ingest.KindOf(tc.name)
		if kind != tc.kind || ok != tc.ok {
			t.Errorf("KindOf(%q) = %q, %v; want %q, %v", tc.name, kind, ok, tc.kind, tc.ok)
		}
	}
}

// TestImportGLEIF imports the RR-CDF fixture with an entities.csv that gives
// the top company's LEI to an entity of its own: direct consolidations load
// as agreement holdings, the inactive one and the branch are passed over, and
// the ultimate parents are compared with kamp's.
func TestImportGLEIF(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		files := map[string]string{
			"entities.csv": lines("id,name,lei,is_client", "TOP,Top Group plc,"+leiTop+",1"),
			gleifName:      fixture(t, gleifName),
		}
		res := runFiles(t, db, ingest.Options{}, files)
		if res.Batch.Status != kamp.ImportLoaded || res.ErrorCount != 0 {
			t.Fatalf("status %q, bad rows %s", res.Batch.Status, fmtErrs(res.Errors))
		}
		checkStored(t, db, res)
		want := []fileCount{{"entities.csv", ingest.KindEntities, 1, 1, 0}, {gleifName, ingest.KindGLEIF, 9, 7, 0}}
		if got := fileCounts(res.Batch); !reflect.DeepEqual(got, want) {
			t.Errorf("files %+v, want %+v", got, want)
		}
		if !hasWarning(res.Warnings, gleifName, "2 records gave nothing") {
			t.Errorf("warnings %q", res.Warnings)
		}
		wantH := []kamp.Holding{
			{HolderID: leiParent, EntityID: leiSub, Share: 60_500_000, Agreement: true, AsOf: "2026-10-15"},
			{HolderID: leiSub, EntityID: leiGrand, Agreement: true, AsOf: "2026-09-01"},
			{HolderID: "TOP", EntityID: leiParent, Share: 100_000_000, Agreement: true, AsOf: "2026-10-15"},
		}
		if got := holdings(t, db); !reflect.DeepEqual(got, wantH) {
			t.Errorf("holdings:\ngot  %+v\nwant %+v", got, wantH)
		}
		if e := entityOf(t, db, "TOP"); e.Name != "Top Group plc" || !e.IsClient {
			t.Errorf("the known entity was overwritten: %+v", e)
		}
		for _, lei := range []string{leiParent, leiSub, leiGrand, leiOther} {
			e := entityOf(t, db, lei)
			if e.Name != lei || e.LEI != lei || e.Kind != kamp.KindCompany || e.IsClient {
				t.Errorf("entity %s = %+v", lei, e)
			}
		}
		// OTHER's direct consolidation is inactive: kamp finds no
		// controller, GLEIF names TOP as its ultimate parent.
		wantD := []ownership.Disagreement{{Entity: leiOther, GLEIF: "TOP", Kamp: leiOther}}
		if !reflect.DeepEqual(res.Disagreements, wantD) {
			t.Errorf("disagreements %+v, want %+v", res.Disagreements, wantD)
		}
		// Re-importing the same file is a no-op.
		again := run(t, db, ingest.Options{}, writeFiles(t, map[string]string{gleifName: files[gleifName]}))
		if !again.Batch.Files[0].Skipped || len(again.Disagreements) != 0 {
			t.Errorf("re-import: %+v, disagreements %+v", again.Batch.Files, again.Disagreements)
		}
	})
}

// TestImportGLEIFGzip imports the RR-CDF fixture compressed, as GLEIF
// publishes it, and finds the same holdings as from the plain file.
func TestImportGLEIFGzip(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write([]byte(fixture(t, gleifName))); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		res := runFiles(t, db, ingest.Options{}, map[string]string{
			"entities.csv":    lines("id,name,lei,is_client", "TOP,Top Group plc,"+leiTop+",1"),
			gleifName + ".gz": buf.String(),
		})
		if res.Batch.Status != kamp.ImportLoaded || res.ErrorCount != 0 {
			t.Fatalf("status %q, bad rows %s", res.Batch.Status, fmtErrs(res.Errors))
		}
		if got := fileCounts(res.Batch); len(got) != 2 || got[1].kind != ingest.KindGLEIF || got[1].loaded != 7 {
			t.Errorf("files %+v", got)
		}
		if got := holdings(t, db); len(got) != 3 || got[0].HolderID != leiParent || got[2].HolderID != "TOP" {
			t.Errorf("holdings %+v", got)
		}
		// A file named .gz that is not gzip is read as it is; a broken
		// gzip stream is a bad file, and nothing loads.
		bad := runFiles(t, db, ingest.Options{}, map[string]string{"more-rr.xml.gz": "\x1f\x8bnot gzip"})
		if bad.Batch.Status == kamp.ImportLoaded {
			t.Errorf("a broken gzip file loaded: %+v", bad.Batch)
		}
	})
}

// TestImportBODS imports the two BODS fixtures with an entities.csv whose
// entity has the LEI of a BODS entity statement.
func TestImportBODS(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		files := map[string]string{
			"entities.csv":          lines("id,name,lei,is_client", "HARB,港湾控股,"+leiHarbor+",1"),
			"bods-sample.json":      fixture(t, "bods-sample.json"),
			"bods-statements.jsonl": fixture(t, "bods-statements.jsonl"),
		}
		res := runFiles(t, db, ingest.Options{}, files)
		if res.Batch.Status != kamp.ImportLoaded || res.ErrorCount != 0 {
			t.Fatalf("status %q, bad rows %s", res.Batch.Status, fmtErrs(res.Errors))
		}
		checkStored(t, db, res)
		want := []fileCount{
			{"entities.csv", ingest.KindEntities, 1, 1, 0},
			{"bods-sample.json", ingest.KindBODS, 6, 5, 0},
			{"bods-statements.jsonl", ingest.KindBODS, 7, 4, 0},
		}
		if got := fileCounts(res.Batch); !reflect.DeepEqual(got, want) {
			t.Errorf("files %+v, want %+v", got, want)
		}
		opco := ownership.RecordKey("register/entity/opco 7")
		wantH := []kamp.Holding{
			{HolderID: "HARB", EntityID: opco, Share: 50_000_001, AsOf: "2026-10-03"},
			{HolderID: "person-zhang-wei", EntityID: "HARB", Share: 25_000_000, Agreement: true, AsOf: "2026-10-04"},
			{HolderID: "sasac-test", EntityID: "cn-co-1", Share: 30_000_000, Agreement: true, AsOf: "2026-09-30"},
		}
		if got := holdings(t, db); !reflect.DeepEqual(got, wantH) {
			t.Errorf("holdings:\ngot  %+v\nwant %+v", got, wantH)
		}
		checks := []struct {
			id   string
			want kamp.Entity
		}{
			{"HARB", kamp.Entity{ID: "HARB", Name: "港湾控股", Kind: kamp.KindCompany, LEI: leiHarbor, Country: "CN", IsClient: true}},
			{opco, kamp.Entity{ID: opco, Name: "Harbour Operations Co", Kind: kamp.KindCompany, Country: "CN"}},
			{"person-zhang-wei", kamp.Entity{ID: "person-zhang-wei", Name: "Zhang Wei", Kind: kamp.KindPerson, Country: "CN"}},
			{"sasac-test", kamp.Entity{ID: "sasac-test", Name: "State Assets Commission (test)", Kind: kamp.KindState, Country: "CN"}},
			{"p-li", kamp.Entity{ID: "p-li", Name: "Li Na", Kind: kamp.KindPerson, Country: "CN"}},
		}
		for _, c := range checks {
			if got := entityOf(t, db, c.id); got != c.want {
				t.Errorf("entity %s = %+v, want %+v", c.id, got, c.want)
			}
		}
		if _, err := db.Entity(context.Background(), store.System, "GB-COH-01234567"); kamp.ErrorCode(err) != kamp.ENOTFOUND {
			t.Errorf("the statement with a known LEI made an entity of its own: %v", err)
		}
		if len(res.Disagreements) != 0 {
			t.Errorf("disagreements without GLEIF: %+v", res.Disagreements)
		}
	})
}

// TestImportPublicBadRecords checks that bad records reject the import with
// located bad rows, and that quarantine loads the good ones.
func TestImportPublicBadRecords(t *testing.T) {
	badRR := strings.Replace(fixture(t, gleifName), "<rr:NodeID>"+leiGrand+"</rr:NodeID>", "<rr:NodeID>5493003KAMPGRANDC014</rr:NodeID>", 1)
	bodsArray := `[
{"recordId":"co","recordType":"entity","recordDetails":{"name":"Co"}},
{"recordId":"r1","recordType":"relationship","recordDetails":{"subject":"co","interestedParty":"ghost","interests":[{"type":"appointmentOfBoard"}]}},
{"recordId":"r2","recordType":"relationship","recordDetails":{"subject":"co","interestedParty":"co2","interests":[{"type":"shareholding","share":{"exact":101}}]}},
{"recordId":"co2","recordType":"entity","recordDetails":{"name":"Co 2"}},
{"recordId":"r3","recordType":"relationship","recordDetails":{"subject":"co","interestedParty":"co2","interests":[{"type":"shareholding","share":{"exact":70}}]}}
]`
	tests := []struct {
		name       string
		files      map[string]string
		quarantine bool
		status     string
		errs       []kamp.RowError
		holdings   int
	}{
		{"bad LEI", map[string]string{gleifName: badRR}, false, kamp.ImportRejected,
			[]kamp.RowError{{File: gleifName, Line: 90, Column: "StartNode/NodeID", Value: "5493003KAMPGRANDC014", Reason: "record 5493003KAMPGRANDC014 -> " + leiSub + ": "}}, 0},
		{"bad LEI, quarantined", map[string]string{gleifName: badRR}, true, kamp.ImportPartial,
			[]kamp.RowError{{File: gleifName, Line: 90, Column: "StartNode/NodeID", Value: "5493003KAMPGRANDC014", Reason: "(column 3)"}}, 2},
		{"BODS array", map[string]string{"s.json": bodsArray}, false, kamp.ImportRejected,
			[]kamp.RowError{
				{File: "s.json", Line: 2, Column: "recordDetails.interestedParty", Value: "ghost", Reason: "record r1: unknown party"},
				{File: "s.json", Line: 3, Column: "recordDetails.interests[0].share", Value: "101", Reason: "record r2: a percentage must be between 0 and 100 (byte "},
			}, 0},
		{"BODS array, quarantined", map[string]string{"s.json": bodsArray}, true, kamp.ImportPartial,
			[]kamp.RowError{
				{File: "s.json", Line: 2, Column: "recordDetails.interestedParty", Value: "ghost", Reason: "unknown party"},
				{File: "s.json", Line: 3, Column: "recordDetails.interests[0].share", Value: "101", Reason: "between 0 and 100"},
			}, 1},
		{"JSON Lines syntax error rejects even with quarantine", map[string]string{"s.jsonl": "{\"recordId\":\"co\",\"recordType\":\"entity\"}\n{\"recordId\":\n"}, true, kamp.ImportRejected,
			[]kamp.RowError{{File: "s.jsonl", Line: 2, Reason: "malformed JSON"}}, 0},
		{"XML syntax error", map[string]string{"rr.xml": "<a>\n<RelationshipRecord>\n</a>\n"}, false, kamp.ImportRejected,
			[]kamp.RowError{{File: "rr.xml", Line: 3, Reason: "malformed XML"}}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				res := runFiles(t, db, ingest.Options{Quarantine: tc.quarantine}, tc.files)
				if res.Batch.Status != tc.status {
					t.Errorf("status %q, want %q", res.Batch.Status, tc.status)
				}
				matchErrors(t, res.Errors, tc.errs)
				checkStored(t, db, res)
				if got := holdings(t, db); len(got) != tc.holdings {
					t.Errorf("%d holdings stored, want %d: %+v", len(got), tc.holdings, got)
				}
			})
		})
	}
}
