package screen

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kampbank/kamp"
)

// WeightTolerance is how far the weights may sum from 1.
const WeightTolerance = 1e-9

// Weights maps an indicator name (a standard indicator such as "revenue" or
// the lower-cased header of a custom metrics.csv column) to its weight in the
// score. Weights are >= 0 and sum to 1 within WeightTolerance. An indicator
// of the data without a weight counts with weight 0.
type Weights map[string]float64

// DefaultWeights returns the default weights of engines.md §2: revenue 0.4,
// deposits_avg 0.3, loans_avg 0.2, fee_income 0.1.
func DefaultWeights() Weights {
	return Weights{"revenue": 0.4, "deposits_avg": 0.3, "loans_avg": 0.2, "fee_income": 0.1}
}

// ParseWeights parses weights written as comma-separated name=value items,
// such as "revenue=0.4, deposits_avg=0.3, loans_avg=0.2, fee_income=0.1".
//
// Syntax: white space around names, values and commas is ignored; a name is
// any text without ',', '=' or control characters and is lower-cased (custom
// indicators are keyed by their lower-cased header); a value is digits with an
// optional '.' followed by at least one digit (no sign, exponent or thousands
// separators). Each name may appear once. The result is checked with
// Weights.Validate. Errors are EINVALID and name the item and its column
// (1-based, in characters).
func ParseWeights(s string) (Weights, error) {
	if strings.TrimSpace(s) == "" {
		return nil, kamp.Errorf(kamp.EINVALID, "weights: none given (write name=value items separated by commas, e.g. revenue=0.4,deposits_avg=0.6)")
	}
	w := Weights{}
	start := 0
	for item := 1; ; item++ {
		end := strings.IndexByte(s[start:], ',')
		if end < 0 {
			end = len(s)
		} else {
			end += start
		}
		if err := parseWeightItem(w, s, start, end, item); err != nil {
			return nil, err
		}
		if end == len(s) {
			break
		}
		start = end + 1
	}
	if err := w.Validate(); err != nil {
		return nil, err
	}
	return w, nil
}

// parseWeightItem parses s[start:end], the item-th name=value item, into w.
func parseWeightItem(w Weights, s string, start, end, item int) error {
	text := s[start:end]
	col := column(s, start+leadingSpace(text))
	if strings.TrimSpace(text) == "" {
		return kamp.Errorf(kamp.EINVALID, "weights: item %d at column %d is empty (remove the extra comma)", item, col)
	}
	eq := strings.IndexByte(text, '=')
	if eq < 0 {
		return kamp.Errorf(kamp.EINVALID, "weights: item %d %q at column %d has no '=' (write name=value, e.g. revenue=0.4)", item, strings.TrimSpace(text), col)
	}
	name := strings.ToLower(strings.TrimSpace(text[:eq]))
	if err := checkIndicatorName(name); err != nil {
		return kamp.WrapError(kamp.EINVALID, err, "weights: item %d at column %d: bad indicator name %q", item, col, name)
	}
	valText := text[eq+1:]
	val := strings.TrimSpace(valText)
	valCol := column(s, start+eq+1+leadingSpace(valText))
	v, err := parseWeightValue(val)
	if err != nil {
		return kamp.WrapError(kamp.EINVALID, err, "weights: %s at column %d: weight %q is not valid", name, valCol, val)
	}
	if _, dup := w[name]; dup {
		return kamp.Errorf(kamp.EINVALID, "weights: %s at column %d is given twice (give each indicator once)", name, col)
	}
	w[name] = v
	return nil
}

// leadingSpace returns the number of bytes of white space at the start of s.
func leadingSpace(s string) int {
	return len(s) - len(strings.TrimLeftFunc(s, unicode.IsSpace))
}

// column returns the 1-based character column of byte offset off in s.
func column(s string, off int) int {
	return utf8.RuneCountInString(s[:off]) + 1
}

// weightError is a plain reason, wrapped into a kamp.Error by the caller.
type weightError string

// Error implements error.
func (e weightError) Error() string { return string(e) }

// parseWeightValue parses a weight: digits, optionally '.' and digits.
func parseWeightValue(v string) (float64, error) {
	switch {
	case v == "":
		return 0, weightError("empty (write a number such as 0.4)")
	case v[0] == '-':
		return 0, weightError("negative (weights are >= 0)")
	}
	digits, dot := 0, false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot && digits > 0:
			dot, digits = true, 0
		default:
			return 0, weightError("not a number (use digits with an optional decimal point, e.g. 0.4)")
		}
	}
	if digits == 0 {
		return 0, weightError("not a number (a decimal point must be followed by digits)")
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, weightError("out of range")
	}
	return f, nil
}

// checkIndicatorName checks that name can be written in the weights syntax.
func checkIndicatorName(name string) error {
	if name == "" {
		return weightError("empty")
	}
	if !utf8.ValidString(name) {
		return weightError("not valid UTF-8")
	}
	if strings.TrimSpace(name) != name {
		return weightError("surrounded by white space")
	}
	for _, r := range name {
		if r == ',' || r == '=' || unicode.IsControl(r) {
			return weightError("contains ',', '=' or a control character")
		}
	}
	return nil
}

// Validate checks the weights: at least one, names writable in the weights
// syntax, every value finite and >= 0, and the sum within WeightTolerance of
// 1 (summed exactly, so the check does not depend on map order). Errors are
// EINVALID.
func (w Weights) Validate() error {
	if len(w) == 0 {
		return kamp.Errorf(kamp.EINVALID, "weights: none given")
	}
	var sum exactAcc
	for _, name := range w.names() {
		v := w[name]
		if err := checkIndicatorName(name); err != nil {
			return kamp.WrapError(kamp.EINVALID, err, "weights: bad indicator name %q", name)
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return kamp.Errorf(kamp.EINVALID, "weights: %s is not a finite number", name)
		}
		if v < 0 {
			return kamp.Errorf(kamp.EINVALID, "weights: %s is negative (%s); weights are >= 0", name, strconv.FormatFloat(v, 'g', -1, 64))
		}
		sum.add(v)
	}
	if total := sum.float(); math.Abs(total-1) > WeightTolerance {
		return kamp.Errorf(kamp.EINVALID, "weights: they sum to %s, not 1 (adjust them so that they add up to 1)", strconv.FormatFloat(total, 'g', -1, 64))
	}
	return nil
}

// names returns the indicator names in byte order.
func (w Weights) names() []string {
	names := make([]string, 0, len(w))
	for name := range w {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// String writes the weights in the syntax of ParseWeights, names in byte
// order and values as the shortest decimals that read back to the same
// float64: "deposits_avg=0.3,fee_income=0.1,loans_avg=0.2,revenue=0.4".
func (w Weights) String() string {
	var b strings.Builder
	for i, name := range w.names() {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(name)
		b.WriteByte('=')
		b.WriteString(formatWeight(w[name]))
	}
	return b.String()
}

// formatWeight formats a weight without an exponent.
func formatWeight(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64)
}
