package index

import (
	"math"
	"sort"

	"github.com/indus-platform/indus/internal/indus"
)

// Denominate divides indicators by a denominator, as COINr's Denominate():
// x / d × ScaleFactor, with the denominator named in the meta's Denominator
// column. A missing denominator value gives a missing result; a zero
// denominator is an error naming the unit.
type Denominate struct {
	// By overrides the framework's Denominator column: indicator code →
	// denominator name, "" to leave the indicator as it is. Indicators not in
	// By use the framework.
	By map[string]string
}

// DenominateDetails records what Denominate did.
type DenominateDetails struct {
	// Denominators maps each denominated indicator to its denominator.
	Denominators map[string]string
}

// StepName implements Step.
func (Denominate) StepName() string { return "denominate" }

// StageName implements Step.
func (Denominate) StageName() string { return "Denominated" }

func (s Denominate) run(st *runState) (*StepRecord, error) {
	t := st.cur.clone()
	det := &DenominateDetails{Denominators: map[string]string{}}
	for code := range s.By {
		if n := st.fw.Node(code); n == nil || !n.Indicator {
			return nil, indus.Errorf(indus.EInvalid, "denominate: unknown indicator %q", code)
		}
	}
	for j, code := range t.Codes {
		n := st.fw.Node(code)
		if n == nil || !n.Indicator {
			continue
		}
		den := n.Denominator
		if o, ok := s.By[code]; ok {
			den = o
		}
		if den == "" {
			continue
		}
		dv, ok := st.d.Denominators[den]
		if !ok {
			return nil, indus.Errorf(indus.EInvalid, "denominate: indicator %q needs denominator %q, which the data does not have", code, den)
		}
		sf := n.ScaleFactor
		if sf == 0 {
			sf = 1
		}
		col := t.Cols[j]
		for i, row := range t.Rows {
			d := dv[row]
			if d == 0 {
				return nil, indus.Errorf(indus.EInvalid, "denominate: unit %q has a zero %s (denominator of %q)", t.UCodes[i], den, code)
			}
			col[i] = col[i] / d * sf
		}
		det.Denominators[code] = den
	}
	return &StepRecord{Data: t, Denominate: det}, nil
}

// Imputation methods for Impute.Method.
const (
	// ImputeMean replaces a missing value by the indicator's mean (COINr i_mean).
	ImputeMean = "mean"
	// ImputeMedian replaces it by the indicator's median (i_median).
	ImputeMedian = "median"
	// ImputeGroupMean replaces it by the mean over the unit's group (i_mean_grp).
	ImputeGroupMean = "group_mean"
	// ImputeGroupMedian replaces it by the median over the unit's group (i_median_grp).
	ImputeGroupMedian = "group_median"
)

// Impute fills missing values column by column, as COINr's Impute() with
// impute_by = "column". Group methods use the group column named by Group;
// units with an empty group label are left alone (COINr skip_f_na), and a
// column or group with no data at all stays missing.
type Impute struct {
	// Method is one of ImputeMean, ImputeMedian, ImputeGroupMean,
	// ImputeGroupMedian.
	Method string
	// Group names the grouping column for the group methods.
	Group string
}

// ImputeDetails records what Impute did.
type ImputeDetails struct {
	// Imputed counts the values filled per column.
	Imputed map[string]int
	// Remaining counts the values still missing after imputation.
	Remaining int
}

// StepName implements Step.
func (Impute) StepName() string { return "impute" }

// StageName implements Step.
func (Impute) StageName() string { return "Imputed" }

func (s Impute) run(st *runState) (*StepRecord, error) {
	var labels []string
	switch s.Method {
	case ImputeMean, ImputeMedian:
	case ImputeGroupMean, ImputeGroupMedian:
		g, ok := st.d.Groups[s.Group]
		if s.Group == "" || !ok {
			return nil, indus.Errorf(indus.EInvalid, "impute: %s needs a group column; %q is not one of the data's group columns", s.Method, s.Group)
		}
		labels = make([]string, st.cur.NumUnits())
		for i, row := range st.cur.Rows {
			labels[i] = g[row]
		}
	default:
		return nil, indus.Errorf(indus.EInvalid, "impute: unknown method %q (want mean, median, group_mean or group_median)", s.Method)
	}
	// Only the columns with missing values are copied and filled; the others
	// are shared with the previous stage (no step modifies a column in
	// place). On large data the columns are filled in parallel.
	t := st.cur.share()
	det := &ImputeDetails{Imputed: map[string]int{}}
	stat := rMean
	if s.Method == ImputeMedian || s.Method == ImputeGroupMedian {
		stat = rMedian
	}
	before := make([]int, len(t.Codes))
	after := make([]int, len(t.Codes))
	one := func(j int) {
		col := t.Cols[j]
		before[j] = len(col) - countPresent(col)
		if before[j] == 0 {
			return
		}
		col = append([]float64(nil), col...)
		t.Cols[j] = col
		if labels == nil {
			fill := stat(col)
			for i, v := range col {
				if math.IsNaN(v) {
					col[i] = fill
				}
			}
		} else {
			imputeByGroup(col, labels, stat)
		}
		after[j] = len(col) - countPresent(col)
	}
	if t.NumUnits() >= bulkMin {
		parallelFor(len(t.Codes), one)
	} else {
		for j := range t.Codes {
			one(j)
		}
	}
	for j, code := range t.Codes {
		if before[j] == 0 {
			continue
		}
		if before[j]-after[j] > 0 {
			det.Imputed[code] = before[j] - after[j]
		}
		det.Remaining += after[j]
	}
	return &StepRecord{Data: t, Impute: det}, nil
}

// imputeByGroup fills NaN in col with stat over the unit's group.
func imputeByGroup(col []float64, labels []string, stat func([]float64) float64) {
	members := map[string][]int{}
	var order []string
	for i, l := range labels {
		if l == "" {
			continue
		}
		if _, ok := members[l]; !ok {
			order = append(order, l)
		}
		members[l] = append(members[l], i)
	}
	buf := make([]float64, 0, len(col))
	for _, l := range order {
		idx := members[l]
		buf = buf[:0]
		missing := false
		for _, i := range idx {
			buf = append(buf, col[i])
			missing = missing || math.IsNaN(col[i])
		}
		if !missing {
			continue
		}
		fill := stat(buf)
		for _, i := range idx {
			if math.IsNaN(col[i]) {
				col[i] = fill
			}
		}
	}
}

// Screening rules for Screen.By.
const (
	// ScreenByNA drops units whose data availability is below MinAvailability.
	ScreenByNA = "na"
	// ScreenByZeros drops units whose share of non-zero values is below MinNonZero.
	ScreenByZeros = "zeros"
	// ScreenByNAOrZeros drops units failing either rule.
	ScreenByNAOrZeros = "na_or_zeros"
)

// Screen drops units with too little data, as COINr's Screen(). Data
// availability is 1 − #missing ÷ #columns; the non-zero share is 1 − #zeros ÷
// #non-missing columns.
type Screen struct {
	// MinAvailability is COINr's dat_thresh: units with availability below it
	// are dropped (0 keeps every unit; COINr's own default is 2/3).
	MinAvailability float64
	// MinNonZero is COINr's nonzero_thresh (0 means COINr's default 0.05).
	MinNonZero float64
	// By is ScreenByNA (the default when empty), ScreenByZeros or
	// ScreenByNAOrZeros.
	By string
	// Force overrides the rules: uCode → true to keep, false to drop.
	Force map[string]bool
}

// ScreenRow is one unit's line of the screening summary (COINr's
// DataSummary).
type ScreenRow struct {
	// UCode is the unit.
	UCode string
	// NMissing is the number of missing values.
	NMissing int
	// NZero is the number of zeros.
	NZero int
	// NMissingOrZero is NMissing + NZero.
	NMissingOrZero int
	// DatAvail is the share of columns with data.
	DatAvail float64
	// NonZero is the share of non-zero values among the columns with data
	// (NaN when the unit has no data).
	NonZero float64
	// LowData is DatAvail < MinAvailability.
	LowData bool
	// LowNonZero is NonZero < MinNonZero (false when NonZero is NaN).
	LowNonZero bool
	// LowDataOrZero is LowData || LowNonZero.
	LowDataOrZero bool
	// Included tells whether the unit stays.
	Included bool
}

// ScreenDetails records what Screen did.
type ScreenDetails struct {
	// Summary has one row per unit that entered the step.
	Summary []ScreenRow
	// Removed lists the dropped units.
	Removed []string
}

// StepName implements Step.
func (Screen) StepName() string { return "screen" }

// StageName implements Step.
func (Screen) StageName() string { return "Screened" }

func (s Screen) run(st *runState) (*StepRecord, error) {
	by := s.By
	if by == "" {
		by = ScreenByNA
	}
	if by != ScreenByNA && by != ScreenByZeros && by != ScreenByNAOrZeros {
		return nil, indus.Errorf(indus.EInvalid, "screen: unknown rule %q (want na, zeros or na_or_zeros)", s.By)
	}
	if s.MinAvailability < 0 || s.MinAvailability > 1 || s.MinNonZero < 0 || s.MinNonZero > 1 {
		return nil, indus.Errorf(indus.EInvalid, "screen: thresholds must be between 0 and 1")
	}
	nz := s.MinNonZero
	if nz == 0 {
		nz = 0.05
	}
	t := st.cur
	known := map[string]bool{}
	for _, u := range t.UCodes {
		known[u] = true
	}
	forced := make([]string, 0, len(s.Force))
	for u := range s.Force {
		forced = append(forced, u)
	}
	sort.Strings(forced)
	for _, u := range forced {
		if !known[u] {
			return nil, indus.Errorf(indus.EInvalid, "screen: forced unit %q is not in the data", u)
		}
	}
	ncol := len(t.Codes)
	det := &ScreenDetails{Summary: make([]ScreenRow, t.NumUnits())}
	keep := make([]bool, t.NumUnits())
	for i, u := range t.UCodes {
		r := ScreenRow{UCode: u}
		for j := range t.Codes {
			v := t.Cols[j][i]
			if math.IsNaN(v) {
				r.NMissing++
			} else if v == 0 {
				r.NZero++
			}
		}
		r.NMissingOrZero = r.NMissing + r.NZero
		r.DatAvail = 1 - float64(r.NMissing)/float64(ncol)
		r.NonZero = 1 - float64(r.NZero)/float64(ncol-r.NMissing)
		r.LowData = r.DatAvail < s.MinAvailability
		r.LowNonZero = r.NonZero < nz // false for NaN
		r.LowDataOrZero = r.LowData || r.LowNonZero
		switch by {
		case ScreenByNA:
			r.Included = !r.LowData
		case ScreenByZeros:
			r.Included = !r.LowNonZero && !math.IsNaN(r.NonZero)
		default:
			r.Included = !r.LowDataOrZero && !math.IsNaN(r.NonZero)
		}
		if f, ok := s.Force[u]; ok {
			r.Included = f
		}
		keep[i] = r.Included
		if !r.Included {
			det.Removed = append(det.Removed, u)
		}
		det.Summary[i] = r
	}
	return &StepRecord{Data: t.subset(keep), Screen: det}, nil
}
