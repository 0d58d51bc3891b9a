package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/store"
)

// runAudit serves "kamp audit verify|list".
func runAudit(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return kamp.Errorf(kamp.EINVALID, "say what to do: kamp audit verify|list")
	}
	switch sub, args := args[0], args[1:]; sub {
	case "verify":
		return runAuditVerify(ctx, e, args)
	case "list":
		return runAuditList(ctx, e, args)
	default:
		return kamp.Errorf(kamp.EINVALID, "unknown audit command %q: use verify or list", sub)
	}
}

// runAuditVerify proves the audit chain: exit 0 when intact, 1 naming the
// first broken event.
func runAuditVerify(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "audit verify", "[--db DSN]")
	db := dbFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return kamp.Errorf(kamp.EINVALID, "unexpected argument %q", fs.Arg(0))
	}
	st, err := store.Open(ctx, *db, e.log)
	if err != nil {
		return err
	}
	defer st.Close()
	n, broken, err := st.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if broken != nil {
		fmt.Fprintf(e.stdout, "audit chain broken at event %d: %s\n", broken.Seq, broken.Reason)
		fmt.Fprintf(e.stdout, "(%d events before it are intact)\n", n)
		return exitError{1}
	}
	fmt.Fprintf(e.stdout, "audit chain intact: %d events\n", n)
	return nil
}

// runAuditList prints the newest events, newest first.
func runAuditList(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "audit list", "[--db DSN] [--limit N] [--action A] [--actor LOGIN]")
	db := dbFlag(fs)
	limit := fs.Int("limit", 50, fmt.Sprintf("how many events to print, newest first (1 to %d)", store.MaxLimit))
	action := fs.String("action", "", `only this action ("user.login"), or an area ending in "." ("user.")`)
	actor := fs.String("actor", "", "only events by this login (or cli, system)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return kamp.Errorf(kamp.EINVALID, "unexpected argument %q", fs.Arg(0))
	}
	if *limit < 1 || *limit > store.MaxLimit {
		return kamp.Errorf(kamp.EINVALID, "--limit must be from 1 to %d", store.MaxLimit)
	}
	st, err := store.Open(ctx, *db, e.log)
	if err != nil {
		return err
	}
	defer st.Close()
	evs, total, err := st.AuditEvents(ctx, store.AuditFilter{Action: *action, Actor: *actor}, *limit, 0)
	if err != nil {
		return err
	}
	for _, ev := range evs {
		fmt.Fprintf(e.stdout, "%6d  %s  %-12s %-22s %s\n", ev.Seq, ev.At.UTC().Format("2006-01-02 15:04:05Z"),
			ev.Actor, ev.Action, auditLine(ev))
	}
	fmt.Fprintf(e.stdout, "%d of %d events\n", len(evs), total)
	return nil
}

// auditLine is an event's object and before/after on one line.
func auditLine(ev kamp.AuditEvent) string {
	var b strings.Builder
	if ev.ObjectType != "" || ev.ObjectID != "" {
		b.WriteString(ev.ObjectType)
		if ev.ObjectID != "" {
			b.WriteString(" " + ev.ObjectID)
		}
	}
	if ev.Before != "" {
		b.WriteString("  before " + ev.Before)
	}
	if ev.After != "" {
		b.WriteString("  after " + ev.After)
	}
	return b.String()
}
