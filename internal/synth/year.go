package synth

import "math"

// kgce per kWh of electricity, equivalent value (GB/T 2589-2020).
const tcePerKWh = 0.1229 / 1000

// Fields of an annual row that can be missing or slipped, as bits.
const (
	fLand = iota
	fRevenue
	fOutput
	fVA
	fTax
	fEnergy
	fElec
	fEmis
	fRD
	fEmp
	nFields
)

var fieldNames = [nFields]string{"land_mu", "revenue", "output_value", "value_added", "tax", "energy_tce",
	"electricity_kwh", "emissions_t", "rd_spend", "employees"}

// Deliberate imperfections: probabilities per firm-year row unless noted.
const (
	rateEmisMissingFirm   = 0.10   // per industrial firm: never reports emissions
	rateEmisMissingRow    = 0.01   // per row of firms that do report
	rateRDMissingBelow    = 0.35   // per below-size row
	rateRDMissingAbove    = 0.015  // per above-size row
	rateEnergyMissingRow  = 0.03   // per below-size row
	rateEmpMissingRow     = 0.005  // per row
	rateTaxMissingRow     = 0.003  // per row
	rateLandMissingFirm   = 0.04   // per below-size firm
	rateMoneySlipRow      = 0.0003 // per industrial row: one money value in yuan, not 10k yuan
	rateLandSlipRow       = 0.0003 // per industrial row with land: land in m², not mu
	rateLandSlipFirm      = 0.001  // per industrial firm with land: enterprises.csv land in m²
	rateSafetyAccidentRow = 0.005  // per industrial row, scaled by the profile's risk
	rateEnvViolationRow   = 0.01   // per industrial row, scaled by the profile's risk
	rateZeroTaxRow        = 0.03   // per body-firm row: nothing paid (losses, refunds); a true zero, not missing
	moneySlipFactor       = 10000
	landSlipFactor        = 10000.0 / 15 // m² per mu
)

// slip fields: which money value a slip hits.
var moneySlipFields = []int{fRevenue, fOutput, fVA, fTax, fRD}

// yearVals is one firm's true figures for one year, before rounding, with
// the imperfections decided for the written copy.
type yearVals struct {
	alive, full, construction, above bool
	land                             float64 // mu; < 0 when unknown
	output, revenue, va, tax, energy float64 // < 0 when not applicable
	elec, emis, rd, emp              float64
	safety, env                      bool
	miss                             uint16 // fields written empty
	slip                             int8   // field written in the wrong unit, -1 none
}

// factors are the run's calibration factors.
type factors struct {
	land, tax, va, energy, emis float64
}

// year computes firm f's figures for year y given its random-walk level w
// (1 in the calibration year).
func (g *gen) year(f *firm, y int, w float64, r *rng) yearVals {
	var v yearVals
	v.slip = -1
	act, construction, full, alive := f.activity(y)
	if !alive {
		return v
	}
	v.alive, v.full, v.construction = true, full, construction
	ss := g.secs[f.sector]
	fc := g.fac

	r.reseed(g.cfg.Seed, streamYear, uint64(f.id), uint64(y))
	zrr, zva, ztax, zen := r.norm(), r.norm(), r.norm(), r.norm()
	zel, zem, zrd, zemp := r.norm(), r.norm(), r.norm(), r.norm()
	uTax0, uSafety, uEnv := r.float(), r.float(), r.float()
	uc1, uc2, uc3 := r.float(), r.float(), r.float()

	// Land.
	v.land = -1
	if !f.landMissing {
		v.land = f.landRaw * fc.land
		if f.expandYear != 0 && y >= int(f.expandYear) {
			v.land *= float64(f.expand)
		}
	}

	for _, p := range []*float64{&v.output, &v.revenue, &v.va, &v.tax, &v.energy, &v.elec, &v.emis, &v.rd} {
		*p = -1
	}

	if f.kind == kindSoftware {
		v.revenue = f.anchor * ss.growIdx(y) * w * act
		v.emp = math.Max(1, f.anchor/f.prod*fpow(math.Max(v.revenue, 1)/f.anchor, 0.6)*fexp(0.03*zemp))
		v.above = full && math.Round(v.revenue*100) >= softwareSizeThreshold*100
	} else if construction {
		// A construction site: no output, land-use tax, some energy.
		area := math.Max(v.land, 1)
		if v.land < 0 {
			area = math.Max(f.landRaw*fc.land, 1)
		}
		v.output, v.revenue, v.va, v.rd = 0, 0, 0, 0
		v.tax = area * (0.05 + 0.25*uc1)
		v.energy = area * (0.3 + 1.2*uc2)
		v.elec = math.Floor(math.Round(v.energy*100) / 100 * 0.8 / tcePerKWh)
		v.emis = v.energy * f.emis * fc.emis * 0.5
		v.emp = math.Max(3, math.Round(area/8*(0.5+uc3)))
	} else {
		out := f.anchor * ss.growIdx(y) * w * act
		rr := f.rr * fexp(0.02*zrr)
		if f.tier != tierBody {
			rr = clamp(rr, 0.97, 1.06)
		} else {
			rr = clamp(rr, 0.90, 1.08)
		}
		v.output = out
		v.revenue = out * rr
		v.va = out * math.Min(f.va*fc.va*fexp(0.03*zva), 0.75)
		v.tax = v.revenue * f.tax * fc.tax * fexp(0.15*ztax)
		if f.tier == tierBody && uTax0 < rateZeroTaxRow {
			v.tax = 0
		}
		v.energy = out * f.en * fc.energy * fexp(0.05*zen)
		// Electricity is a share of total energy; computed from the energy
		// figure as written (2 decimals) so kWh × 0.1229 kgce ≤ energy holds
		// in the files too.
		share := math.Min(f.elec*fexp(0.03*zel), 0.97)
		v.elec = math.Floor(math.Round(v.energy*100) / 100 * share / tcePerKWh)
		v.emis = v.energy * f.emis * fc.emis * fexp(0.2*zem)
		v.rd = v.revenue * f.rd * fexp(0.15*zrd)
		v.emp = math.Max(1, f.anchor/f.prod*fpow(math.Max(out, 1e-9)/f.anchor, 0.6)*fexp(0.03*zemp))
		v.above = full && math.Round(v.revenue*100) >= aboveSizeThreshold*100
	}
	v.emp = math.Round(v.emp)

	if f.kind != kindSoftware {
		p := f.prof
		v.safety = uSafety < rateSafetyAccidentRow*p.safety/g.meanSafety
		v.env = uEnv < rateEnvViolationRow*p.env/g.meanEnv
	}

	// Imperfections of the written copy, from their own stream.
	r.reseed(g.cfg.Seed, streamImperf, uint64(f.id), uint64(y))
	uEm, uRD, uEn, uEmp, uTax, uSlip, uLand := r.float(), r.float(), r.float(), r.float(), r.float(), r.float(), r.float()
	slipField := moneySlipFields[r.intn(len(moneySlipFields))]
	if f.kind == kindSoftware {
		if uEmp < rateEmpMissingRow {
			v.miss |= 1 << fEmp
		}
		return v
	}
	if f.emisMissing || uEm < rateEmisMissingRow {
		v.miss |= 1 << fEmis
	}
	if (v.above && uRD < rateRDMissingAbove) || (!v.above && uRD < rateRDMissingBelow) {
		v.miss |= 1 << fRD
	}
	if !v.above && uEn < rateEnergyMissingRow {
		v.miss |= 1 << fEnergy
	}
	if uEmp < rateEmpMissingRow {
		v.miss |= 1 << fEmp
	}
	if uTax < rateTaxMissingRow {
		v.miss |= 1 << fTax
	}
	switch {
	case uSlip < rateMoneySlipRow && !construction:
		if v.miss&(1<<slipField) == 0 && valueOf(&v, slipField) > 0 {
			v.slip = int8(slipField)
		}
	case uLand < rateLandSlipRow && v.land > 0:
		v.slip = fLand
	}
	return v
}

func valueOf(v *yearVals, field int) float64 {
	switch field {
	case fLand:
		return v.land
	case fRevenue:
		return v.revenue
	case fOutput:
		return v.output
	case fVA:
		return v.va
	case fTax:
		return v.tax
	case fEnergy:
		return v.energy
	case fElec:
		return v.elec
	case fEmis:
		return v.emis
	case fRD:
		return v.rd
	case fEmp:
		return v.emp
	}
	return -1
}

func clamp(x, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, x)) }

// walk returns the firm's random-walk level for every year in [g.lo, g.hi]
// (index y-g.lo), 1 in the calibration year: each year's shock comes from a
// stream keyed by the year, so the level of a year does not depend on the
// range generated.
func (g *gen) walk(f *firm, w []float64, r *rng) {
	C := CalibrationYear
	w[C-g.lo] = 1
	shock := func(y int) float64 {
		r.reseed(g.cfg.Seed, streamWalk, uint64(f.id), uint64(y))
		return fexp(float64(f.walkSigma)*r.norm() + float64(f.drift))
	}
	for y := C + 1; y <= g.hi; y++ {
		w[y-g.lo] = w[y-1-g.lo] * shock(y)
	}
	for y := C - 1; y >= g.lo; y-- {
		w[y-g.lo] = w[y+1-g.lo] / shock(y+1)
	}
}
