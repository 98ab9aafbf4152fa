package index

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/indus-platform/indus/internal/indus"
)

// Explanation of one unit's result: where its score comes from and what it
// would take to reach the next class.
//
// Contributions. The score of an aggregate built with amean or wsum is
// linear in the normalised indicators below it: an indicator's effective
// weight is the product, along its path to the explained aggregate, of its
// share in each parent — w ÷ Σ w over the siblings with data for amean
// (weights renormalised as COINr does), w itself for wsum — and its
// contribution is effective weight × normalised value; the contributions
// add up to the score. Through gmean, hmean or copeland there is no additive
// split and the contribution is NaN.
//
// Next class. For thresholds the boundary is the next class's minimum
// score. For bands and quotas it is the score of the unit at the next
// class's cut-off rank R (R = ⌊share × n⌋ for bands, the cumulative quota
// for quotas): scoring at least as much as that unit gives rank ≤ R, ties
// taking the minimum rank. This ASSUMES THE OTHER UNITS STAY PUT and uses the
// boundaries of this run. A vetoed unit already at its cap has no reachable
// next class; an unrated unit or one without a score has none.
//
// Smallest single-indicator change. For each indicator, everything else
// held fixed — the other indicators, the other units, and the normalisation
// parameters (benchmark, min, max, mean, sd) as recorded in this run — the
// normalised value y* that lifts the score to the boundary is solved
// (exactly for amean/wsum paths, by bisection through gmean/hmean), then
// mapped back to a raw value by inverting the normalisation where it is
// monotone, the outlier treatment (winsorising clamps; the log and Box-Cox
// transforms with the run's parameters) and the denomination (× the unit's
// denominator). A ratio already at its cap cannot help ("capped"); a bounded
// normalisation (min-max, distance to max, goalposts, a ratio cap) that
// would have to exceed its bound means this indicator alone cannot do it
// ("insufficient"); rank-based normalisations are not inverted.

// Statuses of IndicatorExplanation.Status.
const (
	// ChangeFound means NeededRaw and Change are set.
	ChangeFound = "ok"
	// ChangeCapped means the indicator is already at its ratio cap: no
	// change in it can help.
	ChangeCapped = "capped"
	// ChangeInsufficient means no value of this indicator alone reaches the
	// boundary (its normalisation is bounded).
	ChangeInsufficient = "insufficient"
	// ChangeNoEffect means the indicator does not move the explained score
	// (weight 0, outside the aggregate, or missing and not counted).
	ChangeNoEffect = "no effect"
	// ChangeNotInvertible means the normalisation, treatment or aggregation
	// cannot be inverted (rank-based, copeland, …).
	ChangeNotInvertible = "not invertible"
)

// IndicatorExplanation is one indicator's part in a unit's score.
type IndicatorExplanation struct {
	// Code, Name and Unit describe the indicator.
	Code, Name, Unit string
	// Direction is +1 when higher is better, −1 when lower is better.
	Direction int
	// Raw is the input value (NaN if missing).
	Raw float64
	// Value is the value entering normalisation (after denomination,
	// imputation and treatment).
	Value float64
	// Normalised is the normalised value used by the aggregation (imputed
	// when the pipeline imputes after normalising).
	Normalised float64
	// Imputed tells whether the unit's value was missing and imputed.
	Imputed bool
	// Weight is the indicator's weight in its parent, as used.
	Weight float64
	// EffectiveWeight is the score points per normalised unit through the
	// tree (0 if not counted; NaN if the path is not additive).
	EffectiveWeight float64
	// Contribution is EffectiveWeight × Normalised.
	Contribution float64
	// NeededNormalised is the normalised value that would reach the next
	// class boundary with everything else fixed (NaN unless found).
	NeededNormalised float64
	// NeededRaw is the raw value that would reach the next class boundary
	// with everything else fixed; Change is NeededRaw − Raw (NaN when the
	// raw value is missing). Both are NaN unless Status is ChangeFound.
	NeededRaw, Change float64
	// Status is "" (no next class) or one of the Change* constants; Note
	// explains it.
	Status, Note string
}

// UnitExplanation explains one unit's score and class.
type UnitExplanation struct {
	// UCode is the unit.
	UCode string
	// Code is the explained score column (the classified one, else the
	// index).
	Code string
	// Score is the unit's score.
	Score float64
	// Rank is the rank used for classification (among rated units), or the
	// overall rank when there is no classification; 0 if none.
	Rank int
	// Class is the class ("" if none) and Reason the veto or unrated reason.
	Class, Reason string
	// Capped tells whether a veto moved the unit down.
	Capped bool
	// NextClass is the next class up, "" if none is reachable.
	NextClass string
	// Boundary is the score needed for NextClass and Gap = Boundary − Score
	// (NaN when there is no next class).
	Boundary, Gap float64
	// Note explains the boundary or why there is none.
	Note string
	// Indicators lists every indicator under Code in framework order.
	Indicators []IndicatorExplanation
}

// Explainer explains the units of one pipeline run. It is safe for
// concurrent use.
type Explainer struct {
	fw   *Framework
	res  *Result
	code string

	scores              *Table
	raw, entering, norm *Table
	normStep            *Normalise
	normParams          map[string]NormParams
	aggStep             *Aggregate
	aggInfo             map[string]AggInfo
	cls                 *ClassifyDetails
	clsRule             *Classify
	clsPos              map[string]int
	clsTable            *Table
	ratedDesc           []float64 // rated scores, best first
	inverse             []inverseStep
	index               map[string]int
	indexOnce           sync.Once
	indicators          []string
	data                *Dataset
}

// inverseStep undoes one step before normalisation for a single unit.
type inverseStep struct {
	name   string
	before *Table // the stage the step read
	after  *Table // the stage the step wrote
	den    *DenominateDetails
	treat  *TreatDetails
	tstep  Treat
}

// NewExplainer prepares explanations for res, the result of p.Run(fw, d)
// (d gives the denominators; p must be the pipeline that produced res).
func NewExplainer(p Pipeline, d *Dataset, res *Result) (*Explainer, error) {
	if res == nil || len(res.Stages) != len(p.Steps)+1 {
		return nil, indus.Errorf(indus.EInvalid, "explain: the result does not come from this pipeline")
	}
	e := &Explainer{fw: res.Framework, res: res, data: d, scores: res.Scores, raw: res.Stages[0].Data, aggInfo: map[string]AggInfo{}}
	normAt := -1
	for k, s := range p.Steps {
		rec := res.Stages[k+1]
		if s.StepName() != rec.Step {
			return nil, indus.Errorf(indus.EInvalid, "explain: step %d is %s in the pipeline but %s in the result", k+1, s.StepName(), rec.Step)
		}
		switch st := s.(type) {
		case Normalise:
			e.normStep, e.normParams, normAt = &st, rec.Normalise.Params, k+1
		case Aggregate:
			e.aggStep = &st
			for _, a := range rec.Aggregate.Aggregates {
				e.aggInfo[a.Code] = a
			}
		case Classify:
			e.clsRule, e.cls, e.clsTable = &st, rec.Classify, rec.Data
		}
	}
	if e.normStep == nil {
		return nil, indus.Errorf(indus.EInvalid, "explain: the pipeline has no normalise step")
	}
	if e.aggStep == nil {
		return nil, indus.Errorf(indus.EInvalid, "explain: the pipeline has no aggregate step")
	}
	e.entering, e.norm = res.Stages[normAt-1].Data, res.Stages[normAt].Data
	for k := normAt - 1; k >= 1; k-- {
		rec := res.Stages[k]
		inv := inverseStep{name: rec.Step, before: res.Stages[k-1].Data, after: rec.Data, den: rec.Denominate, treat: rec.Treat}
		if t, ok := p.Steps[k-1].(Treat); ok {
			inv.tstep, _ = t.withDefaults()
		}
		e.inverse = append(e.inverse, inv)
	}
	e.code = e.fw.Roots()[0]
	if e.cls != nil {
		e.code = e.cls.Code
		e.clsPos = map[string]int{}
		for k, r := range e.clsRule.Classes {
			e.clsPos[r.Name] = k
		}
		for _, a := range e.cls.Units {
			if a.Rank > 0 {
				e.ratedDesc = append(e.ratedDesc, a.Score)
			}
		}
		sort.Sort(sort.Reverse(sort.Float64Slice(e.ratedDesc)))
	}
	if e.scores.Col(e.code) == nil {
		return nil, indus.Errorf(indus.EInvalid, "explain: the results have no column %q", e.code)
	}
	for _, c := range e.fw.Indicators() {
		if e.under(c) {
			e.indicators = append(e.indicators, c)
		}
	}
	return e, nil
}

// Code is the explained score column.
func (e *Explainer) Code() string { return e.code }

// under reports whether code lies under the explained aggregate.
func (e *Explainer) under(code string) bool {
	for c := code; c != ""; c = e.fw.Node(c).Parent {
		if c == e.code {
			return true
		}
	}
	return false
}

// Unit explains the unit with the given code.
func (e *Explainer) Unit(ucode string) (*UnitExplanation, error) {
	e.indexOnce.Do(func() {
		e.index = make(map[string]int, e.scores.NumUnits())
		for i, u := range e.scores.UCodes {
			e.index[u] = i
		}
	})
	i, ok := e.index[ucode]
	if !ok {
		return nil, indus.Errorf(indus.ENotFound, "explain: unit %q is not in the results (screened out or unknown)", ucode)
	}
	return e.UnitAt(i), nil
}

// UnitAt explains the i-th unit of the results (Result.Scores order).
func (e *Explainer) UnitAt(i int) *UnitExplanation {
	row := e.scores.Rows[i]
	score := e.scores.Col(e.code)[i]
	x := &UnitExplanation{UCode: e.scores.UCodes[i], Code: e.code, Score: score, Boundary: math.NaN(), Gap: math.NaN()}
	if r := e.res.Ranks[e.code]; r != nil {
		x.Rank = r[i]
	}
	e.boundary(x, row)
	for _, code := range e.indicators {
		x.Indicators = append(x.Indicators, e.indicator(x, i, row, code))
	}
	return x
}

// boundary fills the class, the next class and its boundary.
func (e *Explainer) boundary(x *UnitExplanation, row int) {
	if e.cls == nil {
		x.Note = "not classified"
		return
	}
	k := sort.SearchInts(e.clsTable.Rows, row)
	if k >= len(e.clsTable.Rows) || e.clsTable.Rows[k] != row {
		x.Note = "not classified (not in the classified data)"
		return
	}
	a := e.cls.Units[k]
	x.Class, x.Reason, x.Capped, x.Rank = a.Class, a.Reason, a.Capped, a.Rank
	if a.Class == "" {
		x.Note = "no class: " + a.Reason
		return
	}
	q := e.clsPos[a.Class]
	if q == 0 {
		x.Note = "already in the top class"
		return
	}
	if f, ok := e.clsRule.Flags[a.UCode]; ok && f.Cap != "" && e.clsPos[f.Cap] >= q {
		why := f.Reason
		if why == "" {
			why = "veto"
		}
		x.Note = fmt.Sprintf("vetoed (%s): cannot be better than %s", why, f.Cap)
		return
	}
	t := q - 1
	rule := e.clsRule.Classes[t]
	method := e.clsRule.Method
	if method == "" {
		method = ClassifyBands
	}
	n := len(e.ratedDesc)
	cut := 0
	switch method {
	case ClassifyThresholds:
		x.NextClass, x.Boundary = rule.Name, rule.Min
		x.Gap = x.Boundary - x.Score
		x.Note = fmt.Sprintf("class %s starts at a score of %g", rule.Name, rule.Min)
		return
	case ClassifyBands:
		cut = int(math.Floor(rule.UpTo*float64(n) + 1e-9))
	case ClassifyQuotas:
		for _, r := range e.clsRule.Classes[:t+1] {
			cut += r.Count
		}
	}
	if cut < 1 {
		x.Note = fmt.Sprintf("class %s holds no unit at this size (%d rated)", rule.Name, n)
		return
	}
	cut = min(cut, n)
	x.NextClass, x.Boundary = rule.Name, e.ratedDesc[cut-1]
	x.Gap = x.Boundary - x.Score
	x.Note = fmt.Sprintf("class %s ends at rank %d of %d; the unit now ranked %d scores %g (assumes the other units stay put)",
		rule.Name, cut, n, cut, x.Boundary)
}

// indicator explains one indicator of unit i (input row row).
func (e *Explainer) indicator(x *UnitExplanation, i, row int, code string) IndicatorExplanation {
	node := e.fw.Node(code)
	nan := math.NaN()
	ie := IndicatorExplanation{Code: code, Name: node.Name, Unit: node.Unit, Direction: node.Direction,
		Raw: e.raw.Col(code)[row], Value: valueAt(e.entering, code, row), Normalised: e.scores.Col(code)[i],
		NeededRaw: nan, Change: nan, NeededNormalised: nan}
	ie.Imputed = math.IsNaN(valueAt(e.norm, code, row)) && !math.IsNaN(ie.Normalised)
	if p := node.Parent; p != "" {
		if a, ok := e.aggInfo[p]; ok {
			ie.Weight = a.Weights[slices.Index(a.Children, code)]
		}
	}
	ie.EffectiveWeight, ie.Contribution = e.share(i, code)
	if x.NextClass == "" {
		return ie
	}
	e.solve(x, &ie, i, row)
	return ie
}

// valueAt returns column code of t at input row row (NaN if absent).
func valueAt(t *Table, code string, row int) float64 {
	k := sort.SearchInts(t.Rows, row)
	c := t.Col(code)
	if c == nil || k >= len(t.Rows) || t.Rows[k] != row {
		return math.NaN()
	}
	return c[k]
}

// share returns the effective weight of code in the explained score for
// unit i and its contribution.
func (e *Explainer) share(i int, code string) (float64, float64) {
	y := e.scores.Col(code)[i]
	if math.IsNaN(y) {
		return 0, math.NaN()
	}
	ew := 1.0
	for c := code; c != e.code; c = e.fw.Node(c).Parent {
		a := e.aggInfo[e.fw.Node(c).Parent]
		k := slices.Index(a.Children, c)
		switch a.Method {
		case AggWSum:
			ew *= a.Weights[k]
		case AggAMean:
			var sw accumulator
			for j, ch := range a.Children {
				if !math.IsNaN(e.scores.Col(ch)[i]) {
					sw.add(a.Weights[j])
				}
			}
			ew *= a.Weights[k] / sw.value()
		default:
			return math.NaN(), math.NaN()
		}
	}
	return ew, ew * y
}

// scoreWith recomputes the explained score of unit i with indicator code at
// normalised value y, re-aggregating the path to the explained aggregate.
func (e *Explainer) scoreWith(i int, code string, y float64) (float64, error) {
	v := y
	for c := code; c != e.code; c = e.fw.Node(c).Parent {
		p := e.fw.Node(c).Parent
		a := e.aggInfo[p]
		xs := make([]float64, len(a.Children))
		for j, ch := range a.Children {
			if ch == c {
				xs[j] = v
			} else {
				xs[j] = e.scores.Col(ch)[i]
			}
		}
		spec := e.aggStep.AggSpec
		if sp, ok := e.aggStep.ByLevel[a.Level]; ok {
			spec = sp
		}
		spec.Method = a.Method
		var err error
		if v, err = AggregateRow(xs, a.Weights, spec); err != nil {
			return math.NaN(), err
		}
	}
	return v, nil
}

// solve finds the smallest single change in ie's indicator that reaches
// x.Boundary.
func (e *Explainer) solve(x *UnitExplanation, ie *IndicatorExplanation, i, row int) {
	y := ie.Normalised
	if math.IsNaN(y) {
		ie.Status, ie.Note = ChangeNoEffect, "missing and not counted in the score"
		return
	}
	spec := e.normStep.Default
	if sp, ok := e.normStep.ByCode[ie.Code]; ok {
		spec = sp
	}
	np := e.normParams[ie.Code]
	method := np.Method
	ub := normUpperBound(method, spec, np)
	if method == NormRatio && spec.Cap > 0 && y >= spec.Cap {
		ie.Status, ie.Note = ChangeCapped, fmt.Sprintf("capped: the ratio is already at its cap %g, so no change in this indicator can help", spec.Cap)
		return
	}
	// The normalised value needed.
	var yStar float64
	linear := !math.IsNaN(ie.EffectiveWeight)
	switch {
	case linear && ie.EffectiveWeight == 0:
		ie.Status, ie.Note = ChangeNoEffect, "weight 0"
		return
	case linear:
		yStar = y + x.Gap/ie.EffectiveWeight
	default:
		ys, ok, err := e.bisect(i, ie.Code, y, x.Boundary, ub)
		if err != nil {
			ie.Status, ie.Note = ChangeNotInvertible, indus.Message(err)
			return
		}
		if !ok {
			ie.Status, ie.Note = ChangeInsufficient, "no value of this indicator alone reaches the boundary"
			return
		}
		yStar = ys
	}
	if yStar > ub*(1+1e-12)+1e-12 {
		ie.Status = ChangeInsufficient
		if method == NormRatio {
			ie.Note = fmt.Sprintf("this indicator alone cannot do it: it would need a ratio of %.6g, above the cap %g", yStar, spec.Cap)
		} else {
			ie.Note = fmt.Sprintf("this indicator alone cannot do it: it would need a normalised value of %.6g, above the best possible %g", yStar, ub)
		}
		return
	}
	xStar, note := invertNorm(method, spec, np, yStar)
	if note != "" {
		ie.Status, ie.Note = ChangeNotInvertible, note
		return
	}
	raw, status, note := e.unwind(ie.Code, row, xStar)
	if status != "" {
		ie.Status, ie.Note = status, note
		return
	}
	ie.Status, ie.NeededRaw, ie.Change, ie.NeededNormalised = ChangeFound, raw, raw-ie.Raw, yStar
	ie.Note = fmt.Sprintf("normalised value %.6g needed (now %.6g)", yStar, y)
}

// bisect solves scoreWith(y*) = target for y* ≥ y on a monotone path.
func (e *Explainer) bisect(i int, code string, y, target, ub float64) (float64, bool, error) {
	f := func(v float64) (float64, error) { return e.scoreWith(i, code, v) }
	lo, hi := y, ub
	if math.IsInf(ub, 1) {
		step := math.Max(1, math.Abs(y))
		hi = y + step
		for k := 0; ; k++ {
			s, err := f(hi)
			if err != nil {
				return 0, false, err
			}
			if s >= target {
				break
			}
			if k == 200 {
				return 0, false, nil
			}
			step *= 2
			hi = y + step
		}
	} else {
		s, err := f(hi)
		if err != nil {
			return 0, false, err
		}
		if s < target {
			return 0, false, nil
		}
	}
	for k := 0; k < 200 && hi-lo > 1e-15*math.Max(1, math.Abs(hi)); k++ {
		mid := lo + (hi-lo)/2
		s, err := f(mid)
		if err != nil {
			return 0, false, err
		}
		if s >= target {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi, true, nil
}

// normUpperBound is the largest normalised value a method can give (+Inf
// when unbounded), with its parameters fixed.
func normUpperBound(method string, spec NormSpec, np NormParams) float64 {
	switch method {
	case NormMinMax:
		lo, hi := spec.Min, spec.Max
		if lo == 0 && hi == 0 {
			hi = 100
		}
		return math.Max(lo, hi)
	case NormDist2Max:
		return 1
	case NormFracMax:
		if np.Max > 0 {
			return 1
		}
	case NormGoalposts:
		if !spec.NoTrunc {
			scale := spec.Scale
			if scale == 0 {
				scale = 1
			}
			return scale
		}
	case NormRatio:
		if spec.Cap > 0 {
			return spec.Cap
		}
	case NormDist2Targ, NormDist2Ref:
		if spec.CapMax {
			return 1
		}
	}
	return math.Inf(1)
}

// invertNorm returns the value entering normalisation that gives the
// normalised value y, with the run's parameters; a non-empty note says why
// it cannot.
func invertNorm(method string, spec NormSpec, np NormParams, y float64) (float64, string) {
	d := float64(np.Direction)
	switch method {
	case NormMinMax:
		lo, hi := spec.Min, spec.Max
		if lo == 0 && hi == 0 {
			hi = 100
		}
		return ((y-lo)/(hi-lo)*(np.Max-np.Min) + np.Min) * d, ""
	case NormZScore:
		m, sd := spec.Mean, spec.SD
		if sd == 0 {
			sd = 1
		}
		return ((y-m)/sd*np.SD + np.Mean) * d, ""
	case NormDist2Max:
		return (np.Max - (1-y)*(np.Max-np.Min)) * d, ""
	case NormFracMax:
		if !(np.Max > 0) {
			return 0, "fraction of a non-positive maximum"
		}
		return y * np.Max * d, ""
	case NormGoalposts:
		scale := spec.Scale
		if scale == 0 {
			scale = 1
		}
		if np.Direction == -1 {
			return spec.Hi + y/scale*(spec.Lo-spec.Hi), ""
		}
		return spec.Lo + y/scale*(spec.Hi-spec.Lo), ""
	case NormScaled:
		scale := spec.Scale
		if scale == 0 {
			scale = 100
		}
		return (y/scale*(np.Max-np.Min) + np.Min) * d, ""
	case NormDist2Targ:
		if np.Direction == -1 {
			return (np.Max - y*(np.Max-np.Target)) * d, ""
		}
		return (np.Min + y*(np.Target-np.Min)) * d, ""
	case NormDist2Ref:
		return (np.Target - (1-y)*(np.Target-np.Min)) * d, ""
	case NormRatio:
		if np.Direction == -1 {
			if !(y > 0) {
				return 0, "a ratio of zero cannot be inverted"
			}
			return np.Benchmark / y, ""
		}
		return y * np.Benchmark, ""
	case NormNone:
		return y * d, ""
	}
	return 0, fmt.Sprintf("%s normalisation is rank-based and is not inverted", method)
}

// unwind maps a value entering normalisation back through the earlier
// steps (treat, impute, screen, denominate) to a raw value.
func (e *Explainer) unwind(code string, row int, v float64) (float64, string, string) {
	for _, s := range e.inverse {
		switch s.name {
		case "denominate":
			den, ok := s.den.Denominators[code]
			if !ok {
				continue
			}
			sf := e.fw.Node(code).ScaleFactor
			if sf == 0 {
				sf = 1
			}
			v = v * e.denominator(den, row) / sf
		case "treat":
			var status, note string
			v, status, note = e.untreat(s, code, row, v)
			if status != "" {
				return 0, status, note
			}
		}
	}
	return v, "", ""
}

// denominator returns the unit's value of denominator den.
func (e *Explainer) denominator(den string, row int) float64 {
	if e.data == nil {
		return math.NaN()
	}
	return e.data.Denominators[den][row]
}

// untreat inverts the outlier treatment of one column for one unit, with
// the run's parameters fixed: winsorising clamps values to the winsorised
// extremes, and the fallback transforms are inverted with the minimum and
// maximum of the values they were applied to.
func (e *Explainer) untreat(s inverseStep, code string, row int, v float64) (float64, string, string) {
	var tr *TreatRow
	for k := range s.treat.Rows {
		if s.treat.Rows[k].Code == code {
			tr = &s.treat.Rows[k]
		}
	}
	if tr == nil || tr.Untreated != "" || (!tr.Winsorised && tr.Transformed == "") {
		return v, "", ""
	}
	after := s.after.Col(code)
	points := s.treat.Points[code]
	k := sort.SearchInts(s.after.Rows, row)
	if tr.Transformed != "" {
		if tr.Winsorised && s.tstep.CombineTreat {
			return 0, ChangeNotInvertible, "winsorised and then transformed: not inverted"
		}
		base := s.before.Col(code)
		mn, mx := rMin(base), rMax(base)
		a := 0.01 * (mx - mn)
		mark := ""
		if points != nil && k < len(points) {
			mark = points[k]
		}
		switch {
		case tr.Transformed == FallbackLogCTOrig:
			return math.Exp(v) + mn - 1, "", ""
		case tr.Transformed == FallbackBoxCox:
			var y float64
			if s.tstep.Lambda == 0 {
				y = math.Exp(v)
			} else {
				y = math.Pow(v*s.tstep.Lambda+1, 1/s.tstep.Lambda)
			}
			return y + mn - 1, "", ""
		case mark == "log_CT_neg" || strings.HasSuffix(mark, "+log_CT_neg"):
			return mx + a - math.Exp(-v), "", ""
		default:
			return math.Exp(v) + mn - a, "", ""
		}
	}
	lo, hi := math.Inf(-1), math.Inf(1)
	for j, p := range points {
		switch p {
		case "winhi":
			hi = after[j]
		case "winlo":
			lo = after[j]
		}
	}
	if v > hi || v < lo {
		return 0, ChangeInsufficient, fmt.Sprintf("winsorised: the treated value stays within [%g, %g], so this indicator alone cannot do it", lo, hi)
	}
	return v, "", ""
}
