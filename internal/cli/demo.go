package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/indus-platform/indus/internal/analysis"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/refdata"
	"github.com/indus-platform/indus/internal/server"
	"github.com/indus-platform/indus/internal/synth"
)

// demoScheme is the benefit-per-mu scheme the demo evaluates with.
const demoScheme = "zhejiang-2018"

func newDemoCommand() *Command {
	return &Command{Name: "demo", Summary: "generate the demo dataset, import it into a fresh database and serve it",
		Run: func(ctx context.Context, env *Env, args []string) error {
			fs := newFlagSet(env, "demo", "[--addr HOST:PORT] [--dir DIR]")
			addr := fs.String("addr", envDefault(env, "INDUS_ADDR", defaultAddr), "address to listen on (env INDUS_ADDR)")
			dir := fs.String("dir", "./indus-demo", "directory for the generated files and the demo database")
			if _, err := parseFlags(fs, args); err != nil {
				return err
			}
			// Check the port before spending time on data.
			ln, err := server.Listen(*addr)
			if err != nil {
				return err
			}
			ln.Close()
			start := time.Now()
			dataDir := filepath.Join(*dir, "data")
			fmt.Fprintf(env.Stdout, "generating the demo dataset (seed 1) in %s …\n", dataDir)
			if _, err := synth.Generate(ctx, synth.Config{Seed: 1, Scale: "city", FromYear: 2019, ToYear: 2025}, dataDir); err != nil {
				return err
			}
			dbPath := filepath.Join(*dir, "demo.duckdb")
			for _, p := range []string{dbPath, dbPath + ".wal"} {
				if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
					return indus.Errorf(indus.EInvalid, "cannot replace the old demo database %s: %v", p, err)
				}
			}
			st, err := openStore(ctx, env, dbPath)
			if err != nil {
				return err
			}
			defer st.Close()
			files := []string{filepath.Join(dataDir, "enterprises.csv"), filepath.Join(dataDir, "annual.csv"), filepath.Join(dataDir, "monthly.csv")}
			results, err := analysis.ImportFiles(ctx, st, files, analysis.ImportOptions{User: "demo", Progress: newProgressPrinter(env.Stderr).update})
			// The demo data carries deliberate defects (the validation has
			// something to find): a few examples, not fifty lines.
			printImportResults(env, results, err, 2, " (deliberate defects of the demo data; indus import --check --report FILE.xlsx lists them all)")
			if err != nil {
				return err
			}
			if err := analysis.WarmRollups(ctx, st); err != nil {
				return err
			}
			// Two evaluation runs, so the dashboard shows grades, their
			// explanations, class probabilities and the year-on-year transitions.
			scheme, ok := refdata.SchemeByID(demoScheme)
			if !ok {
				return indus.Errorf(indus.EInternal, "the demo scheme %s is not embedded", demoScheme)
			}
			for _, year := range []int{2024, 2025} {
				run, _, err := analysis.Evaluate(ctx, st, analysis.EvaluateOptions{Scheme: scheme, Year: year, Uncertainty: 200, Seed: 1, User: "demo"})
				if err != nil {
					return err
				}
				fmt.Fprintf(env.Stdout, "evaluation run %d: %s, %d\n", run.ID, demoScheme, year)
			}
			fmt.Fprintf(env.Stdout, "demo data ready in %.1f s\n", time.Since(start).Seconds())
			return serve(ctx, env, st, *addr, "", true)
		}}
}
