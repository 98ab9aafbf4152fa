package cluster

import (
	"math"
	"sort"
)

// TopN is how many of the largest enterprise outputs Sums keeps, for the
// top-10 share.
const TopN = 10

// Sums are the additive figures of one cluster in one geography and period,
// from which every derived measure is computed. "Prev" is the same period a
// year earlier; "Comp" sums run over the comparable set, the enterprises
// that report in both periods. ValueAdded and its companions are NaN when
// the period has no value added (months and year-to-date: value added is
// reported annually).
type Sums struct {
	Output, Revenue, ValueAdded, Electricity, Employees float64
	PrevOutput, PrevRevenue, PrevValueAdded             float64
	CompOutput, CompPrevOutput                          float64
	CompRevenue, CompPrevRevenue                        float64
	CompValueAdded, CompPrevValueAdded                  float64
	// Enterprises report in the period, PrevEnterprises a year earlier,
	// Comparable in both.
	Enterprises, PrevEnterprises, Comparable int64
	// OutputSq is Σ x_i² over the enterprises' outputs, for the HHI.
	OutputSq float64
	// Top holds the largest enterprise outputs, descending, at most TopN.
	Top []float64
}

// Add merges o into s: sums add, the top lists merge. Adding is only right
// for disjoint sets of enterprises, such as the units of one region.
func (s *Sums) Add(o Sums) {
	s.Output += o.Output
	s.Revenue += o.Revenue
	s.ValueAdded += o.ValueAdded
	s.Electricity += o.Electricity
	s.Employees += o.Employees
	s.PrevOutput += o.PrevOutput
	s.PrevRevenue += o.PrevRevenue
	s.PrevValueAdded += o.PrevValueAdded
	s.CompOutput += o.CompOutput
	s.CompPrevOutput += o.CompPrevOutput
	s.CompRevenue += o.CompRevenue
	s.CompPrevRevenue += o.CompPrevRevenue
	s.CompValueAdded += o.CompValueAdded
	s.CompPrevValueAdded += o.CompPrevValueAdded
	s.Enterprises += o.Enterprises
	s.PrevEnterprises += o.PrevEnterprises
	s.Comparable += o.Comparable
	s.OutputSq += o.OutputSq
	s.Top = MergeTop(s.Top, o.Top, TopN)
}

// Entrants are the enterprises reporting in the period that did not a year
// earlier: newly above-size, newly founded, or back.
func (s Sums) Entrants() int64 { return s.Enterprises - s.Comparable }

// Exits are the enterprises that reported a year earlier and do not now.
func (s Sums) Exits() int64 { return s.PrevEnterprises - s.Comparable }

// MergeTop returns the n largest values of a and b, descending. The result
// never shares an array with a or b.
func MergeTop(a, b []float64, n int) []float64 {
	out := make([]float64, 0, min(n, len(a)+len(b)))
	out = append(out, a...)
	out = append(out, b...)
	sort.Sort(sort.Reverse(sort.Float64Slice(out)))
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// Growth is cur ÷ prev − 1, NaN when prev is not positive or either value
// is NaN: a growth rate from nothing has no meaning.
func Growth(cur, prev float64) float64 {
	if !(prev > 0) || math.IsNaN(cur) {
		return math.NaN()
	}
	return cur/prev - 1
}

// Contribution is a part's change in percentage points of the whole's
// earlier level: (cur − prev) ÷ wholePrev × 100; NaN when wholePrev is not
// positive.
func Contribution(cur, prev, wholePrev float64) float64 {
	if !(wholePrev > 0) {
		return math.NaN()
	}
	return (cur - prev) / wholePrev * 100
}

// Share is part ÷ whole, NaN when whole is not positive.
func Share(part, whole float64) float64 {
	if !(whole > 0) {
		return math.NaN()
	}
	return part / whole
}

// HHI is the Herfindahl–Hirschman index Σx² ÷ (Σx)² from the sum of squares
// and the sum of the enterprises' values; NaN for a zero sum.
func HHI(sumSq, sum float64) float64 {
	if !(sum > 0) {
		return math.NaN()
	}
	return sumSq / (sum * sum)
}

// HHIOf is the HHI of a list of values (negative values are not shares and
// are left out).
func HHIOf(values []float64) float64 {
	var s, sq float64
	for _, v := range values {
		if v > 0 {
			s += v
			sq += v * v
		}
	}
	return HHI(sq, s)
}

// TopShare is the share of the n largest values in sum; top must be sorted
// descending.
func TopShare(top []float64, n int, sum float64) float64 {
	var t float64
	for i, v := range top {
		if i == n {
			break
		}
		t += v
	}
	return Share(t, sum)
}

// Geography kinds, from the whole city down to the evaluation unit.
const (
	GeoCity   = "city"
	GeoRegion = "region"
	GeoUnit   = "unit"
)

// CityCode is the geography code of the city as a whole.
const CityCode = "city"

// GeoKey names one cluster in one geography.
type GeoKey struct {
	Cluster string
	Kind    string // GeoCity, GeoRegion or GeoUnit
	Code    string // CityCode, a region id or a unit code
}

// Cell is one cluster's sums in one evaluation unit, as the store
// aggregates them from enterprises.
type Cell struct {
	Cluster string
	Unit    string
	Sums    Sums
}

// Rollup adds the unit cells up to their regions (regionOf maps a unit code
// to its region id) and to the city. A cell whose unit has no region still
// counts in the city, so that the city figure stays the sum over all
// enterprises; the returned list names such units, which break the
// reconciliation of units with the city and should be fixed in the data.
func Rollup(cells []Cell, regionOf map[string]string) (map[GeoKey]*Sums, []string) {
	out := map[GeoKey]*Sums{}
	add := func(k GeoKey, s Sums) {
		t, ok := out[k]
		if !ok {
			t = &Sums{}
			out[k] = t
		}
		t.Add(s)
	}
	orphans := map[string]bool{}
	for _, c := range cells {
		add(GeoKey{c.Cluster, GeoCity, CityCode}, c.Sums)
		region, ok := regionOf[c.Unit]
		if !ok {
			orphans[c.Unit] = true
			continue
		}
		add(GeoKey{c.Cluster, GeoUnit, c.Unit}, c.Sums)
		add(GeoKey{c.Cluster, GeoRegion, region}, c.Sums)
	}
	var list []string
	for u := range orphans {
		list = append(list, u)
	}
	sort.Strings(list)
	return out, list
}

// Measures are the derived figures of one cluster in one geography.
// Growth rates are fractions (0.05 is 5 %), contributions percentage
// points; NaN where undefined.
type Measures struct {
	GrowthOutput, GrowthOutputRaw         float64
	GrowthRevenue, GrowthRevenueRaw       float64
	GrowthValueAdded, GrowthValueAddedRaw float64
	// ContributionPP is the change of the comparable output in percentage
	// points of the city's comparable output a year earlier.
	ContributionPP float64
	// ContributionRevenuePP is the same on revenue, for clusters that
	// report no output (services).
	ContributionRevenuePP float64
	// ShareOfCity is the output over the city's (all above-size industry,
	// counted once); ShareOfGeo over the same geography's.
	ShareOfCity, ShareOfGeo float64
	// RevenueShareOfCity is the revenue over the city's.
	RevenueShareOfCity float64
	HHI, Top10Share    float64
}

// Measure derives the measures of s given the all-industry totals of the
// city and of s's own geography.
func Measure(s, city, geo Sums) Measures {
	return Measures{
		GrowthOutput:          Growth(s.CompOutput, s.CompPrevOutput),
		GrowthOutputRaw:       Growth(s.Output, s.PrevOutput),
		GrowthRevenue:         Growth(s.CompRevenue, s.CompPrevRevenue),
		GrowthRevenueRaw:      Growth(s.Revenue, s.PrevRevenue),
		GrowthValueAdded:      Growth(s.CompValueAdded, s.CompPrevValueAdded),
		GrowthValueAddedRaw:   Growth(s.ValueAdded, s.PrevValueAdded),
		ContributionPP:        Contribution(s.CompOutput, s.CompPrevOutput, city.CompPrevOutput),
		ContributionRevenuePP: Contribution(s.CompRevenue, s.CompPrevRevenue, city.CompPrevRevenue),
		ShareOfCity:           Share(s.Output, city.Output),
		ShareOfGeo:            Share(s.Output, geo.Output),
		RevenueShareOfCity:    Share(s.Revenue, city.Revenue),
		HHI:                   HHI(s.OutputSq, s.Output),
		Top10Share:            TopShare(s.Top, 10, s.Output),
	}
}

// Values are one enterprise's figures in one period; NaN marks a figure
// not reported. Reported says the enterprise reported at all.
type Values struct {
	Reported                                            bool
	Output, Revenue, ValueAdded, Electricity, Employees float64
}

// Firm is one enterprise in a period and in the same period a year earlier.
type Firm struct {
	Cur, Prev Values
}

// SumFirms is the definition of Sums in code: the reference the store's
// SQL aggregation is tested against. NaN figures are left out of the sums
// (never counted as zero); withVA says whether the period has value added
// (otherwise the value-added sums are NaN).
func SumFirms(firms []Firm, withVA bool) Sums {
	var s Sums
	add := func(dst *float64, v float64) {
		if !math.IsNaN(v) {
			*dst += v
		}
	}
	for _, f := range firms {
		if f.Cur.Reported {
			s.Enterprises++
			add(&s.Output, f.Cur.Output)
			add(&s.Revenue, f.Cur.Revenue)
			add(&s.ValueAdded, f.Cur.ValueAdded)
			add(&s.Electricity, f.Cur.Electricity)
			add(&s.Employees, f.Cur.Employees)
			if !math.IsNaN(f.Cur.Output) {
				s.OutputSq += f.Cur.Output * f.Cur.Output
				s.Top = MergeTop(s.Top, []float64{f.Cur.Output}, TopN)
			}
		}
		if f.Prev.Reported {
			s.PrevEnterprises++
			add(&s.PrevOutput, f.Prev.Output)
			add(&s.PrevRevenue, f.Prev.Revenue)
			add(&s.PrevValueAdded, f.Prev.ValueAdded)
		}
		if f.Cur.Reported && f.Prev.Reported {
			s.Comparable++
			// A figure counts on the comparable basis only when both
			// periods have it, else a gap would read as growth or decline.
			if !math.IsNaN(f.Cur.Output) && !math.IsNaN(f.Prev.Output) {
				s.CompOutput += f.Cur.Output
				s.CompPrevOutput += f.Prev.Output
			}
			if !math.IsNaN(f.Cur.Revenue) && !math.IsNaN(f.Prev.Revenue) {
				s.CompRevenue += f.Cur.Revenue
				s.CompPrevRevenue += f.Prev.Revenue
			}
			if !math.IsNaN(f.Cur.ValueAdded) && !math.IsNaN(f.Prev.ValueAdded) {
				s.CompValueAdded += f.Cur.ValueAdded
				s.CompPrevValueAdded += f.Prev.ValueAdded
			}
		}
	}
	if !withVA {
		s.ValueAdded, s.PrevValueAdded, s.CompValueAdded, s.CompPrevValueAdded = math.NaN(), math.NaN(), math.NaN(), math.NaN()
	}
	return s
}
