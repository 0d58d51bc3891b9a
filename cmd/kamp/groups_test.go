package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/control"
	"github.com/kampbank/kamp/demo"
	"github.com/kampbank/kamp/tabular"
)

// groupsCmd runs kamp with args and returns the exit code and outputs.
func groupsCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// demoBank writes a small demo bank into a new folder.
func demoBank(t *testing.T) (string, demo.Summary) {
	t.Helper()
	dir := t.TempDir()
	sum, err := demo.Generate(context.Background(), demo.Options{Entities: 3000, Seed: 7, Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	return dir, sum
}

// readTable reads a CSV file with package tabular: its records, each as a
// map from lower-case column name to value.
func readTable(t *testing.T, path string) []map[string]string {
	t.Helper()
	r, err := tabular.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []map[string]string
	for r.Next() {
		m := map[string]string{}
		for i, h := range r.Header() {
			m[strings.ToLower(h)] = r.Record()[i]
		}
		out = append(out, m)
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// fixed parses a decimal into units of 10^-scale.
func fixed(t *testing.T, s string, scale int) *big.Int {
	t.Helper()
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		t.Fatalf("not a number: %q", s)
	}
	r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)))
	if !r.IsInt() {
		t.Fatalf("%q has more than %d decimals", s, scale)
	}
	return r.Num()
}

// reference computes groups.csv and group-exposures.csv for the folder dir
// on its own: the files read with package tabular, exposures converted with
// math/big, and the control engine's writers.
func reference(t *testing.T, dir string, tier1 kamp.Amount, regime control.Regime) (groups, exposures []byte) {
	t.Helper()
	var in control.Input
	index := map[string]int32{}
	for _, r := range readTable(t, filepath.Join(dir, "entities.csv")) {
		index[r["id"]] = int32(len(in.IDs))
		in.IDs = append(in.IDs, r["id"])
		in.State = append(in.State, strings.EqualFold(r["kind"], "state"))
	}
	for _, r := range readTable(t, filepath.Join(dir, "ownership.csv")) {
		e := control.Edge{Holder: index[r["holder_id"]], Held: index[r["entity_id"]], Agreement: r["control"] != ""}
		if r["share_pct"] != "" {
			e.Share = kamp.Share(fixed(t, r["share_pct"], kamp.ShareScale).Int64())
		}
		in.Edges = append(in.Edges, e)
	}
	res, err := control.Compute(in)
	if err != nil {
		t.Fatal(err)
	}
	var g bytes.Buffer
	if err := control.WriteGroupsCSV(&g, in, res); err != nil {
		t.Fatal(err)
	}
	// Rates: the latest on or before the exposure's date, or the latest.
	type rate struct {
		date string
		rate *big.Int
	}
	rates := map[string][]rate{}
	for _, r := range readTable(t, filepath.Join(dir, "fx.csv")) {
		c := strings.ToUpper(r["currency"])
		rates[c] = append(rates[c], rate{r["date"], fixed(t, r["rate"], kamp.RateScale)})
	}
	sums := make([]*big.Int, len(in.IDs))
	for i := range sums {
		sums[i] = new(big.Int)
	}
	for _, r := range readTable(t, filepath.Join(dir, "exposures.csv")) {
		c := strings.ToUpper(r["currency"])
		best := rate{rate: big.NewInt(10_000_000_000)}
		if c != "" && c != "CNY" {
			best = rate{}
			for _, x := range rates[c] {
				if (r["as_of"] == "" || x.date <= r["as_of"]) && x.date >= best.date {
					best = x
				}
			}
		}
		sums[index[r["client_id"]]].Add(sums[index[r["client_id"]]], new(big.Int).Mul(fixed(t, r["amount"], kamp.AmountScale), best.rate))
	}
	exposure := make([]kamp.Amount, len(in.IDs))
	half, unit := big.NewInt(5_000_000_000), big.NewInt(10_000_000_000)
	for i, s := range sums {
		exposure[i] = kamp.Amount(new(big.Int).Quo(s.Add(s, half), unit).Int64())
	}
	rows, err := control.GroupExposures(in, res, exposure, tier1, regime)
	if err != nil {
		t.Fatal(err)
	}
	var x bytes.Buffer
	if err := control.WriteGroupExposuresCSV(&x, in, rows); err != nil {
		t.Fatal(err)
	}
	return g.Bytes(), x.Bytes()
}

// readOut returns the content of a result file.
func readOut(t *testing.T, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGroupsCommand(t *testing.T) {
	dir, sum := demoBank(t)
	out := filepath.Join(t.TempDir(), "results")
	code, stdout, stderr := groupsCmd(t, "groups", "--data", dir, "--out", out, "--tier1-capital", sum.Tier1Capital.String())
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	wantGroups, wantExp := reference(t, dir, sum.Tier1Capital, control.CN2018)
	if got := readOut(t, out, "groups.csv"); !bytes.Equal(got, wantGroups) {
		t.Errorf("groups.csv differs from the control engine's (%d bytes, want %d)", len(got), len(wantGroups))
	}
	got := readOut(t, out, "group-exposures.csv")
	if !bytes.Equal(got, wantExp) {
		t.Errorf("group-exposures.csv differs:\n%.600s\nwant:\n%.600s", got, wantExp)
	}
	if !bytes.Contains(got, []byte(",breach\n")) {
		t.Errorf("no breach flagged, though the demo bank's capital makes its largest group 22%%:\n%.400s", got)
	}
	if !strings.HasPrefix(stdout, "groups: 3000 entities, ") || !strings.Contains(stdout, "breaching their limit") || strings.Count(stdout, "\n") != 1 {
		t.Errorf("summary = %q", stdout)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 2 {
		t.Errorf("the output folder holds %d files, want 2", len(entries))
	}

	// Basel rules; --out defaults to --data; files compressed with gzip.
	gz := t.TempDir()
	for _, name := range []string{"entities.csv", "ownership.csv", "exposures.csv", "fx.csv"} {
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		w.Write(readOut(t, dir, name))
		w.Close()
		if err := os.WriteFile(filepath.Join(gz, name+".gz"), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, stdout, stderr = groupsCmd(t, "groups", "--data", gz, "--tier1-capital", sum.Tier1Capital.String(), "--regime", "basel")
	if code != 0 {
		t.Fatalf("basel: exit %d\n%s%s", code, stdout, stderr)
	}
	wantGroups, wantExp = reference(t, dir, sum.Tier1Capital, control.BaselLEX)
	if !bytes.Equal(readOut(t, gz, "groups.csv"), wantGroups) || !bytes.Equal(readOut(t, gz, "group-exposures.csv"), wantExp) {
		t.Error("basel: results differ from the control engine's")
	}

	// Without tier-1 capital nothing is flagged.
	code, stdout, stderr = groupsCmd(t, "groups", "--data", dir, "--out", out)
	if code != 0 {
		t.Fatalf("no capital: exit %d\n%s%s", code, stdout, stderr)
	}
	if _, wantExp = reference(t, dir, 0, control.CN2018); !bytes.Equal(readOut(t, out, "group-exposures.csv"), wantExp) {
		t.Error("no capital: group-exposures.csv differs")
	}
	if !strings.Contains(stdout, "(0 large, 0 breaching their limit)") {
		t.Errorf("no capital: summary = %q", stdout)
	}
}

func TestGroupsCommandErrors(t *testing.T) {
	good := t.TempDir()
	for name, body := range map[string]string{
		"entities.csv":  "id,name,kind\nS,SASAC,state\nA,Alpha,\nB,Beta,\n",
		"ownership.csv": "holder_id,entity_id,share_pct\nS,A,100\nA,B,51\n",
	} {
		if err := os.WriteFile(filepath.Join(good, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, "entities.csv"), []byte("id,name\nA,Alpha\nB B,Beta\nC,\n"), 0o644)
	os.WriteFile(filepath.Join(bad, "ownership.csv"), []byte("holder_id,entity_id,share_pct\nA,C,60\n"), 0o644)
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no data", []string{"groups"}, "--data DIR is required"},
		{"stray argument", []string{"groups", "--data", good, "x"}, `unexpected argument "x"`},
		{"bad capital", []string{"groups", "--data", good, "--tier1-capital", "1e9"}, `--tier1-capital "1e9": not a number`},
		{"negative capital", []string{"groups", "--data", good, "--tier1-capital", "-5"}, "must not be negative"},
		{"bad regime", []string{"groups", "--data", good, "--regime", "eu"}, `unknown large-exposure regime "eu"`},
		{"no such folder", []string{"groups", "--data", filepath.Join(good, "nope")}, "cannot read the folder"},
		{"bad rows", []string{"groups", "--data", bad}, "entities.csv: 2 problems:\n  entities.csv:3:id: \"B B\": character ' ' at position 2 is not allowed in an id"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := groupsCmd(t, c.args...)
			if code != 1 || !strings.Contains(stderr, c.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 1 and %q (stdout %q)", code, stderr, c.want, stdout)
			}
		})
	}
	// A failed run leaves the files of an earlier run as they were, and
	// no temporary file.
	os.WriteFile(filepath.Join(bad, "groups.csv"), []byte("earlier\n"), 0o644)
	groupsCmd(t, "groups", "--data", bad)
	entries, _ := os.ReadDir(bad)
	if len(entries) != 3 || string(readOut(t, bad, "groups.csv")) != "earlier\n" {
		t.Errorf("after a failed run the folder holds %v", entries)
	}
	// The good folder: S is a state body, so A is the root of {A, B}.
	code, stdout, stderr := groupsCmd(t, "groups", "--data", good)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	want := control.GroupsHeader + "\nA,S,S,A,0,0\nB,A,S,A,0,0\nS,,S,S,0,0\n"
	if got := string(readOut(t, good, "groups.csv")); got != want {
		t.Errorf("groups.csv:\n%s\nwant:\n%s", got, want)
	}
	if got := string(readOut(t, good, "group-exposures.csv")); got != control.GroupExposuresHeader+"\n" {
		t.Errorf("group-exposures.csv without exposures:\n%s", got)
	}
	if !strings.HasPrefix(stdout, "groups: 3 entities, 1 groups of two or more, 0 control cycles, 0 conflicts, 0 group exposures (0 large, 0 breaching their limit)") {
		t.Errorf("summary = %q", stdout)
	}
}

func TestSummarize(t *testing.T) {
	// Two cycles: {A, B} (A the representative, controlled by X, itself
	// on the cycle {X, Y}); C a conflict.
	res := control.Result{
		//                  A  B  X  Y  C  D
		Controller: []int32{2, 0, -1, 2, -1, 4},
		Root:       []int32{2, 2, 2, 2, 4, 4},
		InCycle:    []bool{true, true, true, true, false, false},
		Conflict:   []bool{false, false, false, false, true, false},
	}
	if g, c, k := summarize(res); g != 2 || c != 2 || k != 1 {
		t.Errorf("summarize = %d groups, %d cycles, %d conflicts; want 2, 2, 1", g, c, k)
	}
}
