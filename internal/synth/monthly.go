package synth

import (
	"math"
	"time"
)

// springFestival holds the Gregorian date of the first day of the lunar new
// year (春节), 2000–2035; the holiday moves the production dip between
// January and February.
var springFestival = map[int][2]int{
	2000: {2, 5}, 2001: {1, 24}, 2002: {2, 12}, 2003: {2, 1}, 2004: {1, 22}, 2005: {2, 9}, 2006: {1, 29}, 2007: {2, 18},
	2008: {2, 7}, 2009: {1, 26}, 2010: {2, 14}, 2011: {2, 3}, 2012: {1, 23}, 2013: {2, 10}, 2014: {1, 31}, 2015: {2, 19},
	2016: {2, 8}, 2017: {1, 28}, 2018: {2, 16}, 2019: {2, 5}, 2020: {1, 25}, 2021: {2, 12}, 2022: {2, 1}, 2023: {1, 22},
	2024: {2, 10}, 2025: {1, 29}, 2026: {2, 17}, 2027: {2, 6}, 2028: {1, 26}, 2029: {2, 13}, 2030: {2, 3}, 2031: {1, 23},
	2032: {2, 11}, 2033: {1, 31}, 2034: {2, 19}, 2035: {2, 8},
}

// Per-day production level by month for each seasonal pattern: a slow
// restart after the holiday, mid-year and September pushes, a December
// peak; carmakers push harder at year end; food peaks before the Spring
// Festival; utilities peak with summer cooling and winter heating.
var seasonDay = [nSeasons][12]float64{
	seasonDefault: {0.97, 0.95, 1.00, 0.98, 1.00, 1.06, 0.96, 0.97, 1.04, 0.97, 1.02, 1.12},
	seasonAuto:    {0.97, 0.93, 1.00, 0.97, 0.99, 1.06, 0.92, 0.94, 1.04, 0.98, 1.06, 1.20},
	seasonFood:    {1.15, 1.00, 0.97, 0.96, 0.98, 1.00, 0.95, 0.98, 1.05, 1.00, 1.03, 1.20},
	seasonUtility: {1.10, 1.00, 0.97, 0.95, 0.95, 1.02, 1.15, 1.20, 1.02, 0.95, 0.98, 1.05},
}

// Whole-economy shocks: Chongqing's COVID stop in early 2020; the August 2022
// heat wave with power rationing and the autumn 2022 lockdowns.
var monthShocks = map[int][12]float64{
	2020: {0.92, 0.45, 0.85, 1, 1, 1, 1, 1, 1, 1, 1, 1},
	2022: {1, 1, 1, 1, 1, 1, 1, 0.82, 0.92, 1, 1, 0.92},
}

// seasons holds the base monthly weights of one year.
type seasons struct {
	out  [nSeasons][12]float64
	elec [nSeasons][12]float64
	emp  [12]float64
}

// makeSeasons computes the base weights of a year: working-day equivalents
// (calendar days minus the Spring Festival loss: 15 % of a day's output in
// the week before, 60 % in the holiday week, 25 % until the Lantern
// Festival) times the seasonal level and any shock. Electricity loses half
// as much in the holiday (continuous processes keep running) and follows
// output at 40 %.
func makeSeasons(year int) *seasons {
	var loss, eloss [12]float64
	md, ok := springFestival[year]
	if !ok {
		md = [2]int{2, 5}
	}
	sf := time.Date(year, time.Month(md[0]), md[1], 0, 0, 0, 0, time.UTC)
	for d := -7; d <= 15; d++ {
		day := sf.AddDate(0, 0, d)
		if day.Year() != year {
			continue
		}
		var l float64
		switch {
		case d < 0:
			l = 0.15
		case d <= 7:
			l = 0.6
		default:
			l = 0.25
		}
		loss[day.Month()-1] += l
		eloss[day.Month()-1] += l / 2
	}
	shock, hasShock := monthShocks[year]
	s := &seasons{}
	for m := 0; m < 12; m++ {
		days := float64(daysIn(year, m+1))
		sh := 1.0
		if hasShock {
			sh = shock[m]
		}
		for p := 0; p < nSeasons; p++ {
			l := loss[m]
			if p == seasonUtility {
				l *= 0.3
			}
			s.out[p][m] = (days - l) * seasonDay[p][m] * sh
			summer := 1.0
			if m == 6 || m == 7 {
				summer = 1.07
			}
			s.elec[p][m] = (days - eloss[m]) * (1 + 0.4*(seasonDay[p][m]-1)) * summer * math.Sqrt(sh)
		}
		s.emp[m] = 1
	}
	// Migrant workers go home for the festival and come back late.
	if md[0] == 1 {
		s.emp[0], s.emp[1] = 0.97, 0.95
	} else {
		s.emp[0], s.emp[1] = 0.99, 0.94
	}
	s.emp[2] = 0.99
	if hasShock {
		s.emp[1] *= math.Sqrt(shock[1])
	}
	return s
}

// allocate splits total (an integer in the file's smallest unit) over 12
// months in proportion to w so that the months sum to total exactly: month
// m gets round(total·W_m) − round(total·W_{m−1}), W the cumulative share,
// with W_12 = 1; non-negative because W never decreases.
func allocate(total int64, w *[12]float64, out *[12]int64) {
	sum := 0.0
	for _, x := range w {
		sum += x
	}
	t := float64(total)
	cum, prev := 0.0, int64(0)
	for m := 0; m < 11; m++ {
		cum += w[m]
		c := int64(math.Round(t * cum / sum))
		if c > total {
			c = total
		}
		if c < prev {
			c = prev
		}
		out[m] = c - prev
		prev = c
	}
	out[11] = total - prev
}

// monthWeights builds a firm's weights for one year: the base pattern with
// firm noise and an intra-year trend that follows the year's growth.
func monthWeights(base *[12]float64, growth, noise float64, r *rng, w *[12]float64) {
	for m := 0; m < 12; m++ {
		trend := 1 + growth*(float64(m)-5.5)/12
		w[m] = base[m] * trend * fexp(noise*r.norm())
	}
}
