package index

import (
	"math"
	"sort"

	"github.com/indus-platform/indus/internal/indus"
)

// Aggregation methods for AggSpec.Method.
const (
	// AggAMean is the weighted arithmetic mean Σwx/Σw over the children with
	// data (COINr a_amean).
	AggAMean = "amean"
	// AggGMean is the weighted geometric mean exp(Σw ln x/Σw) (a_gmean);
	// every value must be positive.
	AggGMean = "gmean"
	// AggHMean is the weighted harmonic mean Σw/Σ(w/x) (a_hmean); no value
	// may be zero.
	AggHMean = "hmean"
	// AggWSum is Σwx with the weights as given, missing children skipped;
	// missing only when every child is (Indus, for points-based schemes).
	AggWSum = "wsum"
	// AggCopeland is the Copeland score from the weighted outranking matrix
	// (a_copeland).
	AggCopeland = "copeland"
)

// AggSpec is how one level is aggregated.
type AggSpec struct {
	// Method is one of the Agg* constants ("" means amean).
	Method string
	// MinAvailability is COINr's dat_thresh: an aggregate is missing for a
	// unit whose share of children with data is below it (0: no threshold).
	// Copeland ignores it, as COINr's by_df aggregation does.
	MinAvailability float64
}

// Aggregate computes every aggregate level by level, from the level above the
// indicators up to the index, as COINr's Aggregate(). Each aggregate is a
// function of its children's values and weights.
type Aggregate struct {
	// Method and MinAvailability apply to every level not in ByLevel.
	AggSpec
	// ByLevel overrides the spec for the aggregates of a level (the key is
	// the level of the aggregate being computed, 2 = first aggregates).
	ByLevel map[int]AggSpec
	// Weights overrides the framework's weights per code.
	Weights map[string]float64
}

// AggInfo describes how one aggregate was computed.
type AggInfo struct {
	// Code is the aggregate's code.
	Code string
	// Level is its level.
	Level int
	// Method is the aggregation method used.
	Method string
	// Children are the aggregated codes.
	Children []string
	// Weights are the children's weights as used (before renormalisation).
	Weights []float64
	// Missing counts the units for which the aggregate is missing.
	Missing int
}

// AggregateDetails records what Aggregate did.
type AggregateDetails struct {
	// Aggregates lists the aggregates in the order computed.
	Aggregates []AggInfo
}

// StepName implements Step.
func (Aggregate) StepName() string { return "aggregate" }

// StageName implements Step.
func (Aggregate) StageName() string { return "Aggregated" }

func (s Aggregate) run(st *runState) (*StepRecord, error) {
	fw := st.fw
	for lev := range s.ByLevel {
		if lev < 2 || lev > fw.MaxLevel() {
			return nil, indus.Errorf(indus.EInvalid, "aggregate: by_level has level %d; aggregates are on levels 2 to %d", lev, fw.MaxLevel())
		}
	}
	for code, w := range s.Weights {
		n := fw.Node(code)
		if n == nil {
			return nil, indus.Errorf(indus.EInvalid, "aggregate: weight given for unknown code %q", code)
		}
		if math.IsNaN(w) || w < 0 {
			return nil, indus.Errorf(indus.EInvalid, "aggregate: weight of %q must be a non-negative number", code)
		}
	}
	// The aggregates are added to a table that shares the current columns:
	// steps never modify a column in place, so no copy is needed.
	t := st.cur.share()
	det := &AggregateDetails{}
	for lev := 2; lev <= fw.MaxLevel(); lev++ {
		spec := s.AggSpec
		if sp, ok := s.ByLevel[lev]; ok {
			spec = sp
		}
		if spec.Method == "" {
			spec.Method = AggAMean
		}
		if spec.MinAvailability < 0 || spec.MinAvailability > 1 {
			return nil, indus.Errorf(indus.EInvalid, "aggregate: min_availability must be between 0 and 1")
		}
		for _, code := range fw.Aggregates(lev) {
			node := fw.Node(code)
			info := AggInfo{Code: code, Level: lev, Method: spec.Method, Children: node.Children}
			cols := make([][]float64, len(node.Children))
			w := make([]float64, len(node.Children))
			for k, c := range node.Children {
				cols[k] = t.Col(c)
				if cols[k] == nil {
					return nil, indus.Errorf(indus.EInvalid, "aggregate %q: the data has no column %q", code, c)
				}
				w[k] = fw.Node(c).Weight
				if o, ok := s.Weights[c]; ok {
					w[k] = o
				}
			}
			info.Weights = w
			out, err := AggregateRows(cols, w, spec)
			if err != nil {
				return nil, indus.Errorf(indus.EInvalid, "aggregate %q: %s", code, indus.Message(err))
			}
			for _, v := range out {
				if math.IsNaN(v) {
					info.Missing++
				}
			}
			if t.Col(code) != nil {
				return nil, indus.Errorf(indus.EInvalid, "aggregate %q: the data already has a column with that code", code)
			}
			t.addCol(code, out)
			det.Aggregates = append(det.Aggregates, info)
		}
	}
	return &StepRecord{Data: t, Aggregate: det}, nil
}

// AggregateRows aggregates children columns (cols[k][i] is child k of unit i)
// with weights w into one value per unit.
func AggregateRows(cols [][]float64, w []float64, spec AggSpec) ([]float64, error) {
	n := 0
	if len(cols) > 0 {
		n = len(cols[0])
	}
	out := make([]float64, n)
	if err := AggregateRowsTo(out, cols, w, spec); err != nil {
		return nil, err
	}
	return out, nil
}

// AggregateRowsTo is AggregateRows writing into out, which has one entry per
// unit (the columns' length): a caller aggregating large data block by block
// keeps one output column rather than one slice per block.
func AggregateRowsTo(out []float64, cols [][]float64, w []float64, spec AggSpec) error {
	if len(cols) != len(w) {
		return indus.Errorf(indus.EInvalid, "%d columns but %d weights", len(cols), len(w))
	}
	if len(cols) == 0 {
		return indus.Errorf(indus.EInvalid, "no children to aggregate")
	}
	n := len(cols[0])
	for _, c := range cols {
		if len(c) != n {
			return indus.Errorf(indus.EInvalid, "children columns have different lengths")
		}
	}
	if len(out) != n {
		return indus.Errorf(indus.EInvalid, "%d outputs for %d units", len(out), n)
	}
	method := spec.Method
	if method == "" {
		method = AggAMean
	}
	if method == AggCopeland {
		copy(out, copeland(cols, w))
		return nil
	}
	if n < bulkMin {
		return aggregateBlock(cols, w, spec, out, 0, n)
	}
	// In parallel blocks; the error reported is that of the first row
	// failing, as in one pass.
	nb := (n + bulkBlock - 1) / bulkBlock
	errs := make([]error, nb)
	parallelFor(nb, func(b int) {
		errs[b] = aggregateBlock(cols, w, spec, out, b*bulkBlock, min((b+1)*bulkBlock, n))
	})
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// aggregateBlock aggregates rows lo … hi−1 into out. The arithmetic mean and
// the weighted sum, the per-mu methods, are written out here with the
// operations of AggregateRow in the same order, so the values are the same
// bit for bit; the other methods go through AggregateRow.
func aggregateBlock(cols [][]float64, w []float64, spec AggSpec, out []float64, lo, hi int) error {
	method := spec.Method
	if method == "" {
		method = AggAMean
	}
	K := len(cols)
	if method != AggAMean && method != AggWSum {
		xs := make([]float64, K)
		for i := lo; i < hi; i++ {
			for k := range cols {
				xs[k] = cols[k][i]
			}
			v, err := AggregateRow(xs, w, spec)
			if err != nil {
				return err
			}
			out[i] = v
		}
		return nil
	}
	w = w[:K]
	for i := lo; i < hi; i++ {
		avail := 0
		for k := range cols {
			if v := cols[k][i]; !math.IsNaN(v) {
				avail++
			}
		}
		if float64(avail)/float64(K) < spec.MinAvailability || avail == 0 {
			out[i] = math.NaN()
			continue
		}
		var s, c float64 // an accumulator, in registers
		if method == AggWSum {
			for k := range cols {
				if v := cols[k][i]; !math.IsNaN(v) {
					s, c = twoSum(s, c, float64(w[k]*v)) // rounded, never fused
				}
			}
		} else {
			var sw, cw float64
			for k := range cols {
				if v := cols[k][i]; !math.IsNaN(v) {
					sw, cw = twoSum(sw, cw, w[k])
				}
			}
			tw := sumValue(sw, cw)
			for k := range cols {
				if v := cols[k][i]; !math.IsNaN(v) {
					s, c = twoSum(s, c, float64(w[k]/tw*v))
				}
			}
		}
		out[i] = sumValue(s, c)
	}
	return nil
}

// AggregateRow aggregates one unit's children values x with weights w
// (COINr's a_amean, a_gmean, a_hmean, plus wsum), applying the availability
// threshold. Copeland needs all units and is not available here.
func AggregateRow(x, w []float64, spec AggSpec) (float64, error) {
	method := spec.Method
	if method == "" {
		method = AggAMean
	}
	avail := countPresent(x)
	if float64(avail)/float64(len(x)) < spec.MinAvailability {
		return math.NaN(), nil
	}
	if avail == 0 {
		return math.NaN(), nil
	}
	switch method {
	case AggAMean:
		var sw accumulator
		for k, v := range x {
			if !math.IsNaN(v) {
				sw.add(w[k])
			}
		}
		tw := sw.value()
		var s accumulator
		for k, v := range x {
			if !math.IsNaN(v) {
				s.add(float64(w[k] / tw * v)) // rounded, never fused into the sum
			}
		}
		return s.value(), nil
	case AggGMean:
		var sw, s accumulator
		for k, v := range x {
			if math.IsNaN(v) {
				continue
			}
			if v <= 0 {
				return 0, indus.Errorf(indus.EInvalid, "geometric mean of a zero or negative value (%g); normalise to positive values first or use another method", v)
			}
			sw.add(w[k])
			s.add(w[k] * math.Log(v))
		}
		return math.Exp(s.value() / sw.value()), nil
	case AggHMean:
		var sw, s accumulator
		for k, v := range x {
			if math.IsNaN(v) {
				continue
			}
			if v == 0 {
				return 0, indus.Errorf(indus.EInvalid, "harmonic mean of a zero value; normalise to remove zeros first or use another method")
			}
			sw.add(w[k])
			s.add(w[k] / v)
		}
		return sw.value() / s.value(), nil
	case AggWSum:
		var s accumulator
		for k, v := range x {
			if !math.IsNaN(v) {
				s.add(float64(w[k] * v))
			}
		}
		return s.value(), nil
	case AggCopeland:
		return 0, indus.Errorf(indus.EInvalid, "copeland aggregates whole columns, not one row")
	}
	return 0, indus.Errorf(indus.EInvalid, "unknown aggregation method %q (want amean, gmean, hmean, wsum or copeland)", method)
}

// copeland is COINr's a_copeland: with weights normalised to sum to 1, the
// outranking score of unit i over j is the weight of the children where i is
// higher plus half the weight where they tie (children missing for either
// unit count for neither); the lower triangle is 1 minus the upper one. Scores
// above 0.5 count +1, below −1, equal 0; a unit's score is the row sum.
func copeland(cols [][]float64, w []float64) []float64 {
	n := len(cols[0])
	var sw accumulator
	for _, v := range w {
		if !math.IsNaN(v) {
			sw.add(v)
		}
	}
	tw := sw.value()
	wn := make([]float64, len(w))
	for k, v := range w {
		wn[k] = v / tw
	}
	score := make([]float64, n)
	gt := make([]float64, 0, len(cols))
	eq := make([]float64, 0, len(cols))
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			gt, eq = gt[:0], eq[:0]
			for k := range cols {
				a, b := cols[k][i], cols[k][j]
				if math.IsNaN(a) || math.IsNaN(b) {
					continue
				}
				if a > b {
					gt = append(gt, wn[k])
				} else if a == b {
					eq = append(eq, wn[k])
				}
			}
			// R: sum(sum(w[gt]), sum(w[eq])/2)
			var agt, aeq accumulator
			for _, v := range gt {
				agt.add(v)
			}
			for _, v := range eq {
				aeq.add(v)
			}
			var tot accumulator
			tot.add(agt.value())
			tot.add(aeq.value() / 2)
			o := tot.value()
			score[i] += sign05(o)
			score[j] += sign05(1 - o)
		}
	}
	return score
}

func sign05(o float64) float64 {
	switch {
	case o > 0.5:
		return 1
	case o < 0.5:
		return -1
	}
	return 0
}

// sortedLevels returns the keys of m in ascending order.
func sortedLevels(m map[int]AggSpec) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}
