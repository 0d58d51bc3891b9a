package check

import "strings"

// Dates and periods must have a year between MinYear and MaxYear.
const (
	// MinYear is the earliest year of a date or period.
	MinYear = 1900
	// MaxYear is the latest year of a date or period.
	MaxYear = 2999
)

// num parses a string of ASCII digits, or returns -1.
func num(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return -1
		}
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// isLeap reports whether y is a Gregorian leap year.
func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// daysIn returns the number of days of month m (1-12) of year y.
func daysIn(y, m int) int {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	default:
		return 31
	}
}

// yearMonth parses the "YYYY-MM" at the start of s, checking its shape only;
// it returns -1s for a malformed one.
func yearMonth(s string) (int, int) {
	if len(s) < 7 || s[4] != '-' {
		return -1, -1
	}
	y, m := num(s[:4]), num(s[5:7])
	if y < 0 || m < 0 {
		return -1, -1
	}
	return y, m
}

// checkYearMonth checks the range of a parsed year and month.
func checkYearMonth(y, m int) error {
	if y < MinYear || y > MaxYear {
		return invalid("year %04d is out of range; expected %d-%d", y, MinYear, MaxYear)
	}
	if m < 1 || m > 12 {
		return invalid("month %02d does not exist; expected 01-12", m)
	}
	return nil
}

// Date checks a date of the form YYYY-MM-DD that exists in the Gregorian
// calendar (leap years included), with a year between MinYear and MaxYear.
func Date(s string) error {
	if len(s) != 10 || s[7] != '-' {
		return notDate(s)
	}
	y, m := yearMonth(s)
	d := num(s[8:])
	if y < 0 || d < 0 {
		return notDate(s)
	}
	if err := checkYearMonth(y, m); err != nil {
		return err
	}
	if n := daysIn(y, m); d < 1 || d > n {
		return invalid("day %02d does not exist in %04d-%02d, which has %d days", d, y, m, n)
	}
	return nil
}

// notDate explains why s is not of the YYYY-MM-DD shape.
func notDate(s string) error {
	if strings.TrimSpace(s) != s {
		return invalid("not a date (YYYY-MM-DD): leading or trailing space")
	}
	if len(s) == 7 {
		if y, _ := yearMonth(s); y >= 0 {
			return invalid("not a date (YYYY-MM-DD): the day is missing")
		}
	}
	return invalid("not a date (YYYY-MM-DD)")
}

// Period checks a period (a month) of the form YYYY-MM, with a month 01-12
// and a year between MinYear and MaxYear.
func Period(s string) error {
	if len(s) != 7 {
		if len(s) == 10 && Date(s) == nil {
			return invalid("not a period (YYYY-MM): a full date was given")
		}
		return invalid("not a period (YYYY-MM)")
	}
	y, m := yearMonth(s)
	if y < 0 {
		return invalid("not a period (YYYY-MM)")
	}
	return checkYearMonth(y, m)
}

// PeriodEnd returns the last day of a period as a date: "2024-02" gives
// "2024-02-29". It expects a valid period and returns "" for anything else.
func PeriodEnd(period string) string {
	if Period(period) != nil {
		return ""
	}
	y, m := yearMonth(period)
	d := daysIn(y, m)
	var b [10]byte
	copy(b[:], period)
	b[7] = '-'
	b[8] = byte('0' + d/10)
	b[9] = byte('0' + d%10)
	return string(b[:])
}

// Bool parses a boolean field: "1", "0", "true" or "false", in any case.
func Bool(s string) (bool, error) {
	switch {
	case s == "1":
		return true, nil
	case s == "0":
		return false, nil
	case len(s) == 4 && strings.EqualFold(s, "true"):
		return true, nil
	case len(s) == 5 && strings.EqualFold(s, "false"):
		return false, nil
	}
	return false, invalid("not a boolean; expected 1, 0, true or false")
}
