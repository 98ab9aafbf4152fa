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
	// Every column is replaced, so the new table starts without copies of
	// the old ones; on large data the columns are normalised in parallel.
	cur := st.cur
	t := newTable(cur.UCodes, cur.Rows)
	outs := make([][]float64, len(cur.Codes))
	params := make([]NormParams, len(cur.Codes))
	errs := make([]error, len(cur.Codes))
	one := func(j int) {
		code := cur.Codes[j]
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
			for i, u := range cur.UCodes {
				if u == spec.RefUnit {
					ref = i
				}
			}
			if ref < 0 {
				errs[j] = indus.Errorf(indus.EInvalid, "normalise: reference unit %q for %q is not in the data", spec.RefUnit, code)
				return
			}
		}
		out, p, err := NormaliseVector(cur.Cols[j], dir, spec, target, ref)
		if err != nil {
			errs[j] = indus.Errorf(indus.EInvalid, "normalise %q: %s", code, indus.Message(err))
			return
		}
		outs[j], params[j] = out, p
	}
	if cur.NumUnits() >= bulkMin {
		parallelFor(len(cur.Codes), one)
	} else {
		for j := range cur.Codes {
			if one(j); errs[j] != nil {
				break
			}
		}
	}
	det := &NormaliseDetails{Params: map[string]NormParams{}}
	for j, code := range cur.Codes {
		if errs[j] != nil {
			return nil, errs[j]
		}
		t.addCol(code, outs[j])
		det.Params[code] = params[j]
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
	switch spec.Method {
	case NormRank, NormPRank, NormBorda:
		nan := math.NaN()
		p := NormParams{Method: spec.Method, Direction: dir, Min: nan, Max: nan, Mean: nan, SD: nan, Benchmark: nan, Target: nan}
		r := minRanks(x, dir == -1) // the ranks of x × dir
		n := 0
		for _, v := range r {
			if v > 0 {
				n++
			}
		}
		out := make([]float64, len(x))
		for i, v := range r {
			switch {
			case v == 0:
				out[i] = math.NaN()
			case spec.Method == NormRank:
				out[i] = float64(v)
			case spec.Method == NormPRank:
				out[i] = (float64(v) - 1) / (float64(n) - 1)
			default:
				out[i] = float64(v) - 1
			}
		}
		return out, p, nil
	}
	z, p, err := NewNormaliser(x, dir, spec, target, ref)
	if err != nil {
		return nil, p, err
	}
	out := make([]float64, len(x))
	z.Apply(out, x)
	return out, p, nil
}

// Normaliser is the normalisation of one column with its parameters (min,
// max, mean, benchmark …) taken from the column: Apply then maps values to
// normalised values one by one, so that a column can be normalised in
// blocks or in place. NormaliseVector is NewNormaliser and Apply on the
// whole column. The rank-based methods (rank, prank, borda) are not
// element-wise and have no Normaliser.
type Normaliser struct {
	method          string
	dir             int
	d               float64
	p               NormParams
	lo, hi          float64 // minmax target range; scaled bounds
	m, sd           float64 // zscore target mean and sd
	scale           float64 // goalposts and scaled
	goalLo, goalHi  float64
	xref, tg        float64 // dist2ref reference value; dist2targ target
	b, capAt        float64 // ratio benchmark and cap
	capMax, noTrunc bool
}

// NewNormaliser computes the parameters of the normalisation of column x
// (the arguments are those of NormaliseVector).
func NewNormaliser(x []float64, dir int, spec NormSpec, target float64, ref int) (*Normaliser, NormParams, error) {
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
	z := &Normaliser{method: method, dir: dir, d: d, capMax: spec.CapMax, noTrunc: spec.NoTrunc}
	// The statistics are those of x × dir.
	xd := x // x × 1 is x
	if dir != 1 {
		switch method {
		case NormMinMax, NormZScore, NormDist2Max, NormDist2Ref, NormDist2Targ, NormFracMax:
			xd = make([]float64, len(x))
			for i, v := range x {
				xd[i] = v * d
			}
		}
	}
	switch method {
	case NormMinMax:
		z.lo, z.hi = spec.Min, spec.Max
		if z.lo == 0 && z.hi == 0 {
			z.hi = 100
		}
		p.Min, p.Max = rMin(xd), rMax(xd)
	case NormZScore:
		z.m, z.sd = spec.Mean, spec.SD
		if z.sd == 0 {
			z.sd = 1
		}
		if z.sd < 0 {
			return nil, p, indus.Errorf(indus.EInvalid, "zscore sd must be positive")
		}
		p.Mean, p.SD = rMean(xd), rSD(xd)
	case NormRank, NormPRank, NormBorda:
		return nil, p, indus.Errorf(indus.EInvalid, "normalisation %q is not element-wise", method)
	case NormDist2Max:
		p.Min, p.Max = rMin(xd), rMax(xd)
	case NormDist2Ref:
		if ref < 0 || ref >= len(xd) {
			return nil, p, indus.Errorf(indus.EInvalid, "dist2ref needs a reference unit in the data")
		}
		z.xref = xd[ref]
		p.Min = rMin(xd)
		p.Target = z.xref
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
		z.tg = target * d
		p.Target = z.tg
		if dir == 1 {
			p.Min = rMin(xd)
		} else {
			p.Max = rMax(xd)
		}
	case NormFracMax:
		p.Max = rMax(xd)
	case NormGoalposts:
		z.scale = spec.Scale
		if z.scale == 0 {
			z.scale = 1
		}
		if spec.Hi == spec.Lo {
			return nil, p, indus.Errorf(indus.EInvalid, "goalposts lo and hi are equal (%g)", spec.Lo)
		}
		p.Min, p.Max = spec.Lo, spec.Hi
		z.goalLo, z.goalHi = spec.Lo, spec.Hi
	case NormScaled:
		z.scale = spec.Scale
		if z.scale == 0 {
			z.scale = 100
		}
		z.lo, z.hi = spec.Lo, spec.Hi
		if dir == -1 {
			// COINr's iMeta route: npara = (−upper, −lower) for direction −1.
			z.lo, z.hi = -spec.Hi, -spec.Lo
		}
		if z.hi == z.lo {
			return nil, p, indus.Errorf(indus.EInvalid, "scaled lo and hi are equal (%g)", spec.Lo)
		}
		p.Min, p.Max = z.lo, z.hi
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
		z.b, z.capAt = b, spec.Cap
	case NormNone:
	default:
		return nil, p, indus.Errorf(indus.EInvalid, "unknown normalisation method %q", method)
	}
	z.p = p
	return z, p, nil
}

// Apply writes the normalised values of x to dst (of the same length; dst
// may be x). The direction is applied first, as a rounded product
// (float64(v × d)), exactly as the statistics saw it.
func (z *Normaliser) Apply(dst, x []float64) {
	dst = dst[:len(x)]
	d, p := z.d, z.p
	switch z.method {
	case NormMinMax:
		for i, v := range x {
			v = float64(v * d)
			dst[i] = (v-p.Min)/(p.Max-p.Min)*(z.hi-z.lo) + z.lo
		}
	case NormZScore:
		for i, v := range x {
			v = float64(v * d)
			dst[i] = (v-p.Mean)/p.SD*z.sd + z.m
		}
	case NormDist2Max:
		for i, v := range x {
			v = float64(v * d)
			dst[i] = 1 - (p.Max-v)/(p.Max-p.Min)
		}
	case NormDist2Ref:
		for i, v := range x {
			v = float64(v * d)
			y := 1 - (z.xref-v)/(z.xref-p.Min)
			if z.capMax && y > 1 {
				y = 1
			}
			dst[i] = y
		}
	case NormDist2Targ:
		for i, v := range x {
			v = float64(v * d)
			var y float64
			if z.dir == 1 {
				y = (v - p.Min) / (z.tg - p.Min)
			} else {
				y = (p.Max - v) / (p.Max - z.tg)
			}
			if z.capMax && y > 1 {
				y = 1
			}
			dst[i] = y
		}
	case NormFracMax:
		for i, v := range x {
			v = float64(v * d)
			dst[i] = v / p.Max
		}
	case NormGoalposts:
		for i, v := range x {
			var y float64
			if z.dir == -1 {
				y = (v - z.goalHi) / (z.goalLo - z.goalHi)
			} else {
				y = (v - z.goalLo) / (z.goalHi - z.goalLo)
			}
			if !z.noTrunc {
				if y > 1 {
					y = 1
				} else if y < 0 {
					y = 0
				}
			}
			dst[i] = y * z.scale
		}
	case NormScaled:
		for i, v := range x {
			v = float64(v * d)
			dst[i] = (v - z.lo) / (z.hi - z.lo) * z.scale
		}
	case NormRatio:
		b, capAt := z.b, z.capAt
		switch {
		case z.dir == -1:
			for i, v := range x {
				r := b / v
				if capAt > 0 && r > capAt {
					r = capAt
				}
				dst[i] = r
			}
		case capAt > 0:
			for i, v := range x {
				r := v / b
				if r > capAt {
					r = capAt
				}
				dst[i] = r
			}
		default:
			for i, v := range x {
				dst[i] = v / b
			}
		}
	case NormNone:
		for i, v := range x {
			dst[i] = float64(v * d)
		}
	}
}
