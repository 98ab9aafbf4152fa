package indus

import "time"

// LandSource says where an enterprise's land area comes from; evaluations
// keep it because certificates, leases and imagery differ in reliability.
type LandSource string

// The accepted land sources.
const (
	LandCertificate LandSource = "certificate"
	LandLease       LandSource = "lease"
	LandImagery     LandSource = "imagery"
)

// Valid reports whether s is a known land source; empty means unknown.
func (s LandSource) Valid() bool {
	switch s {
	case LandCertificate, LandLease, LandImagery, "":
		return true
	}
	return false
}

// Enterprise is one legal entity, identified by its USCC.
type Enterprise struct {
	USCC          string     // unified social credit code, 18 characters
	Name          string     // registered name
	UnitCode      string     // evaluation unit (district, county or functional zone), refdata.Units
	Park          string     // industrial park, free text; empty when outside any park
	IndustryCode  string     // GB/T 4754-2017 class (4 digits)
	BusinessScope string     // 经营范围, used by cluster keyword rules
	AboveSize     bool       // 规模以上: main business revenue ≥ 20 million yuan
	Founded       time.Time  // date of establishment; zero when unknown
	LandMu        *float64   // land area in mu; nil when unknown
	LandSource    LandSource // where LandMu comes from
}

// AnnualFact holds one enterprise's figures for one year. Money is in 10k
// yuan (万元), land in mu, energy in tonnes of standard coal equivalent.
// A nil pointer means the value was not reported, never zero.
type AnnualFact struct {
	USCC              string
	Year              int
	LandMu            *float64
	Revenue           *float64 // main business revenue
	OutputValue       *float64 // gross industrial output value
	ValueAdded        *float64 // industrial value added
	Tax               *float64 // tax actually paid
	EnergyTCE         *float64 // total energy consumption, equivalent value
	ElectricityKWh    *float64
	EmissionsT        *float64 // main pollutant emissions, equivalent tonnes
	RDSpend           *float64 // R&D expenditure
	Employees         *float64 // average employees over the year
	SafetyAccident    bool     // veto: cannot be graded A or B
	EnvViolation      bool     // veto: cannot be graded A or B
	UnderConstruction bool     // evaluated, not classified
	Utility           bool     // evaluated, not classified
	// AboveSize is the firm's above-designated-size status that year (the
	// evaluation needs "newly above-size"); nil when the file does not say.
	AboveSize *bool
}

// MonthlyFact holds one enterprise's figures for one calendar month.
type MonthlyFact struct {
	USCC           string
	Month          Month
	OutputValue    *float64
	Revenue        *float64
	ElectricityKWh *float64
	Employees      *float64
}

// Float returns a pointer to v, for building facts in code and tests.
func Float(v float64) *float64 { return &v }

// DatasetKind is the kind of data a file or import batch holds.
type DatasetKind string

// The dataset kinds, in the order they must be loaded: facts refer to
// enterprises.
const (
	KindEnterprises DatasetKind = "enterprises"
	KindAnnual      DatasetKind = "annual"
	KindMonthly     DatasetKind = "monthly"
)

// LoadOrder ranks kinds so enterprises load before their facts.
func (k DatasetKind) LoadOrder() int {
	switch k {
	case KindEnterprises:
		return 0
	case KindAnnual:
		return 1
	}
	return 2
}
