package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/store"
)

func runUser(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return kamp.Errorf(kamp.EINVALID, "say what to do: kamp user add|set|passwd|unlock|list|token|revoke-token")
	}
	sub, args := args[0], args[1:]
	fs := newFlags(e, "user "+sub, "[flags] [LOGIN]")
	db := dbFlag(fs)
	login := fs.String("login", "", "the person's login (or give it as the argument)")
	name := fs.String("name", "", "full name (add, set)")
	role := fs.String("role", kamp.RoleAnalyst, "role (add, set): admin, analyst, lead_rm, branch_rm, product, support, risk, auditor")
	org := fs.String("org", "", "org unit code (add, set); the same as --unit")
	unit := fs.String("unit", "", "org unit code (add, set)")
	level := fs.Int("level", 1, "authority level (add, set): 1 staff, 2 senior, 3 manager, 4 executive")
	disabled := fs.Bool("disabled", false, "set: disable the person (ends their sessions, revokes their tokens); --disabled=false enables them again")
	password := fs.String("password", "", "password (add, passwd); empty means a random one, printed once")
	tokenName := fs.String("token-name", "integration", "what the API token is for (token)")
	token := fs.String("token", "", "the API token to revoke (revoke-token)")
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 1:
		return kamp.Errorf(kamp.EINVALID, "unexpected argument %q: name one login", pos[1])
	case len(pos) == 1 && *login != "" && *login != pos[0]:
		return kamp.Errorf(kamp.EINVALID, "two logins given: %q and %q", *login, pos[0])
	case len(pos) == 1:
		*login = pos[0]
	}
	if *org != "" && *unit != "" && *org != *unit {
		return kamp.Errorf(kamp.EINVALID, "--org %s and --unit %s disagree: they are the same setting", *org, *unit)
	}
	*unit = cmp.Or(*unit, *org)
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	set["unit"] = set["unit"] || set["org"]
	if sub == "set" && !set["name"] && !set["role"] && !set["unit"] && !set["level"] && !set["disabled"] {
		return kamp.Errorf(kamp.EINVALID, "say what to change: --name, --role, --unit, --level or --disabled")
	}
	st, err := store.Open(ctx, *db, e.log)
	if err != nil {
		return err
	}
	defer st.Close()
	pw := *password
	if pw == "" {
		pw = store.RandomToken(12)
	}
	switch sub {
	case "add":
		if err := checkUnitExists(ctx, st, *unit); err != nil {
			return err
		}
		u, err := st.CreateUser(ctx, kamp.User{Login: *login, Name: *name, Role: *role, OrgUnit: *unit, Level: *level}, pw)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "user %s (%s) added", u.Login, u.Role)
		if *password == "" {
			fmt.Fprintf(e.stdout, "; password: %s", pw)
		}
		fmt.Fprintln(e.stdout)
	case "set":
		u, err := st.UserByLogin(ctx, *login)
		if err != nil {
			return err
		}
		before := u
		if set["name"] {
			u.Name = *name
		}
		if set["role"] {
			u.Role = *role
		}
		if set["unit"] {
			u.OrgUnit = *unit
		}
		if set["level"] {
			u.Level = *level
		}
		if set["disabled"] {
			u.Disabled = *disabled
		}
		after, err := st.UpdateUser(ctx, u)
		if err != nil {
			return err
		}
		printUserChange(e.stdout, before, after)
	case "passwd":
		if err := st.SetPassword(ctx, *login, pw); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "password of %s changed", *login)
		if *password == "" {
			fmt.Fprintf(e.stdout, "; new password: %s", pw)
		}
		fmt.Fprintln(e.stdout)
	case "unlock":
		if err := st.UnlockLogin(ctx, *login); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "sign-in lockout of %s cleared\n", *login)
	case "list":
		us, err := st.Users(ctx)
		if err != nil {
			return err
		}
		for _, u := range us {
			line := fmt.Sprintf("%-20s %-10s %-8s level %d  %s", u.Login, u.Role, u.OrgUnit, u.Level, u.Name)
			if u.Disabled {
				line += "  (disabled)"
			}
			fmt.Fprintln(e.stdout, line)
		}
	case "token":
		us, err := st.Users(ctx)
		if err != nil {
			return err
		}
		for _, u := range us {
			if u.Login == *login {
				tok, err := st.CreateAPIToken(ctx, u.ID, *tokenName)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "API token for %s (shown once): %s\n", u.Login, tok)
				return nil
			}
		}
		return kamp.Errorf(kamp.ENOTFOUND, "no user %q", *login)
	case "revoke-token":
		tok := strings.TrimSpace(*token)
		if tok == "" {
			return kamp.Errorf(kamp.EINVALID, "say which token: --token TOKEN")
		}
		if err := st.RevokeAPIToken(ctx, tok); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, "API token revoked: calls with it now answer 401")
	default:
		return kamp.Errorf(kamp.EINVALID, "unknown user command %q: use add, set, passwd, unlock, list, token or revoke-token", sub)
	}
	return nil
}

// printUserChange says what changed about a person.
func printUserChange(w io.Writer, before, after kamp.User) {
	var changes []string
	for _, c := range []struct{ what, from, to string }{
		{"name", before.Name, after.Name},
		{"role", before.Role, after.Role},
		{"unit", cmp.Or(before.OrgUnit, "none"), cmp.Or(after.OrgUnit, "none")},
		{"level", strconv.Itoa(before.Level), strconv.Itoa(after.Level)},
		{"disabled", strconv.FormatBool(before.Disabled), strconv.FormatBool(after.Disabled)},
	} {
		if c.from != c.to {
			changes = append(changes, fmt.Sprintf("%s %s → %s", c.what, c.from, c.to))
		}
	}
	if len(changes) == 0 {
		fmt.Fprintf(w, "user %s: nothing changed\n", after.Login)
		return
	}
	fmt.Fprintf(w, "user %s: %s\n", after.Login, strings.Join(changes, ", "))
}

// checkUnitExists checks that code names an org unit, once the bank's org
// units are loaded (before that, any code is taken, as for the first
// administrator).
func checkUnitExists(ctx context.Context, st *store.DB, code string) error {
	if code == "" {
		return nil
	}
	units, err := st.OrgUnits(ctx)
	if err != nil || len(units) == 0 {
		return err
	}
	for _, u := range units {
		if u.Code == code {
			return nil
		}
	}
	return kamp.Errorf(kamp.EINVALID, "no org unit %q: see 'kamp org list'", code)
}
