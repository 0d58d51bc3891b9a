package check

import (
	"fmt"
	"strings"
)

// countryCodes are the officially assigned ISO 3166-1 alpha-2 codes.
const countryCodes = `
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ
BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ
DE DJ DK DM DO DZ
EC EE EG EH ER ES ET
FI FJ FK FM FO FR
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY
HK HM HN HR HT HU
ID IE IL IM IN IO IQ IR IS IT
JE JM JO JP
KE KG KH KI KM KN KP KR KW KY KZ
LA LB LC LI LK LR LS LT LU LV LY
MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ
NA NC NE NF NG NI NL NO NP NR NU NZ
OM
PA PE PF PG PH PK PL PM PN PR PS PT PW PY
QA
RE RO RS RU RW
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ
TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ
UA UG UM US UY UZ
VA VC VE VG VI VN VU
WF WS
YE YT
ZA ZM ZW
`

// currencyCodes are the ISO 4217 alphabetic codes of List One (current
// currencies and funds, including the X.. codes of precious metals, units of
// account, testing and "no currency"). Codes in a changeover that ISO still
// lists are kept: ANG beside XCG, SLL beside SLE, VES beside VED, CUC, BGN.
const currencyCodes = `
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN
BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD
CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK
DJF DKK DOP DZD
EGP ERN ETB EUR
FJD FKP
GBP GEL GHS GIP GMD GNF GTQ GYD
HKD HNL HTG HUF
IDR ILS INR IQD IRR ISK
JMD JOD JPY
KES KGS KHR KMF KPW KRW KWD KYD KZT
LAK LBP LKR LRD LSL LYD
MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN
NAD NGN NIO NOK NPR NZD
OMR
PAB PEN PGK PHP PKR PLN PYG
QAR
RON RSD RUB RWF
SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL
THB TJS TMT TND TOP TRY TTD TWD TZS
UAH UGX USD USN UYI UYU UYW UZS
VED VES VND VUV
WST
XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XTS XUA XXX
YER
ZAR ZMW ZWG
`

// letterIndex returns the index of an upper-case code of n letters in a
// table of 26^n entries, or -1 if s is not n upper-case letters.
func letterIndex(s string, n int) int {
	if len(s) != n {
		return -1
	}
	x := 0
	for i := 0; i < n; i++ {
		c := s[i]
		if c < 'A' || c > 'Z' {
			return -1
		}
		x = x*26 + int(c-'A')
	}
	return x
}

// codeTable builds a lookup table of 26^n entries from a list of n-letter
// codes separated by white space; it panics on a malformed list, which is a
// programming error caught by the tests.
func codeTable(list string, n int) []bool {
	size := 1
	for i := 0; i < n; i++ {
		size *= 26
	}
	t := make([]bool, size)
	for _, c := range strings.Fields(list) {
		x := letterIndex(c, n)
		if x < 0 || t[x] {
			panic(fmt.Sprintf("check: malformed or repeated code %q", c))
		}
		t[x] = true
	}
	return t
}

var (
	countryTable  = codeTable(countryCodes, 2)
	currencyTable = codeTable(currencyCodes, 3)
)

// Country checks an ISO 3166-1 alpha-2 country code: two upper-case letters
// that are officially assigned ("CN", "HK", "US").
func Country(s string) error {
	if x := letterIndex(s, 2); x >= 0 && countryTable[x] {
		return nil
	}
	if hasLower(s) {
		return invalid("country code must be upper case, like \"CN\"")
	}
	if letterIndex(s, 2) < 0 {
		return invalid("not a country code; expected 2 letters of ISO 3166-1 alpha-2, like \"CN\"")
	}
	return invalid("unknown country code %q; expected an ISO 3166-1 alpha-2 code, like \"CN\"", s)
}

// Currency checks an ISO 4217 alphabetic currency code: three upper-case
// letters of a current currency or fund ("CNY", "USD", "XAU").
func Currency(s string) error {
	if x := letterIndex(s, 3); x >= 0 && currencyTable[x] {
		return nil
	}
	if hasLower(s) {
		return invalid("currency code must be upper case, like \"CNY\"")
	}
	if letterIndex(s, 3) < 0 {
		return invalid("not a currency code; expected 3 letters of ISO 4217, like \"CNY\"")
	}
	return invalid("unknown currency code %q; expected an ISO 4217 code, like \"CNY\"", s)
}

// Industry checks the shape of a GB/T 4754-2017 industry code: a section
// letter A-T, optionally followed by a division (2 digits), group (3) or class
// (4): "C", "C36", "C361", "C3612". It does not check that the digits name a
// division of that section.
func Industry(s string) error {
	if s == "" {
		return invalid("empty industry code; expected a section letter A-T and 2, 3 or 4 digits, like \"C3612\"")
	}
	if hasLower(s) {
		return invalid("industry code must be upper case, like \"C3612\"")
	}
	if c := s[0]; c < 'A' || c > 'T' {
		return invalid("industry code must start with a section letter A-T (GB/T 4754-2017), like \"C3612\"")
	}
	for i := 1; i < len(s); i++ {
		if !isDigit(s[i]) {
			return invalid("industry code must be a section letter A-T followed only by digits, like \"C3612\"")
		}
	}
	if n := len(s) - 1; n == 1 || n > 4 {
		return invalid("industry code has %d digits after the section letter; expected none, 2, 3 or 4, like \"C3612\"", n)
	}
	return nil
}
