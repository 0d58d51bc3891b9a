// Package storetest opens kamp stores for tests: always a fresh SQLite file,
// and a fresh PostgreSQL schema whenever KAMP_TEST_POSTGRES names a server.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver

	"github.com/kampbank/kamp/store"
)

// EnvPostgres names the environment variable holding a PostgreSQL URL for
// tests, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const EnvPostgres = "KAMP_TEST_POSTGRES"

// Each runs fn as a subtest on a fresh SQLite store and, when
// KAMP_TEST_POSTGRES is set, on a fresh PostgreSQL schema; without it the
// PostgreSQL subtest is skipped with a message saying so.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// SQLite opens a store on a new file in a temporary folder.
func SQLite(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "kamp.db"), nil)
	if err != nil {
		t.Fatalf("open SQLite store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Postgres opens a store on a new schema of the server named by
// KAMP_TEST_POSTGRES, dropped when the test ends, or skips the test.
func Postgres(t testing.TB) *store.DB {
	t.Helper()
	base := PostgresDSN(t)
	schema := "kamp_test_" + randHex(6)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open %s: %v", EnvPostgres, err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("create schema on %s: %v", EnvPostgres, err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err == nil {
			_, _ = a.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
			a.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvPostgres, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := store.Open(context.Background(), u.String(), nil)
	if err != nil {
		t.Fatalf("open PostgreSQL store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// PostgresDSN returns KAMP_TEST_POSTGRES or skips the test with a message.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvPostgres)
	if dsn == "" {
		t.Skip("PostgreSQL half skipped: set " + EnvPostgres + " (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run it")
	}
	return dsn
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
