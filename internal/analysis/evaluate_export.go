package analysis

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/indus-platform/indus/internal/export"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/refdata"
	"github.com/indus-platform/indus/internal/store"
)

// Evaluation levels of the output.
const (
	LevelEnterprise = "enterprise"
	LevelPark       = "park"
	LevelUnit       = "unit"
)

// ParseEvaluationLevel checks an output level ("" means enterprise).
func ParseEvaluationLevel(s string) (string, error) {
	switch s {
	case "", LevelEnterprise:
		return LevelEnterprise, nil
	case LevelPark, LevelUnit:
		return s, nil
	}
	return "", indus.Errorf(indus.EInvalid, "level %q: use enterprise, park or unit", s)
}

// EvaluationTable is a run's results at one level, ready to write: read
// from the store (Enterprises or Areas), or made row by row from an
// Evaluation in memory.
type EvaluationTable struct {
	Scheme      *refdata.Scheme
	Indicators  []store.EvaluationIndicator
	Uncertainty bool
	Level       string
	// Compact keeps the leading columns of the enterprise table and the
	// indicator values: uscc, name, unit_code, score, rank, class, reason,
	// rank_all, then one column per indicator (large files, no
	// explanations).
	Compact     bool
	Enterprises []store.EnterpriseResult
	Areas       []store.AreaResult

	ev    *Evaluation // rows from memory, in order
	order []int
	cols  *compactCols
}

// compactCols are the compact table's columns gathered in output order: a
// gather is a simple loop whose cache misses overlap, where formatting
// row by row from the evaluation's columns waits on every one of them.
type compactCols struct {
	uscc, name, unit []string
	score            []float64
	rank, rankAll    []int32
	class            []uint8
	flags            []uint32
	values           [][]float64
}

func (ev *Evaluation) gatherCompact(order []int) *compactCols {
	n := len(order)
	c := &compactCols{uscc: make([]string, n), name: make([]string, n), unit: make([]string, n), score: make([]float64, n),
		rank: make([]int32, n), rankAll: make([]int32, n), class: make([]uint8, n), flags: make([]uint32, n)}
	for k, i := range order {
		c.score[k], c.rank[k], c.rankAll[k] = ev.Score[i], int32(ev.Rank[i]), int32(ev.RankAll[i])
		c.class[k], c.flags[k] = ev.classIdx[i], ev.Flags[i]
	}
	for k, i := range order {
		f := ev.Firms[i]
		c.uscc[k], c.name[k], c.unit[k] = f.USCC, f.Name, f.UnitCode
	}
	c.values = make([][]float64, len(ev.Values))
	for j, col := range ev.Values {
		v := make([]float64, n)
		for k, i := range order {
			v[k] = col[i]
		}
		c.values[j] = v
	}
	return c
}

// LoadEvaluationTable reads a recorded run's results at one level.
func LoadEvaluationTable(ctx context.Context, st *store.Store, runID int64, level string) (*EvaluationTable, error) {
	run, err := st.EvaluationByID(ctx, runID)
	if err != nil {
		return nil, err
	}
	s, _, err := refdata.ParseScheme(run.SchemeID+".yaml", []byte(run.SchemeYAML))
	if err != nil {
		return nil, fmt.Errorf("evaluation run %d: its scheme snapshot no longer parses: %w", runID, err)
	}
	t := &EvaluationTable{Scheme: s, Indicators: run.Indicators, Uncertainty: run.UncertaintyRuns > 0, Level: level}
	switch level {
	case LevelEnterprise:
		t.Enterprises, _, err = st.EvaluationEnterprises(ctx, runID, store.EnterpriseQuery{Items: true})
	case LevelPark:
		t.Areas, err = st.EvaluationAreas(ctx, runID, store.AreaPark)
	case LevelUnit:
		t.Areas, err = st.EvaluationAreas(ctx, runID, store.AreaUnit)
	}
	return t, err
}

// Table is the evaluation's results at one level, in the order the store
// returns them (by overall rank, then USCC or code), without a store.
// Enterprise rows are made when written.
func (ev *Evaluation) Table(opts EvaluateOptions, level string, compact bool) *EvaluationTable {
	run := ev.RunRecord(opts, 0, "")
	t := &EvaluationTable{Scheme: ev.Scheme, Indicators: run.Indicators, Uncertainty: ev.Uncertainty != nil, Level: level, Compact: compact}
	switch level {
	case LevelEnterprise:
		order := make([]int, len(ev.Firms))
		for i := range order {
			order[i] = i
		}
		// The store's order: rank_all (firms without a score last), USCC.
		// The keys are unique, so an unstable sort gives one order.
		slices.SortFunc(order, func(a, b int) int {
			ra, rb := ev.RankAll[a], ev.RankAll[b]
			if (ra == 0) != (rb == 0) {
				if ra == 0 {
					return 1
				}
				return -1
			}
			if ra != rb {
				return ra - rb
			}
			return strings.Compare(ev.Firms[a].USCC, ev.Firms[b].USCC)
		})
		t.ev, t.order = ev, order
		if compact {
			t.cols = ev.gatherCompact(order)
		}
	default:
		areas := ev.Units
		if level == LevelPark {
			areas = ev.Parks
		}
		for _, a := range areas {
			r, _ := ev.AreaResult(a)
			t.Areas = append(t.Areas, r)
		}
		slices.SortStableFunc(t.Areas, func(a, b store.AreaResult) int {
			if (a.Rank == nil) != (b.Rank == nil) {
				if a.Rank == nil {
					return 1
				}
				return -1
			}
			if a.Rank != nil && *a.Rank != *b.Rank {
				return *a.Rank - *b.Rank
			}
			return strings.Compare(a.Code, b.Code)
		})
	}
	return t
}

// Len is the number of data rows.
func (t *EvaluationTable) Len() int {
	switch {
	case t.Level != LevelEnterprise:
		return len(t.Areas)
	case t.ev != nil:
		return len(t.order)
	}
	return len(t.Enterprises)
}

// Header is the table's header row. The enterprise table starts with
// uscc, name, unit_code, score, rank, class, reason.
func (t *EvaluationTable) Header() []string {
	classes := append(t.Scheme.ClassIDs(), t.Scheme.UnratedClass())
	var h []string
	if t.Level == LevelEnterprise && t.Compact {
		h = []string{"uscc", "name", "unit_code", "score", "rank", "class", "reason", "rank_all"}
		for _, ind := range t.Indicators {
			h = append(h, ind.Indicator)
		}
		return h
	}
	if t.Level == LevelEnterprise {
		h = []string{"uscc", "name", "unit_code", "score", "rank", "class", "reason", "reason_zh", "reason_code", "rank_all", "capped",
			"park", "industry_code", "above_size", "land_mu", "electricity_kwh"}
		for _, ind := range t.Indicators {
			h = append(h, ind.Indicator, ind.Indicator+"_ratio", ind.Indicator+"_points", ind.Indicator+"_missing")
		}
		h = append(h, "next_class", "boundary", "gap", "best_indicator", "best_change_pct", "explanation",
			"electricity_surcharge_yuan_per_kwh", "electricity_surcharge_yuan", "water_surcharge_pct", "land_use_tax_relief_pct")
		if t.Uncertainty {
			for _, c := range classes {
				h = append(h, "p_"+c)
			}
			h = append(h, "median_rank", "rank_q05", "rank_q95")
		}
		return h
	}
	h = []string{"code", "name", "unit_code", "score", "rank", "enterprises", "rated", "land_mu"}
	for _, c := range classes {
		h = append(h, "n_"+c)
	}
	for _, ind := range t.Indicators {
		h = append(h, ind.Indicator, ind.Indicator+"_ratio", ind.Indicator+"_points", ind.Indicator+"_numerator", ind.Indicator+"_denominator")
	}
	return h
}

func cellInt(p *int) export.Cell {
	if p == nil {
		return nil
	}
	return int64(*p)
}

// Rows calls fn with every data row (the slice is reused).
func (t *EvaluationTable) Rows(fn func([]export.Cell) error) error {
	var row []export.Cell
	for k := 0; k < t.Len(); k++ {
		var err error
		if row, err = t.RowAt(k, row[:0]); err != nil {
			return err
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	return nil
}

// RowAt appends the cells of data row k to row. It is safe to call from
// several goroutines with different row slices.
func (t *EvaluationTable) RowAt(k int, row []export.Cell) ([]export.Cell, error) {
	if t.Level != LevelEnterprise {
		classes := append(t.Scheme.ClassIDs(), t.Scheme.UnratedClass())
		a := &t.Areas[k]
		row = append(row, a.Code, a.Name, a.UnitCode, a.Score, cellInt(a.Rank), a.Enterprises, a.Rated, a.LandMu)
		for _, c := range classes {
			row = append(row, a.ClassCounts[c])
		}
		for j := range t.Indicators {
			var it store.AreaItem
			if j < len(a.Items) {
				it = a.Items[j]
			}
			row = append(row, it.Value, it.Ratio, it.Points, it.Numerator, it.Denominator)
		}
		return row, nil
	}
	if t.ev != nil && t.Compact {
		// Straight from the columns: no result structs for a large table.
		ev, i := t.ev, t.order[k]
		f := ev.Firms[i]
		_, en, _ := ev.reasons(ev.Flags[i])
		if math.IsNaN(ev.Score[i]) {
			en = append(en, "no indicator reported")
		}
		var rank export.Cell
		if ev.Rank[i] > 0 {
			rank = int64(ev.Rank[i])
		}
		var rankAll export.Cell
		if ev.RankAll[i] > 0 {
			rankAll = int64(ev.RankAll[i])
		}
		row = append(row, f.USCC, f.Name, f.UnitCode, ev.Score[i], rank, ev.Class[i], strings.Join(en, "; "), rankAll)
		for j := range t.Indicators {
			row = append(row, ev.Values[j][i])
		}
		return row, nil
	}
	var e *store.EnterpriseResult
	if t.ev != nil {
		r := t.ev.EnterpriseResult(t.order[k])
		e = &r
	} else {
		e = &t.Enterprises[k]
	}
	row = append(row, e.USCC, e.Name, e.UnitCode, e.Score, cellInt(e.Rank), e.Class, e.ReasonEn)
	if t.Compact {
		row = append(row, cellInt(e.RankAll))
		for j := range t.Indicators {
			var v *float64
			if j < len(e.Items) {
				v = e.Items[j].Value
			}
			row = append(row, v)
		}
		return row, nil
	}
	row = append(row, e.ReasonZh, e.ReasonCode, cellInt(e.RankAll), e.Capped, e.Park, e.IndustryCode, e.AboveSize, e.LandMu, e.Electricity)
	for j := range t.Indicators {
		var it store.ItemResult
		if j < len(e.Items) {
			it = e.Items[j]
		}
		row = append(row, it.Value, it.Ratio, it.Points, it.Missing)
	}
	var best export.Cell
	if e.BestChangePct != nil {
		best = e.BestChangePct
	}
	row = append(row, e.NextClass, e.Boundary, e.Gap, e.BestIndicator, best, e.Explanation,
		e.Surcharge, e.SurchargeYuan, e.WaterPct, e.LandTaxRelief)
	if t.Uncertainty {
		classes := append(t.Scheme.ClassIDs(), t.Scheme.UnratedClass())
		probs := map[string]float64{}
		if e.ClassProbs != "" {
			if err := json.Unmarshal([]byte(e.ClassProbs), &probs); err != nil {
				return nil, fmt.Errorf("class probabilities of %s: %w", e.USCC, err)
			}
		}
		for _, c := range classes {
			if p, ok := probs[c]; ok {
				row = append(row, p)
			} else {
				row = append(row, nil)
			}
		}
		row = append(row, e.MedianRank, e.RankQ05, e.RankQ95)
	}
	return row, nil
}

// Write writes the table to path, CSV or XLSX by its extension, and
// returns the number of data rows. CSV rows are formatted on every core,
// block by block, and written in order.
func (t *EvaluationTable) Write(path string) (int, error) {
	format, ok := export.FormatOf(path)
	if !ok {
		return 0, indus.Errorf(indus.EInvalid, "output %s: use a .csv or .xlsx file name", path)
	}
	if format == export.CSV {
		return t.writeCSV(path)
	}
	w, err := export.Create(path, format, "evaluation_"+t.Level, t.Header())
	if err != nil {
		return 0, indus.Errorf(indus.EInvalid, "cannot write %s: %v", path, err)
	}
	n := 0
	if err := t.Rows(func(r []export.Cell) error { n++; return w.WriteRow(r) }); err != nil {
		w.Abort()
		return 0, err
	}
	return n, w.Close()
}

// RecordAt appends the text cells of data row k to rec, as export's CSV
// writer formats them. The compact table from memory is formatted straight
// from the columns: boxing every number into a cell would cost more than
// scoring.
func (t *EvaluationTable) RecordAt(k int, rec []string, row []export.Cell) ([]string, []export.Cell, error) {
	if t.Level == LevelEnterprise && t.Compact && t.ev != nil {
		ev, i := t.ev, t.order[k]
		f := ev.Firms[i]
		reason := ""
		if ev.Flags[i] != 0 || math.IsNaN(ev.Score[i]) {
			_, en, _ := ev.reasons(ev.Flags[i])
			if math.IsNaN(ev.Score[i]) {
				en = append(en, "no indicator reported")
			}
			reason = strings.Join(en, "; ")
		}
		rank, rankAll := "", ""
		if ev.Rank[i] > 0 {
			rank = strconv.Itoa(ev.Rank[i])
		}
		if ev.RankAll[i] > 0 {
			rankAll = strconv.Itoa(ev.RankAll[i])
		}
		rec = append(rec, export.Neutralise(f.USCC), export.Neutralise(f.Name), export.Neutralise(f.UnitCode), csvFloat(ev.Score[i]),
			rank, export.Neutralise(ev.Class[i]), export.Neutralise(reason), rankAll)
		for j := range t.Indicators {
			rec = append(rec, csvFloat(ev.Values[j][i]))
		}
		return rec, row, nil
	}
	row, err := t.RowAt(k, row[:0])
	if err != nil {
		return nil, row, err
	}
	for _, c := range row {
		rec = append(rec, export.FormatCell(c))
	}
	return rec, row, nil
}

// compactRecord appends data row k of a compact table from memory to buf
// as one CSV line, byte for byte what encoding/csv writes for the cells
// export.FormatCell makes of it.
func (t *EvaluationTable) compactRecord(k int, buf []byte) []byte {
	ev, c := t.ev, t.cols
	buf = appendCSVText(buf, c.uscc[k])
	buf = append(buf, ',')
	buf = appendCSVText(buf, c.name[k])
	buf = append(buf, ',')
	buf = appendCSVText(buf, c.unit[k])
	buf = append(buf, ',')
	buf = appendCSVFloat(buf, c.score[k])
	buf = append(buf, ',')
	if c.rank[k] > 0 {
		buf = strconv.AppendInt(buf, int64(c.rank[k]), 10)
	}
	buf = append(buf, ',')
	buf = appendCSVText(buf, ev.classes[c.class[k]])
	buf = append(buf, ',')
	if c.flags[k] != 0 || math.IsNaN(c.score[k]) {
		_, en, _ := ev.reasons(c.flags[k])
		if math.IsNaN(c.score[k]) {
			en = append(en, "no indicator reported")
		}
		buf = appendCSVText(buf, strings.Join(en, "; "))
	}
	buf = append(buf, ',')
	if c.rankAll[k] > 0 {
		buf = strconv.AppendInt(buf, int64(c.rankAll[k]), 10)
	}
	for j := range t.Indicators {
		buf = append(buf, ',')
		buf = appendCSVFloat(buf, c.values[j][k])
	}
	return append(buf, '\n')
}

// appendCSVText appends a neutralised text cell, quoted as encoding/csv
// quotes it (a comma, quote or line break anywhere, or a leading space).
func appendCSVText(buf []byte, s string) []byte {
	s = export.Neutralise(s)
	need := s == `\.`
	for i := 0; i < len(s) && !need; i++ {
		switch s[i] {
		case ',', '"', '\r', '\n':
			need = true
		}
	}
	if !need && s != "" {
		r, _ := utf8.DecodeRuneInString(s)
		need = unicode.IsSpace(r)
	}
	if !need {
		return append(buf, s...)
	}
	buf = append(buf, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			buf = append(buf, '"')
		}
		buf = append(buf, s[i])
	}
	return append(buf, '"')
}

// appendCSVFloat appends csvFloat(v).
func appendCSVFloat(buf []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(buf, csvFloat(v)...)
	}
	return strconv.AppendFloat(buf, v, 'f', -1, 64)
}

// csvFloat is export.FormatCell of a float64: the shortest text that reads
// back as the same number, NaN empty, ±Inf as Inf and -Inf.
func csvFloat(v float64) string {
	switch {
	case math.IsNaN(v):
		return ""
	case math.IsInf(v, 1):
		return "Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// writeCSV writes what export's CSV writer would (a byte-order mark, then
// encoding/csv records of export.FormatCell cells, renamed into place at
// the end), formatting blocks of rows in parallel.
func (t *EvaluationTable) writeCSV(path string) (int, error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return 0, indus.Errorf(indus.EInvalid, "cannot write in %s: %v", dir, err)
	}
	fail := func(err error) (int, error) {
		tmp.Close()
		os.Remove(tmp.Name())
		return 0, err
	}
	bw := bufio.NewWriterSize(tmp, 1<<20)
	bw.WriteString("\xef\xbb\xbf")
	cw := csv.NewWriter(bw)
	if err := cw.Write(t.Header()); err != nil {
		return fail(err)
	}
	cw.Flush()
	n := t.Len()
	workers := runtime.GOMAXPROCS(0)
	const block = 4096
	for lo := 0; lo < n; lo += block * workers {
		bufs := make([]bytes.Buffer, workers)
		errs := make([]error, workers)
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			a, b := min(lo+w*block, n), min(lo+(w+1)*block, n)
			wg.Add(1)
			go func() {
				defer wg.Done()
				if t.Level == LevelEnterprise && t.Compact && t.cols != nil {
					var line []byte
					for k := a; k < b; k++ {
						line = t.compactRecord(k, line[:0])
						bufs[w].Write(line)
					}
					return
				}
				cw := csv.NewWriter(&bufs[w])
				var row []export.Cell
				var rec []string
				for k := a; k < b; k++ {
					var err error
					if rec, row, err = t.RecordAt(k, rec[:0], row); err != nil {
						errs[w] = err
						return
					}
					if err := cw.Write(rec); err != nil {
						errs[w] = err
						return
					}
				}
				cw.Flush()
				errs[w] = cw.Error()
			}()
		}
		wg.Wait()
		for w := range bufs {
			if errs[w] != nil {
				return fail(errs[w])
			}
			if _, err := bw.Write(bufs[w].Bytes()); err != nil {
				return fail(err)
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return 0, err
	}
	return n, os.Rename(tmp.Name(), path)
}
