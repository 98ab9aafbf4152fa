package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/indus-platform/indus/internal/analysis"
	"github.com/indus-platform/indus/internal/calc/cluster"
	"github.com/indus-platform/indus/internal/export"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/refdata"
	"github.com/indus-platform/indus/internal/store"
)

const clustersUsage = `Usage:
  indus clusters list                 the embedded default cluster system
  indus clusters validate FILE.yaml   check a cluster-system file
  indus clusters assign               place every enterprise in its clusters; counts and changes
  indus clusters override USCC CLUSTER --reason TEXT [--primary] [--remove] [--clear]
  indus clusters unassigned           enterprises in no cluster
  indus clusters report --period YYYY-MM|YYYY [--ytd] [--unit CODE] [--geo all|city|region|unit] [--format table|json|csv|xlsx]
  indus clusters enterprises CLUSTER  the enterprises behind a cluster's figures
  indus clusters targets              cluster and city targets against their trajectories
  indus clusters specialisation       location quotients, strong clusters and stars by unit
  indus clusters reference FILE.csv --name NAME   import a national or provincial region × industry table
  indus clusters warnings [--month YYYY-MM] [--format table|json|csv|xlsx]
Run 'indus clusters SUBCOMMAND -h' for the flags.`

func newClustersCommand() *Command {
	return &Command{Name: "clusters", Summary: "cluster system, memberships, monitoring report, targets, specialisation and early warnings",
		Run: func(ctx context.Context, env *Env, args []string) error {
			usage := func() error {
				fmt.Fprintln(env.Stderr, clustersUsage)
				return errUsage
			}
			if len(args) == 0 {
				return usage()
			}
			sub := map[string]func(context.Context, *Env, []string) error{
				"validate":       func(_ context.Context, env *Env, a []string) error { return clustersValidate(env, a) },
				"list":           func(_ context.Context, env *Env, _ []string) error { return clustersList(env) },
				"assign":         clustersAssign,
				"override":       clustersOverride,
				"unassigned":     clustersUnassigned,
				"report":         clustersReport,
				"enterprises":    clustersEnterprises,
				"targets":        clustersTargets,
				"specialisation": clustersSpecialisation,
				"reference":      clustersReference,
				"warnings":       clustersWarnings,
			}
			if f, ok := sub[args[0]]; ok {
				return f(ctx, env, args[1:])
			}
			return usage()
		}}
}

// clustersValidate prints every finding as FILE:LINE:COL: severity: message
// and fails when any is an error.
func clustersValidate(env *Env, args []string) error {
	fs := newFlagSet(env, "clusters validate", "FILE.yaml...")
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
		cs, findings, err := refdata.ParseClusterSystem(file, data)
		for _, f := range findings {
			fmt.Fprintln(env.Stdout, f.String())
		}
		if err != nil {
			failed++
			continue
		}
		fmt.Fprintf(env.Stdout, "%s: ok: %s version %s, %d tiers, %d clusters (%d unverified), %d city targets\n",
			file, cs.ID, cs.Version, len(cs.Tiers), len(cs.Clusters), len(cs.Unverified()), len(cs.Targets))
	}
	if failed > 0 {
		return indus.Errorf(indus.EInvalid, "%d of %d file(s) have errors", failed, len(files))
	}
	return nil
}

func clustersList(env *Env) error {
	cs := refdata.DefaultClusterSystem()
	fmt.Fprintf(env.Stdout, "%s  %s / %s  version %s, effective %s\n", cs.ID, cs.NameZh, cs.NameEn, cs.Version, cs.EffectiveFrom)
	for _, t := range cs.Tiers {
		fmt.Fprintf(env.Stdout, "\n%s / %s\n", t.NameZh, t.NameEn)
		for _, c := range cs.ClustersInTier(t.ID) {
			mark := ""
			if !c.Verified {
				mark = " (unverified)"
			}
			parent := ""
			if c.Parent != "" {
				parent = " ⊂ " + c.Parent
			}
			fmt.Fprintf(env.Stdout, "  %-28s %s / %s%s%s  [%s]\n", c.ID, c.NameZh, c.NameEn, parent, mark, strings.Join(c.Rules.Include, " "))
		}
	}
	return nil
}

// outputFlags are the --format and --out flags of the reporting commands.
type outputFlags struct {
	format, out *string
}

func addOutputFlags(fs *flag.FlagSet) outputFlags {
	return outputFlags{
		format: fs.String("format", "", "table, json, csv or xlsx (default: from --out's extension, else table)"),
		out:    fs.String("out", "", "write to this file instead of standard output (needed for xlsx)"),
	}
}

// resolve picks the format: the flag, else the --out file's extension,
// else a table.
func (o outputFlags) resolve() (string, error) {
	f := strings.ToLower(*o.format)
	if f == "" {
		if ef, ok := export.FormatOf(*o.out); ok {
			f = string(ef)
		} else if strings.HasSuffix(strings.ToLower(*o.out), ".json") {
			f = "json"
		} else {
			f = "table"
		}
	}
	switch f {
	case "table", "json", "csv", "xlsx":
	default:
		return "", indus.Errorf(indus.EInvalid, "unknown format %q: use table, json, csv or xlsx", *o.format)
	}
	if f == "xlsx" && (*o.out == "" || *o.out == "-") {
		return "", indus.Errorf(indus.EInvalid, "xlsx needs a file: add --out FILE.xlsx")
	}
	return f, nil
}

// writeOut sends text output (a table or JSON) to stdout or the --out file.
func (o outputFlags) writeOut(env *Env, fn func(w io.Writer) error) error {
	if *o.out == "" || *o.out == "-" {
		return fn(env.Stdout)
	}
	f, err := os.Create(*o.out)
	if err != nil {
		return indus.Errorf(indus.EInvalid, "cannot write %s: %v", *o.out, err)
	}
	if err := fn(f); err != nil {
		f.Close()
		os.Remove(*o.out)
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "wrote %s\n", *o.out)
	return nil
}

func writeJSONTo(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// writeRows writes csv or xlsx through the analysis writers.
func (o outputFlags) writeRows(env *Env, format, sheet string, header []string, n int, row func(int) []export.Cell) error {
	if err := analysis.WriteTable(env.Stdout, *o.out, export.Format(format), sheet, header, n, row); err != nil {
		return err
	}
	if *o.out != "" && *o.out != "-" {
		fmt.Fprintf(env.Stderr, "wrote %d rows to %s\n", n, *o.out)
	}
	return nil
}

func clustersAssign(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "clusters assign", "[--db FILE] [--changes N]")
	db := dbFlag(fs, env)
	changes := fs.Int("changes", 20, "list up to this many changed memberships")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	warm := fs.Bool("warm", true, "then materialise the latest month's rollups, so the first report is fast")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	st, err := openStore(ctx, env, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	res, err := analysis.AssignClusters(ctx, st, analysis.AssignOptions{User: currentUser(env), Changes: *changes})
	if err != nil {
		return err
	}
	took := time.Since(start)
	if *warm {
		ws := time.Now()
		if err := analysis.WarmRollups(ctx, st); err != nil {
			return err
		}
		env.Logger.Info("rollups materialised", "seconds", time.Since(ws).Seconds())
	}
	if *asJSON {
		return writeJSONTo(env.Stdout, res)
	}
	cs := refdata.DefaultClusterSystem()
	fmt.Fprintf(env.Stdout, "assignment %d of %s %s in %.2f s: %s enterprises, %s in at least one cluster, %s unassigned, %s memberships\n",
		res.ID, cs.ID, cs.Version, took.Seconds(), formatCount(res.Enterprises), formatCount(res.Assigned),
		formatCount(res.Unassigned), formatCount(res.Memberships))
	if res.First {
		fmt.Fprintln(env.Stdout, "first assignment: every membership is new")
	} else {
		fmt.Fprintf(env.Stdout, "since assignment before: +%s memberships, −%s, %s enterprises changed primary cluster\n",
			formatCount(res.Added), formatCount(res.Removed), formatCount(res.PrimaryChanged))
	}
	counts := map[string]store.AssignmentCount{}
	for _, c := range res.Counts {
		counts[c.ClusterID] = c
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "CLUSTER\tNAME\tMEMBERS\tPRIMARY\tADDED\tREMOVED\t")
	for _, c := range cs.Clusters {
		n := counts[c.ID]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", c.ID, c.NameZh, formatCount(n.Members), formatCount(n.Primary), formatCount(n.Added), formatCount(n.Removed))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(res.Changes) > 0 {
		fmt.Fprintf(env.Stdout, "\nchanges (first %d):\n", len(res.Changes))
		for _, c := range res.Changes {
			fmt.Fprintf(env.Stdout, "  %-14s %-22s %s %s\n", c.Change, c.ClusterID, c.USCC, c.Name)
		}
	}
	return nil
}

func clustersOverride(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "clusters override", "USCC CLUSTER --reason TEXT [--primary] [--remove] [--clear] [--user NAME]")
	db := dbFlag(fs, env)
	reason := fs.String("reason", "", "why the rules are set aside (required)")
	primary := fs.Bool("primary", false, "make CLUSTER the enterprise's primary cluster")
	remove := fs.Bool("remove", false, "take the enterprise out of CLUSTER")
	clear := fs.Bool("clear", false, "revoke the override of USCC in CLUSTER: back to the rules")
	user := fs.String("user", "", "author of the override (default: INDUS_USER or the login name)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		fs.Usage()
		return errUsage
	}
	author := *user
	if author == "" {
		author = currentUser(env)
	}
	st, err := openStore(ctx, env, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := analysis.OverrideCluster(ctx, st, analysis.OverrideRequest{USCC: pos[0], ClusterID: pos[1], Reason: *reason,
		Author: author, Primary: *primary, Remove: *remove, Clear: *clear})
	if err != nil {
		return err
	}
	switch {
	case *clear:
		fmt.Fprintf(env.Stdout, "cleared the override of %s in %s\n", res.Override.USCC, res.Override.ClusterID)
	default:
		fmt.Fprintf(env.Stdout, "override %d: %s %s %s (by %s: %s)\n", res.Override.ID, res.Override.Action, res.Override.USCC,
			res.Override.ClusterID, res.Override.Author, res.Override.Reason)
	}
	if res.Pending {
		fmt.Fprintln(env.Stdout, "clusters have not been assigned yet: the override applies at 'indus clusters assign'")
		return nil
	}
	fmt.Fprintf(env.Stdout, "memberships of %s now:", res.Override.USCC)
	if len(res.Memberships) == 0 {
		fmt.Fprint(env.Stdout, " none")
	}
	for _, m := range res.Memberships {
		mark := ""
		if m.Primary {
			mark = "*"
		}
		fmt.Fprintf(env.Stdout, " %s%s (%s)", m.ClusterID, mark, m.Rule)
	}
	fmt.Fprintln(env.Stdout)
	return nil
}

func clustersUnassigned(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "clusters unassigned", "[--limit N] [--format table|json|csv|xlsx] [--out FILE]")
	db := dbFlag(fs, env)
	limit := fs.Int("limit", 50, "list at most this many (0: all)")
	o := addOutputFlags(fs)
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	format, err := o.resolve()
	if err != nil {
		return err
	}
	st, err := openStore(ctx, env, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	n := *limit
	if n == 0 {
		n = 1 << 30
	}
	list, err := analysis.Unassigned(ctx, st, n, 0)
	if err != nil {
		return err
	}
	switch format {
	case "json":
		return o.writeOut(env, func(w io.Writer) error { return writeJSONTo(w, list) })
	case "csv", "xlsx":
		return o.writeRows(env, format, "unassigned", []string{"uscc", "name", "unit_code", "industry_code", "above_size"}, len(list.Enterprises),
			func(i int) []export.Cell {
				e := list.Enterprises[i]
				return []export.Cell{e.USCC, e.Name, e.UnitCode, e.IndustryCode, e.AboveSize}
			})
	}
	return o.writeOut(env, func(w io.Writer) error {
		fmt.Fprintf(w, "%s enterprises are in no cluster (above-size first)\n", formatCount(list.Total))
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "USCC\tNAME\tUNIT\tINDUSTRY\tABOVE SIZE")
		for _, e := range list.Enterprises {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\n", e.USCC, e.Name, e.UnitCode, e.IndustryCode, e.AboveSize)
		}
		return tw.Flush()
	})
}

// periodFlags parses --period and --ytd; an empty period means the
// latest month with data.
func periodFlags(fs *flag.FlagSet) (period *string, ytd *bool) {
	return fs.String("period", "", "YYYY-MM (a month) or YYYY (a year); default: the latest month with data"),
		fs.Bool("ytd", false, "January to the month of --period, cumulative")
}

func parsePeriodFlag(period string, ytd bool) (analysis.Period, error) {
	if period == "" {
		if ytd {
			return analysis.Period{}, indus.Errorf(indus.EInvalid, "--ytd needs --period YYYY-MM")
		}
		return analysis.Period{}, nil
	}
	return analysis.ParsePeriod(period, ytd)
}

func clustersReport(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "clusters report", "--period YYYY-MM|YYYY [--ytd] [--unit CODE] [--geo all|city|region|unit] [--cluster ID] [--format table|json|csv|xlsx] [--out FILE] [--lang zh|en]")
	db := dbFlag(fs, env)
	period, ytd := periodFlags(fs)
	unit := fs.String("unit", "", "only this evaluation unit (code) or region (metro, northeast, southeast)")
	geo := fs.String("geo", "", "geographies: all, city, region or unit (default: all; city for the table)")
	clusterID := fs.String("cluster", "", "only this cluster")
	lang := fs.String("lang", "zh", "language of names: zh or en")
	repeat := fs.Int("repeat", 0, "benchmark: compute the report this many more times and print timings to stderr")
	o := addOutputFlags(fs)
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	format, err := o.resolve()
	if err != nil {
		return err
	}
	p, err := parsePeriodFlag(*period, *ytd)
	if err != nil {
		return err
	}
	g := *geo
	if g == "" && format == "table" && *unit == "" {
		g = analysis.GeoCity // a screenful; files get every geography
	}
	st, err := openStore(ctx, env, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	opts := analysis.ReportOptions{Period: p, Geo: g, Unit: *unit, ClusterID: *clusterID, Lang: *lang}
	start := time.Now()
	rep, err := analysis.ClusterReport(ctx, st, opts)
	if err != nil {
		return err
	}
	if *repeat > 0 {
		first := time.Since(start)
		times := make([]time.Duration, *repeat)
		for i := range times {
			s := time.Now()
			if _, err := analysis.ClusterReport(ctx, st, opts); err != nil {
				return err
			}
			times[i] = time.Since(s)
		}
		slices.Sort(times)
		fmt.Fprintf(env.Stderr, "report %s (%d rows): first %.1f ms (from the materialised rollup: %v), then %d runs median %.2f ms, max %.2f ms\n",
			rep.Period, len(rep.Rows), ms(first), rep.Cached, len(times), ms(times[len(times)/2]), ms(times[len(times)-1]))
	}
	switch format {
	case "json":
		return o.writeOut(env, func(w io.Writer) error { return writeJSONTo(w, rep) })
	case "csv", "xlsx":
		return o.writeRows(env, format, "clusters", analysis.ClusterReportHeader, len(rep.Rows), func(i int) []export.Cell { return analysis.ReportCells(rep.Rows[i]) })
	}
	return o.writeOut(env, func(w io.Writer) error { return printReport(w, rep) })
}

// fmtNum formats a number in a table: thousands separators, or "–".
func fmtNum(p *float64, decimals int) string {
	if p == nil {
		return "–"
	}
	if decimals == 0 {
		return formatCount(int64(*p + 0.5*sign(*p)))
	}
	return fmt.Sprintf("%.*f", decimals, *p)
}

func sign(x float64) float64 {
	if x < 0 {
		return -1
	}
	return 1
}

func ptr(x float64) *float64 { return &x }

func printReport(w io.Writer, rep *analysis.Report) error {
	fmt.Fprintf(w, "%s %s — period %s (money: 100 million yuan; growth: %% on the comparable basis)\n\n", rep.System, rep.SystemVersion, rep.PeriodLabel)
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "CLUSTER\tGEO\tOUTPUT\tREVENUE\tVA\tFIRMS\tEMPLOYEES\tYOY%\tCONTRIB pp\tSHARE%\tHHI\tTOP10%\tIN/OUT\tTARGET\tYEAR\tCAGR%\tNEED%\tSTATUS\t")
	yi := func(p *float64) *float64 {
		if p == nil {
			return nil
		}
		return ptr(*p / 1e4)
	}
	for _, r := range rep.Rows {
		var cagr, need *float64
		if r.Trajectory != nil {
			cagr, need = r.Trajectory.ActualCAGR, r.Trajectory.Required
		}
		year := ""
		if r.TargetYear != 0 {
			year = fmt.Sprint(r.TargetYear)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t+%d/−%d\t%s\t%s\t%s\t%s\t%s\t\n",
			r.ClusterID, r.Geography, fmtNum(ptr(r.OutputValue/1e4), 0), fmtNum(ptr(r.Revenue/1e4), 0), fmtNum(yi(r.ValueAdded), 0),
			formatCount(r.Enterprises), formatCount(int64(r.Employees+0.5)), fmtNum(r.YoYGrowth, 1), fmtNum(r.ContributionPP, 2),
			fmtNum(r.ShareOfCity, 1), fmtNum(r.HHI, 0), fmtNum(r.Top10Share, 1), r.Entrants, r.Exits, fmtNum(yi(r.TargetValue), 0), year,
			fmtNum(cagr, 1), fmtNum(need, 1), r.Status)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(rep.CityTargets) > 0 {
		fmt.Fprintln(w, "\nCity targets:")
		tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
		fmt.Fprintln(tw, "TARGET\tUNIT\tBASE\tLATEST\tTARGET\tCAGR%\tNEED%\tPROJECTED\tSTATUS")
		for _, t := range rep.CityTargets {
			// Money in 100 million yuan, like the cluster rows.
			conv, unit := func(p *float64) *float64 { return p }, t.Unit
			if t.Unit == "10k_yuan" {
				conv, unit = yi, "100m_yuan"
			}
			fmt.Fprintf(tw, "%s\t%s\t%d: %s\t%d: %s\t%d: %s\t%s\t%s\t%s\t%s\n", t.ID, unit, t.BaseYear, fmtNum(conv(t.BaseValue), 2), t.Year, fmtNum(conv(t.Value), 2),
				t.TargetYear, fmtNum(conv(t.Target), 2), fmtNum(t.ActualCAGR, 1), fmtNum(t.Required, 1), fmtNum(conv(t.Projected), 2), t.Status)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintln(w)
	for _, n := range rep.Notes {
		fmt.Fprintln(w, "note: "+n)
	}
	return nil
}

func clustersEnterprises(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "clusters enterprises", "CLUSTER [--period P] [--ytd] [--unit CODE] [--limit N] [--format table|json|csv|xlsx] [--out FILE]")
	db := dbFlag(fs, env)
	period, ytd := periodFlags(fs)
	unit := fs.String("unit", "", "only this unit (code) or region")
	limit := fs.Int("limit", 20, "list at most this many (0: all)")
	o := addOutputFlags(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	format, err := o.resolve()
	if err != nil {
		return err
	}
	p, err := parsePeriodFlag(*period, *ytd)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, env, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	l, err := analysis.ClusterEnterprises(ctx, st, pos[0], p, *unit, *limit, 0)
	if err != nil {
		return err
	}
	header := []string{"uscc", "name", "unit_code", "industry_code", "primary", "rule", "output_value", "revenue", "value_added",
		"employees", "prev_output_value", "prev_revenue"}
	switch format {
	case "json":
		return o.writeOut(env, func(w io.Writer) error { return writeJSONTo(w, l) })
	case "csv", "xlsx":
		return o.writeRows(env, format, "enterprises", header, len(l.Items), func(i int) []export.Cell {
			f := l.Items[i]
			return []export.Cell{f.USCC, f.Name, f.UnitCode, f.IndustryCode, f.Primary, f.Rule, cellOf(f.Output), cellOf(f.Revenue),
				cellOf(f.ValueAdded), cellOf(f.Employees), cellOf(f.PrevOutput), cellOf(f.PrevRevenue)}
		})
	}
	return o.writeOut(env, func(w io.Writer) error {
		fmt.Fprintf(w, "%s in %s, %s: %s enterprises report (of %s listed with either year); output %s, revenue %s (10k yuan)\n",
			l.ClusterID, l.Geography, l.Period, formatCount(l.Sums.Enterprises), formatCount(l.Total),
			fmtNum(&l.Sums.OutputValue, 0), fmtNum(&l.Sums.Revenue, 0))
		tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
		fmt.Fprintln(tw, "USCC\tNAME\tUNIT\tINDUSTRY\tOUTPUT\tREVENUE\tA YEAR EARLIER\tRULE")
		for _, f := range l.Items {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", f.USCC, f.Name, f.UnitCode, f.IndustryCode, fmtNum(f.Output, 0),
				fmtNum(f.Revenue, 0), fmtNum(f.PrevOutput, 0), f.Rule)
		}
		return tw.Flush()
	})
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func cellOf(p *float64) export.Cell {
	if p == nil {
		return nil
	}
	return *p
}

func clustersTargets(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "clusters targets", "[--period P] [--format table|json]")
	db := dbFlag(fs, env)
	period, ytd := periodFlags(fs)
	lang := fs.String("lang", "zh", "language of names: zh or en")
	o := addOutputFlags(fs)
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	format, err := o.resolve()
	if err != nil {
		return err
	}
	p, err := parsePeriodFlag(*period, *ytd)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, env, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := analysis.ClusterReport(ctx, st, analysis.ReportOptions{Period: p, Geo: analysis.GeoCity, Lang: *lang})
	if err != nil {
		return err
	}
	type targetRow struct {
		ClusterID string               `json:"cluster_id"`
		Name      string               `json:"name"`
		Traj      *analysis.Trajectory `json:"trajectory"`
	}
	var rows []targetRow
	for _, r := range rep.Rows {
		if r.Trajectory != nil {
			rows = append(rows, targetRow{r.ClusterID, r.ClusterName, r.Trajectory})
		}
	}
	switch format {
	case "json":
		return o.writeOut(env, func(w io.Writer) error {
			return writeJSONTo(w, map[string]any{"period": rep.Period, "clusters": rows, "city_targets": rep.CityTargets})
		})
	case "csv", "xlsx":
		return o.writeRows(env, format, "targets", []string{"id", "name", "metric", "unit", "base_year", "base_value", "base_source", "year", "value",
			"target_year", "target_value", "actual_cagr", "required_cagr", "projected_value", "ratio", "status"}, len(rows)+len(rep.CityTargets),
			func(i int) []export.Cell {
				var id, name string
				var t *analysis.Trajectory
				if i < len(rows) {
					id, name, t = rows[i].ClusterID, rows[i].Name, rows[i].Traj
				} else {
					c := rep.CityTargets[i-len(rows)]
					id, name, t = c.ID, c.Name, &c.Trajectory
				}
				return []export.Cell{id, name, t.Metric, t.Unit, int64(t.BaseYear), cellOf(t.BaseValue), t.BaseSource, int64(t.Year), cellOf(t.Value),
					int64(t.TargetYear), cellOf(t.Target), cellOf(t.ActualCAGR), cellOf(t.Required), cellOf(t.Projected), cellOf(t.Ratio), t.Status}
			})
	}
	return o.writeOut(env, func(w io.Writer) error {
		fmt.Fprintf(w, "Targets judged on the latest full year before %s (values in 100 million yuan unless a unit is given)\n\n", rep.PeriodLabel)
		tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
		fmt.Fprintln(tw, "TARGET\tMETRIC\tBASE\tLATEST\tTARGET\tACTUAL CAGR%\tNEEDED CAGR%\tPROJECTED\tSTATUS")
		y := func(p *float64) *float64 {
			if p == nil {
				return nil
			}
			return ptr(*p / 1e4)
		}
		for _, r := range rows {
			t := r.Traj
			fmt.Fprintf(tw, "%s\t%s\t%d: %s (%s)\t%d: %s\t%d: %s\t%s\t%s\t%s\t%s\n", r.ClusterID, t.Metric, t.BaseYear, fmtNum(y(t.BaseValue), 0), t.BaseSource,
				t.Year, fmtNum(y(t.Value), 0), t.TargetYear, fmtNum(y(t.Target), 0), fmtNum(t.ActualCAGR, 1), fmtNum(t.Required, 1), fmtNum(y(t.Projected), 0), t.Status)
		}
		for _, c := range rep.CityTargets {
			t := c.Trajectory
			conv := func(p *float64) *float64 { return p }
			if t.Unit == "10k_yuan" {
				conv = y
			}
			fmt.Fprintf(tw, "city:%s\t%s\t%d: %s (%s)\t%d: %s\t%d: %s\t%s\t%s\t%s\t%s\n", c.ID, t.Metric, t.BaseYear, fmtNum(conv(t.BaseValue), 2), t.BaseSource,
				t.Year, fmtNum(conv(t.Value), 2), t.TargetYear, fmtNum(conv(t.Target), 2), fmtNum(t.ActualCAGR, 1), fmtNum(t.Required, 1), fmtNum(conv(t.Projected), 2), t.Status)
		}
		return tw.Flush()
	})
}

func clustersSpecialisation(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "clusters specialisation", "[--period YYYY] [--cluster ID] [--unit CODE] [--reference NAME] [--lq-percentile 0.75] [--min-lq 1] [--size-percentile 0.25] [--star-top 0.10] [--star-lq 2] [--format ...]")
	db := dbFlag(fs, env)
	period, ytd := periodFlags(fs)
	clusterID := fs.String("cluster", "", "only this cluster")
	unit := fs.String("unit", "", "only this unit")
	ref := fs.String("reference", "", "also the city's own LQ against this imported reference table")
	lqp := fs.Float64("lq-percentile", cluster.DefaultStrongRule.LQPercentile, "strong cluster: LQ at least this percentile")
	minLQ := fs.Float64("min-lq", cluster.DefaultStrongRule.MinLQ, "strong cluster: and at least this LQ")
	sizep := fs.Float64("size-percentile", cluster.DefaultStrongRule.SizePercentile, "strong cluster: employment and enterprises at least this percentile")
	starTop := fs.Float64("star-top", cluster.DefaultStarRule.TopShare, "stars: size and focus in the top this share of units")
	starLQ := fs.Float64("star-lq", cluster.DefaultStarRule.MinLQ, "stars: specialisation at LQ at least this")
	all := fs.Bool("all", false, "table: list every unit, not only those with a star or a strong cluster")
	lang := fs.String("lang", "zh", "language of names: zh or en")
	o := addOutputFlags(fs)
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	format, err := o.resolve()
	if err != nil {
		return err
	}
	p, err := parsePeriodFlag(*period, *ytd)
	if err != nil {
		return err
	}
	for _, f := range []float64{*lqp, *sizep, *starTop} {
		if f < 0 || f > 1 {
			return indus.Errorf(indus.EInvalid, "percentiles and shares are fractions between 0 and 1, got %g", f)
		}
	}
	st, err := openStore(ctx, env, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	sp, err := analysis.GetSpecialisation(ctx, st, analysis.SpecOptions{Period: p, ClusterID: *clusterID, Unit: *unit, Reference: *ref, Lang: *lang,
		Strong: cluster.StrongRule{LQPercentile: *lqp, MinLQ: *minLQ, SizePercentile: *sizep},
		Stars:  cluster.StarRule{TopShare: *starTop, MinLQ: *starLQ}})
	if err != nil {
		return err
	}
	switch format {
	case "json":
		return o.writeOut(env, func(w io.Writer) error { return writeJSONTo(w, sp) })
	case "csv", "xlsx":
		return o.writeRows(env, format, "specialisation", analysis.SpecialisationHeader, len(sp.Rows), func(i int) []export.Cell { return analysis.SpecialisationCells(sp.Rows[i]) })
	}
	return o.writeOut(env, func(w io.Writer) error {
		fmt.Fprintf(w, "Specialisation, %s (LQ against the city; strong = US Cluster Mapping rule; stars = European Cluster Observatory)\n\n", sp.Period)
		tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
		fmt.Fprintln(tw, "CLUSTER\tUNIT\tEMPLOYEES\tFIRMS\tLQ(EMP)\tLQ(OUTPUT)\tFOCUS%\tSTRONG\tSTARS")
		for _, r := range sp.Rows {
			if !*all && *unit == "" && !r.Strong && r.Stars == 0 {
				continue
			}
			strong := ""
			if r.Strong {
				strong = "strong"
			}
			fmt.Fprintf(tw, "%s\t%s %s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n", r.ClusterID, r.Unit, r.UnitName, formatCount(int64(r.Employees+0.5)), r.Enterprises,
				fmtNum(r.LQEmployment, 2), fmtNum(r.LQOutput, 2), fmtNum(r.Focus, 1), strong, strings.Repeat("★", r.Stars))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if len(sp.City) > 0 {
			fmt.Fprintf(w, "\nThe city's LQ against %s:\n", sp.Reference)
			for _, c := range sp.City {
				fmt.Fprintf(w, "  %-36s employment %s  output %s\n", c.ClusterID, fmtNum(c.LQEmployment, 2), fmtNum(c.LQOutput, 2))
			}
		}
		return nil
	})
}

func clustersReference(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "clusters reference", "FILE.csv --name NAME   (columns: region, industry_code, employees and/or output_value in 10k yuan)")
	db := dbFlag(fs, env)
	name := fs.String("name", "", "name of the reference table, e.g. national-2023")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *name == "" {
		fs.Usage()
		return errUsage
	}
	st, err := openStore(ctx, env, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := analysis.ImportReference(ctx, st, pos[0], *name, currentUser(env))
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "imported %d rows as reference %q; use it with 'indus clusters specialisation --reference %s'\n", n, *name, *name)
	return nil
}

func clustersWarnings(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "clusters warnings", "[--month YYYY-MM] [--drop 20] [--months 3] [--electricity-drop 50] [--window 3] [--lookback 3] [--type T,...] [--cluster ID] [--unit CODE] [--format table|json|csv|xlsx] [--out FILE]")
	db := dbFlag(fs, env)
	month := fs.String("month", "", "month examined, YYYY-MM (default: the latest with data)")
	drop := fs.Float64("drop", 20, "output decline: percent down year on year")
	months := fs.Int("months", 3, "output decline: for this many consecutive months")
	edrop := fs.Float64("electricity-drop", 50, "electricity collapse: percent below the mean of the window")
	window := fs.Int("window", 3, "electricity collapse: months in the baseline window")
	lookback := fs.Int("lookback", 3, "stopped reporting: reported in one of this many months before")
	types := fs.String("type", "", "only these types (comma-separated): "+strings.Join(analysis.WarningTypes, ", "))
	clusterID := fs.String("cluster", "", "only warnings about this cluster")
	unit := fs.String("unit", "", "only warnings about this unit")
	limit := fs.Int("limit", 50, "table: show at most this many warnings (0: all)")
	lang := fs.String("lang", "zh", "language of names: zh or en")
	o := addOutputFlags(fs)
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	format, err := o.resolve()
	if err != nil {
		return err
	}
	opts := analysis.WarningOptions{Decline: cluster.DeclineRule{Drop: *drop / 100, Months: *months},
		Collapse: cluster.CollapseRule{Drop: *edrop / 100, Window: *window}, StopLookback: *lookback, ClusterID: *clusterID, Unit: *unit, Lang: *lang}
	if *month != "" {
		if opts.Month, err = indus.ParseMonth(*month); err != nil {
			return err
		}
	}
	if *types != "" {
		opts.Types = strings.Split(*types, ",")
	}
	st, err := openStore(ctx, env, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	wl, err := analysis.Warnings(ctx, st, opts)
	if err != nil {
		return err
	}
	switch format {
	case "json":
		return o.writeOut(env, func(w io.Writer) error { return writeJSONTo(w, wl) })
	case "csv", "xlsx":
		return o.writeRows(env, format, "warnings", analysis.WarningHeader, len(wl.Items), func(i int) []export.Cell { return analysis.WarningCells(wl.Items[i]) })
	}
	return o.writeOut(env, func(w io.Writer) error {
		fmt.Fprintf(w, "Early warnings for %s:", wl.Month)
		for _, t := range analysis.WarningTypes {
			fmt.Fprintf(w, " %s %d;", t, wl.Counts[t])
		}
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
		fmt.Fprintln(tw, "TYPE\tSEV\tWHO\tUNIT\tCLUSTER\tEVIDENCE")
		for i, x := range wl.Items {
			if *limit > 0 && i == *limit {
				fmt.Fprintf(tw, "… %d more (use --limit 0 or --format csv)\n", len(wl.Items)-i)
				break
			}
			who := x.Name
			if x.USCC != "" {
				who = x.USCC + " " + x.Name
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", x.Type, x.Severity, who, x.UnitName, x.ClusterID, x.EvidenceTxt)
		}
		return tw.Flush()
	})
}
