package demo

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/kampbank/kamp/check"
)

// csvFile is a parsed interchange file: its header and rows, and a column
// lookup by header name.
type csvFile struct {
	header []string
	rows   [][]string
	col    map[string]int
}

// get returns column name of row r.
func (f *csvFile) get(r []string, name string) string { return r[f.col[name]] }

// readCSV parses path strictly with encoding/csv (every row the header's
// width).
func readCSV(t testing.TB, path string) *csvFile {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	r := csv.NewReader(fh)
	r.ReuseRecord = false
	header, err := r.Read()
	if err != nil {
		t.Fatalf("%s: header: %v", path, err)
	}
	f := &csvFile{header: header, col: map[string]int{}}
	for i, h := range header {
		f.col[h] = i
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		f.rows = append(f.rows, rec)
	}
	return f
}

// bank is a generated demo bank read back from its files.
type bank struct {
	dir   string
	sum   Summary
	files map[string]*csvFile
}

func generateBank(t testing.TB, entities, payments int, seed int64) *bank {
	t.Helper()
	dir := t.TempDir()
	sum, err := Generate(context.Background(), Options{Size: "custom", Entities: entities, Payments: payments, Seed: seed, Out: dir})
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	b := &bank{dir: dir, sum: sum, files: map[string]*csvFile{}}
	for _, name := range fileOrder {
		b.files[name] = readCSV(t, filepath.Join(dir, name))
	}
	return b
}

// matchKey is engines.md §3's match key, written here independently of the
// generator.
func matchKey(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFF01 - 0x21
		case r == 0x3000:
			r = ' '
		}
		if unicode.IsSpace(r) || strings.ContainsRune("()[]{}【】〔〕〖〗", r) {
			continue
		}
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	k := b.String()
	if strings.HasSuffix(k, "有限责任公司") {
		k = strings.TrimSuffix(k, "有限责任公司") + "有限公司"
	}
	return k
}

// holding is one merged ownership edge of the control computation.
type holding struct {
	to        int
	share     int64 // 1e-6 percent
	agreement bool
}

// groups is an independent implementation of engines.md §1 (control,
// immediate controller, cycles, group roots) for the small banks of the
// tests: quadratic where the engine is not, but simple enough to trust.
type groups struct {
	ids      []string
	kind     []string
	client   []bool
	index    map[string]int
	controls [][]int // entities each entity controls
	ctrlBy   []map[int]bool
	imm      []int // immediate controller, -1 for none
	conflict []bool
	inCycle  []bool
	root     []int
	depth    []int
}

func computeGroups(t testing.TB, b *bank) *groups {
	t.Helper()
	ent, own := b.files[FileEntities], b.files[FileOwnership]
	g := &groups{index: map[string]int{}}
	for _, r := range ent.rows {
		g.index[ent.get(r, "id")] = len(g.ids)
		g.ids = append(g.ids, ent.get(r, "id"))
		g.kind = append(g.kind, ent.get(r, "kind"))
		g.client = append(g.client, ent.get(r, "is_client") == "1")
	}
	n := len(g.ids)
	out := make([][]holding, n)
	for _, r := range own.rows {
		h, e := g.index[own.get(r, "holder_id")], g.index[own.get(r, "entity_id")]
		var s int64
		if v := own.get(r, "share_pct"); v != "" {
			var err error
			if s, err = check.ParseFixed(v, 6, false); err != nil {
				t.Fatalf("share %q: %v", v, err)
			}
		}
		out[h] = append(out[h], holding{to: e, share: s, agreement: own.get(r, "control") == "agreement"})
	}
	g.controls = make([][]int, n)
	g.ctrlBy = make([]map[int]bool, n)
	for i := range g.ctrlBy {
		g.ctrlBy[i] = map[int]bool{}
	}
	for h := range n {
		if len(out[h]) == 0 {
			continue
		}
		sums := map[int]int64{}
		agree := map[int]bool{}
		ctrl := map[int]bool{}
		queue := []int{h}
		for len(queue) > 0 {
			x := queue[0]
			queue = queue[1:]
			for _, e := range out[x] {
				sums[e.to] += e.share
				agree[e.to] = agree[e.to] || e.agreement
				if e.to != h && !ctrl[e.to] && (sums[e.to] > 50_000_000 || agree[e.to]) {
					ctrl[e.to] = true
					queue = append(queue, e.to)
				}
			}
		}
		for e := range ctrl {
			g.controls[h] = append(g.controls[h], e)
			g.ctrlBy[e][h] = true
		}
		slices.Sort(g.controls[h])
	}
	g.imm = make([]int, n)
	g.conflict = make([]bool, n)
	g.inCycle = make([]bool, n)
	cycle := func(e int) []int {
		c := []int{e}
		for y := range g.ctrlBy[e] {
			if g.ctrlBy[y][e] {
				c = append(c, y)
			}
		}
		slices.Sort(c) // ids sort like indices: entities.csv is in id order
		return c
	}
	for e := range n {
		cyc := cycle(e)
		cands := map[int]bool{}
		for y := range g.ctrlBy[e] {
			cands[y] = true
		}
		if len(cyc) > 1 {
			g.inCycle[e] = true
			if cyc[0] != e {
				g.imm[e] = cyc[0]
				continue
			}
			for _, y := range cyc {
				delete(cands, y)
			}
		}
		g.imm[e] = -1
		var nearest []int
		for x := range cands {
			ok := true
			for y := range cands {
				if y != x && !g.ctrlBy[x][y] {
					ok = false
					break
				}
			}
			if ok {
				nearest = append(nearest, x)
			}
		}
		switch {
		case len(nearest) == 1:
			g.imm[e] = nearest[0]
		case len(nearest) > 1:
			g.imm[e] = cycle(nearest[0])[0]
		case len(cands) > 0:
			g.conflict[e] = true
		}
	}
	g.root = make([]int, n)
	g.depth = make([]int, n)
	for e := range n {
		cur, d := e, 0
		for g.kind[cur] != "state" {
			p := g.imm[cur]
			if p < 0 || g.kind[p] == "state" {
				break
			}
			cur, d = p, d+1
			if d > n {
				t.Fatalf("immediate controllers of %s loop", g.ids[e])
			}
		}
		g.root[e], g.depth[e] = cur, d
	}
	return g
}

// units returns the members of each group with at least one client, by root.
func (g *groups) units() map[int][]int {
	members := map[int][]int{}
	for e, r := range g.root {
		members[r] = append(members[r], e)
	}
	units := map[int][]int{}
	for r, m := range members {
		for _, e := range m {
			if g.client[e] {
				units[r] = m
				break
			}
		}
	}
	return units
}
