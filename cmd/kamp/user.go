package main

import (
	"context"
	"fmt"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/store"
)

func runUser(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return kamp.Errorf(kamp.EINVALID, "say what to do: kamp user add|passwd|unlock|list|token")
	}
	sub, args := args[0], args[1:]
	fs := newFlags(e, "user "+sub, "[flags]")
	db := dbFlag(fs)
	login := fs.String("login", "", "the person's login")
	name := fs.String("name", "", "full name (add)")
	role := fs.String("role", kamp.RoleAnalyst, "role (add): admin, analyst, lead_rm, branch_rm, product, support, risk, auditor")
	org := fs.String("org", "", "org unit code (add)")
	level := fs.Int("level", 1, "authority level (add)")
	password := fs.String("password", "", "password (add, passwd); empty means a random one, printed once")
	tokenName := fs.String("token-name", "integration", "what the API token is for (token)")
	if err := parse(fs, args); err != nil {
		return err
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
		u, err := st.CreateUser(ctx, kamp.User{Login: *login, Name: *name, Role: *role, OrgUnit: *org, Level: *level}, pw)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "user %s (%s) added", u.Login, u.Role)
		if *password == "" {
			fmt.Fprintf(e.stdout, "; password: %s", pw)
		}
		fmt.Fprintln(e.stdout)
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
			fmt.Fprintf(e.stdout, "%-20s %-10s %-8s level %d  %s\n", u.Login, u.Role, u.OrgUnit, u.Level, u.Name)
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
	default:
		return kamp.Errorf(kamp.EINVALID, "unknown user command %q: use add, passwd, unlock, list or token", sub)
	}
	return nil
}
