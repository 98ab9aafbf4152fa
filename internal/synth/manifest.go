package synth

// Manifest describes a generated dataset: what was asked, what came out, the
// calibration figures actually achieved and every deliberate imperfection.
// It is written as manifest.json beside the CSV files.
type Manifest struct {
	Generator       string `json:"generator"`
	Version         string `json:"version"`
	Seed            int64  `json:"seed"`
	Scale           string `json:"scale"`
	ScaleFactor     int    `json:"scale_factor"`
	FromYear        int    `json:"from_year"`
	ToYear          int    `json:"to_year"`
	CalibrationYear int    `json:"calibration_year"`

	Formats  Formats                 `json:"formats"`
	Coverage map[string]string       `json:"coverage"`
	Files    map[string]FileManifest `json:"files"`
	Counts   Counts                  `json:"counts"`

	Calibration  Calibration  `json:"calibration"`
	Imperfection Imperfection `json:"imperfections"`
}

// Formats documents units and precisions of the CSV files.
type Formats struct {
	Encoding  string            `json:"encoding"`
	Missing   string            `json:"missing"`
	Booleans  string            `json:"booleans"`
	Dates     string            `json:"dates"`
	Precision map[string]string `json:"precision"`
}

// FileManifest identifies one written file.
type FileManifest struct {
	Rows   int64  `json:"rows"` // data rows, without the header
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// Counts are the sizes of the populations and files.
type Counts struct {
	Enterprises int `json:"enterprises"`
	// By the above_size flag of enterprises.csv (status in the firm's last
	// year with data).
	IndustrialAboveSize int `json:"industrial_above_size"`
	IndustrialBelowSize int `json:"industrial_below_size"`
	Software            int `json:"software"`
	// Above-size industrial enterprises in each year (annual.csv above_size).
	AboveSizeByYear map[string]int `json:"above_size_by_year"`
	AnnualRows      int64          `json:"annual_rows"`
	MonthlyRows     int64          `json:"monthly_rows"`
	// Firms founded in FromYear..ToYear (their first rows are partial
	// years or construction), firms that stop reporting before ToYear,
	// firms whose status goes from below to above size during the period.
	FoundedInPeriod       int `json:"founded_in_period"`
	Exits                 int `json:"exits"`
	BecameAboveSize       int `json:"became_above_size"`
	RowsUnderConstruction int `json:"rows_under_construction"`
	UtilityFirms          int `json:"utility_firms"`
}

// Calibration holds the figures achieved in the calibration year next to
// their targets. All are computed from the written values with missing cells
// left out and the listed unit slips replaced by their correct values, so a
// reader of the CSV files can reproduce them exactly.
type Calibration struct {
	Year int    `json:"year"`
	Note string `json:"note"`
	// Cluster output of above-size members, 100 million yuan.
	Clusters []ClusterFigure `json:"clusters"`
	// Above-size industrial enterprises (mining, manufacturing, utilities).
	AboveSizeFirms           int     `json:"above_size_firms"`
	AboveSizeRevenue100M     float64 `json:"above_size_revenue_100m_yuan"`
	AboveSizeOutput100M      float64 `json:"above_size_output_100m_yuan"`
	SoftwareRevenue100M      float64 `json:"software_revenue_100m_yuan"`
	SoftwareRevenueTarget    float64 `json:"software_revenue_target_100m_yuan"`
	FirmsRevenueAbove10bn    int     `json:"firms_revenue_above_10bn_yuan"`
	FirmsRevenueAbove5bn     int     `json:"firms_revenue_above_5bn_yuan"`
	PerMu                    PerMu   `json:"per_mu"`
	PerMuBelowSize           PerMu   `json:"per_mu_below_size"`
	VAPerEnergy              Ratio   `json:"va_per_energy"`
	VAPerEmissions           Ratio   `json:"va_per_emissions"`
	RDIntensity              Ratio   `json:"rd_intensity"`
	LabourProductivity       Ratio   `json:"labour_productivity"`
	ElectricityShareOfEnergy float64 `json:"electricity_share_of_energy"`
	// Factors the run applied to DOMAIN.md §5's ratios so the aggregates
	// come out (1 = profile used as is).
	Adjustments map[string]float64 `json:"adjustments"`
	// Shares of 2023 above-size industrial output by division group.
	Divisions []DivisionFigure `json:"divisions"`
}

// ClusterFigure is one cluster's achieved scale.
type ClusterFigure struct {
	ID         string   `json:"id"`
	NameZh     string   `json:"name_zh"`
	Codes      []string `json:"codes"`
	Target100M float64  `json:"target_100m_yuan"`
	Aim100M    float64  `json:"aim_100m_yuan"` // target × this seed's jitter
	Output100M float64  `json:"output_100m_yuan"`
	Firms      int      `json:"above_size_firms"`
}

// PerMu holds benefit-per-mu aggregates over above-size manufacturers
// (divisions 13–43) with land: Σ numerator ÷ Σ land, and medians of the
// firms' own ratios.
type PerMu struct {
	Firms             int     `json:"firms"`
	LandMu            float64 `json:"land_mu"`
	TaxPerMu          float64 `json:"tax_per_mu"`
	VAPerMu           float64 `json:"va_per_mu"`
	OutputPerMu       float64 `json:"output_per_mu"`
	MedianTaxPerMu    float64 `json:"median_tax_per_mu"`
	MedianVAPerMu     float64 `json:"median_va_per_mu"`
	MedianOutputPerMu float64 `json:"median_output_per_mu"`
	P10OutputPerMu    float64 `json:"p10_output_per_mu"`
	P90OutputPerMu    float64 `json:"p90_output_per_mu"`
	TargetTaxPerMu    float64 `json:"target_tax_per_mu,omitempty"`
	TargetVAPerMu     float64 `json:"target_va_per_mu,omitempty"`
	TargetOutputPerMu float64 `json:"target_output_per_mu,omitempty"`
}

// Ratio is an aggregate ratio over above-size manufacturers.
type Ratio struct {
	Value  float64 `json:"value"`
	Median float64 `json:"median"`
	Target float64 `json:"target,omitempty"`
	Unit   string  `json:"unit"`
}

// DivisionFigure summarises one sector of the generator in the calibration year.
type DivisionFigure struct {
	Sector         string  `json:"sector"`
	NameZh         string  `json:"name_zh"`
	AboveSizeFirms int     `json:"above_size_firms"`
	Output100M     float64 `json:"output_100m_yuan"`
	EnergyPerOut   float64 `json:"energy_tce_per_10k_yuan"`
	TaxPerRevenue  float64 `json:"tax_per_revenue"`
	VAPerOutput    float64 `json:"va_per_output"`
	RDPerRevenue   float64 `json:"rd_per_revenue"`
	OutputPerEmp   float64 `json:"output_per_employee"`
	EmissionsPerE  float64 `json:"emissions_t_per_tce"`
	OutputPerMu    float64 `json:"output_per_mu"`
}

// Imperfection lists the deliberate flaws: their configured rates, the
// counts achieved, and every unit slip by firm and year.
type Imperfection struct {
	Note  string             `json:"note"`
	Rates []ImperfectionRate `json:"rates"`
	// UnitSlips lists every value written in the wrong unit.
	UnitSlips []UnitSlip `json:"unit_slips"`
}

// ImperfectionRate is one kind of flaw.
type ImperfectionRate struct {
	ID          string  `json:"id"`
	Description string  `json:"description"`
	Rate        float64 `json:"rate"`  // configured probability per unit of Base
	Base        string  `json:"base"`  // what the rate applies to
	Count       int64   `json:"count"` // how many occurred
	Of          int64   `json:"of"`    // size of the base
}

// UnitSlip is one value entered in the wrong unit.
type UnitSlip struct {
	File    string  `json:"file"`
	USCC    string  `json:"uscc"`
	Year    int     `json:"year,omitempty"` // 0 for enterprises.csv
	Field   string  `json:"field"`
	Kind    string  `json:"kind"`   // yuan_for_10k_yuan or m2_for_mu
	Factor  float64 `json:"factor"` // written ≈ correct × factor
	Written string  `json:"written"`
	Correct string  `json:"correct"`
}
