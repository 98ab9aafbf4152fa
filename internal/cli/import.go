package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os/user"
	"runtime/debug"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/indus-platform/indus/internal/analysis"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/ingest"
	"github.com/indus-platform/indus/internal/store"
)

func newImportCommand() *Command {
	return &Command{Name: "import", Summary: "import enterprise, annual and monthly files; history, undo, revisions",
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) > 0 {
				switch args[0] {
				case "history":
					return importHistory(ctx, env, args[1:])
				case "undo":
					return importUndo(ctx, env, args[1:])
				case "revisions":
					return importRevisions(ctx, env, args[1:])
				}
			}
			return importFiles(ctx, env, args)
		}}
}

func importFiles(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "import", "[--db DSN] [--check] [--accept-valid] [--report FILE.xlsx|.csv] FILE...\n       indus import history | undo BATCH | revisions BATCH")
	db := dbFlag(fs, env)
	check := fs.Bool("check", false, "dry run: validate and count, change nothing")
	acceptValid := fs.Bool("accept-valid", false, "import the valid rows of a file that has errors")
	reportPath := fs.String("report", "", "write every finding to this .xlsx or .csv file")
	quiet := fs.Bool("quiet", false, "no progress output")
	kind := fs.String("kind", "", "enterprises, annual or monthly (default: detected from the headers)")
	sheet := fs.String("sheet", "", "XLSX worksheet to read (default: the first visible sheet)")
	units := fs.String("units", "", "units of columns whose header has none, e.g. revenue=元,land_mu=平方米 or money=亿元")
	files, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		fs.Usage()
		return errUsage
	}
	st, err := openStore(ctx, env, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	// By default each file's load bounds DuckDB's buffer pool (and Go's
	// heap) to what it needs: the rows the load holds and its checks'
	// joins spill to disk instead of growing the process, while the joins
	// on the key still run in memory (a fixed bound that suits a million
	// rows would slow an import into a table of tens of millions down).
	// INDUS_IMPORT_MEMORY=SIZE
	// (e.g. 256MB) sets a fixed bound instead; INDUS_IMPORT_MEMORY=off
	// leaves DuckDB's default (most of the machine's memory).
	boundMemory := false
	switch limit := strings.TrimSpace(env.Getenv("INDUS_IMPORT_MEMORY")); {
	case limit == "":
		boundMemory = !*check
	case strings.EqualFold(limit, "off"):
	default:
		if err := st.SetMemoryLimit(ctx, limit); err != nil {
			return err
		}
	}
	start := time.Now()
	opts := analysis.ImportOptions{User: currentUser(env), AcceptValid: *acceptValid, DryRun: *check, BoundMemory: boundMemory,
		Read: ingest.Options{Kind: indus.DatasetKind(*kind), Sheet: *sheet}}
	switch indus.DatasetKind(*kind) {
	case "", indus.KindEnterprises, indus.KindAnnual, indus.KindMonthly:
	default:
		return indus.Errorf(indus.EInvalid, "unknown --kind %q: use enterprises, annual or monthly", *kind)
	}
	if *units != "" {
		opts.Read.Units = map[string]string{}
		for _, pair := range strings.Split(*units, ",") {
			k, v, ok := strings.Cut(pair, "=")
			if !ok || strings.TrimSpace(k) == "" || strings.TrimSpace(v) == "" {
				return indus.Errorf(indus.EInvalid, "--units %q: write COLUMN=UNIT pairs separated by commas, e.g. revenue=元", pair)
			}
			opts.Read.Units[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	if !*quiet {
		opts.Progress = newProgressPrinter(env.Stderr).update
	}
	results, err := analysis.ImportFiles(ctx, st, files, opts)
	if aerr := analysis.AuditImport(ctx, st, results, opts, err); aerr != nil {
		return aerr
	}
	printImportResults(env, results, err, maxPrintedFindings, "; use --report FILE.xlsx for all of them")
	if *reportPath != "" {
		if rerr := analysis.WriteReport(*reportPath, results); rerr != nil {
			return rerr
		}
		fmt.Fprintf(env.Stdout, "report written to %s\n", *reportPath)
	}
	if err != nil {
		return err
	}
	verb := "imported"
	if *check {
		verb = "checked (nothing changed)"
	} else if err := warmRollups(ctx, st, boundMemory); err != nil {
		// The data is in; the cluster overview will build its rollups on
		// first use instead.
		env.Logger.Warn("cluster rollups not prepared", "err", err)
	}
	fmt.Fprintf(env.Stdout, "%s %d file(s) in %.1f s\n", verb, len(results), time.Since(start).Seconds())
	return nil
}

// rollupWorkMemory is what the rollups' queries get beyond a load's
// bound: they join and aggregate whole tables.
const rollupWorkMemory = 64 << 20

// warmRollups prepares the cluster overview's rollups after an import.
// With bound, the import's garbage is first returned to the system and
// DuckDB's buffer pool is bounded as for a load into the monthly table
// (which the rollups read), plus a working margin, so that the command as
// a whole stays as small as its imports.
func warmRollups(ctx context.Context, st *store.Store, bound bool) error {
	if bound {
		debug.FreeOSMemory()
		limit, err := st.LoadMemoryBound(ctx, indus.KindMonthly, 0)
		if err != nil {
			return err
		}
		limit += rollupWorkMemory
		prev, prevBytes, err := st.MemoryLimit(ctx)
		if err != nil {
			return err
		}
		if limit < prevBytes {
			if err := st.SetMemoryLimitBytes(ctx, limit); err != nil {
				return err
			}
			defer st.RestoreMemoryLimit(ctx, prev)
		}
	}
	return analysis.WarmRollups(ctx, st)
}

// maxPrintedFindings bounds what a terminal shows; --report has them all.
const maxPrintedFindings = 50

// printImportResults prints each file's findings (up to limit, then how
// many more and the hint) and its outcome.
func printImportResults(env *Env, results []analysis.FileImport, err error, limit int, hint string) {
	for i, r := range results {
		for j, f := range r.Findings {
			if j == limit {
				fmt.Fprintf(env.Stderr, "… %d more finding(s) in %s%s\n", len(r.Findings)-j, r.File, hint)
				break
			}
			fmt.Fprintln(env.Stderr, f.String())
		}
		if err != nil && i == len(results)-1 {
			continue // the failing file: its error is returned
		}
		b := r.Batch
		switch {
		case b.DryRun:
			fmt.Fprintf(env.Stdout, "%s (%s): %s rows read; would insert %s, update %s, leave %s unchanged; %d rejected, %d warning(s)\n",
				r.File, r.Kind, formatCount(b.Read), formatCount(b.Inserted), formatCount(b.Updated), formatCount(b.Unchanged), r.Errors, r.Warnings)
		case b.BatchID == 0:
			fmt.Fprintf(env.Stdout, "%s (%s): %s rows read, nothing changed, %d rejected, %d warning(s)\n", r.File, r.Kind, formatCount(b.Read), r.Errors, r.Warnings)
		default:
			fmt.Fprintf(env.Stdout, "%s (%s): batch %d, %s rows read, %s inserted, %s updated, %s unchanged, %d rejected, %d warning(s)\n",
				r.File, r.Kind, b.BatchID, formatCount(b.Read), formatCount(b.Inserted), formatCount(b.Updated), formatCount(b.Unchanged), r.Errors, r.Warnings)
		}
	}
	if err != nil && len(results) > 1 {
		var ok []string
		for _, r := range results[:len(results)-1] {
			ok = append(ok, r.File)
		}
		fmt.Fprintf(env.Stderr, "files imported before the failure stay imported: %v\n", ok)
	}
}

func importHistory(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "import history", "[--db DSN] [--limit N] [--json]")
	db := dbFlag(fs, env)
	limit := fs.Int("limit", 50, "how many batches, newest first")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	st, err := openStore(ctx, env, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	bs, err := st.Batches(ctx, *limit)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(bs)
	}
	if len(bs) == 0 {
		fmt.Fprintln(env.Stdout, "no imports yet")
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "BATCH\tTIME\tUSER\tKIND\tFILE\tREAD\tINSERTED\tUPDATED\tUNCHANGED\tREJECTED\tWARNINGS\tSTATUS")
	for _, b := range bs {
		status := "active"
		if b.UndoneAt != nil {
			status = "undone " + b.UndoneAt.Local().Format("2006-01-02 15:04") + " by " + b.UndoneBy
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", b.ID, b.FinishedAt.Local().Format("2006-01-02 15:04"), b.User, b.Kind,
			b.FileName, b.Read, b.Inserted, b.Updated, b.Unchanged, b.Rejected, b.Warnings, status)
	}
	return tw.Flush()
}

func batchArg(fs *flag.FlagSet, rest []string) (int64, error) {
	if len(rest) != 1 {
		fs.Usage()
		return 0, errUsage
	}
	id, err := strconv.ParseInt(rest[0], 10, 64)
	if err != nil || id <= 0 {
		return 0, indus.Errorf(indus.EInvalid, "%q is not a batch number; 'indus import history' lists them", rest[0])
	}
	return id, nil
}

func importUndo(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "import undo", "[--db DSN] BATCH")
	db := dbFlag(fs, env)
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	id, err := batchArg(fs, rest)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, env, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := st.Undo(ctx, id, currentUser(env))
	if aerr := analysis.AuditUndo(ctx, st, id, res, err); aerr != nil && err == nil {
		return aerr
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "undid batch %d (%s, %s): %d row(s) removed, %d row(s) restored to their values before it\n",
		id, res.Batch.FileName, res.Batch.Kind, res.Deleted, res.Restored)
	return nil
}

func importRevisions(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "import revisions", "[--db DSN] [--limit N] BATCH")
	db := dbFlag(fs, env)
	limit := fs.Int("limit", 200, "at most this many changed values")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	id, err := batchArg(fs, rest)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, env, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	revs, err := st.Revisions(ctx, id, *limit)
	if err != nil {
		return err
	}
	if len(revs) == 0 {
		fmt.Fprintf(env.Stdout, "batch %d changed no existing value (it only added rows, or nothing)\n", id)
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ROW\tCOLUMN\tOLD\tNEW")
	show := func(p *string) string {
		if p == nil {
			return "(missing)"
		}
		return *p
	}
	for _, r := range revs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.RowKey, r.Column, show(r.Old), show(r.New))
	}
	return tw.Flush()
}

// currentUser names who runs the command, for the import batch record.
func currentUser(env *Env) string {
	if u := env.Getenv("INDUS_USER"); u != "" {
		return u
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "unknown"
}

func formatCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
