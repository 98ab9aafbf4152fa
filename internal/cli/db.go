package cli

import (
	"context"
	"flag"

	"github.com/indus-platform/indus/internal/store"
)

// dbFlag registers --db with its INDUS_DB fallback.
func dbFlag(fs *flag.FlagSet, env *Env) *string {
	return fs.String("db", envDefault(env, "INDUS_DB", store.DefaultDSN), "database: a DuckDB file path or duckdb://PATH (env INDUS_DB)")
}

// openStore opens and migrates the database, so every command sees the
// current schema.
func openStore(ctx context.Context, env *Env, dsn string) (*store.Store, error) {
	st, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	applied, err := st.Migrate(ctx)
	if err != nil {
		st.Close()
		return nil, err
	}
	if len(applied) > 0 {
		env.Logger.Debug("migrated", "db", dsn, "versions", applied)
	}
	return st, nil
}
