package main

import (
	"context"
	"fmt"

	"github.com/kampbank/kamp/store"
)

func runMigrate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "migrate", "[--db DSN]")
	db := dbFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	st, err := store.Open(ctx, *db, e.log)
	if err != nil {
		return err
	}
	defer st.Close()
	fmt.Fprintf(e.stdout, "%s database %s is up to date\n", st.Engine(), redact(*db))
	return nil
}
