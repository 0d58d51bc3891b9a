package ownership_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/ownership"
)

func readAllBODS(t testing.TB, data []byte) ([]ownership.Statement, error) {
	t.Helper()
	var out []ownership.Statement
	err := ownership.ReadBODS(bytes.NewReader(data), "b.json", func(s ownership.Statement) error {
		out = append(out, s)
		return nil
	})
	return out, err
}

func TestReadBODSFixtures(t *testing.T) {
	tests := []struct {
		file       string
		n          int
		lines      []int
		recordIDs  []string
		recordType []string
	}{
		{"testdata/bods-sample.json", 6, []int{1, 2, 3, 4, 5, 6},
			[]string{"GB-COH-01234567", "register/entity/opco 7", "person-zhang-wei", "rel-holdco-opco", "rel-zhang-holdco", "rel-zhang-opco-indirect"},
			[]string{"entity", "entity", "person", "relationship", "relationship", "relationship"}},
		{"testdata/bods-statements.jsonl", 7, []int{1, 2, 4, 5, 6, 7, 8},
			[]string{"sasac-test", "cn-co-1", "p-li", "r-a", "r-b", "r-c", "r-c"},
			[]string{"entity", "entity", "person", "relationship", "relationship", "relationship", "relationship"}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			sts, err := readAllBODS(t, data)
			if err != nil {
				t.Fatalf("ReadBODS: %v", err)
			}
			if len(sts) != tc.n {
				t.Fatalf("got %d statements, want %d", len(sts), tc.n)
			}
			for i, s := range sts {
				if s.Line != tc.lines[i] || s.RecordID != tc.recordIDs[i] || s.RecordType != tc.recordType[i] {
					t.Errorf("statement %d: line %d record %q type %q", i, s.Line, s.RecordID, s.RecordType)
				}
				if s.Offset < 0 || s.Offset >= int64(len(data)) || data[s.Offset] != '{' {
					t.Errorf("statement %d: offset %d is not its start", i, s.Offset)
				}
			}
		})
	}
}

func TestReadBODSDetails(t *testing.T) {
	data, err := os.ReadFile("testdata/bods-sample.json")
	if err != nil {
		t.Fatal(err)
	}
	sts, err := readAllBODS(t, data)
	if err != nil {
		t.Fatal(err)
	}
	d := sts[0].Details
	if d.Name != "Harbour Holdings Ltd" || d.EntityType == nil || d.EntityType.Type != "registeredEntity" || d.Jurisdiction.Code != "GB" || len(d.Identifiers) != 2 {
		t.Errorf("entity details = %+v", d)
	}
	r := sts[3].Details
	if r.Subject.RecordID != "register/entity/opco 7" || r.InterestedParty.RecordID != "GB-COH-01234567" || len(r.Interests) != 2 {
		t.Fatalf("relationship details = %+v", r)
	}
	if sh := r.Interests[0].Share; sh == nil || string(sh.ExclusiveMinimum) != "50" || sh.Maximum != "75" {
		t.Errorf("share = %+v", sh)
	}
	var p ownership.Party
	if err := json.Unmarshal([]byte(`{"reason":"informationUnknownToPublisher"}`), &p); err != nil || p.Unspecified != "informationUnknownToPublisher" || p.RecordID != "" {
		t.Errorf("unspecified party = %+v, %v", p, err)
	}
	if err := json.Unmarshal([]byte(`{}`), &p); err != nil || p.Unspecified != "unspecified" {
		t.Errorf("empty party = %+v, %v", p, err)
	}
	if err := json.Unmarshal([]byte(`[1]`), &p); err == nil {
		t.Errorf("an array party was accepted")
	}
}

func TestReadBODSErrors(t *testing.T) {
	stop := errors.New("stop")
	tests := []struct {
		name, doc  string
		fn         error
		wantLine   int
		wantRecord string
		wantField  string
		wantReason string
		wantErr    error
	}{
		{"empty", "  \n", nil, 0, "", "", "empty file", nil},
		{"array syntax", "[\n{\"recordId\": \"a\"},\n{\"recordId\": }\n]", nil, 2, "", "", "malformed JSON", nil},
		{"array type", `[{"recordId":"a"},{"recordId":"b","recordDetails":{"name":5}}]`, nil, 2, "b", "recordDetails.name", "wrong JSON type", nil},
		{"array unclosed", `[{"recordId":"a"}`, nil, 1, "", "", "malformed JSON", nil},
		{"array trailing", `[{"recordId":"a"}] {}`, nil, 1, "", "", "more data after", nil},
		{"lines syntax", "{\"recordId\":\"a\"}\n{\"recordId\":\"b\",}\n", nil, 2, "", "", "malformed JSON", nil},
		{"lines type", "{\"recordId\":\"a\"}\n\n{\"recordId\":\"c\",\"recordType\":[]}\n", nil, 3, "c", "recordType", "wrong JSON type", nil},
		{"lines two values", "{\"recordId\":\"a\"} {\"recordId\":\"b\"}\n", nil, 1, "a", "", "more than one JSON value", nil},
		{"not an object", "42\n", nil, 1, "", "", "wrong JSON type", nil},
		{"callback error", "{\"recordId\":\"a\"}\n", stop, 0, "", "", "", stop},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ownership.ReadBODS(strings.NewReader(tc.doc), "b.json", func(ownership.Statement) error { return tc.fn })
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
			if e.Line != tc.wantLine || e.Record != tc.wantRecord || e.Field != tc.wantField || !strings.Contains(e.Reason, tc.wantReason) {
				t.Errorf("err = %+v (%v)", e, err)
			}
			if !strings.HasPrefix(err.Error(), "b.json") {
				t.Errorf("message %q does not start with the file", err)
			}
		})
	}
}

func TestRecordKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"GB-COH-01234567", "GB-COH-01234567"},
		{"person_1.a", "person_1.a"},
		{strings.Repeat("a", 64), strings.Repeat("a", 64)},
	}
	for _, tc := range tests {
		if got := ownership.RecordKey(tc.in); got != tc.want {
			t.Errorf("RecordKey(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, in := range []string{"register/entity/opco 7", strings.Repeat("a", 65), "", "公司"} {
		got := ownership.RecordKey(in)
		if !strings.HasPrefix(got, "bods-") || len(got) != 21 || got != ownership.RecordKey(in) {
			t.Errorf("RecordKey(%q) = %q, want bods- and 16 hex digits", in, got)
		}
	}
	if ownership.RecordKey("a/b") == ownership.RecordKey("a/c") {
		t.Errorf("different recordIds share a key")
	}
}

func statement(t *testing.T, js string) ownership.Statement {
	t.Helper()
	var s ownership.Statement
	d := json.NewDecoder(strings.NewReader(js))
	d.UseNumber()
	if err := d.Decode(&s); err != nil {
		t.Fatalf("decode %s: %v", js, err)
	}
	s.Line, s.Offset = 3, 120
	return s
}

func TestMapBODSEntity(t *testing.T) {
	tests := []struct {
		name string
		js   string
		want kamp.Entity
		ok   bool
		err  string
	}{
		{"company with LEI", `{"recordId":"GB-COH-1","recordType":"entity","recordDetails":{"name":" Harbour ","jurisdiction":{"code":"gb"},"identifiers":[{"scheme":"GB-COH","id":"1"},{"scheme":"XI-LEI","id":"` + leiTop + `"}]}}`,
			kamp.Entity{ID: "GB-COH-1", Name: "Harbour", Kind: kamp.KindCompany, LEI: leiTop, Country: "GB"}, true, ""},
		{"state body", `{"recordId":"s","recordType":"entity","recordDetails":{"entityType":{"type":"stateBody"},"name":"SASAC"}}`,
			kamp.Entity{ID: "s", Name: "SASAC", Kind: kamp.KindState, Country: "CN"}, true, ""},
		{"unnamed entity, odd id, bad country", `{"recordId":"x y","recordType":"entity","recordDetails":{"jurisdiction":{"code":"Narnia"}}}`,
			kamp.Entity{ID: ownership.RecordKey("x y"), Name: "x y", Kind: kamp.KindCompany, Country: "CN"}, true, ""},
		{"person", `{"recordId":"p","recordType":"person","recordDetails":{"names":[{"type":"alternative","fullName":"W"},{"type":"individual","fullName":"Zhang Wei"}],"nationalities":[{"code":"SG"}]}}`,
			kamp.Entity{ID: "p", Name: "Zhang Wei", Kind: kamp.KindPerson, Country: "SG"}, true, ""},
		{"person with another name", `{"recordId":"p","recordType":"person","recordDetails":{"names":[{"type":"alternative","fullName":"W"}]}}`,
			kamp.Entity{ID: "p", Name: "W", Kind: kamp.KindPerson, Country: "CN"}, true, ""},
		{"closed", `{"recordId":"p","recordType":"person","recordStatus":"closed"}`, kamp.Entity{}, false, ""},
		{"relationship", `{"recordId":"r","recordType":"relationship"}`, kamp.Entity{}, false, ""},
		{"no record id", `{"recordType":"entity","recordDetails":{"name":"A"}}`, kamp.Entity{}, false, "recordId"},
		{"bad LEI", `{"recordId":"e","recordType":"entity","recordDetails":{"identifiers":[{"scheme":"XI-LEI","id":"12345"}]}}`, kamp.Entity{}, false, "recordDetails.identifiers.id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok, err := ownership.MapBODSEntity("b.json", statement(t, tc.js))
			if tc.err != "" {
				var e *ownership.Error
				if !errors.As(err, &e) || e.Field != tc.err || e.Line != 3 || e.Offset != 120 {
					t.Fatalf("err = %v, want a located error on %s", err, tc.err)
				}
				return
			}
			if err != nil || ok != tc.ok || got != tc.want {
				t.Errorf("MapBODSEntity = %+v, %v, %v; want %+v, %v", got, ok, err, tc.want, tc.ok)
			}
		})
	}
}

func TestMapBODSRelationship(t *testing.T) {
	rel := func(interests string) string {
		return `{"recordId":"r1","recordType":"relationship","statementDate":"2026-10-03","recordDetails":{"subject":"co","interestedParty":"owner","interests":[` + interests + `]}}`
	}
	tie := func(share kamp.Share, agr bool) ownership.Tie {
		return ownership.Tie{Holder: "owner", Held: "co", HolderRecord: "owner", HeldRecord: "co", Share: share, Agreement: agr, AsOf: "2026-10-03", Line: 3}
	}
	tests := []struct {
		name string
		js   string
		want ownership.Tie
		ok   bool
		err  string
	}{
		{"exact", rel(`{"type":"shareholding","share":{"exact":51.5}}`), tie(51_500_000, false), true, ""},
		{"range takes the minimum", rel(`{"type":"shareholding","share":{"minimum":25,"maximum":50}}`), tie(25_000_000, false), true, ""},
		{"exclusive minimum number", rel(`{"type":"votingRights","share":{"exclusiveMinimum":50,"maximum":75}}`), tie(50_000_001, false), true, ""},
		{"exclusive minimum flag", rel(`{"type":"votingRights","share":{"minimum":50,"exclusiveMinimum":true}}`), tie(50_000_001, false), true, ""},
		{"exclusive minimum false", rel(`{"type":"votingRights","share":{"minimum":50,"exclusiveMinimum":false}}`), tie(50_000_000, false), true, ""},
		{"board appointment", rel(`{"type":"appointmentOfBoard"}`), tie(0, true), true, ""},
		{"senior managing official", rel(`{"type":"seniorManagingOfficial","directOrIndirect":"direct"}`), tie(0, true), true, ""},
		{"merge: max share and agreement", rel(`{"type":"shareholding","share":{"exact":30}},{"type":"votingRights","share":{"exact":45}},{"type":"otherInfluenceOrControl"}`), tie(45_000_000, true), true, ""},
		{"ended and indirect left out", rel(`{"type":"shareholding","share":{"exact":90},"endDate":"2020-01-01"},{"type":"shareholding","directOrIndirect":"indirect","share":{"exact":80}},{"type":"shareholding","share":{"exact":10}}`), tie(10_000_000, false), true, ""},
		{"economic rights only", rel(`{"type":"rightsToProfitOrIncome","share":{"exact":60}}`), ownership.Tie{}, false, ""},
		{"share without a value", rel(`{"type":"shareholding","share":{"maximum":25}}`), ownership.Tie{}, false, ""},
		{"no interests", rel(``), ownership.Tie{}, false, ""},
		{"closed", `{"recordId":"r1","recordType":"relationship","recordStatus":"closed","recordDetails":{"subject":"co","interestedParty":"owner","interests":[{"type":"appointmentOfBoard"}]}}`, ownership.Tie{}, false, ""},
		{"unspecified owner", `{"recordId":"r1","recordType":"relationship","recordDetails":{"subject":"co","interestedParty":{"reason":"informationUnknownToPublisher"},"interests":[{"type":"appointmentOfBoard"}]}}`, ownership.Tie{}, false, ""},
		{"entity statement", `{"recordId":"e","recordType":"entity"}`, ownership.Tie{}, false, ""},
		{"share over 100", rel(`{"type":"shareholding","share":{"exact":120}}`), ownership.Tie{}, false, "recordDetails.interests[0].share"},
		{"negative minimum", rel(`{"type":"appointmentOfBoard"},{"type":"shareholding","share":{"minimum":-5}}`), ownership.Tie{}, false, "recordDetails.interests[1].share"},
		{"exclusive minimum text", rel(`{"type":"shareholding","share":{"exclusiveMinimum":"50"}}`), ownership.Tie{}, false, "recordDetails.interests[0].share"},
		{"no subject", `{"recordId":"r1","recordType":"relationship","recordDetails":{"interestedParty":"owner","interests":[{"type":"appointmentOfBoard"}]}}`, ownership.Tie{}, false, "recordDetails.subject"},
		{"no owner", `{"recordId":"r1","recordType":"relationship","recordDetails":{"subject":"co","interests":[{"type":"appointmentOfBoard"}]}}`, ownership.Tie{}, false, "recordDetails.interestedParty"},
		{"self", `{"recordId":"r1","recordType":"relationship","recordDetails":{"subject":"co","interestedParty":"co","interests":[{"type":"appointmentOfBoard"}]}}`, ownership.Tie{}, false, "recordDetails.interestedParty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok, err := ownership.MapBODSRelationship("b.json", statement(t, tc.js))
			if tc.err != "" {
				var e *ownership.Error
				if !errors.As(err, &e) || e.Field != tc.err || e.Record != "r1" || e.Line != 3 {
					t.Fatalf("err = %v, want a located error on %s", err, tc.err)
				}
				return
			}
			if err != nil || ok != tc.ok || got != tc.want {
				t.Errorf("MapBODSRelationship = %+v, %v, %v; want %+v, %v", got, ok, err, tc.want, tc.ok)
			}
		})
	}
	h := tie(45_000_000, true).Holding("H", "E")
	if h != (kamp.Holding{HolderID: "H", EntityID: "E", Share: 45_000_000, Agreement: true, AsOf: "2026-10-03"}) {
		t.Errorf("Holding = %+v", h)
	}
}

func FuzzBODS(f *testing.F) {
	for _, p := range []string{"testdata/bods-sample.json", "testdata/bods-statements.jsonl"} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`[{"recordId":"r","recordType":"relationship","recordDetails":{"subject":"a","interestedParty":{"reason":"x"},"interests":[{"type":"shareholding","share":{"exclusiveMinimum":1e2}}]}}]`))
	f.Add([]byte("\xef\xbb\xbf{\"recordId\":\"a\"}\n"))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, data []byte) {
		err := ownership.ReadBODS(bytes.NewReader(data), "f.json", func(s ownership.Statement) error {
			if _, _, err := ownership.MapBODSEntity("f.json", s); err != nil {
				var e *ownership.Error
				if !errors.As(err, &e) || e.Reason == "" {
					t.Fatalf("MapBODSEntity error %v is not a located *Error", err)
				}
			}
			tie, ok, err := ownership.MapBODSRelationship("f.json", s)
			if err != nil {
				var e *ownership.Error
				if !errors.As(err, &e) || e.Reason == "" {
					t.Fatalf("MapBODSRelationship error %v is not a located *Error", err)
				}
			}
			if ok && (tie.Holder == tie.Held || tie.Share < 0 || tie.Share > 100_000_000 || (tie.Share == 0 && !tie.Agreement)) {
				t.Fatalf("bad tie %+v", tie)
			}
			return nil
		})
		if err != nil {
			var e *ownership.Error
			if !errors.As(err, &e) || e.File != "f.json" || e.Reason == "" {
				t.Fatalf("error %v (%T) is not a located *Error", err, err)
			}
		}
	})
}

func BenchmarkReadBODS(b *testing.B) {
	var buf bytes.Buffer
	for i := range 1000 {
		fmt.Fprintf(&buf, `{"statementId":"s%d","recordId":"r%d","recordType":"relationship","recordDetails":{"subject":"co%d","interestedParty":"p%d","interests":[{"type":"shareholding","directOrIndirect":"direct","share":{"minimum":25,"maximum":50}},{"type":"appointmentOfBoard"}]}}`+"\n", i, i, i, i)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		err := ownership.ReadBODS(bytes.NewReader(data), "b.jsonl", func(s ownership.Statement) error {
			_, _, err := ownership.MapBODSRelationship("b.jsonl", s)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
