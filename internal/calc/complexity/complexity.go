package complexity

import (
	"fmt"
	"math"
	"strings"

	"github.com/indus-platform/indus/internal/indus"
)

// DefaultThreshold is the RCA above which (strictly) an activity counts as
// present in a region.
const DefaultThreshold = 1.0

// Data is a dense region × activity table of non-negative values (exports,
// output, employment …). Values is row-major: the value of region i and
// activity j is Values[i*len(Activities)+j]. Absent cells are 0.
type Data struct {
	Regions    []string
	Activities []string
	Values     []float64
}

// Options tunes Compute. The zero value is the Stata ecomplexity default.
type Options struct {
	// Threshold is the RCA that a cell must exceed strictly to be present
	// (M = 1). Zero means DefaultThreshold; negative values are invalid.
	Threshold float64
	// Binary takes Values as the presence matrix M itself: every value must
	// be 0 or 1, Threshold is ignored and RCA is not computed (NaN).
	Binary bool
	// FitnessIterations, when positive, computes the fitness and complexity
	// of Tacchella et al. (2012) with that many update steps.
	FitnessIterations int

	// side forces which similar symmetric matrix the eigenvector comes from
	// (tests only): 0 picks the smaller, 1 regions, 2 activities.
	side int
}

// Result holds every measure for the regions and activities kept (those with
// a non-zero total), in input order. Cell measures are row-major R×P slices:
// cell (i, j) is at i*len(Activities)+j (see Cell). Undefined values are NaN.
type Result struct {
	Regions    []string
	Activities []string

	Value     []float64 // input value per cell
	RCA       []float64 // Balassa revealed comparative advantage; NaN with Binary
	M         []float64 // presence, 0 or 1
	Density   []float64 // share of an activity's proximity already present in the region
	COG       []float64 // complexity outlook gain; 0 where M = 1
	Diversity []int     // per region: Σ_p M
	Ubiquity  []int     // per activity: Σ_r M
	ECI       []float64 // per region, standardised
	PCI       []float64 // per activity, standardised with ECI's moments
	COI       []float64 // per region: complexity outlook index, standardised

	// Fitness (per region) and FCComplexity (per activity) are nil unless
	// Options.FitnessIterations > 0.
	Fitness      []float64
	FCComplexity []float64

	// Proximity is the P×P activity–activity matrix, row-major, diagonal 0.
	Proximity []float64

	// Eigenvalue is the second-largest eigenvalue of the row-stochastic
	// region–region matrix M̃ (the largest is 1); NaN if ECI is undefined.
	Eigenvalue float64

	// DroppedRegions and DroppedActivities list the inputs left out because
	// their total was zero.
	DroppedRegions    []string
	DroppedActivities []string
	// Warnings describe anything else the caller should know: regions with no
	// present activity (ECI NaN; their COI, density and fitness follow the
	// formulas), activities present nowhere (PCI, density and fitness
	// complexity NaN), an undefined ECI, nearly repeated eigenvalues.
	Warnings []string
}

// Cell returns the index of region i and activity j in the cell slices.
func (r *Result) Cell(i, j int) int { return i*len(r.Activities) + j }

// DisconnectedError reports that the bipartite region–activity network (M)
// falls apart into several components, for which ECI and PCI are not
// defined: the second eigenvalue of M̃ is then 1 and its eigenvector only
// tells the components apart. It unwraps to an indus.EInvalid error.
type DisconnectedError struct {
	// Components lists each component's regions and activities, largest
	// first.
	Components []Component
}

// Component is one connected part of the region–activity network.
type Component struct {
	Regions    []string
	Activities []string
}

func (e *DisconnectedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the region–activity network (RCA presence) is disconnected: %d separate components, so ECI and PCI are not defined", len(e.Components))
	for i, c := range e.Components {
		if i == 5 {
			fmt.Fprintf(&b, "; and %d more components", len(e.Components)-i)
			break
		}
		fmt.Fprintf(&b, "; component %d: %d regions (%s) and %d activities (%s)",
			i+1, len(c.Regions), abbreviate(c.Regions, 5), len(c.Activities), abbreviate(c.Activities, 5))
	}
	b.WriteString(" (drop the small components or lower the threshold)")
	return b.String()
}

// Unwrap lets errors.As find the domain error (code invalid) behind it.
func (e *DisconnectedError) Unwrap() error {
	return &indus.Error{Code: indus.EInvalid, Message: e.Error()}
}

func abbreviate(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:n], ", ") + fmt.Sprintf(", … %d more", len(names)-n)
}

// Compute runs the whole economic complexity pipeline on d. See the package
// documentation for the formulas and conventions. Errors are *indus.Error
// (code invalid) that name the offending region and activity, or a
// *DisconnectedError.
func Compute(d Data, opt Options) (*Result, error) {
	nr, np := len(d.Regions), len(d.Activities)
	if nr == 0 || np == 0 {
		return nil, indus.Errorf(indus.EInvalid, "economic complexity needs at least one region and one activity (got %d regions, %d activities)", nr, np)
	}
	if len(d.Values) != nr*np {
		return nil, indus.Errorf(indus.EInvalid, "economic complexity: %d values for %d regions × %d activities (want %d)", len(d.Values), nr, np, nr*np)
	}
	if err := checkUnique("region", d.Regions); err != nil {
		return nil, err
	}
	if err := checkUnique("activity", d.Activities); err != nil {
		return nil, err
	}
	threshold := opt.Threshold
	if threshold == 0 {
		threshold = DefaultThreshold
	}
	if !opt.Binary && (threshold < 0 || math.IsNaN(threshold) || math.IsInf(threshold, 0)) {
		return nil, indus.Errorf(indus.EInvalid, "RCA threshold must be a positive number, got %v", opt.Threshold)
	}
	if opt.FitnessIterations < 0 {
		return nil, indus.Errorf(indus.EInvalid, "fitness iterations must be positive, got %d", opt.FitnessIterations)
	}
	for i := 0; i < nr; i++ {
		for j := 0; j < np; j++ {
			v := d.Values[i*np+j]
			switch {
			case math.IsNaN(v) || math.IsInf(v, 0):
				return nil, indus.Errorf(indus.EInvalid, "value for region %q, activity %q is %v: values must be finite", d.Regions[i], d.Activities[j], v)
			case v < 0:
				return nil, indus.Errorf(indus.EInvalid, "value for region %q, activity %q is negative (%v): values must be ≥ 0", d.Regions[i], d.Activities[j], v)
			case opt.Binary && v != 0 && v != 1:
				return nil, indus.Errorf(indus.EInvalid, "value for region %q, activity %q is %v: binary input must be 0 or 1", d.Regions[i], d.Activities[j], v)
			}
		}
	}

	res := &Result{Eigenvalue: math.NaN()}
	// Drop zero totals: RCA (and presence) is undefined for them.
	rowTot := make([]float64, nr)
	colTot := make([]float64, np)
	for i := 0; i < nr; i++ {
		row := d.Values[i*np : (i+1)*np]
		for j, v := range row {
			rowTot[i] += v
			colTot[j] += v
		}
	}
	var total float64
	for _, t := range rowTot {
		total += t
	}
	if math.IsInf(total, 0) {
		return nil, indus.Errorf(indus.EInvalid, "economic complexity: the values are too large to add up in float64 (the total overflows); rescale them")
	}
	var keepR, keepP []int
	for i, t := range rowTot {
		if t > 0 {
			keepR = append(keepR, i)
		} else {
			res.DroppedRegions = append(res.DroppedRegions, d.Regions[i])
		}
	}
	for j, t := range colTot {
		if t > 0 {
			keepP = append(keepP, j)
		} else {
			res.DroppedActivities = append(res.DroppedActivities, d.Activities[j])
		}
	}
	if len(keepR) == 0 || len(keepP) == 0 {
		return nil, indus.Errorf(indus.EInvalid, "economic complexity: every value is zero")
	}
	R, P := len(keepR), len(keepP)
	res.Regions = make([]string, R)
	res.Activities = make([]string, P)
	for a, i := range keepR {
		res.Regions[a] = d.Regions[i]
	}
	for b, j := range keepP {
		res.Activities[b] = d.Activities[j]
	}
	x := make([]float64, R*P)
	for a, i := range keepR {
		for b, j := range keepP {
			x[a*P+b] = d.Values[i*np+j]
		}
	}
	res.Value = x

	n := newNetwork(x, R, P, threshold, opt.Binary)
	res.RCA, res.M = n.rca, n.m
	res.Diversity, res.Ubiquity = n.div, n.ubq
	for i, dv := range n.div {
		if dv == 0 {
			res.Warnings = append(res.Warnings, fmt.Sprintf("region %q has no activity with RCA above the threshold: its ECI is undefined (NaN) and its fitness is 0", res.Regions[i]))
		}
	}
	for j, u := range n.ubq {
		if u == 0 {
			res.Warnings = append(res.Warnings, fmt.Sprintf("activity %q has RCA above the threshold in no region: its PCI, density and fitness complexity are undefined (NaN)", res.Activities[j]))
		}
	}
	if comps := n.components(); len(comps) > 1 {
		e := &DisconnectedError{}
		for _, c := range comps {
			var cc Component
			for _, i := range c.regions {
				cc.Regions = append(cc.Regions, res.Regions[i])
			}
			for _, j := range c.activities {
				cc.Activities = append(cc.Activities, res.Activities[j])
			}
			e.Components = append(e.Components, cc)
		}
		return nil, e
	}

	res.Proximity = n.proximity()
	ec := n.eci(opt.side)
	res.Warnings = append(res.Warnings, ec.warnings...)
	res.Eigenvalue = ec.lambda
	res.ECI, res.PCI = ec.eci, ec.pci
	res.Density, res.COG = n.densityCOG(res.Proximity, ec)
	res.COI = n.coi(res.Density, ec)
	if opt.FitnessIterations > 0 {
		res.Fitness, res.FCComplexity = n.fitness(opt.FitnessIterations)
	}
	return res, nil
}

func checkUnique(kind string, names []string) error {
	seen := make(map[string]int, len(names))
	for i, s := range names {
		if j, ok := seen[s]; ok {
			return indus.Errorf(indus.EInvalid, "%s %q appears twice (positions %d and %d): sum duplicates before computing", kind, s, j+1, i+1)
		}
		seen[s] = i
	}
	return nil
}
