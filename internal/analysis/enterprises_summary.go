package analysis

import (
	"context"
	"math"

	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/refdata"
	"github.com/indus-platform/indus/internal/store"
)

// LoadEnterpriseSummary sums enterprise facts by evaluation unit and for the city, in
// the scope of above-size industry, for the overview and unit pages. These
// are plain sums and ratios of sums (Σ tax ÷ Σ land …), not the
// benefit-per-mu evaluation, which scores enterprises against benchmarks.

// EnterpriseFigures are sums with the ratios analysts read from them; a ratio is nil
// when its denominator is zero or missing.
type EnterpriseFigures struct {
	store.FactSums
	TaxPerMu           *float64 `json:"tax_per_mu"`          // 10k yuan per mu
	VAPerMu            *float64 `json:"va_per_mu"`           // 10k yuan per mu
	OutputGrowth       *float64 `json:"output_growth"`       // year on year, raw basis, fraction
	RevenueGrowth      *float64 `json:"revenue_growth"`      // year on year, raw basis, fraction
	RDIntensity        *float64 `json:"rd_intensity"`        // R&D ÷ revenue, fraction
	LabourProductivity *float64 `json:"labour_productivity"` // value added ÷ employees, 10k yuan per person
	EnergyPerVA        *float64 `json:"energy_per_va"`       // tce per 10k yuan of value added
}

func entDiv(a, b float64) *float64 {
	if b == 0 || math.IsNaN(a) || math.IsNaN(b) {
		return nil
	}
	v := a / b
	return &v
}

func entGrowth(cur, prev float64) *float64 {
	if prev <= 0 {
		return nil
	}
	v := cur/prev - 1
	return &v
}

func entFigures(s store.FactSums) EnterpriseFigures {
	f := EnterpriseFigures{FactSums: s}
	f.TaxPerMu = entDiv(s.TaxOnLand, s.LandMu)
	f.VAPerMu = entDiv(s.VAOnLand, s.LandMu)
	f.OutputGrowth = entGrowth(s.OutputValue, s.PrevOutputValue)
	f.RevenueGrowth = entGrowth(s.Revenue, s.PrevRevenue)
	f.RDIntensity = entDiv(s.RDSpend, s.Revenue)
	f.LabourProductivity = entDiv(s.ValueAdded, s.Employees)
	f.EnergyPerVA = entDiv(s.EnergyTCE, s.ValueAdded)
	return f
}

// EnterpriseUnitSums is one evaluation unit's figures.
type EnterpriseUnitSums struct {
	Code        string `json:"code"`
	NameZh      string `json:"name_zh"`
	NameEn      string `json:"name_en"`
	Region      string `json:"region"`
	Enterprises int64  `json:"enterprises"`
	EnterpriseFigures
}

// EnterpriseSummary is the city's figures for one year with its units.
type EnterpriseSummary struct {
	Year    int                  `json:"year"`
	Years   []int                `json:"years"`
	City    EnterpriseFigures    `json:"city"`
	Units   []EnterpriseUnitSums `json:"units"` // the 41 units in reference order
	Other   *EnterpriseFigures   `json:"other,omitempty"`
	Monthly []store.MonthSums    `json:"monthly"`
}

// LoadEnterpriseSummary computes the city summary for year (0: the latest year with
// annual facts). With no annual facts at all it returns a summary with no
// year and zero figures, so pages can explain that the store is empty.
func LoadEnterpriseSummary(ctx context.Context, st *store.Store, year int) (*EnterpriseSummary, error) {
	years, err := st.AnnualYears(ctx)
	if err != nil {
		return nil, err
	}
	cs := &EnterpriseSummary{Years: years, Units: []EnterpriseUnitSums{}, Monthly: []store.MonthSums{}}
	if len(years) == 0 {
		for _, u := range refdata.Units() {
			cs.Units = append(cs.Units, EnterpriseUnitSums{Code: u.Code, NameZh: u.NameZh, NameEn: u.NameEn, Region: u.Region})
		}
		return cs, nil
	}
	if year == 0 {
		year = years[len(years)-1]
	} else if !containsInt(years, year) {
		return nil, indus.Errorf(indus.EInvalid, "no annual facts for year %d (years with data: %s)", year, yearList(years))
	}
	cs.Year = year
	sums, err := st.UnitFactSums(ctx, year)
	if err != nil {
		return nil, err
	}
	byUnit := map[string]store.UnitSums{}
	var city, other store.FactSums
	hasOther := false
	for _, u := range sums {
		byUnit[u.UnitCode] = u
		city.Add(u.FactSums)
		if _, ok := refdata.UnitByCode(u.UnitCode); !ok {
			other.Add(u.FactSums)
			hasOther = true
		}
	}
	cs.City = entFigures(city)
	if hasOther {
		o := entFigures(other)
		cs.Other = &o
	}
	for _, u := range refdata.Units() {
		s := byUnit[u.Code]
		cs.Units = append(cs.Units, EnterpriseUnitSums{Code: u.Code, NameZh: u.NameZh, NameEn: u.NameEn, Region: u.Region,
			Enterprises: s.Enterprises, EnterpriseFigures: entFigures(s.FactSums)})
	}
	if cs.Monthly, err = st.CityMonthlySums(ctx, ""); err != nil {
		return nil, err
	}
	if cs.Monthly == nil {
		cs.Monthly = []store.MonthSums{}
	}
	return cs, nil
}
