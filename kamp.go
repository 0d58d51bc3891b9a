// Package kamp holds the domain types of kamp, the strategic-client (key
// account) management platform for commercial banks: entities, holdings,
// metrics, exposures, payments, exchange rates, imports and people. It has no
// dependencies beyond the standard library; the store, the engines, the
// importer and the web server all speak in these types.
package kamp

import (
	"strconv"
	"time"
)

// ReportingCurrency is the currency that amounts are converted to for
// reporting unless configured otherwise.
const ReportingCurrency = "CNY"

// AmountScale is the number of decimals an Amount keeps: amounts are held as
// integers of 1/10,000 of the currency's major unit (data-formats.md allows at
// most 4 decimals), so they never pass through floating point.
const AmountScale = 4

// ShareScale is the number of decimals a Share keeps (share_pct has at most 6).
const ShareScale = 6

// RateScale is the number of decimals a Rate keeps (FX rates have at most 10).
const RateScale = 10

// Amount is an exact money amount in units of 1/10,000 of its currency's major
// unit: 12.5 yuan is Amount(125000).
type Amount int64

// String formats a as a plain decimal with trailing zeros trimmed: "230",
// "1234.5", "-0.0001".
func (a Amount) String() string { return FormatFixed(int64(a), AmountScale) }

// Share is an ownership share in units of 1/1,000,000 of a percent: 50% is
// Share(50_000_000).
type Share int64

// String formats s as a percentage number without the sign, trailing zeros
// trimmed: "50", "33.333333".
func (s Share) String() string { return FormatFixed(int64(s), ShareScale) }

// Rate is an exchange rate in units of 1e-10 reporting-currency units per one
// unit of the foreign currency.
type Rate int64

// String formats r as a decimal, trailing zeros trimmed.
func (r Rate) String() string { return FormatFixed(int64(r), RateScale) }

// AppendFixed appends FormatFixed(v, scale) to dst without allocating.
func AppendFixed(dst []byte, v int64, scale int) []byte {
	neg := v < 0
	u := uint64(v)
	if neg {
		u = uint64(-v)
		dst = append(dst, '-')
	}
	var digits [24]byte
	d := strconv.AppendUint(digits[:0], u, 10)
	if len(d) <= scale {
		// Leading zeros up to one before the point.
		pad := scale - len(d) + 1
		copy(digits[pad:], d)
		for i := range pad {
			digits[i] = '0'
		}
		d = digits[:len(d)+pad]
	}
	i := len(d) - scale
	dst = append(dst, d[:i]...)
	frac := d[i:]
	for len(frac) > 0 && frac[len(frac)-1] == '0' {
		frac = frac[:len(frac)-1]
	}
	if len(frac) > 0 {
		dst = append(dst, '.')
		dst = append(dst, frac...)
	}
	return dst
}

// FormatFixed formats v / 10^scale as a decimal string with trailing zeros
// (and a trailing point) trimmed.
func FormatFixed(v int64, scale int) string {
	return string(AppendFixed(make([]byte, 0, 24), v, scale))
}

// NullAmount is an Amount that may be absent: an empty field in an
// interchange file means "not given", never zero.
type NullAmount struct {
	Amount Amount
	Valid  bool
}

// EntityKind says what sort of party an entity is.
type EntityKind string

// Entity kinds of entities.csv.
const (
	KindCompany EntityKind = "company"
	KindPerson  EntityKind = "person"
	KindState   EntityKind = "state" // a state-owned-assets body such as a SASAC
)

// Entity is a legal entity, person or state body known to the bank (主体).
type Entity struct {
	ID       string
	Name     string
	Kind     EntityKind
	USCC     string // Unified Social Credit Code, or ""
	LEI      string // Legal Entity Identifier, or ""
	Country  string // ISO 3166-1 alpha-2
	Industry string // GB/T 4754-2017 code, or ""
	Branch   string // org unit code owning the relationship, or ""
	IsClient bool
}

// Holding is one ownership edge (持股): HolderID holds Share of EntityID, or
// controls it by agreement.
type Holding struct {
	HolderID  string
	EntityID  string
	Share     Share // 0 when not given (only allowed with Agreement)
	Agreement bool  // control=agreement
	AsOf      string
}

// StandardIndicators are the metric columns every metrics.csv may carry, in
// the order they are shown.
var StandardIndicators = []string{"deposits_avg", "loans_avg", "revenue", "fee_income"}

// Metric is what one client brought in one period in one currency (指标).
type Metric struct {
	ClientID    string
	Period      string // YYYY-MM
	Currency    string
	DepositsAvg NullAmount
	LoansAvg    NullAmount
	Revenue     NullAmount
	FeeIncome   NullAmount
	// Custom holds custom indicators by their (lower-cased) header name.
	Custom map[string]Amount
}

// Exposure is one credit facility's exposure after credit conversion (风险暴露).
type Exposure struct {
	FacilityID string
	ClientID   string
	Product    string
	Currency   string
	Amount     Amount
	AsOf       string
}

// Payment is one payment flow (交易流水). Each side has an entity id, a name,
// or both.
type Payment struct {
	TxnID     string
	Date      string
	PayerID   string
	PayerName string
	PayeeID   string
	PayeeName string
	Amount    Amount
	Currency  string
}

// FXRate is the value of one unit of Currency in the reporting currency on
// Date.
type FXRate struct {
	Date     string
	Currency string
	Rate     Rate
}

// Import statuses.
const (
	ImportRunning  = "running"
	ImportLoaded   = "loaded"   // every row loaded
	ImportPartial  = "partial"  // good rows loaded, bad rows quarantined
	ImportRejected = "rejected" // bad rows found, nothing loaded
	ImportFailed   = "failed"   // an internal error stopped it, nothing loaded
)

// ImportBatch is one run of the importer over one or more files.
type ImportBatch struct {
	ID         string
	StartedAt  time.Time
	FinishedAt time.Time
	Status     string
	By         string // login of the person or "cli"
	Files      []ImportFile
}

// ImportFile is one file of an import batch.
type ImportFile struct {
	Name     string // base name
	Kind     string // entities, ownership, metrics, exposures, payments, fx
	SHA256   string
	Rows     int  // data rows read
	Loaded   int  // rows loaded
	Rejected int  // bad rows
	Skipped  bool // identical to a file already loaded: a no-op
}

// RowError is one problem with one row of an input file, in the shape of the
// error report of data-formats.md.
type RowError struct {
	File   string // base name
	Line   int    // 1-based line where the record starts; the header is line 1
	Column string // header name, "" when the row as a whole is wrong
	Value  string
	Reason string
}

// Roles a staff member may have.
const (
	RoleAdmin    = "admin"
	RoleAnalyst  = "analyst" // head-office strategic-client analyst
	RoleLeadRM   = "lead_rm" // strategic account manager
	RoleBranchRM = "branch_rm"
	RoleProduct  = "product" // product specialist
	RoleSupport  = "support" // middle/back office
	RoleRisk     = "risk"    // risk officer
	RoleAuditor  = "auditor" // read-only auditor
)

// User is a person who signs in (员工).
type User struct {
	ID        string
	Login     string
	Name      string
	Role      string
	OrgUnit   string
	Level     int // authority level, 1 (lowest) and up
	Lang      string
	Disabled  bool
	CreatedAt time.Time
}
