package index

import (
	"fmt"

	"github.com/indus-platform/indus/internal/indus"
)

// Step is one construction step. The concrete steps are Denominate, Impute,
// Screen, Treat, Normalise, Aggregate and Classify; a Pipeline runs them in
// the order given.
type Step interface {
	// StepName is the step's name ("denominate", "impute", ...).
	StepName() string
	// StageName is the name of the data set the step writes, as in COINr
	// ("Denominated", "Imputed", ...).
	StageName() string
	run(st *runState) (*StepRecord, error)
}

// Pipeline is an ordered list of steps. Each step is optional; the typical
// order is the COINr one: Denominate, Impute, Screen, Treat, Normalise,
// Aggregate, then Classify.
type Pipeline struct {
	// Steps run in order; every step reads the previous stage's table.
	Steps []Step
}

// StepRecord is what one step produced: the data set it wrote (kept, like
// COINr's .$Data) and the details of the step. Exactly one details field is
// set, the one matching Step; Raw has none.
type StepRecord struct {
	// Step is the step name ("raw" for the first record).
	Step string
	// Stage is the data set name: Raw, Denominated, Imputed, Screened,
	// Treated, Normalised, Aggregated (Classify leaves the data unchanged and
	// its stage is "Classified").
	Stage string
	// Data is the stage's data set.
	Data *Table

	// Denominate is set by the denominate step.
	Denominate *DenominateDetails
	// Impute is set by the impute step.
	Impute *ImputeDetails
	// Screen is set by the screen step.
	Screen *ScreenDetails
	// Treat is set by the treat step.
	Treat *TreatDetails
	// Normalise is set by the normalise step.
	Normalise *NormaliseDetails
	// Aggregate is set by the aggregate step.
	Aggregate *AggregateDetails
	// Classify is set by the classify step.
	Classify *ClassifyDetails
}

// Result holds every stage of a run and the final scores, ranks and classes.
type Result struct {
	// Framework is the framework the run used.
	Framework *Framework
	// Stages lists the records in order: Raw first, then one per step.
	Stages []*StepRecord
	// Scores is the last stage's data set (after aggregation: the normalised
	// indicators plus every aggregate).
	Scores *Table
	// Ranks holds, for every aggregate column of Scores, the rank of each unit
	// (1 = best; ties take the minimum rank; 0 = no score).
	Ranks map[string][]int
	// Classes is the last Classify step's outcome, or nil.
	Classes *ClassifyDetails
}

// Stage returns the data set of the named stage ("Raw", "Treated", ...), or
// nil. When a stage name repeats, the last one wins.
func (r *Result) Stage(name string) *Table {
	for i := len(r.Stages) - 1; i >= 0; i-- {
		if r.Stages[i].Stage == name {
			return r.Stages[i].Data
		}
	}
	return nil
}

// Record returns the record of the named step ("treat", "screen", ...), or
// nil; the last one wins.
func (r *Result) Record(step string) *StepRecord {
	for i := len(r.Stages) - 1; i >= 0; i-- {
		if r.Stages[i].Step == step {
			return r.Stages[i]
		}
	}
	return nil
}

// runState is what steps read and write.
type runState struct {
	fw  *Framework
	d   *Dataset
	cur *Table
	res *Result

	// ranked is RankDesc of the column rankedCode of the table rankedOf,
	// kept by Classify for the final ranks (one sort instead of two).
	rankedOf   *Table
	rankedCode string
	ranked     []int
}

// ranksOf returns RankDesc of column code of t, computing it once per run
// for the last table and code asked. The slice is shared: do not modify it.
func (st *runState) ranksOf(t *Table, code string) []int {
	if st.rankedOf == t && st.rankedCode == code && st.ranked != nil {
		return st.ranked
	}
	r := RankDesc(t.Col(code))
	st.rankedOf, st.rankedCode, st.ranked = t, code, r
	return r
}

// Run validates the data against the framework and runs the steps. The input
// Dataset is not modified.
func (p Pipeline) Run(fw *Framework, d *Dataset) (*Result, error) {
	if fw == nil || d == nil {
		return nil, indus.Errorf(indus.EInvalid, "index: nil framework or data")
	}
	if err := d.Validate(fw); err != nil {
		return nil, err
	}
	rows := make([]int, d.Len())
	for i := range rows {
		rows[i] = i
	}
	raw := newTable(append([]string(nil), d.UCodes...), rows)
	codes := fw.Indicators()
	cols := make([][]float64, len(codes))
	copyCol := func(j int) { cols[j] = append([]float64(nil), d.Indicators[codes[j]]...) }
	if d.Len() >= bulkMin {
		parallelFor(len(codes), copyCol)
	} else {
		for j := range codes {
			copyCol(j)
		}
	}
	for j, code := range codes {
		raw.addCol(code, cols[j])
	}
	res := &Result{Framework: fw}
	res.Stages = append(res.Stages, &StepRecord{Step: "raw", Stage: "Raw", Data: raw})
	st := &runState{fw: fw, d: d, cur: raw, res: res}
	for i, s := range p.Steps {
		if s == nil {
			return nil, indus.Errorf(indus.EInvalid, "index: step %d is nil", i+1)
		}
		rec, err := s.run(st)
		if err != nil {
			return nil, fmt.Errorf("index: step %d (%s): %w", i+1, s.StepName(), err)
		}
		rec.Step, rec.Stage = s.StepName(), s.StageName()
		res.Stages = append(res.Stages, rec)
		st.cur = rec.Data
		if rec.Classify != nil {
			res.Classes = rec.Classify
		}
	}
	res.Scores = st.cur
	res.Ranks = map[string][]int{}
	for _, code := range fw.Aggregates(0) {
		if st.cur.Col(code) != nil {
			res.Ranks[code] = st.ranksOf(st.cur, code)
		}
	}
	return res, nil
}

// DefaultPipeline is COINr's example pipeline for the ASEM index, which is
// also what `indus index` runs without a pipeline file: denominate by the
// meta's Denominator column; impute with the group mean by EurAsia_group;
// screen out units with data availability below 0.9; treat outliers
// (winsorise up to 5 points while |skew| > 2 and kurtosis > 3.5, log_CT
// fallback); normalise min-max to [0, 100]; aggregate with the weighted
// arithmetic mean at every level.
func DefaultPipeline() Pipeline {
	return Pipeline{Steps: []Step{
		Denominate{},
		Impute{Method: ImputeGroupMean, Group: "EurAsia_group"},
		Screen{MinAvailability: 0.9},
		Treat{},
		Normalise{},
		Aggregate{},
	}}
}

// RankDesc ranks scores from best (highest, rank 1) to worst: R's
// rank(-x, ties.method = "min"); a NaN score gets rank 0.
func RankDesc(x []float64) []int {
	return minRanks(x, true)
}
