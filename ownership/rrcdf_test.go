package ownership_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/ownership"
)

const (
	leiTop    = "5493004KAMPTOPCO0084"
	leiParent = "5493001KAMPPARENT032"
	leiSub    = "5493002KAMPSUBSID047"
	leiGrand  = "5493003KAMPGRANDC013"
	leiOther  = "5493005KAMPOTHER0049"
)

const gleifFixture = "testdata/20261101-gleif-concatenated-file-rr.xml"

func readAllRR(t testing.TB, data []byte) ([]ownership.Relationship, error) {
	t.Helper()
	var out []ownership.Relationship
	err := ownership.ReadRRCDF(bytes.NewReader(data), "rr.xml", func(r ownership.Relationship) error {
		out = append(out, r)
		return nil
	})
	return out, err
}

func TestReadRRCDFFixture(t *testing.T) {
	data, err := os.ReadFile(gleifFixture)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := readAllRR(t, data)
	if err != nil {
		t.Fatalf("ReadRRCDF: %v", err)
	}
	if len(recs) != 9 {
		t.Fatalf("got %d records, want 9", len(recs))
	}
	r := recs[1]
	if r.StartNode.ID != leiSub || r.EndNode.ID != leiParent || r.StartNode.IDType != "LEI" {
		t.Errorf("nodes = %+v -> %+v", r.StartNode, r.EndNode)
	}
	if r.Type != ownership.DirectlyConsolidatedBy || r.Status != "ACTIVE" || r.RegistrationStatus != "PUBLISHED" {
		t.Errorf("type %q status %q registration %q", r.Type, r.Status, r.RegistrationStatus)
	}
	if len(r.Quantifiers) != 1 || r.Quantifiers[0].Amount != "60.5" || r.Quantifiers[0].Units != "PERCENTAGE" {
		t.Errorf("quantifiers = %+v", r.Quantifiers)
	}
	if len(r.Periods) != 1 || r.Periods[0].Type != "ACCOUNTING_PERIOD" || len(r.Qualifiers) != 1 || r.Qualifiers[0].Category != "IFRS" {
		t.Errorf("periods %+v qualifiers %+v", r.Periods, r.Qualifiers)
	}
	// Every record starts on a line of its own: check them against the file.
	lines := strings.Split(string(data), "\n")
	for i, r := range recs {
		if r.Line < 1 || r.Line > len(lines) || !strings.Contains(lines[r.Line-1], "<rr:RelationshipRecord>") || r.Column != 3 {
			t.Errorf("record %d: line %d column %d is not its start tag", i, r.Line, r.Column)
		}
	}
	if recs[0].Line != 10 {
		t.Errorf("first record on line %d, want 10", recs[0].Line)
	}
}

func TestReadRRCDFErrors(t *testing.T) {
	stop := errors.New("stop")
	tests := []struct {
		name, doc  string
		fn         error
		wantLine   int
		wantReason string
		wantErr    error
	}{
		{"not closed", "<a>\n<RelationshipRecord>\n<Relationship>\n", nil, 4, "malformed XML", nil},
		{"mismatched tag", "<a>\n<b></c>\n</a>", nil, 2, "malformed XML", nil},
		{"no records", "<RelationshipData>\n</RelationshipData>\n", nil, 0, "no RelationshipRecord", nil},
		{"empty", "", nil, 0, "no RelationshipRecord", nil},
		{"not xml", "{\"a\": 1}", nil, 0, "no RelationshipRecord", nil},
		{"callback error", "<x><RelationshipRecord/></x>", stop, 0, "", stop},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ownership.ReadRRCDF(strings.NewReader(tc.doc), "f.xml", func(ownership.Relationship) error { return tc.fn })
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			var e *ownership.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v (%T), want *ownership.Error", err, err)
			}
			if e.File != "f.xml" || !strings.Contains(e.Reason, tc.wantReason) {
				t.Errorf("err = %+v", e)
			}
			if tc.wantLine > 0 && e.Line != tc.wantLine {
				t.Errorf("line = %d, want %d (%v)", e.Line, tc.wantLine, err)
			}
			if !strings.HasPrefix(err.Error(), "f.xml") {
				t.Errorf("message %q does not start with the file", err)
			}
		})
	}
}

// rr builds one RelationshipRecord for tests.
func rr(start, end, typ, status string, quants ...ownership.Quantifier) ownership.Relationship {
	return ownership.Relationship{
		StartNode: ownership.Node{ID: start, IDType: "LEI"}, EndNode: ownership.Node{ID: end, IDType: "LEI"},
		Type: typ, Status: status, Quantifiers: quants, LastUpdate: "2026-10-15T08:30:00Z", Line: 7, Column: 3,
	}
}

func TestMapRR(t *testing.T) {
	pct := func(a string) ownership.Quantifier {
		return ownership.Quantifier{Method: "ACCOUNTING_CONSOLIDATION", Amount: a, Units: "PERCENTAGE"}
	}
	bic := rr(leiSub, leiParent, ownership.DirectlyConsolidatedBy, "ACTIVE")
	bic.EndNode.IDType = "BIC"
	noDate := rr(leiSub, leiParent, ownership.DirectlyConsolidatedBy, "ACTIVE")
	noDate.LastUpdate = "garbage"
	tests := []struct {
		name      string
		rec       ownership.Relationship
		want      ownership.Link
		ok        bool
		errField  string
		errReason string
	}{
		{"direct with share", rr(leiSub, leiParent, ownership.DirectlyConsolidatedBy, "ACTIVE", pct("60.5")),
			ownership.Link{Child: leiSub, Parent: leiParent, Share: 60_500_000, AsOf: "2026-10-15", Line: 7}, true, "", ""},
		{"direct without share", rr(leiSub, leiParent, ownership.DirectlyConsolidatedBy, "ACTIVE"),
			ownership.Link{Child: leiSub, Parent: leiParent, AsOf: "2026-10-15", Line: 7}, true, "", ""},
		{"share from a percentage of another method", rr(leiSub, leiParent, ownership.DirectlyConsolidatedBy, "ACTIVE",
			ownership.Quantifier{Method: "NUMBER_OF_SHARES", Amount: "1000", Units: "SHARES"}, ownership.Quantifier{Method: "OTHER", Amount: "75", Units: "PERCENTAGE"}),
			ownership.Link{Child: leiSub, Parent: leiParent, Share: 75_000_000, AsOf: "2026-10-15", Line: 7}, true, "", ""},
		{"consolidation method preferred", rr(leiSub, leiParent, ownership.DirectlyConsolidatedBy, "ACTIVE",
			ownership.Quantifier{Method: "OTHER", Amount: "75", Units: "PERCENTAGE"}, pct("80")),
			ownership.Link{Child: leiSub, Parent: leiParent, Share: 80_000_000, AsOf: "2026-10-15", Line: 7}, true, "", ""},
		{"ultimate", rr(leiSub, leiTop, ownership.UltimatelyConsolidatedBy, "ACTIVE"),
			ownership.Link{Child: leiSub, Parent: leiTop, Ultimate: true, AsOf: "2026-10-15", Line: 7}, true, "", ""},
		{"no date", noDate, ownership.Link{Child: leiSub, Parent: leiParent, Line: 7}, true, "", ""},
		{"inactive", rr(leiSub, leiParent, ownership.DirectlyConsolidatedBy, "INACTIVE"), ownership.Link{}, false, "", ""},
		{"branch", rr(leiSub, leiParent, "IS_INTERNATIONAL_BRANCH_OF", "ACTIVE"), ownership.Link{}, false, "", ""},
		{"not an LEI node", bic, ownership.Link{}, false, "", ""},
		{"bad LEI", rr("5493002KAMPSUBSID048", leiParent, ownership.DirectlyConsolidatedBy, "ACTIVE"), ownership.Link{}, false, "StartNode/NodeID", "LEI"},
		{"missing end", rr(leiSub, "", ownership.UltimatelyConsolidatedBy, "ACTIVE"), ownership.Link{}, false, "EndNode/NodeID", "missing"},
		{"self", rr(leiSub, leiSub, ownership.DirectlyConsolidatedBy, "ACTIVE"), ownership.Link{}, false, "EndNode/NodeID", "itself"},
		{"share over 100", rr(leiSub, leiParent, ownership.DirectlyConsolidatedBy, "ACTIVE", pct("100.5")), ownership.Link{}, false, "RelationshipQuantifier/QuantifierAmount", "between 0 and 100"},
		{"share not a number", rr(leiSub, leiParent, ownership.DirectlyConsolidatedBy, "ACTIVE", pct("sixty")), ownership.Link{}, false, "RelationshipQuantifier/QuantifierAmount", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok, err := ownership.MapRR("rr.xml", tc.rec)
			if tc.errField != "" {
				var e *ownership.Error
				if !errors.As(err, &e) {
					t.Fatalf("err = %v, want *ownership.Error", err)
				}
				if e.Field != tc.errField || !strings.Contains(e.Reason, tc.errReason) || e.Line != 7 || e.Column != 3 || e.Record != tc.rec.Key() {
					t.Errorf("err = %+v", e)
				}
				if msg := err.Error(); !strings.HasPrefix(msg, "rr.xml:7:3: record ") {
					t.Errorf("message %q", msg)
				}
				return
			}
			if err != nil || ok != tc.ok || got != tc.want {
				t.Errorf("MapRR = %+v, %v, %v; want %+v, %v", got, ok, err, tc.want, tc.ok)
			}
		})
	}
}

func TestLinkHolding(t *testing.T) {
	l := ownership.Link{Child: leiSub, Parent: leiParent, Share: 60_000_000, AsOf: "2026-10-15"}
	got := l.Holding("P", "S")
	want := kamp.Holding{HolderID: "P", EntityID: "S", Share: 60_000_000, Agreement: true, AsOf: "2026-10-15"}
	if got != want {
		t.Errorf("Holding = %+v, want %+v", got, want)
	}
	e := ownership.LEIEntity(leiTop)
	if e.ID != leiTop || e.LEI != leiTop || e.Name != leiTop || e.Kind != kamp.KindCompany || e.IsClient || e.Country != "CN" {
		t.Errorf("LEIEntity = %+v", e)
	}
}

func TestParsePercent(t *testing.T) {
	tests := []struct {
		in   string
		want kamp.Share
		ok   bool
	}{
		{"100", 100_000_000, true},
		{"100.00", 100_000_000, true},
		{"0", 0, true},
		{"33.3333333333", 33_333_333, true},
		{"12.5", 12_500_000, true},
		{"5e1", 50_000_000, true},
		{"2.5E-1", 250_000, true},
		{"+7", 7_000_000, true},
		{"100.0000009", 100_000_000, true},
		{"100.000001", 0, false},
		{"-1", 0, false},
		{"", 0, false},
		{"abc", 0, false},
		{"1e400", 0, false},
		{"12.", 0, false},
		{strings.Repeat("9", 40), 0, false},
	}
	for _, tc := range tests {
		got, err := ownership.ParsePercent(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParsePercent(%q) = %v, %v; want %v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func FuzzRRCDF(f *testing.F) {
	data, err := os.ReadFile(gleifFixture)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add(data[:len(data)/2])
	f.Add([]byte("<RelationshipRecord><Relationship><StartNode><NodeID>x</NodeID></StartNode></Relationship></RelationshipRecord>"))
	f.Add([]byte("<a><RelationshipRecord></a>"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		err := ownership.ReadRRCDF(bytes.NewReader(data), "f.xml", func(r ownership.Relationship) error {
			n++
			l, ok, err := ownership.MapRR("f.xml", r)
			if err != nil {
				var e *ownership.Error
				if !errors.As(err, &e) || e.Reason == "" {
					t.Fatalf("MapRR error %v is not a located *Error", err)
				}
				return nil
			}
			if ok && (l.Child == l.Parent || l.Share < 0 || l.Share > 100_000_000) {
				t.Fatalf("MapRR gave a bad link %+v", l)
			}
			return nil
		})
		if err != nil {
			var e *ownership.Error
			if !errors.As(err, &e) || e.File != "f.xml" || e.Reason == "" {
				t.Fatalf("error %v (%T) is not a located *Error", err, err)
			}
		} else if n == 0 {
			t.Fatalf("no error and no records")
		}
	})
}

func BenchmarkReadRRCDF(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString(`<rr:RelationshipData xmlns:rr="http://www.gleif.org/data/schema/rr/2016"><rr:RelationshipRecords>`)
	for i := range 1000 {
		fmt.Fprintf(&buf, `<rr:RelationshipRecord><rr:Relationship><rr:StartNode><rr:NodeID>%s</rr:NodeID><rr:NodeIDType>LEI</rr:NodeIDType></rr:StartNode><rr:EndNode><rr:NodeID>%s</rr:NodeID><rr:NodeIDType>LEI</rr:NodeIDType></rr:EndNode><rr:RelationshipType>IS_DIRECTLY_CONSOLIDATED_BY</rr:RelationshipType><rr:RelationshipStatus>ACTIVE</rr:RelationshipStatus><rr:RelationshipQuantifiers><rr:RelationshipQuantifier><rr:MeasurementMethod>ACCOUNTING_CONSOLIDATION</rr:MeasurementMethod><rr:QuantifierAmount>%d</rr:QuantifierAmount><rr:QuantifierUnits>PERCENTAGE</rr:QuantifierUnits></rr:RelationshipQuantifier></rr:RelationshipQuantifiers></rr:Relationship><rr:Registration><rr:LastUpdateDate>2026-10-15T08:30:00Z</rr:LastUpdateDate></rr:Registration></rr:RelationshipRecord>`+"\n", leiSub, leiParent, i%100)
	}
	buf.WriteString(`</rr:RelationshipRecords></rr:RelationshipData>`)
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		err := ownership.ReadRRCDF(bytes.NewReader(data), "b.xml", func(r ownership.Relationship) error {
			_, _, err := ownership.MapRR("b.xml", r)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
