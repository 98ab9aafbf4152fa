package synth

import (
	"math"
	"sort"
)

func (g *gen) newManifest() *Manifest {
	return &Manifest{
		Generator: "indus synth", Version: Version, Seed: g.cfg.Seed, Scale: g.cfg.Scale, ScaleFactor: g.factor,
		FromYear: g.cfg.FromYear, ToYear: g.cfg.ToYear, CalibrationYear: CalibrationYear,
		Formats: Formats{
			Encoding: "UTF-8 without BOM, comma-separated, LF line ends, one header row; text quoted only when it holds a comma or a quote",
			Missing:  "empty cell",
			Booleans: "true / false",
			Dates:    "founded YYYY-MM-DD; month YYYY-MM",
			Precision: map[string]string{
				"revenue, output_value, value_added, tax, rd_spend": "10k yuan (万元), 2 decimals",
				"land_mu":         "mu (亩), 2 decimals",
				"energy_tce":      "tonnes of standard coal equivalent (equivalent value), 2 decimals",
				"electricity_kwh": "kWh, integer; electricity_kwh × 0.1229 kgce/kWh ≤ energy_tce (GB/T 2589-2020)",
				"emissions_t":     "main pollutant emissions, equivalent tonnes, 3 decimals",
				"employees":       "persons, integer (annual average; monthly: head count of the month)",
			},
		},
		Coverage: map[string]string{
			"enterprises.csv":    "every enterprise: above- and below-size industrial firms (mining, manufacturing, utilities) and software/IT firms (GB/T 4754 divisions 64, 65); above_size is the status in the firm's last year with data",
			"annual.csv":         "one row per enterprise and year in which it exists; firms founded in the period start with a construction year or a partial first year, firms that exit stop reporting; software firms report revenue and employees only (they are not in the per-mu evaluation); the extra last column above_size is the firm's status that year",
			"monthly.csv":        "above-size industrial enterprises only, as the statistics bureau's monthly survey: 12 rows for every year in which a firm is above-size (annual above_size = true); output_value, revenue and electricity_kwh sum exactly to the annual values, the twelve employee counts sum to exactly 12 × the annual average; months follow working days (Spring Festival dip in January/February by the festival's date, December peak, the 2020 and 2022 shocks) with each year's growth as an intra-year trend; rows whose annual value is a listed unit slip sum to the correct value",
			"above_size":         "industrial: revenue ≥ 20 million yuan (2,000 万元) in a full operating year (not the founding year, the year after it, or a construction year); software: revenue ≥ 10 million yuan",
			"utility":            "GB/T 4754 divisions 44–46 (electricity, gas, water): evaluated, not graded",
			"under_construction": "the first year or two of some firms founded from FromYear-1 on: land and land-use tax, no output",
		},
		Files:  map[string]FileManifest{},
		Counts: Counts{AboveSizeByYear: map[string]int{}},
		Imperfection: Imperfection{
			Note:      "rates are probabilities per row (firm-year) or per firm as stated; counts are what this dataset holds. Unit slips: the value in the file is the correct value × factor (yuan instead of 10k yuan, or m² instead of mu); monthly rows were generated from the correct values",
			UnitSlips: []UnitSlip{},
		},
	}
}

// imperfCounter counts the imperfections as the rows are written.
type imperfCounter struct {
	industrialFirms, belowFirms, firmsWithLand         int64
	emisMissingFirm, landMissingFirm, landSlipFirm     int64
	industrialRows, aboveRows, belowRows, rowsWithLand int64
	emisMissingRow, rdMissingAbove, rdMissingBelow     int64
	energyMissing, empMissing, taxMissing              int64
	moneySlipRow, landSlipRow, safety, env, zeroTax    int64
	allRows, bodyRows                                  int64
}

func newImperfCounter() *imperfCounter { return &imperfCounter{} }

func (c *imperfCounter) count(f *firm, v *yearVals) {
	c.allRows++
	if v.miss&(1<<fEmp) != 0 {
		c.empMissing++
	}
	if f.kind == kindSoftware {
		return
	}
	c.industrialRows++
	if v.land > 0 {
		c.rowsWithLand++
	}
	if !f.emisMissing && v.miss&(1<<fEmis) != 0 {
		c.emisMissingRow++
	}
	if v.above {
		c.aboveRows++
		if v.miss&(1<<fRD) != 0 {
			c.rdMissingAbove++
		}
	} else {
		c.belowRows++
		if v.miss&(1<<fRD) != 0 {
			c.rdMissingBelow++
		}
		if v.miss&(1<<fEnergy) != 0 {
			c.energyMissing++
		}
	}
	if v.miss&(1<<fTax) != 0 {
		c.taxMissing++
	}
	if v.safety {
		c.safety++
	}
	if v.env {
		c.env++
	}
	if f.tier == tierBody && !v.construction {
		c.bodyRows++
		if v.tax == 0 {
			c.zeroTax++
		}
	}
}

func (c *imperfCounter) rates() []ImperfectionRate {
	return []ImperfectionRate{
		{"emissions_missing_firm", "emissions_t empty in every row of the firm (it does not report emissions)", rateEmisMissingFirm, "industrial firms", c.emisMissingFirm, c.industrialFirms},
		{"emissions_missing_row", "emissions_t empty in one row of a firm that otherwise reports", rateEmisMissingRow, "industrial rows of reporting firms", c.emisMissingRow, c.industrialRows},
		{"rd_missing_below_size", "rd_spend empty", rateRDMissingBelow, "below-size industrial rows", c.rdMissingBelow, c.belowRows},
		{"rd_missing_above_size", "rd_spend empty", rateRDMissingAbove, "above-size industrial rows", c.rdMissingAbove, c.aboveRows},
		{"energy_missing_below_size", "energy_tce empty (electricity_kwh still given)", rateEnergyMissingRow, "below-size industrial rows", c.energyMissing, c.belowRows},
		{"employees_missing", "employees empty", rateEmpMissingRow, "all rows", c.empMissing, c.allRows},
		{"tax_missing", "tax empty", rateTaxMissingRow, "industrial rows", c.taxMissing, c.industrialRows},
		{"land_missing_firm", "land_mu and land_source empty in enterprises.csv and every annual row", rateLandMissingFirm, "below-size firms", c.landMissingFirm, c.belowFirms},
		{"tax_zero", "tax = 0 (losses, refunds): a true zero, not a missing value", rateZeroTaxRow, "operating rows of firms below 5 bn yuan", c.zeroTax, c.bodyRows},
		{"unit_slip_money", "one of revenue, output_value, value_added, tax, rd_spend written in yuan instead of 10k yuan (× 10,000); listed in unit_slips", rateMoneySlipRow, "industrial rows", c.moneySlipRow, c.industrialRows},
		{"unit_slip_land_annual", "land_mu written in m² instead of mu (× 666.67); listed in unit_slips", rateLandSlipRow, "industrial rows", c.landSlipRow, c.industrialRows},
		{"unit_slip_land_enterprise", "enterprises.csv land_mu written in m² instead of mu; listed in unit_slips", rateLandSlipFirm, "industrial firms with land", c.landSlipFirm, c.firmsWithLand},
		{"safety_accident", "safety_accident = true (veto: cannot be graded A or B); risk scaled by industry, highest in mining and materials", rateSafetyAccidentRow, "industrial rows", c.safety, c.industrialRows},
		{"env_violation", "env_violation = true (veto); risk scaled by industry, highest in chemicals and building materials", rateEnvViolationRow, "industrial rows", c.env, c.industrialRows},
	}
}

// round2 rounds for the manifest.
func round2(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return math.Round(x*100) / 100
}

func round4(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return math.Round(x*10000) / 10000
}

// quantile returns the type-7 quantile of sorted xs.
func quantile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	h := p * float64(len(xs)-1)
	lo := math.Floor(h)
	i := int(lo)
	if i+1 >= len(xs) {
		return xs[len(xs)-1]
	}
	return xs[i] + (h-lo)*(xs[i+1]-xs[i])
}

func median(xs []float64) float64 {
	sort.Float64s(xs)
	return quantile(xs, 0.5)
}

// perMuAcc accumulates benefit-per-mu figures in the files' integer units.
type perMuAcc struct {
	firms           int
	land, out, va   int64 // rows with land
	landT, tax      int64 // rows with land and tax
	rOut, rVA, rTax []float64
}

func (a *perMuAcc) add(x *ints) {
	land := x[fLand]
	if land <= 0 {
		return
	}
	a.firms++
	a.land += land
	a.out += x[fOutput]
	a.va += x[fVA]
	a.rOut = append(a.rOut, float64(x[fOutput])/float64(land))
	a.rVA = append(a.rVA, float64(x[fVA])/float64(land))
	if x[fTax] >= 0 {
		a.landT += land
		a.tax += x[fTax]
		a.rTax = append(a.rTax, float64(x[fTax])/float64(land))
	}
}

func (a *perMuAcc) result(withTargets bool) PerMu {
	p := PerMu{
		Firms:             a.firms,
		LandMu:            round2(float64(a.land) / 100),
		TaxPerMu:          round2(float64(a.tax) / float64(a.landT)),
		VAPerMu:           round2(float64(a.va) / float64(a.land)),
		OutputPerMu:       round2(float64(a.out) / float64(a.land)),
		MedianTaxPerMu:    round2(median(a.rTax)),
		MedianVAPerMu:     round2(median(a.rVA)),
		MedianOutputPerMu: round2(median(a.rOut)),
	}
	p.P10OutputPerMu = round2(quantile(a.rOut, 0.1))
	p.P90OutputPerMu = round2(quantile(a.rOut, 0.9))
	if withTargets {
		b := Baseline2023
		p.TargetTaxPerMu, p.TargetVAPerMu, p.TargetOutputPerMu = b.TaxPerMu, b.VAPerMu, b.OutputPerMu
	}
	return p
}

// ratioAcc accumulates Σ num ÷ Σ den and the firms' own ratios.
type ratioAcc struct {
	num, den int64
	rs       []float64
}

func (a *ratioAcc) add(num, den int64) {
	if num < 0 || den <= 0 {
		return
	}
	a.num += num
	a.den += den
	a.rs = append(a.rs, float64(num)/float64(den))
}

func (a *ratioAcc) result(scale, target float64, unit string, prec func(float64) float64) Ratio {
	return Ratio{Value: prec(float64(a.num) / float64(a.den) * scale), Median: prec(median(a.rs) * scale), Target: target, Unit: unit}
}

// calibration computes the calibration year's figures from the values as
// written (missing cells left out, slips at their correct values).
func (g *gen) calibration() Calibration {
	C := CalibrationYear
	b := Baseline2023
	cal := Calibration{
		Year: C,
		Note: "computed from the calibration year's rows as written, with missing cells left out and unit slips at their correct values; per-mu figures over above-size manufacturers (divisions 13–43) with land: Σ numerator ÷ Σ land, medians of the firms' own ratios; aims are targets × this seed's jitter (±6 % at most)",
		Adjustments: map[string]float64{
			"tax_rate":           round4(g.fac.tax),
			"value_added_ratio":  round4(g.fac.va),
			"energy_intensity":   round4(g.fac.energy),
			"emission_factor":    round4(g.fac.emis),
			"land_scale":         round4(g.fac.land),
			"jitter_output_mu":   round4(g.jit.out),
			"jitter_tax_mu":      round4(g.jit.tax),
			"jitter_va_mu":       round4(g.jit.va),
			"jitter_va_energy":   round4(g.jit.energy),
			"jitter_va_emission": round4(g.jit.emis),
		},
	}
	clusterOut := make([]int64, len(ClusterCalibration))
	clusterFirms := make([]int, len(ClusterCalibration))
	type secAcc struct {
		firms                                        int
		out, rev, tax, va, rd, revRD, en, outEn, emp int64
		outEmp, emis, enEmis, land, outLand          int64
	}
	secs := make([]secAcc, len(g.secs))
	var rev, out, soft int64
	var pm, pmBelow perMuAcc
	var vaEn, vaEm, rdInt, prod ratioAcc
	var elecKWh, enTot int64
	var r rng
	for i := range g.firms {
		f := &g.firms[i]
		v := g.year(f, C, 1, &r)
		if !v.alive {
			continue
		}
		x := toInts(&v)
		if f.kind == kindSoftware {
			soft += x[fRevenue]
			continue
		}
		if x[fTax] >= 0 && v.miss&(1<<fTax) != 0 {
			x[fTax] = -1
		}
		for _, fld := range []int{fEnergy, fEmis, fRD, fEmp} {
			if v.miss&(1<<fld) != 0 {
				x[fld] = -1
			}
		}
		mfg := isManufacturing(f.class)
		if !v.above {
			if mfg && !v.construction {
				pmBelow.add(&x)
			}
			continue
		}
		cal.AboveSizeFirms++
		rev += x[fRevenue]
		out += x[fOutput]
		if x[fRevenue] > 1e8 { // 10 bn yuan = 1,000,000 万元 = 1e8 hundredths
			cal.FirmsRevenueAbove10bn++
		}
		if x[fRevenue] > 5e7 {
			cal.FirmsRevenueAbove5bn++
		}
		if c := clusterOf(f.class); c >= 0 {
			clusterOut[c] += x[fOutput]
			clusterFirms[c]++
		}
		s := &secs[f.sector]
		s.firms++
		s.out += x[fOutput]
		s.rev += x[fRevenue]
		s.va += x[fVA]
		if x[fTax] >= 0 {
			s.tax += x[fTax]
		}
		if x[fRD] >= 0 {
			s.rd += x[fRD]
			s.revRD += x[fRevenue]
		}
		if x[fEnergy] >= 0 {
			s.en += x[fEnergy]
			s.outEn += x[fOutput]
			if x[fEmis] >= 0 {
				s.emis += x[fEmis]
				s.enEmis += x[fEnergy]
			}
		}
		if x[fEmp] > 0 {
			s.emp += x[fEmp]
			s.outEmp += x[fOutput]
		}
		if x[fLand] > 0 {
			s.land += x[fLand]
			s.outLand += x[fOutput]
		}
		if !mfg {
			continue
		}
		pm.add(&x)
		vaEn.add(x[fVA], x[fEnergy])
		vaEm.add(x[fVA], x[fEmis])
		rdInt.add(x[fRD], x[fRevenue])
		prod.add(x[fVA], x[fEmp])
		if x[fEnergy] > 0 {
			elecKWh += x[fElec]
			enTot += x[fEnergy]
		}
	}
	for i, c := range ClusterCalibration {
		cal.Clusters = append(cal.Clusters, ClusterFigure{
			ID: c.ID, NameZh: c.NameZh, Codes: c.Codes,
			Target100M: c.Output2023 * float64(g.factor),
			Aim100M:    round2(c.Output2023 * float64(g.factor) * g.jit.cluster[c.ID]),
			Output100M: round2(float64(clusterOut[i]) / 1e6), Firms: clusterFirms[i],
		})
	}
	cal.AboveSizeRevenue100M = round2(float64(rev) / 1e6)
	cal.AboveSizeOutput100M = round2(float64(out) / 1e6)
	cal.SoftwareRevenue100M = round2(float64(soft) / 1e6)
	for _, ss := range g.secs {
		if ss.kind == kindSoftware {
			cal.SoftwareRevenueTarget = ss.target * float64(g.factor)
		}
	}
	cal.PerMu = pm.result(true)
	cal.PerMuBelowSize = pmBelow.result(false)
	// energy in hundredths of tce, emissions in thousandths of t, money in hundredths.
	cal.VAPerEnergy = vaEn.result(1, b.VAPerEnergy, "10k yuan per tce", round4)
	cal.VAPerEmissions = vaEm.result(10, b.VAPerEmissions, "10k yuan per t", round2)
	cal.RDIntensity = rdInt.result(1, 0, "R&D ÷ revenue", round4)
	cal.LabourProductivity = prod.result(0.01, 0, "10k yuan value added per employee", round2)
	cal.ElectricityShareOfEnergy = round4(float64(elecKWh) * tcePerKWh / (float64(enTot) / 100))
	for i, s := range secs {
		if s.firms == 0 {
			continue
		}
		ss := g.secs[i]
		d := DivisionFigure{Sector: ss.id, NameZh: ss.nameZh, AboveSizeFirms: s.firms, Output100M: round2(float64(s.out) / 1e6)}
		div := func(a, b int64, k float64) float64 {
			if b == 0 {
				return 0
			}
			return round4(float64(a) / float64(b) * k)
		}
		d.EnergyPerOut = div(s.en, s.outEn, 1)
		d.TaxPerRevenue = div(s.tax, s.rev, 1)
		d.VAPerOutput = div(s.va, s.out, 1)
		d.RDPerRevenue = div(s.rd, s.revRD, 1)
		d.OutputPerEmp = round2(div(s.outEmp, s.emp, 0.01))
		d.EmissionsPerE = div(s.emis, s.enEmis, 0.1)
		d.OutputPerMu = round2(div(s.outLand, s.land, 1))
		cal.Divisions = append(cal.Divisions, d)
	}
	return cal
}
