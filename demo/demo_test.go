package demo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/check"
	"github.com/kampbank/kamp/org"
)

// The small bank most tests read: generated once, read back once.
var (
	smallOnce sync.Once
	small     *bank
	smallErr  string
)

const (
	smallEntities = 2000
	smallPayments = 20000
)

func smallBank(t *testing.T) *bank {
	t.Helper()
	smallOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kamp-demo-test-")
		if err != nil {
			smallErr = err.Error()
			return
		}
		sum, err := Generate(context.Background(), Options{Size: "custom", Entities: smallEntities, Payments: smallPayments, Seed: 42, Out: dir})
		if err != nil {
			smallErr = err.Error()
			return
		}
		small = &bank{dir: dir, sum: sum, files: map[string]*csvFile{}}
		for _, name := range fileOrder {
			small.files[name] = readCSV(t, filepath.Join(dir, name))
		}
	})
	if small == nil {
		t.Fatalf("generating the small bank: %s", smallErr)
	}
	return small
}

func TestMain(m *testing.M) {
	code := m.Run()
	if small != nil {
		os.RemoveAll(small.dir)
	}
	os.Exit(code)
}

func TestResolve(t *testing.T) {
	tests := []struct {
		name               string
		opt                Options
		entities, payments int64
		wantErr            bool
	}{
		{"S", Options{Size: "S"}, 100_000, 1_000_000, false},
		{"m lower case", Options{Size: " m "}, 1_000_000, 10_000_000, false},
		{"L", Options{Size: "L"}, 10_000_000, 100_000_000, false},
		{"S with overrides", Options{Size: "S", Entities: 2000, Payments: 7}, 2000, 7, false},
		{"custom", Options{Size: "custom", Entities: 5000, Payments: 100}, 5000, 100, false},
		{"custom without payments", Options{Size: "CUSTOM", Entities: 5000}, 5000, 0, false},
		{"empty size is custom", Options{Entities: 3000, Payments: 1}, 3000, 1, false},
		{"custom without entities", Options{Size: "custom", Payments: 10}, 0, 0, true},
		{"unknown size", Options{Size: "XL"}, 0, 0, true},
		{"negative entities", Options{Size: "S", Entities: -1}, 0, 0, true},
		{"negative payments", Options{Size: "S", Payments: -1}, 0, 0, true},
		{"too few entities", Options{Size: "custom", Entities: MinEntities - 1}, 0, 0, true},
		{"too many entities", Options{Size: "custom", Entities: MaxEntities + 1}, 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, p, err := tt.opt.resolve()
			if tt.wantErr {
				if kamp.ErrorCode(err) != kamp.EINVALID {
					t.Fatalf("resolve() error = %v, want an EINVALID error", err)
				}
				return
			}
			if err != nil || e != tt.entities || p != tt.payments {
				t.Fatalf("resolve() = %d, %d, %v; want %d, %d", e, p, err, tt.entities, tt.payments)
			}
		})
	}
}

func TestGenerateRejectsBadOptions(t *testing.T) {
	if _, err := Generate(context.Background(), Options{Size: "S", Entities: 1000}); kamp.ErrorCode(err) != kamp.EINVALID {
		t.Errorf("no output folder: error = %v, want EINVALID", err)
	}
	if _, err := Generate(context.Background(), Options{Size: "huge", Out: t.TempDir()}); kamp.ErrorCode(err) != kamp.EINVALID {
		t.Errorf("bad size: error = %v, want EINVALID", err)
	}
}

// readAll returns the bytes of the bank's files in dir.
func readAll(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, name := range fileOrder {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		out[name] = b
	}
	return out
}

func TestDeterministic(t *testing.T) {
	gen := func(seed int64, payments int) map[string][]byte {
		dir := t.TempDir()
		if _, err := Generate(context.Background(), Options{Size: "custom", Entities: smallEntities, Payments: payments, Seed: seed, Out: dir}); err != nil {
			t.Fatal(err)
		}
		return readAll(t, dir)
	}
	a, b := gen(7, 5000), gen(7, 5000)
	for _, name := range fileOrder {
		if !bytes.Equal(a[name], b[name]) {
			t.Errorf("%s differs between two runs with the same seed", name)
		}
	}
	c := gen(8, 5000)
	for _, name := range fileOrder {
		// The organisation is the same whatever the seed.
		if same := bytes.Equal(a[name], c[name]); same != (name == FileOrgUnits) {
			t.Errorf("%s: same for seeds 7 and 8 = %v", name, same)
		}
	}
	// The payment count changes payments.csv only.
	d := gen(7, 3000)
	for _, name := range fileOrder {
		if same := bytes.Equal(a[name], d[name]); same != (name != FilePayments) {
			t.Errorf("%s: same for 5000 and 3000 payments = %v", name, same)
		}
	}
}

// specColumns are the columns data-formats.md defines for each file.
var specColumns = map[string][]string{
	FileEntities:  {"id", "name", "kind", "uscc", "lei", "country", "industry", "branch", "is_client"},
	FileOwnership: {"holder_id", "entity_id", "share_pct", "control", "as_of"},
	FileMetrics:   {"client_id", "period", "currency", "deposits_avg", "loans_avg", "revenue", "fee_income"},
	FileExposures: {"client_id", "facility_id", "product", "currency", "amount", "as_of"},
	FilePayments:  {"txn_id", "date", "payer_id", "payer_name", "payee_id", "payee_name", "amount", "currency"},
	FileFX:        {"date", "currency", "rate"},
	FileOrgUnits:  {"code", "name", "kind", "parent"},
}

func TestHeaders(t *testing.T) {
	b := smallBank(t)
	for _, name := range fileOrder {
		f := b.files[name]
		for _, c := range specColumns[name] {
			if _, ok := f.col[c]; !ok {
				t.Errorf("%s: no column %q", name, c)
			}
		}
		extra := len(f.header) - len(specColumns[name])
		if name == FileMetrics {
			if extra != 1 || f.header[len(f.header)-1] != "intl_settlement" {
				t.Errorf("%s: header %v, want the spec's columns and intl_settlement", name, f.header)
			}
		} else if extra != 0 {
			t.Errorf("%s: header %v has columns the spec does not define", name, f.header)
		}
		if got := int64(len(f.rows)); got != b.sum.Files[name] || got == 0 {
			t.Errorf("%s: %d rows, summary says %d", name, got, b.sum.Files[name])
		}
	}
}

// amount parses an amount field, failing the test when it is not one.
func amount(t *testing.T, file, col, v string, neg bool) int64 {
	t.Helper()
	x, err := check.ParseFixed(v, kamp.AmountScale, neg)
	if err != nil {
		t.Fatalf("%s %s %q: %v", file, col, v, err)
	}
	if !strings.Contains(v, ".") || len(v)-strings.IndexByte(v, '.') != 3 {
		t.Fatalf("%s %s %q: want two decimals", file, col, v)
	}
	return x
}

func TestEntities(t *testing.T) {
	b := smallBank(t)
	f := b.files[FileEntities]
	org := map[string]bool{}
	for _, u := range OrgUnits() {
		org[u.Code] = true
	}
	names, keys, usccs, leis := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	kinds, countriesSeen := map[string]int{}, map[string]bool{}
	clients := 0
	prev := ""
	for _, r := range f.rows {
		id, name, kind := f.get(r, "id"), f.get(r, "name"), f.get(r, "kind")
		if err := check.ID(id); err != nil || id <= prev {
			t.Fatalf("id %q after %q: %v (want valid ids in ascending order)", id, prev, err)
		}
		prev = id
		if name == "" || names[name] || keys[matchKey(name)] {
			t.Fatalf("%s: name %q empty or not unique (by name or match key)", id, name)
		}
		names[name], keys[matchKey(name)] = true, true
		kinds[kind]++
		uscc, lei := f.get(r, "uscc"), f.get(r, "lei")
		if uscc != "" {
			if err := check.USCC(uscc); err != nil || usccs[uscc] || kind == "person" {
				t.Fatalf("%s: USCC %q invalid, repeated or on a person: %v", id, uscc, err)
			}
			usccs[uscc] = true
		}
		if lei != "" {
			if err := check.LEI(lei); err != nil || leis[lei] {
				t.Fatalf("%s: LEI %q invalid or repeated: %v", id, lei, err)
			}
			leis[lei] = true
		}
		c := f.get(r, "country")
		if err := check.Country(c); err != nil {
			t.Fatalf("%s: country %q: %v", id, c, err)
		}
		countriesSeen[c] = true
		if in := f.get(r, "industry"); in != "" {
			if err := check.Industry(in); err != nil {
				t.Fatalf("%s: industry %q: %v", id, in, err)
			}
		} else if kind == "company" {
			t.Errorf("%s: company without industry", id)
		}
		if br := f.get(r, "branch"); br != "" && !org[br] {
			t.Fatalf("%s: branch %q is not an org unit", id, br)
		}
		isClient, err := check.Bool(f.get(r, "is_client"))
		if err != nil {
			t.Fatal(err)
		}
		if isClient {
			clients++
			if kind != "company" {
				t.Errorf("%s: a %s is a client", id, kind)
			}
		}
	}
	if kinds["company"] == 0 || kinds["person"] == 0 || kinds["state"] != len(stateBodies) || len(kinds) != 3 {
		t.Errorf("kinds %v", kinds)
	}
	for _, c := range countries {
		if !countriesSeen[c.code] {
			t.Errorf("no entity in %s", c.code)
		}
	}
	if share := float64(clients) / float64(len(f.rows)); share < 0.6 || share > 0.8 {
		t.Errorf("clients are %.2f of entities, want about 0.7", share)
	}
	if int64(clients) != b.sum.Clients {
		t.Errorf("%d clients, summary says %d", clients, b.sum.Clients)
	}
	if companies := kinds["company"]; len(usccs) < companies*8/10 || len(usccs) == companies {
		t.Errorf("%d USCCs for %d companies: want most, not all", len(usccs), companies)
	}
	if len(leis) == 0 {
		t.Error("no LEIs")
	}
}

func TestOwnership(t *testing.T) {
	b := smallBank(t)
	f := b.files[FileOwnership]
	ids := entityIDs(b)
	type pair struct{ h, e string }
	seen := map[pair]bool{}
	sums := map[string]int64{}
	agreementEmpty, agreementShare, decimals4 := 0, 0, 0
	for _, r := range f.rows {
		h, e, s, c := f.get(r, "holder_id"), f.get(r, "entity_id"), f.get(r, "share_pct"), f.get(r, "control")
		if !ids[h] || !ids[e] {
			t.Fatalf("ownership %s -> %s: unknown id", h, e)
		}
		if h == e {
			t.Fatalf("%s holds itself", h)
		}
		if seen[pair{h, e}] {
			t.Fatalf("two rows for %s -> %s", h, e)
		}
		seen[pair{h, e}] = true
		if c != "" && c != "agreement" {
			t.Fatalf("control %q", c)
		}
		if d := f.get(r, "as_of"); d != "" {
			if err := check.Date(d); err != nil {
				t.Fatal(err)
			}
		}
		if s == "" {
			if c != "agreement" {
				t.Fatalf("%s -> %s: no share and no agreement", h, e)
			}
			agreementEmpty++
			continue
		}
		v, err := check.ParseFixed(s, kamp.ShareScale, false)
		if err != nil || v <= 0 || v > 100*1_000_000 {
			t.Fatalf("share %q: %v", s, err)
		}
		if i := strings.IndexByte(s, '.'); i >= 0 && len(s)-i-1 > 2 {
			decimals4++
		}
		if c == "agreement" {
			agreementShare++
		}
		sums[e] += v
	}
	for e, s := range sums {
		if s > 100*1_000_000 {
			t.Errorf("shares in %s add up to %v%%", e, kamp.Share(s))
		}
	}
	if agreementEmpty == 0 || agreementShare == 0 || decimals4 == 0 {
		t.Errorf("agreement rows without share %d, with share %d, shares with 4 decimals %d: want some of each", agreementEmpty, agreementShare, decimals4)
	}
}

func entityIDs(b *bank) map[string]bool {
	ids := map[string]bool{}
	f := b.files[FileEntities]
	for _, r := range f.rows {
		ids[f.get(r, "id")] = true
	}
	return ids
}

func TestGroups(t *testing.T) {
	b := smallBank(t)
	g := computeGroups(t, b)
	units := g.units()
	if int64(len(units)) != b.sum.Units {
		t.Errorf("%d units by the control rules, summary says %d", len(units), b.sum.Units)
	}
	members := map[int]int{}
	for _, r := range g.root {
		members[r]++
	}
	multi := 0
	for _, m := range members {
		if m > 1 {
			multi++
		}
	}
	if int64(multi) != b.sum.Groups {
		t.Errorf("%d groups of two or more by the control rules, summary says %d", multi, b.sum.Groups)
	}
	cycles, conflicts, deepest, split := 0, 0, 0, 0
	for e := range g.ids {
		if g.inCycle[e] {
			cycles++
		}
		if g.conflict[e] {
			conflicts++
		}
		deepest = max(deepest, g.depth[e])
	}
	if cycles < 5 || conflicts < 1 {
		t.Errorf("%d entities in cycles, %d conflicts: want a 2-cycle, a 3-ring and a conflict", cycles, conflicts)
	}
	if deepest > 6 || deepest < 3 {
		t.Errorf("deepest group member is %d hops from its root, want 3 to 6", deepest)
	}
	// Split holdings: the immediate controller holds at most half directly
	// and has no agreement, yet controls.
	own := b.files[FileOwnership]
	direct := map[[2]int]string{}
	for _, r := range own.rows {
		direct[[2]int{g.index[r[0]], g.index[r[1]]}] = r[2] + "/" + r[3]
	}
	for e, p := range g.imm {
		if p < 0 || g.inCycle[e] {
			continue
		}
		if d, ok := direct[[2]int{p, e}]; ok && !strings.HasSuffix(d, "agreement") {
			if v, _ := check.ParseFixed(strings.TrimSuffix(d, "/"), 6, false); v <= 50_000_000 {
				split++
			}
		}
	}
	if split == 0 {
		t.Error("no control by split holdings")
	}
	// Groups under one state body stay separate.
	byState := map[int]map[int]bool{}
	for e, p := range g.imm {
		if p >= 0 && g.kind[p] == "state" {
			if byState[p] == nil {
				byState[p] = map[int]bool{}
			}
			byState[p][g.root[e]] = true
		}
	}
	shared := false
	for _, roots := range byState {
		shared = shared || len(roots) > 1
	}
	if !shared {
		t.Error("no state body above two separate groups")
	}
}

// heavyTail returns the share of the total score held by the top 5% and the
// top 20% of units, scored as engines.md §2 says with the default weights.
func heavyTail(t *testing.T, b *bank, g *groups) (top5, top20 float64) {
	rate := map[string]float64{"": 1, "CNY": 1}
	fx := b.files[FileFX]
	for _, r := range fx.rows {
		if strings.HasPrefix(r[0], Period) {
			v, _ := check.ParseFixed(r[2], kamp.RateScale, false)
			rate[r[1]] = float64(v) / 1e10
		}
	}
	met := b.files[FileMetrics]
	indicators := []string{"revenue", "deposits_avg", "loans_avg", "fee_income"}
	weights := []float64{0.4, 0.3, 0.2, 0.1}
	sums := map[int][]float64{}
	for _, r := range met.rows {
		u := g.root[g.index[met.get(r, "client_id")]]
		if sums[u] == nil {
			sums[u] = make([]float64, len(indicators))
		}
		for k, c := range indicators {
			sums[u][k] += float64(amount(t, FileMetrics, c, met.get(r, c), true)) / 1e4 * rate[met.get(r, "currency")]
		}
	}
	total := make([]float64, len(indicators))
	for _, s := range sums {
		for k := range s {
			total[k] += math.Max(s[k], 0)
		}
	}
	var scores []float64
	for u := range g.units() {
		score := 0.0
		for k, s := range sums[u] {
			score += weights[k] * math.Max(s, 0) / total[k]
		}
		scores = append(scores, score)
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(scores)))
	top := func(p float64) float64 {
		s := 0.0
		for _, x := range scores[:int(math.Ceil(p*float64(len(scores))))] {
			s += x
		}
		return s
	}
	return top(0.05), top(0.20)
}

func TestHeavyTail(t *testing.T) {
	for _, seed := range []int64{1, 2} {
		b := generateBank(t, 20_000, 0, seed)
		g := computeGroups(t, b)
		top5, top20 := heavyTail(t, b, g)
		if top5 < 0.40 || top5 > 0.60 || top20 < 0.70 || top20 > 0.90 {
			t.Errorf("seed %d: top 5%% of units hold %.3f, top 20%% hold %.3f; want about 0.5 and 0.8", seed, top5, top20)
		}
		seen := map[string]bool{}
		f := b.files[FileExposures]
		for _, r := range f.rows {
			seen[f.get(r, "product")] = true
		}
		for _, p := range products {
			if !seen[p] {
				t.Errorf("seed %d: no %s exposure", seed, p)
			}
		}
	}
}

func TestMetrics(t *testing.T) {
	b := smallBank(t)
	clients := map[string]bool{}
	ent := b.files[FileEntities]
	for _, r := range ent.rows {
		if ent.get(r, "is_client") == "1" {
			clients[ent.get(r, "id")] = true
		}
	}
	rated := rates(b)
	f := b.files[FileMetrics]
	with := map[string]bool{}
	type key struct{ id, cur string }
	rows := map[key]bool{}
	foreign, negative, intl, blank := 0, 0, 0, 0
	for _, r := range f.rows {
		id, cur := f.get(r, "client_id"), f.get(r, "currency")
		if !clients[id] {
			t.Fatalf("metrics for %s, which is not a client", id)
		}
		if f.get(r, "period") != Period {
			t.Fatalf("period %q", f.get(r, "period"))
		}
		k := key{id, cur}
		if cur == "" {
			k.cur = "CNY"
			blank++
		}
		if rows[k] {
			t.Fatalf("two metrics rows for %v", k)
		}
		rows[k] = true
		with[id] = true
		if k.cur != "CNY" {
			foreign++
			if !rated[k.cur] {
				t.Fatalf("currency %s has no rate", k.cur)
			}
		}
		amount(t, FileMetrics, "deposits_avg", f.get(r, "deposits_avg"), false)
		amount(t, FileMetrics, "loans_avg", f.get(r, "loans_avg"), false)
		amount(t, FileMetrics, "fee_income", f.get(r, "fee_income"), false)
		if amount(t, FileMetrics, "revenue", f.get(r, "revenue"), true) < 0 {
			negative++
		}
		if v := f.get(r, "intl_settlement"); v != "" {
			amount(t, FileMetrics, "intl_settlement", v, false)
			intl++
		}
	}
	missing := float64(len(clients)-len(with)) / float64(len(clients))
	if missing < 0.005 || missing > 0.05 {
		t.Errorf("%.3f of clients have no metrics, want about 0.02", missing)
	}
	n := len(f.rows)
	if foreign == 0 || negative == 0 || blank == 0 || intl*50 < n || intl*3 > n {
		t.Errorf("%d rows: %d non-CNY, %d negative revenue, %d blank currency, %d with intl_settlement", n, foreign, negative, blank, intl)
	}
}

// rates returns the currencies with a rate in fx.csv.
func rates(b *bank) map[string]bool {
	out := map[string]bool{"CNY": true}
	for _, r := range b.files[FileFX].rows {
		out[r[1]] = true
	}
	return out
}

func TestExposures(t *testing.T) {
	b := smallBank(t)
	clients := entityIDs(b)
	rated := rates(b)
	f := b.files[FileExposures]
	facilities := map[string]bool{}
	nonCNY := 0
	for _, r := range f.rows {
		id, fac, cur := f.get(r, "client_id"), f.get(r, "facility_id"), f.get(r, "currency")
		if !clients[id] {
			t.Fatalf("exposure of unknown %s", id)
		}
		if err := check.ID(fac); err != nil || !strings.HasPrefix(fac, "F") || facilities[fac] {
			t.Fatalf("facility id %q invalid or repeated: %v", fac, err)
		}
		facilities[fac] = true
		if !slices.Contains(products, f.get(r, "product")) {
			t.Fatalf("product %q", f.get(r, "product"))
		}
		if !rated[cur] {
			t.Fatalf("currency %q has no rate", cur)
		}
		if cur != "CNY" {
			nonCNY++
		}
		amount(t, FileExposures, "amount", f.get(r, "amount"), false)
		if err := check.Date(f.get(r, "as_of")); err != nil {
			t.Fatal(err)
		}
	}
	if nonCNY == 0 || nonCNY*10 > len(f.rows) {
		t.Errorf("%d of %d exposures not in CNY, want a few", nonCNY, len(f.rows))
	}
	if b.sum.Tier1Capital <= 0 {
		t.Errorf("Tier1Capital = %v", b.sum.Tier1Capital)
	}
}

func TestFX(t *testing.T) {
	b := smallBank(t)
	f := b.files[FileFX]
	have := map[string]float64{} // "YYYY-MM CUR" -> rate
	for _, r := range f.rows {
		d, cur, v := f.get(r, "date"), f.get(r, "currency"), f.get(r, "rate")
		if err := check.Date(d); err != nil {
			t.Fatal(err)
		}
		if err := check.Currency(cur); err != nil {
			t.Fatal(err)
		}
		x, err := check.ParseFixed(v, kamp.RateScale, false)
		if err != nil || x <= 0 {
			t.Fatalf("rate %q: %v", v, err)
		}
		have[d[:7]+" "+cur] = float64(x) / 1e10
	}
	levels := map[string][2]float64{"USD": {6.5, 7.8}, "EUR": {7, 9.5}, "HKD": {0.8, 1}, "JPY": {0.04, 0.06}, "GBP": {8.5, 10.5}, "SGD": {5, 6}}
	for m := range payMonths {
		ym := firstMonth + m // November 2025 to October 2026
		month := fmt.Sprintf("%04d-%02d", ym/12, ym%12+1)
		for cur, lv := range levels {
			r, ok := have[month+" "+cur]
			if !ok || r < lv[0] || r > lv[1] {
				t.Errorf("%s %s: rate %v (present %v), want within %v", month, cur, r, ok, lv)
			}
		}
	}
	if len(f.rows) != rateMonths*len(levels) {
		t.Errorf("%d rates, want %d", len(f.rows), rateMonths*len(levels))
	}
}

func TestPayments(t *testing.T) {
	b := smallBank(t)
	g := computeGroups(t, b)
	ent := b.files[FileEntities]
	byKey := map[string]int{}
	registered := map[string]bool{}
	for i, r := range ent.rows {
		byKey[matchKey(ent.get(r, "name"))] = i
		registered[ent.get(r, "name")] = true
	}
	rated := rates(b)
	f := b.files[FilePayments]
	txns := map[string]bool{}
	sides, nameOnly, matched, variants, nonCNY, internal := 0, 0, 0, 0, 0, 0
	var forms [3]int // 有限责任公司, half-width bracket, space
	prevDate := ""
	for _, r := range f.rows {
		txn, date, cur := f.get(r, "txn_id"), f.get(r, "date"), f.get(r, "currency")
		if err := check.ID(txn); err != nil || txns[txn] {
			t.Fatalf("txn id %q invalid or repeated: %v", txn, err)
		}
		txns[txn] = true
		if err := check.Date(date); err != nil || date < "2025-11-01" || date > "2026-10-31" || date < prevDate {
			t.Fatalf("date %q after %q: %v", date, prevDate, err)
		}
		prevDate = date
		if amount(t, FilePayments, "amount", f.get(r, "amount"), false) <= 0 {
			t.Fatalf("%s: amount not positive", txn)
		}
		if cur != "" && cur != "CNY" {
			nonCNY++
			if !rated[cur] {
				t.Fatalf("%s: currency %q has no rate", txn, cur)
			}
		}
		var res [2]int
		for s, side := range [][2]string{{"payer_id", "payer_name"}, {"payee_id", "payee_name"}} {
			id, name := f.get(r, side[0]), f.get(r, side[1])
			sides++
			res[s] = -1
			switch {
			case id != "":
				i, ok := g.index[id]
				if !ok {
					t.Fatalf("%s: unknown %s %s", txn, side[0], id)
				}
				if name != "" && !registered[name] {
					t.Fatalf("%s: %s %q beside an id is not a registered name", txn, side[1], name)
				}
				res[s] = i
			case name == "":
				t.Fatalf("%s: %s side has neither id nor name", txn, side[0])
			default:
				nameOnly++
				if i, ok := byKey[matchKey(name)]; ok {
					matched++
					res[s] = i
					if !registered[name] {
						variants++
					}
				} else if !strings.Contains(name, "市") {
					t.Fatalf("%s: name %q matches no entity and is not an unknown firm's", txn, name)
				}
				for k, mark := range []string{"有限责任公司", "(", " "} {
					if strings.Contains(strings.ReplaceAll(name, "\u3000", " "), mark) {
						forms[k]++
					}
				}
			}
		}
		if res[0] >= 0 && res[1] >= 0 && g.root[res[0]] == g.root[res[1]] {
			internal++
		}
	}
	share := float64(nameOnly) / float64(sides)
	if share < 0.15 || share > 0.25 {
		t.Errorf("%.3f of sides are by name only, want about 0.2", share)
	}
	if matched*2 < nameOnly || matched == nameOnly || variants*3 < matched {
		t.Errorf("%d name-only sides: %d match an entity (%d through a variant)", nameOnly, matched, variants)
	}
	for k, n := range forms {
		if n == 0 {
			t.Errorf("no name-only side with variant %d", k)
		}
	}
	n := len(f.rows)
	if nonCNY == 0 || nonCNY*20 > n || internal == 0 || internal*5 > n {
		t.Errorf("%d payments: %d non-CNY, %d inside a group", n, nonCNY, internal)
	}
}

func TestReplaceAndProgress(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, FileEntities)
	if err := os.WriteFile(old, []byte("stale\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	last := map[string]int64{}
	calls := 0
	sum, err := Generate(context.Background(), Options{Size: "custom", Entities: 5000, Payments: 250_000, Seed: 3, Out: dir,
		Progress: func(file string, rows int64) {
			calls++
			if rows < last[file] {
				t.Errorf("progress of %s went back from %d to %d", file, last[file], rows)
			}
			last[file] = rows
		}})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range fileOrder {
		if last[name] != sum.Files[name] {
			t.Errorf("last progress of %s = %d, want %d", name, last[name], sum.Files[name])
		}
	}
	if calls < len(fileOrder)+2 {
		t.Errorf("%d progress calls, want one every 100,000 rows and one at each file's end", calls)
	}
	b, err := os.ReadFile(old)
	if err != nil || !bytes.HasPrefix(b, []byte(headers[FileEntities]+"\n")) {
		t.Errorf("entities.csv was not replaced: %.40q, %v", b, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != len(fileOrder) {
		t.Errorf("folder holds %d files, want the %d of the bank", len(entries), len(fileOrder))
	}
	var total int64
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		total += info.Size()
		if info.Mode().Perm() != 0o644 {
			t.Errorf("%s has mode %v", e.Name(), info.Mode().Perm())
		}
	}
	if total != sum.Bytes {
		t.Errorf("files hold %d bytes, summary says %d", total, sum.Bytes)
	}
}

func TestCancel(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, FileEntities)
	if err := os.WriteFile(marker, []byte("keep\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := Generate(ctx, Options{Size: "custom", Entities: 5000, Payments: 300_000, Seed: 1, Out: dir,
		Progress: func(file string, rows int64) {
			if file == FilePayments {
				cancel()
			}
		}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("folder holds %d files after a cancelled run, want only the old one", len(entries))
	}
	if b, _ := os.ReadFile(marker); string(b) != "keep\n" {
		t.Errorf("a cancelled run changed entities.csv")
	}
}

func TestOrgUnits(t *testing.T) {
	units := OrgUnits()
	if units[0].Code != HeadOffice || units[0].Parent != "" || units[0].Kind != kamp.UnitHeadOffice {
		t.Fatalf("first unit %+v, want the head office", units[0])
	}
	codes := map[string]bool{}
	subs := map[string]int{}
	var tree []kamp.OrgUnit
	for _, u := range units {
		if codes[u.Code] || u.Name == "" {
			t.Fatalf("unit %+v repeated or unnamed", u)
		}
		if u.Parent != "" && !codes[u.Parent] {
			t.Fatalf("unit %s comes before its parent %s", u.Code, u.Parent)
		}
		codes[u.Code] = true
		if u.Kind == kamp.UnitSubBranch {
			subs[u.Parent]++
		}
		tree = append(tree, kamp.OrgUnit{Code: u.Code, Name: u.Name, Kind: u.Kind, Parent: u.Parent})
	}
	if err := kamp.CheckOrgTree(tree); err != nil {
		t.Fatalf("the demo organisation is not a valid tree: %v", err)
	}
	want := map[string]int{"BJ": 12, "SH": 12, "SZ": 10, "JS": 10, "ZJ": 10, "GD": 10, "SC": 8, "HB": 8, "SD": 8}
	for br, n := range want {
		if subs[br] != n || !codes[br+"01"] {
			t.Errorf("branch %s has %d sub-branches, want %d from %s01", br, subs[br], n, br)
		}
	}
	for _, d := range []string{DeptStrategicClients, DeptProduct, DeptOperations, DeptRisk, DeptAudit} {
		i := slices.IndexFunc(units, func(u OrgUnit) bool { return u.Code == d })
		if i < 0 || units[i].Kind != kamp.UnitDepartment || units[i].Parent != HeadOffice {
			t.Errorf("department %s missing or misplaced", d)
		}
	}
	for _, r := range regions {
		if !codes[r.branch] {
			t.Errorf("region %s is served by unknown branch %s", r.name, r.branch)
		}
	}
}

// TestOrgUnitsFile checks that org-units.csv, as Generate and
// WriteOrgUnits write it, reads back through the org package as OrgUnits.
func TestOrgUnitsFile(t *testing.T) {
	var want []kamp.OrgUnit
	for _, u := range OrgUnits() {
		want = append(want, kamp.OrgUnit{Code: u.Code, Name: u.Name, Kind: u.Kind, Parent: u.Parent})
	}
	generated := filepath.Join(smallBank(t).dir, FileOrgUnits)
	alone, err := WriteOrgUnits(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{generated, alone} {
		got, errs, err := org.ReadFile(p)
		if err != nil || errs != nil {
			t.Fatalf("%s: %v %v", p, errs, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s reads back as\n%+v\nwant\n%+v", p, got, want)
		}
	}
	a, _ := os.ReadFile(generated)
	b, _ := os.ReadFile(alone)
	if !bytes.Equal(a, b) {
		t.Errorf("WriteOrgUnits and Generate write different files")
	}
	if entries, _ := os.ReadDir(filepath.Dir(alone)); len(entries) != 1 {
		t.Errorf("WriteOrgUnits left %d files, want 1", len(entries))
	}
}
