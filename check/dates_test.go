package check

import (
	"fmt"
	"testing"
	"time"
)

func TestDate(t *testing.T) {
	tests := []struct {
		s, err string
	}{
		{"2024-02-29", ""}, {"2000-02-29", ""}, {"1900-01-01", ""}, {"2999-12-31", ""},
		{"2023-12-31", ""}, {"2024-04-30", ""}, {"2024-01-31", ""},
		{"2023-02-29", "day 29 does not exist in 2023-02, which has 28 days"},
		{"1900-02-29", "day 29 does not exist in 1900-02, which has 28 days"},
		{"2100-02-29", "day 29 does not exist in 2100-02"},
		{"2024-02-30", "day 30 does not exist in 2024-02, which has 29 days"},
		{"2024-04-31", "day 31 does not exist in 2024-04, which has 30 days"},
		{"2024-01-32", "day 32 does not exist"},
		{"2024-01-00", "day 00 does not exist"},
		{"2024-13-01", "month 13 does not exist; expected 01-12"},
		{"2024-00-10", "month 00 does not exist"},
		{"1899-12-31", "year 1899 is out of range; expected 1900-2999"},
		{"3000-01-01", "year 3000 is out of range"},
		{"0000-01-01", "year 0000 is out of range"},
		{"", "not a date (YYYY-MM-DD)"},
		{"2024-1-05", "not a date (YYYY-MM-DD)"},
		{"2024/01/05", "not a date (YYYY-MM-DD)"},
		{"20240105", "not a date (YYYY-MM-DD)"},
		{"2024-01-5x", "not a date (YYYY-MM-DD)"},
		{"-024-01-05", "not a date (YYYY-MM-DD)"},
		{"2024-01-05T00:00", "not a date (YYYY-MM-DD)"},
		{"2024-01-05 ", "not a date (YYYY-MM-DD): leading or trailing space"},
		{" 2024-01-05", "leading or trailing space"},
		{"2024-01", "not a date (YYYY-MM-DD): the day is missing"},
		{"２０２４-01-05", "not a date (YYYY-MM-DD)"},
	}
	for _, tt := range tests {
		checkErr(t, Date(tt.s), tt.err)
	}
}

// TestDateMatchesTime compares Date with the time package over every
// year-month-day combination around and inside the accepted years.
func TestDateMatchesTime(t *testing.T) {
	for y := 1890; y <= 3010; y++ {
		for m := 0; m <= 13; m++ {
			for d := 0; d <= 32; d++ {
				s := fmt.Sprintf("%04d-%02d-%02d", y, m, d)
				_, perr := time.Parse(time.DateOnly, s)
				want := perr == nil && y >= MinYear && y <= MaxYear
				if err := Date(s); (err == nil) != want {
					t.Fatalf("Date(%q) = %v, want ok=%v", s, err, want)
				}
			}
		}
	}
}

func FuzzDate(f *testing.F) {
	for _, s := range []string{"2024-02-29", "2023-02-29", "1899-12-31", "2024-13-01", "2024-1-05", "", "2024-01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := Date(s)
		ok := len(s) == 10
		if ok {
			_, perr := time.Parse(time.DateOnly, s)
			y := num(s[:4])
			ok = perr == nil && y >= MinYear && y <= MaxYear
		}
		if (err == nil) != ok {
			t.Fatalf("Date(%q) = %v, want ok=%v", s, err, ok)
		}
		if err != nil {
			checkInvalid(t, err)
		}
	})
}

func BenchmarkDate(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if err := Date("2024-02-29"); err != nil {
			b.Fatal(err)
		}
	}
}

func TestPeriod(t *testing.T) {
	tests := []struct {
		s, err string
	}{
		{"2024-01", ""}, {"2024-12", ""}, {"1900-01", ""}, {"2999-12", ""},
		{"2024-13", "month 13 does not exist; expected 01-12"},
		{"2024-00", "month 00 does not exist"},
		{"1899-12", "year 1899 is out of range; expected 1900-2999"},
		{"3000-01", "year 3000 is out of range"},
		{"", "not a period (YYYY-MM)"},
		{"2024-1", "not a period (YYYY-MM)"},
		{"2024/01", "not a period (YYYY-MM)"},
		{"202401", "not a period (YYYY-MM)"},
		{"2024-0a", "not a period (YYYY-MM)"},
		{"2024-01 ", "not a period (YYYY-MM)"},
		{"2024-01-31", "not a period (YYYY-MM): a full date was given"},
	}
	for _, tt := range tests {
		checkErr(t, Period(tt.s), tt.err)
	}
}

func TestPeriodEnd(t *testing.T) {
	tests := []struct {
		period, want string
	}{
		{"2024-02", "2024-02-29"},
		{"2023-02", "2023-02-28"},
		{"2000-02", "2000-02-29"},
		{"2100-02", "2100-02-28"},
		{"2024-01", "2024-01-31"},
		{"2024-04", "2024-04-30"},
		{"2024-12", "2024-12-31"},
		{"2024-13", ""},
		{"2024-1", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := PeriodEnd(tt.period); got != tt.want {
			t.Errorf("PeriodEnd(%q) = %q, want %q", tt.period, got, tt.want)
		}
	}
	// Property: the end is a valid date, and the next day is in the next month.
	for y := MinYear; y <= MaxYear; y++ {
		for m := 1; m <= 12; m++ {
			p := fmt.Sprintf("%04d-%02d", y, m)
			end := PeriodEnd(p)
			if err := Date(end); err != nil {
				t.Fatalf("PeriodEnd(%q) = %q: %v", p, end, err)
			}
			d, _ := time.Parse(time.DateOnly, end)
			if next := d.AddDate(0, 0, 1); next.Day() != 1 {
				t.Fatalf("PeriodEnd(%q) = %q is not the last day", p, end)
			}
		}
	}
}

func TestBool(t *testing.T) {
	tests := []struct {
		s    string
		want bool
		err  string
	}{
		{"1", true, ""}, {"0", false, ""},
		{"true", true, ""}, {"TRUE", true, ""}, {"True", true, ""},
		{"false", false, ""}, {"FALSE", false, ""}, {"fAlSe", false, ""},
		{"", false, "not a boolean; expected 1, 0, true or false"},
		{"yes", false, "not a boolean"},
		{"no", false, "not a boolean"},
		{"t", false, "not a boolean"},
		{"2", false, "not a boolean"},
		{"01", false, "not a boolean"},
		{" true", false, "not a boolean"},
		{"truee", false, "not a boolean"},
		{"是", false, "not a boolean"},
	}
	for _, tt := range tests {
		got, err := Bool(tt.s)
		checkErr(t, err, tt.err)
		if got != tt.want {
			t.Errorf("Bool(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}
