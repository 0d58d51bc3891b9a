package chain

import (
	"bytes"
	"encoding/csv"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/kampbank/kamp"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// readCSV reads a test CSV file into maps keyed by header name.
func readCSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var rows []map[string]string
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, h := range recs[0] {
			row[h] = rec[i]
		}
		rows = append(rows, row)
	}
	return rows
}

// TestGolden runs the engine on testdata/small (entities with their group
// roots, the strategic units, fx.csv and payments.csv, for January to March
// 2024) and compares the result files with the golden ones beside them.
func TestGolden(t *testing.T) {
	dir := filepath.Join("testdata", "small")
	var ents []ent
	for _, r := range readCSV(t, filepath.Join(dir, "entities.csv")) {
		ents = append(ents, ent{id: r["id"], name: r["name"], client: r["is_client"] == "1", root: r["group_id"]})
	}
	var units []string
	for _, r := range readCSV(t, filepath.Join(dir, "strategic.csv")) {
		units = append(units, r["unit_id"])
	}
	in := worldInput(t, ents, units...)
	in.From, in.To = "2024-01-01", "2024-03-31"
	for _, r := range readCSV(t, filepath.Join(dir, "fx.csv")) {
		in.FX = append(in.FX, kamp.FXRate{Date: r["date"], Currency: r["currency"], Rate: rateOf(t, r["rate"])})
	}
	var ps []kamp.Payment
	for _, r := range readCSV(t, filepath.Join(dir, "payments.csv")) {
		ps = append(ps, kamp.Payment{
			TxnID: r["txn_id"], Date: r["date"],
			PayerID: r["payer_id"], PayerName: r["payer_name"],
			PayeeID: r["payee_id"], PayeeName: r["payee_name"],
			Amount: amountOf(t, r["amount"]), Currency: r["currency"],
		})
	}
	res := run(t, in, ps)
	var edges, prospects bytes.Buffer
	if err := WriteEdgesCSV(&edges, res.Edges); err != nil {
		t.Fatal(err)
	}
	if err := WriteProspectsCSV(&prospects, res.Prospects); err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string][]byte{"chain-edges.csv": edges.Bytes(), "prospects.csv": prospects.Bytes()} {
		path := filepath.Join(dir, name)
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the golden file:\n%s\nwant:\n%s", name, got, want)
		}
	}
	wantStats := Stats{Payments: 22, OutOfRange: 2, Internal: 2, Outside: 1, Counted: 17, TwoUnits: 1,
		NameMatched: 3, NameUnmatched: 6, NameAmbiguous: 1}
	if res.Stats != wantStats {
		t.Errorf("stats = %+v, want %+v", res.Stats, wantStats)
	}
	if len(res.Ambiguous) != 1 || res.Ambiguous[0].Key != "新材料科技有限公司" || res.Ambiguous[0].Sides != 1 {
		t.Errorf("ambiguous = %+v, want 新材料科技有限公司 used once", res.Ambiguous)
	}
}
