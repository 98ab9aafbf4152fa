package cli

import (
	"context"
	"fmt"

	"github.com/indus-platform/indus/internal/store"
)

func newMigrateCommand() *Command {
	return &Command{Name: "migrate", Summary: "create or upgrade the database schema",
		Run: func(ctx context.Context, env *Env, args []string) error {
			fs := newFlagSet(env, "migrate", "[--db DSN]")
			db := dbFlag(fs, env)
			if _, err := parseFlags(fs, args); err != nil {
				return err
			}
			st, err := store.Open(ctx, *db)
			if err != nil {
				return err
			}
			defer st.Close()
			applied, err := st.Migrate(ctx)
			if err != nil {
				return err
			}
			v, err := st.SchemaVersion(ctx)
			if err != nil {
				return err
			}
			if len(applied) == 0 {
				fmt.Fprintf(env.Stdout, "%s: schema is up to date (version %d)\n", st.Path(), v)
			} else {
				fmt.Fprintf(env.Stdout, "%s: applied migrations %v; schema version %d\n", st.Path(), applied, v)
			}
			return nil
		}}
}
