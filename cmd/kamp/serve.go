package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/grouping"
	"github.com/kampbank/kamp/ingest"
	"github.com/kampbank/kamp/store"
	"github.com/kampbank/kamp/web"
)

// Demo defaults: serve --demo keeps its own database and data folder so that
// it never mixes with a real kamp.db.
const (
	demoDB   = "kamp-demo.db"
	demoSize = "S"
	demoSeed = 1
)

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve", "[--addr HOST:PORT] [--db DSN] [--demo]")
	addr := fs.String("addr", envOr("KAMP_ADDR", "127.0.0.1:8080"), "address to listen on; also KAMP_ADDR")
	db := dbFlag(fs)
	demoFlag := fs.Bool("demo", false, "on first start, generate a size-S demo bank and import it, with its organisation, staff and coverage teams (database kamp-demo.db unless --db is given)")
	dataDir := fs.String("data-dir", envOr("KAMP_DATA_DIR", "kamp-data"), "folder for uploads and demo files; also KAMP_DATA_DIR")
	secure := fs.Bool("secure-cookies", os.Getenv("KAMP_SECURE_COOKIES") == "1", "mark cookies Secure (serve behind HTTPS); also KAMP_SECURE_COOKIES=1")
	if err := parse(fs, args); err != nil {
		return err
	}
	dsn := *db
	if *demoFlag && dsn == "" {
		dsn = demoDB
	}
	if err := os.MkdirAll(*dataDir, 0o750); err != nil {
		return kamp.WrapError(kamp.EINVALID, err, "cannot create the data folder %s", *dataDir)
	}
	st, err := store.Open(ctx, dsn, e.log)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.FailRunningImports(ctx); err != nil {
		return err
	}
	if err := st.FailRunningGroupRuns(ctx); err != nil {
		return err
	}
	// Screening and chain runs left running by a process that stopped
	// never finish: record them as failed.
	if err := st.FailRunningScreeningRuns(ctx); err != nil {
		return err
	}
	if err := st.FailRunningChainRuns(ctx); err != nil {
		return err
	}
	tier1, regime, err := grouping.FromEnv()
	if err != nil {
		return err
	}
	if err := ensureAdmin(ctx, e, st); err != nil {
		return err
	}
	if *demoFlag {
		demoTier1, err := ensureDemo(ctx, e, st, *dataDir)
		if err != nil {
			return err
		}
		// The demo bank comes with a tier-1 capital under which its largest
		// group breaches the group limit, so that the limits have something
		// to show; KAMP_TIER1_CAPITAL still decides when it is set.
		if tier1 == 0 && demoTier1 > 0 {
			tier1 = demoTier1
			e.log.Info("demo tier-1 capital", "yuan", tier1.String())
		}
		if err := ensureDemoOrg(ctx, e, st, demoDir(*dataDir), tier1, regime); err != nil {
			return err
		}
	}
	// Build the entity search index before the first search asks for it.
	go func() {
		start := time.Now()
		if err := st.WarmSearch(ctx); err != nil {
			e.log.Warn("search index not built", "err", err)
			return
		}
		e.log.Info("search index ready", "elapsed", time.Since(start).Round(time.Millisecond))
	}()
	srv, err := web.New(web.Config{Addr: *addr, SecureCookies: *secure, DataDir: *dataDir, Version: version, Tier1: tier1, Regime: regime}, st, e.log)
	if err != nil {
		return err
	}
	// Groups missing or computed from older data: recompute them in the
	// background; the groups page shows the progress.
	if stale, err := grouping.Stale(ctx, st); err != nil {
		e.log.Warn("cannot tell whether the groups are up to date", "err", err)
	} else if stale {
		srv.RecomputeGroups()
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return kamp.WrapError(kamp.EINVALID, err, "cannot listen on %s", *addr)
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          nil,
	}
	e.log.Info("kamp is serving", "url", "http://"+ln.Addr().String(), "db", st.Engine(), "dsn", redact(dsn))
	fmt.Fprintf(e.stdout, "kamp %s is serving on http://%s\n", version, ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return kamp.WrapError(kamp.EINTERNAL, err, "the server stopped")
		}
		return nil
	case <-ctx.Done():
	}
	e.log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err = hs.Shutdown(sctx)
	// Stop imports still running in the background and wait for them.
	if cerr := srv.Close(); err == nil {
		err = cerr
	}
	return err
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// ensureAdmin creates the administrator "admin" with a random password,
// printed once, when the database has no users yet.
func ensureAdmin(ctx context.Context, e *env, st *store.DB) error {
	n, err := st.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	pw := store.RandomToken(12)
	if _, err := st.CreateUser(ctx, kamp.User{Login: "admin", Name: "Administrator", Role: kamp.RoleAdmin, OrgUnit: "HO", Level: 9}, pw); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\nFirst start: created the administrator.\n  login:    admin\n  password: %s\n(shown only now; change it with 'kamp user passwd --login admin')\n\n", pw)
	return nil
}

// demoDir is the folder of the demo bank's files under the data folder.
func demoDir(dataDir string) string {
	return filepath.Join(dataDir, fmt.Sprintf("demo-%s-seed%d", demoSize, demoSeed))
}

// demoTier1File keeps, beside the demo bank's files, the tier-1 capital the
// generator suggested for it.
const demoTier1File = "tier1-capital.txt"

// ensureDemo generates and imports the demo bank when the database holds no
// entities yet, and returns the demo's tier-1 capital (0 if unknown).
func ensureDemo(ctx context.Context, e *env, st *store.DB, dataDir string) (kamp.Amount, error) {
	dir := demoDir(dataDir)
	stats, err := st.Stats(ctx, store.System)
	if err != nil {
		return 0, err
	}
	if stats.Entities > 0 {
		return readDemoTier1(dir), nil
	}
	fmt.Fprintf(e.stdout, "First start with --demo: generating a size-%s demo bank in %s and importing it (about a minute)…\n", demoSize, dir)
	start := time.Now()
	sum, err := generateDemo(ctx, e, demoSize, demoSeed, dir)
	if err != nil {
		return 0, err
	}
	if err := os.WriteFile(filepath.Join(dir, demoTier1File), []byte(sum.Tier1Capital.String()+"\n"), 0o644); err != nil {
		return 0, kamp.WrapError(kamp.EINVALID, err, "cannot write %s", filepath.Join(dir, demoTier1File))
	}
	bar := newProgressBar(e.stderr, false)
	res, err := ingest.Run(ctx, st, []string{dir}, ingest.Options{By: "demo", Progress: bar.update, Logger: e.log})
	bar.done()
	if err != nil {
		return 0, err
	}
	if res.Batch.Status != kamp.ImportLoaded {
		printImport(e.stderr, res, time.Since(start))
		return 0, kamp.Errorf(kamp.EINTERNAL, "the demo bank did not import cleanly (%s)", res.Batch.Status)
	}
	fmt.Fprintf(e.stdout, "Demo bank ready in %s.\n", time.Since(start).Round(time.Second))
	return sum.Tier1Capital, nil
}

// readDemoTier1 reads the demo's tier-1 capital, or 0.
func readDemoTier1(dir string) kamp.Amount {
	b, err := os.ReadFile(filepath.Join(dir, demoTier1File))
	if err != nil {
		return 0
	}
	a, err := grouping.ParseTier1(strings.TrimSpace(string(b)))
	if err != nil {
		return 0
	}
	return a
}
