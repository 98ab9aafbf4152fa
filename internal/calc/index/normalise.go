package index

import (
	"math"

	"github.com/indus-platform/indus/internal/indus"
)

// Normalisation methods for NormSpec.Method.
const (
	// NormMinMax scales to [Min, Max] (COINr n_minmax).
	NormMinMax = "minmax"
	// NormZScore standardises to mean Mean and standard deviation SD (n_zscore).
	NormZScore = "zscore"
	// NormRank gives ranks, ties taking the minimum (n_rank).
	NormRank = "rank"
	// NormPRank gives percentile ranks (rank−1)/(n−1) (n_prank).
	NormPRank = "prank"
	// NormBorda gives Borda scores rank−1 (n_borda).
	NormBorda = "borda"
	// NormDist2Max is 1 − (max − x)/(max − min) (n_dist2max).
	NormDist2Max = "dist2max"
	// NormDist2Ref is 1 − (x_ref − x)/(x_ref − min) for a reference unit (n_dist2ref).
	NormDist2Ref = "dist2ref"
	// NormDist2Targ is the distance to a target (n_dist2targ).
	NormDist2Targ = "dist2targ"
	// NormFracMax is x / max (n_fracmax).
	NormFracMax = "fracmax"
	// NormGoalposts scales between two goalposts (n_goalposts).
	NormGoalposts = "goalposts"
	// NormScaled is (x − Lo)/(Hi − Lo) × Scale (n_scaled).
	NormScaled = "scaled"
	// NormRatio is x / benchmark, or benchmark / x for direction −1, for
	// benefit-per-mu scoring (Indus).
	NormRatio = "ratio"
	// NormNone leaves the values as they are, times the direction (COINr
	// f_n = "none").
	NormNone = "none"
)

// Benchmarks for the ratio normalisation.
const (
	// BenchmarkMean uses the mean of the values entering normalisation.
	BenchmarkMean = "mean"
	// BenchmarkMedian uses their median.
	BenchmarkMedian = "median"
	// BenchmarkValue uses NormSpec.Value.
	BenchmarkValue = "value"
)

// NormSpec specifies how to normalise one indicator. Only the fields of the
// chosen method matter; zero values take the defaults given per field.
type NormSpec struct {
	// Method is one of the Norm* constants ("" means minmax).
	Method string
	// Min and Max are the minmax target range (both zero means 0–100).
	Min, Max float64
	// Mean and SD are the zscore target mean and standard deviation (SD 0
	// means 1; with Mean 0 that is COINr's default m_sd = c(0, 1)).
	Mean, SD float64
	// Lo and Hi are the goalposts, or the scaled bounds.
	Lo, Hi float64
	// Scale multiplies goalposts (0 means 1) and scaled (0 means 100).
	Scale float64
	// NoTrunc keeps goalpost values outside [0, 1] (COINr trunc2posts = FALSE).
	NoTrunc bool
	// Target is the dist2targ target; nil takes the framework's Target.
	Target *float64
	// CapMax caps dist2targ and dist2ref scores at 1 (COINr cap_max).
	CapMax bool
	// RefUnit is the reference unit (uCode) for dist2ref.
	RefUnit string
	// Benchmark is the ratio benchmark: BenchmarkMean (default),
	// BenchmarkMedian or BenchmarkValue.
	Benchmark string
	// Value is the fixed benchmark for BenchmarkValue.
	Value float64
	// K multiplies the benchmark (0 means 1), e.g. 2 for "twice the mean".
	K float64
	// Cap bounds the ratio: min(ratio, Cap); 0 means no cap.
	Cap float64
}

// NormParams records the parameters a normalisation used for one column, so
// a unit's raw value can be traced to its normalised value.
type NormParams struct {
	// Method is the normalisation method used.
	Method string
	// Direction is the direction applied (±1).
	Direction int
	// Min, Max, Mean and SD are the statistics of the direction-adjusted
	// input, where the method uses them (NaN otherwise).
	Min, Max, Mean, SD float64
	// Benchmark is the ratio benchmark (k included); Target the dist2targ
	// target as passed to COINr's n_dist2targ (direction applied).
	Benchmark, Target float64
}

// Normalise brings indicators onto a common scale, as COINr's Normalise():
// each column is multiplied by its direction and passed to the method
// (goalposts and ratio read the raw values and take the direction as an
// argument). Every column of the current data set is normalised.
type Normalise struct {
	// Default is the method for every column not in ByCode (zero: minmax
	// 0–100).
	Default NormSpec
	// ByCode overrides Default per column (COINr indiv_specs).
	ByCode map[string]NormSpec
	// Directions overrides the framework's directions per code.
	Directions map[string]int
}

// NormaliseDetails records what Normalise did.
type NormaliseDetails struct {
	// Params has the parameters used per column.
	Params map[string]NormParams
}

// StepName implements Step.
func (Normalise) StepName() string { return "normalise" }

// StageName implements Step.
func (Normalise) StageName() string { return "Normalised" }

func (s Normalise) run(st *runState) (*StepRecord, error) {
	for code := range s.ByCode {
		if st.cur.Col(code) == nil {
			return nil, indus.Errorf(indus.EInvalid, "normalise: unknown column %q", code)
		}
	}
	for code, d := range s.Directions {
		if st.fw.Node(code) == nil {
			return nil, indus.Errorf(indus.EInvalid, "normalise: direction given for unknown code %q", code)
		}
		if d != 1 && d != -1 {
			return nil, indus.Errorf(indus.EInvalid, "normalise: direction of %q is %d (want 1 or -1)", code, d)
		}
	}
	t := st.cur.clone()
	det := &NormaliseDetails{Params: map[string]NormParams{}}
	for j, code := range t.Codes {
		spec := s.Default
		if sp, ok := s.ByCode[code]; ok {
			spec = sp
		}
		dir, target := 1, math.NaN()
		if n := st.fw.Node(code); n != nil {
			if n.Direction != 0 {
				dir = n.Direction
			}
			target = n.Target
		}
		if d, ok := s.Directions[code]; ok {
			dir = d
		}
		if spec.Target != nil {
			target = *spec.Target
		}
		ref := -1
		if spec.Method == NormDist2Ref {
			for i, u := range t.UCodes {
				if u == spec.RefUnit {
					ref = i
				}
			}
			if ref < 0 {
				return nil, indus.Errorf(indus.EInvalid, "normalise: reference unit %q for %q is not in the data", spec.RefUnit, code)
			}
		}
		out, p, err := NormaliseVector(t.Cols[j], dir, spec, target, ref)
		if err != nil {
			return nil, indus.Errorf(indus.EInvalid, "normalise %q: %s", code, indus.Message(err))
		}
		t.Cols[j] = out
		det.Params[code] = p
	}
	return &StepRecord{Data: t, Normalise: det}, nil
}

// NormaliseVector normalises one column with direction dir (±1) as COINr's
// Normalise.numeric does. target is the dist2targ target, used when
// spec.Target is nil (the framework's Target); ref is the index of the dist2ref
// reference unit. NaN stays NaN. A degenerate column gives NaN where COINr
// does (minmax and dist2max on an all-equal column divide 0 by 0).
func NormaliseVector(x []float64, dir int, spec NormSpec, target float64, ref int) ([]float64, NormParams, error) {
	if dir != 1 && dir != -1 {
		return nil, NormParams{}, indus.Errorf(indus.EInvalid, "direction %d (want 1 or -1)", dir)
	}
	method := spec.Method
	if method == "" {
		method = NormMinMax
	}
	nan := math.NaN()
	p := NormParams{Method: method, Direction: dir, Min: nan, Max: nan, Mean: nan, SD: nan, Benchmark: nan, Target: nan}
	d := float64(dir)
	xd := make([]float64, len(x))
	for i, v := range x {
		xd[i] = v * d
	}
	out := make([]float64, len(x))
	switch method {
	case NormMinMax:
		lo, hi := spec.Min, spec.Max
		if lo == 0 && hi == 0 {
			hi = 100
		}
		p.Min, p.Max = rMin(xd), rMax(xd)
		for i, v := range xd {
			out[i] = (v-p.Min)/(p.Max-p.Min)*(hi-lo) + lo
		}
	case NormZScore:
		m, sd := spec.Mean, spec.SD
		if sd == 0 {
			sd = 1
		}
		if sd < 0 {
			return nil, p, indus.Errorf(indus.EInvalid, "zscore sd must be positive")
		}
		p.Mean, p.SD = rMean(xd), rSD(xd)
		for i, v := range xd {
			out[i] = (v-p.Mean)/p.SD*sd + m
		}
	case NormRank, NormPRank, NormBorda:
		r := rankMin(xd)
		n := float64(countPresent(xd))
		for i, v := range r {
			switch method {
			case NormRank:
				out[i] = v
			case NormPRank:
				out[i] = (v - 1) / (n - 1)
			default:
				out[i] = v - 1
			}
		}
	case NormDist2Max:
		p.Min, p.Max = rMin(xd), rMax(xd)
		for i, v := range xd {
			out[i] = 1 - (p.Max-v)/(p.Max-p.Min)
		}
	case NormDist2Ref:
		if ref < 0 || ref >= len(xd) {
			return nil, p, indus.Errorf(indus.EInvalid, "dist2ref needs a reference unit in the data")
		}
		xref := xd[ref]
		p.Min = rMin(xd)
		p.Target = xref
		for i, v := range xd {
			y := 1 - (xref-v)/(xref-p.Min)
			if spec.CapMax && y > 1 {
				y = 1
			}
			out[i] = y
		}
	case NormDist2Targ:
		if spec.Target != nil {
			target = *spec.Target
		}
		if math.IsNaN(target) {
			return nil, p, indus.Errorf(indus.EInvalid, "dist2targ needs a target (none in the framework or the spec)")
		}
		// COINr 1.1.14 (Normalise with iMeta parameters) flips the target with
		// the direction and also passes the direction to n_dist2targ; the
		// fixture dist2targ_t5_dirneg pins this.
		tg := target * d
		p.Target = tg
		if dir == 1 {
			p.Min = rMin(xd)
			for i, v := range xd {
				out[i] = (v - p.Min) / (tg - p.Min)
			}
		} else {
			p.Max = rMax(xd)
			for i, v := range xd {
				out[i] = (p.Max - v) / (p.Max - tg)
			}
		}
		if spec.CapMax {
			for i, v := range out {
				if v > 1 {
					out[i] = 1
				}
			}
		}
	case NormFracMax:
		p.Max = rMax(xd)
		for i, v := range xd {
			out[i] = v / p.Max
		}
	case NormGoalposts:
		scale := spec.Scale
		if scale == 0 {
			scale = 1
		}
		if spec.Hi == spec.Lo {
			return nil, p, indus.Errorf(indus.EInvalid, "goalposts lo and hi are equal (%g)", spec.Lo)
		}
		p.Min, p.Max = spec.Lo, spec.Hi
		for i, v := range x {
			var y float64
			if dir == -1 {
				y = (v - spec.Hi) / (spec.Lo - spec.Hi)
			} else {
				y = (v - spec.Lo) / (spec.Hi - spec.Lo)
			}
			if !spec.NoTrunc {
				if y > 1 {
					y = 1
				} else if y < 0 {
					y = 0
				}
			}
			out[i] = y * scale
		}
	case NormScaled:
		scale := spec.Scale
		if scale == 0 {
			scale = 100
		}
		lo, hi := spec.Lo, spec.Hi
		if dir == -1 {
			// COINr's iMeta route: npara = (−upper, −lower) for direction −1.
			lo, hi = -spec.Hi, -spec.Lo
		}
		if hi == lo {
			return nil, p, indus.Errorf(indus.EInvalid, "scaled lo and hi are equal (%g)", spec.Lo)
		}
		p.Min, p.Max = lo, hi
		for i, v := range xd {
			out[i] = (v - lo) / (hi - lo) * scale
		}
	case NormRatio:
		k := spec.K
		if k == 0 {
			k = 1
		}
		var b float64
		switch spec.Benchmark {
		case "", BenchmarkMean:
			b = rMean(x)
		case BenchmarkMedian:
			b = rMedian(x)
		case BenchmarkValue:
			b = spec.Value
		default:
			return nil, p, indus.Errorf(indus.EInvalid, "unknown ratio benchmark %q (want mean, median or value)", spec.Benchmark)
		}
		b *= k
		p.Benchmark = b
		if b == 0 || math.IsNaN(b) || math.IsInf(b, 0) {
			return nil, p, indus.Errorf(indus.EInvalid, "ratio benchmark is %g; it must be a non-zero number", b)
		}
		if spec.Cap < 0 {
			return nil, p, indus.Errorf(indus.EInvalid, "ratio cap must not be negative")
		}
		for i, v := range x {
			var r float64
			if dir == -1 {
				r = b / v
			} else {
				r = v / b
			}
			if spec.Cap > 0 && r > spec.Cap {
				r = spec.Cap
			}
			out[i] = r
		}
	case NormNone:
		copy(out, xd)
	default:
		return nil, p, indus.Errorf(indus.EInvalid, "unknown normalisation method %q", method)
	}
	return out, p, nil
}
