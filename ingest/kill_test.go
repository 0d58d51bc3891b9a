package ingest_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/ingest"
	"github.com/kampbank/kamp/store"
	"github.com/kampbank/kamp/store/storetest"
)

// Environment of the helper process that TestKilledImport starts.
const (
	envHelper = "KAMP_INGEST_HELPER" // "1" in the helper process
	envDSN    = "KAMP_INGEST_DSN"    // the store to import into
	envFile   = "KAMP_INGEST_FILE"   // the file to import
	envBatch  = "KAMP_INGEST_BATCH"  // the batch id to use
)

// killRows is how many payments the killed import loads; it is killed once
// it has read killAfter of them.
const (
	killRows  = 300_000
	killAfter = 131_072
)

// TestHelperProcess is not a test: it is the process that TestKilledImport
// starts and kills. It imports one file and reports its progress on stdout.
func TestHelperProcess(t *testing.T) {
	if os.Getenv(envHelper) != "1" {
		t.Skip("helper process for TestKilledImport")
	}
	ctx := context.Background()
	db, err := store.Open(ctx, os.Getenv(envDSN), nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(2)
	}
	res, err := ingest.Run(ctx, db, []string{os.Getenv(envFile)}, ingest.Options{
		BatchID: os.Getenv(envBatch),
		Progress: func(p ingest.Progress) {
			fmt.Printf("progress %d\n", p.Rows)
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "import:", err)
		os.Exit(3)
	}
	fmt.Printf("done %s\n", res.Batch.Status)
	os.Exit(0)
}

// writePayments writes n generated payments, every one good, whose sides are
// known by name only, and returns the file's path.
func writePayments(t testing.TB, dir string, n int) string {
	t.Helper()
	path := filepath.Join(dir, "payments.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, payH)
	for i := 0; i < n; i++ {
		fmt.Fprintf(w, "TX%08d,2026-%02d-%02d,,供应商%d有限公司,,客户%d,%d.%02d,\n", i, i%12+1, i%28+1, i%5000, i%300, i%100000+1, i%100)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestKilledImport kills (SIGKILL) a process in the middle of a large import
// and checks that the store holds none of it, or all of it, and that the
// interrupted batch is then marked failed.
func TestKilledImport(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process that imports 300,000 rows")
	}
	file := writePayments(t, t.TempDir(), killRows)
	t.Run("sqlite", func(t *testing.T) {
		killImport(t, filepath.Join(t.TempDir(), "kamp.db"), file)
	})
	t.Run("postgres", func(t *testing.T) {
		killImport(t, postgresSchemaDSN(t), file)
	})
}

// postgresSchemaDSN creates a fresh schema on KAMP_TEST_POSTGRES, dropped
// when the test ends, and returns a DSN that uses it; a second process can
// open the same store with it.
func postgresSchemaDSN(t *testing.T) string {
	base := storetest.PostgresDSN(t)
	var r [6]byte
	if _, err := rand.Read(r[:]); err != nil {
		t.Fatal(err)
	}
	schema := "kamp_kill_" + hex.EncodeToString(r[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if a, err := sql.Open("pgx", base); err == nil {
			_, _ = a.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
			a.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func killImport(t *testing.T, dsn, file string) {
	ctx := context.Background()
	// Open (and migrate) the store before the helper takes SQLite's write
	// lock.
	db, err := store.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	const batch = "killed-import"
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), envHelper+"=1", envDSN+"="+dsn, envFile+"="+file, envBatch+"="+batch)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := false
	defer func() {
		if !exited {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}()

	// Wait until the batch is recorded as running and the helper has read
	// (and sent to the store) a good part of the file, then kill it.
	helperOut := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			helperOut <- sc.Text()
		}
		close(helperOut)
	}()
	deadline := time.After(60 * time.Second)
	started := false
	for !started {
		select {
		case l, ok := <-helperOut:
			if !ok {
				_ = cmd.Wait()
				exited = true
				t.Fatalf("the helper ended before it was killed; stderr:\n%s", stderr.String())
			}
			var n int
			if _, err := fmt.Sscanf(l, "progress %d", &n); err == nil && n >= killAfter && n < killRows {
				t.Logf("killing the helper after %d rows read", n)
				started = true
			}
			if strings.HasPrefix(l, "done") {
				t.Logf("the helper finished before it could be killed: %s", l)
				started = true
			}
		case <-deadline:
			t.Fatalf("no progress from the helper in 60 s; stderr:\n%s", stderr.String())
		}
	}
	if b, err := db.ImportBatch(ctx, batch); err != nil || b.Status != kamp.ImportRunning && b.Status != kamp.ImportLoaded {
		t.Fatalf("while the import runs, its batch is %+v, %v; want it recorded as running", b, err)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	go func() {
		for range helperOut {
		}
	}()
	_ = cmd.Wait()
	exited = true

	// The batch is still running (killed before its commit), or loaded
	// (the import was quicker than the kill).
	b, err := db.ImportBatch(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	running := b.Status == kamp.ImportRunning
	s := stats(t, db)
	switch {
	case running && s.Payments != 0:
		t.Errorf("%d payments visible after the import was killed, want none", s.Payments)
	case b.Status == kamp.ImportLoaded && s.Payments != killRows:
		t.Errorf("the batch is loaded but %d payments are visible, want %d", s.Payments, killRows)
	case !running && b.Status != kamp.ImportLoaded:
		t.Errorf("the killed batch is %q, want running or loaded", b.Status)
	}
	if err := db.FailRunningImports(ctx); err != nil {
		t.Fatal(err)
	}
	b, err = db.ImportBatch(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	if running && b.Status != kamp.ImportFailed {
		t.Errorf("the killed batch is %q after FailRunningImports, want failed", b.Status)
	}
	if b.FinishedAt.IsZero() {
		t.Errorf("the killed batch has no finish time")
	}
	if s := stats(t, db); running && s.Payments != 0 {
		t.Errorf("%d payments visible after FailRunningImports", s.Payments)
	}
	// The interrupted file is not taken for loaded: importing it again
	// will read it.
	if running {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if loaded, err := db.LoadedFile(ctx, ingest.KindPayments, hex.EncodeToString(sum[:])); err != nil || loaded {
			t.Errorf("LoadedFile of the interrupted file = %v, %v; want false", loaded, err)
		}
	}
}
