package synth

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/indus-platform/indus/internal/refdata"
)

// tier is a firm's place in the size distribution.
type tier uint8

const (
	tierBody  tier = iota // log-normal body
	tierLarge             // 5–10 bn yuan revenue in 2023
	tierGiant             // above 10 bn yuan revenue in 2023 (Pareto tail)
)

// Size constants, 10k yuan (万元).
const (
	aboveSizeThreshold    = 2000  // industrial: main business revenue ≥ 20 M yuan
	softwareSizeThreshold = 1000  // software and IT services: revenue ≥ 10 M yuan
	bodyFloor             = 2200  // smallest 2023 output of a core firm, safely above the threshold
	bodyCap               = 4.6e5 // largest body firm: its revenue stays below 5 bn yuan
	largeMin, largeMax    = 5.3e5, 9.3e5
	giantMin              = 1.06e6
	giantAlpha            = 1.1 // Pareto index of the tail: 27 firms > 10 bn and 51 > 5 bn (DOMAIN.md §1) give ≈ 1
)

// firm is one enterprise's static attributes; its yearly figures are derived
// from them on demand (see year).
type firm struct {
	id           uint32
	sector       uint8
	kind         kind
	tier         tier
	unit         uint8
	landSource   uint8 // 0 certificate, 1 lease, 2 imagery
	construction uint8 // years under construction after founding
	riser        bool
	landMissing  bool
	emisMissing  bool
	park         int16 // index into the unit's parks, -1 none
	foundedY     int16
	foundedM     uint8
	foundedD     uint8
	exitYear     int16 // last year with data; 0 when the firm stays
	expandYear   int16 // year the land grows; 0 never
	expand       float32
	walkSigma    float32
	drift        float32
	e            float64 // body size draw, scaled by the sector's k
	anchor       float64 // full-year output in the calibration year, 10k yuan
	landNoise    float64
	landRaw      float64
	rr           float64 // revenue ÷ output
	va, tax, en  float64 // ratios: value added ÷ output, tax ÷ revenue, tce per 10k yuan
	rd, prod     float64 // R&D ÷ revenue, output per employee
	elec, emis   float64 // electricity share of energy, emissions per tce
	prof         *profile
	class        string
	uscc         string
	name         string
}

// sectorState is a sector with everything derived for one run.
type sectorState struct {
	*sector
	idx          int
	classes      []string
	classCum     []float64
	unitCum      []float64
	giantUnitCum []float64
	k            float64   // scale of the body sizes
	jitter       float64   // this seed's deviation from the target
	gidx         []float64 // growth index by year, from glo, 1 in the calibration year
	glo          int
}

// growIdx returns the sector's output in year y relative to the calibration year.
func (ss *sectorState) growIdx(y int) float64 { return ss.gidx[y-ss.glo] }

var landSources = [3]string{"certificate", "lease", "imagery"}

// activity says how a firm operates in year y: the share of a full year's
// output it produces, whether it is a construction site, whether it is a
// full operating year (needed to count as above-size), and whether it
// exists at all.
func (f *firm) activity(y int) (act float64, construction, full, alive bool) {
	fy := int(f.foundedY)
	if y < fy || (f.exitYear != 0 && y > int(f.exitYear)) {
		return 0, false, false, false
	}
	k, c := y-fy, int(f.construction)
	switch {
	case k < c:
		return 0, true, false, true
	case c > 0 && k == c:
		return 0.5, false, false, true
	case c == 0 && k == 0:
		return float64(13-int(f.foundedM)) / 12 * 0.5, false, false, true
	case c == 0 && k == 1:
		return 0.85, false, false, true
	}
	return 1, false, true, true
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// yearIn draws a year in [lo, hi], tolerating an empty range.
func yearIn(r *rng, lo, hi int) int {
	if hi < lo {
		return lo
	}
	return lo + r.intn(hi-lo+1)
}

// setupSectors derives class lists and unit weights for every sector.
func (g *gen) setupSectors() error {
	ind := refdata.GBT4754()
	for i, s := range sectors {
		ss := &sectorState{sector: s, idx: i}
		var w []float64
		for _, c := range s.codes {
			cl := ind.Classes(c.code)
			if len(cl) == 0 {
				return fmt.Errorf("synth: sector %s: code %s has no GB/T 4754 classes", s.id, c.code)
			}
			for _, x := range cl {
				ss.classes = append(ss.classes, x)
				w = append(w, c.w/float64(len(cl)))
			}
		}
		ss.classCum = cumulative(w)
		for _, c := range s.giantAt {
			if it, ok := ind.Lookup(c); !ok || it.Level != refdata.LevelClass {
				return fmt.Errorf("synth: sector %s: giant class %s is not a GB/T 4754 class", s.id, c)
			}
		}
		uw := make([]float64, len(g.units))
		gw := make([]float64, len(g.units))
		for j, u := range g.units {
			var x float64
			switch {
			case s.kind == kindSoftware:
				x = softwareBase[u.Code]
			case s.flat:
				x = 100
				if u.Region == "metro" {
					x = 150
				}
			default:
				x = unitBase[u.Code] * regionAffinity[u.Region]
				if a, ok := s.affinity[u.Code]; ok {
					x = unitBase[u.Code] * a
				}
			}
			uw[j] = x
			gw[j] = x * x // giants concentrate where their sector is strongest
		}
		ss.unitCum = cumulative(uw)
		ss.giantUnitCum = cumulative(gw)
		g.secs = append(g.secs, ss)
	}
	return nil
}

// buildFirms creates every firm's static attributes in a fixed order.
func (g *gen) buildFirms() error {
	F := g.factor
	total := 0
	for _, ss := range g.secs {
		total += (ss.nCore + ss.nBelow) * F
	}
	g.firms = make([]firm, 0, total)
	usccs := make(map[string]struct{}, total)
	names := make(map[string]struct{}, total)
	var r rng
	for _, ss := range g.secs {
		giants, large := ss.giants*F, ss.large*F
		r.reseed(g.cfg.Seed, streamSector, uint64(ss.idx), 1)
		gs := make([]float64, giants)
		for i := range gs {
			// Stratified quantiles of a Pareto tail: stable counts and sums
			// from seed to seed, still random within each stratum.
			u := (float64(giants-1-i) + 0.2 + 0.6*r.float()) / float64(giants)
			x := giantMin * fpow(1-u, -1/giantAlpha)
			if cp := ss.giantCap * r.between(0.85, 1); x > cp {
				x = cp
			}
			gs[i] = x
		}
		ls := make([]float64, large)
		for i := range ls {
			u := (float64(i) + 0.1 + 0.8*r.float()) / float64(large)
			ls[i] = largeMin * fpow(largeMax/largeMin, u)
		}
		n := ss.nCore * F
		k := kindCore
		if ss.kind == kindSoftware {
			k = kindSoftware
		}
		for i := 0; i < n; i++ {
			f := firm{tier: tierBody}
			switch {
			case i < giants:
				f.tier, f.anchor = tierGiant, gs[i]
			case i < giants+large:
				f.tier, f.anchor = tierLarge, ls[i-giants]
			}
			gi := -1
			if f.tier != tierBody {
				gi = i
			}
			if err := g.newFirm(&f, ss, k, gi, usccs, names); err != nil {
				return err
			}
		}
		for i := 0; i < ss.nBelow*F; i++ {
			f := firm{tier: tierBody}
			if err := g.newFirm(&f, ss, kindBelow, -1, usccs, names); err != nil {
				return err
			}
		}
	}
	return nil
}

// newFirm draws a firm's static attributes from its own stream.
func (g *gen) newFirm(f *firm, ss *sectorState, k kind, giantIdx int, usccs, names map[string]struct{}) error {
	from, to := g.cfg.FromYear, g.cfg.ToYear
	f.id = uint32(len(g.firms))
	f.sector = uint8(ss.idx)
	f.kind = k
	var r rng
	r.reseed(g.cfg.Seed, streamFirm, uint64(f.id), 0)
	big := f.tier != tierBody

	// Class and profile.
	if big && len(ss.giantAt) > 0 {
		f.class = ss.giantAt[giantIdx%len(ss.giantAt)]
		r.float()
	} else {
		f.class = ss.classes[r.pick(ss.classCum)]
	}
	f.prof = ss.prof
	if p, ok := profileOverrides[f.class]; ok {
		f.prof = p
	}

	// Place.
	if big {
		f.unit = uint8(r.pick(ss.giantUnitCum))
	} else {
		f.unit = uint8(r.pick(ss.unitCum))
	}
	unit := g.units[f.unit]

	// Founding, construction, exit.
	u := r.float()
	switch {
	case big:
		f.foundedY = int16(yearIn(&r, 1958, 2012))
	case k == kindCore:
		switch {
		case u < 0.15:
			f.foundedY = int16(yearIn(&r, 1970, 1999))
		case u < 0.75:
			f.foundedY = int16(yearIn(&r, 2000, 2015))
		case u < 0.92:
			f.foundedY = int16(yearIn(&r, 2016, from-1))
		default:
			f.foundedY = int16(yearIn(&r, from, to))
		}
	case k == kindBelow:
		switch {
		case u < 0.05:
			f.foundedY = int16(yearIn(&r, 1985, 1999))
		case u < 0.50:
			f.foundedY = int16(yearIn(&r, 2000, 2015))
		case u < 0.75:
			f.foundedY = int16(yearIn(&r, 2016, from-1))
		default:
			f.foundedY = int16(yearIn(&r, from, to))
		}
	default:
		switch {
		case u < 0.40:
			f.foundedY = int16(yearIn(&r, 2000, 2015))
		case u < 0.70:
			f.foundedY = int16(yearIn(&r, 2016, from-1))
		default:
			f.foundedY = int16(yearIn(&r, from, to))
		}
	}
	f.foundedM = uint8(1 + r.intn(12))
	f.foundedD = uint8(1 + r.intn(daysIn(int(f.foundedY), int(f.foundedM))))
	uc := r.float()
	if k != kindSoftware && !big && int(f.foundedY) >= from-1 {
		p := 0.25
		if k == kindCore {
			p = 0.6
		}
		if uc < p {
			f.construction = 1
			if uc < p/4 {
				f.construction = 2
			}
		}
	}
	pExit := byKind(k, 0.003, 0.01, 0.015)
	ue := r.float()
	if !big {
		first := max(int(f.foundedY)+1, from)
		if first <= to-1 && ue < pExit*float64(to-from+1) {
			f.exitYear = int16(yearIn(&r, first, to-1))
		}
	}

	// Size and dynamics.
	z := r.norm()
	switch {
	case big:
		f.walkSigma = 0.05
	case k == kindCore:
		f.e = fexp(ss.sigma * z)
		f.walkSigma = 0.10
	case k == kindSoftware:
		f.e = fexp(ss.sigma * z)
		f.walkSigma = 0.12
	default:
		f.walkSigma = 0.15
		if r.chance(0.06) {
			f.riser = true
			f.drift = 0.15
			f.anchor = r.between(1000, 2200)
		} else {
			f.anchor = math.Min(math.Max(400*fexp(0.9*z), 40), 1500)
		}
	}
	if f.exitYear != 0 && !f.riser {
		f.drift = -0.05
	}

	// Ratios.
	p := f.prof
	switch {
	case big:
		f.rr = r.between(0.98, 1.03)
	case k == kindSoftware:
		f.rr = 1
	default:
		f.rr = r.between(0.93, 1.05)
	}
	f.va = r.between(p.va[0], p.va[1])
	f.tax = r.between(p.tax[0], p.tax[1])
	f.en = r.between(p.energy[0], p.energy[1])
	f.rd = r.between(p.rd[0], p.rd[1])
	f.prod = r.between(p.prod[0], p.prod[1])
	f.elec = r.between(p.elec[0], p.elec[1])
	f.emis = p.emis * r.lognorm(0.5)
	if k == kindBelow {
		f.tax *= 0.9
		f.rd *= 0.5
		if r.chance(0.4) {
			f.rd = 0 // most small firms spend nothing on R&D
		}
		f.prod *= 0.6
	}

	// Land.
	if k == kindBelow {
		f.landNoise = r.lognorm(0.8)
	} else {
		f.landNoise = r.lognorm(0.6)
	}
	pe := 0.05
	if big {
		pe = 0.2
	}
	if to > from && r.chance(pe) {
		f.expandYear = int16(from + 1 + r.intn(to-from))
		f.expand = float32(r.between(1.2, 1.6))
	}
	us := r.float()
	switch {
	case k == kindSoftware:
		f.landMissing = true
	case k == kindBelow && us < 0.04:
		f.landMissing = true
	}
	ul := r.float()
	if k == kindBelow {
		f.landSource = pickSource(ul, 0.45, 0.85)
	} else {
		f.landSource = pickSource(ul, 0.70, 0.90)
	}
	f.emisMissing = k != kindSoftware && r.chance(0.10)

	// Park.
	f.park = -1
	pp := byKind(k, 0.85, 0.65, 0.4)
	parks := unitParks[unit.Code]
	if k == kindSoftware {
		parks = softwareParks[unit.Code]
	}
	if r.chance(pp) && len(parks) > 0 {
		f.park = int16(r.intn(len(parks)))
	}

	// Identity: its own stream, so retries do not shift the figures above.
	var ri rng
	ri.reseed(g.cfg.Seed, streamIdentity, uint64(f.id), 0)
	division := unit.Code
	if d, ok := registryDivisions[unit.Code]; ok {
		division = d[ri.intn(len(d))]
	}
	pm := byKind(k, 0.08, 0.02, 0.10)
	if big {
		pm = 0.7
	}
	if ri.chance(pm) {
		division = municipalDivision
	}
	for try := 0; ; try++ {
		code := makeUSCC(division, int(f.foundedY), &ri)
		if _, dup := usccs[code]; !dup {
			usccs[code] = struct{}{}
			f.uscc = code
			break
		}
		if try > 100 {
			return fmt.Errorf("synth: cannot draw a unique USCC")
		}
	}
	unitZh := unit.NameZh
	if unit.Kind == "functional_zone" {
		unitZh = ""
	}
	for try := 0; ; try++ {
		name := companyName(ss.sector, f.class, unitZh, big, &ri)
		if _, dup := names[name]; !dup {
			names[name] = struct{}{}
			f.name = name
			break
		}
		if try > 1000 {
			return fmt.Errorf("synth: cannot draw a unique company name in sector %s", ss.id)
		}
	}
	g.firms = append(g.firms, *f)
	return nil
}

func byKind(k kind, core, below, software float64) float64 {
	switch k {
	case kindCore:
		return core
	case kindBelow:
		return below
	}
	return software
}

func pickSource(u, cert, lease float64) uint8 {
	switch {
	case u < cert:
		return 0
	case u < lease:
		return 1
	}
	return 2
}

// scaleBodies solves, sector by sector, for the scale k of the body sizes
// that makes the calibration year's above-size output (revenue for
// software) equal to the target × this seed's jitter.
func (g *gen) scaleBodies() error {
	C := CalibrationYear
	type term struct{ e, act float64 }
	var r rng
	for _, ss := range g.secs {
		aim := ss.target * 1e4 * float64(g.factor) * ss.jitter // 亿元 → 万元
		fixed := 0.0
		var terms []term
		floor := float64(bodyFloor)
		if ss.kind == kindSoftware {
			floor = 30
		}
		for i := range g.firms {
			f := &g.firms[i]
			if int(f.sector) != ss.idx {
				continue
			}
			act, _, full, alive := f.activity(C)
			if !alive {
				continue
			}
			switch {
			case f.kind == kindSoftware && f.tier == tierBody:
				terms = append(terms, term{f.e, act})
			case f.kind == kindSoftware:
				fixed += f.anchor * act
			case f.kind == kindCore && f.tier == tierBody:
				if full {
					terms = append(terms, term{f.e, 1})
				}
			default:
				v := g.year(f, C, 1, &r)
				if v.above {
					fixed += v.output
				}
			}
		}
		sum := func(k float64) float64 {
			s := fixed
			for _, t := range terms {
				s += t.act * math.Min(floor+k*t.e, bodyCap)
			}
			return s
		}
		if sum(0) > aim {
			return fmt.Errorf("synth: sector %s: giants and fixed firms (%.0f) exceed the target %.0f", ss.id, sum(0), aim)
		}
		hi := 1.0
		for sum(hi) < aim {
			hi *= 2
			if hi > 1e15 {
				return fmt.Errorf("synth: sector %s: cannot reach the target %.0f with %d firms", ss.id, aim, len(terms))
			}
		}
		lo := 0.0
		for i := 0; i < 200 && hi-lo > 1e-12*hi; i++ {
			mid := (lo + hi) / 2
			if sum(mid) < aim {
				lo = mid
			} else {
				hi = mid
			}
		}
		ss.k = quantize(hi)
		for i := range g.firms {
			f := &g.firms[i]
			if int(f.sector) == ss.idx && f.tier == tierBody && (f.kind == kindCore || f.kind == kindSoftware) {
				f.anchor = math.Min(floor+ss.k*f.e, bodyCap)
			}
		}
	}
	// Land follows size: bigger firms use land more intensively
	// (land ∝ output^0.88); below-size firms, being small, already use it
	// less intensively through that exponent.
	for i := range g.firms {
		f := &g.firms[i]
		if f.kind == kindSoftware {
			continue
		}
		ss := g.secs[f.sector]
		x := fpow(f.anchor, 0.88) / (ss.opm * f.landNoise)
		if f.kind == kindBelow {
			x *= 0.9
		}
		f.landRaw = x
	}
	return nil
}

// sortFirms orders the firms by USCC for output (the order does not affect
// any figure: every stream is keyed by the firm's id).
func (g *gen) sortFirms() {
	g.order = make([]int32, len(g.firms))
	for i := range g.order {
		g.order[i] = int32(i)
	}
	sort.Slice(g.order, func(a, b int) bool {
		return strings.Compare(g.firms[g.order[a]].uscc, g.firms[g.order[b]].uscc) < 0
	})
}
