package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/indus-platform/indus/internal/indus"
)

// Benefit-per-mu evaluations (亩均效益评价): the facts an evaluation reads
// and the immutable runs it writes (migration 0004). The maths lives in
// package analysis and calc/index; here are only reads and one bulk write.

// EvaluationFact is one enterprise's facts for an evaluation year, with
// what the scope and unrated rules need from the year before. Numbers are
// NaN when not reported (never zero).
type EvaluationFact struct {
	USCC, Name, UnitCode, Park, IndustryCode string
	// Founded is the date of establishment; zero when unknown.
	Founded time.Time
	// AboveSizeKnown tells whether the data records the year's above-size
	// status (annual_facts.above_size), AboveSize that status.
	AboveSizeKnown, AboveSize bool
	// HasPrev tells whether the enterprise has facts for the year before;
	// PrevAboveSizeKnown, PrevAboveSize and PrevRevenue are from them.
	HasPrev, PrevAboveSizeKnown, PrevAboveSize bool
	PrevRevenue                                float64
	// LandMu is the year's land area, else the enterprise's.
	LandMu                                                           float64
	Revenue, OutputValue, ValueAdded, Tax, EnergyTCE, ElectricityKWh float64
	EmissionsT, RDSpend, Employees                                   float64
	SafetyAccident, EnvViolation, UnderConstruction, Utility         bool
}

// Field returns the annual fact of the given name (refdata.SchemeFields),
// NaN when not reported, and whether the name is known.
func (f *EvaluationFact) Field(name string) (float64, bool) {
	switch name {
	case "land_mu":
		return f.LandMu, true
	case "revenue":
		return f.Revenue, true
	case "output_value":
		return f.OutputValue, true
	case "value_added":
		return f.ValueAdded, true
	case "tax":
		return f.Tax, true
	case "energy_tce":
		return f.EnergyTCE, true
	case "electricity_kwh":
		return f.ElectricityKWh, true
	case "emissions_t":
		return f.EmissionsT, true
	case "rd_spend":
		return f.RDSpend, true
	case "employees":
		return f.Employees, true
	}
	return math.NaN(), false
}

func nanOf(v sql.NullFloat64) float64 {
	if v.Valid {
		return v.Float64
	}
	return math.NaN()
}

// EvaluationFacts streams the facts of every enterprise with annual facts
// for year, in USCC order, to fn. The same *EvaluationFact is reused: copy
// it to keep it.
func (s *Store) EvaluationFacts(ctx context.Context, year int, fn func(*EvaluationFact) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT e.uscc, e.name, e.unit_code, coalesce(e.park, ''), coalesce(e.industry_code, ''), e.founded,
		a.above_size, p.uscc IS NOT NULL, p.above_size, p.revenue,
		coalesce(a.land_mu, e.land_mu), a.revenue, a.output_value, a.value_added, a.tax, a.energy_tce, a.electricity_kwh,
		a.emissions_t, a.rd_spend, a.employees, a.safety_accident, a.env_violation, a.under_construction, a.utility
		FROM annual_facts a JOIN enterprises e ON e.uscc = a.uscc
		LEFT JOIN annual_facts p ON p.uscc = a.uscc AND p.year = a.year - 1
		WHERE a.year = ? ORDER BY a.uscc`, year)
	if err != nil {
		return fmt.Errorf("read evaluation facts: %w", err)
	}
	defer rows.Close()
	var f EvaluationFact
	var founded sql.NullTime
	var above, prevAbove sql.NullBool
	var prevRev, land, rev, out, va, tax, energy, elec, emis, rd, emp sql.NullFloat64
	for rows.Next() {
		if err := rows.Scan(&f.USCC, &f.Name, &f.UnitCode, &f.Park, &f.IndustryCode, &founded,
			&above, &f.HasPrev, &prevAbove, &prevRev,
			&land, &rev, &out, &va, &tax, &energy, &elec, &emis, &rd, &emp,
			&f.SafetyAccident, &f.EnvViolation, &f.UnderConstruction, &f.Utility); err != nil {
			return err
		}
		f.Founded = time.Time{}
		if founded.Valid {
			f.Founded = founded.Time
		}
		f.AboveSizeKnown, f.AboveSize = above.Valid, above.Bool
		f.PrevAboveSizeKnown, f.PrevAboveSize = prevAbove.Valid, prevAbove.Bool
		f.PrevRevenue = nanOf(prevRev)
		f.LandMu, f.Revenue, f.OutputValue, f.ValueAdded = nanOf(land), nanOf(rev), nanOf(out), nanOf(va)
		f.Tax, f.EnergyTCE, f.ElectricityKWh, f.EmissionsT = nanOf(tax), nanOf(energy), nanOf(elec), nanOf(emis)
		f.RDSpend, f.Employees = nanOf(rd), nanOf(emp)
		if err := fn(&f); err != nil {
			return err
		}
	}
	return rows.Err()
}

// DataVersion is the newest import batch: what an evaluation says it saw.
func (s *Store) DataVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.db.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM import_batches`).Scan(&v)
	return v, err
}

// EvaluationRun is one recorded evaluation.
type EvaluationRun struct {
	ID            int64  `json:"id"`
	SchemeID      string `json:"scheme_id"`
	SchemeVersion string `json:"scheme_version"`
	SchemeNameZh  string `json:"scheme_name_zh"`
	SchemeNameEn  string `json:"scheme_name_en"`
	// SchemeYAML is the scheme as evaluated (empty in lists).
	SchemeYAML   string `json:"scheme_yaml,omitempty"`
	SchemeSHA256 string `json:"scheme_sha256"`
	Year         int    `json:"year"`
	// DataBatch is the newest import batch the run saw; InputSHA256 hashes
	// the facts it read.
	DataBatch       int64     `json:"data_batch"`
	InputSHA256     string    `json:"input_sha256"`
	User            string    `json:"user"`
	CreatedAt       time.Time `json:"created_at"`
	Seed            int64     `json:"seed"`
	UncertaintyRuns int       `json:"uncertainty_runs"`
	Notes           []string  `json:"notes"`
	// Enterprises, Rated and ClassCounts summarise the results (read back,
	// not stored twice).
	Enterprises int64            `json:"enterprises"`
	Rated       int64            `json:"rated"`
	ClassCounts map[string]int64 `json:"class_counts"`
	// Indicators are set by EvaluationByID, not in lists.
	Indicators []EvaluationIndicator `json:"indicators,omitempty"`
}

// EvaluationIndicator is one indicator of a run with its benchmarks.
type EvaluationIndicator struct {
	Position      int      `json:"position"`
	Indicator     string   `json:"indicator"`
	NameZh        string   `json:"name_zh"`
	NameEn        string   `json:"name_en"`
	Unit          string   `json:"unit"`
	Weight        float64  `json:"weight"`
	MissingRule   string   `json:"missing_rule"`
	BenchmarkRule string   `json:"benchmark_rule"`
	Benchmark     *float64 `json:"benchmark"`
	UnitBenchmark *float64 `json:"unit_benchmark"`
	ParkBenchmark *float64 `json:"park_benchmark"`
	Cap           float64  `json:"cap"`
	Reported      int64    `json:"reported"`
	Mean          *float64 `json:"mean"`
	Median        *float64 `json:"median"`
	Aggregate     *float64 `json:"aggregate"`
}

// EnterpriseResult is one enterprise's outcome in a run.
type EnterpriseResult struct {
	USCC         string   `json:"uscc"`
	Name         string   `json:"name"`
	UnitCode     string   `json:"unit_code"`
	Park         string   `json:"park"`
	IndustryCode string   `json:"industry_code"`
	AboveSize    bool     `json:"above_size"`
	LandMu       *float64 `json:"land_mu"`
	Electricity  *float64 `json:"electricity_kwh"`
	Score        *float64 `json:"score"`
	// Rank is among the rated firms (nil for unrated ones); RankAll among
	// every firm with a score.
	Rank    *int   `json:"rank"`
	RankAll *int   `json:"rank_all"`
	Class   string `json:"class"`
	Capped  bool   `json:"capped"`
	// ReasonCode lists the veto and unrated rules that apply
	// ("unrated:newly_above_size;veto:env_violation"); ReasonEn/Zh say it.
	ReasonCode string `json:"reason_code"`
	ReasonEn   string `json:"reason"`
	ReasonZh   string `json:"reason_zh"`
	// NextClass is the next class up ("" if none reachable), Boundary the
	// score it needs and Gap = Boundary − Score; Explanation says why.
	NextClass      string   `json:"next_class"`
	Boundary       *float64 `json:"boundary"`
	Gap            *float64 `json:"gap"`
	Explanation    string   `json:"explanation"`
	BestIndicator  string   `json:"best_indicator"`
	BestChangePct  *float64 `json:"best_change_pct"`
	Surcharge      *float64 `json:"electricity_surcharge_yuan_per_kwh"`
	SurchargeYuan  *float64 `json:"electricity_surcharge_yuan"`
	WaterPct       *float64 `json:"water_surcharge_pct"`
	LandTaxRelief  *float64 `json:"land_use_tax_relief_pct"`
	MedianRank     *float64 `json:"median_rank"`
	RankQ05        *float64 `json:"rank_q05"`
	RankQ95        *float64 `json:"rank_q95"`
	ClassProbs     string   `json:"-"`
	ClassProbsJSON any      `json:"class_probs"`
	// Items are the indicators (set when asked for).
	Items []ItemResult `json:"items,omitempty"`
}

// ItemResult is one indicator of one enterprise: its value, its part of
// the score and what it would take alone to reach the next class.
type ItemResult struct {
	Position        int      `json:"position"`
	Indicator       string   `json:"indicator"`
	Numerator       *float64 `json:"numerator"`
	Denominator     *float64 `json:"denominator"`
	Value           *float64 `json:"value"`
	Ratio           *float64 `json:"ratio"`
	Points          *float64 `json:"points"`
	Missing         string   `json:"missing"`
	NeededValue     *float64 `json:"needed_value"`
	NeededNumerator *float64 `json:"needed_numerator"`
	Change          *float64 `json:"change"`
	Status          string   `json:"status"`
	Note            string   `json:"note"`
}

// AreaResult is one park or evaluation unit in a run: the same indicators
// over its firms (Σ numerator ÷ Σ denominator), scored and ranked.
type AreaResult struct {
	Level       string           `json:"level"`
	Code        string           `json:"code"`
	Name        string           `json:"name"`
	UnitCode    string           `json:"unit_code"`
	Enterprises int64            `json:"enterprises"`
	Rated       int64            `json:"rated"`
	LandMu      *float64         `json:"land_mu"`
	Score       *float64         `json:"score"`
	Rank        *int             `json:"rank"`
	ClassCounts map[string]int64 `json:"class_counts"`
	Items       []AreaItem       `json:"items,omitempty"`
	// Suppressed says the area's figures are withheld from this caller:
	// it has fewer than MinAreaEnterprises enterprises, outside the
	// caller's territory (see suppressSmallAreas).
	Suppressed bool `json:"suppressed,omitempty"`
}

// AreaItem is one indicator of a park or unit.
type AreaItem struct {
	Position    int      `json:"position"`
	Indicator   string   `json:"indicator"`
	Numerator   *float64 `json:"numerator"`
	Denominator *float64 `json:"denominator"`
	Value       *float64 `json:"value"`
	Ratio       *float64 `json:"ratio"`
	Points      *float64 `json:"points"`
}

// Area levels.
const (
	AreaUnit = "unit"
	AreaPark = "park"
)

// EvaluationWriter receives a run's rows; SaveEvaluation's fill calls it.
type EvaluationWriter struct {
	ent, item, area, areaItem *duckdb.Appender
	run                       int64
}

// fnum turns NaN into NULL.
func fnum(v float64) driver.Value {
	if math.IsNaN(v) {
		return nil
	}
	return v
}

func fptr(p *float64) driver.Value {
	if p == nil {
		return nil
	}
	return fnum(*p)
}

func iptr(p *int) driver.Value {
	if p == nil {
		return nil
	}
	return int32(*p)
}

// Enterprise writes one enterprise result with its items.
func (w *EvaluationWriter) Enterprise(e *EnterpriseResult) error {
	if err := w.ent.AppendRow(w.run, e.USCC, e.Name, e.UnitCode, e.Park, e.IndustryCode, e.AboveSize,
		fptr(e.LandMu), fptr(e.Electricity), fptr(e.Score), iptr(e.Rank), iptr(e.RankAll), e.Class, e.Capped,
		e.ReasonCode, e.ReasonEn, e.ReasonZh, e.NextClass, fptr(e.Boundary), fptr(e.Gap), e.Explanation,
		e.BestIndicator, fptr(e.BestChangePct), fptr(e.Surcharge), fptr(e.SurchargeYuan), fptr(e.WaterPct),
		fptr(e.LandTaxRelief), fptr(e.MedianRank), fptr(e.RankQ05), fptr(e.RankQ95), e.ClassProbs); err != nil {
		return err
	}
	for k := range e.Items {
		it := &e.Items[k]
		if err := w.item.AppendRow(w.run, e.USCC, int32(it.Position), it.Indicator, fptr(it.Numerator), fptr(it.Denominator),
			fptr(it.Value), fptr(it.Ratio), fptr(it.Points), it.Missing, fptr(it.NeededValue), fptr(it.NeededNumerator),
			fptr(it.Change), it.Status, it.Note); err != nil {
			return err
		}
	}
	return nil
}

// Area writes one park or unit result with its items; ClassCounts is
// stored as JSON.
func (w *EvaluationWriter) Area(a *AreaResult, classCountsJSON string) error {
	if err := w.area.AppendRow(w.run, a.Level, a.Code, a.Name, a.UnitCode, a.Enterprises, a.Rated, fptr(a.LandMu),
		fptr(a.Score), iptr(a.Rank), classCountsJSON); err != nil {
		return err
	}
	for k := range a.Items {
		it := &a.Items[k]
		if err := w.areaItem.AppendRow(w.run, a.Level, a.Code, int32(it.Position), it.Indicator, fptr(it.Numerator),
			fptr(it.Denominator), fptr(it.Value), fptr(it.Ratio), fptr(it.Points)); err != nil {
			return err
		}
	}
	return nil
}

// SaveEvaluation records a run: the run row and its indicators, then every
// result row that fill writes through the EvaluationWriter (Appenders, in
// the same transaction). On any error nothing is recorded. It sets run.ID,
// run.CreatedAt and run.SchemeSHA256 and returns the id.
func (s *Store) SaveEvaluation(ctx context.Context, run *EvaluationRun, fill func(w *EvaluationWriter) error) (int64, error) {
	defer s.dataChanged() // after the commit or rollback
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return 0, err
	}
	committed := false
	defer func() {
		if !committed {
			conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	var id int64
	if err := conn.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) + 1 FROM evaluation_runs`).Scan(&id); err != nil {
		return 0, err
	}
	sum := sha256.Sum256([]byte(run.SchemeYAML))
	run.SchemeSHA256 = hex.EncodeToString(sum[:])
	run.CreatedAt = time.Now().UTC().Truncate(time.Microsecond)
	if _, err := conn.ExecContext(ctx, `INSERT INTO evaluation_runs (id, scheme_id, scheme_version, scheme_name_zh, scheme_name_en,
		scheme_yaml, scheme_sha256, year, data_batch, input_sha256, username, created_at, seed, uncertainty_runs, notes)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, run.SchemeID, run.SchemeVersion, run.SchemeNameZh, run.SchemeNameEn, run.SchemeYAML, run.SchemeSHA256,
		run.Year, run.DataBatch, run.InputSHA256, run.User, run.CreatedAt, run.Seed, run.UncertaintyRuns,
		strings.Join(run.Notes, "\n")); err != nil {
		return 0, fmt.Errorf("record evaluation run: %w", err)
	}
	for _, ind := range run.Indicators {
		if _, err := conn.ExecContext(ctx, `INSERT INTO evaluation_indicators (run_id, position, indicator, name_zh, name_en, unit,
			weight, missing_rule, benchmark_rule, benchmark, unit_benchmark, park_benchmark, cap, reported, mean_value, median_value,
			aggregate_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, ind.Position, ind.Indicator, ind.NameZh, ind.NameEn, ind.Unit, ind.Weight, ind.MissingRule, ind.BenchmarkRule,
			fptr(ind.Benchmark), fptr(ind.UnitBenchmark), fptr(ind.ParkBenchmark), ind.Cap, ind.Reported,
			fptr(ind.Mean), fptr(ind.Median), fptr(ind.Aggregate)); err != nil {
			return 0, fmt.Errorf("record evaluation indicator: %w", err)
		}
	}
	w := &EvaluationWriter{run: id}
	open := func(table string, dst **duckdb.Appender) error {
		return conn.Raw(func(dc any) error {
			a, err := duckdb.NewAppender(dc.(driver.Conn), "", "main", table)
			*dst = a
			return err
		})
	}
	for _, t := range []struct {
		name string
		dst  **duckdb.Appender
	}{{"evaluation_enterprises", &w.ent}, {"evaluation_items", &w.item}, {"evaluation_areas", &w.area}, {"evaluation_area_items", &w.areaItem}} {
		if err := open(t.name, t.dst); err != nil {
			return 0, fmt.Errorf("open appender: %w", err)
		}
	}
	err = fill(w)
	for _, a := range []*duckdb.Appender{w.ent, w.item, w.area, w.areaItem} {
		if cerr := a.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("write evaluation results: %w", cerr)
		}
	}
	if err != nil {
		return 0, err
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return 0, fmt.Errorf("commit evaluation: %w", err)
	}
	committed = true
	run.ID = id
	return id, nil
}

const runColumns = `r.id, r.scheme_id, r.scheme_version, r.scheme_name_zh, r.scheme_name_en, r.scheme_sha256, r.year, r.data_batch,
	r.input_sha256, r.username, r.created_at, r.seed, r.uncertainty_runs, r.notes`

func scanRun(sc interface{ Scan(...any) error }) (EvaluationRun, error) {
	var r EvaluationRun
	var notes string
	err := sc.Scan(&r.ID, &r.SchemeID, &r.SchemeVersion, &r.SchemeNameZh, &r.SchemeNameEn, &r.SchemeSHA256, &r.Year, &r.DataBatch,
		&r.InputSHA256, &r.User, &r.CreatedAt, &r.Seed, &r.UncertaintyRuns, &notes)
	r.Notes = []string{}
	if notes != "" {
		r.Notes = strings.Split(notes, "\n")
	}
	r.ClassCounts = map[string]int64{}
	return r, err
}

// Evaluations lists the runs, newest first, with their class counts.
func (s *Store) Evaluations(ctx context.Context) ([]EvaluationRun, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM evaluation_runs ORDER BY id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list evaluations: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]EvaluationRun, 0, len(ids))
	for _, id := range ids {
		r, err := s.EvaluationByID(ctx, id)
		if err != nil {
			return nil, err
		}
		// The list carries neither the scheme text nor the indicators.
		r.SchemeYAML, r.Indicators = "", nil
		out = append(out, r)
	}
	return out, nil
}

// runCache keeps evaluation runs as read in full. A run never changes once
// written (runs are only inserted, in one transaction), so each is read
// from the database once; an enterprise page, which needs the run of the
// firm's result and the list of runs, then costs no scan of the results.
type runCache struct {
	mu   sync.Mutex
	byID map[int64]EvaluationRun
}

// clone copies a run's maps and slices, so no caller can change the cache.
func (r EvaluationRun) clone() EvaluationRun {
	r.ClassCounts = maps.Clone(r.ClassCounts)
	r.Indicators = slices.Clone(r.Indicators)
	r.Notes = slices.Clone(r.Notes)
	return r
}

// EvaluationByID returns one run with its scheme text, indicators and class
// counts; a missing run is a not-found error.
func (s *Store) EvaluationByID(ctx context.Context, id int64) (EvaluationRun, error) {
	s.runs.mu.Lock()
	r, ok := s.runs.byID[id]
	s.runs.mu.Unlock()
	if ok {
		return r.clone(), nil
	}
	r, err := s.loadEvaluation(ctx, id)
	if err != nil {
		return r, err
	}
	s.runs.mu.Lock()
	if s.runs.byID == nil {
		s.runs.byID = map[int64]EvaluationRun{}
	}
	s.runs.byID[id] = r.clone()
	s.runs.mu.Unlock()
	return r, nil
}

func (s *Store) loadEvaluation(ctx context.Context, id int64) (EvaluationRun, error) {
	r, err := scanRun(s.db.QueryRowContext(ctx, `SELECT `+runColumns+` FROM evaluation_runs r WHERE r.id = ?`, id))
	if err == sql.ErrNoRows {
		return r, indus.Errorf(indus.ENotFound, "there is no evaluation run %d; 'indus evaluate list' lists them", id).
			Zh("没有第 %d 次评价；评价记录见“亩均评价”页或 indus evaluate list", id)
	}
	if err != nil {
		return r, err
	}
	if err := s.db.QueryRowContext(ctx, `SELECT scheme_yaml FROM evaluation_runs WHERE id = ?`, id).Scan(&r.SchemeYAML); err != nil {
		return r, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT class, count(*), count(rank) FROM evaluation_enterprises WHERE run_id = ? GROUP BY class`, id)
	if err != nil {
		return r, err
	}
	for rows.Next() {
		var class string
		var n, rated int64
		if err := rows.Scan(&class, &n, &rated); err != nil {
			rows.Close()
			return r, err
		}
		r.ClassCounts[class] = n
		r.Enterprises += n
		r.Rated += rated
	}
	rows.Close()
	ind, err := s.db.QueryContext(ctx, `SELECT position, indicator, name_zh, name_en, unit, weight, missing_rule, benchmark_rule,
		benchmark, unit_benchmark, park_benchmark, cap, reported, mean_value, median_value, aggregate_value
		FROM evaluation_indicators WHERE run_id = ? ORDER BY position`, id)
	if err != nil {
		return r, err
	}
	defer ind.Close()
	for ind.Next() {
		var x EvaluationIndicator
		var b, ub, pb, mean, med, agg sql.NullFloat64
		if err := ind.Scan(&x.Position, &x.Indicator, &x.NameZh, &x.NameEn, &x.Unit, &x.Weight, &x.MissingRule, &x.BenchmarkRule,
			&b, &ub, &pb, &x.Cap, &x.Reported, &mean, &med, &agg); err != nil {
			return r, err
		}
		x.Benchmark, x.UnitBenchmark, x.ParkBenchmark = ptrOf(b), ptrOf(ub), ptrOf(pb)
		x.Mean, x.Median, x.Aggregate = ptrOf(mean), ptrOf(med), ptrOf(agg)
		r.Indicators = append(r.Indicators, x)
	}
	return r, ind.Err()
}

func ptrOf(v sql.NullFloat64) *float64 {
	if !v.Valid {
		return nil
	}
	f := v.Float64
	return &f
}

func intPtrOf(v sql.NullInt64) *int {
	if !v.Valid {
		return nil
	}
	i := int(v.Int64)
	return &i
}

// EnterpriseQuery selects the enterprise results of a run.
type EnterpriseQuery struct {
	// Class and UnitCode filter when set.
	Class, UnitCode string
	// Limit and Offset page through the results (Limit 0: all).
	Limit, Offset int
	// Items loads every result's indicators.
	Items bool
}

const enterpriseColumns = `uscc, name, unit_code, park, industry_code, above_size, land_mu, electricity_kwh, score, rank, rank_all,
	class, capped, reason_code, reason_en, reason_zh, next_class, boundary, gap, explanation, best_indicator, best_change_pct,
	electricity_surcharge, electricity_surcharge_yuan, water_surcharge_pct, land_use_tax_relief_pct, median_rank, rank_q05,
	rank_q95, class_probs`

func scanEnterprise(sc interface{ Scan(...any) error }) (EnterpriseResult, error) {
	var e EnterpriseResult
	var land, elec, score, boundary, gap, best, sur, surY, water, relief, med, q05, q95 sql.NullFloat64
	var rank, rankAll sql.NullInt64
	err := sc.Scan(&e.USCC, &e.Name, &e.UnitCode, &e.Park, &e.IndustryCode, &e.AboveSize, &land, &elec, &score, &rank, &rankAll,
		&e.Class, &e.Capped, &e.ReasonCode, &e.ReasonEn, &e.ReasonZh, &e.NextClass, &boundary, &gap, &e.Explanation,
		&e.BestIndicator, &best, &sur, &surY, &water, &relief, &med, &q05, &q95, &e.ClassProbs)
	e.LandMu, e.Electricity, e.Score = ptrOf(land), ptrOf(elec), ptrOf(score)
	e.Rank, e.RankAll = intPtrOf(rank), intPtrOf(rankAll)
	e.Boundary, e.Gap, e.BestChangePct = ptrOf(boundary), ptrOf(gap), ptrOf(best)
	e.Surcharge, e.SurchargeYuan, e.WaterPct, e.LandTaxRelief = ptrOf(sur), ptrOf(surY), ptrOf(water), ptrOf(relief)
	e.MedianRank, e.RankQ05, e.RankQ95 = ptrOf(med), ptrOf(q05), ptrOf(q95)
	if e.ClassProbs != "" {
		e.ClassProbsJSON = rawJSON(e.ClassProbs)
	}
	return e, err
}

// rawJSON passes stored JSON through to an encoder unchanged.
type rawJSON string

// MarshalJSON implements json.Marshaler.
func (r rawJSON) MarshalJSON() ([]byte, error) { return []byte(r), nil }

// EvaluationEnterprises returns the enterprise results of a run ordered by
// score (best first, firms without a score last, then by USCC), and the
// number of results the filters match.
func (s *Store) EvaluationEnterprises(ctx context.Context, run int64, q EnterpriseQuery) ([]EnterpriseResult, int64, error) {
	if _, err := s.EvaluationByID(ctx, run); err != nil {
		return nil, 0, err
	}
	where := `run_id = ?`
	args := []any{run}
	if sc := indus.ScopeFrom(ctx); !sc.All {
		pred, a := scopeSQL(sc, "")
		where += ` AND ` + pred
		args = append(args, a...)
	}
	if q.Class != "" {
		where += ` AND class = ?`
		args = append(args, q.Class)
	}
	if q.UnitCode != "" {
		where += ` AND unit_code = ?`
		args = append(args, q.UnitCode)
	}
	var total int64
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM evaluation_enterprises WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	query := `SELECT ` + enterpriseColumns + ` FROM evaluation_enterprises WHERE ` + where + ` ORDER BY rank_all NULLS LAST, uscc`
	if q.Limit > 0 {
		query += fmt.Sprintf(` LIMIT %d OFFSET %d`, q.Limit, max(q.Offset, 0))
	}
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("read evaluation results: %w", err)
	}
	var out []EnterpriseResult
	for rows.Next() {
		e, err := scanEnterprise(rows)
		if err != nil {
			rows.Close()
			return nil, 0, err
		}
		out = append(out, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	if q.Items && len(out) > 0 {
		pos := make(map[string]int, len(out))
		for i := range out {
			pos[out[i].USCC] = i
		}
		items, err := s.db.QueryContext(ctx, `SELECT uscc, `+itemColumns+` FROM evaluation_items WHERE run_id = ? ORDER BY uscc, position`, run)
		if err != nil {
			return nil, 0, err
		}
		defer items.Close()
		for items.Next() {
			var uscc string
			it, err := scanItem(items, &uscc)
			if err != nil {
				return nil, 0, err
			}
			if i, ok := pos[uscc]; ok {
				out[i].Items = append(out[i].Items, it)
			}
		}
		if err := items.Err(); err != nil {
			return nil, 0, err
		}
	}
	return out, total, nil
}

const itemColumns = `position, indicator, numerator, denominator, value, ratio, points, missing, needed_value, needed_numerator,
	change, status, note`

func scanItem(sc interface{ Scan(...any) error }, lead ...any) (ItemResult, error) {
	var it ItemResult
	var num, den, val, ratio, pts, need, needNum, ch sql.NullFloat64
	dst := append(lead, &it.Position, &it.Indicator, &num, &den, &val, &ratio, &pts, &it.Missing, &need, &needNum, &ch, &it.Status, &it.Note)
	err := sc.Scan(dst...)
	it.Numerator, it.Denominator, it.Value, it.Ratio, it.Points = ptrOf(num), ptrOf(den), ptrOf(val), ptrOf(ratio), ptrOf(pts)
	it.NeededValue, it.NeededNumerator, it.Change = ptrOf(need), ptrOf(needNum), ptrOf(ch)
	return it, err
}

// EvaluationEnterprise returns one enterprise's result in a run with its
// items; a missing run or enterprise is a not-found error.
func (s *Store) EvaluationEnterprise(ctx context.Context, run int64, uscc string) (EnterpriseResult, error) {
	if _, err := s.EvaluationByID(ctx, run); err != nil {
		return EnterpriseResult{}, err
	}
	if err := s.requireInScope(ctx, uscc); err != nil {
		return EnterpriseResult{}, err
	}
	e, err := scanEnterprise(s.db.QueryRowContext(ctx, `SELECT `+enterpriseColumns+` FROM evaluation_enterprises WHERE run_id = ? AND uscc = ?`, run, uscc))
	if err == sql.ErrNoRows {
		return e, indus.Errorf(indus.ENotFound, "enterprise %s is not in evaluation run %d (outside the scheme's scope, or no facts that year)", uscc, run).
			Zh("企业 %s 不在第 %d 次评价中（不在该方案范围内，或当年没有数据）", uscc, run)
	}
	if err != nil {
		return e, err
	}
	// The items hold the firm's tax, energy and emission ratios.
	indus.NoteViewed(ctx, uscc)
	rows, err := s.db.QueryContext(ctx, `SELECT `+itemColumns+` FROM evaluation_items WHERE run_id = ? AND uscc = ? ORDER BY position`, run, uscc)
	if err != nil {
		return e, err
	}
	defer rows.Close()
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return e, err
		}
		e.Items = append(e.Items, it)
	}
	return e, rows.Err()
}

// EvaluationAreas returns the parks or units (level AreaPark or AreaUnit)
// of a run with their items, ordered by rank (areas without a score last,
// then by code).
func (s *Store) EvaluationAreas(ctx context.Context, run int64, level string) ([]AreaResult, error) {
	if level != AreaUnit && level != AreaPark {
		return nil, indus.Errorf(indus.EInvalid, "level %q: use unit or park", level).
			Zh("层级 %q：请使用 unit（区县）或 park（园区）", level)
	}
	if _, err := s.EvaluationByID(ctx, run); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT level, code, name, unit_code, enterprises, rated, land_mu, score, rank, class_counts
		FROM evaluation_areas WHERE run_id = ? AND level = ? ORDER BY rank NULLS LAST, code`, run, level)
	if err != nil {
		return nil, err
	}
	var out []AreaResult
	pos := map[string]int{}
	for rows.Next() {
		var a AreaResult
		var land, score sql.NullFloat64
		var rank sql.NullInt64
		var cc string
		if err := rows.Scan(&a.Level, &a.Code, &a.Name, &a.UnitCode, &a.Enterprises, &a.Rated, &land, &score, &rank, &cc); err != nil {
			rows.Close()
			return nil, err
		}
		a.LandMu, a.Score, a.Rank = ptrOf(land), ptrOf(score), intPtrOf(rank)
		if err := json.Unmarshal([]byte(cc), &a.ClassCounts); err != nil {
			rows.Close()
			return nil, fmt.Errorf("class counts of %s %s: %w", level, a.Code, err)
		}
		pos[a.Code] = len(out)
		out = append(out, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	items, err := s.db.QueryContext(ctx, `SELECT code, position, indicator, numerator, denominator, value, ratio, points
		FROM evaluation_area_items WHERE run_id = ? AND level = ? ORDER BY code, position`, run, level)
	if err != nil {
		return nil, err
	}
	defer items.Close()
	for items.Next() {
		var code string
		var it AreaItem
		var num, den, val, ratio, pts sql.NullFloat64
		if err := items.Scan(&code, &it.Position, &it.Indicator, &num, &den, &val, &ratio, &pts); err != nil {
			return nil, err
		}
		it.Numerator, it.Denominator, it.Value, it.Ratio, it.Points = ptrOf(num), ptrOf(den), ptrOf(val), ptrOf(ratio), ptrOf(pts)
		if i, ok := pos[code]; ok {
			out[i].Items = append(out[i].Items, it)
		}
	}
	if err := items.Err(); err != nil {
		return nil, err
	}
	suppressSmallAreas(indus.ScopeFrom(ctx), out)
	return out, nil
}

// MinAreaEnterprises is the fewest enterprises a park or unit must have
// for its evaluation figures to be shown to someone who may not see those
// enterprises: a park of one or two firms would otherwise give away their
// tax, energy and grades (the "rule of three" of statistical disclosure
// control).
const MinAreaEnterprises = 3

// suppressSmallAreas withholds, from a caller without the right to the
// enterprises, the figures of areas with fewer than MinAreaEnterprises
// enterprises: score, rank, land, class counts and every indicator value.
// The area and its number of enterprises stay.
func suppressSmallAreas(sc indus.Scope, areas []AreaResult) {
	if sc.All {
		return
	}
	for i := range areas {
		a := &areas[i]
		// Shown when every firm of the area's unit is in the caller's
		// scope (the same rule as the queries'); a park-scoped official
		// is treated as not covering any small area.
		if a.Enterprises >= MinAreaEnterprises || sc.Admits("", a.UnitCode, "") {
			continue
		}
		a.Suppressed = true
		a.LandMu, a.Score, a.Rank, a.ClassCounts = nil, nil, nil, nil
		for j := range a.Items {
			it := &a.Items[j]
			it.Numerator, it.Denominator, it.Value, it.Ratio, it.Points = nil, nil, nil, nil, nil
		}
	}
}

// EvaluationClasses returns every enterprise's class in a run, by USCC, for
// comparing two runs.
func (s *Store) EvaluationClasses(ctx context.Context, run int64) (map[string]EnterpriseClass, error) {
	if _, err := s.EvaluationByID(ctx, run); err != nil {
		return nil, err
	}
	pred, args := scopeSQL(indus.ScopeFrom(ctx), "")
	rows, err := s.db.QueryContext(ctx, `SELECT uscc, name, unit_code, class, score, rank FROM evaluation_enterprises WHERE run_id = ? AND `+pred, append([]any{run}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]EnterpriseClass{}
	for rows.Next() {
		var c EnterpriseClass
		var score sql.NullFloat64
		var rank sql.NullInt64
		if err := rows.Scan(&c.USCC, &c.Name, &c.UnitCode, &c.Class, &score, &rank); err != nil {
			return nil, err
		}
		c.Score, c.Rank = ptrOf(score), intPtrOf(rank)
		out[c.USCC] = c
	}
	return out, rows.Err()
}

// EnterpriseClass is an enterprise's class and score in one run.
type EnterpriseClass struct {
	USCC     string   `json:"uscc"`
	Name     string   `json:"name"`
	UnitCode string   `json:"unit_code"`
	Class    string   `json:"class"`
	Score    *float64 `json:"score"`
	Rank     *int     `json:"rank"`
}
