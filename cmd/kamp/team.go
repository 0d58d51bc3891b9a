package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/store"
)

func runTeam(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return kamp.Errorf(kamp.EINVALID, "say what to do: kamp team add UNIT LOGIN... | kamp team show UNIT")
	}
	sub, args := args[0], args[1:]
	var usage string
	switch sub {
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(e.stderr, "Usage:\n  kamp team add [--db DSN] UNIT LOGIN...   put people on the coverage team of a group or client\n  kamp team show [--db DSN] UNIT           its current members and history")
		return flag.ErrHelp
	case "add":
		usage = "[--db DSN] UNIT LOGIN..."
	case "show":
		usage = "[--db DSN] UNIT"
	default:
		return kamp.Errorf(kamp.EINVALID, "unknown team command %q: use add or show", sub)
	}
	fs := newFlags(e, "team "+sub, usage)
	db := dbFlag(fs)
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	switch {
	case sub == "add" && len(pos) < 2:
		fs.Usage()
		return kamp.Errorf(kamp.EINVALID, "name the unit (a group id, or a client's id) and at least one login")
	case sub == "show" && len(pos) != 1:
		fs.Usage()
		return kamp.Errorf(kamp.EINVALID, "name one unit: a group id, or a client's id")
	}
	st, err := store.Open(ctx, *db, e.log)
	if err != nil {
		return err
	}
	defer st.Close()
	unit := pos[0]
	name, isGroup, err := st.UnitName(ctx, store.System, unit)
	if err != nil {
		return err
	}
	if sub == "add" {
		// Set up by an administrator at the command line: no change
		// request; the audit trail records the command line as the actor.
		if err := st.SeedTeam(ctx, unit, pos[1:]); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "added to the team of %s: %s\n", unit, strings.Join(pos[1:], ", "))
	}
	history, err := st.Team(ctx, store.System, unit, true)
	if err != nil {
		return err
	}
	what := "client"
	if isGroup {
		what = "group"
	}
	printTeam(e.stdout, fmt.Sprintf("%s %s %s", what, unit, name), history, sub == "show")
	return nil
}

// printTeam prints a unit's current members and, with history, every
// spell on the team, newest first.
func printTeam(w io.Writer, title string, spells []kamp.TeamMember, history bool) {
	fmt.Fprintf(w, "coverage team of %s\n", title)
	current := 0
	for _, m := range spells {
		if m.Until == "" {
			current++
		}
	}
	if current == 0 {
		fmt.Fprintln(w, "  no current members")
	}
	for _, role := range kamp.TeamRoles {
		for _, m := range spells {
			if m.Until == "" && m.Role == role {
				fmt.Fprintf(w, "  %-10s %-16s %-12s %-8s since %s (added by %s)\n", m.Role, m.Login, m.Name, m.OrgUnit, m.Since, m.AddedBy)
			}
		}
	}
	if !history {
		return
	}
	fmt.Fprintf(w, "history (%d spells, newest first):\n", len(spells))
	for _, m := range spells {
		until := cmp.Or(m.Until, "now")
		line := fmt.Sprintf("  %s – %-10s %-10s %-16s added by %s", m.Since, until, m.Role, m.Login, m.AddedBy)
		if m.RemovedBy != "" {
			line += ", removed by " + m.RemovedBy
		}
		fmt.Fprintln(w, line)
	}
}
