// Package cli implements the indus command line: one Command per
// subcommand, flags with INDUS_* environment fallbacks, and no globals.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"

	"github.com/indus-platform/indus/internal/indus"
)

// Env is what a command may touch of the outside world; tests build one
// with buffers instead of the real streams.
type Env struct {
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Logger *slog.Logger
}

// Command is one subcommand. Run receives the arguments after the
// subcommand's name and returns an error for the user (an *indus.Error is
// printed as is; any other error is printed with its chain).
type Command struct {
	Name    string
	Summary string
	Run     func(ctx context.Context, env *Env, args []string) error
}

// errUsage signals that the command already printed its usage.
var errUsage = errors.New("usage")

func commands() []*Command {
	cmds := []*Command{
		newVersionCommand(),
		newGenCommand(),
		newImportCommand(),
		newMigrateCommand(),
		newServeCommand(),
		newDemoCommand(),
		newClustersCommand(),
		newComplexityCommand(),
		newExportCommand(),
		newTracksCommand(),
		newIndexCommand(),
		newEvaluateCommand(),
		newUserCommand(),
		newAuditCommand(),
	}
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].Name < cmds[j].Name })
	return cmds
}

// Run executes the command line args (without the program name) and returns
// the process exit code: 0 on success, 1 on a failure, 2 on a usage error.
func Run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: logLevel(getenv("INDUS_LOG_LEVEL"))}))
	env := &Env{Getenv: getenv, Stdin: stdin, Stdout: stdout, Stderr: stderr, Logger: logger}
	// The operator at the command line holds the database file and acts
	// with all rights; the audit log names them by their system account.
	ctx = indus.WithPrincipal(ctx, indus.Principal{Name: "cli:" + currentUser(env), Role: indus.RoleAdmin, Remote: "cli"})
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printHelp(stdout)
		return 0
	}
	for _, c := range commands() {
		if c.Name == args[0] {
			err := c.Run(ctx, env, args[1:])
			switch {
			case err == nil:
				return 0
			case errors.Is(err, errUsage), errors.Is(err, flag.ErrHelp):
				return 2
			}
			var de *indus.Error
			if errors.As(err, &de) {
				fmt.Fprintf(stderr, "indus %s: %s\n", c.Name, de.Message)
			} else {
				fmt.Fprintf(stderr, "indus %s: %v\n", c.Name, err)
			}
			return 1
		}
	}
	fmt.Fprintf(stderr, "indus: unknown command %q\n\n", args[0])
	printHelp(stderr)
	return 2
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "Indus steers a manufacturing cluster system: data in, clusters tracked, enterprises graded.")
	fmt.Fprintln(w, "\nUsage: indus COMMAND [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", c.Name, c.Summary)
	}
	fmt.Fprintln(w, "\nRun 'indus COMMAND -h' for a command's flags.")
}

func logLevel(s string) slog.Level {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// newFlagSet builds a flag set that prints its usage to the command's stderr.
func newFlagSet(env *Env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet("indus "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: indus %s %s\n\nFlags:\n", name, usage)
		fs.PrintDefaults()
	}
	return fs
}

// envDefault returns the INDUS_* environment value for a flag, or def.
func envDefault(env *Env, key, def string) string {
	if v := env.Getenv(key); v != "" {
		return v
	}
	return def
}

// parseFlags parses args, allowing flags after positional arguments
// ("indus import a.csv --db x"), and returns the positional arguments. A
// parse error becomes errUsage: the flag package has printed it already.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, flag.ErrHelp
			}
			return nil, errUsage
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if rest[0] == "--" {
			return append(positional, rest[1:]...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}
