package web

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/kampbank/kamp"
)

// Unit is the scale an amount is shown in.
type Unit int

// Amount display units. UnitAuto picks 亿元 for amounts of at least 1e8
// (in absolute value) and 万元 below.
const (
	UnitAuto Unit = iota
	UnitYuan      // 元: full units
	UnitWan       // 万元: 10,000
	UnitYi        // 亿元: 100,000,000
)

// yiThreshold is 1e8 yuan in kamp.Amount units (1e-4 yuan).
const yiThreshold = 100_000_000 * 10_000

// unitDivisor is how many kamp.Amount units make one hundredth of the unit,
// the last digit shown.
var unitDivisor = [...]uint64{
	UnitYuan: 100,            // 0.01 yuan = 100 units
	UnitWan:  1_000_000,      // 0.01 万元 = 100 yuan
	UnitYi:   10_000_000_000, // 0.01 亿元 = 1,000,000 yuan
}

// ChooseUnit resolves UnitAuto for amount a: 亿元 when |a| >= 1e8 yuan, else
// 万元. Any other unit is returned as it is.
func ChooseUnit(a kamp.Amount, u Unit) Unit {
	if u != UnitAuto {
		return u
	}
	if a >= yiThreshold || a <= -yiThreshold {
		return UnitYi
	}
	return UnitWan
}

// FormatAmount returns a in unit u (UnitAuto resolved by ChooseUnit) with
// two decimals, rounded half away from zero, thousands separated by commas
// and a leading '-' when negative: "1,234.56", "-12.35". It also returns the
// unit used. Amounts that round to zero are "0.00", never "-0.00".
func FormatAmount(a kamp.Amount, u Unit) (string, Unit) {
	u = ChooseUnit(a, u)
	neg := a < 0
	mag := uint64(a)
	if neg {
		mag = -mag // two's complement: correct for math.MinInt64 too
	}
	div := unitDivisor[u]
	hundredths := mag / div
	if rem := mag % div; rem >= div-rem {
		hundredths++ // half away from zero
	}
	s := groupThousands(strconv.FormatUint(hundredths/100, 10))
	frac := hundredths % 100
	s += "." + string(rune('0'+frac/10)) + string(rune('0'+frac%10))
	if neg && hundredths != 0 {
		s = "-" + s
	}
	return s, u
}

// FormatInt formats n with thousands separators: "1,234,567", "-5".
func FormatInt(n int64) string {
	if n < 0 {
		return "-" + groupThousands(strconv.FormatUint(-uint64(n), 10))
	}
	return groupThousands(strconv.FormatInt(n, 10))
}

// groupThousands inserts a comma every three digits from the right of a
// string of digits.
func groupThousands(digits string) string {
	if len(digits) <= 3 {
		return digits
	}
	var b strings.Builder
	b.Grow(len(digits) + len(digits)/3)
	first := len(digits) % 3
	if first == 0 {
		first = 3
	}
	b.WriteString(digits[:first])
	for i := first; i < len(digits); i += 3 {
		b.WriteByte(',')
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}

// FormatPercent formats a percentage (50 means 50%) with one decimal and a
// percent sign: "12.3%", "-0.5%". NaN and infinities are "—".
func FormatPercent(p float64) string {
	if math.IsNaN(p) || math.IsInf(p, 0) {
		return "—"
	}
	s := strconv.FormatFloat(p, 'f', 1, 64)
	if s == "-0.0" {
		s = "0.0"
	}
	return s + "%"
}

// FormatShare formats an ownership share with at most four decimals
// (rounded half away from zero, trailing zeros trimmed) and a percent sign:
// "50%", "33.3333%", "0.0001%".
func FormatShare(s kamp.Share) string {
	// Share units are 1e-6 percent; four decimals are units of 100.
	v := int64(s)
	neg := v < 0
	mag := uint64(v)
	if neg {
		mag = -mag
	}
	q := mag / 100
	if rem := mag % 100; rem >= 50 {
		q++
	}
	out := kamp.FormatFixed(int64(q), 4)
	if neg && q != 0 {
		out = "-" + out
	}
	return out + "%"
}

// FormatDate formats t as YYYY-MM-DD in UTC; the zero time is "".
func FormatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

// FormatDateTime formats t as "YYYY-MM-DD HH:MM" in UTC; the zero time is "".
func FormatDateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04")
}

// FormatBytes formats a byte count for people: "512 B", "1.5 MiB".
func FormatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return strconv.FormatFloat(float64(n)/float64(div), 'f', 1, 64) + " " + "KMGTP"[exp:exp+1] + "iB"
}
