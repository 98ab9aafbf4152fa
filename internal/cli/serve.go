package cli

import (
	"context"
	"fmt"

	"github.com/indus-platform/indus/internal/server"
	"github.com/indus-platform/indus/internal/store"
)

const defaultAddr = "127.0.0.1:8080"

func newServeCommand() *Command {
	return &Command{Name: "serve", Summary: "serve the dashboard and the JSON API",
		Run: func(ctx context.Context, env *Env, args []string) error {
			fs := newFlagSet(env, "serve", "[--db DSN] [--addr HOST:PORT] [--dev DIR]")
			db := dbFlag(fs, env)
			addr := fs.String("addr", envDefault(env, "INDUS_ADDR", defaultAddr), "address to listen on (env INDUS_ADDR)")
			dev := fs.String("dev", "", "read templates and static files from this directory (internal/web) instead of the binary")
			if _, err := parseFlags(fs, args); err != nil {
				return err
			}
			st, err := openStore(ctx, env, *db)
			if err != nil {
				return err
			}
			defer st.Close()
			return serve(ctx, env, st, *addr, *dev)
		}}
}

// serve listens first, so a busy port is reported before anything else,
// then prints the URL and serves until ctx is cancelled.
func serve(ctx context.Context, env *Env, st *store.Store, addr, dev string) error {
	srv, err := server.New(server.Config{Store: st, Logger: env.Logger, Version: Version, WebDir: dev})
	if err != nil {
		return err
	}
	ln, err := server.Listen(addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Indus is serving %s at http://%s/ (Ctrl-C to stop)\n", st.Path(), ln.Addr())
	return srv.Serve(ctx, ln)
}
