package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/indus-platform/indus/internal/indus"
)

// Rows reach DuckDB through one table function, indus_load_rows(id): a
// load parks a run of rows under an id and runs INSERT … SELECT … FROM
// indus_load_rows(id). The function writes each value with its own type
// straight into DuckDB's vectors. The Appender it replaces boxed every
// value in an interface and looked its type up again, which cost about as
// much as everything else in staging a million rows; and an Appender can
// only fill a table of its own, where the function can feed any INSERT,
// so fact rows go straight into their table (see Load).
const loadRowsFunction = "indus_load_rows"

// rowRun is rows waiting for the table function.
type rowRun interface {
	columns() []duckdb.ColumnInfo
	len() int
	// write puts row i into the writer's current chunk row.
	write(w *chunkWriter, i int)
}

var (
	parkedRuns sync.Map // id (int64) → rowRun
	nextRunID  atomic.Int64
)

// registerLoadRows makes indus_load_rows known to the store's database.
// DuckDB keeps table functions in its catalog, visible to every
// connection, so this is done once per store.
func (s *Store) registerLoadRows(ctx context.Context) error {
	s.loadRowsOnce.Do(func() {
		conn, err := s.db.Conn(ctx)
		if err != nil {
			s.loadRowsErr = err
			return
		}
		defer conn.Close()
		bigint, err := duckdb.NewTypeInfo(duckdb.TYPE_BIGINT)
		if err != nil {
			s.loadRowsErr = err
			return
		}
		s.loadRowsErr = duckdb.RegisterTableUDF(conn, loadRowsFunction, duckdb.ChunkTableFunction{
			Config: duckdb.TableFunctionConfig{Arguments: []duckdb.TypeInfo{bigint}},
			BindArguments: func(_ map[string]any, args ...any) (duckdb.ChunkTableSource, error) {
				id, _ := args[0].(int64)
				run, ok := parkedRuns.Load(id)
				if !ok {
					return nil, fmt.Errorf("%s: no rows parked under %d", loadRowsFunction, id)
				}
				return &runSource{run: run.(rowRun)}, nil
			},
		})
	})
	return s.loadRowsErr
}

// insertRun inserts run with the statement insert, whose %s is where the
// table function goes, on conn.
func insertRun(ctx context.Context, conn *sql.Conn, insert string, run rowRun) error {
	if run.len() == 0 {
		return nil
	}
	id := nextRunID.Add(1)
	parkedRuns.Store(id, run)
	defer parkedRuns.Delete(id)
	_, err := conn.ExecContext(ctx, fmt.Sprintf(insert, fmt.Sprintf("%s(%d)", loadRowsFunction, id)))
	return err
}

// runSource hands a parked run to DuckDB a chunk at a time.
type runSource struct {
	run rowRun
	pos int
}

func (s *runSource) ColumnInfos() []duckdb.ColumnInfo { return s.run.columns() }

func (s *runSource) Cardinality() *duckdb.CardinalityInfo {
	return &duckdb.CardinalityInfo{Cardinality: uint(s.run.len()), Exact: true}
}

func (s *runSource) Init() {}

func (s *runSource) FillChunk(chunk duckdb.DataChunk) error {
	n := min(duckdb.GetDataChunkCapacity(), s.run.len()-s.pos)
	w := chunkWriter{chunk: chunk}
	for i := range n {
		w.row, w.col = i, 0
		s.run.write(&w, s.pos+i)
		if w.err != nil {
			return w.err
		}
	}
	s.pos += n
	return chunk.SetSize(n)
}

// chunkWriter writes one row of a chunk, column after column; the first
// error sticks.
type chunkWriter struct {
	chunk    duckdb.DataChunk
	row, col int
	err      error
}

func put[T any](w *chunkWriter, v T) {
	if w.err == nil {
		w.err = duckdb.SetChunkValue(w.chunk, w.col, w.row, v)
	}
	w.col++
}

func (w *chunkWriter) null() {
	if w.err == nil {
		w.err = w.chunk.SetValue(w.col, w.row, nil)
	}
	w.col++
}

func (w *chunkWriter) text(s string) { put(w, s) }

// optText writes "" as NULL.
func (w *chunkWriter) optText(s string) {
	if s == "" {
		w.null()
		return
	}
	put(w, s)
}

func (w *chunkWriter) number(p *float64) {
	if p == nil {
		w.null()
		return
	}
	put(w, *p)
}

func (w *chunkWriter) optBool(p *bool) {
	if p == nil {
		w.null()
		return
	}
	put(w, *p)
}

// date writes the zero time as NULL.
func (w *chunkWriter) date(t time.Time) {
	if t.IsZero() {
		w.null()
		return
	}
	put(w, t)
}

// columnsOf describes a run's columns: name and DuckDB type, in order.
func columnsOf(cols ...any) []duckdb.ColumnInfo {
	var out []duckdb.ColumnInfo
	for i := 0; i < len(cols); i += 2 {
		t, err := duckdb.NewTypeInfo(cols[i+1].(duckdb.Type))
		if err != nil {
			panic(err) // the types below are all primitive
		}
		out = append(out, duckdb.ColumnInfo{Name: cols[i].(string), T: t})
	}
	return out
}

const (
	tText   = duckdb.TYPE_VARCHAR
	tDouble = duckdb.TYPE_DOUBLE
	tBool   = duckdb.TYPE_BOOLEAN
	tInt    = duckdb.TYPE_INTEGER
	tDate   = duckdb.TYPE_DATE
)

// The runs of each table, in the column order of tables[kind].columns().

var enterpriseRunColumns = columnsOf("uscc", tText, "name", tText, "unit_code", tText, "park", tText,
	"industry_code", tText, "business_scope", tText, "above_size", tBool, "founded", tDate,
	"land_mu", tDouble, "land_source", tText)

type enterpriseRun []indus.Enterprise

func (r enterpriseRun) columns() []duckdb.ColumnInfo { return enterpriseRunColumns }
func (r enterpriseRun) len() int                     { return len(r) }
func (r enterpriseRun) write(w *chunkWriter, i int) {
	e := &r[i]
	w.text(e.USCC)
	w.text(e.Name)
	w.text(e.UnitCode)
	w.optText(e.Park)
	w.optText(e.IndustryCode)
	w.optText(e.BusinessScope)
	put(w, e.AboveSize)
	w.date(e.Founded)
	w.number(e.LandMu)
	w.optText(string(e.LandSource))
}

var annualRunColumns = columnsOf("uscc", tText, "year", tInt, "land_mu", tDouble, "revenue", tDouble,
	"output_value", tDouble, "value_added", tDouble, "tax", tDouble, "energy_tce", tDouble,
	"electricity_kwh", tDouble, "emissions_t", tDouble, "rd_spend", tDouble, "employees", tDouble,
	"safety_accident", tBool, "env_violation", tBool, "under_construction", tBool, "utility", tBool,
	"above_size", tBool)

// annualRow is an annual fact as a load holds it until insertion: flat,
// about a third of the size of the parsed record with its boxed values,
// which can then go.
type annualRow struct {
	uscc    string
	year    int32
	missing uint16 // bit i: values[i] not reported
	flags   uint8  // the flag bits below
	values  [10]float64
}

const (
	flagSafety = 1 << iota
	flagEnv
	flagConstruction
	flagUtility
	flagAboveKnown
	flagAbove
)

func flatAnnual(f *indus.AnnualFact) annualRow {
	r := annualRow{uscc: f.USCC, year: int32(f.Year)}
	r.missing = flatten(r.values[:], f.LandMu, f.Revenue, f.OutputValue, f.ValueAdded, f.Tax, f.EnergyTCE,
		f.ElectricityKWh, f.EmissionsT, f.RDSpend, f.Employees)
	for _, b := range [...]struct {
		on   bool
		flag uint8
	}{{f.SafetyAccident, flagSafety}, {f.EnvViolation, flagEnv}, {f.UnderConstruction, flagConstruction},
		{f.Utility, flagUtility}, {f.AboveSize != nil, flagAboveKnown}, {f.AboveSize != nil && *f.AboveSize, flagAbove}} {
		if b.on {
			r.flags |= b.flag
		}
	}
	return r
}

type annualRun []annualRow

func (r annualRun) columns() []duckdb.ColumnInfo { return annualRunColumns }
func (r annualRun) len() int                     { return len(r) }
func (r annualRun) write(w *chunkWriter, i int) {
	f := &r[i]
	w.text(f.uscc)
	put(w, f.year)
	w.values(f.values[:], f.missing)
	put(w, f.flags&flagSafety != 0)
	put(w, f.flags&flagEnv != 0)
	put(w, f.flags&flagConstruction != 0)
	put(w, f.flags&flagUtility != 0)
	if f.flags&flagAboveKnown == 0 {
		w.null()
	} else {
		put(w, f.flags&flagAbove != 0)
	}
}

// flatten copies the numbers ps point to into values and returns the bits
// of those not reported (nil), which values writes as NULL.
func flatten(values []float64, ps ...*float64) (missing uint16) {
	for i, p := range ps {
		if p == nil {
			missing |= 1 << i
		} else {
			values[i] = *p
		}
	}
	return missing
}

// values writes numbers, those whose bit is set in missing as NULL.
func (w *chunkWriter) values(vs []float64, missing uint16) {
	for i, v := range vs {
		if missing&(1<<i) != 0 {
			w.null()
		} else {
			put(w, v)
		}
	}
}

var monthlyRunColumns = columnsOf("uscc", tText, "month", tDate, "output_value", tDouble, "revenue", tDouble,
	"electricity_kwh", tDouble, "employees", tDouble)

// monthlyRow is a monthly fact as a load holds it (see annualRow).
type monthlyRow struct {
	uscc    string
	month   time.Time
	missing uint16
	values  [4]float64
}

func flatMonthly(f *indus.MonthlyFact) monthlyRow {
	r := monthlyRow{uscc: f.USCC, month: time.Date(f.Month.Year, f.Month.Month, 1, 0, 0, 0, 0, time.UTC)}
	r.missing = flatten(r.values[:], f.OutputValue, f.Revenue, f.ElectricityKWh, f.Employees)
	return r
}

type monthlyRun []monthlyRow

func (r monthlyRun) columns() []duckdb.ColumnInfo { return monthlyRunColumns }
func (r monthlyRun) len() int                     { return len(r) }
func (r monthlyRun) write(w *chunkWriter, i int) {
	f := &r[i]
	w.text(f.uscc)
	put(w, f.month)
	w.values(f.values[:], f.missing)
}

// original is a value as the file wrote it (see Load.AppendOriginal).
type original struct{ rowKey, column, value, unit string }

var originalRunColumns = columnsOf("row_key", tText, "column_name", tText, "original_value", tText, "original_unit", tText)

type originalRun []original

func (r originalRun) columns() []duckdb.ColumnInfo { return originalRunColumns }
func (r originalRun) len() int                     { return len(r) }
func (r originalRun) write(w *chunkWriter, i int) {
	o := &r[i]
	w.text(o.rowKey)
	w.text(o.column)
	w.text(o.value)
	w.optText(o.unit)
}
