package cli

import (
	"context"
	"fmt"
	"runtime"

	"github.com/indus-platform/indus/internal/store"
)

// Version is set at build time with -ldflags "-X .../internal/cli.Version=…".
var Version = "dev"

func newVersionCommand() *Command {
	return &Command{Name: "version", Summary: "print the version of indus and its schema",
		Run: func(ctx context.Context, env *Env, args []string) error {
			fs := newFlagSet(env, "version", "")
			if _, err := parseFlags(fs, args); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "indus %s (schema %d, %s, %s/%s)\n", Version, store.LatestSchemaVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		}}
}
