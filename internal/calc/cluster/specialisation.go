package cluster

import (
	"math"
	"sort"
)

// Quantile7 is the p-quantile of xs with linear interpolation between order
// statistics, R's default type 7: h = (n−1)p, Q = x_⌊h⌋ + (h − ⌊h⌋)(x_⌊h⌋+1 −
// x_⌊h⌋) on the sorted values (0-based). NaN for no values. xs is not
// modified.
func Quantile7(xs []float64, p float64) float64 {
	if len(xs) == 0 || math.IsNaN(p) {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	p = math.Min(math.Max(p, 0), 1)
	h := float64(len(s)-1) * p
	lo := int(math.Floor(h))
	if lo >= len(s)-1 {
		return s[len(s)-1]
	}
	return s[lo] + (h-float64(lo))*(s[lo+1]-s[lo])
}

// LQ is the location quotient (part ÷ regionTotal) ÷ (reference part ÷
// reference total); NaN when a denominator is not positive.
func LQ(part, regionTotal, refPart, refTotal float64) float64 {
	if !(regionTotal > 0) || !(refPart > 0) || !(refTotal > 0) {
		return math.NaN()
	}
	return (part / regionTotal) / (refPart / refTotal)
}

// RegionCluster is one cluster in one region, the input of the
// specialisation rules: its employment, its establishments (enterprises),
// its location quotient, and its share of the region's employment.
type RegionCluster struct {
	Region         string
	Employment     float64
	Establishments float64
	LQ             float64
	// Focus is the cluster's share of the region's employment.
	Focus float64
}

// StrongRule holds the thresholds of the US Cluster Mapping strong-cluster
// rule. The zero value means the published defaults (see DefaultStrongRule).
type StrongRule struct {
	LQPercentile   float64 // LQ at least this percentile: 0.75
	MinLQ          float64 // and at least this: 1
	SizePercentile float64 // employment and establishments at least this percentile: 0.25
}

// DefaultStrongRule is the US Cluster Mapping rule.
var DefaultStrongRule = StrongRule{LQPercentile: 0.75, MinLQ: 1, SizePercentile: 0.25}

// Strong marks the strong clusters among the regions of one cluster
// category: LQ ≥ its LQPercentile over the regions with employment > 0 and
// LQ ≥ MinLQ, and employment and establishments at least their
// SizePercentile over the same regions. Regions without employment are
// never strong.
func Strong(rows []RegionCluster, rule StrongRule) []bool {
	if rule == (StrongRule{}) {
		rule = DefaultStrongRule
	}
	var lqs, emps, ests []float64
	for _, r := range rows {
		if r.Employment > 0 {
			lqs = append(lqs, nanToZero(r.LQ))
			emps = append(emps, r.Employment)
			ests = append(ests, r.Establishments)
		}
	}
	out := make([]bool, len(rows))
	if len(lqs) == 0 {
		return out
	}
	lqCut := Quantile7(lqs, rule.LQPercentile)
	empCut := Quantile7(emps, rule.SizePercentile)
	estCut := Quantile7(ests, rule.SizePercentile)
	for i, r := range rows {
		out[i] = r.Employment > 0 && r.LQ >= lqCut && r.LQ >= rule.MinLQ &&
			r.Employment >= empCut && r.Establishments >= estCut
	}
	return out
}

// StarRule holds the European Cluster Observatory's star thresholds. The
// zero value means the published defaults (see DefaultStarRule).
type StarRule struct {
	TopShare float64 // size and focus: in the top this share of regions: 0.10
	MinLQ    float64 // specialisation: LQ at least this: 2
}

// DefaultStarRule is the European Cluster Observatory's rule.
var DefaultStarRule = StarRule{TopShare: 0.10, MinLQ: 2}

// Stars are the star ratings of one region in one cluster category.
type Stars struct {
	Size, Specialisation, Focus bool
}

// Count is the number of stars, 0 to 3.
func (s Stars) Count() int {
	n := 0
	for _, b := range []bool{s.Size, s.Specialisation, s.Focus} {
		if b {
			n++
		}
	}
	return n
}

// RateStars gives each region of one cluster category its stars: size when
// its employment is at least the (1 − TopShare) quantile of the
// employment of the regions with any, focus likewise on the share of the
// region's employment, specialisation when LQ ≥ MinLQ. Regions without
// employment get no star.
func RateStars(rows []RegionCluster, rule StarRule) []Stars {
	if rule == (StarRule{}) {
		rule = DefaultStarRule
	}
	var emps, focus []float64
	for _, r := range rows {
		if r.Employment > 0 {
			emps = append(emps, r.Employment)
			focus = append(focus, nanToZero(r.Focus))
		}
	}
	out := make([]Stars, len(rows))
	if len(emps) == 0 {
		return out
	}
	empCut := Quantile7(emps, 1-rule.TopShare)
	focusCut := Quantile7(focus, 1-rule.TopShare)
	for i, r := range rows {
		if !(r.Employment > 0) {
			continue
		}
		out[i] = Stars{
			Size:           r.Employment >= empCut,
			Specialisation: r.LQ >= rule.MinLQ,
			Focus:          r.Focus >= focusCut,
		}
	}
	return out
}

func nanToZero(x float64) float64 {
	if math.IsNaN(x) {
		return 0
	}
	return x
}
