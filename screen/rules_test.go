package screen

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kampbank/kamp"
)

func TestParseRules(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Rule
	}{
		{"empty", "", nil},
		{"comments and blank lines", "# nothing yet\n\n   \t\n", nil},
		{"the example", "core: industry in C36,C37 and rank <= 500", []Rule{{Core, []string{"C36", "C37"}, 500}}},
		{"free spacing and case", "  CORE :INDUSTRY IN c36 , C3612,A and RANK<=500  ", []Rule{{Core, []string{"C36", "C3612", "A"}, 500}}},
		{"rank first", "key: rank <= 2000 and industry in I65", []Rule{{Key, []string{"I65"}, 2000}}},
		{"rank only", "key: rank <= 10", []Rule{{Key, nil, 10}}},
		{"industry only, with comment", "general: industry in K70 # never above general", []Rule{{General, []string{"K70"}, 0}}},
		{"Chinese tiers and punctuation", "核心：industry in C36，C37 and rank ≤ 500\r\n重点: rank <= 1\n一般: industry in K", []Rule{
			{Core, []string{"C36", "C37"}, 500}, {Key, nil, 1}, {General, []string{"K"}, 0},
		}},
		{"several lines", "core: rank <= 5\n# then\nkey: industry in D44\n", []Rule{{Core, nil, 5}, {Key, []string{"D44"}, 0}}},
		{"largest rank", "core: rank <= 1000000000", []Rule{{Core, nil, MaxRuleRank}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRules(tt.in)
			if err != nil {
				t.Fatalf("ParseRules: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseRules = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestParseRulesErrors(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"core industry in C36", `line 1, column 6: expected ':' after the tier, found "industry"`},
		{"vip: rank <= 5", `line 1, column 1: expected a tier (core, key or general), found "vip"`},
		{": rank <= 5", `line 1, column 1: expected a tier (core, key or general), found ":"`},
		{"core:", "line 1, column 6: expected a condition"},
		{"core: # no condition", "line 1, column 7: expected a condition"},
		{"core: industry C36", `line 1, column 16: expected "in" after "industry", found "C36"`},
		{"core: industry in", "line 1, column 18: expected a GB/T 4754 industry code"},
		{"core: industry in C3", `line 1, column 19: expected a GB/T 4754 industry code (a letter A-T, optionally with 2-4 digits, e.g. C36), found "C3"`},
		{"core: industry in C36123", "column 19: expected a GB/T 4754 industry code"},
		{"core: industry in U01", "column 19: expected a GB/T 4754 industry code"},
		{"core: industry in C36,", "column 23: expected a GB/T 4754 industry code"},
		{"core: industry in ſ36", "column 19: expected a GB/T 4754 industry code"},
		{"core: rank < 5", `line 1, column 12: expected "<=" (rules compare ranks only with "<=")`},
		{"core: rank <= 0", "column 15: expected a rank from 1 to 1000000000 in digits"},
		{"core: rank <= 1000000001", "expected a rank from 1"},
		{"core: rank <= -5", `column 15: unexpected character '-'`},
		{"core: rank <= 5 or industry in C", `line 1, column 17: expected "and" or the end of the line, found "or"`},
		{"core: rank <= 5 and", "line 1, column 20: expected a condition"},
		{"core: rank <= 5 and rank <= 6", "column 21: the rank condition is given twice"},
		{"core: industry in C and industry in D", "column 25: the industry condition is given twice"},
		{"core: rank <= 5\nkey: rank 9\nkey: rank <= 9\ngeneral", `line 2, column 11: expected "<=" after "rank", found "9" (and 1 more)`},
		{"核心：rank <= x", `line 1, column 12: expected a rank from 1 to 1000000000 in digits, found "x"`},
		{"core: rank <= 5 \xff", "column 17: not valid UTF-8"},
	}
	for _, tt := range tests {
		_, err := ParseRules(tt.in)
		wantCode(t, err, kamp.EINVALID, tt.want)
	}
	// Every bad line is reported in Details.
	_, err := ParseRules("core: rank <= 5\nkey: rank 9\nkey: rank <= 9\ngeneral")
	var e *kamp.Error
	if !asError(err, &e) || len(e.Details) != 2 || !strings.HasPrefix(e.Details[1], "line 4, column 8:") {
		t.Errorf("details = %q, want 2 problems, the second on line 4 column 8", details(err))
	}
}

func asError(err error, target **kamp.Error) bool {
	e, ok := err.(*kamp.Error)
	if ok {
		*target = e
	}
	return ok
}

func details(err error) []string {
	if e, ok := err.(*kamp.Error); ok {
		return e.Details
	}
	return nil
}

func TestRuleStringAndValidate(t *testing.T) {
	tests := []struct {
		rule    Rule
		str     string
		invalid string // "" when valid
	}{
		{Rule{Core, []string{"C36", "C37"}, 500}, "core: industry in C36,C37 and rank <= 500", ""},
		{Rule{Key, nil, 7}, "key: rank <= 7", ""},
		{Rule{General, []string{"K"}, 0}, "general: industry in K", ""},
		{Rule{Core, nil, 0}, "core:", "needs an industry or a rank condition"},
		{Rule{0, nil, 5}, ": rank <= 5", "is not core, key or general"},
		{Rule{Core, []string{"c36"}, 0}, "core: industry in c36", `"c36" is not a GB/T 4754 industry code`},
		{Rule{Core, nil, -1}, "core: rank <= -1", "rank -1 is not from 1"},
	}
	for _, tt := range tests {
		if got := tt.rule.String(); got != tt.str {
			t.Errorf("String() = %q, want %q", got, tt.str)
		}
		err := tt.rule.Validate()
		if tt.invalid == "" {
			if err != nil {
				t.Errorf("Validate(%s): %v", tt.str, err)
			}
			continue
		}
		wantCode(t, err, kamp.EINVALID, tt.invalid)
	}
}

func TestApplyRules(t *testing.T) {
	// Ranks 1..5 by revenue: E D C B A; tiers core key key general general
	// (revenue 16, 8, 4, 2, 1 of 31: cum_before 0, .52, .77, .90, .97).
	units := []unitSpec{{"A", 1}, {"B", 1}, {"C", 1}, {"D", 1}, {"E", 1}}
	rows := []rowSpec{{"A", "", "revenue", "1"}, {"B", "", "revenue", "2"}, {"C", "", "revenue", "4"}, {"D", "", "revenue", "8"}, {"E", "", "revenue", "16"}}
	d := build(t, units, std, rows, nil)
	r := mustScore(t, d, "revenue=1")
	if got, want := tiersByRank(r), "core key key general general"; got != want {
		t.Fatalf("computed tiers = %q, want %q", got, want)
	}
	computed := slices.Clone(r.Tier)
	industries := []string{"c3612", "K701", "", " C36 ", "I65"} // A B C D E
	tests := []struct {
		name    string
		rules   string
		tiers   string // by unit index: A B C D E
		matched []int32
	}{
		{"no rules", "", "general general key key core", []int32{-1, -1, -1, -1, -1}},
		{"promote an industry within a rank", "core: industry in C36 and rank <= 4", "general general key core core", []int32{-1, -1, -1, 0, -1}},
		{"promote an industry at any rank", "core: industry in C36", "core general key core core", []int32{0, -1, -1, 0, -1}},
		{"demote an industry", "general: industry in I, K", "general general key key general", []int32{-1, 0, -1, -1, 0}},
		{"first matching rule wins", "key: rank <= 2\ncore: rank <= 5", "core core core key key", []int32{1, 1, 1, 0, 0}},
		{"unknown industry meets no industry condition", "core: industry in A,B,C,D,E,F,G,H,I,J,K,L,M,N,O,P,Q,R,S,T", "core core key core core", []int32{0, 0, -1, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rules, err := ParseRules(tt.rules)
			if err != nil {
				t.Fatal(err)
			}
			tiers, matched, err := ApplyRules(rules, r, industries)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, tr := range tiers {
				got = append(got, tr.String())
			}
			if g := strings.Join(got, " "); g != tt.tiers {
				t.Errorf("tiers = %q, want %q", g, tt.tiers)
			}
			if !slices.Equal(matched, tt.matched) {
				t.Errorf("matched = %v, want %v", matched, tt.matched)
			}
			if !slices.Equal(r.Tier, computed) {
				t.Errorf("ApplyRules changed the computed tiers")
			}
		})
	}
	_, _, err := ApplyRules(nil, r, industries[:2])
	wantCode(t, err, kamp.EINVALID, "2 industries given for 5 units")
	_, _, err = ApplyRules([]Rule{{Core, nil, 0}}, r, industries)
	wantCode(t, err, kamp.EINVALID, "rule 1 is invalid")
}

func FuzzParseRules(f *testing.F) {
	for _, s := range []string{
		"core: industry in C36,C37 and rank <= 500",
		"key: rank <= 2000 and industry in I65\ngeneral: industry in K70 # comment",
		"核心：industry in C36，C37 and rank ≤ 500\r\n",
		"core:",
		"core: rank < 5",
		"core: industry in C36,",
		"# only a comment",
		"core: rank <= 99999999999999999999",
		"\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rules, err := ParseRules(s)
		if err != nil {
			if kamp.ErrorCode(err) != kamp.EINVALID || !strings.HasPrefix(err.Error(), "EINVALID: rules: line ") {
				t.Fatalf("ParseRules(%q): unexpected error %v", s, err)
			}
			return
		}
		for _, r := range rules {
			if err := r.Validate(); err != nil {
				t.Fatalf("ParseRules(%q) gave an invalid rule %#v: %v", s, r, err)
			}
		}
		back, err := ParseRules(FormatRules(rules))
		if err != nil {
			t.Fatalf("ParseRules(%q) = %v, whose text %q does not parse: %v", s, rules, FormatRules(rules), err)
		}
		if !reflect.DeepEqual(back, rules) {
			t.Fatalf("round trip of %q: %#v, then %#v", s, rules, back)
		}
	})
}
