package dataset

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const resultsEntities = "id,name\nA,a\nB,b\nC,c\nD,d\n"

// loadResult writes entities and a result file into a folder and loads the
// entities.
func loadResult(t testing.TB, name, content string) (*Entities, string) {
	t.Helper()
	dir := writeFolder(t, map[string]string{"entities.csv": resultsEntities, name: content})
	ents, err := LoadEntities(context.Background(), filepath.Join(dir, "entities.csv"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return ents, filepath.Join(dir, name)
}

func TestLoadGroupRoots(t *testing.T) {
	for _, tc := range []struct {
		name, csv string
		want      []int32
		err       string
	}{
		{"good", "entity_id,controller_id,ultimate_id,group_id,in_cycle,conflict\nA,,,A,0,0\nB,A,A,A,0,0\nC,,,C,0,0\nD,C,C,C,0,0\n", []int32{0, 0, 2, 2}, ""},
		{"any order", "group_id,entity_id\nC,D\nA,A\nA,B\nC,C\n", []int32{0, 0, 2, 2}, ""},
		{"missing", "entity_id,group_id\nA,A\nB,A\nC,C\n", nil, `groups.csv:entity_id: "D": entity of entities.csv missing from groups.csv`},
		{"duplicate", "entity_id,group_id\nA,A\nB,A\nC,C\nD,C\nB,B\n", nil, `groups.csv:6:entity_id: "B": duplicate entity_id`},
		{"not a root", "entity_id,group_id\nA,B\nB,C\nC,C\nD,C\n", nil, `groups.csv:group_id: "B": the group of A is not its own group`},
		{"unknown", "entity_id,group_id\nA,A\nB,X\nC,C\nD,C\n", nil, `groups.csv:3:group_id: "X": unknown entity`},
		{"no column", "entity_id\nA\n", nil, `missing required column "group_id"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ents, path := loadResult(t, "groups.csv", tc.csv)
			got, err := LoadGroupRoots(context.Background(), path, ents, Options{})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("roots = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestLoadStrategicUnits(t *testing.T) {
	for _, tc := range []struct {
		name, csv string
		want      []int32
		err       string
	}{
		{"good", "rank,unit_id,members,score,cum_share,tier\n1,C,1,0.6,0.6,core\n2,A,2,0.3,0.9,KEY\n3,D,1,0.1,1,general\n", []int32{2, 0}, ""},
		{"none", "unit_id,tier\nA,general\n", nil, ""},
		{"bad tier", "unit_id,tier\nA,top\n", nil, `tiers.csv:2:tier: "top": must be core, key or general`},
		{"unknown", "unit_id,tier\nX,core\n", nil, `tiers.csv:2:unit_id: "X": unknown entity: no such id in entities.csv`},
		{"duplicate", "unit_id,tier\nA,core\nA,key\n", nil, `tiers.csv:3:unit_id: "A": duplicate unit_id`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ents, path := loadResult(t, "tiers.csv", tc.csv)
			got, err := LoadStrategicUnits(context.Background(), path, ents, Options{})
			if tc.err != "" {
				var pe *ProblemError
				if !errors.As(err, &pe) || len(pe.Problems) != 1 || FormatProblem(pe.Problems[0]) != tc.err {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("units = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestFindFile(t *testing.T) {
	dir := writeFolder(t, map[string]string{"Metrics.CSV": "client_id,period\n"})
	if p, err := FindFile(dir, KindMetrics, "to screen"); err != nil || filepath.Base(p) != "Metrics.CSV" {
		t.Errorf("FindFile = %q, %v", p, err)
	}
	if _, err := FindFile(dir, KindPayments, "to find chains"); err == nil || !strings.Contains(err.Error(), "no payments.csv") || !strings.Contains(err.Error(), "to find chains") {
		t.Errorf("err = %v", err)
	}
}
