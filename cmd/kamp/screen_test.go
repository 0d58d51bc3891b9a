package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/chain"
	"github.com/kampbank/kamp/demo"
	"github.com/kampbank/kamp/screen"
)

// A small bank: person P holds clients C1 and C2 (one group, unit P with two
// members), C3 is a client on its own, N is not a client and has a metrics
// row that must be ignored, and Q, not a client, holds nobody.
const (
	smallEntities = "id,name,kind,is_client\n" +
		"P,张三,person,0\n" +
		"C1,甲有限公司,company,1\n" +
		"C2,乙有限公司,company,1\n" +
		"C3,丙有限公司,company,1\n" +
		"N,丁有限公司,company,0\n" +
		"Q,戊有限公司,company,0\n"
	smallOwnership = "holder_id,entity_id,share_pct,control,as_of\nP,C1,60,,\nP,C2,70,,\n"
	smallFX        = "date,currency,rate\n2024-01-31,USD,7\n2024-02-29,USD,7.5\n"
	smallMetrics   = "client_id,period,currency,deposits_avg,loans_avg,revenue,fee_income,green\n" +
		"C1,2024-02,CNY,50,,100,,1\n" +
		"C2,2024-02,usd,,,10,2,\n" +
		"C3,2024-02,,,20,30,,4\n" +
		"N,2024-02,,,,999,,\n" +
		"C1,2024-01,,,,1,,\n" +
		"C3,2024-01,,5,,,,\n"
	smallPayments = "txn_id,date,payer_id,payer_name,payee_id,payee_name,amount,currency\n" +
		"T1,2024-02-01,C1,,Q,,100,\n" +
		"T2,2024-02-02,,庚 有限责任公司,C2,,50.5,USD\n" +
		"T3,2024-02-03,C3,,N,,7,\n" +
		"T4,2024-02-04,C1,,C2,,1,\n" +
		"T5,2024-03-05,N,,C1,,2,\n" +
		"T6,2024-02-06,C1,,,（戊）有限公司,3,\n"
)

// smallMetricRows are the rows of smallMetrics as the engine takes them.
var smallMetricRows = []kamp.Metric{
	{ClientID: "C1", Period: "2024-02", Currency: "CNY", DepositsAvg: kamp.NullAmount{Amount: 500000, Valid: true}, Revenue: kamp.NullAmount{Amount: 1000000, Valid: true}, Custom: map[string]kamp.Amount{"green": 10000}},
	{ClientID: "C2", Period: "2024-02", Currency: "USD", Revenue: kamp.NullAmount{Amount: 100000, Valid: true}, FeeIncome: kamp.NullAmount{Amount: 20000, Valid: true}},
	{ClientID: "C3", Period: "2024-02", Currency: "CNY", LoansAvg: kamp.NullAmount{Amount: 200000, Valid: true}, Revenue: kamp.NullAmount{Amount: 300000, Valid: true}, Custom: map[string]kamp.Amount{"green": 40000}},
	{ClientID: "C1", Period: "2024-01", Currency: "CNY", Revenue: kamp.NullAmount{Amount: 10000, Valid: true}},
	{ClientID: "C3", Period: "2024-01", Currency: "CNY", DepositsAvg: kamp.NullAmount{Amount: 50000, Valid: true}},
}

var smallRates = []kamp.FXRate{{Date: "2024-01-31", Currency: "USD", Rate: 70_000_000_000}, {Date: "2024-02-29", Currency: "USD", Rate: 75_000_000_000}}

// smallBank writes the small bank into a new folder.
func smallBank(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range map[string]string{"entities.csv": smallEntities, "ownership.csv": smallOwnership, "fx.csv": smallFX, "metrics.csv": smallMetrics, "payments.csv": smallPayments} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// smallScreen screens the small bank with the engine directly: units P
// (C1, C2) and C3.
func smallScreen(t *testing.T, period string, w screen.Weights) (*screen.Data, *screen.Result) {
	t.Helper()
	agg, err := screen.NewAggregator([]string{"P", "C3"}, []int32{2, 1}, append(append([]string(nil), kamp.StandardIndicators...), "green"))
	if err != nil {
		t.Fatal(err)
	}
	unit := map[string]int32{"C1": 0, "C2": 0, "C3": 1}
	for _, m := range smallMetricRows {
		if m.Period == period {
			if err := agg.AddMetric(unit[m.ClientID], &m); err != nil {
				t.Fatal(err)
			}
		}
	}
	rates, err := screen.PeriodRates(period, smallRates)
	if err != nil {
		t.Fatal(err)
	}
	d, err := agg.Totals(rates)
	if err != nil {
		t.Fatal(err)
	}
	r, err := d.Score(w)
	if err != nil {
		t.Fatal(err)
	}
	return d, r
}

func TestScreenCommand(t *testing.T) {
	dir := smallBank(t)
	custom, err := screen.ParseWeights("revenue=0.5,green=0.5")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		args   []string
		period string
		w      screen.Weights
	}{
		{"latest period", nil, "2024-02", screen.DefaultWeights()},
		{"earlier period", []string{"--period", "2024-01"}, "2024-01", screen.DefaultWeights()},
		{"custom weights", []string{"--weights", "revenue=0.5, Green=0.5"}, "2024-02", custom},
		{"period without rows", []string{"--period", "2023-12"}, "2023-12", screen.DefaultWeights()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			code, stdout, stderr := groupsCmd(t, append([]string{"screen", "--data", dir, "--out", out}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if !strings.Contains(stdout, "period "+tc.period+", 2 units") {
				t.Errorf("stdout = %q", stdout)
			}
			if tc.period == "2024-02" && !strings.Contains(stderr, "1 rows of entities that are not clients (is_client=0) were ignored, the first on line 5") {
				t.Errorf("no warning about N: %q", stderr)
			}
			if tc.period == "2023-12" && !strings.Contains(stderr, "no rows for the period screened") {
				t.Errorf("no warning about the empty period: %q", stderr)
			}
			d, r := smallScreen(t, tc.period, tc.w)
			var tiers, conc bytes.Buffer
			if err := screen.WriteTiersCSV(&tiers, d, r); err != nil {
				t.Fatal(err)
			}
			if err := screen.WriteConcentrationJSON(&conc, r); err != nil {
				t.Fatal(err)
			}
			if got := readOut(t, out, "tiers.csv"); !bytes.Equal(got, tiers.Bytes()) {
				t.Errorf("tiers.csv =\n%s\nwant\n%s", got, tiers.Bytes())
			}
			if got := readOut(t, out, "concentration.json"); !bytes.Equal(got, conc.Bytes()) {
				t.Errorf("concentration.json =\n%s\nwant\n%s", got, conc.Bytes())
			}
			fi, err := os.Stat(filepath.Join(out, "tiers.csv"))
			if err != nil || fi.Mode().Perm() != 0o644 {
				t.Errorf("tiers.csv: %v, mode %v", err, fi.Mode())
			}
		})
	}
}

func TestScreenCommandErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string // replaced in the small bank; "" removes
		args  []string
		want  string
	}{
		{"no data", nil, []string{"screen"}, "--data DIR is required"},
		{"bad period", nil, []string{"--period", "2024-13"}, `--period "2024-13"`},
		{"bad weights", nil, []string{"--weights", "revenue=0.5"}, "--weights"},
		{"unknown weight", nil, []string{"--weights", "revenue=0.5,profit=0.5"}, `"profit"`},
		{"no metrics", map[string]string{"metrics.csv": ""}, nil, "no metrics.csv"},
		{"bad metrics", map[string]string{"metrics.csv": "client_id,period,revenue\nC1,2024-02,1\nC2,2024-02,abc\n"}, nil, "metrics.csv:3:revenue: \"abc\""},
		{"unknown client", map[string]string{"metrics.csv": "client_id,period,revenue\nX1,2024-02,1\n"}, nil, "metrics.csv:2:client_id: \"X1\": unknown entity"},
		{"bad ownership", map[string]string{"ownership.csv": "holder_id,entity_id,share_pct\nP,C1,160\n"}, nil, "ownership.csv:2:share_pct"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := smallBank(t)
			for name, content := range tc.files {
				p := filepath.Join(dir, name)
				var err error
				if content == "" {
					err = os.Remove(p)
				} else {
					err = os.WriteFile(p, []byte(content), 0o644)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			args := tc.args
			if len(args) == 0 || args[0] != "screen" {
				args = append([]string{"screen", "--data", dir}, args...)
			}
			code, _, stderr := groupsCmd(t, args...)
			if code != 1 || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want 1 and %q", code, stderr, tc.want)
			}
			if _, err := os.Stat(filepath.Join(dir, "tiers.csv")); err == nil {
				t.Error("tiers.csv was written")
			}
		})
	}
}

// smallPaymentRows are the rows of smallPayments as the engine takes them.
var smallPaymentRows = []kamp.Payment{
	{TxnID: "T1", Date: "2024-02-01", PayerID: "C1", PayeeID: "Q", Amount: 1000000, Currency: "CNY"},
	{TxnID: "T2", Date: "2024-02-02", PayerName: "庚 有限责任公司", PayeeID: "C2", Amount: 505000, Currency: "USD"},
	{TxnID: "T3", Date: "2024-02-03", PayerID: "C3", PayeeID: "N", Amount: 70000, Currency: "CNY"},
	{TxnID: "T4", Date: "2024-02-04", PayerID: "C1", PayeeID: "C2", Amount: 10000, Currency: "CNY"},
	{TxnID: "T5", Date: "2024-03-05", PayerID: "N", PayeeID: "C1", Amount: 20000, Currency: "CNY"},
	{TxnID: "T6", Date: "2024-02-06", PayerID: "C1", PayeeName: "（戊）有限公司", Amount: 30000, Currency: "CNY"},
}

// smallChain runs the chain engine directly on the small bank, with the
// strategic units of its screening with default weights.
func smallChain(t *testing.T, from, to string) (prospects, edges []byte) {
	t.Helper()
	_, r := smallScreen(t, "2024-02", screen.DefaultWeights())
	ids := []string{"P", "C1", "C2", "C3", "N", "Q"}
	root := []int32{0, 0, 0, 3, 4, 5}
	unitRoot := []int32{0, 3}
	var units []int32
	for u, tier := range r.Tier {
		if tier == screen.Core || tier == screen.Key {
			units = append(units, unitRoot[u])
		}
	}
	acc, err := chain.New(chain.Input{
		IDs:      ids,
		Names:    []string{"张三", "甲有限公司", "乙有限公司", "丙有限公司", "丁有限公司", "戊有限公司"},
		IsClient: []bool{false, true, true, true, false, false},
		Root:     root, Units: units, FX: smallRates, From: from, To: to,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range smallPaymentRows {
		if err := acc.Add(p); err != nil {
			t.Fatal(err)
		}
	}
	res, err := acc.Result()
	if err != nil {
		t.Fatal(err)
	}
	var pb, eb bytes.Buffer
	if err := chain.WriteProspectsCSV(&pb, res.Prospects); err != nil {
		t.Fatal(err)
	}
	if err := chain.WriteEdgesCSV(&eb, res.Edges); err != nil {
		t.Fatal(err)
	}
	return pb.Bytes(), eb.Bytes()
}

func TestChainCommand(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     []string
		from, to string
	}{
		{"all payments", nil, "", ""},
		{"date range", []string{"--from", "2024-02-02", "--to", "2024-02-28"}, "2024-02-02", "2024-02-28"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := smallBank(t)
			out := t.TempDir()
			code, stdout, stderr := groupsCmd(t, append([]string{"chain", "--data", dir, "--out", out}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if !strings.Contains(stdout, "chain: 6 payments") {
				t.Errorf("stdout = %q", stdout)
			}
			prospects, edges := smallChain(t, tc.from, tc.to)
			if got := readOut(t, out, "prospects.csv"); !bytes.Equal(got, prospects) {
				t.Errorf("prospects.csv =\n%s\nwant\n%s", got, prospects)
			}
			if got := readOut(t, out, "chain-edges.csv"); !bytes.Equal(got, edges) {
				t.Errorf("chain-edges.csv =\n%s\nwant\n%s", got, edges)
			}
			if len(bytes.Split(edges, []byte("\n"))) < 4 {
				t.Errorf("too few edges to test anything:\n%s", edges)
			}
		})
	}
}

func TestChainCommandErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string // replaced in the small bank; "" removes
		args  []string
		want  string
	}{
		{"bad from", nil, []string{"--from", "2024-02-30"}, `--from "2024-02-30"`},
		{"inverted range", nil, []string{"--from", "2024-03-01", "--to", "2024-02-01"}, "is after --to"},
		{"no payments", map[string]string{"payments.csv": ""}, nil, "no payments.csv"},
		{"no metrics", map[string]string{"metrics.csv": ""}, nil, "no metrics.csv"},
		{"reuse without groups", nil, []string{"--reuse"}, "no groups.csv"},
		{"unknown payer", map[string]string{"payments.csv": "txn_id,date,payer_id,payee_id,amount\nT1,2024-02-01,C1,C2,1\nT2,2024-02-01,ZZ,C2,1\n"}, nil, `payments.csv:3:payer_id: "ZZ": unknown entity`},
		{"bad amount", map[string]string{"payments.csv": "txn_id,date,payer_id,payee_id,amount\nT1,2024-02-01,C1,C2,-1\n"}, nil, `payments.csv:2:amount: "-1"`},
		{"empty key", map[string]string{"payments.csv": "txn_id,date,payer_name,payee_id,amount\nT1,2024-02-01,【 】,C2,1\n"}, nil, `payments.csv:2:payer_name: "【 】": the name has an empty match key`},
		{"stale tiers", map[string]string{"groups.csv": "entity_id,group_id\nP,P\nC1,P\nC2,P\nC3,C3\nN,N\nQ,Q\n", "tiers.csv": "unit_id,tier\nC1,core\n"}, []string{"--reuse"}, "unit C1 of tiers.csv is not a group of groups.csv"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := smallBank(t)
			for name, content := range tc.files {
				p := filepath.Join(dir, name)
				var err error
				if content == "" {
					err = os.Remove(p)
				} else {
					err = os.WriteFile(p, []byte(content), 0o644)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			code, _, stderr := groupsCmd(t, append([]string{"chain", "--data", dir}, tc.args...)...)
			if code != 1 || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want 1 and %q", code, stderr, tc.want)
			}
			if _, err := os.Stat(filepath.Join(dir, "prospects.csv")); err == nil {
				t.Error("prospects.csv was written")
			}
		})
	}
}

// TestCommandsAgree runs groups, screen and chain on a small demo bank:
// tiers.csv's units are the groups of groups.csv with a client, with their
// client counts, and chain gives the same files whether it computes the
// groups and tiers or reuses those files.
func TestCommandsAgree(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a demo bank")
	}
	dir := t.TempDir()
	if _, err := demo.Generate(context.Background(), demo.Options{Size: "custom", Entities: 3000, Payments: 20000, Seed: 3, Out: dir}); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"groups", "--data", dir}, {"screen", "--data", dir}} {
		if code, _, stderr := groupsCmd(t, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
	}
	// Units and members from groups.csv and entities.csv.
	client := map[string]bool{}
	for _, r := range readTable(t, filepath.Join(dir, "entities.csv")) {
		client[r["id"]] = r["is_client"] != "0"
	}
	members := map[string]int{}
	for _, r := range readTable(t, filepath.Join(dir, "groups.csv")) {
		if client[r["entity_id"]] {
			members[r["group_id"]]++
		}
	}
	tiers := readTable(t, filepath.Join(dir, "tiers.csv"))
	if len(tiers) != len(members) {
		t.Errorf("tiers.csv has %d units, groups.csv %d groups with clients", len(tiers), len(members))
	}
	strategic := 0
	for _, r := range tiers {
		if got, want := r["members"], members[r["unit_id"]]; got != strconv.Itoa(want) {
			t.Errorf("unit %s: members %s, want %d", r["unit_id"], got, want)
		}
		if r["tier"] != "general" {
			strategic++
		}
	}
	if strategic == 0 {
		t.Fatal("no strategic units")
	}
	computed, reused := t.TempDir(), t.TempDir()
	for _, args := range [][]string{{"chain", "--data", dir, "--out", computed}, {"chain", "--data", dir, "--out", reused, "--reuse"}} {
		code, stdout, stderr := groupsCmd(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		if !strings.Contains(stdout, "chain: 20000 payments") || !strings.Contains(stdout, strconv.Itoa(strategic)+" strategic units") {
			t.Errorf("%v: stdout %q", args, stdout)
		}
	}
	for _, name := range []string{"prospects.csv", "chain-edges.csv"} {
		a, b := readOut(t, computed, name), readOut(t, reused, name)
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs with --reuse", name)
		}
		if bytes.Count(a, []byte("\n")) < 10 {
			t.Errorf("%s has few rows:\n%s", name, a)
		}
	}
}
