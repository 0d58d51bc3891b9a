package check

import (
	"strings"
	"testing"
)

func TestCountry(t *testing.T) {
	tests := []struct {
		s, err string
	}{
		{"CN", ""}, {"HK", ""}, {"MO", ""}, {"TW", ""}, {"US", ""}, {"GB", ""}, {"DE", ""},
		{"AD", ""}, {"ZW", ""}, {"SS", ""}, {"BQ", ""}, {"CW", ""}, {"SX", ""}, {"AX", ""},
		{"PS", ""}, {"AQ", ""}, {"UM", ""},
		{"cn", "country code must be upper case"},
		{"Cn", "country code must be upper case"},
		{"", "not a country code; expected 2 letters"},
		{"C", "not a country code"},
		{"CHN", "not a country code"},
		{"C1", "not a country code"},
		{"中国", "not a country code"},
		{"UK", `unknown country code "UK"`}, // exceptionally reserved, not assigned
		{"EU", `unknown country code "EU"`}, // exceptionally reserved
		{"XK", `unknown country code "XK"`}, // user-assigned (Kosovo)
		{"AN", `unknown country code "AN"`}, // withdrawn (Netherlands Antilles)
		{"YU", `unknown country code "YU"`}, // withdrawn (Yugoslavia)
		{"ZZ", `unknown country code "ZZ"`}, // user-assigned
		{"AA", `unknown country code "AA"`}, // user-assigned
		{"QM", `unknown country code "QM"`}, // user-assigned
		{"SU", `unknown country code "SU"`}, // transitionally reserved
		{"DD", `unknown country code "DD"`}, // withdrawn (East Germany)
		{"CS", `unknown country code "CS"`}, // withdrawn
		{"TP", `unknown country code "TP"`}, // withdrawn (East Timor)
		{"ZR", `unknown country code "ZR"`}, // withdrawn (Zaire)
		{"NT", `unknown country code "NT"`}, // withdrawn (Neutral Zone)
		{"BU", `unknown country code "BU"`}, // withdrawn (Burma)
		{"AC", `unknown country code "AC"`}, // exceptionally reserved
		{"XX", `unknown country code "XX"`}, // user-assigned
		{"OO", `unknown country code "OO"`}, // user-assigned
		{"FX", `unknown country code "FX"`}, // exceptionally reserved
		{"IC", `unknown country code "IC"`}, // exceptionally reserved
		{"EA", `unknown country code "EA"`}, // exceptionally reserved
		{"UN", `unknown country code "UN"`}, // exceptionally reserved
	}
	for _, tt := range tests {
		checkErr(t, Country(tt.s), tt.err)
	}
}

func TestCodeLists(t *testing.T) {
	count := func(tab []bool) int {
		n := 0
		for _, b := range tab {
			if b {
				n++
			}
		}
		return n
	}
	// ISO 3166-1 has 249 officially assigned alpha-2 codes.
	if n := count(countryTable); n != 249 {
		t.Errorf("%d country codes, want 249", n)
	}
	if n, want := count(currencyTable), len(strings.Fields(currencyCodes)); n != want {
		t.Errorf("%d currency codes in the table, %d in the list", n, want)
	}
	for _, c := range strings.Fields(currencyCodes) {
		checkErr(t, Currency(c), "")
	}
	for _, c := range strings.Fields(countryCodes) {
		checkErr(t, Country(c), "")
	}
}

func TestCodeTablePanicsOnBadList(t *testing.T) {
	for _, list := range []string{"AB CD AB", "ABC", "A1", "ab"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("codeTable(%q) did not panic", list)
				}
			}()
			codeTable(list, 2)
		}()
	}
}

func TestCurrency(t *testing.T) {
	tests := []struct {
		s, err string
	}{
		{"CNY", ""}, {"USD", ""}, {"EUR", ""}, {"HKD", ""}, {"JPY", ""}, {"GBP", ""},
		{"XAU", ""}, {"XDR", ""}, {"CHE", ""}, {"CLF", ""}, {"USN", ""}, {"BOV", ""},
		{"XTS", ""}, {"XXX", ""}, {"ZWG", ""}, {"SLE", ""}, {"VED", ""}, {"XCG", ""},
		{"cny", "currency code must be upper case"},
		{"Usd", "currency code must be upper case"},
		{"", "not a currency code; expected 3 letters"},
		{"CN", "not a currency code"},
		{"CNYY", "not a currency code"},
		{"C1Y", "not a currency code"},
		{"¥", "not a currency code"},
		{"RMB", `unknown currency code "RMB"`},
		{"CNH", `unknown currency code "CNH"`}, // offshore yuan is a market code, not ISO 4217
		{"DEM", `unknown currency code "DEM"`}, // historic
		{"FRF", `unknown currency code "FRF"`}, // historic
		{"HRK", `unknown currency code "HRK"`}, // replaced by EUR in 2023
		{"ZWL", `unknown currency code "ZWL"`}, // replaced by ZWG in 2024
		{"VEF", `unknown currency code "VEF"`}, // replaced by VES
		{"MRO", `unknown currency code "MRO"`}, // replaced by MRU
		{"BTC", `unknown currency code "BTC"`},
		{"AAA", `unknown currency code "AAA"`},
	}
	for _, tt := range tests {
		checkErr(t, Currency(tt.s), tt.err)
	}
}

func TestIndustry(t *testing.T) {
	tests := []struct {
		s, err string
	}{
		{"A", ""}, {"C", ""}, {"T", ""}, {"C36", ""}, {"C361", ""}, {"C3612", ""}, {"J66", ""}, {"K7010", ""},
		{"", "empty industry code"},
		{"c3612", "industry code must be upper case"},
		{"U", "must start with a section letter A-T"},
		{"Z01", "must start with a section letter A-T"},
		{"3612", "must start with a section letter A-T"},
		{"-C36", "must start with a section letter A-T"},
		{"CC36", "followed only by digits"},
		{"C36.1", "followed only by digits"},
		{"C 36", "followed only by digits"},
		{"C3", "has 1 digits after the section letter; expected none, 2, 3 or 4"},
		{"C36121", "has 5 digits after the section letter"},
	}
	for _, tt := range tests {
		checkErr(t, Industry(tt.s), tt.err)
	}
}
