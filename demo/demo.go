package demo

import (
	"context"
	"fmt"
	"math"
	"os"
	"strings"

	"github.com/kampbank/kamp"
)

// Names of the files Generate writes.
const (
	FileEntities  = "entities.csv"
	FileOwnership = "ownership.csv"
	FileMetrics   = "metrics.csv"
	FileExposures = "exposures.csv"
	FilePayments  = "payments.csv"
	FileFX        = "fx.csv"
	// FileOrgUnits is the bank's organisation (org units), kamp's own
	// addition to the interchange formats (see package org).
	FileOrgUnits = "org-units.csv"
)

// Headers of the files, in the column order Generate writes them.
var headers = map[string]string{
	FileEntities:  "id,name,kind,uscc,lei,country,industry,branch,is_client",
	FileOwnership: "holder_id,entity_id,share_pct,control,as_of",
	FileMetrics:   "client_id,period,currency,deposits_avg,loans_avg,revenue,fee_income,intl_settlement",
	FileExposures: "client_id,facility_id,product,currency,amount,as_of",
	FilePayments:  "txn_id,date,payer_id,payer_name,payee_id,payee_name,amount,currency",
	FileFX:        "date,currency,rate",
	FileOrgUnits:  "code,name,kind,parent",
}

// fileOrder is the order the files are written in.
var fileOrder = []string{FileOrgUnits, FileFX, FileOwnership, FileEntities, FileMetrics, FileExposures, FilePayments}

// Size presets: entities and payments of the S, M and L demo banks.
var sizes = map[string][2]int64{
	"S": {100_000, 1_000_000},
	"M": {1_000_000, 10_000_000},
	"L": {10_000_000, 100_000_000},
}

// Limits of a custom size.
const (
	MinEntities = 1_000
	MaxEntities = 20_000_000
)

// Options says what demo bank to generate.
type Options struct {
	// Size is "S", "M" or "L" (case-insensitive), or "custom" (or empty)
	// with Entities set.
	Size string
	// Entities overrides the size's entity count when > 0.
	Entities int
	// Payments overrides the size's payment count when > 0; a custom size
	// without it has no payments.
	Payments int
	// Seed makes the bank: the same seed and counts give byte-identical
	// files.
	Seed int64
	// Out is the folder to write to, created if missing; existing files of
	// the seven names (the six interchange files and org-units.csv) are
	// replaced only once all seven have been written.
	Out string
	// Progress, when set, is called with a file's name and its rows written
	// so far every 100,000 rows, and once more when the file is complete.
	Progress func(file string, rowsWritten int64)
}

// Summary says what Generate wrote.
type Summary struct {
	// Files maps each file name to its number of data rows.
	Files map[string]int64
	// Bytes is the total size of the files.
	Bytes int64
	// Entities and Clients count entities and those with is_client=1.
	Entities, Clients int64
	// Groups counts the corporate groups of two or more entities as built;
	// Units counts screening units (groups with a client, and clients
	// outside any group). The control engine finds the same groups.
	Groups, Units int64
	// Tier1Capital is a tier-1 net capital (CNY) for the demo bank under
	// which its largest group exposure is 22% of capital: above the 20%
	// group limit, so that limit checks have something to flag.
	Tier1Capital kamp.Amount
}

// resolve returns the entity and payment counts opt asks for.
func (opt Options) resolve() (entities, payments int64, err error) {
	size := strings.ToUpper(strings.TrimSpace(opt.Size))
	switch {
	case opt.Entities < 0 || opt.Payments < 0:
		return 0, 0, kamp.Errorf(kamp.EINVALID, "entity and payment counts must not be negative")
	case size == "" || size == "CUSTOM":
		if opt.Entities == 0 {
			return 0, 0, kamp.Errorf(kamp.EINVALID, "a custom size needs a number of entities")
		}
	default:
		p, ok := sizes[size]
		if !ok {
			return 0, 0, kamp.Errorf(kamp.EINVALID, "unknown size %q: use S, M, L or custom", opt.Size)
		}
		entities, payments = p[0], p[1]
	}
	if opt.Entities > 0 {
		entities = int64(opt.Entities)
	}
	if opt.Payments > 0 {
		payments = int64(opt.Payments)
	}
	if entities < MinEntities || entities > MaxEntities {
		return 0, 0, kamp.Errorf(kamp.EINVALID, "number of entities must be between %d and %d, not %d", MinEntities, MaxEntities, entities)
	}
	return entities, payments, nil
}

// Generate writes a synthetic bank of the size opt asks for into opt.Out.
// It streams: memory grows by about 60 bytes an entity (some 600 MB at size
// L) and not with the number of payments. It stops early, leaving the folder as it was, when ctx
// is done.
func Generate(ctx context.Context, opt Options) (Summary, error) {
	entities, payments, err := opt.resolve()
	if err != nil {
		return Summary{}, err
	}
	if opt.Out == "" {
		return Summary{}, kamp.Errorf(kamp.EINVALID, "no output folder given")
	}
	if err := os.MkdirAll(opt.Out, 0o755); err != nil {
		return Summary{}, fmt.Errorf("demo: create output folder: %w", err)
	}
	tables := map[string]*table{}
	defer func() {
		for _, t := range tables {
			t.discard()
		}
	}()
	for _, name := range fileOrder {
		t, err := newTable(opt.Out, name, headers[name], opt.Progress)
		if err != nil {
			return Summary{}, err
		}
		tables[name] = t
	}

	g := newGen(ctx, int(entities), opt.Seed)
	fx := newFX(g.seed)
	g.own = tables[FileOwnership]
	steps := []func() error{
		func() error { return writeOrgUnits(tables[FileOrgUnits]) },
		func() error { return fx.write(tables[FileFX]) },
		g.build,
		func() error { return g.writeEntities(tables[FileEntities]) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return Summary{}, err
		}
	}
	maxExp, err := g.writeMetrics(fx, tables[FileMetrics], tables[FileExposures])
	if err != nil {
		return Summary{}, err
	}
	if err := g.writePayments(fx, tables[FilePayments], payments); err != nil {
		return Summary{}, err
	}

	sum := Summary{Files: map[string]int64{}, Entities: entities}
	for _, name := range fileOrder {
		if err := tables[name].close(); err != nil {
			return Summary{}, err
		}
	}
	for _, name := range fileOrder {
		t := tables[name]
		if err := t.commit(); err != nil {
			return Summary{}, err
		}
		sum.Files[name] = t.rows
		sum.Bytes += t.bytes
	}
	sum.Clients, sum.Groups, sum.Units = g.counts()
	sum.Tier1Capital = kamp.Amount(math.Ceil(maxExp/0.22/1e6) * 1e6 * 1e4)
	return sum, nil
}

// counts returns the number of clients, of groups with two or more members
// and of screening units.
func (g *gen) counts() (clients, groups, units int64) {
	for k, s := range g.gStart {
		e := g.n
		if k+1 < len(g.gStart) {
			e = int(g.gStart[k+1])
		}
		c := int64(0)
		for i := int(s); i < e; i++ {
			if g.flags[i]&fClient != 0 {
				c++
			}
		}
		clients += c
		if e-int(s) > 1 {
			groups++
		}
		if c > 0 {
			units++
		}
	}
	return clients, groups, units
}
