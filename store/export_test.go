package store

import "context"

// ExecForTest runs a statement outside kamp's API, as someone editing the
// database by hand would: the audit tests use it to tamper with the trail.
func (db *DB) ExecForTest(ctx context.Context, q string, args ...any) error {
	_, err := db.exec(ctx, q, args...)
	return err
}
