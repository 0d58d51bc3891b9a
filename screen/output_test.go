package screen

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/kampbank/kamp"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// smallCase is the golden case: ten units, four currencies, a custom
// indicator, a negative revenue, a tie and units without metrics.
func smallCase(t testing.TB) (*Data, *Result) {
	units := []unitSpec{
		{"G001", 12}, {"G002", 3}, {"C1001", 1}, {"C1002", 1}, {"P-77", 2},
		{"G010", 5}, {"C2001", 1}, {"C2002", 1}, {"G003", 4}, {"Z9", 1},
	}
	ind := append(slices.Clone(kamp.StandardIndicators), "green_loans")
	rows := []rowSpec{
		{"G001", "CNY", "deposits_avg", "1200000000"},
		{"G001", "CNY", "loans_avg", "3400000000.5"},
		{"G001", "CNY", "revenue", "56000000"},
		{"G001", "USD", "revenue", "1000000"},
		{"G001", "CNY", "fee_income", "3200000"},
		{"G002", "HKD", "deposits_avg", "800000000"},
		{"G002", "", "revenue", "12000000.1234"},
		{"G002", "", "green_loans", "50000000"},
		{"C1001", "CNY", "deposits_avg", "5000000"},
		{"C1001", "CNY", "revenue", "-250000"},
		{"C1002", "EUR", "loans_avg", "900000"},
		{"C1002", "EUR", "revenue", "15000"},
		{"P-77", "CNY", "revenue", "1000000"},
		{"P-77", "CNY", "deposits_avg", "20000000"},
		{"G010", "CNY", "revenue", "1000000"},
		{"G010", "CNY", "deposits_avg", "20000000"},
		{"G003", "USD", "deposits_avg", "30000000"},
		{"G003", "USD", "loans_avg", "12000000"},
		{"G003", "CNY", "revenue", "9000000"},
		{"G003", "CNY", "green_loans", "150000000"},
		{"G003", "CNY", "fee_income", "-100"},
		{"Z9", "CNY", "fee_income", "800000"},
	}
	rates := Rates{"USD": rate(t, "7.1268"), "HKD": rate(t, "0.91234"), "EUR": rate(t, "7.7123456789")}
	d := build(t, units, ind, rows, rates)
	return d, mustScore(t, d, "revenue=0.35,deposits_avg=0.25,loans_avg=0.2,fee_income=0.1,green_loans=0.1")
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n%s\nwant:\n%s", name, got, want)
	}
}

func TestGoldenSmall(t *testing.T) {
	d, r := smallCase(t)
	var tiers, conc bytes.Buffer
	if err := WriteTiersCSV(&tiers, d, r); err != nil {
		t.Fatal(err)
	}
	if err := WriteConcentrationJSON(&conc, r); err != nil {
		t.Fatal(err)
	}
	golden(t, "small.tiers.csv", tiers.Bytes())
	golden(t, "small.concentration.json", conc.Bytes())
}

// TestTiersCSVReadsBack checks the CSV shape and that every float reads
// back to the same float64.
func TestTiersCSVReadsBack(t *testing.T) {
	d, r := smallCase(t)
	var buf bytes.Buffer
	if err := WriteTiersCSV(&buf, d, r); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := recs[0]; !slices.Equal(got, []string{"rank", "unit_id", "members", "score", "cum_share", "tier"}) {
		t.Fatalf("header = %q", got)
	}
	if len(recs) != d.Units()+1 {
		t.Fatalf("%d rows, want %d", len(recs)-1, d.Units())
	}
	for i, rec := range recs[1:] {
		u := r.Order[i]
		score, err1 := strconv.ParseFloat(rec[3], 64)
		cum, err2 := strconv.ParseFloat(rec[4], 64)
		if rec[0] != strconv.Itoa(i+1) || rec[1] != d.UnitID(u) || rec[2] != strconv.Itoa(int(d.Members(u))) ||
			err1 != nil || err2 != nil || score != r.Score[u] || cum != r.CumShare[u] || rec[5] != r.Tier[u].String() {
			t.Errorf("row %d = %q, want unit %s", i+1, rec, d.UnitID(u))
		}
	}
}

func TestTiersCSVQuoting(t *testing.T) {
	d := build(t, []unitSpec{{`a,"b"`, 1}, {" lead", 1}, {"plain", 1}}, kamp.StandardIndicators, nil, nil)
	r := mustScore(t, d, "revenue=1")
	var buf bytes.Buffer
	if err := WriteTiersCSV(&buf, d, r); err != nil {
		t.Fatal(err)
	}
	want := TiersHeader + "\n1,\" lead\",1,0,0,general\n2,\"a,\"\"b\"\"\",1,0,0,general\n3,plain,1,0,0,general\n"
	if got := buf.String(); got != want {
		t.Errorf("tiers.csv =\n%s\nwant\n%s", got, want)
	}
}

func TestWriteErrors(t *testing.T) {
	d, r := smallCase(t)
	other := build(t, []unitSpec{{"A", 1}}, kamp.StandardIndicators, nil, nil)
	wantCode(t, WriteTiersCSV(&bytes.Buffer{}, other, r), kamp.EINTERNAL, "the result has 10 units but the data 1")
	failing := errWriter{errors.New("disk full")}
	if err := WriteTiersCSV(failing, d, r); err == nil || !errors.Is(err, failing.err) {
		t.Errorf("WriteTiersCSV to a failing writer: %v", err)
	}
	if err := WriteConcentrationJSON(failing, r); err == nil || !errors.Is(err, failing.err) {
		t.Errorf("WriteConcentrationJSON to a failing writer: %v", err)
	}
}

type errWriter struct{ err error }

func (w errWriter) Write([]byte) (int, error) { return 0, w.err }

// TestConcentrationJSONShape decodes the JSON and compares it with the
// result.
func TestConcentrationJSONShape(t *testing.T) {
	for _, n := range []int{0, 1, 10} {
		var us []unitSpec
		var rs []rowSpec
		for i := range n {
			id := "U" + strconv.Itoa(i)
			us = append(us, unitSpec{id, 1})
			rs = append(rs, rowSpec{id, "", "revenue", strconv.Itoa(i * i)})
		}
		r := mustScore(t, build(t, us, kamp.StandardIndicators, rs, nil), "revenue=1")
		var buf bytes.Buffer
		if err := WriteConcentrationJSON(&buf, r); err != nil {
			t.Fatal(err)
		}
		var got struct {
			Units      int     `json:"units"`
			TotalScore float64 `json:"total_score"`
			Top5Units  int     `json:"top5_units"`
			Top5Share  float64 `json:"top5_share"`
			Top20Units int     `json:"top20_units"`
			Top20Share float64 `json:"top20_share"`
			Gini       float64 `json:"gini"`
			Tiers      struct {
				Core    int `json:"core"`
				Key     int `json:"key"`
				General int `json:"general"`
			} `json:"tiers"`
			Lorenz [][2]float64 `json:"lorenz"`
		}
		dec := json.NewDecoder(&buf)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		c := r.Concentration
		if got.Units != c.Units || got.TotalScore != c.TotalScore || got.Top5Units != c.Top5Units ||
			got.Top5Share != c.Top5Share || got.Top20Units != c.Top20Units || got.Top20Share != c.Top20Share ||
			got.Gini != c.Gini || got.Tiers.Core != c.Tiers.Core || got.Tiers.Key != c.Tiers.Key ||
			got.Tiers.General != c.Tiers.General || len(got.Lorenz) != len(c.Lorenz) {
			t.Fatalf("n=%d: decoded %+v, result %+v", n, got, c)
		}
		for i, p := range c.Lorenz {
			if got.Lorenz[i] != [2]float64{p.X, p.Y} {
				t.Errorf("n=%d: Lorenz point %d = %v, want %v", n, i, got.Lorenz[i], p)
			}
		}
	}
}

// TestWriteTiersCSVParts checks that tiers.csv formatted in parts on
// several goroutines is the file formatted in one go: every rank once, in
// order.
func TestWriteTiersCSVParts(t *testing.T) {
	d := benchData(3*tiersPart+7, 5*tiersPart, true).aggregate(t)
	r, err := d.Score(DefaultWeights())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteTiersCSV(&buf, d, r); err != nil {
		t.Fatal(err)
	}
	want := appendTiersRows([]byte(TiersHeader+"\n"), d, r, 0, len(r.Order))
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("tiers.csv in parts differs from tiers.csv in one go (%d and %d bytes)", buf.Len(), len(want))
	}
	if n := bytes.Count(want, []byte("\n")); n != len(r.Order)+1 {
		t.Fatalf("%d lines for %d units", n, len(r.Order))
	}
}
