package index

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/indus-platform/indus/internal/indus"
)

// Uncertainty and sensitivity analysis (JRC/OECD Handbook, step 7; Saisana,
// Saltelli and Tarantola 2005, "Uncertainty and sensitivity analysis
// techniques as tools for the quality assessment of composite indicators",
// JRSS A 168(2), doi:10.1111/j.1467-985X.2005.00350.x; COINr's
// get_sensitivity). The index is rebuilt many times, each run drawing:
//
//   - noisy weights: every weight on a listed level becomes
//     w × (1 + U(−noise, +noise)), U uniform, as COINr's get_noisy_weights;
//   - one option of every alternative (a whole step, or one field of a
//     step: treat.winmax 1…5, normalise minmax or zscore, aggregate amean
//     or gmean, the ratio benchmark …), uniformly.
//
// Per unit it reports the nominal rank, the median, mean and 5 %/95 %
// quantiles (R type 7) of its rank over all runs, and the probability of
// each class. With the Saltelli design (the default) it also estimates the
// first-order and total Sobol indices of every uncertain input (see
// sobol.go): each listed weight level is one input (a group of columns, one
// per weight), each alternative one input (its option index drawn as
// ⌊U × #options⌋). Two outputs are analysed: the ranks of all units, pooled
// as the variance-weighted mean of the per-unit indices (Σ numerators ÷ Σ
// variances; Gamboa, Janon, Klein and Lagnoux 2014, the Sobol index of a
// multivariate output), and COINr's scalar, the mean absolute difference
// between a run's ranks and the nominal ones.
//
// Differences from COINr: the rank statistics use every run of the design,
// not only the 2N runs of A and B (each run's inputs have the right
// marginal distribution, so this only adds precision); the weights of each
// level are a separate input instead of one; the design uses pseudo-random
// numbers from per-row streams (row j of A and B from (seed, j); run r of
// the random design from (seed, r)), so output is identical for the same
// seed whatever the number of goroutines.
//
// Runs that share their first steps with the nominal pipeline (everything
// before the first step that an alternative or the weights change) start
// from the nominal run's stage instead of recomputing it.

// Designs for Uncertainty.Design.
const (
	// DesignSaltelli runs N(d + 2) runs of a Saltelli design, N = Runs ÷
	// (d + 2), and estimates Sobol indices.
	DesignSaltelli = "saltelli"
	// DesignRandom runs Runs independent random draws (no Sobol indices).
	DesignRandom = "random"
)

// WeightNoise perturbs the weights of every node on one level (1 =
// indicators, 2 = their groups, …): w × (1 + U(−Noise, +Noise)).
type WeightNoise struct {
	// Level is the framework level whose nodes' weights are perturbed.
	Level int
	// Noise is the relative half-width, e.g. 0.25 for ±25 %; 0 to 1.
	Noise float64
}

// Alternative is one uncertain method choice with its options, drawn with
// equal probability.
type Alternative struct {
	// Key names what varies: a step ("normalise") or a field of a step
	// ("treat.winmax", "normalise.benchmark").
	Key string
	// Labels names the options, for reports; its length is the number of
	// options.
	Labels []string
	// Steps are whole-step options, used when Uncertainty.Build is nil:
	// option k replaces the pipeline's step named Key with Steps[k] (added
	// in the canonical order when the pipeline has no such step; a nil step
	// removes it).
	Steps []Step
}

// Uncertainty specifies an uncertainty and sensitivity analysis.
type Uncertainty struct {
	// Runs is the number of model runs: for the Saltelli design the largest
	// N(d + 2) not above it is run.
	Runs int
	// Seed seeds every random draw; the same seed gives identical results.
	Seed uint64
	// Weights lists the perturbed levels.
	Weights []WeightNoise
	// Alternatives lists the uncertain method choices.
	Alternatives []Alternative
	// Build, when set, makes the pipeline for a combination of options:
	// choice[k] is the option index of Alternatives[k]. ParseUncertaintyYAML
	// sets it to edit the pipeline file; without it, Alternative.Steps are
	// applied to the nominal pipeline.
	Build func(choice []int) (Pipeline, error)
	// Design is DesignSaltelli (default) or DesignRandom. Without uncertain
	// inputs the design is random.
	Design string
	// Code is the aggregate whose ranks are analysed; "" means the classified
	// column, or the index (the framework's top root).
	Code string
	// Workers is the number of goroutines; 0 means GOMAXPROCS.
	Workers int
}

// UncertainInput describes one input of the analysis.
type UncertainInput struct {
	// Name is "weights.level2", or the alternative's key.
	Name string
	// Kind is "weights" or "alternative".
	Kind string
	// Options are the alternative's labels, or the codes whose weights vary.
	Options []string
	// Noise is the weight noise (weights only).
	Noise float64
}

// UnitUncertainty is one unit's outcome.
type UnitUncertainty struct {
	// UCode is the unit.
	UCode string
	// NominalRank is the rank in the nominal run (0: none).
	NominalRank int
	// NominalClass is the class in the nominal run ("" when none).
	NominalClass string
	// Ranked is the number of runs in which the unit had a rank.
	Ranked int
	// MedianRank, Q05Rank, Q95Rank and MeanRank summarise the unit's ranks
	// over the runs in which it had one (NaN if none); quantiles are R's
	// type 7.
	MedianRank, Q05Rank, Q95Rank, MeanRank float64
	// ClassProb is the share of runs in which the unit got each class of
	// UncertaintyResult.Classes.
	ClassProb []float64
	// First and Total are the unit's own Sobol indices per input (Saltelli
	// design only; NaN when its rank does not vary or is missing in a run).
	First, Total []float64
}

// SensitivityIndex is the Sobol indices of one input.
type SensitivityIndex struct {
	// Input is the input's name.
	Input string
	// First and Total are the first-order and total indices on the ranks of
	// all units (variance-weighted over units).
	First, Total float64
	// FirstShift and TotalShift are the indices on COINr's scalar output,
	// the mean absolute rank change against the nominal ranks.
	FirstShift, TotalShift float64
}

// UncertaintyResult is the outcome of an uncertainty analysis.
type UncertaintyResult struct {
	// Code is the analysed aggregate.
	Code string
	// Design is the design used; Runs the number of model runs; N the base
	// sample of the Saltelli design (0 for random).
	Design  string
	Runs, N int
	// Seed is the seed used.
	Seed uint64
	// Inputs lists the uncertain inputs in design order.
	Inputs []UncertainInput
	// Classes lists the class labels seen in any run's rules, nominal first.
	Classes []string
	// Units has one entry per input unit, in input order.
	Units []UnitUncertainty
	// Sensitivity has one entry per input (Saltelli design only).
	Sensitivity []SensitivityIndex
	// Variance is the pooled variance of the ranks (Σ over units) and
	// ShiftVariance that of the mean absolute rank change (Saltelli only).
	Variance, ShiftVariance float64
	// Failed counts the runs whose combination failed (e.g. a geometric
	// mean of a zero after min-max 0–100): they have no ranks, as in COINr,
	// and the statistics use the other runs. Failure is the first one's
	// error.
	Failed  int
	Failure string
	// SobolRows is the number of base rows whose d + 2 runs all succeeded,
	// on which the Sobol indices are estimated (N when no run failed).
	SobolRows int
}

// weightGroup is one perturbed level: the codes whose weight varies.
type weightGroup struct {
	level int
	noise float64
	codes []string
}

// variant is the pipeline of one combination of options.
type variant struct {
	steps  []Step
	prefix int // steps shared with the nominal pipeline
}

// Run runs the analysis of nominal on fw and d. The nominal run is the
// pipeline as given; ctx cancels the runs.
func (u Uncertainty) Run(ctx context.Context, fw *Framework, d *Dataset, nominal Pipeline) (*UncertaintyResult, error) {
	if u.Runs < 1 {
		return nil, indus.Errorf(indus.EInvalid, "uncertainty: runs must be at least 1, got %d", u.Runs)
	}
	nom, err := nominal.Run(fw, d)
	if err != nil {
		return nil, fmt.Errorf("uncertainty: nominal run: %w", err)
	}
	code := u.Code
	if code == "" {
		if nom.Classes != nil {
			code = nom.Classes.Code
		} else {
			code = fw.Roots()[0]
		}
	}
	if nom.Scores.Col(code) == nil {
		return nil, indus.Errorf(indus.EInvalid, "uncertainty: the results have no column %q to rank", code)
	}
	groups, inputs, err := u.inputs(fw)
	if err != nil {
		return nil, err
	}
	design := u.Design
	if design == "" {
		design = DesignSaltelli
	}
	if design != DesignSaltelli && design != DesignRandom {
		return nil, indus.Errorf(indus.EInvalid, "uncertainty: unknown design %q (want saltelli or random)", u.Design)
	}
	if len(inputs) == 0 {
		design = DesignRandom
	}
	cols := make([]int, len(inputs)) // columns per input
	for i := range inputs {
		cols[i] = 1
		if i < len(groups) {
			cols[i] = len(groups[i].codes)
		}
	}
	dim := 0
	offset := make([]int, len(inputs))
	for i, c := range cols {
		offset[i] = dim
		dim += c
	}
	res := &UncertaintyResult{Code: code, Design: design, Seed: u.Seed, Inputs: inputs}
	var sd *SaltelliDesign
	total := u.Runs
	if design == DesignSaltelli {
		n := u.Runs / (len(inputs) + 2)
		if n < 2 {
			return nil, indus.Errorf(indus.EInvalid, "uncertainty: %d runs are too few for a Saltelli design with %d inputs (at least %d)", u.Runs, len(inputs), 2*(len(inputs)+2))
		}
		if sd, err = NewSaltelliDesign(n, cols, u.Seed); err != nil {
			return nil, err
		}
		total, res.N = sd.Runs(), n
	}
	res.Runs = total
	points := make([][]float64, total)
	for r := range points {
		if sd != nil {
			points[r] = sd.Point(r, make([]float64, 0, dim))
			continue
		}
		p := make([]float64, dim)
		if dim > 0 {
			g := streamRand(u.Seed, uint64(r))
			for k := range p {
				p[k] = g.Float64()
			}
		}
		points[r] = p
	}

	// The pipeline of every combination that a run uses, built in run order
	// so that an error names the first run that needs the combination.
	nAlt := len(u.Alternatives)
	variants := []*variant{}
	byKey := map[string]int{}
	runVariant := make([]int, total)
	choice := make([]int, nAlt)
	for r, p := range points {
		var key strings.Builder
		for k, a := range u.Alternatives {
			x := p[offset[len(groups)+k]]
			c := int(x * float64(len(a.Labels)))
			if c >= len(a.Labels) {
				c = len(a.Labels) - 1
			}
			choice[k] = c
			key.WriteString(strconv.Itoa(c))
			key.WriteByte(',')
		}
		if i, ok := byKey[key.String()]; ok {
			runVariant[r] = i
			continue
		}
		v, err := u.variant(nominal, slices.Clone(choice), len(groups) > 0)
		if err != nil {
			var labels []string
			for k, a := range u.Alternatives {
				labels = append(labels, a.Key+"="+a.Labels[choice[k]])
			}
			return nil, fmt.Errorf("uncertainty: combination %s: %w", strings.Join(labels, ", "), err)
		}
		byKey[key.String()] = len(variants)
		runVariant[r] = len(variants)
		variants = append(variants, v)
	}
	// Class labels: the nominal rules first, then any new ones.
	classIdx := map[string]int{}
	addClasses := func(steps []Step) {
		for _, s := range steps {
			c, ok := s.(Classify)
			if p, isPtr := s.(*Classify); isPtr && p != nil {
				c, ok = *p, true
			}
			if !ok {
				continue
			}
			for _, r := range c.Classes {
				if _, seen := classIdx[r.Name]; !seen {
					classIdx[r.Name] = len(res.Classes)
					res.Classes = append(res.Classes, r.Name)
				}
			}
		}
	}
	addClasses(nominal.Steps)
	for _, v := range variants {
		addClasses(v.steps)
	}
	if len(res.Classes) > 127 {
		return nil, indus.Errorf(indus.EInvalid, "uncertainty: more than 127 classes")
	}

	// Nominal outcome per input row.
	nUnits := d.Len()
	rowOf := make(map[string]int, nUnits)
	for i, uc := range d.UCodes {
		rowOf[uc] = i
	}
	nomRank := make([]int32, nUnits)
	for i, r := range nom.Ranks[code] {
		nomRank[nom.Scores.Rows[i]] = int32(r)
	}
	nomClass := make([]string, nUnits)
	if nom.Classes != nil {
		for _, a := range nom.Classes.Units {
			nomClass[rowOf[a.UCode]] = a.Class
		}
	}

	// The runs.
	ranks := make([][]int32, total)
	classes := make([][]int8, total)
	workers := u.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if workers > total {
		workers = total
	}
	errs := make([]error, total)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				r := int(next.Add(1) - 1)
				if r >= total || ctx.Err() != nil {
					return
				}
				rk, cl, err := u.runOne(fw, d, nom, variants[runVariant[r]], groups, points[r], code, classIdx, len(res.Classes) > 0)
				if err != nil {
					// A run whose combination fails (gmean of a zero …) has no
					// ranks, as COINr records NA for a failed regeneration.
					errs[r] = fmt.Errorf("run %d: %w", r+1, err)
					continue
				}
				ranks[r], classes[r] = rk, cl
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	okRuns := 0
	for _, err := range errs {
		if err == nil {
			okRuns++
		} else if res.Failure == "" {
			res.Failure = err.Error()
		}
	}
	res.Failed = total - okRuns
	if okRuns == 0 {
		return nil, fmt.Errorf("uncertainty: every run failed; the first: %w", errs[0])
	}
	// The Saltelli estimators use the base rows whose d + 2 runs all
	// succeeded.
	var sobolRuns []int
	sobolN := 0
	if sd != nil {
		for j := 0; j < sd.N; j++ {
			ok := true
			for b := 0; b < len(inputs)+2; b++ {
				ok = ok && errs[b*sd.N+j] == nil
			}
			if ok {
				sobolN++
			}
		}
		for b := 0; b < len(inputs)+2; b++ {
			for j := 0; j < sd.N; j++ {
				ok := true
				for c := 0; c < len(inputs)+2; c++ {
					ok = ok && errs[c*sd.N+j] == nil
				}
				if ok {
					sobolRuns = append(sobolRuns, b*sd.N+j)
				}
			}
		}
		res.SobolRows = sobolN
	}

	// Per-unit statistics, in parallel over units (each unit's numbers
	// depend only on its own column, so the split does not matter).
	res.Units = make([]UnitUncertainty, nUnits)
	type parts struct {
		ok bool
		p  sobolParts
	}
	unitParts := make([]parts, nUnits)
	chunk := (nUnits + workers - 1) / workers
	if chunk < 1 {
		chunk = 1
	}
	for lo := 0; lo < nUnits; lo += chunk {
		hi := min(lo+chunk, nUnits)
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			buf := make([]float64, 0, total)
			y := make([]float64, len(sobolRuns))
			for i := lo; i < hi; i++ {
				uu := UnitUncertainty{UCode: d.UCodes[i], NominalRank: int(nomRank[i]), NominalClass: nomClass[i],
					ClassProb: make([]float64, len(res.Classes))}
				buf = buf[:0]
				for r := 0; r < total; r++ {
					if ranks[r] == nil {
						continue
					}
					if v := ranks[r][i]; v > 0 {
						buf = append(buf, float64(v))
					}
					if c := classes[r]; c != nil && c[i] >= 0 {
						uu.ClassProb[c[i]]++
					}
				}
				for k := range uu.ClassProb {
					uu.ClassProb[k] /= float64(okRuns)
				}
				all := sobolN >= 2
				for k, r := range sobolRuns {
					v := ranks[r][i]
					y[k] = float64(v)
					all = all && v > 0
				}
				uu.Ranked = len(buf)
				uu.MedianRank, uu.Q05Rank, uu.Q95Rank, uu.MeanRank = math.NaN(), math.NaN(), math.NaN(), math.NaN()
				if len(buf) > 0 {
					slices.Sort(buf)
					uu.Q05Rank, uu.MedianRank, uu.Q95Rank = quantile7(buf, 0.05), quantile7(buf, 0.5), quantile7(buf, 0.95)
					uu.MeanRank = rMean(buf)
				}
				if sd != nil {
					uu.First, uu.Total = make([]float64, len(inputs)), make([]float64, len(inputs))
					for k := range uu.First {
						uu.First[k], uu.Total[k] = math.NaN(), math.NaN()
					}
					if all {
						p := sobolSums(y, sobolN, len(inputs))
						unitParts[i] = parts{ok: true, p: p}
						if p.v > 0 {
							for k := range uu.First {
								uu.First[k], uu.Total[k] = p.first[k]/p.v, p.total[k]/p.v
							}
						}
					}
				}
				res.Units[i] = uu
			}
		}(lo, hi)
	}
	wg.Wait()

	if sd != nil {
		pooled := sobolParts{first: make([]float64, len(inputs)), total: make([]float64, len(inputs))}
		for _, up := range unitParts {
			if !up.ok {
				continue
			}
			pooled.v += up.p.v
			for k := range pooled.first {
				pooled.first[k] += up.p.first[k]
				pooled.total[k] += up.p.total[k]
			}
		}
		res.Variance = pooled.v
		// COINr's scalar: the mean absolute rank change per run.
		shift := make([]float64, len(sobolRuns))
		for k, r := range sobolRuns {
			var s accumulator
			n := 0
			for i, v := range ranks[r] {
				if v > 0 && nomRank[i] > 0 {
					s.add(math.Abs(float64(v - nomRank[i])))
					n++
				}
			}
			shift[k] = math.NaN()
			if n > 0 {
				shift[k] = s.value() / float64(n)
			}
		}
		sf, st := make([]float64, len(inputs)), make([]float64, len(inputs))
		for k := range sf {
			sf[k], st[k] = math.NaN(), math.NaN()
		}
		if sobolN >= 2 {
			p := sobolSums(shift, sobolN, len(inputs))
			res.ShiftVariance = p.v
			if p.v > 0 {
				for k := range sf {
					sf[k], st[k] = p.first[k]/p.v, p.total[k]/p.v
				}
			}
		}
		for k, in := range inputs {
			si := SensitivityIndex{Input: in.Name, First: math.NaN(), Total: math.NaN(), FirstShift: sf[k], TotalShift: st[k]}
			if pooled.v > 0 {
				si.First, si.Total = pooled.first[k]/pooled.v, pooled.total[k]/pooled.v
			}
			res.Sensitivity = append(res.Sensitivity, si)
		}
	}
	return res, nil
}

// inputs validates the weights and alternatives and lists the inputs:
// weight levels first, then alternatives.
func (u Uncertainty) inputs(fw *Framework) ([]weightGroup, []UncertainInput, error) {
	var groups []weightGroup
	var inputs []UncertainInput
	seen := map[int]bool{}
	for _, w := range u.Weights {
		if w.Level < 1 || w.Level >= fw.MaxLevel() {
			return nil, nil, indus.Errorf(indus.EInvalid, "uncertainty: weights level %d: the weighted levels are 1 to %d", w.Level, fw.MaxLevel()-1)
		}
		if seen[w.Level] {
			return nil, nil, indus.Errorf(indus.EInvalid, "uncertainty: weights level %d is listed twice", w.Level)
		}
		seen[w.Level] = true
		if !(w.Noise >= 0 && w.Noise <= 1) {
			return nil, nil, indus.Errorf(indus.EInvalid, "uncertainty: weights noise %g on level %d must be between 0 and 1", w.Noise, w.Level)
		}
		g := weightGroup{level: w.Level, noise: w.Noise}
		for _, n := range fw.Nodes {
			if n.Level == w.Level && n.Parent != "" {
				g.codes = append(g.codes, n.Code)
			}
		}
		if len(g.codes) == 0 {
			return nil, nil, indus.Errorf(indus.EInvalid, "uncertainty: no weights on level %d", w.Level)
		}
		groups = append(groups, g)
		inputs = append(inputs, UncertainInput{Name: fmt.Sprintf("weights.level%d", w.Level), Kind: "weights", Options: g.codes, Noise: w.Noise})
	}
	keys := map[string]bool{}
	for _, a := range u.Alternatives {
		if a.Key == "" {
			return nil, nil, indus.Errorf(indus.EInvalid, "uncertainty: an alternative has no key")
		}
		if keys[a.Key] {
			return nil, nil, indus.Errorf(indus.EInvalid, "uncertainty: alternative %q is listed twice", a.Key)
		}
		keys[a.Key] = true
		if len(a.Labels) == 0 {
			return nil, nil, indus.Errorf(indus.EInvalid, "uncertainty: alternative %q has no options", a.Key)
		}
		if u.Build == nil {
			if strings.Contains(a.Key, ".") {
				return nil, nil, indus.Errorf(indus.EInvalid, "uncertainty: alternative %q changes a field of a step: give whole steps, or a Build function", a.Key)
			}
			if len(a.Steps) != len(a.Labels) {
				return nil, nil, indus.Errorf(indus.EInvalid, "uncertainty: alternative %q has %d labels but %d steps", a.Key, len(a.Labels), len(a.Steps))
			}
		}
		inputs = append(inputs, UncertainInput{Name: a.Key, Kind: "alternative", Options: a.Labels})
	}
	return groups, inputs, nil
}

// variant builds the pipeline of one combination and finds how many of its
// first steps equal the nominal pipeline's.
func (u Uncertainty) variant(nominal Pipeline, choice []int, noisyWeights bool) (*variant, error) {
	var p Pipeline
	switch {
	case len(u.Alternatives) == 0:
		p = nominal
	case u.Build != nil:
		var err error
		if p, err = u.Build(choice); err != nil {
			return nil, err
		}
	default:
		p = Pipeline{Steps: append([]Step(nil), nominal.Steps...)}
		for k, a := range u.Alternatives {
			p.Steps = replaceStep(p.Steps, a.Key, a.Steps[choice[k]])
		}
	}
	for i, s := range p.Steps {
		if s == nil {
			return nil, indus.Errorf(indus.EInvalid, "step %d is nil", i+1)
		}
	}
	v := &variant{steps: p.Steps}
	for v.prefix < len(p.Steps) && v.prefix < len(nominal.Steps) && reflect.DeepEqual(p.Steps[v.prefix], nominal.Steps[v.prefix]) {
		v.prefix++
	}
	if noisyWeights {
		first := -1
		for i, s := range p.Steps {
			if _, ok := asAggregate(s); ok {
				first = i
				break
			}
		}
		if first < 0 {
			return nil, indus.Errorf(indus.EInvalid, "weights are perturbed but the pipeline has no aggregate step")
		}
		v.prefix = min(v.prefix, first)
	}
	return v, nil
}

// canonicalOrder is the order in which ParsePipelineYAML runs the steps.
var canonicalOrder = []string{"denominate", "impute", "screen", "treat", "normalise", "aggregate", "classify"}

// replaceStep replaces the first step named name by s (nil removes it), or
// inserts s in the canonical order when there is no such step.
func replaceStep(steps []Step, name string, s Step) []Step {
	for i, old := range steps {
		if old.StepName() == name {
			if s == nil {
				return append(steps[:i:i], steps[i+1:]...)
			}
			steps[i] = s
			return steps
		}
	}
	if s == nil {
		return steps
	}
	pos := slices.Index(canonicalOrder, name)
	at := len(steps)
	for i, old := range steps {
		if q := slices.Index(canonicalOrder, old.StepName()); pos >= 0 && q > pos {
			at = i
			break
		}
	}
	return slices.Insert(steps, at, s)
}

// asAggregate returns the Aggregate value of a step, if it is one.
func asAggregate(s Step) (Aggregate, bool) {
	switch a := s.(type) {
	case Aggregate:
		return a, true
	case *Aggregate:
		if a != nil {
			return *a, true
		}
	}
	return Aggregate{}, false
}

// runOne runs one model evaluation: the variant's steps after its shared
// prefix, with noisy weights drawn from the point p, and returns the ranks
// of code and the class index per input row (−1: none).
func (u Uncertainty) runOne(fw *Framework, d *Dataset, nom *Result, v *variant, groups []weightGroup, p []float64, code string, classIdx map[string]int, withClasses bool) ([]int32, []int8, error) {
	st := &runState{fw: fw, d: d, cur: nom.Stages[v.prefix].Data, res: &Result{Framework: fw}}
	// A classification inside the shared prefix is the nominal one.
	var cls *ClassifyDetails
	var clsRows []int
	for k := 1; k <= v.prefix; k++ {
		if c := nom.Stages[k].Classify; c != nil {
			cls, clsRows = c, nom.Stages[k].Data.Rows
		}
	}
	for k := v.prefix; k < len(v.steps); k++ {
		s := v.steps[k]
		if a, ok := asAggregate(s); ok && len(groups) > 0 {
			a.Weights = noisyWeights(fw, a.Weights, groups, p)
			s = a
		}
		rec, err := s.run(st)
		if err != nil {
			return nil, nil, fmt.Errorf("step %d (%s): %w", k+1, s.StepName(), err)
		}
		st.cur = rec.Data
		if rec.Classify != nil {
			cls, clsRows = rec.Classify, rec.Data.Rows
		}
	}
	col := st.cur.Col(code)
	if col == nil {
		return nil, nil, indus.Errorf(indus.EInvalid, "the results have no column %q", code)
	}
	out := make([]int32, d.Len())
	for i, r := range st.ranksOf(st.cur, code) { // shared with a classification of code
		out[st.cur.Rows[i]] = int32(r)
	}
	var cl []int8
	if withClasses {
		cl = make([]int8, d.Len())
		for i := range cl {
			cl[i] = -1
		}
		if cls != nil {
			for i, a := range cls.Units {
				if a.Class != "" {
					cl[clsRows[i]] = int8(classIdx[a.Class])
				}
			}
		}
	}
	return out, cl, nil
}

// noisyWeights returns the weights of an aggregate step with the perturbed
// levels drawn from p: base × (1 + noise × (2U − 1)), the base being the
// step's own override or the framework's weight. The weight groups own the
// first columns of p, in order.
func noisyWeights(fw *Framework, base map[string]float64, groups []weightGroup, p []float64) map[string]float64 {
	n := len(base)
	for _, g := range groups {
		n += len(g.codes)
	}
	w := make(map[string]float64, n)
	for k, v := range base {
		w[k] = v
	}
	col := 0
	for _, g := range groups {
		for _, c := range g.codes {
			b := fw.Node(c).Weight
			if o, ok := base[c]; ok {
				b = o
			}
			w[c] = b * (1 + g.noise*(2*p[col]-1))
			col++
		}
	}
	return w
}

// quantile7 is R's quantile(x, prob, type = 7) of sorted x.
func quantile7(sorted []float64, prob float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	h := float64(n-1) * prob
	lo := math.Floor(h)
	i := int(lo)
	if i+1 >= n {
		return sorted[n-1]
	}
	if sorted[i+1] == sorted[i] {
		return sorted[i]
	}
	f := h - lo
	return (1-f)*sorted[i] + f*sorted[i+1]
}
