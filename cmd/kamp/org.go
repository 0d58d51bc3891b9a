package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/org"
	"github.com/kampbank/kamp/store"
)

func runOrg(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return kamp.Errorf(kamp.EINVALID, "say what to do: kamp org import FILE | kamp org list")
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(e.stderr, "Usage:\n  kamp org import [--db DSN] [--report FILE] FILE   load org units (code,name,kind,parent)\n  kamp org list [--db DSN]                          the org units as a tree")
		return flag.ErrHelp
	case "import":
		return orgImport(ctx, e, args)
	case "list":
		return orgList(ctx, e, args)
	default:
		return kamp.Errorf(kamp.EINVALID, "unknown org command %q: use import or list", sub)
	}
}

// orgImport reads an org-units file and, when every row is good, adds its
// new units and updates the changed ones; units not in the file stay.
func orgImport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "org import", "[--db DSN] [--report FILE] FILE")
	db := dbFlag(fs)
	report := fs.String("report", "", "write every bad row to this CSV file (file,line,column,value,reason)")
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return kamp.Errorf(kamp.EINVALID, "name one org-units file (code,name,kind,parent) to import")
	}
	units, bad, err := org.ReadFile(pos[0])
	if err != nil {
		return err
	}
	if *report != "" {
		if err := writeReport(*report, bad); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "report of %d bad rows written to %s\n", len(bad), *report)
	}
	if len(bad) > 0 {
		printBadRows(e.stdout, bad)
		fmt.Fprintln(e.stdout, "nothing was loaded; fix the rows above and import the file again")
		return exitError{1}
	}
	st, err := store.Open(ctx, *db, e.log)
	if err != nil {
		return err
	}
	defer st.Close()
	added, changed, err := saveUnits(ctx, st, units)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%d org units read: %d added, %d changed, %d unchanged\n", len(units), added, changed, len(units)-added-changed)
	return nil
}

// saveUnits saves units and says how many were new and how many changed.
func saveUnits(ctx context.Context, st *store.DB, units []kamp.OrgUnit) (added, changed int, err error) {
	before, err := st.OrgUnits(ctx)
	if err != nil {
		return 0, 0, err
	}
	old := make(map[string]kamp.OrgUnit, len(before))
	for _, u := range before {
		old[u.Code] = u
	}
	for _, u := range units {
		switch b, ok := old[u.Code]; {
		case !ok:
			added++
		case b != u:
			changed++
		}
	}
	if err := st.SaveOrgUnits(ctx, units); err != nil {
		return 0, 0, err
	}
	return added, changed, nil
}

// printBadRows prints the first bad rows of a report.
func printBadRows(w io.Writer, bad []kamp.RowError) {
	const show = 20
	fmt.Fprintf(w, "%d bad rows:\n", len(bad))
	for i, r := range bad {
		if i == show {
			fmt.Fprintf(w, "  … and %d more (use --report FILE for all)\n", len(bad)-show)
			break
		}
		loc := r.File + ":" + strconv.Itoa(r.Line)
		if r.Column != "" {
			loc += ": column " + r.Column
		}
		if r.Value != "" {
			fmt.Fprintf(w, "  %s: %s: %q\n", loc, r.Reason, r.Value)
		} else {
			fmt.Fprintf(w, "  %s: %s\n", loc, r.Reason)
		}
	}
}

// orgList prints the org units as an indented tree, with the number of
// staff of each unit.
func orgList(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "org list", "[--db DSN]")
	db := dbFlag(fs)
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return kamp.Errorf(kamp.EINVALID, "unexpected argument %q", pos[0])
	}
	st, err := store.Open(ctx, *db, e.log)
	if err != nil {
		return err
	}
	defer st.Close()
	units, err := st.OrgUnits(ctx)
	if err != nil {
		return err
	}
	if len(units) == 0 {
		fmt.Fprintln(e.stdout, "no org units yet: load them with 'kamp org import org-units.csv'")
		return nil
	}
	users, err := st.Users(ctx)
	if err != nil {
		return err
	}
	staff := map[string]int{}
	for _, u := range users {
		staff[u.OrgUnit]++
	}
	printTree(e.stdout, units, staff)
	return nil
}

// printTree prints units under their parents, two spaces a level; among
// siblings, branches and sub-branches before departments, each by code.
// Units whose parent is missing (which the store does not allow) are
// printed at the top level.
func printTree(w io.Writer, units []kamp.OrgUnit, staff map[string]int) {
	known := map[string]bool{}
	children := map[string][]kamp.OrgUnit{}
	units = slices.Clone(units)
	slices.SortStableFunc(units, func(a, b kamp.OrgUnit) int {
		return cmp.Or(cmp.Compare(slices.Index(kamp.UnitKinds, a.Kind), slices.Index(kamp.UnitKinds, b.Kind)), cmp.Compare(a.Code, b.Code))
	})
	for _, u := range units {
		known[u.Code] = true
	}
	for _, u := range units {
		p := u.Parent
		if !known[p] {
			p = ""
		}
		children[p] = append(children[p], u)
	}
	seen := map[string]bool{}
	var walk func(parent string, depth int)
	walk = func(parent string, depth int) {
		for _, u := range children[parent] {
			if seen[u.Code] {
				continue
			}
			seen[u.Code] = true
			label := fmt.Sprintf("%*s%s", 2*depth, "", u.Code)
			line := fmt.Sprintf("%-16s %s (%s)", label, u.Name, u.Kind)
			if n := staff[u.Code]; n > 0 {
				line += fmt.Sprintf(", %d staff", n)
			}
			fmt.Fprintln(w, line)
			walk(u.Code, depth+1)
		}
	}
	walk("", 0)
}
