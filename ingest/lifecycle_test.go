package ingest_test

import (
	"bytes"
	"context"
	"fmt"
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

// TestQuarantine checks that with quarantine the good rows load, the bad
// rows are kept with their reasons, and a reference to an entity whose row
// was quarantined is itself bad.
func TestQuarantine(t *testing.T) {
	files := map[string]string{
		"entities.csv": lines(entH,
			"X1,甲,,"+uscc(t, 1)+",,,,,",
			"X2,乙,,"+usccBadCheck(t, 2)+",,,,,",
			"X3,丙,,,,,,,",
		),
		"ownership.csv": lines(ownH, "X1,X3,50,,", "X2,X3,10,,", "X3,X1,0,,"),
		"metrics.csv":   lines(metH, "X2,2026-01,,1,,,,", "X3,2026-01,,2,,,,"),
		"payments.csv":  lines(payH, "T1,2026-01-05,X1,,X2,,1,", "T2,2026-01-05,X1,,,某公司,1,"),
	}
	want := []wantErr{
		e("entities.csv", 3, "uscc", usccBadCheck(t, 2), "USCC check character"),
		e("ownership.csv", 3, "holder_id", "X2", "unknown entity"),
		e("ownership.csv", 4, "share_pct", "0", "must be more than 0"),
		e("metrics.csv", 2, "client_id", "X2", "unknown entity"),
		e("payments.csv", 2, "payee_id", "X2", "unknown entity"),
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		res := runFiles(t, db, ingest.Options{Quarantine: true}, files)
		if res.Batch.Status != kamp.ImportPartial {
			t.Errorf("status %q, want partial", res.Batch.Status)
		}
		matchErrors(t, res.Errors, want)
		checkStored(t, db, res)
		type count struct {
			name                   string
			rows, loaded, rejected int
		}
		var got []count
		for _, f := range res.Batch.Files {
			got = append(got, count{f.Name, f.Rows, f.Loaded, f.Rejected})
		}
		wantCounts := []count{{"entities.csv", 3, 2, 1}, {"ownership.csv", 3, 1, 2}, {"metrics.csv", 2, 1, 1}, {"payments.csv", 2, 1, 1}}
		if !reflect.DeepEqual(got, wantCounts) {
			t.Errorf("files %+v, want %+v", got, wantCounts)
		}
		s := stats(t, db)
		if s.Entities != 2 || s.Holdings != 1 || s.Metrics != 1 || s.Payments != 1 {
			t.Errorf("stats %+v", s)
		}
		if _, err := db.Entity(context.Background(), store.System, "X2"); kamp.ErrorCode(err) != kamp.ENOTFOUND {
			t.Errorf("the quarantined entity X2: err %v, want ENOTFOUND", err)
		}
		// A quarantined batch is history, not a no-op: importing the
		// same files again re-reads them.
		again := runFiles(t, db, ingest.Options{Quarantine: true}, files)
		for _, f := range again.Batch.Files {
			if f.Skipped {
				t.Errorf("%s of a partial import skipped on re-import", f.Name)
			}
		}
		matchErrors(t, again.Errors, want)
	})
}

// TestMaxErrors checks that past MaxErrors bad rows the import stops and
// loads nothing, even with quarantine.
func TestMaxErrors(t *testing.T) {
	db := storetest.SQLite(t)
	rows := []string{payH}
	for i := 0; i < 50; i++ {
		rows = append(rows, "T"+strings.Repeat("1", i+1)+",2026-01-05,,A,,B,0,")
	}
	res := runFiles(t, db, ingest.Options{Quarantine: true, MaxErrors: 10}, map[string]string{"payments.csv": lines(rows...)})
	if res.Batch.Status != kamp.ImportRejected {
		t.Errorf("status %q, want rejected", res.Batch.Status)
	}
	if len(res.Errors) != 10 || res.ErrorCount <= 10 {
		t.Errorf("%d bad rows kept, %d counted; want 10 kept and more counted", len(res.Errors), res.ErrorCount)
	}
	if !hasWarning(res.Warnings, "stopped after 10 bad rows") {
		t.Errorf("warnings %q", res.Warnings)
	}
	if s := stats(t, db); s.Payments != 0 {
		t.Errorf("%d payments loaded", s.Payments)
	}
	checkStored(t, db, res)
}

// TestFatalFileErrors checks the problems with a file as a whole: each gets
// a clear error, and nothing of the import loads, with or without
// quarantine. Every folder also holds a good entities.csv.
func TestFatalFileErrors(t *testing.T) {
	goodEntities := lines(entH, "A,甲,,,,,,,", "B,乙,,,,,,,")
	var gzCut []byte
	{
		var big strings.Builder
		big.WriteString(payH + "\n")
		for i := 0; i < 2000; i++ {
			big.WriteString("T" + strings.Repeat("9", i%50+1) + string(rune('a'+i%26)) + ",2026-01-05,A,,B,,1,\n")
		}
		full := gz(t, []byte(big.String()))
		gzCut = full[:len(full)/2]
	}
	tests := []struct {
		name  string
		file  string
		data  string
		want  []wantErr
		fatal bool
	}{
		{"GBK bytes in a field", "payments.csv", lines(payH, "T1,2026-01-05,,\xb9\xab\xcb\xbe,A,,1,"),
			[]wantErr{e("payments.csv", 2, "payer_name", `\xb9\xab\xcb\xbe`, "invalid UTF-8")}, true},
		{"GBK bytes in the header", "entities.csv", lines("id,name,\xc3\xfb\xb3\xc6", "A,甲,x"),
			[]wantErr{e("entities.csv", 1, "", `\xc3\xfb\xb3\xc6`, "invalid UTF-8")}, true},
		{"UTF-16", "payments.csv", "\xff\xfet\x00x\x00n\x00\n\x00",
			[]wantErr{e("payments.csv", 1, "", "", "UTF-16")}, true},
		{"truncated quoted field", "payments.csv", payH + "\nT1,2026-01-05,A,,B,,1,\nT2,2026-01-05,,\"Unclosed name,A,,1,",
			[]wantErr{e("payments.csv", 3, "payer_name", "", "truncated file: quoted field starting on line 3 is not closed")}, true},
		{"bare quote", "payments.csv", lines(payH, `T1,2026-01-05,,Name "X",A,,1,`),
			[]wantErr{e("payments.csv", 2, "payer_name", `Name "X"`, "bare quote")}, true},
		{"empty file", "payments.csv", "",
			[]wantErr{e("payments.csv", 0, "", "", "empty file")}, true},
		{"only a BOM", "payments.csv", "\ufeff",
			[]wantErr{e("payments.csv", 0, "", "", "empty file")}, true},
		{"duplicate header", "payments.csv", lines("txn_id,date,DATE,payer_id,payee_id,amount", "T1,2026-01-05,2026-01-05,A,B,1"),
			[]wantErr{e("payments.csv", 1, "", "", `duplicate column "DATE"`)}, true},
		{"empty header name", "payments.csv", lines("txn_id,,date,payer_id,payee_id,amount", "T1,x,2026-01-05,A,B,1"),
			[]wantErr{e("payments.csv", 1, "", "", "empty column name")}, true},
		{"missing required column", "payments.csv", lines("txn_id,date,payer_id,payee_id", "T1,2026-01-05,A,B"),
			[]wantErr{e("payments.csv", 1, "amount", "", `missing required column "amount"`)}, true},
		{"two missing required columns", "ownership.csv", lines("holder_id", "A"), []wantErr{
			e("ownership.csv", 1, "entity_id", "", "missing required column"),
			e("ownership.csv", 1, "share_pct", "", "missing required column")}, true},
		{"corrupt gzip", "payments.csv.gz", "\x1f\x8b\x08\x00garbage that is not deflate data",
			[]wantErr{e("payments.csv.gz", 0, "", "", "gzip")}, true},
		{"truncated gzip", "payments.csv.gz", string(gzCut),
			[]wantErr{e("payments.csv.gz", -1, "", "", "truncated gzip file")}, true},
		{"not a workbook", "payments.xlsx", "id,name\nA,B\n",
			[]wantErr{e("payments.xlsx", 0, "", "", "xlsx")}, true},
		{"fatal file loaded first", "fx.csv", lines("date,currency", "2026-01-01,USD"),
			[]wantErr{e("fx.csv", 1, "rate", "", "missing required column")}, true},
		// Not fatal: a header-only file loads no rows; a BOM and an extra
		// column are accepted.
		{"header only", "payments.csv", payH + "\n", nil, false},
		{"header only without newline", "payments.csv", payH, nil, false},
		{"BOM", "payments.csv", "\xef\xbb\xbf" + lines(payH, "T1,2026-01-05,A,,B,,1,"), nil, false},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				resetStore(t, db)
				dir := t.TempDir()
				if err := os.WriteFile(filepath.Join(dir, "entities.csv"), []byte(goodEntities), 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, tc.file), []byte(tc.data), 0o644); err != nil {
					t.Fatal(err)
				}
				for _, q := range []bool{false, true} {
					res := run(t, db, ingest.Options{Quarantine: q}, dir)
					if !tc.fatal {
						if res.Batch.Status != kamp.ImportLoaded {
							t.Fatalf("quarantine %v: status %q, bad rows %s", q, res.Batch.Status, fmtErrs(res.Errors))
						}
						if s := stats(t, db); s.Entities != 2 {
							t.Errorf("%d entities loaded, want 2", s.Entities)
						}
						break
					}
					if res.Batch.Status != kamp.ImportRejected {
						t.Errorf("quarantine %v: status %q, want rejected", q, res.Batch.Status)
					}
					want := tc.want
					if len(want) == 1 && want[0].Line < 0 {
						// The line where the gzip data ends depends on
						// the compression; any is fine.
						w := want[0]
						if len(res.Errors) == 1 {
							w.Line = res.Errors[0].Line
						}
						want = []wantErr{w}
					}
					matchErrors(t, res.Errors, want)
					checkStored(t, db, res)
					for _, f := range res.Batch.Files {
						if f.Loaded != 0 {
							t.Errorf("%s: %d rows loaded", f.Name, f.Loaded)
						}
					}
					if s := stats(t, db); s.Entities != 0 || s.Payments != 0 || s.Holdings != 0 || s.FXRates != 0 {
						t.Errorf("quarantine %v: a rejected import loaded %+v", q, s)
					}
				}
			})
		}
	})
}

// TestExtraColumn checks that a column that is not part of a format is
// accepted with a warning (data-formats.md: columns may be added later), and
// that in metrics.csv it is a custom indicator instead.
func TestExtraColumn(t *testing.T) {
	db := storetest.SQLite(t)
	res := runFiles(t, db, ingest.Options{}, map[string]string{
		"entities.csv": lines("id,name,Remark", "A,甲,自由文本 not checked"),
		"metrics.csv":  lines("client_id,period,NPS", "A,2026-01,42"),
	})
	if res.Batch.Status != kamp.ImportLoaded {
		t.Fatalf("status %q, bad rows %s", res.Batch.Status, fmtErrs(res.Errors))
	}
	if !hasWarning(res.Warnings, "entities.csv", `"Remark"`, "ignored") {
		t.Errorf("no warning about the extra column: %q", res.Warnings)
	}
	if hasWarning(res.Warnings, "NPS") {
		t.Errorf("a custom indicator was warned about: %q", res.Warnings)
	}
	ms, err := db.MetricsOf(context.Background(), store.System, "A")
	if err != nil || len(ms) != 1 || ms[0].Custom["nps"] != 420_000 {
		t.Errorf("metrics %+v, %v", ms, err)
	}
}

// TestUnrecognisedFile checks that a file given by name whose kind cannot be
// told is an error, and that nothing of the import runs.
func TestUnrecognisedFile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		dir := writeFiles(t, map[string]string{
			"entities.csv": lines("id,name", "A,甲"),
			"people.csv":   lines("id,name", "B,乙"),
			"entities.txt": lines("id,name", "C,丙"),
		})
		for _, name := range []string{"people.csv", "entities.txt"} {
			_, err := ingest.Run(context.Background(), db, []string{filepath.Join(dir, "entities.csv"), filepath.Join(dir, name)}, ingest.Options{})
			if kamp.ErrorCode(err) != kamp.EINVALID || !strings.Contains(err.Error(), name) {
				t.Errorf("%s: err %v, want EINVALID naming the file", name, err)
			}
		}
		if s := stats(t, db); s.Entities != 0 {
			t.Errorf("%d entities loaded", s.Entities)
		}
		if _, n, err := db.Imports(context.Background(), 10, 0); err != nil || n != 0 {
			t.Errorf("%d batches recorded (%v), want none", n, err)
		}
	})
}

// ownershipOfAB refers to entities that only entitiesAB defines.
var (
	entitiesAB  = lines(entH, "A,甲,,,,,,,", "B,乙,,,,,,,")
	ownershipAB = lines(ownH, "A,B,51,,")
)

// TestDependencyOrder checks that files load in dependency order, whatever
// order they are named in, and that references need the entities.
func TestDependencyOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		alone := writeFiles(t, map[string]string{"ownership.csv": ownershipAB})
		res := run(t, db, ingest.Options{}, alone)
		if res.Batch.Status != kamp.ImportRejected {
			t.Errorf("ownership alone: status %q, want rejected", res.Batch.Status)
		}
		matchErrors(t, res.Errors, []wantErr{
			e("ownership.csv", 2, "holder_id", "A", "unknown entity"),
			e("ownership.csv", 2, "entity_id", "B", "unknown entity"),
		})

		dir := writeFiles(t, map[string]string{"ownership.csv": ownershipAB, "entities.csv": entitiesAB})
		res = run(t, db, ingest.Options{}, filepath.Join(dir, "ownership.csv"), filepath.Join(dir, "entities.csv"))
		if res.Batch.Status != kamp.ImportLoaded {
			t.Fatalf("status %q, bad rows %s", res.Batch.Status, fmtErrs(res.Errors))
		}
		if names := []string{res.Batch.Files[0].Name, res.Batch.Files[1].Name}; names[0] != "entities.csv" {
			t.Errorf("load order %v", names)
		}
		checkShareSum(t, db, "B", 51_000_000)

		// Now that the entities are stored, the ownership file alone
		// loads: it is the same content as the one just loaded, so it is
		// a no-op.
		res = run(t, db, ingest.Options{}, alone)
		if res.Batch.Status != kamp.ImportLoaded || !res.Batch.Files[0].Skipped {
			t.Errorf("ownership again: status %q, files %+v", res.Batch.Status, res.Batch.Files)
		}
	})
}

// TestKeysAcrossFiles checks the chosen reading for keys repeated across the
// files of one import: keys are unique within a file, and a later file of the
// same kind upserts over an earlier one (in name order), exactly as two
// imports one after the other would.
func TestKeysAcrossFiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		res := runFiles(t, db, ingest.Options{}, map[string]string{
			"entities_a.csv":       lines("id,name", "A,甲", "B,乙"),
			"entities_b.csv":       lines("id,name", "B,另一个乙"),
			"payments_2026-01.csv": lines(payH, "T1,2026-01-05,A,,B,,1,"),
			"payments_2026-02.csv": lines(payH, "T1,2026-02-05,A,,B,,2,"),
		})
		if res.Batch.Status != kamp.ImportLoaded || len(res.Errors) != 0 {
			t.Fatalf("status %q, bad rows %s; want loaded", res.Batch.Status, fmtErrs(res.Errors))
		}
		b, err := db.Entity(ctx, store.System, "B")
		if err != nil || b.Name != "另一个乙" {
			t.Errorf("entity B = %+v, %v; want the later file's name", b, err)
		}
		st, err := db.Stats(ctx, store.System)
		if err != nil || st.Entities != 2 || st.Payments != 1 {
			t.Errorf("stats %+v, %v; want 2 entities and 1 payment", st, err)
		}
	})
}

// TestReimport checks that importing identical files again is a no-op, that
// changed files upsert by key, and that a changed ownership file replacing
// stored holdings does not count their shares twice.
func TestReimport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		files := goodFolder(t)
		first := runFiles(t, db, ingest.Options{}, files)
		if first.Batch.Status != kamp.ImportLoaded {
			t.Fatalf("status %q, bad rows %s", first.Batch.Status, fmtErrs(first.Errors))
		}
		before := stats(t, db)

		// The identical folder again, elsewhere: every file skipped.
		again := runFiles(t, db, ingest.Options{}, files)
		if again.Batch.Status != kamp.ImportLoaded {
			t.Errorf("again: status %q", again.Batch.Status)
		}
		for _, f := range again.Batch.Files {
			if !f.Skipped || f.Loaded != 0 || f.SHA256 == "" {
				t.Errorf("again: %+v, want skipped", f)
			}
			if !hasWarning(again.Warnings, f.Name, "identical") {
				t.Errorf("again: no warning about %s: %q", f.Name, again.Warnings)
			}
		}
		checkStored(t, db, again)
		after := stats(t, db)
		after.LastImport = before.LastImport
		if after != before {
			t.Errorf("identical import changed the store:\nbefore %+v\nafter  %+v", before, after)
		}

		// The same content under another name is the same file.
		renamed := writeFiles(t, map[string]string{"entities_copy.csv": files["entities.csv"]})
		res := run(t, db, ingest.Options{}, renamed)
		if !res.Batch.Files[0].Skipped {
			t.Errorf("renamed identical file not skipped: %+v", res.Batch.Files[0])
		}

		// A changed entities file: one name changed, one entity added.
		changed := map[string]string{}
		for k, v := range files {
			changed[k] = v
		}
		changed["entities.csv"] = strings.Replace(files["entities.csv"], `"华能国际电力股份有限公司"`, "华能国际电力（新名）", 1) + "C3,新客户,,,,,,,\n"
		res = runFiles(t, db, ingest.Options{}, changed)
		if res.Batch.Status != kamp.ImportLoaded {
			t.Fatalf("changed: status %q, bad rows %s", res.Batch.Status, fmtErrs(res.Errors))
		}
		for _, f := range res.Batch.Files {
			if f.Skipped != (f.Name != "entities.csv") {
				t.Errorf("changed: %+v", f)
			}
			if f.Name == "entities.csv" && (f.Rows != 8 || f.Loaded != 8) {
				t.Errorf("changed: %+v, want 8 rows loaded", f)
			}
		}
		if c1, err := db.Entity(ctx, store.System, "C1"); err != nil || c1.Name != "华能国际电力（新名）" || c1.USCC != uscc(t, 2) {
			t.Errorf("C1 = %+v, %v", c1, err)
		}
		if s := stats(t, db); s.Entities != 8 || s.Clients != 4 || s.Holdings != before.Holdings {
			t.Errorf("changed: stats %+v", s)
		}

		// A changed ownership file: G1 now holds 89.99% of C1 instead of
		// 50.75%, with P1's stored 10% (not in this file) that makes
		// 99.99%; counting the replaced 50.75% too would be 150.74%.
		res = runFiles(t, db, ingest.Options{}, map[string]string{"ownership.csv": lines(ownH, "G1,C1,89.99,,2026-02-01")})
		if res.Batch.Status != kamp.ImportLoaded {
			t.Fatalf("ownership: status %q, bad rows %s", res.Batch.Status, fmtErrs(res.Errors))
		}
		checkShareSum(t, db, "C1", 99_990_000)
		// The stored pair still counts for the rule: 0.03% more is too
		// much.
		res = runFiles(t, db, ingest.Options{}, map[string]string{"ownership.csv": lines(ownH, "G1,C1,89.99,,2026-02-01", "C2,C1,0.03,,")})
		matchErrors(t, res.Errors, []wantErr{e("ownership.csv", 3, "share_pct", "0.03", "would add up to 100.02%")})
		// Restating a merged pair by two rows replaces it by their sum.
		res = runFiles(t, db, ingest.Options{}, map[string]string{"ownership.csv": lines(ownH, "G1,C1,45,,", "G1,C1,45.01,,")})
		if res.Batch.Status != kamp.ImportLoaded {
			t.Fatalf("merged restated: status %q, bad rows %s", res.Batch.Status, fmtErrs(res.Errors))
		}
		checkShareSum(t, db, "C1", 100_010_000)

		// The history lists every batch, newest first, with row counts.
		batches, total, err := db.Imports(ctx, 50, 0)
		if err != nil {
			t.Fatal(err)
		}
		if total != 7 || len(batches) != 7 {
			t.Fatalf("%d batches (%d listed), want 7", total, len(batches))
		}
		if batches[6].ID != first.Batch.ID || !reflect.DeepEqual(batches[6].Files, first.Batch.Files) {
			t.Errorf("oldest batch %+v, want %+v", batches[6], first.Batch)
		}
		if batches[0].ID != res.Batch.ID || batches[0].Files[0].Rows != 2 || batches[0].Files[0].Loaded != 1 {
			t.Errorf("newest batch %+v", batches[0])
		}
	})
}

// TestReimportAfterReject checks that a file whose import was rejected is
// read again next time, not skipped.
func TestReimportAfterReject(t *testing.T) {
	db := storetest.SQLite(t)
	dir := writeFiles(t, map[string]string{"entities.csv": entitiesAB, "ownership.csv": lines(ownH, "A,B,101,,")})
	if res := run(t, db, ingest.Options{}, dir); res.Batch.Status != kamp.ImportRejected {
		t.Fatalf("status %q", res.Batch.Status)
	}
	res := run(t, db, ingest.Options{}, filepath.Join(dir, "entities.csv"))
	if res.Batch.Status != kamp.ImportLoaded || res.Batch.Files[0].Skipped || res.Batch.Files[0].Loaded != 2 {
		t.Errorf("entities after a rejected import: status %q, %+v", res.Batch.Status, res.Batch.Files)
	}
}

// TestProgressAndBatchID checks the Progress callback and a given batch id,
// which may not be used twice.
func TestProgressAndBatchID(t *testing.T) {
	db := storetest.SQLite(t)
	var b bytes.Buffer
	b.WriteString(payH + "\n")
	for i := 0; i < 70_000; i++ {
		fmt.Fprintf(&b, "T%06d,2026-01-05,,甲,,乙,1,\n", i)
	}
	dir := writeFiles(t, map[string]string{"payments.csv": b.String()})
	var calls []ingest.Progress
	res := run(t, db, ingest.Options{BatchID: "batch-1", Progress: func(p ingest.Progress) { calls = append(calls, p) }}, dir)
	if res.Batch.ID != "batch-1" || res.Batch.Status != kamp.ImportLoaded {
		t.Fatalf("batch %q status %q", res.Batch.ID, res.Batch.Status)
	}
	if len(calls) < 2 {
		t.Fatalf("%d progress calls, want at least 2 for 70,000 rows", len(calls))
	}
	last := calls[len(calls)-1]
	if last.File != "payments.csv" || last.Rows != 70_000 || last.Total != int64(b.Len()) || last.Bytes <= 0 || last.Bytes > last.Total {
		t.Errorf("last progress %+v (file size %d)", last, b.Len())
	}
	for i := 1; i < len(calls); i++ {
		if calls[i].Rows < calls[i-1].Rows {
			t.Errorf("progress went back: %+v after %+v", calls[i], calls[i-1])
		}
	}
	_, err := ingest.Run(context.Background(), db, []string{writeFiles(t, map[string]string{"entities.csv": entitiesAB})}, ingest.Options{BatchID: "batch-1"})
	if kamp.ErrorCode(err) != kamp.ECONFLICT {
		t.Errorf("batch id used twice: err %v, want ECONFLICT", err)
	}
}

// TestNULBytes checks that a NUL byte, which is valid UTF-8 but which
// PostgreSQL cannot store in text, makes a clear bad row on both engines
// rather than loading on one and failing the import on the other, and that
// the report of such a value can be stored.
func TestNULBytes(t *testing.T) {
	tests := []struct {
		name, content, column string
	}{
		{"in a name", lines("id,name", "A,x\x00y"), "name"},
		{"in a bad value", lines("id,name,country", "A,x,C\x00"), "country"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				res, err := ingest.Run(context.Background(), db, []string{writeFiles(t, map[string]string{"entities.csv": tc.content})}, ingest.Options{})
				if err != nil {
					t.Fatalf("Run: %v", err)
				}
				if res.Batch.Status != kamp.ImportRejected {
					t.Errorf("status %q, want rejected", res.Batch.Status)
				}
				if len(res.Errors) != 1 || res.Errors[0].Line != 2 || res.Errors[0].Column != tc.column || strings.ContainsRune(res.Errors[0].Value, 0) {
					t.Errorf("bad rows %s; want one on line 2, column %s, its value without a raw NUL", fmtErrs(res.Errors), tc.column)
				}
				checkStored(t, db, res)
				if s := stats(t, db); s.Entities != 0 {
					t.Errorf("%d entities loaded", s.Entities)
				}
			})
		})
	}
}

// TestCancelledImport cancels an import in the middle of a large file: Run
// fails, the batch is recorded as failed, and nothing of it loads.
func TestCancelledImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "entities.csv"), []byte(entitiesAB), 0o644); err != nil {
			t.Fatal(err)
		}
		writePayments(t, dir, 140_000)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		res, err := ingest.Run(ctx, db, []string{dir}, ingest.Options{Progress: func(p ingest.Progress) {
			if p.File == "payments.csv" && p.Rows > 0 {
				cancel()
			}
		}})
		if err == nil {
			t.Fatalf("Run after cancel: no error, status %q", res.Batch.Status)
		}
		if res.Batch.Status != kamp.ImportFailed {
			t.Errorf("result status %q, want failed", res.Batch.Status)
		}
		b, err := db.ImportBatch(context.Background(), res.Batch.ID)
		if err != nil || b.Status != kamp.ImportFailed {
			t.Errorf("stored batch %+v, %v; want failed", b, err)
		}
		if s := stats(t, db); s.Entities != 0 || s.Payments != 0 {
			t.Errorf("a cancelled import loaded %+v", s)
		}
	})
}
