package index

import (
	"math"

	"github.com/indus-platform/indus/internal/indus"
)

// Fallback transforms for Treat.Fallback (COINr's f2).
const (
	// FallbackLogCT is COINr's log_CT: ln(x − min + 0.01(max − min)).
	FallbackLogCT = "log_CT"
	// FallbackLogCTPlus is COINr's log_CT_plus: log_CT for positive skew,
	// −ln(max + 0.01(max − min) − x) otherwise.
	FallbackLogCTPlus = "log_CT_plus"
	// FallbackLogCTOrig is COINr's log_CT_orig: ln(x − min + 1).
	FallbackLogCTOrig = "log_CT_orig"
	// FallbackBoxCox is COINr's boxcox with makepos: y = x − min + 1, then
	// (y^λ − 1)/λ, or ln y for λ = 0.
	FallbackBoxCox = "boxcox"
	// FallbackNone applies no second-stage transform.
	FallbackNone = "none"
)

// Treat handles outliers exactly as COINr's default Treat(): an indicator
// passes when |skewness| < SkewThresh OR kurtosis < KurtThresh; a failing one
// is winsorised one step at a time (the maximum, or the minimum when the skew
// is negative, set to the next value in) until it passes or WinMax points have
// been changed; if it still fails, the fallback transform is applied to the
// original values (or to the winsorised ones with CombineTreat). Columns whose
// check is NA (too few points, zero variance) are left untreated.
//
// The zero value is COINr's default: winmax 5, skew 2, kurtosis 3.5, log_CT.
type Treat struct {
	// WinMax is the maximum number of winsorised points (0 means 5; a
	// negative value means no limit, COINr's winmax = NULL).
	WinMax int
	// SkewThresh is the absolute skewness threshold (0 means 2).
	SkewThresh float64
	// KurtThresh is the kurtosis threshold (0 means 3.5).
	KurtThresh float64
	// Fallback is one of the Fallback* constants ("" means log_CT).
	Fallback string
	// Lambda is the Box-Cox parameter when Fallback is boxcox.
	Lambda float64
	// CombineTreat applies the fallback to the winsorised values instead of
	// the original ones (COINr combine_treat).
	CombineTreat bool
	// ForceWin winsorises up to WinMax points regardless of the check (COINr
	// force_win).
	ForceWin bool
	// Skip lists codes left untreated (COINr indiv_specs = "none").
	Skip []string
	// None disables treatment of every column (COINr global_specs = "none").
	None bool
}

// TreatRow is one column's line of the treatment table (COINr's Dets_Table).
// The stage-1 and stage-2 fields are set only when the stage ran.
type TreatRow struct {
	// Code is the column (indicator) code.
	Code string
	// Pass0 is the initial check (COINr check_SkewKurt0.Pass).
	Pass0 bool
	// Skew0 and Kurt0 are the initial skewness and kurtosis.
	Skew0, Kurt0 float64
	// Winsorised tells whether winsorisation ran.
	Winsorised bool
	// NWin is COINr's winsorise.nwin: the points changed at the last step on
	// the high side plus those on the low side (points already winsorised are
	// tied with the new ones, so this counts every winsorised point when all
	// were on one side).
	NWin int
	// Pass1 is the check after winsorisation.
	Pass1 bool
	// Skew1 and Kurt1 are skewness and kurtosis after winsorisation.
	Skew1, Kurt1 float64
	// Transformed names the fallback applied, "" if none.
	Transformed string
	// Pass2 is the check after the fallback.
	Pass2 bool
	// Skew2 and Kurt2 are skewness and kurtosis after the fallback.
	Skew2, Kurt2 float64
	// Untreated explains why a column was left as it was although treatment
	// was asked for (NA check, as COINr), "" otherwise.
	Untreated string
}

// TreatDetails records what Treat did.
type TreatDetails struct {
	// Rows has one line per column that went through the check, in column
	// order.
	Rows []TreatRow
	// Points marks, per column, how each unit's value was treated, as
	// COINr's Treated_Points: "winhi", "winlo", "log_CT", "winhi+log_CT",
	// "+log_CT", or "" for untouched.
	Points map[string][]string
}

// StepName implements Step.
func (Treat) StepName() string { return "treat" }

// StageName implements Step.
func (Treat) StageName() string { return "Treated" }

func (s Treat) withDefaults() (Treat, error) {
	if s.WinMax == 0 {
		s.WinMax = 5
	}
	if s.SkewThresh == 0 {
		s.SkewThresh = 2
	}
	if s.KurtThresh == 0 {
		s.KurtThresh = 3.5
	}
	if s.Fallback == "" {
		s.Fallback = FallbackLogCT
	}
	switch s.Fallback {
	case FallbackLogCT, FallbackLogCTPlus, FallbackLogCTOrig, FallbackBoxCox, FallbackNone:
	default:
		return s, indus.Errorf(indus.EInvalid, "treat: unknown fallback %q (want log_CT, log_CT_plus, log_CT_orig, boxcox or none)", s.Fallback)
	}
	if s.ForceWin && s.WinMax < 0 {
		return s, indus.Errorf(indus.EInvalid, "treat: force_win needs a finite winmax")
	}
	return s, nil
}

func (s Treat) run(st *runState) (*StepRecord, error) {
	s, err := s.withDefaults()
	if err != nil {
		return nil, err
	}
	skip := map[string]bool{}
	for _, c := range s.Skip {
		if st.cur.Col(c) == nil {
			return nil, indus.Errorf(indus.EInvalid, "treat: unknown column %q in skip", c)
		}
		skip[c] = true
	}
	t := st.cur.clone()
	det := &TreatDetails{Points: map[string][]string{}}
	if s.None {
		return &StepRecord{Data: t, Treat: det}, nil
	}
	for j, code := range t.Codes {
		if skip[code] {
			continue
		}
		out := TreatVector(t.Cols[j], s)
		t.Cols[j] = out.X
		if out.Row != nil {
			out.Row.Code = code
			det.Rows = append(det.Rows, *out.Row)
		}
		if out.Points != nil {
			det.Points[code] = out.Points
		}
	}
	return &StepRecord{Data: t, Treat: det}, nil
}

// TreatOutcome is the result of treating one vector.
type TreatOutcome struct {
	// X is the treated vector (a new slice).
	X []float64
	// Row is the details line. COINr records no line for a column it leaves
	// untreated because of an NA check; here Row.Untreated says why instead.
	Row *TreatRow
	// Points marks the treated points (see TreatDetails.Points); nil when
	// untreated because of an NA check.
	Points []string
}

// skewKurtCheck is COINr's check_SkewKurt: pass when |skew| < st OR kurt < kt,
// in R's three-valued logic.
func skewKurtCheck(x []float64, st, kt float64) (tri, float64, float64) {
	sk, ku := Skewness(x), Kurtosis(x)
	return less(math.Abs(sk), st).or(less(ku, kt)), sk, ku
}

// SkewKurtPass reports COINr's check_SkewKurt for x with the given
// thresholds: ok is false when the check is NA (too few points or zero
// variance), in which case pass is meaningless.
func SkewKurtPass(x []float64, skewThresh, kurtThresh float64) (pass, ok bool) {
	p, _, _ := skewKurtCheck(x, skewThresh, kurtThresh)
	return p == triTrue, p != triNA
}

// TreatVector treats one vector with COINr's Treat.numeric logic (see
// Treat; zero fields of s take the defaults). NaN values are ignored by the
// statistics and stay NaN.
func TreatVector(x []float64, s Treat) TreatOutcome {
	s, err := s.withDefaults()
	if err != nil {
		// Invalid settings: leave the data alone rather than guess.
		return TreatOutcome{X: append([]float64(nil), x...), Row: &TreatRow{Untreated: err.Error()}}
	}
	orig := append([]float64(nil), x...)
	// untreated returns the original values, as COINr does when a check is
	// NA (Treat.numeric) or winsorising stops on an error (the tryCatch in
	// Treat.data.frame); COINr then records no details line, here the row
	// keeps the checks made and says why.
	untreated := func(why string, row *TreatRow) TreatOutcome {
		row.Untreated = why
		row.Winsorised, row.NWin, row.Transformed = false, 0, ""
		return TreatOutcome{X: orig, Row: row}
	}
	p0, sk0, ku0 := skewKurtCheck(orig, s.SkewThresh, s.KurtThresh)
	if p0 == triNA {
		return untreated("skewness/kurtosis check is NA (too few points or zero variance)", &TreatRow{Skew0: sk0, Kurt0: ku0})
	}
	row := &TreatRow{Pass0: p0 == triTrue, Skew0: sk0, Kurt0: ku0}
	hasF2 := s.Fallback != FallbackNone
	winMarks := make([]string, len(x))
	f2Marks := make([]string, len(x))
	x1 := orig
	pass := p0
	if p0 == triFalse {
		w, ok := winsorise(orig, s)
		if !ok {
			return untreated("winsorisation stopped on an NA skewness/kurtosis check", row)
		}
		x1 = w.x
		row.Winsorised, row.NWin = true, w.nwin
		winMarks = w.marks
		var sk1, ku1 float64
		pass, sk1, ku1 = skewKurtCheck(x1, s.SkewThresh, s.KurtThresh)
		if pass == triNA {
			return untreated("skewness/kurtosis check is NA after winsorisation", row)
		}
		row.Pass1, row.Skew1, row.Kurt1 = pass == triTrue, sk1, ku1
	}
	x2 := x1
	if pass == triFalse && hasF2 {
		base := orig
		if s.CombineTreat {
			base = x1
		}
		var name string
		x2, name = fallback(base, s)
		for i := range f2Marks {
			f2Marks[i] = name
		}
		if s.Fallback == FallbackBoxCox {
			// COINr's boxcox returns a bare vector, so no points are marked.
			for i := range f2Marks {
				f2Marks[i] = ""
			}
		}
		row.Transformed = s.Fallback
		p2, sk2, ku2 := skewKurtCheck(x2, s.SkewThresh, s.KurtThresh)
		if p2 == triNA {
			return untreated("skewness/kurtosis check is NA after the fallback transform", row)
		}
		row.Pass2, row.Skew2, row.Kurt2 = p2 == triTrue, sk2, ku2
	}
	points := make([]string, len(x))
	for i := range points {
		switch {
		case !hasF2:
			points[i] = winMarks[i]
		case f2Marks[i] == "":
			points[i] = winMarks[i]
		default:
			points[i] = winMarks[i] + "+" + f2Marks[i]
		}
	}
	return TreatOutcome{X: x2, Row: row, Points: points}
}

type winResult struct {
	x     []float64
	nwin  int
	marks []string
}

// winsorise is COINr's winsorise(): ok is false where R would stop with an
// error (an NA condition inside the loop).
func winsorise(x []float64, s Treat) (winResult, bool) {
	x = append([]float64(nil), x...)
	pass, _, _ := skewKurtCheck(x, s.SkewThresh, s.KurtThresh)
	var imax, imin []int
	nwin := 0
	below := func() bool { return s.WinMax < 0 || nwin < s.WinMax }
	if pass != triFalse && !s.ForceWin {
		// Only reached with force_win or a failing check in COINr; a passing
		// vector is returned as is.
		return winResult{x: x, marks: make([]string, len(x))}, pass != triNA
	}
	for {
		// while((!passing | force_win) & below_winmax)
		cond := triOf(s.ForceWin)
		switch pass {
		case triFalse:
			cond = triTrue
		case triNA:
			if !s.ForceWin {
				cond = triNA
			}
		}
		b := below()
		if !b {
			break
		}
		if cond == triNA {
			return winResult{}, false
		}
		if cond == triFalse {
			break
		}
		sk := Skewness(x)
		if math.IsNaN(sk) {
			return winResult{}, false
		}
		if sk >= 0 {
			mx := rMax(x)
			imax = imax[:0]
			for i, v := range x {
				if v == mx {
					imax = append(imax, i)
				}
			}
			rep := math.Inf(-1)
			for _, v := range x {
				if v != mx && !math.IsNaN(v) && v > rep {
					rep = v
				}
			}
			for _, i := range imax {
				x[i] = rep
			}
		} else {
			mn := rMin(x)
			imin = imin[:0]
			for i, v := range x {
				if v == mn {
					imin = append(imin, i)
				}
			}
			rep := math.Inf(1)
			for _, v := range x {
				if v != mn && !math.IsNaN(v) && v < rep {
					rep = v
				}
			}
			for _, i := range imin {
				x[i] = rep
			}
		}
		nwin = len(imax) + len(imin)
		pass, _, _ = skewKurtCheck(x, s.SkewThresh, s.KurtThresh)
	}
	marks := make([]string, len(x))
	for _, i := range imax {
		marks[i] = "winhi"
	}
	for _, i := range imin {
		marks[i] = "winlo"
	}
	return winResult{x: x, nwin: nwin, marks: marks}, true
}

// fallback applies the second-stage transform and returns COINr's point mark.
func fallback(x []float64, s Treat) ([]float64, string) {
	out := make([]float64, len(x))
	mn, mx := rMin(x), rMax(x)
	a := 0.01 * (mx - mn)
	switch s.Fallback {
	case FallbackLogCTPlus:
		if Skewness(x) > 0 {
			for i, v := range x {
				out[i] = math.Log(v - mn + a)
			}
			return out, "log_CT"
		}
		for i, v := range x {
			out[i] = -math.Log(mx + a - v)
		}
		return out, "log_CT_neg"
	case FallbackLogCTOrig:
		for i, v := range x {
			out[i] = math.Log(v - mn + 1)
		}
		return out, "log_CT_orig"
	case FallbackBoxCox:
		for i, v := range x {
			y := v - mn + 1
			if s.Lambda == 0 {
				out[i] = math.Log(y)
			} else {
				out[i] = (math.Pow(y, s.Lambda) - 1) / s.Lambda
			}
		}
		return out, "boxcox"
	default:
		for i, v := range x {
			out[i] = math.Log(v - mn + a)
		}
		return out, "log_CT"
	}
}
