package ingest_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/ingest"
	"github.com/kampbank/kamp/store"
	"github.com/kampbank/kamp/store/storetest"
)

// goodFolder returns all six interchange files, valid, with the cases the
// formats call out: a person, a state body, a foreign entity with an LEI,
// quoted fields, an agreement row with an empty share, a duplicated pair to
// merge, a custom indicator, a non-client's metric, a USD row, and payments
// whose sides are known only by name.
func goodFolder(t testing.TB) map[string]string {
	return map[string]string{
		"fx.csv": lines(
			"date,currency,rate",
			"2026-01-01,USD,7.1",
			"2026-01-31,USD,7.2",
			"2026-01-01,HKD,0.9123456789",
		),
		"entities.csv": lines(
			"id,name,kind,uscc,lei,country,industry,branch,is_client",
			"SASAC,国务院国有资产监督管理委员会,state,,,CN,S,,0",
			"G1,华能集团有限公司,company,"+uscc(t, 1)+",,CN,D44,BJ01,1",
			`C1,"华能国际电力股份有限公司",,`+uscc(t, 2)+","+lei(t, 1)+",cn,D4411,BJ01,true",
			`C2,"Kunlun, Energy ""HK"" Ltd.",COMPANY,,,HK,C,SH.02,1`,
			"P1,张三,Person,,,CN,,,0",
			"F1,Acme Holdings Inc.,company,,"+lei(t, 2)+",US,K,,FALSE",
			"N1,非客户公司,company,,,CN,C3612,,0",
		),
		"ownership.csv": lines(
			"holder_id,entity_id,share_pct,control,as_of",
			"SASAC,G1,100,,2025-12-31",
			"G1,C1,30.5,,2025-12-31",
			"G1,C1,20.25,,2026-01-15",
			"P1,C1,10,,",
			"F1,C2,,Agreement,",
			"G1,C2,49.123456,,",
		),
		"metrics.csv": lines(
			"client_id,period,currency,deposits_avg,loans_avg,revenue,fee_income,ESG_Score",
			"C1,2026-01,,1000000.5,2000000,-1234.5678,100,88.5",
			"C1,2026-01,usd,100,,,,",
			"C2,2026-01,CNY,0,0,0,0,",
			"N1,2026-01,,5,,,,",
		),
		"exposures.csv": lines(
			"client_id,facility_id,product,currency,amount,as_of",
			"C1,FAC-1,loan,,5000000,2026-01-31",
			"C1,FAC-2,bond,USD,1000.0001,2026-01-31",
			"C2,FAC-3,guarantee,CNY,0,",
		),
		"payments.csv": lines(
			"txn_id,date,payer_id,payer_name,payee_id,payee_name,amount,currency",
			"T1,2026-01-05,C1,,C2,,100.5,",
			"T2,2026-01-06,,上海某某贸易有限公司,C1,,2000,CNY",
			`T3,2026-01-07,C2,,,"Some Supplier, Ltd.",0.0001,HKD`,
			"T4,2026-01-08,,Payer X,,Payee Y,1,USD",
		),
	}
}

// goodStats are the counts after goodFolder loads.
var goodStats = store.Stats{Entities: 7, Clients: 3, Holdings: 5, Metrics: 3, Exposures: 3, Payments: 4, FXRates: 3, LatestPeriod: "2026-01"}

func TestGoodFolder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		files := goodFolder(t)
		res := run(t, db, ingest.Options{By: "tester"}, writeFiles(t, files))
		if res.Batch.Status != kamp.ImportLoaded || len(res.Errors) != 0 || res.ErrorCount != 0 {
			t.Fatalf("status %q, bad rows %s", res.Batch.Status, fmtErrs(res.Errors))
		}
		if res.Batch.By != "tester" || res.Batch.ID == "" {
			t.Errorf("batch id %q by %q", res.Batch.ID, res.Batch.By)
		}
		type count struct {
			name                   string
			rows, loaded, rejected int
		}
		var got []count
		for _, f := range res.Batch.Files {
			if f.Skipped || len(f.SHA256) != 64 {
				t.Errorf("%s: skipped %v, sha %q", f.Name, f.Skipped, f.SHA256)
			}
			if f.Kind+".csv" != f.Name {
				t.Errorf("%s: kind %q", f.Name, f.Kind)
			}
			got = append(got, count{f.Name, f.Rows, f.Loaded, f.Rejected})
		}
		// Load order: fx, entities, ownership, metrics, exposures, payments.
		// The two rows of the pair G1/C1 load as one holding; the
		// non-client's metric is not loaded.
		want := []count{
			{"fx.csv", 3, 3, 0}, {"entities.csv", 7, 7, 0}, {"ownership.csv", 6, 5, 0},
			{"metrics.csv", 4, 3, 0}, {"exposures.csv", 3, 3, 0}, {"payments.csv", 4, 4, 0},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("files:\ngot  %+v\nwant %+v", got, want)
		}
		if !hasWarning(res.Warnings, "not clients", "line 5") {
			t.Errorf("no warning about the non-client's metric on line 5: %q", res.Warnings)
		}
		s := stats(t, db)
		if s.LastImport.IsZero() {
			t.Error("Stats.LastImport is not set")
		}
		s.LastImport = goodStats.LastImport
		if s != goodStats {
			t.Errorf("stats %+v, want %+v", s, goodStats)
		}
		checkStored(t, db, res)

		e, err := db.Entity(ctx, store.System, "C1")
		if err != nil {
			t.Fatal(err)
		}
		wantC1 := kamp.Entity{ID: "C1", Name: "华能国际电力股份有限公司", Kind: kamp.KindCompany, USCC: uscc(t, 2), LEI: lei(t, 1), Country: "CN", Industry: "D4411", Branch: "BJ01", IsClient: true}
		if e != wantC1 {
			t.Errorf("C1 = %+v, want %+v", e, wantC1)
		}
		for id, want := range map[string]kamp.Entity{
			"SASAC": {ID: "SASAC", Name: "国务院国有资产监督管理委员会", Kind: kamp.KindState, Country: "CN", Industry: "S"},
			"C2":    {ID: "C2", Name: `Kunlun, Energy "HK" Ltd.`, Kind: kamp.KindCompany, Country: "HK", Industry: "C", Branch: "SH.02", IsClient: true},
			"P1":    {ID: "P1", Name: "张三", Kind: kamp.KindPerson, Country: "CN"},
			"F1":    {ID: "F1", Name: "Acme Holdings Inc.", Kind: kamp.KindCompany, LEI: lei(t, 2), Country: "US", Industry: "K"},
		} {
			e, err := db.Entity(ctx, store.System, id)
			if err != nil {
				t.Fatal(err)
			}
			if e != want {
				t.Errorf("%s = %+v, want %+v", id, e, want)
			}
		}

		holders, err := db.HoldersOf(ctx, store.System, "C1")
		if err != nil {
			t.Fatal(err)
		}
		var hs []kamp.Holding
		for _, h := range holders {
			hs = append(hs, h.Holding)
		}
		wantHs := []kamp.Holding{
			{HolderID: "G1", EntityID: "C1", Share: 50_750_000, AsOf: "2026-01-15"}, // 30.5 + 20.25, the later date
			{HolderID: "P1", EntityID: "C1", Share: 10_000_000},
		}
		if !reflect.DeepEqual(hs, wantHs) {
			t.Errorf("holders of C1 = %+v, want %+v", hs, wantHs)
		}
		holders, err = db.HoldersOf(ctx, store.System, "C2")
		if err != nil {
			t.Fatal(err)
		}
		hs = hs[:0]
		for _, h := range holders {
			hs = append(hs, h.Holding)
		}
		wantHs = []kamp.Holding{
			{HolderID: "G1", EntityID: "C2", Share: 49_123_456},
			{HolderID: "F1", EntityID: "C2", Agreement: true},
		}
		if !reflect.DeepEqual(hs, wantHs) {
			t.Errorf("holders of C2 = %+v, want %+v", hs, wantHs)
		}

		ms, err := db.MetricsOf(ctx, store.System, "C1")
		if err != nil {
			t.Fatal(err)
		}
		amt := func(a kamp.Amount) kamp.NullAmount { return kamp.NullAmount{Amount: a, Valid: true} }
		wantMs := []kamp.Metric{
			{ClientID: "C1", Period: "2026-01", Currency: "CNY", DepositsAvg: amt(10_000_005_000), LoansAvg: amt(20_000_000_000),
				Revenue: amt(-12_345_678), FeeIncome: amt(1_000_000), Custom: map[string]kamp.Amount{"esg_score": 885_000}},
			{ClientID: "C1", Period: "2026-01", Currency: "USD", DepositsAvg: amt(1_000_000)},
		}
		if !reflect.DeepEqual(ms, wantMs) {
			t.Errorf("metrics of C1 = %+v,\nwant %+v", ms, wantMs)
		}
		ms, err = db.MetricsOf(ctx, store.System, "N1")
		if err != nil || len(ms) != 0 {
			t.Errorf("metrics of the non-client N1 = %+v, %v; want none", ms, err)
		}

		xs, err := db.ExposuresOf(ctx, store.System, "C1")
		if err != nil {
			t.Fatal(err)
		}
		wantXs := []kamp.Exposure{
			{FacilityID: "FAC-1", ClientID: "C1", Product: "loan", Currency: "CNY", Amount: 50_000_000_000, AsOf: "2026-01-31"},
			{FacilityID: "FAC-2", ClientID: "C1", Product: "bond", Currency: "USD", Amount: 10_000_001, AsOf: "2026-01-31"},
		}
		if !reflect.DeepEqual(xs, wantXs) {
			t.Errorf("exposures of C1 = %+v, want %+v", xs, wantXs)
		}

		rates, err := db.FXRates(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantRates := []kamp.FXRate{
			{Date: "2026-01-01", Currency: "HKD", Rate: 9_123_456_789},
			{Date: "2026-01-01", Currency: "USD", Rate: 71_000_000_000},
			{Date: "2026-01-31", Currency: "USD", Rate: 72_000_000_000},
		}
		if !reflect.DeepEqual(rates, wantRates) {
			t.Errorf("rates = %+v, want %+v", rates, wantRates)
		}
	})
}

// hasWarning reports whether one warning contains all the parts.
func hasWarning(warnings []string, parts ...string) bool {
	for _, w := range warnings {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(w, p)
		}
		if all {
			return true
		}
	}
	return false
}

// TestFileForms loads the same entities as CSV, gzip-compressed CSV and an
// xlsx workbook, and with a BOM, CRLF line ends and upper-case headers.
func TestFileForms(t *testing.T) {
	content := lines(
		"id,name,kind,uscc,lei,country,industry,branch,is_client",
		"A,甲公司,,"+uscc(t, 7)+",,,C36,,",
		`B,"多行
名称",person,,,CN,,,0`,
	)
	wantB := kamp.Entity{ID: "B", Name: "多行\n名称", Kind: kamp.KindPerson, Country: "CN"}
	tests := []struct {
		name, file, content string
	}{
		{"csv", "entities.csv", content},
		{"gzip", "entities.csv.gz", content},
		{"xlsx", "entities.xlsx", content},
		{"bom", "entities.csv", "\ufeff" + content},
		{"crlf and upper-case header", "ENTITIES_2026-01.CSV", strings.ReplaceAll(strings.Replace(content, "id,name,kind", "ID,Name,KIND", 1), "\n", "\r\n")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				dir := writeFiles(t, map[string]string{tc.file: tc.content})
				res := run(t, db, ingest.Options{}, filepath.Join(dir, tc.file))
				if res.Batch.Status != kamp.ImportLoaded {
					t.Fatalf("status %q, bad rows %s", res.Batch.Status, fmtErrs(res.Errors))
				}
				if f := res.Batch.Files[0]; f.Kind != ingest.KindEntities || f.Rows != 2 || f.Loaded != 2 || f.Name != tc.file {
					t.Errorf("file %+v", f)
				}
				a, err := db.Entity(context.Background(), store.System, "A")
				if err != nil {
					t.Fatal(err)
				}
				wantA := kamp.Entity{ID: "A", Name: "甲公司", Kind: kamp.KindCompany, USCC: uscc(t, 7), Country: "CN", Industry: "C36", IsClient: true}
				if a != wantA {
					t.Errorf("A = %+v, want %+v", a, wantA)
				}
				b, err := db.Entity(context.Background(), store.System, "B")
				if tc.name == "crlf and upper-case header" {
					// CRLF inside a quoted field is kept as written.
					wantB.Name = "多行\r\n名称"
				}
				if err != nil || b != wantB {
					t.Errorf("B = %+v, %v; want %+v", b, err, wantB)
				}
				wantB.Name = "多行\n名称"
			})
		})
	}
}

func TestKindOf(t *testing.T) {
	tests := []struct {
		name string
		kind string
		ok   bool
	}{
		{"entities.csv", ingest.KindEntities, true},
		{"/data/2026/Payments_2026-10.csv.gz", ingest.KindPayments, true},
		{"fx-jan.xlsx", ingest.KindFX, true},
		{"METRICS.2026.CSV", ingest.KindMetrics, true},
		{"exposures.csv", ingest.KindExposures, true},
		{"ownership.csv", ingest.KindOwnership, true},
		{"entitiesx.csv", "", false},
		{"entities.txt", "", false},
		{"entities.csv.zip", "", false},
		{".csv", "", false},
		{"people.csv", "", false},
	}
	for _, tc := range tests {
		kind, ok := ingest.KindOf(tc.name)
		if kind != tc.kind || ok != tc.ok {
			t.Errorf("KindOf(%q) = %q, %v; want %q, %v", tc.name, kind, ok, tc.kind, tc.ok)
		}
	}
}

// TestFolderOtherFiles checks that a folder's other files are passed over
// with a warning, and that a folder with none to import is an error.
func TestFolderOtherFiles(t *testing.T) {
	db := storetest.SQLite(t)
	dir := writeFiles(t, map[string]string{
		"entities.csv":  lines("id,name", "A,甲"),
		"README.txt":    "notes",
		"report.csv":    "file,line,column,value,reason\n",
		"org-units.csv": "code,name,kind,parent\nHO,总行,head_office,\n",
	})
	if err := os.Mkdir(filepath.Join(dir, "payments.csv"), 0o755); err != nil { // a folder, not a file
		t.Fatal(err)
	}
	// A file named both on its own and through its folder is read once.
	res := run(t, db, ingest.Options{}, dir, filepath.Join(dir, "entities.csv"))
	if res.Batch.Status != kamp.ImportLoaded || len(res.Batch.Files) != 1 {
		t.Fatalf("status %q, files %+v", res.Batch.Status, res.Batch.Files)
	}
	if !hasWarning(res.Warnings, "README.txt", "passed over") || !hasWarning(res.Warnings, "report.csv", "passed over") ||
		!hasWarning(res.Warnings, "org-units.csv", "kamp org import") {
		t.Errorf("warnings %q", res.Warnings)
	}
	if _, err := ingest.Run(context.Background(), db, []string{filepath.Join(dir, "org-units.csv")}, ingest.Options{}); kamp.ErrorCode(err) != kamp.EINVALID {
		t.Errorf("an org-units file named on its own: err %v, want EINVALID", err)
	}
	empty := t.TempDir()
	if _, err := ingest.Run(context.Background(), db, []string{empty}, ingest.Options{}); kamp.ErrorCode(err) != kamp.EINVALID {
		t.Errorf("empty folder: err %v, want EINVALID", err)
	}
	if _, err := ingest.Run(context.Background(), db, []string{filepath.Join(empty, "missing.csv")}, ingest.Options{}); kamp.ErrorCode(err) != kamp.EINVALID {
		t.Errorf("missing file: err %v, want EINVALID", err)
	}
}
