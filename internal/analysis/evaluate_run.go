package analysis

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/refdata"
	"github.com/indus-platform/indus/internal/store"
)

// Evaluate runs a scheme on the store's facts of one year and records the
// run (scheme snapshot, data version, input hash, user, seed) with every
// enterprise, park and unit result. The run is immutable.
func Evaluate(ctx context.Context, st *store.Store, opts EvaluateOptions) (store.EvaluationRun, *Evaluation, error) {
	if opts.Scheme == nil {
		return store.EvaluationRun{}, nil, indus.Errorf(indus.EInvalid, "evaluate: no scheme")
	}
	if opts.Year < 1900 || opts.Year > 9999 {
		return store.EvaluationRun{}, nil, indus.Errorf(indus.EInvalid, "evaluate: %d is not a year", opts.Year)
	}
	if opts.Seed > math.MaxInt64 {
		return store.EvaluationRun{}, nil, indus.Errorf(indus.EInvalid, "evaluate: the seed must be below 2^63")
	}
	version, err := st.DataVersion(ctx)
	if err != nil {
		return store.EvaluationRun{}, nil, err
	}
	var facts []store.EvaluationFact
	if err := st.EvaluationFacts(ctx, opts.Year, func(f *store.EvaluationFact) error {
		facts = append(facts, *f)
		return nil
	}); err != nil {
		return store.EvaluationRun{}, nil, err
	}
	if len(facts) == 0 {
		return store.EvaluationRun{}, nil, indus.Errorf(indus.EInvalid, "there are no annual facts for %d; import them first ('indus import')", opts.Year)
	}
	ev, err := ScoreFacts(ctx, facts, opts)
	if err != nil {
		return store.EvaluationRun{}, nil, err
	}
	run := ev.RunRecord(opts, version, InputSHA256(opts.Year, facts))
	if _, err := st.SaveEvaluation(ctx, &run, func(w *store.EvaluationWriter) error {
		for i := range ev.Firms {
			r := ev.EnterpriseResult(i)
			if err := w.Enterprise(&r); err != nil {
				return err
			}
		}
		for _, areas := range [][]*Area{ev.Units, ev.Parks} {
			for _, a := range areas {
				r, cc := ev.AreaResult(a)
				if err := w.Area(&r, cc); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		return run, ev, err
	}
	return run, ev, nil
}

// RunRecord describes the evaluation as a run to record.
func (ev *Evaluation) RunRecord(opts EvaluateOptions, dataBatch int64, inputSHA string) store.EvaluationRun {
	s := ev.Scheme
	run := store.EvaluationRun{SchemeID: s.ID, SchemeVersion: s.Version, SchemeNameZh: s.NameZh, SchemeNameEn: s.NameEn,
		SchemeYAML: string(s.YAML()), Year: ev.Year, DataBatch: dataBatch, InputSHA256: inputSHA, User: opts.User,
		Seed: int64(opts.Seed), UncertaintyRuns: opts.Uncertainty, Notes: ev.Notes}
	if run.Notes == nil {
		run.Notes = []string{}
	}
	for j, ind := range s.Indicators {
		st := ev.Indicators[j]
		b := s.BenchmarkOf(ind)
		run.Indicators = append(run.Indicators, store.EvaluationIndicator{Position: j + 1, Indicator: ind.ID, NameZh: ind.NameZh,
			NameEn: ind.NameEn, Unit: ind.Unit, Weight: ind.Weight, MissingRule: ind.MissingRule(), BenchmarkRule: benchmarkLabel(b),
			Benchmark: evalNum(st.Benchmark), UnitBenchmark: evalNum(st.UnitBenchmark), ParkBenchmark: evalNum(st.ParkBenchmark), Cap: b.Cap,
			Reported: int64(st.Reported), Mean: evalNum(st.Mean), Median: evalNum(st.Median), Aggregate: evalNum(st.Aggregate)})
	}
	return run
}

// benchmarkLabel writes a rule as "mean", "2×mean" or "value 24.097".
func benchmarkLabel(b refdata.BenchmarkRule) string {
	l := b.Rule
	if b.Rule == refdata.BenchmarkValue {
		l += " " + strconv.FormatFloat(b.Value, 'g', -1, 64)
	}
	if b.K != 1 && b.K != 0 {
		l = strconv.FormatFloat(b.K, 'g', -1, 64) + "×" + l
	}
	return l
}

// num is a stored number: nil for NaN.
func evalNum(v float64) *float64 {
	if math.IsNaN(v) {
		return nil
	}
	return &v
}

func evalRank(r int) *int {
	if r <= 0 {
		return nil
	}
	return &r
}

// EnterpriseResult is firm i's result row with its items.
func (ev *Evaluation) EnterpriseResult(i int) store.EnterpriseResult {
	s := ev.Scheme
	f := ev.Firms[i]
	r := store.EnterpriseResult{USCC: f.USCC, Name: f.Name, UnitCode: f.UnitCode, Park: f.Park, IndustryCode: f.IndustryCode,
		AboveSize: ev.AboveSize[i], LandMu: evalNum(f.LandMu), Electricity: evalNum(f.ElectricityKWh), Score: evalNum(ev.Score[i]),
		Rank: evalRank(ev.Rank[i]), RankAll: evalRank(ev.RankAll[i]), Class: ev.Class[i], Capped: ev.Capped[i]}
	codes, en, zh := ev.reasons(ev.Flags[i])
	if math.IsNaN(ev.Score[i]) {
		codes, en, zh = append(codes, "no_score"), append(en, "no indicator reported"), append(zh, "无任何指标数据")
	}
	r.ReasonCode, r.ReasonEn, r.ReasonZh = strings.Join(codes, ";"), strings.Join(en, "; "), strings.Join(zh, "；")
	if p, ok := s.Policy(r.Class); ok {
		r.Surcharge, r.WaterPct, r.LandTaxRelief = evalNum(p.ElectricitySurcharge), evalNum(p.WaterSurchargePct), evalNum(p.LandUseTaxReliefPct)
		r.SurchargeYuan = evalNum(p.ElectricitySurcharge * f.ElectricityKWh)
	}
	if u := ev.Uncertainty; u != nil {
		uu := u.Units[i]
		r.MedianRank, r.RankQ05, r.RankQ95 = evalNum(uu.MedianRank), evalNum(uu.Q05Rank), evalNum(uu.Q95Rank)
		r.ClassProbs = ev.classProbs(uu.ClassProb)
	}
	r.Items = make([]store.ItemResult, len(s.Indicators))
	for j, ind := range s.Indicators {
		it := store.ItemResult{Position: j + 1, Indicator: ind.ID, Numerator: evalNum(ev.nums[j][i]), Denominator: evalNum(ev.dens[j][i]), Value: evalNum(ev.Values[j][i]),
			Ratio: evalNum(ev.Ratios[j][i]), Points: evalNum(ev.Points[j][i])}
		if math.IsNaN(ev.Values[j][i]) {
			it.Missing = ind.MissingRule()
		}
		r.Items[j] = it
	}
	if ev.Explain != nil {
		ev.explainInto(&r, i)
	}
	return r
}

// classProbs renders the class probabilities as JSON in the scheme's class
// order, the unrated label last (its probability is the runs in which the
// firm had no class).
func (ev *Evaluation) classProbs(p []float64) string {
	var b strings.Builder
	b.WriteByte('{')
	rest := 1.0
	for k, c := range ev.Uncertainty.Classes {
		fmt.Fprintf(&b, "%q:%s,", c, evalShare(p[k]))
		rest -= p[k]
	}
	if rest < 1e-12 {
		rest = 0
	}
	fmt.Fprintf(&b, "%q:%s}", ev.unrated, evalShare(rest))
	return b.String()
}

// explainInto fills the next class, the boundary, the explanation text and
// every item's single-indicator change from the engine's explanation.
func (ev *Evaluation) explainInto(r *store.EnterpriseResult, i int) {
	s := ev.Scheme
	x := ev.Explain[i]
	r.NextClass, r.Boundary, r.Gap = x.NextClass, evalNum(x.Boundary), evalNum(x.Gap)
	best, bestRel := -1, math.Inf(1)
	for j, ie := range x.Indicators {
		it := &r.Items[j]
		ind := s.Indicators[j]
		it.Status, it.Note = ie.Status, ie.Note
		if ie.Status != "ok" {
			continue
		}
		it.NeededValue, it.Change = evalNum(ie.NeededRaw), evalNum(ie.Change)
		if d := ev.dens[j][i]; d > 0 {
			it.NeededNumerator = evalNum(ie.NeededRaw / ind.ScaleOf() * d)
		}
		if v := ev.Values[j][i]; v > 0 && ie.Change >= 0 {
			if rel := ie.Change / v; rel < bestRel {
				best, bestRel = j, rel
			}
		}
	}
	text := x.Note
	if x.NextClass != "" {
		text = fmt.Sprintf("score %.4g, %.4g short of class %s; %s", x.Score, x.Gap, x.NextClass, x.Note)
	}
	if best >= 0 {
		ind := s.Indicators[best]
		r.BestIndicator, r.BestChangePct = ind.ID, evalNum(100*bestRel)
		text += fmt.Sprintf("; smallest single change: %s from %.4g to %.4g %s (+%.1f %%)", ind.NameEn, ev.Values[best][i],
			*r.Items[best].NeededValue, ind.Unit, 100*bestRel)
	}
	r.Explanation = text
}

// AreaResult is an area's result row and its class counts as JSON.
func (ev *Evaluation) AreaResult(a *Area) (store.AreaResult, string) {
	r := store.AreaResult{Level: a.Level, Code: a.Code, Name: a.Name, UnitCode: a.UnitCode, Enterprises: int64(len(a.Firms)),
		Rated: int64(a.Rated), LandMu: evalNum(a.LandMu), Score: evalNum(a.Score), Rank: evalRank(a.Rank), ClassCounts: map[string]int64{}}
	for k, v := range a.ClassCounts {
		r.ClassCounts[k] = int64(v)
	}
	for j, ind := range ev.Scheme.Indicators {
		r.Items = append(r.Items, store.AreaItem{Position: j + 1, Indicator: ind.ID, Numerator: evalNum(a.Num[j]), Denominator: evalNum(a.Den[j]),
			Value: evalNum(a.Value[j]), Ratio: evalNum(a.Ratio[j]), Points: evalNum(a.Points[j])})
	}
	cc, _ := json.Marshal(a.ClassCounts) // map keys sorted: deterministic
	return r, string(cc)
}
