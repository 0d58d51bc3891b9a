package store_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/store"
	"github.com/kampbank/kamp/store/storetest"
)

// TestFindEntitiesMatchesBruteForce checks the indexed search against a
// plain reading of its definition on random entities and queries: id, USCC
// or LEI equal to the query, or the name containing it (ASCII letters in any
// case), with every filter, order and page.
func TestFindEntitiesMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	alphabet := []string{"华", "信", "科", "技", "北", "京", "A", "a", "B", "b", " ", "(", "（"}
	word := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		return b.String()
	}
	kinds := []kamp.EntityKind{kamp.KindCompany, kamp.KindPerson, kamp.KindState}
	branches := []string{"", "BJ", "SH"}
	countries := []string{"CN", "HK"}
	var es []kamp.Entity
	for i := 0; i < 400; i++ {
		e := kamp.Entity{ID: fmt.Sprintf("E%03d", i), Name: word(1 + rng.IntN(6)), Kind: kinds[rng.IntN(3)],
			Branch: branches[rng.IntN(3)], Country: countries[rng.IntN(2)], IsClient: rng.IntN(2) == 0}
		if i%7 == 0 {
			e.LEI = fmt.Sprintf("LEI%017d", i)
		}
		es = append(es, e)
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		load(t, db, func(l *store.Load) error { return l.Entities(ctx, es) })
		for n := 0; n < 300; n++ {
			f := store.EntityFilter{Limit: 1 + rng.IntN(20)}
			switch rng.IntN(5) {
			case 0:
				f.Q = word(1 + rng.IntN(2))
			case 1:
				f.Q = word(2 + rng.IntN(2))
			case 2:
				f.Q = es[rng.IntN(len(es))].ID
			case 3:
				f.Q = strings.ToLower(fmt.Sprintf("LEI%017d", 7*rng.IntN(60)))
			}
			if rng.IntN(3) == 0 {
				f.Kind = string(kinds[rng.IntN(3)])
			}
			if rng.IntN(3) == 0 {
				c := rng.IntN(2) == 0
				f.IsClient = &c
			}
			if rng.IntN(3) == 0 {
				f.Branch = branches[1+rng.IntN(2)]
			}
			if rng.IntN(4) == 0 {
				f.Country = "hk"
			}
			f.Sort = []string{"", "-id", "name", "-name"}[rng.IntN(4)]
			if f.Sort == "" && rng.IntN(2) == 0 {
				f.After = fmt.Sprintf("E%03d", rng.IntN(400))
			} else {
				f.Offset = rng.IntN(10)
			}
			want, wantTotal := bruteForce(es, f)
			got, total, err := db.FindEntities(ctx, store.System, f)
			if err != nil {
				t.Fatalf("%+v: %v", f, err)
			}
			var ids []string
			for _, e := range got {
				ids = append(ids, e.ID)
			}
			if total != wantTotal || !slices.Equal(ids, want) {
				t.Fatalf("FindEntities(%+v) = %v (total %d), want %v (total %d)", f, ids, total, want, wantTotal)
			}
		}
	})
}

func bruteForce(es []kamp.Entity, f store.EntityFilter) ([]string, int) {
	q := strings.TrimSpace(f.Q)
	lower := func(s string) string {
		b := []byte(s)
		for i, c := range b {
			if 'A' <= c && c <= 'Z' {
				b[i] = c + 'a' - 'A'
			}
		}
		return string(b)
	}
	var m []kamp.Entity
	for _, e := range es {
		if q != "" && !(e.ID == q || (e.USCC != "" && e.USCC == strings.ToUpper(q)) || (e.LEI != "" && e.LEI == strings.ToUpper(q)) ||
			strings.Contains(lower(e.Name), lower(q))) {
			continue
		}
		if (f.Kind != "" && string(e.Kind) != f.Kind) || (f.IsClient != nil && e.IsClient != *f.IsClient) ||
			(f.Branch != "" && e.Branch != f.Branch) || (f.Country != "" && e.Country != strings.ToUpper(f.Country)) {
			continue
		}
		m = append(m, e)
	}
	slices.SortFunc(m, func(a, b kamp.Entity) int {
		switch f.Sort {
		case "name":
			if c := strings.Compare(a.Name, b.Name); c != 0 {
				return c
			}
			return strings.Compare(a.ID, b.ID)
		case "-name":
			if c := strings.Compare(b.Name, a.Name); c != 0 {
				return c
			}
			return strings.Compare(b.ID, a.ID)
		case "-id":
			return strings.Compare(b.ID, a.ID)
		}
		return strings.Compare(a.ID, b.ID)
	})
	total := len(m)
	if f.After != "" {
		for len(m) > 0 && m[0].ID <= f.After {
			m = m[1:]
		}
	}
	if f.Offset < len(m) {
		m = m[f.Offset:]
	} else {
		m = nil
	}
	if len(m) > f.Limit {
		m = m[:f.Limit]
	}
	var ids []string
	for _, e := range m {
		ids = append(ids, e.ID)
	}
	return ids, total
}
