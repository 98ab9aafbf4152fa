package cli

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/indus-platform/indus/internal/access"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/server"
	"github.com/indus-platform/indus/internal/store"
)

const defaultAddr = "127.0.0.1:8080"

func newServeCommand() *Command {
	return &Command{Name: "serve", Summary: "serve the dashboard and the JSON API",
		Run: func(ctx context.Context, env *Env, args []string) error {
			fs := newFlagSet(env, "serve", "[--db DSN] [--addr HOST:PORT] [--dev DIR] [--demo]")
			db := dbFlag(fs, env)
			addr := fs.String("addr", envDefault(env, "INDUS_ADDR", defaultAddr), "address to listen on (env INDUS_ADDR)")
			dev := fs.String("dev", "", "read templates and static files from this directory (internal/web) instead of the binary")
			demo := fs.Bool("demo", false, "create one demo account per role (printed) when no administrator exists")
			if _, err := parseFlags(fs, args); err != nil {
				return err
			}
			st, err := openStore(ctx, env, *db)
			if err != nil {
				return err
			}
			defer st.Close()
			return serve(ctx, env, st, *addr, *dev, *demo)
		}}
}

// serve listens first, so a busy port is reported before anything else,
// then prints the URL and serves until ctx is cancelled. Without an
// administrator account it refuses, unless demo asks for demo accounts.
func serve(ctx context.Context, env *Env, st *store.Store, addr, dev string, demo bool) error {
	ln, err := server.Listen(addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	acc := access.New(st, access.DefaultPolicy)
	ok, err := acc.AdminExists(ctx)
	if err != nil {
		return err
	}
	if !ok {
		if !demo {
			return indus.Errorf(indus.EConflict, "there is no administrator account in %s, and every page needs a sign-in; create one first:\n"+
				"  indus user add NAME --role admin --password-stdin --db %s\n(or start with --demo to create one demo account per role)", st.Path(), st.Path())
		}
		if err := createDemoAccounts(ctx, env, st, acc); err != nil {
			return err
		}
	}
	srv, err := server.New(server.Config{Store: st, Access: acc, Logger: env.Logger, Version: Version, WebDir: dev})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Indus is serving %s at http://%s/ (Ctrl-C to stop)\n", st.Path(), ln.Addr())
	return srv.Serve(ctx, ln)
}

// demoAccount is one account `indus demo` creates.
type demoAccount struct {
	name, what string
	user       access.NewUser
}

// createDemoAccounts adds one account per role with a random password and
// prints the credentials: the unit official covers the unit with the most
// enterprises, the enterprise user is an enterprise of that unit graded C
// in the latest evaluation (so its page shows what would make it B), when
// there is one.
func createDemoAccounts(ctx context.Context, env *Env, st *store.Store, acc *access.Service) error {
	unit, uscc, err := st.DemoTerritory(ctx)
	if err != nil {
		return err
	}
	accounts := []demoAccount{
		{"admin", "administrator: everything, users and the audit log", access.NewUser{Role: indus.RoleAdmin}},
		{"analyst", "municipal analyst: all territory, imports", access.NewUser{Role: indus.RoleAnalyst}},
		{"viewer", "viewer: the city's aggregate figures, no enterprise rows", access.NewUser{Role: indus.RoleViewer}},
	}
	if unit != "" {
		accounts = append(accounts, demoAccount{"unit-" + unit, "unit official of unit " + unit + ": its enterprises only", access.NewUser{Role: indus.RoleUnit, Units: []string{unit}}})
	}
	if uscc != "" {
		accounts = append(accounts, demoAccount{"enterprise", "enterprise user of " + uscc + ": its own record", access.NewUser{Role: indus.RoleEnterprise, USCC: uscc}})
	}
	fmt.Fprintln(env.Stdout, "demo accounts (sign in at /login; the passwords are new on every run):")
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  NAME\tPASSWORD\tROLE")
	for _, a := range accounts {
		a.user.Name, a.user.Password = a.name, access.GeneratePassword()
		if _, err := acc.AddUser(ctx, a.user); err != nil {
			return err
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", a.name, a.user.Password, a.what)
	}
	return tw.Flush()
}
