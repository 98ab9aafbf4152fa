package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/indus-platform/indus/internal/access"
	"github.com/indus-platform/indus/internal/analysis"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/refdata"
	"github.com/indus-platform/indus/internal/store"
)

const evaluateUsage = `--scheme NAME|FILE.yaml --year YYYY [--db DSN | --data DIR] [--level enterprise|park|unit]
       [--uncertainty N] [--seed S] [--out FILE.csv|.xlsx [--compact]]
  indus evaluate list [--db DSN]
  indus evaluate show RUN [--level enterprise|park|unit] [--out FILE.csv|.xlsx [--compact]] [--db DSN]
  indus evaluate compare RUN1 RUN2 [--movers N] [--out FILE.csv|.xlsx] [--db DSN]
  indus evaluate schemes
  indus evaluate validate FILE.yaml...`

func newEvaluateCommand() *Command {
	return &Command{Name: "evaluate", Summary: "benefit-per-mu evaluation (亩均效益评价): grade enterprises A–D, rank parks and units",
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) > 0 {
				switch args[0] {
				case "list":
					return evaluateList(ctx, env, args[1:])
				case "show":
					return evaluateShow(ctx, env, args[1:])
				case "compare":
					return evaluateCompare(ctx, env, args[1:])
				case "schemes":
					return evaluateSchemes(env)
				case "validate":
					return evaluateValidate(env, args[1:])
				}
			}
			return evaluateRun(ctx, env, args)
		}}
}

// loadScheme resolves --scheme: an embedded preset by id, else a YAML
// file; warnings go to stderr, errors fail with every finding.
func loadEvalScheme(env *Env, name string) (*refdata.Scheme, error) {
	if name == "" {
		return nil, indus.Errorf(indus.EInvalid, "--scheme is required: a preset (%s) or a scheme file", strings.Join(evalSchemeIDs(), ", "))
	}
	if s, ok := refdata.SchemeByID(name); ok {
		return s, nil
	}
	data, err := os.ReadFile(name)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, indus.Errorf(indus.EInvalid, "scheme %q is neither a preset (%s) nor a file", name, strings.Join(evalSchemeIDs(), ", "))
		}
		return nil, indus.Errorf(indus.EInvalid, "cannot read scheme %s: %v", name, err)
	}
	s, findings, err := refdata.ParseScheme(name, data)
	for _, f := range findings {
		fmt.Fprintln(env.Stderr, f.String())
	}
	if err != nil {
		return nil, indus.Errorf(indus.EInvalid, "%s", err)
	}
	return s, nil
}

func evalSchemeIDs() []string {
	var ids []string
	for _, s := range refdata.Schemes() {
		ids = append(ids, s.ID)
	}
	return ids
}

func evaluateRun(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "evaluate", evaluateUsage)
	db := dbFlag(fs, env)
	scheme := fs.String("scheme", "", "scheme: a preset ("+strings.Join(evalSchemeIDs(), ", ")+") or a YAML file")
	year := fs.Int("year", 0, "evaluation year")
	level := fs.String("level", analysis.LevelEnterprise, "what --out writes and the summary lists: enterprise, park or unit")
	runs := fs.Int("uncertainty", 0, "Monte Carlo runs over the weights (±25 %) for class probabilities; 0 for none")
	seed := fs.Uint64("seed", 1, "seed of the Monte Carlo runs (the same seed gives the same probabilities)")
	out := fs.String("out", "", "write the results at --level to this .csv or .xlsx file")
	compact := fs.Bool("compact", false, "--out writes only uscc … reason, rank_all and the indicator values (large files); with --data, no explanations are computed")
	data := fs.String("data", "", "evaluate the canonical enterprises.csv and annual.csv in this directory instead of the database (nothing is recorded)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		fs.Usage()
		return errUsage
	}
	if *year == 0 {
		return indus.Errorf(indus.EInvalid, "--year is required, e.g. --year 2023")
	}
	if *runs < 0 {
		return indus.Errorf(indus.EInvalid, "--uncertainty must be 0 or a positive number of runs")
	}
	lvl, err := analysis.ParseEvaluationLevel(*level)
	if err != nil {
		return err
	}
	s, err := loadEvalScheme(env, *scheme)
	if err != nil {
		return err
	}
	opts := analysis.EvaluateOptions{Scheme: s, Year: *year, Uncertainty: *runs, Seed: *seed, User: currentUser(env)}
	// Files alone, written compact: nothing would show the explanations.
	opts.NoExplain = *data != "" && *compact
	start := time.Now()
	var table *analysis.EvaluationTable
	var ev *analysis.Evaluation
	if *data != "" {
		facts, err := analysis.ReadEvaluationFactsCSV(*data, *year)
		if err != nil {
			return err
		}
		if ev, err = analysis.ScoreFacts(ctx, facts, opts); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "%s %s, %d (files in %s; not recorded), input sha256 %s\n", s.ID, s.NameZh, *year, *data,
			analysis.InputSHA256(*year, facts)[:16])
		table = ev.Table(opts, lvl, *compact)
	} else {
		st, err := openStore(ctx, env, *db)
		if err != nil {
			return err
		}
		defer st.Close()
		var run store.EvaluationRun
		if run, ev, err = analysis.Evaluate(ctx, st, opts); err != nil {
			return err
		}
		if err := access.Record(ctx, st, "evaluation", fmt.Sprintf("run %d", run.ID), access.OutcomeOK, fmt.Sprintf("scheme=%s year=%d", s.ID, *year)); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "run %d: %s %s, %d; data batch %d, input sha256 %s, seed %d\n", run.ID, s.ID, s.NameZh, *year,
			run.DataBatch, run.InputSHA256[:16], run.Seed)
		if *out != "" {
			// Written from the stored run, as 'evaluate show' would.
			if table, err = analysis.LoadEvaluationTable(ctx, st, run.ID, lvl); err != nil {
				return err
			}
			table.Compact = *compact
		}
	}
	printEvaluationSummary(env.Stdout, ev)
	if *out != "" {
		n, err := table.Write(*out)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "wrote %s: %d %s rows\n", *out, n, lvl)
	}
	env.Logger.Debug("evaluated", "scheme", s.ID, "year", *year, "firms", len(ev.Firms), "elapsed", time.Since(start))
	return nil
}

func evalPct(n, of int) string {
	if of == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f %%", 100*float64(n)/float64(of))
}

func evalFnum(v float64) string {
	if v != v {
		return "-"
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}

// printEvaluationSummary prints the class distribution, the reasons, the
// benchmarks and the units' ranking.
func printEvaluationSummary(w io.Writer, ev *analysis.Evaluation) {
	s := ev.Scheme
	c := ev.Counts()
	u := s.UnratedClass()
	rated := len(ev.Firms) - c[u]
	var parts []string
	for _, k := range s.ClassIDs() {
		parts = append(parts, fmt.Sprintf("%s %d (%s)", k, c[k], evalPct(c[k], rated)))
	}
	fmt.Fprintf(w, "%d enterprises in scope: %s of %d rated; %s %d (%s) evaluated, not classified\n", len(ev.Firms),
		strings.Join(parts, ", "), rated, u, c[u], evalPct(c[u], len(ev.Firms)))
	reasons := ev.ReasonCounts()
	if len(reasons) > 0 {
		var keys []string
		for k := range reasons {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts = parts[:0]
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s %d", k, reasons[k]))
		}
		fmt.Fprintf(w, "reasons: %s\n", strings.Join(parts, ", "))
	}
	for _, n := range ev.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "indicator\tweight\tbenchmark\tmean\tmedian\tΣ÷Σ\treported\tunit\t")
	for j, ind := range s.Indicators {
		st := ev.Indicators[j]
		fmt.Fprintf(tw, "%s\t%g\t%s\t%s\t%s\t%s\t%d\t%s\t\n", ind.ID, ind.Weight, evalFnum(st.Benchmark), evalFnum(st.Mean), evalFnum(st.Median),
			evalFnum(st.Aggregate), st.Reported, ind.Unit)
	}
	tw.Flush()
	var ranked []*analysis.Area
	for _, a := range ev.Units {
		if a.Rank > 0 {
			ranked = append(ranked, a)
		}
	}
	sort.Slice(ranked, func(i, j int) bool { return ranked[i].Rank < ranked[j].Rank })
	if len(ranked) > 0 {
		fmt.Fprintf(w, "%d units ranked; top and bottom:\n", len(ranked))
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "rank\tunit\tscore\tfirms\t%s\t\n", strings.Join(append(s.ClassIDs(), u), "\t"))
		for k, a := range ranked {
			if k >= 5 && k < len(ranked)-5 {
				if k == 5 {
					fmt.Fprintln(tw, "…\t\t\t\t")
				}
				continue
			}
			var cc []string
			for _, cl := range append(s.ClassIDs(), u) {
				cc = append(cc, strconv.Itoa(a.ClassCounts[cl]))
			}
			fmt.Fprintf(tw, "%d\t%s %s\t%.1f\t%d\t%s\t\n", a.Rank, a.Code, a.Name, a.Score, len(a.Firms), strings.Join(cc, "\t"))
		}
		tw.Flush()
	}
}

func parseEvalRunID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 1 {
		return 0, indus.Errorf(indus.EInvalid, "%q is not a run id; 'indus evaluate list' lists them", s)
	}
	return id, nil
}

func evaluateList(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "evaluate list", "[--db DSN]")
	db := dbFlag(fs, env)
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	st, err := openStore(ctx, env, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	runs, err := st.Evaluations(ctx)
	if err != nil {
		return err
	}
	if len(runs) == 0 {
		fmt.Fprintln(env.Stdout, "no evaluations yet; run 'indus evaluate --scheme zhejiang-2018 --year 2023'")
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "run\tcreated\tuser\tscheme\tyear\tdata batch\tenterprises\tclasses\tuncertainty\tinput")
	for _, r := range runs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%d\t%d\t%s\t%d\t%s\n", r.ID, r.CreatedAt.Local().Format("2006-01-02 15:04"), r.User,
			r.SchemeID, r.Year, r.DataBatch, r.Enterprises, evalClassCounts(r.ClassCounts), r.UncertaintyRuns, r.InputSHA256[:min(12, len(r.InputSHA256))])
	}
	return tw.Flush()
}

func evalClassCounts(m map[string]int64) string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

func evaluateShow(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "evaluate show", "RUN [--level enterprise|park|unit] [--out FILE.csv|.xlsx] [--db DSN]")
	db := dbFlag(fs, env)
	level := fs.String("level", analysis.LevelEnterprise, "level of --out and of the listed rows: enterprise, park or unit")
	out := fs.String("out", "", "write the run's results at --level to this .csv or .xlsx file")
	compact := fs.Bool("compact", false, "--out writes only uscc … reason, rank_all and the indicator values")
	top := fs.Int("top", 10, "rows to list")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	id, err := parseEvalRunID(pos[0])
	if err != nil {
		return err
	}
	lvl, err := analysis.ParseEvaluationLevel(*level)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, env, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := st.EvaluationByID(ctx, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "run %d: %s %s (version %s), %d\ncreated %s by %s; data batch %d; input sha256 %s; scheme sha256 %s; seed %d; uncertainty runs %d\n",
		r.ID, r.SchemeID, r.SchemeNameZh, r.SchemeVersion, r.Year, r.CreatedAt.Local().Format(time.DateTime), r.User, r.DataBatch,
		r.InputSHA256, r.SchemeSHA256, r.Seed, r.UncertaintyRuns)
	fmt.Fprintf(env.Stdout, "%d enterprises, %d rated: %s\n", r.Enterprises, r.Rated, evalClassCounts(r.ClassCounts))
	for _, n := range r.Notes {
		fmt.Fprintf(env.Stdout, "note: %s\n", n)
	}
	t, err := analysis.LoadEvaluationTable(ctx, st, id, lvl)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	if lvl == analysis.LevelEnterprise {
		fmt.Fprintln(tw, "uscc\tname\tunit\tscore\trank\tclass\treason")
		for k, e := range t.Enterprises {
			if k >= *top {
				break
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.USCC, e.Name, e.UnitCode, evalPnum(e.Score), evalPint(e.Rank), e.Class, e.ReasonEn)
		}
	} else {
		fmt.Fprintln(tw, "rank\tcode\tname\tscore\tenterprises\trated")
		for k, a := range t.Areas {
			if k >= *top {
				break
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\n", evalPint(a.Rank), a.Code, a.Name, evalPnum(a.Score), a.Enterprises, a.Rated)
		}
	}
	tw.Flush()
	if *out != "" {
		t.Compact = *compact
		n, err := t.Write(*out)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "wrote %s: %d %s rows\n", *out, n, lvl)
	}
	return nil
}

func evalPnum(p *float64) string {
	if p == nil {
		return "-"
	}
	return strconv.FormatFloat(*p, 'f', 2, 64)
}

func evalPint(p *int) string {
	if p == nil {
		return "-"
	}
	return strconv.Itoa(*p)
}

func evaluateCompare(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "evaluate compare", "RUN1 RUN2 [--movers N] [--out FILE.csv|.xlsx] [--db DSN]")
	db := dbFlag(fs, env)
	movers := fs.Int("movers", 20, "movers to list (largest moves first)")
	out := fs.String("out", "", "write every mover to this .csv or .xlsx file")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		fs.Usage()
		return errUsage
	}
	a, err := parseEvalRunID(pos[0])
	if err != nil {
		return err
	}
	b, err := parseEvalRunID(pos[1])
	if err != nil {
		return err
	}
	st, err := openStore(ctx, env, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	cmp, err := analysis.CompareEvaluations(ctx, st, a, b)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "run %d (%s, %d) → run %d (%s, %d): %d same, %d up, %d down, %d into or out of %s\n",
		cmp.From.ID, cmp.From.SchemeID, cmp.From.Year, cmp.To.ID, cmp.To.SchemeID, cmp.To.Year, cmp.Same, cmp.Up, cmp.Down,
		len(cmp.Movers)-cmp.Up-cmp.Down, strings.Join(cmp.Classes[len(cmp.Classes)-1:], ""))
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "from \\ to\t%s\tleft\t\n", strings.Join(cmp.Classes, "\t"))
	for r, row := range cmp.Matrix {
		cells := make([]string, len(row))
		for c, v := range row {
			cells[c] = strconv.Itoa(v)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t\n", cmp.Classes[r], strings.Join(cells, "\t"), cmp.Left[cmp.Classes[r]])
	}
	entered := make([]string, len(cmp.Classes))
	for c, k := range cmp.Classes {
		entered[c] = strconv.Itoa(cmp.Entered[k])
	}
	fmt.Fprintf(tw, "entered\t%s\t\t\n", strings.Join(entered, "\t"))
	tw.Flush()
	if len(cmp.Movers) > 0 {
		tw = tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "uscc\tname\tunit\tfrom\tto\tscore before\tscore after")
		for k, m := range cmp.Movers {
			if k >= *movers {
				fmt.Fprintf(tw, "… %d more\n", len(cmp.Movers)-k)
				break
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", m.USCC, m.Name, m.UnitCode, m.FromClass, m.ToClass, evalPnum(m.FromScore), evalPnum(m.ToScore))
		}
		tw.Flush()
	}
	if *out != "" {
		n, err := analysis.WriteMovers(*out, cmp)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "wrote %s: %d movers\n", *out, n)
	}
	return nil
}

func evaluateSchemes(env *Env) error {
	for _, s := range refdata.Schemes() {
		var inds []string
		for _, ind := range s.Indicators {
			inds = append(inds, fmt.Sprintf("%s %g", ind.ID, ind.Weight))
		}
		fmt.Fprintf(env.Stdout, "%s  %s / %s (version %s)\n  scope %s%s; benchmark %s, cap %g; classes %s + %s\n  %s\n\n", s.ID, s.NameZh, s.NameEn,
			s.Version, s.Scope.Firms, map[bool]string{true: ", manufacturing only", false: ""}[s.Scope.ManufacturingOnly],
			s.Benchmark.Rule, s.Benchmark.Cap, strings.Join(s.ClassIDs(), "/"), s.UnratedClass(), strings.Join(inds, ", "))
	}
	fmt.Fprintln(env.Stdout, "Copy a preset from internal/refdata/data/schemes/ to start your own; check it with 'indus evaluate validate FILE.yaml'.")
	return nil
}

// evaluateValidate prints every finding as FILE:LINE:COL: severity: message
// and fails when any is an error.
func evaluateValidate(env *Env, args []string) error {
	fs := newFlagSet(env, "evaluate validate", "FILE.yaml...")
	files, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		fs.Usage()
		return errUsage
	}
	failed := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return indus.Errorf(indus.EInvalid, "cannot read %s: %v", file, err)
		}
		s, findings, err := refdata.ParseScheme(file, data)
		for _, f := range findings {
			fmt.Fprintln(env.Stdout, f.String())
		}
		if err != nil {
			failed++
			continue
		}
		fmt.Fprintf(env.Stdout, "%s: ok: %s version %s, %d indicators (Σ weights %g), classes %s\n", file, s.ID, s.Version,
			len(s.Indicators), s.TotalWeight(), strings.Join(append(s.ClassIDs(), s.UnratedClass()), "/"))
	}
	if failed > 0 {
		return indus.Errorf(indus.EInvalid, "%d of %d file(s) have errors", failed, len(files))
	}
	return nil
}
