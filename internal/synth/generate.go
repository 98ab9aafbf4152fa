package synth

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/refdata"
)

// gen holds one run's state.
type gen struct {
	cfg        Config
	factor     int
	units      []refdata.Unit
	ind        *refdata.Industries
	secs       []*sectorState
	firms      []firm
	order      []int32
	fac        factors
	lo, hi     int // year span of the random walks: FromYear..ToYear and the calibration year
	meanSafety float64
	meanEnv    float64
	seasons    []*seasons // by year from FromYear
	jit        struct {
		out, tax, va, energy, emis float64
		cluster                    map[string]float64
	}
}

// Generate writes a synthetic dataset (enterprises.csv, annual.csv,
// monthly.csv and manifest.json) into outDir, creating it if needed. The
// files are written into a temporary directory inside outDir and moved into
// place only when all are complete, manifest last; on any error nothing in
// outDir changes. The same Config gives byte-identical files.
func Generate(ctx context.Context, cfg Config, outDir string) (*Manifest, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if outDir == "" {
		return nil, indus.Errorf(indus.EInvalid, "no output directory given")
	}
	// Stage first: an unwritable directory fails before any work.
	st, err := newStage(outDir)
	if err != nil {
		return nil, err
	}
	g, err := newGen(cfg)
	if err != nil {
		st.abort()
		return nil, err
	}
	m, err := g.write(ctx, st.dir)
	if err != nil {
		st.abort()
		return nil, err
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		st.abort()
		return nil, err
	}
	data = append(data, '\n')
	if err := os.WriteFile(filepath.Join(st.dir, ManifestFile), data, 0o644); err != nil {
		st.abort()
		return nil, dirError(outDir, err)
	}
	if err := st.commit([]string{EnterprisesFile, AnnualFile, MonthlyFile, ManifestFile}); err != nil {
		st.abort()
		return nil, err
	}
	return m, nil
}

// newGen builds the population and calibrates it.
func newGen(cfg Config) (*gen, error) {
	g := &gen{cfg: cfg, factor: cfg.factor(), units: refdata.Units(), ind: refdata.GBT4754()}
	g.lo, g.hi = min(cfg.FromYear, CalibrationYear), max(cfg.ToYear, CalibrationYear)
	g.fac = factors{land: 1, tax: 1, va: 1, energy: 1, emis: 1}
	if err := g.setupSectors(); err != nil {
		return nil, err
	}
	g.drawJitter()
	for _, ss := range g.secs {
		ss.glo = g.lo
		ss.gidx = make([]float64, g.hi-g.lo+1)
		for y := g.lo; y <= g.hi; y++ {
			ss.gidx[y-g.lo] = ss.growth.index(y)
		}
	}
	if err := g.buildFirms(); err != nil {
		return nil, err
	}
	var n float64
	for i := range g.firms {
		if f := &g.firms[i]; f.kind != kindSoftware {
			g.meanSafety += f.prof.safety
			g.meanEnv += f.prof.env
			n++
		}
	}
	g.meanSafety /= n
	g.meanEnv /= n
	if err := g.scaleBodies(); err != nil {
		return nil, err
	}
	g.calibrate()
	g.sortFirms()
	for y := cfg.FromYear; y <= cfg.ToYear; y++ {
		g.seasons = append(g.seasons, makeSeasons(y))
	}
	return g, nil
}

// drawJitter draws this seed's deviations from the targets: a log-normal
// factor with a 3 % spread, kept within ±6 %, so different seeds are
// different plausible years rather than the same figures to the yuan.
func (g *gen) drawJitter() {
	var r rng
	r.reseed(g.cfg.Seed, streamGlobal, 0, 0)
	j := func() float64 { return quantize(clamp(fexp(0.03*r.norm()), 0.94, 1.06)) }
	g.jit.cluster = map[string]float64{}
	for _, c := range ClusterCalibration {
		g.jit.cluster[c.ID] = j()
	}
	for _, ss := range g.secs {
		x := j()
		if c, ok := g.jit.cluster[ss.cluster]; ok {
			x = c
		}
		ss.jitter = x
	}
	g.jit.out, g.jit.tax, g.jit.va, g.jit.energy, g.jit.emis = j(), j(), j(), j(), j()
}

// isManufacturing reports whether a class lies in divisions 13–43.
func isManufacturing(class string) bool {
	d, err := strconv.Atoi(class[:2])
	return err == nil && d >= 13 && d <= 43
}

// isUtility reports whether a class lies in divisions 44–46.
func isUtility(class string) bool {
	d, err := strconv.Atoi(class[:2])
	return err == nil && d >= 44 && d <= 46
}

// calibrate sets the land scale and the tax, value-added, energy and
// emission factors so that the calibration year's aggregates over
// above-size manufacturers hit DOMAIN.md §2's baselines × this seed's
// jitter. Every aggregate is linear in its factor, so one pass suffices.
func (g *gen) calibrate() {
	C := CalibrationYear
	var r rng
	var sOut, sLand, sVA, sTax, sLandT, sVAe, sEn, sVAm, sEm float64
	for i := range g.firms {
		f := &g.firms[i]
		if f.kind == kindSoftware || !isManufacturing(f.class) {
			continue
		}
		v := g.year(f, C, 1, &r)
		if !v.above {
			continue
		}
		if v.land > 0 {
			sOut += v.output
			sLand += v.land
			sVA += v.va
			if v.miss&(1<<fTax) == 0 {
				sTax += v.tax
				sLandT += v.land
			}
		}
		if v.miss&(1<<fEnergy) == 0 {
			sVAe += v.va
			sEn += v.energy
		}
		if v.miss&(1<<fEmis) == 0 {
			sVAm += v.va
			sEm += v.emis
		}
	}
	b := Baseline2023
	L := sOut / (sLand * b.OutputPerMu * g.jit.out)
	g.fac.land = L
	g.fac.tax = b.TaxPerMu * g.jit.tax * sLandT * L / sTax
	g.fac.va = b.VAPerMu * g.jit.va * sLand * L / sVA
	g.fac.energy = sVAe * g.fac.va / (b.VAPerEnergy * g.jit.energy * sEn)
	g.fac.emis = sVAm * g.fac.va / (b.VAPerEmissions * g.jit.emis * sEm * g.fac.energy)
	g.fac = factors{quantize(g.fac.land), quantize(g.fac.tax), quantize(g.fac.va), quantize(g.fac.energy), quantize(g.fac.emis)}
}

// ints is a row's values in the files' smallest units: hundredths for
// money, land and energy, thousandths for emissions, whole kWh and persons;
// -1 for unknown.
type ints [nFields]int64

func toInts(v *yearVals) ints {
	var x ints
	c := func(f float64, scale float64) int64 {
		if f < 0 {
			return -1
		}
		return int64(math.Round(f * scale))
	}
	x[fLand] = c(v.land, 100)
	x[fRevenue] = c(v.revenue, 100)
	x[fOutput] = c(v.output, 100)
	x[fVA] = c(v.va, 100)
	x[fTax] = c(v.tax, 100)
	x[fEnergy] = c(v.energy, 100)
	x[fElec] = c(v.elec, 1)
	x[fEmis] = c(v.emis, 1000)
	x[fRD] = c(v.rd, 100)
	x[fEmp] = c(v.emp, 1)
	return x
}

// fieldDecimals are the decimals each field is written with.
var fieldDecimals = [nFields]int{fLand: 2, fRevenue: 2, fOutput: 2, fVA: 2, fTax: 2, fEnergy: 2, fElec: 0, fEmis: 3, fRD: 2, fEmp: 0}

// slipped returns the value written for a field slipped into the wrong unit.
func slipped(field int, v int64) int64 {
	if field == fLand {
		return int64(math.Round(float64(v) * landSlipFactor))
	}
	return v * moneySlipFactor
}

func fmtFixed(v int64, dec int) string { return string(appendFixed(nil, v, dec)) }

// yrow is one year of a firm during the write pass.
type yrow struct {
	y int
	v yearVals
	x ints
}

// write is the write pass: one loop over the firms in USCC order that
// writes all three files and counts what the manifest reports.
func (g *gen) write(ctx context.Context, dir string) (*Manifest, error) {
	cfg := g.cfg
	ent, err := createOut(dir, EnterprisesFile, EnterpriseHeader)
	if err != nil {
		return nil, err
	}
	ann, err := createOut(dir, AnnualFile, AnnualHeader)
	if err != nil {
		ent.abort()
		return nil, err
	}
	mon, err := createOut(dir, MonthlyFile, MonthlyHeader)
	if err != nil {
		ent.abort()
		ann.abort()
		return nil, err
	}
	outs := []*outFile{ent, ann, mon}
	abortAll := func() {
		for _, o := range outs {
			o.abort()
		}
	}

	m := g.newManifest()
	ic := newImperfCounter()
	aboveByYear := make([]int, cfg.ToYear-cfg.FromYear+1)
	monthLabels := make([][12]string, len(aboveByYear))
	for i := range monthLabels {
		for mth := 0; mth < 12; mth++ {
			monthLabels[i][mth] = fmt.Sprintf("%04d-%02d", cfg.FromYear+i, mth+1)
		}
	}
	yearLabels := make([]string, len(aboveByYear))
	for i := range yearLabels {
		yearLabels[i] = strconv.Itoa(cfg.FromYear + i)
	}

	var r rng
	w := make([]float64, g.hi-g.lo+1)
	rows := make([]yrow, 0, len(aboveByYear))
	eb, ab, mb := ent.buf(), ann.buf(), mon.buf()
	var ow, rw, ew, pw [12]float64
	var mo, mr, me, mp [12]int64

	for n, idx := range g.order {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				abortAll()
				return nil, err
			}
			if ent.failed.Load() || ann.failed.Load() || mon.failed.Load() {
				break // the write error comes out of close below
			}
		}
		f := &g.firms[idx]
		ss := g.secs[f.sector]
		industrial := f.kind != kindSoftware
		utility := industrial && isUtility(f.class)
		g.walk(f, w, &r)
		rows = rows[:0]
		for y := cfg.FromYear; y <= cfg.ToYear; y++ {
			v := g.year(f, y, w[y-g.lo], &r)
			if v.alive {
				rows = append(rows, yrow{y: y, v: v, x: toInts(&v)})
			}
		}
		if len(rows) == 0 {
			continue // cannot happen: founding ≤ ToYear and exit ≥ FromYear
		}

		// Counts.
		switch {
		case f.kind == kindSoftware:
			m.Counts.Software++
		case rows[len(rows)-1].v.above:
			m.Counts.IndustrialAboveSize++
		default:
			m.Counts.IndustrialBelowSize++
		}
		if int(f.foundedY) >= cfg.FromYear {
			m.Counts.FoundedInPeriod++
		}
		if f.exitYear != 0 {
			m.Counts.Exits++
		}
		if utility {
			m.Counts.UtilityFirms++
		}
		if industrial {
			for i := 1; i < len(rows); i++ {
				if rows[i].v.above && !rows[i-1].v.above {
					m.Counts.BecameAboveSize++
					break
				}
			}
		}

		// enterprises.csv
		last := &rows[len(rows)-1]
		land := last.x[fLand]
		var ri rng
		ri.reseed(cfg.Seed, streamImperf, uint64(f.id), 0)
		if industrial && land > 0 && ri.chance(rateLandSlipFirm) {
			ws := slipped(fLand, land)
			ic.landSlipFirm++
			m.Imperfection.UnitSlips = append(m.Imperfection.UnitSlips, UnitSlip{File: EnterprisesFile, USCC: f.uscc,
				Field: "land_mu", Kind: "m2_for_mu", Factor: landSlipFactor, Written: fmtFixed(ws, 2), Correct: fmtFixed(land, 2)})
			land = ws
		}
		if industrial && land > 0 {
			ic.firmsWithLand++
		}
		if industrial {
			ic.industrialFirms++
			if f.emisMissing {
				ic.emisMissingFirm++
			}
		}
		if f.kind == kindBelow {
			ic.belowFirms++
			if f.landMissing {
				ic.landMissingFirm++
			}
		}
		unit := g.units[f.unit]
		eb = append(eb, f.uscc...)
		eb = append(eb, ',')
		eb = appendField(eb, f.name)
		eb = append(eb, ',')
		eb = append(eb, unit.Code...)
		eb = append(eb, ',')
		if f.park >= 0 {
			if f.kind == kindSoftware {
				eb = appendField(eb, softwareParks[unit.Code][f.park])
			} else {
				eb = appendField(eb, unitParks[unit.Code][f.park])
			}
		}
		eb = append(eb, ',')
		eb = append(eb, f.class...)
		eb = append(eb, ',')
		it, _ := g.ind.Lookup(f.class)
		var rt rng
		rt.reseed(cfg.Seed, streamText, uint64(f.id), 0)
		eb = appendField(eb, businessScope(ss.sector, it.NameZh, int(f.foundedY), &rt))
		eb = append(eb, ',')
		eb = appendBool(eb, last.v.above)
		eb = append(eb, ',')
		eb = appendFixed(eb, int64(f.foundedY), 0)
		eb = append(eb, '-', byte('0'+f.foundedM/10), byte('0'+f.foundedM%10), '-', byte('0'+f.foundedD/10), byte('0'+f.foundedD%10), ',')
		eb = appendOpt(eb, land, 2)
		eb = append(eb, ',')
		if land >= 0 {
			eb = append(eb, landSources[f.landSource]...)
		}
		eb = append(eb, '\n')
		ent.rows++

		// annual.csv and monthly.csv
		for i := range rows {
			row := &rows[i]
			yi := row.y - cfg.FromYear
			v := &row.v
			if industrial && v.above {
				aboveByYear[yi]++
			}
			if v.construction {
				m.Counts.RowsUnderConstruction++
			}
			ic.count(f, v)
			ab = append(ab, f.uscc...)
			ab = append(ab, ',')
			ab = append(ab, yearLabels[yi]...)
			for fld := 0; fld < nFields; fld++ {
				ab = append(ab, ',')
				val := row.x[fld]
				if v.miss&(1<<fld) != 0 {
					continue
				}
				if int(v.slip) == fld && val > 0 {
					wv := slipped(fld, val)
					kind, factor := "yuan_for_10k_yuan", float64(moneySlipFactor)
					if fld == fLand {
						kind, factor = "m2_for_mu", landSlipFactor
						ic.landSlipRow++
					} else {
						ic.moneySlipRow++
					}
					m.Imperfection.UnitSlips = append(m.Imperfection.UnitSlips, UnitSlip{File: AnnualFile, USCC: f.uscc,
						Year: row.y, Field: fieldNames[fld], Kind: kind, Factor: factor,
						Written: fmtFixed(wv, fieldDecimals[fld]), Correct: fmtFixed(val, fieldDecimals[fld])})
					val = wv
				}
				ab = appendOpt(ab, val, fieldDecimals[fld])
			}
			ab = append(ab, ',')
			ab = appendBool(ab, v.safety)
			ab = append(ab, ',')
			ab = appendBool(ab, v.env)
			ab = append(ab, ',')
			ab = appendBool(ab, v.construction)
			ab = append(ab, ',')
			ab = appendBool(ab, utility)
			ab = append(ab, ',')
			ab = appendBool(ab, v.above)
			ab = append(ab, '\n')
			ann.rows++

			// The monthly survey covers above-size industrial firms.
			if !industrial || !v.above {
				continue
			}
			growth := 0.0
			if i > 0 && rows[i-1].y == row.y-1 && rows[i-1].v.output > 0 {
				growth = clamp(v.output/rows[i-1].v.output-1, -0.3, 0.5)
			}
			se := g.seasons[yi]
			r.reseed(cfg.Seed, streamMonth, uint64(f.id), uint64(row.y))
			monthWeights(&se.out[ss.season], growth, 0.05, &r, &ow)
			for mth := 0; mth < 12; mth++ {
				rw[mth] = ow[mth] * fexp(0.04*r.norm())
			}
			monthWeights(&se.elec[ss.season], growth/2, 0.03, &r, &ew)
			for mth := 0; mth < 12; mth++ {
				pw[mth] = se.emp[mth] * (1 + 0.3*growth*(float64(mth)-5.5)/12) * fexp(0.01*r.norm())
			}
			allocate(row.x[fOutput], &ow, &mo)
			allocate(row.x[fRevenue], &rw, &mr)
			allocate(row.x[fElec], &ew, &me)
			allocate(12*row.x[fEmp], &pw, &mp)
			for mth := 0; mth < 12; mth++ {
				mb = append(mb, f.uscc...)
				mb = append(mb, ',')
				mb = append(mb, monthLabels[yi][mth]...)
				mb = append(mb, ',')
				mb = appendFixed(mb, mo[mth], 2)
				mb = append(mb, ',')
				mb = appendFixed(mb, mr[mth], 2)
				mb = append(mb, ',')
				mb = appendFixed(mb, me[mth], 0)
				mb = append(mb, ',')
				mb = appendFixed(mb, mp[mth], 0)
				mb = append(mb, '\n')
			}
			mon.rows += 12
		}
		eb, ab, mb = ent.flush(eb), ann.flush(ab), mon.flush(mb)
	}
	ent.send(eb)
	ann.send(ab)
	mon.send(mb)
	for _, o := range outs {
		fm, err := o.close()
		if err != nil {
			abortAll()
			return nil, dirError(filepath.Dir(dir), err)
		}
		m.Files[o.name] = fm
	}
	m.Counts.Enterprises = int(ent.rows)
	m.Counts.AnnualRows = ann.rows
	m.Counts.MonthlyRows = mon.rows
	for i, c := range aboveByYear {
		m.Counts.AboveSizeByYear[yearLabels[i]] = c
	}
	m.Imperfection.Rates = ic.rates()
	m.Calibration = g.calibration()
	return m, nil
}
