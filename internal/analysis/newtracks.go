package analysis

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/indus-platform/indus/internal/calc/complexity"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/refdata"
	"github.com/indus-platform/indus/internal/store"
)

// New tracks (新赛道): which industries each evaluation unit, and the city,
// could grow next, by economic complexity and relatedness (Hidalgo et al.
// 2007; Hausmann, Hidalgo et al., The Atlas of Economic Complexity; the
// Growth Lab's product-space "growth opportunities"). The maths is in
// calc/complexity; this service loads the unit × industry matrix from the
// store, runs it, maps codes to names and clusters, and ranks.
//
// # The matrix
//
// Rows are the 41 evaluation units, columns the GB/T 4754 codes (class by
// default) of manufacturing, cells the number of enterprises (the default,
// see DefaultBasis), their output or their employment in one year, summed
// in SQL by the store. Cells of unknown unit codes or industry codes are
// left out with a warning that says how much of the total they hold. When
// the presence network (RCA > threshold) falls apart, typically because a
// unit's only specialisation is an industry no other unit has, the small
// components are set aside with a warning and ECI is computed on the rest
// (see computeConnected); the result warns too when the ECI ranking looks
// fragile (see eciDiagnostics).
//
// # Ranking of a unit's absent industries ("feasible and valuable")
//
// The candidates of a unit are the industries it lacks (M = 0: RCA not above
// the threshold, including industries it has none of) that are present
// somewhere in the city, so that their PCI is defined. Each is scored as
//
//	score = w_d·z(density) + w_p·z(PCI) + w_c·z(COG)
//
// where z standardises over the unit's own candidates (mean 0, population
// SD 1; a constant column scores 0). Density measures feasibility: the
// proximity-weighted share of the industry's related industries the unit
// already has. PCI and COG measure value: how complex the industry is, and
// how much it would open the way to further complex industries. This is
// the shape of the Growth Lab's opportunity rankings, which weigh distance
// (1 − density) against complexity and opportunity gain, with the weights
// depending on the strategy; Indus's defaults, density 0.5, PCI 0.25 and
// COG 0.25 (DefaultTrackWeights), are its own choice and an option, not a
// published standard. Ties go to the higher density, then to the code.
// Each track also carries the density percentile among the unit's
// candidates (mid-rank: the share with lower density plus half the ties).
//
// # Quadrant chart
//
// Every candidate is a point (density, PCI). The density split is the
// median density of the unit's candidates; the PCI split is the median PCI
// of all industries in the matrix. The four quadrants: priority (dense and
// complex: feasible and valuable), low-hanging fruit (dense, less complex),
// strategic bets (complex but far from today's capabilities) and not now.
//
// # City view: new-star industries
//
// The new-star industries are the codes (at the level analysed) matched by
// a cluster of the new-star tier. For each, the city-level density is either
//
//   - "units" (default): the mean over the units with data of the unit's
//     density, i.e. the share of the industry's related industries that the
//     average unit has; with the number of units where it is present and
//     the units lacking it that are closest to it; or
//   - "reference": with a region × industry table the user supplies
//     (national or provincial), the city's units are summed into one region
//     that joins the reference regions, the complexity measures are computed
//     on that table, and the city's own density, RCA, COG and ECI are read
//     off. Rows of the region that stands for the city in the reference can
//     be dropped (ReferenceTable.CityRegion) so it is not counted twice.
//
// New-star industries are ranked by city-level density, then PCI, then code.

// Basis is what the unit × industry matrix measures.
type Basis string

// The bases of the new-tracks analysis.
const (
	BasisOutput     Basis = "output"     // gross industrial output value
	BasisEmployment Basis = "employment" // average employees
	BasisFirms      Basis = "firms"      // number of enterprises
)

// DefaultBasis is the basis used when none is given: the number of
// enterprises. In district-level data a few very large firms dominate output
// and employment (a laptop assembler, a car plant), so presence by output
// follows single firms and the ECI eigenvector tends to single out one
// unit's specialisation; counts of firms give a presence matrix that is
// stable from year to year (on the synthetic Chongqing data the rank
// correlation of unit ECI between consecutive years is 0.99 by firms at
// class level, 0.01–0.88 by output). Output and employment remain options,
// and the result warns when the ranking looks fragile.
const DefaultBasis = BasisFirms

// ParseBasis reads a basis: output (or output_value), employment (or
// employees) or firms; empty means DefaultBasis.
func ParseBasis(s string) (Basis, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return DefaultBasis, nil
	case "output", "output_value":
		return BasisOutput, nil
	case "employment", "employees":
		return BasisEmployment, nil
	case "firms", "enterprises":
		return BasisFirms, nil
	}
	return "", indus.Errorf(indus.EInvalid, "unknown basis %q: use output, employment or firms", s).
		Zh("未知的口径 %q：请使用 output（产值）、employment（从业人数）或 firms（企业数）", s)
}

// ParseLevel reads a GB/T 4754 level for the matrix: class (4 digits),
// group (3) or division (2); empty means class.
func ParseLevel(s string) (refdata.Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "class", "4":
		return refdata.LevelClass, nil
	case "group", "3":
		return refdata.LevelGroup, nil
	case "division", "2":
		return refdata.LevelDivision, nil
	}
	return "", indus.Errorf(indus.EInvalid, "unknown industry level %q: use class, group or division", s).
		Zh("未知的行业层级 %q：请使用 class（小类）、group（中类）或 division（大类）", s)
}

func levelDigits(l refdata.Level) int {
	switch l {
	case refdata.LevelGroup:
		return 3
	case refdata.LevelDivision:
		return 2
	}
	return 4
}

// TrackWeights weigh the standardised density, PCI and COG in a track's
// score. They need not sum to 1; only their ratios matter.
type TrackWeights struct {
	Density float64 `json:"density"`
	PCI     float64 `json:"pci"`
	COG     float64 `json:"cog"`
}

// DefaultTrackWeights favour feasibility: density counts as much as PCI and
// COG together.
var DefaultTrackWeights = TrackWeights{Density: 0.5, PCI: 0.25, COG: 0.25}

// DefaultNewStarTier is the tier id of the new-star clusters in the default
// cluster system.
const DefaultNewStarTier = "new_star"

// NewTracksOptions tune NewTracks. The zero value analyses the latest year
// by number of firms at class level with the default weights.
type NewTracksOptions struct {
	Year          int           // 0: the latest year with annual facts
	Level         refdata.Level // class (default), group or division
	Basis         Basis         // output, employment or firms (DefaultBasis when empty)
	Threshold     float64       // RCA threshold for presence; 0: 1
	AboveSizeOnly bool          // only enterprises above designated size
	AllSections   bool          // every industry, not only manufacturing (13–43)
	// Weights of the track score; the zero value means DefaultTrackWeights.
	Weights TrackWeights
	// Limit caps each unit's ranked list (the quadrant chart keeps every
	// candidate); 0 keeps all.
	Limit int
	// Clusters is the cluster system used for membership and the new-star
	// list; nil means refdata.DefaultClusterSystem().
	Clusters *refdata.ClusterSystem
	// NewStarTier is the tier id of the new-star clusters; empty means
	// DefaultNewStarTier.
	NewStarTier string
	// Reference, when set, is the national or provincial table against
	// which the city view is computed.
	Reference *ReferenceTable
}

// NewTracksResult is the outcome of the analysis for one year, level and basis.
type NewTracksResult struct {
	Year          int           `json:"year"`
	Level         refdata.Level `json:"level"`
	Basis         Basis         `json:"basis"`
	Threshold     float64       `json:"threshold"`
	AboveSizeOnly bool          `json:"above_size_only"`
	Weights       TrackWeights  `json:"weights"`
	// Eigenvalue is the second eigenvalue of the unit–unit matrix M̃.
	Eigenvalue float64 `json:"eigenvalue"`
	// Industries counts the industries (columns) with a value somewhere.
	Industries int `json:"industries"`
	// Units are the evaluation units ranked by ECI, most complex first;
	// units without data follow in reference order.
	Units []UnitComplexity `json:"units"`
	// NewStar is the city view of the new-star industries.
	NewStar  *CityNewStar `json:"new_star"`
	Warnings []string     `json:"warnings"`

	tracks map[string]*UnitTracks
	left   []leftOut
	res    *complexity.Result // for the product space
}

// UnitComplexity is one unit's place in the complexity ranking.
type UnitComplexity struct {
	Code   string `json:"code"`
	NameZh string `json:"name_zh"`
	NameEn string `json:"name_en"`
	Region string `json:"region"` // metro, northeast, southeast
	// Rank by ECI, 1 = most complex; 0 when ECI is undefined.
	Rank int      `json:"rank"`
	ECI  *float64 `json:"eci"` // nil when undefined (no data, no presence)
	COI  *float64 `json:"coi"`
	// Diversity counts the industries in which the unit has RCA above the
	// threshold.
	Diversity int `json:"diversity"`
	// Industries counts the industries with any value in the unit.
	Industries int `json:"industries"`
	// Value is the unit's total on the basis (10k yuan, persons or firms).
	Value   float64 `json:"value"`
	HasData bool    `json:"has_data"`
}

// UnitTracks is one unit's ranked list of industries to grow and its
// quadrant chart.
type UnitTracks struct {
	Unit UnitComplexity `json:"unit"`
	// Candidates counts the absent industries that were ranked; Tracks may
	// be shorter (Limit).
	Candidates int           `json:"candidates"`
	Tracks     []Track       `json:"tracks"`
	Quadrant   QuadrantChart `json:"quadrant"`
}

// Track is one industry a unit lacks, with why it ranks where it does.
type Track struct {
	Rank   int    `json:"rank"`
	Code   string `json:"code"`
	NameZh string `json:"name_zh"`
	// Clusters of the cluster system the industry feeds.
	Clusters []ClusterRef `json:"clusters"`
	NewStar  bool         `json:"new_star"`
	Density  float64      `json:"density"`
	// DensityPercentile is the mid-rank percentile (0–100) of the density
	// among the unit's candidates.
	DensityPercentile float64 `json:"density_percentile"`
	PCI               float64 `json:"pci"`
	COG               float64 `json:"cog"`
	Score             float64 `json:"score"`
	// RCA and Value show any nascent presence (RCA ≤ threshold).
	RCA      float64 `json:"rca"`
	Value    float64 `json:"value"`
	Quadrant string  `json:"quadrant"`
}

// ClusterRef names a cluster an industry belongs to. Partial means only
// some of the classes below the code belong (at group or division level).
type ClusterRef struct {
	ID       string `json:"id"`
	NameZh   string `json:"name_zh"`
	NameEn   string `json:"name_en"`
	Tier     string `json:"tier"`
	Verified bool   `json:"verified"`
	Partial  bool   `json:"partial,omitempty"`
}

// QuadrantChart is the data of a density × PCI scatter of a unit's
// candidates, split in four.
type QuadrantChart struct {
	DensitySplit float64         `json:"density_split"`
	PCISplit     float64         `json:"pci_split"`
	Quadrants    []Quadrant      `json:"quadrants"`
	Points       []QuadrantPoint `json:"points"`
}

// The quadrant ids.
const (
	QuadrantPriority     = "priority"      // dense and complex
	QuadrantLowHanging   = "low_hanging"   // dense, less complex
	QuadrantStrategicBet = "strategic_bet" // complex, far
	QuadrantNotNow       = "not_now"       // neither
)

// Quadrant labels one quadrant and counts its points.
type Quadrant struct {
	ID     string `json:"id"`
	NameZh string `json:"name_zh"`
	NameEn string `json:"name_en"`
	// Where: which side of each split, e.g. "density ≥ split, PCI ≥ split".
	Where string `json:"where"`
	Count int    `json:"count"`
}

var quadrantLabels = []Quadrant{
	{ID: QuadrantPriority, NameZh: "优先培育（可行且高价值）", NameEn: "priority: feasible and complex", Where: "density >= split, PCI >= split"},
	{ID: QuadrantLowHanging, NameZh: "稳步拓展（近水楼台）", NameEn: "low-hanging fruit: feasible, less complex", Where: "density >= split, PCI < split"},
	{ID: QuadrantStrategicBet, NameZh: "战略突破（高价值、距离远）", NameEn: "strategic bets: complex but distant", Where: "density < split, PCI >= split"},
	{ID: QuadrantNotNow, NameZh: "暂缓", NameEn: "not now", Where: "density < split, PCI < split"},
}

// QuadrantPoint is one candidate in the quadrant chart.
type QuadrantPoint struct {
	Code     string  `json:"code"`
	NameZh   string  `json:"name_zh"`
	Density  float64 `json:"density"`
	PCI      float64 `json:"pci"`
	COG      float64 `json:"cog"`
	Quadrant string  `json:"quadrant"`
	NewStar  bool    `json:"new_star"`
}

// CityNewStar is the city-level view of the new-star industries.
type CityNewStar struct {
	// Method is "units" (density averaged over the units) or "reference"
	// (the city as one region of a reference table).
	Method string `json:"method"`
	// Reference names the reference table; ReferenceRegions counts its
	// regions (without the city).
	Reference        string `json:"reference,omitempty"`
	ReferenceRegions int    `json:"reference_regions,omitempty"`
	// CityECI and CityECIRank place the city among the reference regions.
	CityECI     *float64 `json:"city_eci,omitempty"`
	CityECIRank int      `json:"city_eci_rank,omitempty"`
	// Clusters are the new-star clusters of the system.
	Clusters   []ClusterRef      `json:"clusters"`
	Industries []NewStarIndustry `json:"industries"`
	// NotEvaluated lists new-star industries with no value anywhere in the
	// table (no proximity to go by).
	NotEvaluated []IndustryRef `json:"not_evaluated"`
	Warnings     []string      `json:"warnings"`
}

// IndustryRef names an industry code.
type IndustryRef struct {
	Code     string       `json:"code"`
	NameZh   string       `json:"name_zh"`
	Clusters []ClusterRef `json:"clusters"`
}

// NewStarIndustry is one new-star industry in the city view.
type NewStarIndustry struct {
	Rank     int          `json:"rank"`
	Code     string       `json:"code"`
	NameZh   string       `json:"name_zh"`
	Clusters []ClusterRef `json:"clusters"`
	// Density is the city-level density (see CityNewStar.Method).
	Density float64 `json:"density"`
	PCI     float64 `json:"pci"`
	// COG and RCA are the city's, with a reference table only.
	COG *float64 `json:"cog,omitempty"`
	RCA *float64 `json:"rca,omitempty"`
	// Present: with a reference, the city has RCA above the threshold;
	// without, at least one unit has.
	Present bool `json:"present"`
	// UnitsPresent counts the units with RCA above the threshold.
	UnitsPresent int `json:"units_present"`
	// Value is the city's total on the basis, Share its share of the
	// city's total.
	Value float64 `json:"value"`
	Share float64 `json:"share"`
	// NearestUnits are up to three units that lack the industry and are
	// closest to it (highest density).
	NearestUnits []UnitDensity `json:"nearest_units"`
}

// UnitDensity is a unit's density for one industry.
type UnitDensity struct {
	Code    string  `json:"code"`
	NameZh  string  `json:"name_zh"`
	NameEn  string  `json:"name_en"`
	Density float64 `json:"density"`
}

// Unit returns one unit's ranked tracks. An unknown code is a not-found
// error, and so is a unit without data for the year.
func (nt *NewTracksResult) Unit(code string) (*UnitTracks, error) {
	u, ok := refdata.UnitByCode(code)
	if !ok {
		return nil, indus.Errorf(indus.ENotFound, "no evaluation unit with code %q", code).Zh("没有代码为 %q 的评价单元", code)
	}
	t, ok := nt.tracks[code]
	if !ok {
		for _, c := range nt.left {
			for _, r := range c.Regions {
				if r == code {
					return nil, indus.Errorf(indus.ENotFound, "unit %s (%s) was left out of the %d analysis: it forms a separate component of the unit–industry network (%s)", code, u.NameZh, nt.Year, c.reason()).
						Zh("评价单元 %s（%s）未纳入 %d 年的分析：它在“区县—行业”网络中自成一个分支（%s）", code, u.NameZh, nt.Year, c.reason())
				}
			}
		}
		return nil, indus.Errorf(indus.ENotFound, "unit %s (%s) has no %s data for %d at %s level", code, u.NameZh, nt.Basis, nt.Year, nt.Level).
			Zh("评价单元 %s（%s）没有 %s 口径 %d 年 %s 层级的数据", code, u.NameZh, nt.Basis, nt.Year, nt.Level)
	}
	return t, nil
}

// NewTracks runs the analysis: see the comment at the top of this file for
// the method.
func NewTracks(ctx context.Context, st *store.Store, opt NewTracksOptions) (*NewTracksResult, error) {
	o, err := normaliseTrackOptions(opt)
	if err != nil {
		return nil, err
	}
	years, err := st.AnnualYears(ctx)
	if err != nil {
		return nil, err
	}
	if len(years) == 0 {
		return nil, indus.Errorf(indus.ENotFound, "the database has no annual facts: import annual.csv first").
			Zh("数据库中没有年度数据：请先导入年度数据文件")
	}
	year := o.Year
	if year == 0 {
		year = years[len(years)-1]
	} else if !containsInt(years, year) {
		return nil, indus.Errorf(indus.EInvalid, "no annual facts for year %d (years with data: %s)", year, yearList(years)).
			Zh("%d 年没有年度数据（有数据的年份：%s）", year, yearList(years))
	}
	storeBasis := map[Basis]store.MatrixBasis{BasisOutput: store.BasisOutput, BasisEmployment: store.BasisEmployees, BasisFirms: store.BasisFirms}[o.Basis]
	cells, err := st.IndustryMatrix(ctx, store.MatrixOptions{Year: year, Digits: levelDigits(o.Level), Basis: storeBasis,
		AboveSizeOnly: o.AboveSizeOnly, AllSections: o.AllSections})
	if err != nil {
		return nil, err
	}
	nt := &NewTracksResult{Year: year, Level: o.Level, Basis: o.Basis, Threshold: o.Threshold, AboveSizeOnly: o.AboveSizeOnly,
		Weights: o.Weights, Warnings: []string{}, tracks: map[string]*UnitTracks{}}
	m := newTrackMapper(o)

	// Keep the cells of known units and known industry codes.
	obs := make([]complexity.Observation, 0, len(cells))
	var unknownUnits, unknownCodes []string
	var total, lostUnits, lostCodes float64
	for _, c := range cells {
		total += c.Value
		if _, ok := refdata.UnitByCode(c.UnitCode); !ok {
			unknownUnits = append(unknownUnits, c.UnitCode)
			lostUnits += c.Value
			continue
		}
		if !m.known(c.Industry) {
			unknownCodes = append(unknownCodes, c.Industry)
			lostCodes += c.Value
			continue
		}
		obs = append(obs, complexity.Observation{Region: c.UnitCode, Activity: c.Industry, Value: c.Value})
	}
	if len(unknownUnits) > 0 {
		nt.Warnings = append(nt.Warnings, fmt.Sprintf("left out %.2f%% of the %s: enterprises whose unit code is not an evaluation unit (%s)",
			100*lostUnits/total, o.Basis, abbreviateCodes(unknownUnits)))
	}
	if len(unknownCodes) > 0 {
		nt.Warnings = append(nt.Warnings, fmt.Sprintf("left out %.2f%% of the %s: industry codes not in GB/T 4754-2017 (%s)",
			100*lostCodes/total, o.Basis, abbreviateCodes(unknownCodes)))
	}
	if len(obs) == 0 {
		return nil, indus.Errorf(indus.ENotFound, "no %s data for %d at %s level (check the year, the basis and --above-size)", o.Basis, year, o.Level).
			Zh("没有 %s 口径 %d 年 %s 层级的数据（请检查年份、口径和是否仅限规上企业）", o.Basis, year, o.Level)
	}
	var unitCodes, acts []string
	for _, u := range refdata.Units() {
		unitCodes = append(unitCodes, u.Code)
	}
	for _, ob := range obs {
		acts = append(acts, ob.Activity)
	}
	res, left, err := computeConnected(obs, unitCodes, acts, o.Threshold)
	if err != nil {
		return nil, complexityError(fmt.Sprintf("%d, %s level, by %s", year, o.Level, o.Basis), err)
	}
	nt.left = left
	nt.res = res
	for _, c := range left {
		nt.Warnings = append(nt.Warnings, fmt.Sprintf("left out of ECI and PCI: %s, a separate component of the unit–industry network (%s)", c.describe(m), c.reason()))
	}
	if math.IsNaN(res.Eigenvalue) {
		return nil, indus.Errorf(indus.EInvalid, "economic complexity is undefined for %d at %s level by %s: %s", year, o.Level, o.Basis, strings.Join(res.Warnings, "; ")).
			Zh("%d 年 %s 层级按 %s 口径无法计算经济复杂度：%s", year, o.Level, o.Basis, strings.Join(res.Warnings, "; "))
	}
	nt.Warnings = append(nt.Warnings, res.Warnings...)
	nt.Eigenvalue = res.Eigenvalue
	nt.Industries = len(res.Activities)

	nt.Units = unitRanking(res, left)
	nt.Warnings = append(nt.Warnings, eciDiagnostics(nt.Units)...)
	newStar := m.newStarCodes()
	pciSplit := median(finite(res.PCI))
	for i, code := range res.Regions {
		ut := &UnitTracks{Unit: nt.unitByCode(code)}
		ut.Candidates, ut.Tracks, ut.Quadrant = rankUnit(res, i, m, newStar, o.Weights, pciSplit)
		if o.Limit > 0 && len(ut.Tracks) > o.Limit {
			ut.Tracks = ut.Tracks[:o.Limit]
		}
		nt.tracks[code] = ut
	}

	if o.Reference != nil {
		nt.NewStar, err = cityNewStarReference(res, o, m, newStar)
		if err != nil {
			return nil, err
		}
	} else {
		nt.NewStar = cityNewStarUnits(res, m, newStar)
	}
	return nt, nil
}

func normaliseTrackOptions(opt NewTracksOptions) (NewTracksOptions, error) {
	o := opt
	var err error
	if o.Level, err = ParseLevel(string(o.Level)); err != nil {
		return o, err
	}
	if o.Basis, err = ParseBasis(string(o.Basis)); err != nil {
		return o, err
	}
	if o.Threshold == 0 {
		o.Threshold = complexity.DefaultThreshold
	}
	if !(o.Threshold > 0) || math.IsInf(o.Threshold, 0) {
		return o, indus.Errorf(indus.EInvalid, "the RCA threshold must be a positive number, got %v", opt.Threshold).
			Zh("RCA 阈值必须为正数，实际为 %v", opt.Threshold)
	}
	if o.Weights == (TrackWeights{}) {
		o.Weights = DefaultTrackWeights
	}
	for _, w := range []float64{o.Weights.Density, o.Weights.PCI, o.Weights.COG} {
		if !(w >= 0) || math.IsInf(w, 0) {
			return o, indus.Errorf(indus.EInvalid, "track weights must be non-negative numbers, got density %v, PCI %v, COG %v", o.Weights.Density, o.Weights.PCI, o.Weights.COG).
				Zh("赛道权重必须为非负数，实际为 密度 %v、PCI %v、COG %v", o.Weights.Density, o.Weights.PCI, o.Weights.COG)
		}
	}
	if o.Limit < 0 {
		return o, indus.Errorf(indus.EInvalid, "the limit must be 0 (all) or positive, got %d", o.Limit).
			Zh("条数上限必须为 0（全部）或正数，实际为 %d", o.Limit)
	}
	if o.Year < 0 {
		return o, indus.Errorf(indus.EInvalid, "bad year %d", o.Year).Zh("无效的年份 %d", o.Year)
	}
	if o.Clusters == nil {
		o.Clusters = refdata.DefaultClusterSystem()
	}
	if o.NewStarTier == "" {
		o.NewStarTier = DefaultNewStarTier
	}
	if _, ok := o.Clusters.Tier(o.NewStarTier); !ok {
		return o, indus.Errorf(indus.EInvalid, "the cluster system %s has no tier %q for the new-star clusters", o.Clusters.ID, o.NewStarTier)
	}
	return o, nil
}

// complexityError puts the analysis context in front of an engine error,
// keeping its code (a disconnected network is invalid input).
func complexityError(where string, err error) error {
	var de *complexity.DisconnectedError
	if errors.As(err, &de) {
		return indus.Errorf(indus.EInvalid, "%s: %s", where, de.Error())
	}
	if indus.Code(err) == indus.EInternal {
		return fmt.Errorf("%s: %w", where, err)
	}
	return indus.Errorf(indus.Code(err), "%s: %s", where, indus.Message(err))
}

func (nt *NewTracksResult) unitByCode(code string) UnitComplexity {
	for _, u := range nt.Units {
		if u.Code == code {
			return u
		}
	}
	return UnitComplexity{Code: code}
}

// leftOut is a small component of the unit–industry network that was set
// aside so ECI could be computed on the rest.
type leftOut struct {
	Regions, Activities []string
}

func (c leftOut) describe(m *trackMapper) string {
	var parts []string
	for _, r := range c.Regions {
		if u, ok := refdata.UnitByCode(r); ok {
			parts = append(parts, fmt.Sprintf("unit %s %s", r, u.NameZh))
		} else {
			parts = append(parts, "region "+r)
		}
	}
	for _, a := range c.Activities {
		parts = append(parts, fmt.Sprintf("industry %s %s", a, m.name(a)))
	}
	return strings.Join(parts, ", ")
}

func (c leftOut) reason() string {
	return "its only industries with RCA above the threshold are ones no other unit has"
}

// computeConnected runs the engine; if the presence network falls apart
// (typically one unit whose only specialisation is an industry no other
// unit has), it sets aside every component but the largest (their units
// and industries) and runs it again on the rest. Since RCA is relative to
// the table, the rest may fall apart in turn; the units set aside in all
// may not exceed a tenth of the units with data (at least one), otherwise
// the first disconnection is returned as an error. Each retry removes at
// least one component, so the loop ends.
func computeConnected(obs []complexity.Observation, regions, acts []string, threshold float64) (*complexity.Result, []leftOut, error) {
	var left []leftOut
	withData := map[string]bool{}
	for _, ob := range obs {
		withData[ob.Region] = true
	}
	budget := max(1, len(withData)/10)
	var first error
	for {
		res, err := complexity.Compute(complexity.PivotOnto(obs, regions, acts), complexity.Options{Threshold: threshold})
		var de *complexity.DisconnectedError
		if !errors.As(err, &de) {
			if err != nil && first != nil {
				return nil, nil, first
			}
			return res, left, err
		}
		if first == nil {
			first = err
		}
		dropR, dropA := map[string]bool{}, map[string]bool{}
		for _, c := range de.Components[1:] {
			left = append(left, leftOut{Regions: c.Regions, Activities: c.Activities})
			budget -= len(c.Regions)
			for _, r := range c.Regions {
				dropR[r] = true
			}
			for _, a := range c.Activities {
				dropA[a] = true
			}
		}
		kept := obs[:0:0]
		for _, ob := range obs {
			if !dropR[ob.Region] && !dropA[ob.Activity] {
				kept = append(kept, ob)
			}
		}
		obs = kept
		var r2, a2 []string
		for _, r := range regions {
			if !dropR[r] {
				r2 = append(r2, r)
			}
		}
		for _, a := range acts {
			if !dropA[a] {
				a2 = append(a2, a)
			}
		}
		regions, acts = r2, a2
		if budget < 0 || len(obs) == 0 {
			return nil, nil, first
		}
	}
}

// eciDiagnostics warns when the ECI ranking is fragile: when it hardly
// correlates with diversity, its sign (fixed by that correlation) and its
// reading as complexity are uncertain; when one unit sits far from the
// rest, the eigenvector singles out that unit's specialisation (ECI is a
// spectral partition of the network: Mealy, Farmer & Teytelboym 2019,
// "Interpreting economic complexity", Science Advances 5).
func eciDiagnostics(units []UnitComplexity) []string {
	var e, d []float64
	var warns []string
	for _, u := range units {
		if u.ECI != nil {
			e = append(e, *u.ECI)
			d = append(d, float64(u.Diversity))
		}
	}
	if len(e) < 3 {
		return nil
	}
	if r := pearson(e, d); math.Abs(r) < 0.3 {
		warns = append(warns, fmt.Sprintf("ECI correlates only weakly with diversity (r = %.2f): its direction and its reading as complexity are uncertain; compare another basis or level", r))
	}
	for _, u := range units {
		if u.ECI != nil && math.Abs(*u.ECI) >= 4 {
			warns = append(warns, fmt.Sprintf("ECI of %s (%s) is %.1f standard deviations from the mean: the ranking mainly separates this unit's specialisation from the rest; compare another basis or level", u.Code, u.NameZh, *u.ECI))
		}
	}
	return warns
}

func pearson(a, b []float64) float64 {
	n := float64(len(a))
	var ma, mb float64
	for i := range a {
		ma += a[i]
		mb += b[i]
	}
	ma /= n
	mb /= n
	var sab, saa, sbb float64
	for i := range a {
		sab += (a[i] - ma) * (b[i] - mb)
		saa += (a[i] - ma) * (a[i] - ma)
		sbb += (b[i] - mb) * (b[i] - mb)
	}
	if saa == 0 || sbb == 0 {
		return 0
	}
	return sab / math.Sqrt(saa*sbb)
}

// unitRanking lists every evaluation unit, ranked by ECI.
func unitRanking(res *complexity.Result, left []leftOut) []UnitComplexity {
	idx := map[string]int{}
	for i, r := range res.Regions {
		idx[r] = i
	}
	leftUnits := map[string]bool{}
	for _, c := range left {
		for _, r := range c.Regions {
			leftUnits[r] = true
		}
	}
	P := len(res.Activities)
	var ranked, rest []UnitComplexity
	for _, u := range refdata.Units() {
		uc := UnitComplexity{Code: u.Code, NameZh: u.NameZh, NameEn: u.NameEn, Region: u.Region, HasData: leftUnits[u.Code]}
		if i, ok := idx[u.Code]; ok {
			uc.HasData = true
			uc.Diversity = res.Diversity[i]
			for j := 0; j < P; j++ {
				v := res.Value[res.Cell(i, j)]
				uc.Value += v
				if v > 0 {
					uc.Industries++
				}
			}
			if e := res.ECI[i]; !math.IsNaN(e) {
				uc.ECI = ptr(e)
			}
			if c := res.COI[i]; !math.IsNaN(c) {
				uc.COI = ptr(c)
			}
		}
		if uc.ECI != nil {
			ranked = append(ranked, uc)
		} else {
			rest = append(rest, uc)
		}
	}
	sort.SliceStable(ranked, func(a, b int) bool {
		if *ranked[a].ECI != *ranked[b].ECI {
			return *ranked[a].ECI > *ranked[b].ECI
		}
		return ranked[a].Code < ranked[b].Code
	})
	for k := range ranked {
		ranked[k].Rank = k + 1
	}
	return append(ranked, rest...)
}

// rankUnit ranks the industries unit i lacks.
func rankUnit(res *complexity.Result, i int, m *trackMapper, newStar map[string]bool, w TrackWeights, pciSplit float64) (int, []Track, QuadrantChart) {
	var cand []Track
	for j, code := range res.Activities {
		c := res.Cell(i, j)
		if res.M[c] != 0 || res.Ubiquity[j] == 0 {
			continue
		}
		d, p, g := res.Density[c], res.PCI[j], res.COG[c]
		if math.IsNaN(d) || math.IsNaN(p) || math.IsNaN(g) {
			continue
		}
		cand = append(cand, Track{Code: code, NameZh: m.name(code), Clusters: m.clusters(code), NewStar: newStar[code],
			Density: d, PCI: p, COG: g, RCA: res.RCA[c], Value: res.Value[c]})
	}
	qc := QuadrantChart{PCISplit: pciSplit, Points: []QuadrantPoint{}}
	if len(cand) == 0 {
		qc.Quadrants = append([]Quadrant(nil), quadrantLabels...)
		return 0, []Track{}, qc
	}
	dens := make([]float64, len(cand))
	pcis := make([]float64, len(cand))
	cogs := make([]float64, len(cand))
	for k, t := range cand {
		dens[k], pcis[k], cogs[k] = t.Density, t.PCI, t.COG
	}
	zd, zp, zc := zscores(dens), zscores(pcis), zscores(cogs)
	pct := midRankPercentiles(dens)
	qc.DensitySplit = median(dens)
	counts := map[string]int{}
	for k := range cand {
		t := &cand[k]
		t.Score = w.Density*zd[k] + w.PCI*zp[k] + w.COG*zc[k]
		t.DensityPercentile = pct[k]
		t.Quadrant = quadrantOf(t.Density, t.PCI, qc.DensitySplit, pciSplit)
		counts[t.Quadrant]++
	}
	sort.SliceStable(cand, func(a, b int) bool {
		x, y := cand[a], cand[b]
		if x.Score != y.Score {
			return x.Score > y.Score
		}
		if x.Density != y.Density {
			return x.Density > y.Density
		}
		return x.Code < y.Code
	})
	for k := range cand {
		cand[k].Rank = k + 1
	}
	// Points in code order, so the chart does not depend on the weights.
	pts := make([]QuadrantPoint, len(cand))
	for k, t := range cand {
		pts[k] = QuadrantPoint{Code: t.Code, NameZh: t.NameZh, Density: t.Density, PCI: t.PCI, COG: t.COG, Quadrant: t.Quadrant, NewStar: t.NewStar}
	}
	sort.Slice(pts, func(a, b int) bool { return pts[a].Code < pts[b].Code })
	qc.Points = pts
	for _, q := range quadrantLabels {
		q.Count = counts[q.ID]
		qc.Quadrants = append(qc.Quadrants, q)
	}
	return len(cand), cand, qc
}

func quadrantOf(density, pci, dSplit, pSplit float64) string {
	switch {
	case density >= dSplit && pci >= pSplit:
		return QuadrantPriority
	case density >= dSplit:
		return QuadrantLowHanging
	case pci >= pSplit:
		return QuadrantStrategicBet
	}
	return QuadrantNotNow
}

// cityNewStarUnits is the city view without a reference: the density of
// each new-star industry averaged over the units with data.
func cityNewStarUnits(res *complexity.Result, m *trackMapper, newStar map[string]bool) *CityNewStar {
	cv := &CityNewStar{Method: "units", Clusters: m.newStarClusters(), Industries: []NewStarIndustry{}, NotEvaluated: []IndustryRef{}, Warnings: []string{}}
	R := len(res.Regions)
	var cityTotal float64
	for _, v := range res.Value {
		cityTotal += v
	}
	seen := map[string]bool{}
	for j, code := range res.Activities {
		if !newStar[code] {
			continue
		}
		seen[code] = true
		if res.Ubiquity[j] == 0 || math.IsNaN(res.PCI[j]) {
			cv.NotEvaluated = append(cv.NotEvaluated, IndustryRef{Code: code, NameZh: m.name(code), Clusters: m.clusters(code)})
			continue
		}
		ni := NewStarIndustry{Code: code, NameZh: m.name(code), Clusters: m.clusters(code), PCI: res.PCI[j]}
		var sum float64
		var n int
		var lacking []UnitDensity
		for i := 0; i < R; i++ {
			c := res.Cell(i, j)
			ni.Value += res.Value[c]
			if res.M[c] == 1 {
				ni.UnitsPresent++
			} else if !math.IsNaN(res.Density[c]) {
				u, _ := refdata.UnitByCode(res.Regions[i])
				lacking = append(lacking, UnitDensity{Code: u.Code, NameZh: u.NameZh, NameEn: u.NameEn, Density: res.Density[c]})
			}
			if d := res.Density[c]; !math.IsNaN(d) {
				sum += d
				n++
			}
		}
		ni.Density = sum / float64(n)
		ni.Present = ni.UnitsPresent > 0
		ni.Share = ni.Value / cityTotal
		ni.NearestUnits = nearest(lacking, 3)
		cv.Industries = append(cv.Industries, ni)
	}
	for _, code := range m.newStarList() {
		if !seen[code] {
			cv.NotEvaluated = append(cv.NotEvaluated, IndustryRef{Code: code, NameZh: m.name(code), Clusters: m.clusters(code)})
		}
	}
	if len(cv.NotEvaluated) > 0 {
		cv.Warnings = append(cv.Warnings, fmt.Sprintf("%d new-star industries have no value anywhere in the city, so their relatedness cannot be measured from the units; a national or provincial reference table can", len(cv.NotEvaluated)))
	}
	rankNewStar(cv)
	return cv
}

func nearest(us []UnitDensity, n int) []UnitDensity {
	sort.SliceStable(us, func(a, b int) bool {
		if us[a].Density != us[b].Density {
			return us[a].Density > us[b].Density
		}
		return us[a].Code < us[b].Code
	})
	if len(us) > n {
		us = us[:n]
	}
	if us == nil {
		us = []UnitDensity{}
	}
	return us
}

func rankNewStar(cv *CityNewStar) {
	sort.SliceStable(cv.Industries, func(a, b int) bool {
		x, y := cv.Industries[a], cv.Industries[b]
		if x.Density != y.Density {
			return x.Density > y.Density
		}
		if x.PCI != y.PCI {
			return x.PCI > y.PCI
		}
		return x.Code < y.Code
	})
	for k := range cv.Industries {
		cv.Industries[k].Rank = k + 1
	}
	sort.Slice(cv.NotEvaluated, func(a, b int) bool { return cv.NotEvaluated[a].Code < cv.NotEvaluated[b].Code })
}

// cityRegion is the name the city's aggregate takes among the reference
// regions.
const cityRegion = "indus:city"

// cityNewStarReference is the city view against a reference table: the
// city's units summed into one region alongside the reference regions.
func cityNewStarReference(units *complexity.Result, o NewTracksOptions, m *trackMapper, newStar map[string]bool) (*CityNewStar, error) {
	ref := o.Reference
	digits := levelDigits(o.Level)
	cv := &CityNewStar{Method: "reference", Reference: ref.Name, Clusters: m.newStarClusters(), Industries: []NewStarIndustry{}, NotEvaluated: []IndustryRef{}, Warnings: []string{}}
	var obs []complexity.Observation
	regions := map[string]bool{}
	var skipped []string
	replaced := 0
	for _, r := range ref.Rows {
		if r.Region == cityRegion {
			return nil, indus.Errorf(indus.EInvalid, "%s: the region name %q is reserved for the city itself", ref.Name, cityRegion)
		}
		if ref.CityRegion != "" && r.Region == ref.CityRegion {
			replaced++
			continue
		}
		if len(r.Industry) < digits {
			return nil, indus.Errorf(indus.EInvalid, "%s, row %d: industry code %q is coarser than the %s level (%d digits) being analysed", ref.Name, r.Row, r.Industry, o.Level, digits)
		}
		code := r.Industry[:digits]
		if !o.AllSections && !isManufacturing(code) {
			continue
		}
		if !m.known(code) {
			skipped = append(skipped, r.Industry)
			continue
		}
		regions[r.Region] = true
		obs = append(obs, complexity.Observation{Region: r.Region, Activity: code, Value: r.Value})
	}
	if ref.CityRegion != "" && replaced == 0 {
		cv.Warnings = append(cv.Warnings, fmt.Sprintf("the reference has no region %q to replace with the city's data", ref.CityRegion))
	}
	if len(skipped) > 0 {
		cv.Warnings = append(cv.Warnings, fmt.Sprintf("left out reference rows whose industry code is not in GB/T 4754-2017: %s", abbreviateCodes(skipped)))
	}
	if len(regions) < 2 {
		return nil, indus.Errorf(indus.EInvalid, "%s: the reference needs at least two regions with %s-level manufacturing data, it has %d", ref.Name, o.Level, len(regions))
	}
	cv.ReferenceRegions = len(regions)
	var cityTotal float64
	cityValue := map[string]float64{}
	for i := range units.Regions {
		for j, code := range units.Activities {
			v := units.Value[units.Cell(i, j)]
			cityValue[code] += v
			cityTotal += v
		}
	}
	for _, code := range units.Activities {
		obs = append(obs, complexity.Observation{Region: cityRegion, Activity: code, Value: cityValue[code]})
	}
	res, err := complexity.Compute(complexity.Pivot(obs), complexity.Options{Threshold: o.Threshold})
	if err != nil {
		return nil, complexityError(fmt.Sprintf("the city against %s", ref.Name), err)
	}
	cv.Warnings = append(cv.Warnings, res.Warnings...)
	ci := -1
	for i, r := range res.Regions {
		if r == cityRegion {
			ci = i
		}
	}
	if ci < 0 {
		return nil, indus.Errorf(indus.EInvalid, "the city has no %s-level data to compare with %s", o.Level, ref.Name)
	}
	if e := res.ECI[ci]; !math.IsNaN(e) {
		cv.CityECI = ptr(e)
		cv.CityECIRank = 1
		for i, x := range res.ECI {
			if i != ci && x > e {
				cv.CityECIRank++
			}
		}
	}
	// Units' presence, for UnitsPresent and the nearest units.
	unitCol := map[string]int{}
	for j, code := range units.Activities {
		unitCol[code] = j
	}
	seen := map[string]bool{}
	for j, code := range res.Activities {
		if !newStar[code] {
			continue
		}
		seen[code] = true
		c := res.Cell(ci, j)
		if res.Ubiquity[j] == 0 || math.IsNaN(res.PCI[j]) || math.IsNaN(res.Density[c]) {
			cv.NotEvaluated = append(cv.NotEvaluated, IndustryRef{Code: code, NameZh: m.name(code), Clusters: m.clusters(code)})
			continue
		}
		ni := NewStarIndustry{Code: code, NameZh: m.name(code), Clusters: m.clusters(code), Density: res.Density[c], PCI: res.PCI[j],
			Present: res.M[c] == 1, Value: cityValue[code], NearestUnits: []UnitDensity{}}
		if !math.IsNaN(res.RCA[c]) {
			ni.RCA = ptr(res.RCA[c])
		}
		if !math.IsNaN(res.COG[c]) {
			ni.COG = ptr(res.COG[c])
		}
		if cityTotal > 0 {
			ni.Share = ni.Value / cityTotal
		}
		if uj, ok := unitCol[code]; ok {
			var lacking []UnitDensity
			for i := range units.Regions {
				uc := units.Cell(i, uj)
				if units.M[uc] == 1 {
					ni.UnitsPresent++
				} else if !math.IsNaN(units.Density[uc]) {
					u, _ := refdata.UnitByCode(units.Regions[i])
					lacking = append(lacking, UnitDensity{Code: u.Code, NameZh: u.NameZh, NameEn: u.NameEn, Density: units.Density[uc]})
				}
			}
			ni.NearestUnits = nearest(lacking, 3)
		}
		cv.Industries = append(cv.Industries, ni)
	}
	for _, code := range m.newStarList() {
		if !seen[code] {
			cv.NotEvaluated = append(cv.NotEvaluated, IndustryRef{Code: code, NameZh: m.name(code), Clusters: m.clusters(code)})
		}
	}
	rankNewStar(cv)
	return cv, nil
}

func isManufacturing(code string) bool {
	if len(code) < 2 {
		return false
	}
	d := code[:2]
	return d >= "13" && d <= "43"
}

// ---- reference tables ------------------------------------------------------

// ReferenceTable is a region × industry table (national provinces, a
// province's cities …) that the city is compared with. Values must be on
// the same basis as the analysis (output with output, and so on).
type ReferenceTable struct {
	Name string
	Rows []ReferenceRow
	// CityRegion, when set, is the reference's own name for the city
	// (e.g. 重庆): its rows are left out, since the city's data replaces
	// them.
	CityRegion string
}

// ReferenceRow is one value of a reference table; Row is its line in the
// file (for messages).
type ReferenceRow struct {
	Region   string
	Industry string
	Value    float64
	Row      int
}

var referenceAliases = map[string][]string{
	"region":   {"region", "地区", "省份", "省", "province", "city", "城市"},
	"industry": {"industry", "industry_code", "code", "行业代码", "行业", "activity"},
	"value":    {"value", "数值", "值", "output", "output_value", "产值", "employment", "employees", "从业人员", "firms", "企业数"},
}

// ReadReferenceCSV reads a reference table from CSV (UTF-8, optional BOM)
// with a header naming a region, an industry code and a value column
// (region/地区/省份, industry/industry_code/行业代码, value/数值/产值 …).
// Industry codes are kept as text (leading zeros survive); duplicate region
// × industry rows are summed later; empty values are skipped; a value that
// is not a non-negative number is an error naming the row.
func ReadReferenceCSV(name string, r io.Reader) (*ReferenceTable, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, indus.Errorf(indus.EInvalid, "%s: cannot read the header: %v", name, err)
	}
	col := map[string]int{}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		for key, aliases := range referenceAliases {
			for _, a := range aliases {
				if h == a {
					if _, dup := col[key]; !dup {
						col[key] = i
					}
				}
			}
		}
	}
	for _, key := range []string{"region", "industry", "value"} {
		if _, ok := col[key]; !ok {
			return nil, indus.Errorf(indus.EInvalid, "%s: no %s column in the header (%s); expected one of %s",
				name, key, strings.Join(head, ","), strings.Join(referenceAliases[key], ", "))
		}
	}
	t := &ReferenceTable{Name: name}
	line := 1
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line++
		if err != nil {
			return nil, indus.Errorf(indus.EInvalid, "%s, row %d: %v", name, line, err)
		}
		get := func(key string) string {
			if i := col[key]; i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		region, code, val := get("region"), get("industry"), get("value")
		if region == "" && code == "" && val == "" {
			continue
		}
		if region == "" || code == "" {
			return nil, indus.Errorf(indus.EInvalid, "%s, row %d: the region and the industry code must not be empty", name, line)
		}
		if val == "" {
			continue
		}
		v, err := strconv.ParseFloat(strings.ReplaceAll(val, ",", ""), 64)
		if err != nil || v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, indus.Errorf(indus.EInvalid, "%s, row %d: value %q is not a non-negative number", name, line, val)
		}
		for _, ch := range code {
			if ch < '0' || ch > '9' {
				return nil, indus.Errorf(indus.EInvalid, "%s, row %d: industry code %q is not a GB/T 4754 numeric code", name, line, code)
			}
		}
		t.Rows = append(t.Rows, ReferenceRow{Region: region, Industry: code, Value: v, Row: line})
	}
	if len(t.Rows) == 0 {
		return nil, indus.Errorf(indus.EInvalid, "%s: no data rows", name)
	}
	return t, nil
}

// ---- codes, names and clusters --------------------------------------------

// trackMapper maps industry codes at the analysed level to names and
// clusters.
type trackMapper struct {
	ind      *refdata.Industries
	level    refdata.Level
	cs       *refdata.ClusterSystem
	tier     string
	clusterI map[string]int
	cache    map[string][]ClusterRef
}

func newTrackMapper(o NewTracksOptions) *trackMapper {
	m := &trackMapper{ind: refdata.GBT4754(), level: o.Level, cs: o.Clusters, tier: o.NewStarTier,
		clusterI: map[string]int{}, cache: map[string][]ClusterRef{}}
	for i, c := range o.Clusters.Clusters {
		m.clusterI[c.ID] = i
	}
	return m
}

func (m *trackMapper) known(code string) bool {
	it, ok := m.ind.Lookup(code)
	return ok && it.Level == m.level
}

func (m *trackMapper) name(code string) string {
	it, _ := m.ind.Lookup(code)
	return it.NameZh
}

// clusters returns the clusters a code feeds: at class level those the
// matcher gives for the code alone (keyword rules need a business scope and
// are not used); at group or division level those of any class below it,
// marked Partial unless every class belongs. Ordered by tier, then as in
// the system file.
func (m *trackMapper) clusters(code string) []ClusterRef {
	if refs, ok := m.cache[code]; ok {
		return refs
	}
	classes := []string{code}
	if m.level != refdata.LevelClass {
		classes = m.ind.Classes(code)
	}
	count := map[string]int{}
	for _, cl := range classes {
		for _, mem := range m.cs.Matcher().Match(cl, "") {
			count[mem.ClusterID]++
		}
	}
	refs := []ClusterRef{}
	for id, n := range count {
		c, _ := m.cs.Cluster(id)
		refs = append(refs, ClusterRef{ID: c.ID, NameZh: c.NameZh, NameEn: c.NameEn, Tier: c.Tier, Verified: c.Verified, Partial: n < len(classes)})
	}
	sort.Slice(refs, func(a, b int) bool {
		ta, tb := m.tierOrder(refs[a].Tier), m.tierOrder(refs[b].Tier)
		if ta != tb {
			return ta < tb
		}
		return m.clusterI[refs[a].ID] < m.clusterI[refs[b].ID]
	})
	m.cache[code] = refs
	return refs
}

func (m *trackMapper) tierOrder(id string) int {
	if t, ok := m.cs.Tier(id); ok {
		return t.Order
	}
	return math.MaxInt
}

// newStarList returns every code at the analysed level that a new-star
// cluster includes (in whole or in part), sorted.
func (m *trackMapper) newStarList() []string {
	var out []string
	for _, it := range m.ind.All() {
		if it.Level != m.level {
			continue
		}
		for _, c := range m.clusters(it.Code) {
			if c.Tier == m.tier {
				out = append(out, it.Code)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

func (m *trackMapper) newStarCodes() map[string]bool {
	set := map[string]bool{}
	for _, c := range m.newStarList() {
		set[c] = true
	}
	return set
}

func (m *trackMapper) newStarClusters() []ClusterRef {
	refs := []ClusterRef{}
	for _, c := range m.cs.ClustersInTier(m.tier) {
		refs = append(refs, ClusterRef{ID: c.ID, NameZh: c.NameZh, NameEn: c.NameEn, Tier: c.Tier, Verified: c.Verified})
	}
	return refs
}

// ---- small statistics ------------------------------------------------------

// zscores standardises v with its mean and population SD; a constant v
// gives zeros.
func zscores(v []float64) []float64 {
	out := make([]float64, len(v))
	if len(v) == 0 {
		return out
	}
	var mean float64
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	var ss float64
	for _, x := range v {
		ss += (x - mean) * (x - mean)
	}
	sd := math.Sqrt(ss / float64(len(v)))
	if !(sd > 1e-12*math.Max(1, math.Abs(mean))) {
		return out
	}
	for i, x := range v {
		out[i] = (x - mean) / sd
	}
	return out
}

// midRankPercentiles returns, for each value, 100 × (the number of values
// below it + half the number of others equal to it) ÷ (n − 1); a single
// value gets 100.
func midRankPercentiles(v []float64) []float64 {
	n := len(v)
	out := make([]float64, n)
	if n == 1 {
		out[0] = 100
		return out
	}
	sorted := append([]float64(nil), v...)
	sort.Float64s(sorted)
	for i, x := range v {
		below := sort.SearchFloat64s(sorted, x)
		upto := sort.Search(n, func(k int) bool { return sorted[k] > x })
		ties := upto - below - 1
		out[i] = 100 * (float64(below) + float64(ties)/2) / float64(n-1)
	}
	return out
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func finite(v []float64) []float64 {
	var out []float64
	for _, x := range v {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			out = append(out, x)
		}
	}
	return out
}

func ptr(v float64) *float64 { return &v }

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func yearList(years []int) string {
	if len(years) == 0 {
		return "none"
	}
	contiguous := years[len(years)-1]-years[0] == len(years)-1
	if contiguous && len(years) > 2 {
		return fmt.Sprintf("%d–%d", years[0], years[len(years)-1])
	}
	var s []string
	for _, y := range years {
		s = append(s, strconv.Itoa(y))
	}
	return strings.Join(s, ", ")
}

// abbreviateCodes lists distinct codes, at most eight.
func abbreviateCodes(codes []string) string {
	seen := map[string]bool{}
	var u []string
	for _, c := range codes {
		if !seen[c] {
			seen[c] = true
			u = append(u, c)
		}
	}
	sort.Strings(u)
	if len(u) > 8 {
		return strings.Join(u[:8], ", ") + fmt.Sprintf(", … %d more", len(u)-8)
	}
	return strings.Join(u, ", ")
}
