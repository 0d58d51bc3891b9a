// Command kamp is the strategic-client (key account) management platform for
// commercial banks: one binary that serves the web application and API,
// imports the bank's data, runs the engines straight from interchange files,
// generates a demo bank and manages users.
//
// Usage:
//
//	kamp serve   [--addr HOST:PORT] [--db DSN] [--demo]   run the web application
//	kamp import  [--db DSN] [--quarantine] [--report FILE] PATH...
//	kamp demo    --size S|M|L [--seed N] --out DIR        write a synthetic demo bank
//	kamp groups  --data DIR [--out DIR] [--tier1-capital A] [--regime cn2018|basel]
//	kamp screen  --data DIR [--out DIR] [--period YYYY-MM] [--weights k=w,...]
//	kamp chain   --data DIR [--out DIR] [--from DATE] [--to DATE] [--reuse]
//	kamp migrate [--db DSN]                               bring the schema up to date
//	kamp org     import|list [--db DSN] ...               the bank's org units
//	kamp team    add|show [--db DSN] UNIT ...             coverage teams of clients and groups
//	kamp user    add|set|passwd|unlock|list|token ...     manage people who sign in
//	kamp audit   verify|list [--db DSN]                   check the audit trail
//
// The database is a SQLite file (default kamp.db) or a PostgreSQL URL
// (postgres://…), from --db or KAMP_DB.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"

	"github.com/kampbank/kamp"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

type command struct {
	name  string
	usage string
	run   func(ctx context.Context, env *env, args []string) error
}

var commands = []command{
	{"serve", "run the web application and API", runServe},
	{"import", "validate and load interchange files (CSV, CSV.gz, XLSX)", runImport},
	{"demo", "write a synthetic demo bank in the interchange formats", runDemo},
	{"groups", "compute corporate groups and group exposure from interchange files", runGroups},
	{"screen", "rank client units into core, key and general tiers from interchange files", runScreen},
	{"chain", "find supply-chain prospects of the strategic units in payments.csv", runChain},
	{"migrate", "bring the database schema up to date", runMigrate},
	{"org", "load the bank's org units from a file, or list them as a tree", runOrg},
	{"team", "put people on a coverage team, or show a team and its history", runTeam},
	{"user", "manage people who sign in (add, set, passwd, unlock, list, token)", runUser},
	{"audit", "verify the tamper-evident audit trail, or list its events", runAudit},
}

// env is what every command shares: its output streams and logger.
type env struct {
	stdout, stderr io.Writer
	log            *slog.Logger
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// exitError carries a specific exit code.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	level := slog.LevelInfo
	if v := os.Getenv("KAMP_LOG_LEVEL"); v != "" {
		_ = level.UnmarshalText([]byte(v))
	}
	e := &env{stdout: stdout, stderr: stderr, log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		return 0
	}
	if args[0] == "version" || args[0] == "--version" {
		fmt.Fprintln(stdout, "kamp", version)
		return 0
	}
	for _, c := range commands {
		if c.name == args[0] {
			if path := os.Getenv("KAMP_CPUPROFILE"); path != "" {
				stop, err := startCPUProfile(path)
				if err != nil {
					fmt.Fprintf(stderr, "kamp %s: %v\n", c.name, err)
					return 1
				}
				defer stop()
			}
			err := c.run(kamp.WithActor(ctx, kamp.ActorCLI), e, args[1:])
			var ee exitError
			switch {
			case err == nil:
				return 0
			case errors.As(err, &ee):
				return ee.code
			case errors.Is(err, flag.ErrHelp):
				return 0
			}
			fmt.Fprintf(stderr, "kamp %s: %s\n", c.name, kamp.ErrorMessage(err))
			if kamp.ErrorCode(err) == kamp.EINTERNAL {
				e.log.Error("internal error", "command", c.name, "err", err)
			}
			return 1
		}
	}
	fmt.Fprintf(stderr, "kamp: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

// startCPUProfile writes a CPU profile of the command to path
// (KAMP_CPUPROFILE, for docs/performance.md), until stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("KAMP_CPUPROFILE: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("KAMP_CPUPROFILE: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "kamp — strategic-client management for commercial banks")
	fmt.Fprintln(w, "\nUsage: kamp COMMAND [flags]\n\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.usage)
	}
	fmt.Fprintln(w, "\nRun 'kamp COMMAND --help' for a command's flags. The database is --db or KAMP_DB:")
	fmt.Fprintln(w, "a SQLite file (default kamp.db) or a postgres:// URL.")
}

// newFlags returns a flag set that reports errors as application errors.
func newFlags(e *env, name, args string) *flag.FlagSet {
	fs := flag.NewFlagSet("kamp "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: kamp %s %s\n\nFlags:\n", name, args)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags, turning a bad flag into an EINVALID error.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return kamp.Errorf(kamp.EINVALID, "%v", err)
	}
	return nil
}

// parseMixed parses flags that may come before, between or after the
// positional arguments ("kamp team add G1 li.na --db x.db"), and returns the
// positional arguments. Everything after "--" is positional.
func parseMixed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parse(fs, args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		// flag stops at the first positional argument, or after "--".
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

// dataFolders checks the --data and --out flags of the engine commands:
// --data is required, no other arguments are taken, and --out defaults to
// --data.
func dataFolders(fs *flag.FlagSet, data, out *string) error {
	if *data == "" {
		fs.Usage()
		return kamp.Errorf(kamp.EINVALID, "--data DIR is required")
	}
	if fs.NArg() > 0 {
		return kamp.Errorf(kamp.EINVALID, "unexpected argument %q: the folder is given with --data", fs.Arg(0))
	}
	if *out == "" {
		*out = *data
	}
	return nil
}

// dbFlag adds --db with KAMP_DB as its default.
func dbFlag(fs *flag.FlagSet) *string {
	def := os.Getenv("KAMP_DB")
	return fs.String("db", def, "database: a SQLite file path (default kamp.db) or a postgres:// URL; also KAMP_DB")
}

// redact hides a password in a DSN for logs.
func redact(dsn string) string {
	if i := strings.Index(dsn, "://"); i >= 0 {
		if at := strings.LastIndex(dsn, "@"); at > i {
			if colon := strings.Index(dsn[i+3:at], ":"); colon >= 0 {
				return dsn[:i+3+colon] + ":***" + dsn[at:]
			}
		}
	}
	return dsn
}
