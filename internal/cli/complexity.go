package cli

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/indus-platform/indus/internal/calc/complexity"
	"github.com/indus-platform/indus/internal/indus"
)

const complexityUsage = "--data FILE.csv --region COL --activity COL --value COL [--time COL] [--threshold 1] [--binary] [--fitness-iterations N] --out FILE.csv [--proximity FILE.csv]"

func newComplexityCommand() *Command {
	return &Command{
		Name:    "complexity",
		Summary: "economic complexity from a region × activity table: RCA, ECI/PCI, density, COI/COG, fitness",
		Run:     runComplexity,
	}
}

// complexityArgs are the parsed flags of indus complexity.
type complexityArgs struct {
	data, region, activity, value, time string
	threshold                           float64
	binary                              bool
	iterations                          int
	out, proximity                      string
}

func runComplexity(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "complexity", complexityUsage)
	var a complexityArgs
	fs.StringVar(&a.data, "data", "", "input CSV file (UTF-8, with a header row), one row per region × activity [× time]")
	fs.StringVar(&a.region, "region", "", "name of the region column")
	fs.StringVar(&a.activity, "activity", "", "name of the activity (product, industry) column")
	fs.StringVar(&a.value, "value", "", "name of the value column (exports, output, employment …; ≥ 0)")
	fs.StringVar(&a.time, "time", "", "name of the time column: each value is computed separately")
	fs.Float64Var(&a.threshold, "threshold", complexity.DefaultThreshold, "RCA that a cell must exceed (strictly) to count as present")
	fs.BoolVar(&a.binary, "binary", false, "the value column is already the presence matrix (0 or 1); no RCA")
	fs.IntVar(&a.iterations, "fitness-iterations", 0, "also compute fitness and complexity (Tacchella et al. 2012) with N update steps")
	fs.StringVar(&a.out, "out", "", "output CSV file ('-' for standard output)")
	fs.StringVar(&a.proximity, "proximity", "", "also write the activity–activity proximity matrix as an edge list to this CSV file")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	usage := func(format string, args ...any) error {
		fmt.Fprintf(env.Stderr, "indus complexity: "+format+"\n\n", args...)
		fs.Usage()
		return errUsage
	}
	if len(pos) > 0 {
		return usage("unexpected argument %q", pos[0])
	}
	var missing []string
	for _, f := range []struct{ name, val string }{{"data", a.data}, {"region", a.region}, {"activity", a.activity}, {"value", a.value}, {"out", a.out}} {
		if f.val == "" {
			missing = append(missing, "--"+f.name)
		}
	}
	if len(missing) > 0 {
		return usage("missing %s", strings.Join(missing, ", "))
	}
	if !(a.threshold > 0) || math.IsInf(a.threshold, 0) {
		return usage("--threshold must be a positive number, got %v", a.threshold)
	}
	if set["fitness-iterations"] && a.iterations < 1 {
		return usage("--fitness-iterations must be at least 1, got %d", a.iterations)
	}
	if a.proximity != "" && a.proximity == a.out {
		return usage("--proximity and --out name the same file")
	}
	logger := env.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(env.Stderr, nil))
	}
	if a.binary && set["threshold"] {
		logger.Warn("--threshold has no effect with --binary")
	}
	return complexityRun(ctx, env, logger, a)
}

func complexityRun(ctx context.Context, env *Env, logger *slog.Logger, a complexityArgs) error {
	panel, err := readComplexityCSV(a)
	if err != nil {
		return err
	}
	opt := complexity.Options{Threshold: a.threshold, Binary: a.binary, FitnessIterations: a.iterations}
	results := make([]*complexity.Result, len(panel.times))
	for k, t := range panel.times {
		if err := ctx.Err(); err != nil {
			return err
		}
		d := complexity.PivotOnto(panel.obs[t], panel.regions, panel.activities)
		res, err := complexity.Compute(d, opt)
		if err != nil {
			where := a.data
			if a.time != "" {
				where += fmt.Sprintf(", %s %s", a.time, t)
			}
			return indus.Errorf(indus.Code(err), "%s: %s", where, complexityErrText(err))
		}
		attrs := []any{"file", a.data}
		if a.time != "" {
			attrs = append(attrs, a.time, t)
		}
		if len(res.DroppedRegions) > 0 {
			logger.Warn("regions dropped: their total is zero", append(attrs, "count", len(res.DroppedRegions), "regions", strings.Join(res.DroppedRegions, ","))...)
		}
		if len(res.DroppedActivities) > 0 {
			logger.Warn("activities dropped: their total is zero", append(attrs, "count", len(res.DroppedActivities), "activities", strings.Join(res.DroppedActivities, ","))...)
		}
		for _, w := range res.Warnings {
			logger.Warn(w, attrs...)
		}
		results[k] = res
	}

	withTime := a.time != ""
	rows := 0
	err = complexityWriteFile(env, a.out, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		head := []string{"region", "activity"}
		if withTime {
			head = append(head, "time")
		}
		head = append(head, "value", "rca", "M", "density", "eci", "pci", "diversity", "ubiquity", "coi", "cog")
		if a.iterations > 0 {
			head = append(head, "fitness", "fc_complexity")
		}
		if err := cw.Write(head); err != nil {
			return err
		}
		rec := make([]string, 0, len(head))
		for k, res := range results {
			for i, r := range res.Regions {
				for j, p := range res.Activities {
					c := res.Cell(i, j)
					rec = append(rec[:0], r, p)
					if withTime {
						rec = append(rec, panel.times[k])
					}
					rec = append(rec,
						complexityNum(res.Value[c]), complexityNum(res.RCA[c]), complexityNum(res.M[c]), complexityNum(res.Density[c]),
						complexityNum(res.ECI[i]), complexityNum(res.PCI[j]),
						strconv.Itoa(res.Diversity[i]), strconv.Itoa(res.Ubiquity[j]),
						complexityNum(res.COI[i]), complexityNum(res.COG[c]))
					if a.iterations > 0 {
						rec = append(rec, complexityNum(res.Fitness[i]), complexityNum(res.FCComplexity[j]))
					}
					if err := cw.Write(rec); err != nil {
						return err
					}
					rows++
				}
			}
		}
		cw.Flush()
		return cw.Error()
	})
	if err != nil {
		return err
	}
	logger.Info("complexity written", "file", a.out, "rows", rows, "periods", len(results))

	if a.proximity == "" {
		return nil
	}
	edges := 0
	err = complexityWriteFile(env, a.proximity, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		head := []string{"activity_1", "activity_2", "proximity"}
		if withTime {
			head = append(head, "time")
		}
		if err := cw.Write(head); err != nil {
			return err
		}
		rec := make([]string, 0, len(head))
		for k, res := range results {
			P := len(res.Activities)
			for p, ap := range res.Activities {
				for q, aq := range res.Activities {
					if p == q {
						continue
					}
					rec = append(rec[:0], ap, aq, complexityNum(res.Proximity[p*P+q]))
					if withTime {
						rec = append(rec, panel.times[k])
					}
					if err := cw.Write(rec); err != nil {
						return err
					}
					edges++
				}
			}
		}
		cw.Flush()
		return cw.Error()
	})
	if err != nil {
		return err
	}
	logger.Info("proximity written", "file", a.proximity, "rows", edges)
	return nil
}

// complexityErrText returns the user-facing text of a calc error.
func complexityErrText(err error) string {
	var de *indus.Error
	if errors.As(err, &de) {
		return de.Message
	}
	return err.Error()
}

// complexityNum writes the shortest decimal that reads back to the same float64,
// in plain notation unless the number is very large or very small; an
// undefined value (NaN) is an empty cell.
func complexityNum(v float64) string {
	if math.IsNaN(v) {
		return ""
	}
	if a := math.Abs(v); a == 0 || (a >= 1e-6 && a < 1e21) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// complexityPanel is the input grouped by time ("" when there is no time
// column), with the regions and activities of all periods.
type complexityPanel struct {
	times      []string
	obs        map[string][]complexity.Observation
	regions    []string
	activities []string
}

// readComplexityCSV reads the long-format table. Every problem is reported
// with the file, the row (the line number, the header being row 1), the
// column and the offending value.
func readComplexityCSV(a complexityArgs) (*complexityPanel, error) {
	f, err := os.Open(a.data)
	if err != nil {
		return nil, indus.Errorf(indus.EInvalid, "cannot open the data file: %v", err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<16)
	// A UTF-8 byte order mark (Excel writes one) is not part of the header.
	if b, err := br.Peek(3); err == nil && string(b) == "\uFEFF" {
		_, _ = br.Discard(3)
	}
	r := csv.NewReader(br)
	r.ReuseRecord = true
	head, err := r.Read()
	if err == io.EOF {
		return nil, indus.Errorf(indus.EInvalid, "%s: the file is empty (a header row is needed)", a.data)
	}
	if err != nil {
		return nil, indus.Errorf(indus.EInvalid, "%s: %s", a.data, complexityCSVErr(err))
	}
	cols := map[string]int{}
	found := make([]string, len(head))
	for i, h := range head {
		h = strings.TrimSpace(h)
		found[i] = h
		if j, dup := cols[h]; dup {
			return nil, indus.Errorf(indus.EInvalid, "%s: column %q appears twice in the header (columns %d and %d)", a.data, h, j+1, i+1)
		}
		cols[h] = i
	}
	want := []struct{ flag, name string }{{"region", a.region}, {"activity", a.activity}, {"value", a.value}}
	if a.time != "" {
		want = append(want, struct{ flag, name string }{"time", a.time})
	}
	idx := map[string]int{}
	for _, w := range want {
		i, ok := cols[w.name]
		if !ok {
			return nil, indus.Errorf(indus.EInvalid, "%s: no column %q (given by --%s); the columns are: %s", a.data, w.name, w.flag, complexityQuoteList(found))
		}
		idx[w.flag] = i
	}
	ri, ai, vi := idx["region"], idx["activity"], idx["value"]
	ti, hasTime := idx["time"]

	p := &complexityPanel{obs: map[string][]complexity.Observation{}}
	seenR, seenA := map[string]bool{}, map[string]bool{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, indus.Errorf(indus.EInvalid, "%s: %s", a.data, complexityCSVErr(err))
		}
		row, _ := r.FieldPos(0)
		code := func(i int, flagName string) (string, error) {
			s := strings.TrimSpace(rec[i])
			if s == "" {
				return "", indus.Errorf(indus.EInvalid, "%s: row %d, column %q: the %s is empty", a.data, row, found[i], flagName)
			}
			return s, nil
		}
		region, err := code(ri, "region")
		if err != nil {
			return nil, err
		}
		activity, err := code(ai, "activity")
		if err != nil {
			return nil, err
		}
		t := ""
		if hasTime {
			if t, err = code(ti, "time"); err != nil {
				return nil, err
			}
		}
		raw := strings.TrimSpace(rec[vi])
		v, perr := strconv.ParseFloat(raw, 64)
		switch {
		case raw == "":
			return nil, indus.Errorf(indus.EInvalid, "%s: row %d, column %q: the value is empty (write 0 for none)", a.data, row, found[vi])
		case perr != nil:
			return nil, indus.Errorf(indus.EInvalid, "%s: row %d, column %q: %q is not a number", a.data, row, found[vi], raw)
		case math.IsNaN(v) || math.IsInf(v, 0):
			return nil, indus.Errorf(indus.EInvalid, "%s: row %d, column %q: %q is not a finite number", a.data, row, found[vi], raw)
		case v < 0:
			return nil, indus.Errorf(indus.EInvalid, "%s: row %d, column %q: %q is negative; values must be ≥ 0", a.data, row, found[vi], raw)
		case a.binary && v != 0 && v != 1:
			return nil, indus.Errorf(indus.EInvalid, "%s: row %d, column %q: %q is not 0 or 1, as --binary requires", a.data, row, found[vi], raw)
		}
		if _, ok := p.obs[t]; !ok {
			p.times = append(p.times, t)
		}
		p.obs[t] = append(p.obs[t], complexity.Observation{Region: region, Activity: activity, Value: v})
		if !seenR[region] {
			seenR[region] = true
			p.regions = append(p.regions, region)
		}
		if !seenA[activity] {
			seenA[activity] = true
			p.activities = append(p.activities, activity)
		}
	}
	if len(p.times) == 0 {
		return nil, indus.Errorf(indus.EInvalid, "%s: no data rows after the header", a.data)
	}
	complexitySortTimes(p.times)
	return p, nil
}

// complexityCSVErr words a csv.ParseError with "row" for the line, as the other
// messages do.
func complexityCSVErr(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Sprintf("row %d, column %d: %v", pe.Line, pe.Column, pe.Err)
	}
	return err.Error()
}

func complexityQuoteList(s []string) string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = strconv.Quote(v)
	}
	return strings.Join(q, ", ")
}

// complexitySortTimes orders periods numerically when they are all numbers (years,
// 202301 …), otherwise as strings.
func complexitySortTimes(ts []string) {
	nums := make(map[string]float64, len(ts))
	for _, t := range ts {
		v, err := strconv.ParseFloat(t, 64)
		if err != nil {
			sort.Strings(ts)
			return
		}
		nums[t] = v
	}
	sort.SliceStable(ts, func(i, j int) bool {
		if nums[ts[i]] != nums[ts[j]] {
			return nums[ts[i]] < nums[ts[j]]
		}
		return ts[i] < ts[j]
	})
}

// complexityWriteFile writes through a temporary file in the same directory
// and renames it into place, so a failure never leaves half a file; "-"
// writes to standard output.
func complexityWriteFile(env *Env, path string, write func(io.Writer) error) error {
	if path == "-" {
		bw := bufio.NewWriter(env.Stdout)
		if err := write(bw); err != nil {
			return err
		}
		return bw.Flush()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".indus-complexity-*.csv")
	if err != nil {
		return indus.Errorf(indus.EInvalid, "cannot write %s: %v", path, err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	bw := bufio.NewWriterSize(tmp, 1<<16)
	if err := write(bw); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
