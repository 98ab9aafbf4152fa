package analysis

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/indus-platform/indus/internal/calc/index"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/refdata"
	"github.com/indus-platform/indus/internal/store"
)

// Benefit-per-mu evaluation (亩均效益评价, DOMAIN.md §2), issue 4 §3.
//
// A scheme (refdata.Scheme) is turned into a composite-indicator framework —
// one indicator per formula under one "score" aggregate, weighted by the
// scheme's points — and a pipeline of the calc/index engine:
//
//	normalise  ratio: min(value ÷ (k × benchmark), cap) per indicator
//	impute     mean of the normalised column (only when an indicator's
//	           missing rule is "average": the item gets the average score)
//	aggregate  wsum: Σ weight × ratio (100 at every benchmark for 100 points)
//	classify   bands or thresholds over the rated firms, vetoed firms capped,
//	           unrated firms flagged (class U, "evaluated, not classified")
//
// so the engine scores, ranks, classifies, explains (index.Explainer) and,
// when asked, runs the Monte Carlo over the weights (index.Uncertainty).
// What the engine does not know stays here: the scope, formulas over the
// annual facts, the benchmarks (computed on the values firms reported, so a
// missing item scored 0 does not pull the benchmark down), the veto and
// unrated rules, the policy table and the park and unit levels (Σ numerator
// ÷ Σ denominator over each area's firms, scored with the same framework).

// scoreCode is the code of the framework's one aggregate.
const scoreCode = "score"

// DefaultUncertaintyNoise is the weight noise of the class probabilities:
// every weight × (1 + U(−0.25, +0.25)), as the JRC/COINr convention.
const DefaultUncertaintyNoise = 0.25

// EvaluateOptions say what to evaluate.
type EvaluateOptions struct {
	Scheme *refdata.Scheme
	Year   int
	// Uncertainty is the number of Monte Carlo runs over the weights for
	// the class probabilities (0: none); Seed seeds them.
	Uncertainty int
	Seed        uint64
	User        string
	// NoExplain skips the explanations (for benchmarking the scoring).
	NoExplain bool
	// Workers bounds the goroutines of the uncertainty runs (0: all cores).
	Workers int
}

// IndicatorStats are an indicator's figures over the firms in scope and the
// benchmarks used at each level (k included).
type IndicatorStats struct {
	Reported                     int
	Mean, Median, Aggregate      float64
	Benchmark                    float64
	UnitBenchmark, ParkBenchmark float64
}

// Area is a park or an evaluation unit: the same indicators over its
// firms in scope, Σ numerator ÷ Σ denominator, scored and ranked.
type Area struct {
	Level, Code, Name, UnitCode string
	Firms                       []int // indices into Evaluation.Firms
	Rated                       int
	LandMu                      float64
	Num, Den, Value             []float64 // per indicator
	Ratio, Points               []float64
	Score                       float64
	Rank                        int // 0: no score
	ClassCounts                 map[string]int
}

// Evaluation is the outcome of scoring one scheme on one year's facts,
// column by column (firm i of every slice is Firms[i]).
type Evaluation struct {
	Scheme *refdata.Scheme
	Year   int
	// Firms are the enterprises in scope, in USCC order. They point into
	// the facts given to ScoreFacts, which must stay as they are while the
	// Evaluation is in use.
	Firms []*store.EvaluationFact
	// AboveSize is each firm's status in the year as used.
	AboveSize []bool
	// Flags has bit k set when unrated rule k of the scheme applies and bit
	// 16+k when veto k does.
	Flags      []uint32
	Indicators []IndicatorStats
	// Values[j][i] is indicator j of firm i as reported (NaN when not);
	// Ratios are the normalised items (imputed where the rule is average),
	// Points = weight × ratio.
	Values, Ratios, Points [][]float64
	// Score is the total, Σ points.
	Score []float64
	// Rank is among the rated firms (0: none), RankAll among every firm
	// with a score.
	Rank, RankAll []int
	Class         []string
	Capped        []bool
	// Explain holds each firm's explanation (nil with NoExplain).
	Explain []*index.UnitExplanation
	// Uncertainty is the Monte Carlo outcome (nil without runs).
	Uncertainty  *index.UncertaintyResult
	Units, Parks []*Area
	// Notes say how the data were read (derived statuses, skipped rules).
	Notes []string

	unrated string
	// nums and dens are the formulas' parts as reported (NaN when not).
	nums, dens [][]float64
	// classes lists the labels (the scheme's, then the unrated one) and
	// classIdx each firm's label by position; landCol caches the land.
	classes  []string
	classIdx []uint8
	landCol  []float64
}

// Counts is the number of firms per class (the unrated label included).
func (ev *Evaluation) Counts() map[string]int {
	c := map[string]int{}
	for _, k := range ev.Class {
		c[k]++
	}
	return c
}

// ReasonCounts counts the firms each veto and unrated rule applies to, by
// reason code ("unrated:newly_above_size", "veto:env_violation").
func (ev *Evaluation) ReasonCounts() map[string]int {
	c := map[string]int{}
	for _, f := range ev.Flags {
		if f == 0 {
			continue
		}
		codes, _, _ := ev.reasons(f)
		for _, code := range codes {
			c[code]++
		}
	}
	return c
}

// ScoreFacts evaluates scheme on one year's facts (every enterprise with
// facts that year; their order does not matter). It is pure: no I/O.
func ScoreFacts(ctx context.Context, facts []store.EvaluationFact, opts EvaluateOptions) (*Evaluation, error) {
	s := opts.Scheme
	if s == nil {
		return nil, indus.Errorf(indus.EInvalid, "evaluate: no scheme")
	}
	if len(s.Unrated) > 16 || len(s.Vetoes) > 16 {
		return nil, indus.Errorf(indus.EInvalid, "evaluate: at most 16 unrated rules and 16 vetoes")
	}
	ev := &Evaluation{Scheme: s, Year: opts.Year, unrated: s.UnratedClass()}
	ev.scope(facts)
	if len(ev.Firms) == 0 {
		return nil, indus.Errorf(indus.EInvalid, "no enterprise is in the scope of scheme %s in %d (%s firms%s); import that year's facts first",
			s.ID, opts.Year, s.Scope.Firms, map[bool]string{true: ", manufacturing only", false: ""}[s.Scope.ManufacturingOnly])
	}
	ev.flag(facts)
	if err := ev.values(); err != nil {
		return nil, err
	}
	fw, err := schemeFramework(s)
	if err != nil {
		return nil, err
	}
	d, p := ev.enterprisePipeline(fw)
	res, err := p.Run(fw, d)
	if err != nil {
		return nil, fmt.Errorf("evaluate: %w", err)
	}
	ev.collect(res)
	if !opts.NoExplain {
		ex, err := index.NewExplainer(p, d, res)
		if err != nil {
			return nil, fmt.Errorf("evaluate: explain: %w", err)
		}
		ev.Explain = make([]*index.UnitExplanation, len(ev.Firms))
		// Explanations are independent and the Explainer only reads the
		// run: split the firms over the cores (each slot written once).
		workers := runtime.GOMAXPROCS(0)
		chunk := (len(ev.Firms) + workers - 1) / workers
		var wg sync.WaitGroup
		for lo := 0; lo < len(ev.Firms); lo += chunk {
			wg.Add(1)
			go func(lo, hi int) {
				defer wg.Done()
				for i := lo; i < hi; i++ {
					ev.Explain[i] = ex.UnitAt(i)
				}
			}(lo, min(lo+chunk, len(ev.Firms)))
		}
		wg.Wait()
	}
	if opts.Uncertainty > 0 {
		u := index.Uncertainty{Runs: opts.Uncertainty, Seed: opts.Seed, Design: index.DesignRandom, Code: scoreCode,
			Weights: []index.WeightNoise{{Level: 1, Noise: DefaultUncertaintyNoise}}, Workers: opts.Workers}
		if ev.Uncertainty, err = u.Run(ctx, fw, d, p); err != nil {
			return nil, fmt.Errorf("evaluate: uncertainty: %w", err)
		}
	}
	if err := ev.areas(fw); err != nil {
		return nil, err
	}
	return ev, nil
}

// scope keeps the firms the scheme evaluates and decides each one's
// above-size status in the year.
func (ev *Evaluation) scope(facts []store.EvaluationFact) {
	s := ev.Scheme
	ind := refdata.GBT4754()
	threshold := s.AboveSizeThreshold()
	derived := 0
	// The industry test per code, not per firm: a few hundred codes.
	industryIn := map[string]bool{}
	for i := range facts {
		f := &facts[i]
		in, seen := industryIn[f.IndustryCode]
		if !seen {
			in = (!s.Scope.ManufacturingOnly || ind.IsManufacturing(f.IndustryCode)) &&
				(len(s.Scope.IncludeIndustries) == 0 || evalContainsCode(ind, s.Scope.IncludeIndustries, f.IndustryCode)) &&
				!evalContainsCode(ind, s.Scope.ExcludeIndustries, f.IndustryCode)
			industryIn[f.IndustryCode] = in
		}
		if !in {
			continue
		}
		above := aboveSizeOf(f, threshold)
		in = false
		switch s.Scope.Firms {
		case refdata.FirmsAboveSize:
			in = above
		case refdata.FirmsBelowSize:
			in = !above && f.LandMu >= s.Scope.BelowSizeMinLandMu
		default:
			in = above || f.LandMu >= s.Scope.BelowSizeMinLandMu
		}
		if !in {
			continue
		}
		if !f.AboveSizeKnown {
			derived++
		}
		ev.Firms = append(ev.Firms, f)
	}
	// USCC order: the outcome does not depend on the order of the input.
	// Pointers are sorted, not the facts (a quarter of a kilobyte each).
	if !slices.IsSortedFunc(ev.Firms, func(a, b *store.EvaluationFact) int { return strings.Compare(a.USCC, b.USCC) }) {
		slices.SortFunc(ev.Firms, func(a, b *store.EvaluationFact) int { return strings.Compare(a.USCC, b.USCC) })
	}
	ev.AboveSize = make([]bool, len(ev.Firms))
	for i, f := range ev.Firms {
		ev.AboveSize[i] = aboveSizeOf(f, threshold)
	}
	if derived > 0 {
		ev.Notes = append(ev.Notes, fmt.Sprintf("the %d data do not record the above-size status of %d firm(s) in scope: derived from main business revenue ≥ %g (10k yuan)",
			ev.Year, derived, threshold))
	}
}

// aboveSizeOf is a firm's above-size status in the year: as recorded, or,
// when the data do not record it, the statistical definition (main business
// revenue ≥ 20 M yuan, the scheme's threshold).
func aboveSizeOf(f *store.EvaluationFact, threshold float64) bool {
	if f.AboveSizeKnown {
		return f.AboveSize
	}
	return f.Revenue >= threshold
}

func evalContainsCode(ind *refdata.Industries, codes []string, code string) bool {
	for _, c := range codes {
		if ind.Contains(c, code) {
			return true
		}
	}
	return false
}

// flag applies the unrated rules and vetoes.
func (ev *Evaluation) flag(all []store.EvaluationFact) {
	s := ev.Scheme
	hasPrev := false
	for i := range all {
		if all[i].HasPrev {
			hasPrev = true
			break
		}
	}
	yearEnd := time.Date(ev.Year, 12, 31, 0, 0, 0, 0, time.UTC)
	threshold := s.AboveSizeThreshold()
	ev.Flags = make([]uint32, len(ev.Firms))
	// Which rules apply, decided once; then one pass over the firms.
	active := make([]bool, len(s.Unrated))
	young := make([]time.Time, len(s.Unrated))
	for k, u := range s.Unrated {
		active[k] = true
		if u.Rule == refdata.UnratedNewlyAboveSize && !hasPrev {
			ev.Notes = append(ev.Notes, fmt.Sprintf("no facts for %d: the rule newly_above_size was not applied", ev.Year-1))
			active[k] = false
		}
		// Younger than n years at the end of the year: founded + n years
		// after 31 December, i.e. founded after 31 December n years before.
		young[k] = yearEnd.AddDate(-u.Years, 0, 0)
	}
	for i, f := range ev.Firms {
		var flags uint32
		for k, u := range s.Unrated {
			if !active[k] {
				continue
			}
			hit := false
			switch u.Rule {
			case refdata.UnratedYoung:
				hit = !f.Founded.IsZero() && f.Founded.After(young[k])
			case refdata.UnratedUnderConstruction:
				hit = f.UnderConstruction
			case refdata.UnratedUtility:
				hit = f.Utility
			case refdata.UnratedMissingLand:
				hit = !(f.LandMu > 0)
			case refdata.UnratedNewlyAboveSize:
				prev := false
				switch {
				case f.PrevAboveSizeKnown:
					prev = f.PrevAboveSize
				case f.HasPrev:
					prev = f.PrevRevenue >= threshold
				}
				hit = ev.AboveSize[i] && !prev
			}
			if hit {
				flags |= 1 << k
			}
		}
		for k, v := range s.Vetoes {
			if (v.Flag == refdata.VetoSafetyAccident && f.SafetyAccident) || (v.Flag == refdata.VetoEnvViolation && f.EnvViolation) {
				flags |= 1 << (16 + k)
			}
		}
		ev.Flags[i] = flags
	}
}

// evalRatio is num ÷ den × scale, NaN unless both are reported and den > 0.
func evalRatio(num, den, scale float64) float64 {
	if math.IsNaN(num) || !(den > 0) || math.IsInf(den, 0) || math.IsInf(num, 0) {
		return math.NaN()
	}
	return num / den * scale
}

// values computes the indicators and their statistics and benchmarks.
func (ev *Evaluation) values() error {
	s := ev.Scheme
	n := len(ev.Firms)
	// Every annual fact the formulas name, read into a column in one pass
	// over the firms; indicators sharing a fact share its column.
	cols := map[string][]float64{}
	var names []string
	for _, ind := range s.Indicators {
		for _, name := range []string{ind.Num, ind.Den} {
			if _, ok := cols[name]; !ok {
				cols[name] = make([]float64, n)
				names = append(names, name)
			}
		}
	}
	getters := make([]func(*store.EvaluationFact) float64, len(names))
	dst := make([][]float64, len(names))
	for k, name := range names {
		getters[k], dst[k] = factGetter(name), cols[name]
	}
	for i, f := range ev.Firms {
		for k, get := range getters {
			dst[k][i] = get(f)
		}
	}
	ev.Values = make([][]float64, len(s.Indicators))
	ev.nums = make([][]float64, len(s.Indicators))
	ev.dens = make([][]float64, len(s.Indicators))
	ev.Indicators = make([]IndicatorStats, len(s.Indicators))
	errs := make([]error, len(s.Indicators))
	// The indicators are independent: one goroutine each.
	var wg sync.WaitGroup
	for j, ind := range s.Indicators {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nums, dens := cols[ind.Num], cols[ind.Den]
			col := make([]float64, n)
			var sn, sd float64
			scale := ind.ScaleOf()
			for i := range col {
				col[i] = evalRatio(nums[i], dens[i], scale)
				if !math.IsNaN(col[i]) {
					sn += nums[i]
					sd += dens[i]
				}
			}
			ev.Values[j], ev.nums[j], ev.dens[j] = col, nums, dens
			st := evalStats(col)
			st.Aggregate = math.NaN()
			if sd > 0 {
				st.Aggregate = sn / sd * scale
			}
			b, err := evalBenchmark(s.BenchmarkOf(ind), st)
			if err != nil {
				errs[j] = indus.Errorf(indus.EInvalid, "indicator %s (%s): %s", ind.ID, ind.NameEn, indus.Message(err))
			}
			st.Benchmark = b
			ev.Indicators[j] = st
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// evalStats counts, averages and takes the median of the reported values.
func evalStats(col []float64) IndicatorStats {
	v := make([]float64, 0, len(col))
	for _, x := range col {
		if !math.IsNaN(x) {
			v = append(v, x)
		}
	}
	st := IndicatorStats{Reported: len(v), Mean: math.NaN(), Median: math.NaN()}
	if len(v) == 0 {
		return st
	}
	var sum float64
	for _, x := range v {
		sum += x
	}
	st.Mean = sum / float64(len(v))
	// The median by selection, O(n): a full sort of a million values per
	// indicator would cost more than the scoring.
	h := len(v) / 2
	hi := selectKth(v, h)
	if len(v)%2 == 1 {
		st.Median = hi
	} else {
		// After selection the lower half holds the smaller values.
		st.Median = (slices.Max(v[:h]) + hi) / 2
	}
	return st
}

// selectKth partially orders v so that v[k] is the k-th smallest value
// (Hoare's selection with a median-of-three pivot) and returns it.
func selectKth(v []float64, k int) float64 {
	lo, hi := 0, len(v)-1
	for lo < hi {
		mid := lo + (hi-lo)/2
		a, b, c := v[lo], v[mid], v[hi]
		pivot := max(min(a, b), min(max(a, b), c))
		i, j := lo, hi
		for i <= j {
			for v[i] < pivot {
				i++
			}
			for v[j] > pivot {
				j--
			}
			if i <= j {
				v[i], v[j] = v[j], v[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return v[k]
		}
	}
	return v[k]
}

// factGetter returns the accessor of an annual fact by its scheme name, so
// the per-firm loops do not switch on the name.
func factGetter(name string) func(*store.EvaluationFact) float64 {
	switch name {
	case "land_mu":
		return func(f *store.EvaluationFact) float64 { return f.LandMu }
	case "revenue":
		return func(f *store.EvaluationFact) float64 { return f.Revenue }
	case "output_value":
		return func(f *store.EvaluationFact) float64 { return f.OutputValue }
	case "value_added":
		return func(f *store.EvaluationFact) float64 { return f.ValueAdded }
	case "tax":
		return func(f *store.EvaluationFact) float64 { return f.Tax }
	case "energy_tce":
		return func(f *store.EvaluationFact) float64 { return f.EnergyTCE }
	case "electricity_kwh":
		return func(f *store.EvaluationFact) float64 { return f.ElectricityKWh }
	case "emissions_t":
		return func(f *store.EvaluationFact) float64 { return f.EmissionsT }
	case "rd_spend":
		return func(f *store.EvaluationFact) float64 { return f.RDSpend }
	case "employees":
		return func(f *store.EvaluationFact) float64 { return f.Employees }
	}
	// The scheme validator admits only the names above.
	return func(*store.EvaluationFact) float64 { return math.NaN() }
}

// benchmark applies a rule to an indicator's statistics, k included.
func evalBenchmark(rule refdata.BenchmarkRule, st IndicatorStats) (float64, error) {
	var b float64
	switch rule.Rule {
	case refdata.BenchmarkMean:
		b = st.Mean
	case refdata.BenchmarkMedian:
		b = st.Median
	case refdata.BenchmarkAggregate:
		b = st.Aggregate
	case refdata.BenchmarkValue:
		b = rule.Value
	default:
		return 0, indus.Errorf(indus.EInvalid, "unknown benchmark rule %q", rule.Rule)
	}
	b *= rule.K
	if !(b > 0) || math.IsInf(b, 0) {
		if st.Reported == 0 {
			return b, indus.Errorf(indus.EInvalid, "no firm in scope reports it, so its %s benchmark is undefined", rule.Rule)
		}
		return b, indus.Errorf(indus.EInvalid, "its %s benchmark is %g; a benchmark must be positive", rule.Rule, b)
	}
	return b, nil
}

// schemeFramework is the scheme as an engine framework: the indicators
// under one aggregate, weighted by their points, all "higher is better".
func schemeFramework(s *refdata.Scheme) (*index.Framework, error) {
	nodes := []index.Node{{Code: scoreCode, Name: "benefit-per-mu score", Weight: math.NaN(), Target: math.NaN()}}
	for _, ind := range s.Indicators {
		if ind.ID == scoreCode {
			return nil, indus.Errorf(indus.EInvalid, "indicator id %q is reserved for the total score", scoreCode)
		}
		nodes = append(nodes, index.Node{Code: ind.ID, Name: ind.NameEn, Unit: ind.Unit, Parent: scoreCode, Weight: ind.Weight,
			Direction: 1, Indicator: true, Target: math.NaN()})
	}
	return index.NewFramework(nodes, nil, nil)
}

// evalEngineInput is the raw column the engine normalises: the value, 0 for a
// missing item scored zero, NaN for one that gets the average score.
func evalEngineInput(values []float64, rule string) []float64 {
	out := make([]float64, len(values))
	for i, v := range values {
		if math.IsNaN(v) && rule == refdata.MissingZero {
			v = 0
		}
		out[i] = v
	}
	return out
}

// schemePipeline is the engine pipeline of a scheme for the given
// benchmarks; classify is appended by the caller for enterprises.
func schemePipeline(s *refdata.Scheme, benchmarks []float64) []index.Step {
	by := map[string]index.NormSpec{}
	average := false
	for j, ind := range s.Indicators {
		// The benchmark is passed as a value: it was computed on the
		// reported values (and k applied) before zero items were filled.
		by[ind.ID] = index.NormSpec{Method: index.NormRatio, Benchmark: index.BenchmarkValue, Value: benchmarks[j], Cap: s.BenchmarkOf(ind).Cap}
		average = average || ind.MissingRule() == refdata.MissingAverage
	}
	steps := []index.Step{index.Normalise{ByCode: by}}
	if average {
		steps = append(steps, index.Impute{Method: index.ImputeMean})
	}
	return append(steps, index.Aggregate{AggSpec: index.AggSpec{Method: index.AggWSum}})
}

// enterprisePipeline builds the data set and the full pipeline, flags
// included.
func (ev *Evaluation) enterprisePipeline(fw *index.Framework) (*index.Dataset, index.Pipeline) {
	s := ev.Scheme
	d := &index.Dataset{UCodes: make([]string, len(ev.Firms)), Indicators: map[string][]float64{}}
	for i := range ev.Firms {
		d.UCodes[i] = ev.Firms[i].USCC
	}
	bench := make([]float64, len(s.Indicators))
	for j, ind := range s.Indicators {
		d.Indicators[ind.ID] = evalEngineInput(ev.Values[j], ind.MissingRule())
		bench[j] = ev.Indicators[j].Benchmark
	}
	flags := map[string]index.UnitFlag{}
	for i, f := range ev.Flags {
		if f == 0 {
			continue
		}
		_, en, _ := ev.reasons(f)
		uf := index.UnitFlag{Reason: strings.Join(en, "; ")}
		// An unrated firm is U whatever else happened; a veto caps the
		// class of a rated one.
		if f&0xffff != 0 {
			uf.Unrated = true
		} else {
			uf.Cap = ev.vetoCap(f)
		}
		flags[ev.Firms[i].USCC] = uf
	}
	cls := index.Classify{Code: scoreCode, Flags: flags}
	switch s.Classes.Method {
	case refdata.ClassByThresholds:
		cls.Method = index.ClassifyThresholds
		for _, c := range s.Classes.List {
			lo := math.Inf(-1) // the last class takes every lower score
			if c.Min != nil {
				lo = *c.Min
			}
			cls.Classes = append(cls.Classes, index.ClassRule{Name: c.ID, Min: lo})
		}
	default:
		cls.Method = index.ClassifyBands
		for _, c := range s.Classes.List {
			cls.Classes = append(cls.Classes, index.ClassRule{Name: c.ID, UpTo: c.UpTo})
		}
	}
	steps := append(schemePipeline(s, bench), cls)
	return d, index.Pipeline{Steps: steps}
}

// vetoCap is the most severe cap of the vetoes in f (the worst class).
func (ev *Evaluation) vetoCap(f uint32) string {
	s := ev.Scheme
	worst, cap := -1, ""
	for k, v := range s.Vetoes {
		if f&(1<<(16+k)) == 0 {
			continue
		}
		if p := slices.Index(s.ClassIDs(), v.Cap); p > worst {
			worst, cap = p, v.Cap
		}
	}
	return cap
}

// reasons lists the codes and texts of the rules in f: unrated rules
// first, then vetoes, in scheme order.
func (ev *Evaluation) reasons(f uint32) (codes, en, zh []string) {
	s := ev.Scheme
	for k, u := range s.Unrated {
		if f&(1<<k) != 0 {
			codes = append(codes, "unrated:"+u.Rule)
			en = append(en, u.ReasonEn)
			zh = append(zh, u.ReasonZh)
		}
	}
	for k, v := range s.Vetoes {
		if f&(1<<(16+k)) != 0 {
			codes = append(codes, "veto:"+v.Flag)
			en = append(en, v.ReasonEn)
			zh = append(zh, v.ReasonZh)
		}
	}
	return codes, en, zh
}

// collect copies the engine's outcome into the evaluation.
func (ev *Evaluation) collect(res *index.Result) {
	s := ev.Scheme
	n := len(ev.Firms)
	ev.Score = res.Scores.Col(scoreCode)
	ev.RankAll = res.Ranks[scoreCode]
	ev.Rank = make([]int, n)
	ev.Class = make([]string, n)
	ev.Capped = make([]bool, n)
	ev.classes = append(s.ClassIDs(), ev.unrated)
	ev.classIdx = make([]uint8, n)
	unrated := uint8(len(ev.classes) - 1)
	for i, a := range res.Classes.Units {
		ev.Rank[i] = a.Rank
		ev.Capped[i] = a.Capped
		ev.Class[i] = a.Class
		ev.classIdx[i] = unrated
		if a.Class == "" {
			ev.Class[i] = ev.unrated
			continue
		}
		for k, c := range ev.classes {
			if c == a.Class {
				ev.classIdx[i] = uint8(k)
				break
			}
		}
	}
	ev.Ratios = make([][]float64, len(s.Indicators))
	ev.Points = make([][]float64, len(s.Indicators))
	for j, ind := range s.Indicators {
		ev.Ratios[j] = res.Scores.Col(ind.ID)
		pts := make([]float64, n)
		for i, r := range ev.Ratios[j] {
			pts[i] = ind.Weight * r
		}
		ev.Points[j] = pts
	}
}

// land is the firms' land column.
func (ev *Evaluation) land() []float64 {
	if ev.landCol == nil {
		ev.landCol = make([]float64, len(ev.Firms))
		for i, f := range ev.Firms {
			ev.landCol[i] = f.LandMu
		}
	}
	return ev.landCol
}

// areas scores the evaluation units and parks.
func (ev *Evaluation) areas(fw *index.Framework) error {
	units := map[string]*Area{}
	for _, u := range refdata.Units() {
		a := &Area{Level: store.AreaUnit, Code: u.Code, Name: u.NameZh, UnitCode: u.Code}
		units[u.Code] = a
		ev.Units = append(ev.Units, a)
	}
	type parkKey struct{ unit, park string }
	parks := map[parkKey]*Area{}
	for i, f := range ev.Firms {
		a, ok := units[f.UnitCode]
		if !ok {
			a = &Area{Level: store.AreaUnit, Code: f.UnitCode, Name: f.UnitCode, UnitCode: f.UnitCode}
			units[f.UnitCode] = a
			ev.Units = append(ev.Units, a)
		}
		a.Firms = append(a.Firms, i)
		if f.Park == "" {
			continue
		}
		key := parkKey{f.UnitCode, f.Park}
		p, ok := parks[key]
		if !ok {
			p = &Area{Level: store.AreaPark, Code: f.UnitCode + "/" + f.Park, Name: f.Park, UnitCode: f.UnitCode}
			parks[key] = p
			ev.Parks = append(ev.Parks, p)
		}
		p.Firms = append(p.Firms, i)
	}
	sort.Slice(ev.Parks, func(i, j int) bool { return ev.Parks[i].Code < ev.Parks[j].Code })
	for _, level := range []struct {
		areas []*Area
		bench func(j int, b float64)
	}{
		{ev.Units, func(j int, b float64) { ev.Indicators[j].UnitBenchmark = b }},
		{ev.Parks, func(j int, b float64) { ev.Indicators[j].ParkBenchmark = b }},
	} {
		if err := ev.scoreAreas(fw, level.areas, level.bench); err != nil {
			return err
		}
	}
	return nil
}

func (ev *Evaluation) scoreAreas(fw *index.Framework, areas []*Area, setBench func(j int, b float64)) error {
	s := ev.Scheme
	nInd := len(s.Indicators)
	for j := range s.Indicators {
		setBench(j, math.NaN())
	}
	// Each firm's area, then one pass over the firms in order: the sums
	// of an area add its firms in the same order as a loop per area, but
	// every column is read front to back.
	areaOf := make([]int32, len(ev.Firms))
	for i := range areaOf {
		areaOf[i] = -1
	}
	for k, a := range areas {
		for _, i := range a.Firms {
			areaOf[i] = int32(k)
		}
	}
	sn, sd := make([]float64, len(areas)*nInd), make([]float64, len(areas)*nInd)
	counts := make([]int, len(areas)*len(ev.classes))
	landSum := make([]float64, len(areas))
	land := ev.land()
	for i, k := range areaOf {
		if k < 0 {
			continue
		}
		counts[int(k)*len(ev.classes)+int(ev.classIdx[i])]++
		if l := land[i]; l > 0 {
			landSum[k] += l
		}
	}
	for j := range s.Indicators {
		vals, nums, dens := ev.Values[j], ev.nums[j], ev.dens[j]
		for i, k := range areaOf {
			if k < 0 || math.IsNaN(vals[i]) {
				continue
			}
			sn[int(k)*nInd+j] += nums[i]
			sd[int(k)*nInd+j] += dens[i]
		}
	}
	for k, a := range areas {
		a.Num, a.Den, a.Value = make([]float64, nInd), make([]float64, nInd), make([]float64, nInd)
		a.Ratio, a.Points = make([]float64, nInd), make([]float64, nInd)
		a.Score = math.NaN()
		a.LandMu = landSum[k]
		if len(a.Firms) == 0 {
			a.LandMu = math.NaN()
		}
		a.ClassCounts = map[string]int{}
		for c, label := range ev.classes {
			if n := counts[k*len(ev.classes)+c]; n > 0 {
				a.ClassCounts[label] = n
				if label != ev.unrated {
					a.Rated += n
				}
			}
		}
		for j, ind := range s.Indicators {
			a.Num[j], a.Den[j], a.Value[j] = math.NaN(), math.NaN(), math.NaN()
			a.Ratio[j], a.Points[j] = math.NaN(), math.NaN()
			if n, d := sn[k*nInd+j], sd[k*nInd+j]; d > 0 {
				a.Num[j], a.Den[j], a.Value[j] = n, d, n/d*ind.ScaleOf()
			}
		}
	}
	// Areas without firms in scope are left out: no score, no rank (and
	// no imputed average item either).
	var scored []*Area
	for _, a := range areas {
		if len(a.Firms) > 0 {
			scored = append(scored, a)
		}
	}
	if len(scored) == 0 {
		return nil
	}
	bench := make([]float64, nInd)
	d := &index.Dataset{UCodes: make([]string, len(scored)), Indicators: map[string][]float64{}}
	for k, a := range scored {
		d.UCodes[k] = a.Code
	}
	for j, ind := range s.Indicators {
		col := make([]float64, len(scored))
		for k, a := range scored {
			col[k] = a.Value[j]
		}
		st := evalStats(col)
		st.Aggregate = ev.Indicators[j].Aggregate
		b, err := evalBenchmark(s.BenchmarkOf(ind), st)
		if err != nil {
			// An indicator no area reports: the level is not scored.
			return nil
		}
		bench[j] = b
		setBench(j, b)
		d.Indicators[ind.ID] = evalEngineInput(col, ind.MissingRule())
	}
	res, err := index.Pipeline{Steps: schemePipeline(s, bench)}.Run(fw, d)
	if err != nil {
		return fmt.Errorf("evaluate areas: %w", err)
	}
	score := res.Scores.Col(scoreCode)
	ranks := res.Ranks[scoreCode]
	for k, a := range scored {
		a.Score, a.Rank = score[k], ranks[k]
		for j, ind := range s.Indicators {
			r := res.Scores.Col(ind.ID)[k]
			a.Ratio[j], a.Points[j] = r, ind.Weight*r
		}
	}
	return nil
}

// InputSHA256 hashes facts in a canonical binary form (sorted by USCC), so
// two runs can prove they read the same input.
func InputSHA256(year int, facts []store.EvaluationFact) string {
	idx := make([]int, len(facts))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return facts[idx[a]].USCC < facts[idx[b]].USCC })
	h := sha256.New()
	var buf []byte
	put := func(v float64) { buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(evalCanonNaN(v))) }
	str := func(s string) { buf = binary.LittleEndian.AppendUint32(buf, uint32(len(s))); buf = append(buf, s...) }
	flag := func(b bool) {
		if b {
			buf = append(buf, 1)
		} else {
			buf = append(buf, 0)
		}
	}
	buf = binary.LittleEndian.AppendUint32(buf, uint32(year))
	for _, i := range idx {
		f := &facts[i]
		str(f.USCC)
		str(f.Name)
		str(f.UnitCode)
		str(f.Park)
		str(f.IndustryCode)
		str(f.Founded.Format(time.DateOnly))
		for _, b := range []bool{f.AboveSizeKnown, f.AboveSize, f.HasPrev, f.PrevAboveSizeKnown, f.PrevAboveSize,
			f.SafetyAccident, f.EnvViolation, f.UnderConstruction, f.Utility} {
			flag(b)
		}
		for _, v := range []float64{f.PrevRevenue, f.LandMu, f.Revenue, f.OutputValue, f.ValueAdded, f.Tax, f.EnergyTCE,
			f.ElectricityKWh, f.EmissionsT, f.RDSpend, f.Employees} {
			put(v)
		}
		if len(buf) > 1<<16 {
			h.Write(buf)
			buf = buf[:0]
		}
	}
	h.Write(buf)
	return hex.EncodeToString(h.Sum(nil))
}

// evalCanonNaN gives every NaN the same bits.
func evalCanonNaN(v float64) float64 {
	if math.IsNaN(v) {
		return math.NaN()
	}
	return v
}

// evalShare formats a probability for the class-probability JSON.
func evalShare(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
