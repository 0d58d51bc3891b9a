package screen

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kampbank/kamp"
)

// MaxRuleRank is the largest rank a rule may name.
const MaxRuleRank = 1_000_000_000

// Rule is a qualitative screening rule (configuration): a unit that meets
// every condition of the rule is proposed for Tier. Rules act on the approved
// strategic list (through ApplyRules), never on the computed tiers.csv.
type Rule struct {
	Tier Tier
	// Industries are GB/T 4754-2017 codes (a section letter A-T, optionally
	// followed by 2, 3 or 4 digits); a unit's industry matches when it starts
	// with one of them (C36 matches C36, C361 and C3612). Empty: no industry
	// condition.
	Industries []string
	// MaxRank: the unit's rank (1-based) is at most MaxRank. 0: no rank
	// condition.
	MaxRank int
}

// ParseRules parses rules, one per line:
//
//	# strategic emerging industries are always core when large enough
//	core: industry in C36, C37 and rank <= 500
//	key: rank <= 2000 and industry in I65
//	general: industry in K70          # never above general
//
// The grammar, with keywords and tier names case-insensitive and white space
// free between tokens:
//
//	line      = [ rule ] [ "#" comment ]
//	rule      = tier ":" condition { "and" condition }
//	tier      = "core" | "key" | "general" | "核心" | "重点" | "一般"
//	condition = "industry" "in" code { "," code } | "rank" "<=" integer
//
// A code is a GB/T 4754-2017 code (see Rule.Industries; lower-case letters
// are accepted and upper-cased), an integer is 1 to 1,000,000,000 written
// in digits. Each condition appears at most once per rule. The full-width
// '：' and '，' and '≤' are accepted for ':', ',' and "<=". Blank lines and
// comments are ignored. Errors are EINVALID: the message gives the first
// problem as "line L, column C: ..." (columns count characters from 1) and
// Details every problem, one per bad line.
func ParseRules(s string) ([]Rule, error) {
	var rules []Rule
	var problems []string
	for i, line := range strings.Split(s, "\n") {
		line = strings.TrimSuffix(line, "\r")
		rule, ok, err := parseRuleLine(line)
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("line %d, %v", i+1, err))
		case ok:
			rules = append(rules, rule)
		}
	}
	if len(problems) > 0 {
		msg := "rules: " + problems[0]
		if len(problems) > 1 {
			msg += fmt.Sprintf(" (and %d more)", len(problems)-1)
		}
		return nil, &kamp.Error{Code: kamp.EINVALID, Message: msg, Details: problems}
	}
	return rules, nil
}

// ruleToken is one token of a rule line.
type ruleToken struct {
	kind byte   // 'w' word, ':' colon, ',' comma, '<' "<="
	text string // the word as written
	col  int    // 1-based column in characters
}

// ruleError is a problem at a column of a rule line.
type ruleError struct {
	col int
	msg string
}

// Error implements error.
func (e *ruleError) Error() string { return fmt.Sprintf("column %d: %s", e.col, e.msg) }

// tokenizeRule splits a rule line into tokens, dropping a comment.
func tokenizeRule(line string) ([]ruleToken, error) {
	var toks []ruleToken
	col := 0
	for i := 0; i < len(line); {
		r, size := utf8.DecodeRuneInString(line[i:])
		col++
		switch {
		case r == utf8.RuneError && size == 1:
			return nil, &ruleError{col, "not valid UTF-8"}
		case r == '#':
			return toks, nil
		case unicode.IsSpace(r):
		case r == ':' || r == '：':
			toks = append(toks, ruleToken{':', string(r), col})
		case r == ',' || r == '，':
			toks = append(toks, ruleToken{',', string(r), col})
		case r == '≤':
			toks = append(toks, ruleToken{'<', string(r), col})
		case r == '<':
			if !strings.HasPrefix(line[i:], "<=") {
				return nil, &ruleError{col, `expected "<=" (rules compare ranks only with "<=")`}
			}
			toks = append(toks, ruleToken{'<', "<=", col})
			i, col = i+1, col+1
		case isWordRune(r):
			j := i + size
			for j < len(line) {
				r2, s2 := utf8.DecodeRuneInString(line[j:])
				if !isWordRune(r2) {
					break
				}
				j += s2
			}
			toks = append(toks, ruleToken{'w', line[i:j], col})
			col += utf8.RuneCountInString(line[i:j]) - 1
			size = j - i
		default:
			return nil, &ruleError{col, fmt.Sprintf("unexpected character %q", r)}
		}
		i += size
	}
	return toks, nil
}

// isWordRune reports whether r may be part of a word token.
func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// parseRuleLine parses one line; ok is false for a blank or comment line.
func parseRuleLine(line string) (rule Rule, ok bool, err error) {
	toks, err := tokenizeRule(line)
	if err != nil || len(toks) == 0 {
		return Rule{}, false, err
	}
	endCol := utf8.RuneCountInString(line) + 1
	if c := strings.IndexByte(line, '#'); c >= 0 {
		endCol = utf8.RuneCountInString(line[:c]) + 1
	}
	p := &ruleParser{toks: toks, endCol: endCol}
	if rule, err = p.rule(); err != nil {
		return Rule{}, false, err
	}
	return rule, true, nil
}

// ruleParser parses the tokens of one rule line.
type ruleParser struct {
	toks   []ruleToken
	pos    int
	endCol int
}

// next returns the next token, or a token of kind 0 at the end of the line.
func (p *ruleParser) next() ruleToken {
	if p.pos >= len(p.toks) {
		return ruleToken{col: p.endCol}
	}
	t := p.toks[p.pos]
	p.pos++
	return t
}

// describe names a token for an error message.
func describe(t ruleToken) string {
	if t.kind == 0 {
		return "the end of the line"
	}
	return strconv.Quote(t.text)
}

func (p *ruleParser) rule() (Rule, error) {
	var r Rule
	t := p.next()
	r.Tier = tierOf(t)
	if r.Tier == 0 {
		return Rule{}, &ruleError{t.col, fmt.Sprintf("expected a tier (core, key or general), found %s", describe(t))}
	}
	if t = p.next(); t.kind != ':' {
		return Rule{}, &ruleError{t.col, fmt.Sprintf("expected ':' after the tier, found %s", describe(t))}
	}
	for {
		if err := p.condition(&r); err != nil {
			return Rule{}, err
		}
		t = p.next()
		if t.kind == 0 {
			return r, nil
		}
		if t.kind != 'w' || !strings.EqualFold(t.text, "and") {
			return Rule{}, &ruleError{t.col, fmt.Sprintf(`expected "and" or the end of the line, found %s`, describe(t))}
		}
	}
}

// tierOf returns the tier a word names, or 0.
func tierOf(t ruleToken) Tier {
	if t.kind != 'w' {
		return 0
	}
	switch strings.ToLower(t.text) {
	case "core", "核心":
		return Core
	case "key", "重点":
		return Key
	case "general", "一般":
		return General
	}
	return 0
}

func (p *ruleParser) condition(r *Rule) error {
	t := p.next()
	switch {
	case t.kind == 'w' && strings.EqualFold(t.text, "industry"):
		if r.Industries != nil {
			return &ruleError{t.col, "the industry condition is given twice in this rule (list all codes in one: industry in C36, C37)"}
		}
		if in := p.next(); in.kind != 'w' || !strings.EqualFold(in.text, "in") {
			return &ruleError{in.col, fmt.Sprintf(`expected "in" after "industry", found %s`, describe(in))}
		}
		for {
			c := p.next()
			code := strings.ToUpper(c.text) // a valid code is ASCII; so must the text be
			if c.kind != 'w' || !isASCII(c.text) || !isIndustryCode(code) {
				return &ruleError{c.col, fmt.Sprintf("expected a GB/T 4754 industry code (a letter A-T, optionally with 2-4 digits, e.g. C36), found %s", describe(c))}
			}
			r.Industries = append(r.Industries, code)
			if p.pos >= len(p.toks) || p.toks[p.pos].kind != ',' {
				return nil
			}
			p.pos++
		}
	case t.kind == 'w' && strings.EqualFold(t.text, "rank"):
		if r.MaxRank != 0 {
			return &ruleError{t.col, "the rank condition is given twice in this rule"}
		}
		if le := p.next(); le.kind != '<' {
			return &ruleError{le.col, fmt.Sprintf(`expected "<=" after "rank", found %s`, describe(le))}
		}
		num := p.next()
		n, err := strconv.Atoi(num.text)
		if num.kind != 'w' || err != nil || !isDigits(num.text) || n < 1 || n > MaxRuleRank {
			return &ruleError{num.col, fmt.Sprintf("expected a rank from 1 to %d in digits, found %s", MaxRuleRank, describe(num))}
		}
		r.MaxRank = n
		return nil
	}
	return &ruleError{t.col, fmt.Sprintf(`expected a condition ("industry in ..." or "rank <= ..."), found %s`, describe(t))}
}

// isASCII reports whether s is ASCII only.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// isDigits reports whether s is ASCII digits only.
func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// isIndustryCode reports whether c is a GB/T 4754-2017 code: a section letter
// A-T optionally followed by 2, 3 or 4 digits.
func isIndustryCode(c string) bool {
	if c == "" || c[0] < 'A' || c[0] > 'T' {
		return false
	}
	d := len(c) - 1
	return (d == 0 || (d >= 2 && d <= 4)) && (d == 0 || isDigits(c[1:]))
}

// Validate checks a rule: a tier, at least one condition, industry codes in
// the GB/T 4754 form with upper-case letters, and a rank from 0 (none) to
// MaxRuleRank.
func (r Rule) Validate() error {
	if r.Tier < Core || r.Tier > General {
		return kamp.Errorf(kamp.EINVALID, "rule: tier %d is not core, key or general", r.Tier)
	}
	if len(r.Industries) == 0 && r.MaxRank == 0 {
		return kamp.Errorf(kamp.EINVALID, "rule %q: needs an industry or a rank condition", r.String())
	}
	if r.MaxRank < 0 || r.MaxRank > MaxRuleRank {
		return kamp.Errorf(kamp.EINVALID, "rule: rank %d is not from 1 to %d", r.MaxRank, MaxRuleRank)
	}
	for _, c := range r.Industries {
		if !isIndustryCode(c) {
			return kamp.Errorf(kamp.EINVALID, "rule: %q is not a GB/T 4754 industry code", c)
		}
	}
	return nil
}

// String writes the rule in the syntax of ParseRules, e.g.
// "core: industry in C36,C37 and rank <= 500".
func (r Rule) String() string {
	var b strings.Builder
	b.WriteString(r.Tier.String())
	b.WriteByte(':')
	sep := " "
	if len(r.Industries) > 0 {
		b.WriteString(" industry in ")
		b.WriteString(strings.Join(r.Industries, ","))
		sep = " and "
	}
	if r.MaxRank != 0 {
		b.WriteString(sep)
		b.WriteString("rank <= ")
		b.WriteString(strconv.Itoa(r.MaxRank))
	}
	return b.String()
}

// FormatRules writes rules in the syntax of ParseRules, one per line.
func FormatRules(rules []Rule) string {
	var b strings.Builder
	for _, r := range rules {
		b.WriteString(r.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// matches reports whether a unit of the given rank and industry (upper-case)
// meets every condition of r.
func (r *Rule) matches(rank int32, industry string) bool {
	if r.MaxRank != 0 && int(rank) > r.MaxRank {
		return false
	}
	if len(r.Industries) == 0 {
		return true
	}
	if industry == "" {
		return false
	}
	for _, c := range r.Industries {
		if strings.HasPrefix(industry, c) {
			return true
		}
	}
	return false
}

// ApplyRules proposes a tier for every unit of r: the tier of the first rule
// (in order) whose conditions the unit meets, or its computed tier when none
// does. industries gives each unit's GB/T 4754 industry code by unit index
// (for a group, typically its root's or its main member's; "" when unknown,
// which meets no industry condition); letters are compared upper-cased. It
// returns the proposed tiers and, by unit, the index of the rule that set the
// tier or -1. r is not changed: proposals feed the approved list, never
// tiers.csv. Errors (EINVALID): an invalid rule, or industries of the wrong
// length.
func ApplyRules(rules []Rule, r *Result, industries []string) ([]Tier, []int32, error) {
	n := len(r.Tier)
	if len(industries) != n {
		return nil, nil, kamp.Errorf(kamp.EINVALID, "rules: %d industries given for %d units", len(industries), n)
	}
	for i, rule := range rules {
		if err := rule.Validate(); err != nil {
			return nil, nil, kamp.WrapError(kamp.EINVALID, err, "rules: rule %d is invalid", i+1)
		}
	}
	tiers := make([]Tier, n)
	matched := make([]int32, n)
	for u := range n {
		tiers[u], matched[u] = r.Tier[u], -1
		ind := strings.ToUpper(strings.TrimSpace(industries[u]))
		for i := range rules {
			if rules[i].matches(r.Rank[u], ind) {
				tiers[u], matched[u] = rules[i].Tier, int32(i)
				break
			}
		}
	}
	return tiers, matched, nil
}
