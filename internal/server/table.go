package server

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The dashboard's one table component. A page describes a table with a
// tableSpec (its columns, filters, default order) and a tableSource (the
// rows, from SQL or from memory); the component reads the table's state
// from the URL (sort, direction, page, page size, search, filters), asks
// the source for one page, and renders a tableView with the "table"
// template. Every link and the filter form are plain GET URLs, so the
// table works without JavaScript; htmx attributes on the same elements
// swap only the table when JavaScript runs (the request carries HX-Target
// = the table's id, and the server answers with the fragment). The same
// state exports every matching row as CSV or XLSX through package export,
// which neutralises formulas as the export command does.

// colKind says how a column's values are shown and exported.
type colKind uint8

const (
	colText   colKind = iota // text
	colCode                  // identifiers and codes, in a monospace face
	colInt                   // counts
	colNum                   // measures with Dec decimals
	colWan                   // money in 10k yuan, shown in 10k yuan
	colYi                    // money in 10k yuan, shown in 100 million yuan
	colPct                   // a fraction shown as a percentage with Dec decimals
	colGrowth                // a fraction shown as a signed percentage
	colDate                  // a day
	colBool                  // yes or no
)

func (k colKind) numeric() bool {
	switch k {
	case colInt, colNum, colWan, colYi, colPct, colGrowth:
		return true
	}
	return false
}

// tableCol is one column.
type tableCol struct {
	Key    string // sort key and the value's name
	Label  string // catalogue key of the header
	Unit   string // catalogue key of the unit the header shows; "" for none
	Kind   colKind
	Dec    int  // decimals of colNum and colPct
	NoSort bool // the column cannot be sorted
}

// tableOption is one choice of a filter.
type tableOption struct{ Value, Label string }

// tableFilter is a drop-down filter.
type tableFilter struct {
	Key     string // query parameter (after the table's prefix)
	Label   string // catalogue key
	All     string // text of the empty choice; "" means "all"
	Options []tableOption
	// Match tests a row of an in-memory table; nil compares the value of
	// the column whose Key is the filter's Key.
	Match func(row tableRow, v string) bool
}

// tableSpec describes a table.
type tableSpec struct {
	ID      string // HTML id, also names the table in export URLs
	Prefix  string // prefix of the table's query parameters, for pages with several tables
	Cols    []tableCol
	Filters []tableFilter
	Search  string // catalogue key of the search box's label; "" for no search box
	Sort    string // default sort column
	Desc    bool   // default direction
	PerPage int    // default page size; 0 means 25
	File    string // base name of exported files
	Empty   string // catalogue key of the message shown when nothing matches
	// Keep lists query parameters the table's own form must carry along
	// (the page's other state, such as a selected unit).
	Keep []string
}

// tableState is a table's state as the URL gives it.
type tableState struct {
	Sort    string
	Desc    bool
	Page    int
	PerPage int
	Q       string
	F       map[string]string
}

// tableRow is one row: a raw value per column (string, float64, *float64,
// int, int64, bool, time.Time, nil), with optional links and display
// texts that replace the formatted value.
type tableRow struct {
	Vals  []any
	Links []string
	Text  []string
}

// link sets the link of column i.
func (r *tableRow) link(i int, href string) {
	if r.Links == nil {
		r.Links = make([]string, len(r.Vals))
	}
	r.Links[i] = href
}

// text sets the display text of column i.
func (r *tableRow) text(i int, s string) {
	if r.Text == nil {
		r.Text = make([]string, len(r.Vals))
	}
	r.Text[i] = s
}

// tableSource yields the rows of a table in state st: with paged, only
// the requested page, else every matching row (exports). It returns how
// many rows match in all.
type tableSource func(st tableState, paged bool, emit func(tableRow) error) (int, error)

// pageSizes are the page sizes a reader may choose.
var pageSizes = []int{25, 50, 100, 200}

func (spec *tableSpec) param(name string) string { return spec.Prefix + name }

func (spec *tableSpec) col(key string) (int, *tableCol) {
	for i := range spec.Cols {
		if spec.Cols[i].Key == key {
			return i, &spec.Cols[i]
		}
	}
	return -1, nil
}

func (spec *tableSpec) perPage() int {
	if spec.PerPage > 0 {
		return spec.PerPage
	}
	return 25
}

// state reads the table's state from the request; anything unknown falls
// back to the defaults, so a hand-edited URL never fails.
func (spec *tableSpec) state(r *http.Request) tableState {
	q := r.URL.Query()
	st := tableState{Sort: spec.Sort, Desc: spec.Desc, Page: 1, PerPage: spec.perPage(), F: map[string]string{}}
	if v := q.Get(spec.param("sort")); v != "" {
		if _, c := spec.col(v); c != nil && !c.NoSort {
			st.Sort = v
			st.Desc = c.Kind.numeric()
		}
	}
	switch q.Get(spec.param("dir")) {
	case "asc":
		st.Desc = false
	case "desc":
		st.Desc = true
	}
	if n, err := strconv.Atoi(q.Get(spec.param("page"))); err == nil && n > 1 {
		st.Page = n
	}
	if n, err := strconv.Atoi(q.Get(spec.param("per"))); err == nil && slices.Contains(pageSizes, n) {
		st.PerPage = n
	}
	if spec.Search != "" {
		st.Q = strings.TrimSpace(q.Get(spec.param("q")))
		if len([]rune(st.Q)) > 100 {
			st.Q = string([]rune(st.Q)[:100])
		}
	}
	for _, f := range spec.Filters {
		v := q.Get(spec.param(f.Key))
		if v == "" {
			continue
		}
		for _, o := range f.Options {
			if o.Value == v {
				st.F[f.Key] = v
			}
		}
	}
	return st
}

// offset is the index of the page's first row.
func (st tableState) offset() int { return (st.Page - 1) * st.PerPage }

// urlFor builds the URL of the page with the table in state st; the
// page's other parameters (and other tables' state) are kept.
func (spec *tableSpec) urlFor(r *http.Request, st tableState) string {
	q := r.URL.Query()
	for _, k := range []string{"lang", "export", "table"} {
		q.Del(k)
	}
	set := func(name, v, def string) {
		if v == def {
			q.Del(spec.param(name))
		} else {
			q.Set(spec.param(name), v)
		}
	}
	dir := "asc"
	if st.Desc {
		dir = "desc"
	}
	if st.Sort == spec.Sort && st.Desc == spec.Desc {
		q.Del(spec.param("sort"))
		q.Del(spec.param("dir"))
	} else {
		q.Set(spec.param("sort"), st.Sort)
		q.Set(spec.param("dir"), dir)
	}
	set("page", strconv.Itoa(st.Page), "1")
	set("per", strconv.Itoa(st.PerPage), strconv.Itoa(spec.perPage()))
	if spec.Search != "" {
		set("q", st.Q, "")
	}
	for _, f := range spec.Filters {
		set(f.Key, st.F[f.Key], "")
	}
	return (&url.URL{Path: r.URL.Path, RawQuery: q.Encode()}).String()
}

// isFragmentRequest reports whether htmx asks for this table alone.
func isFragmentRequest(r *http.Request, id string) bool {
	return r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-Target") == id && r.Header.Get("HX-History-Restore-Request") != "true"
}

// tableView is what the "table" template renders.
type tableView struct {
	ID, Caption string
	Action      string // the page path the filter form submits to
	SearchName  string
	SearchLabel string
	Q           string
	Filters     []filterView
	Hidden      []hiddenField
	PerName     string
	PerOptions  []optionView
	Cols        []colView
	Rows        [][]cellView
	Total       int
	Page, Pages int
	From, To    int
	First, Prev string
	Next, Last  string
	CSV, XLSX   string
	Reset       string
	Filtered    bool
	Empty       string
	OOB         bool // swapped out of band with another fragment
	Tools       bool // show the search, filters and page size (not for small fixed tables)
}

type filterView struct {
	Name, Label, All string
	Options          []optionView
}

type optionView struct {
	Value, Label string
	Selected     bool
}

type hiddenField struct{ Name, Value string }

type colView struct {
	Label, Unit string
	Num         bool
	Href        string // sort link; "" when the column cannot be sorted
	Sort        string // aria-sort: ascending, descending or ""
}

type cellView struct {
	Text, Href string
	Num, Code  bool
	Missing    bool
}

// serveTable runs a table for a page: it answers exports and htmx
// fragment requests itself (done = true), else returns the view for the
// page to embed.
func (s *Server) serveTable(w http.ResponseWriter, r *http.Request, spec *tableSpec, caption string, src tableSource) (tv *tableView, done bool, err error) {
	st := spec.state(r)
	lang := s.language(w, r)
	q := r.URL.Query()
	if f := q.Get("export"); (f == "csv" || f == "xlsx") && q.Get("table") == spec.ID {
		return nil, true, s.exportTable(w, r, lang, spec, st, f, src)
	}
	var rows []tableRow
	total, err := src(st, true, func(row tableRow) error {
		rows = append(rows, row)
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	tv = s.tableView(r, lang, spec, st, rows, total, caption)
	if isFragmentRequest(r, spec.ID) {
		s.renderFragment(w, r, "page_home.html", "table", tv)
		return tv, true, nil
	}
	return tv, false, nil
}

// tableView builds the view of one page of rows.
func (s *Server) tableView(r *http.Request, lang string, spec *tableSpec, st tableState, rows []tableRow, total int, caption string) *tableView {
	t := func(k string) string { return s.catalogue.T(lang, k) }
	tv := &tableView{ID: spec.ID, Caption: caption, Action: r.URL.Path, Total: total, Page: st.Page, PerName: spec.param("per")}
	tv.Pages = max(1, (total+st.PerPage-1)/st.PerPage)
	if len(rows) > 0 {
		tv.From, tv.To = st.offset()+1, st.offset()+len(rows)
	}
	with := func(f func(*tableState)) string {
		c := st
		c.F = map[string]string{}
		for k, v := range st.F {
			c.F[k] = v
		}
		f(&c)
		return spec.urlFor(r, c)
	}
	if st.Page > 1 {
		tv.First = with(func(c *tableState) { c.Page = 1 })
		tv.Prev = with(func(c *tableState) { c.Page = min(st.Page-1, tv.Pages) })
	}
	if st.Page < tv.Pages {
		tv.Next = with(func(c *tableState) { c.Page = st.Page + 1 })
		tv.Last = with(func(c *tableState) { c.Page = tv.Pages })
	}
	for _, c := range spec.Cols {
		cv := colView{Label: t(c.Label), Num: c.Kind.numeric()}
		if c.Unit != "" {
			cv.Unit = t(c.Unit)
		}
		if !c.NoSort {
			key := c.Key
			cv.Href = with(func(n *tableState) {
				n.Page = 1
				if n.Sort == key {
					n.Desc = !n.Desc
				} else {
					n.Sort, n.Desc = key, c.Kind.numeric()
				}
			})
			if st.Sort == c.Key {
				cv.Sort = "ascending"
				if st.Desc {
					cv.Sort = "descending"
				}
			}
		}
		tv.Cols = append(tv.Cols, cv)
	}
	for _, row := range rows {
		cells := make([]cellView, len(spec.Cols))
		for i, c := range spec.Cols {
			var v any
			if i < len(row.Vals) {
				v = row.Vals[i]
			}
			cell := cellView{Num: c.Kind.numeric(), Code: c.Kind == colCode}
			if row.Text != nil && row.Text[i] != "" {
				cell.Text = row.Text[i]
			} else {
				cell.Text = s.formatCell(lang, c, v)
			}
			cell.Missing = cell.Text == dash
			if row.Links != nil {
				cell.Href = row.Links[i]
			}
			cells[i] = cell
		}
		tv.Rows = append(tv.Rows, cells)
	}
	// The form resets to page 1 and keeps the order and the page's other
	// parameters as hidden fields.
	own := map[string]bool{spec.param("page"): true, spec.param("per"): true, spec.param("q"): true, "lang": true, "export": true, "table": true}
	for _, f := range spec.Filters {
		own[spec.param(f.Key)] = true
	}
	q := r.URL.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if own[k] {
			continue
		}
		for _, v := range q[k] {
			tv.Hidden = append(tv.Hidden, hiddenField{k, v})
		}
	}
	if spec.Search != "" {
		tv.SearchName, tv.SearchLabel, tv.Q = spec.param("q"), t(spec.Search), st.Q
	}
	for _, f := range spec.Filters {
		fv := filterView{Name: spec.param(f.Key), Label: t(f.Label), All: f.All}
		if fv.All == "" {
			fv.All = t("table.all")
		}
		for _, o := range f.Options {
			fv.Options = append(fv.Options, optionView{Value: o.Value, Label: o.Label, Selected: st.F[f.Key] == o.Value})
		}
		tv.Filters = append(tv.Filters, fv)
		if st.F[f.Key] != "" {
			tv.Filtered = true
		}
	}
	if st.Q != "" {
		tv.Filtered = true
	}
	for _, n := range pageSizes {
		tv.PerOptions = append(tv.PerOptions, optionView{Value: strconv.Itoa(n), Label: strconv.Itoa(n), Selected: n == st.PerPage})
	}
	exp := func(format string) string {
		q := r.URL.Query()
		q.Del("lang")
		q.Set("export", format)
		q.Set("table", spec.ID)
		return (&url.URL{Path: r.URL.Path, RawQuery: q.Encode()}).String()
	}
	tv.CSV, tv.XLSX = exp("csv"), exp("xlsx")
	tv.Tools = tv.SearchName != "" || len(tv.Filters) > 0 || total > pageSizes[0]
	tv.Reset = with(func(c *tableState) {
		*c = tableState{Sort: st.Sort, Desc: st.Desc, Page: 1, PerPage: st.PerPage, F: map[string]string{}}
	})
	if spec.Empty != "" {
		tv.Empty = t(spec.Empty)
	} else {
		tv.Empty = t("table.empty")
	}
	if tv.Filtered {
		tv.Empty = t("table.empty_filtered")
	}
	return tv
}

// formatCell formats a raw value for display.
func (s *Server) formatCell(lang string, c tableCol, v any) string {
	switch c.Kind {
	case colInt:
		return fmtAny(v, 0)
	case colNum:
		return fmtAny(v, c.Dec)
	case colWan:
		return fmtAny(v, 0)
	case colYi:
		f, ok := toFloat(v)
		if !ok {
			return dash
		}
		return fmtFloat(f/1e4, 2)
	case colPct:
		return fmtPct(v, c.Dec, false)
	case colGrowth:
		return fmtPct(v, 1, true)
	case colDate:
		return fmtDate(v)
	case colBool:
		b, ok := v.(bool)
		if !ok {
			return dash
		}
		if b {
			return s.catalogue.T(lang, "table.yes")
		}
		return s.catalogue.T(lang, "table.no")
	}
	switch x := v.(type) {
	case nil:
		return dash
	case string:
		if x == "" {
			return dash
		}
		return x
	}
	return fmt.Sprint(v)
}

// memTable is the source of a table held in memory: it filters, sorts and
// pages rows with the spec's rules.
func memTable(spec *tableSpec, rows []tableRow) tableSource {
	return newRowSet(rows).source(spec)
}

// rowSet is an in-memory table's rows with what has been worked out for
// them so far: the orders asked for, the rows each filter choice keeps,
// the rows' searchable text. A page builds one per request for a small
// table; a page with a large table (hundreds of thousands of evaluation
// results) keeps its rowSet in the data cache, so a request only walks
// one order, tests bits and pages: the rows are built, each order sorted
// and each filter choice evaluated once per data state. A rowSet serves
// one tableSpec.
type rowSet struct {
	rows       []tableRow
	mu         sync.Mutex
	orders     map[string][]int32  // sort column and direction → row indexes; nil: the rows' own order
	kept       map[string][]uint64 // filter key and value → bit set of the rows it keeps
	searchOnce sync.Once
	search     []string // per row, its text and code cells in lower case, separated by NUL
}

func newRowSet(rows []tableRow) *rowSet {
	return &rowSet{rows: rows, orders: map[string][]int32{}, kept: map[string][]uint64{}}
}

// order returns the row indexes in the order asked for (stable, missing
// values last), or nil when the rows are in that order already.
func (rs *rowSet) order(spec *tableSpec, st tableState) []int32 {
	i, _ := spec.col(st.Sort)
	if i < 0 {
		return nil
	}
	key := fmt.Sprintf("%d/%t", i, st.Desc)
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if o, ok := rs.orders[key]; ok {
		return o
	}
	cmpRows := func(a, b int32) int { return compareCells(valAt(rs.rows[a], i), valAt(rs.rows[b], i), st.Desc) }
	var o []int32
	// Rows often come in the asked order already: checking costs one
	// pass, sorting a large table many.
	sorted := true
	for j := 1; j < len(rs.rows) && sorted; j++ {
		sorted = cmpRows(int32(j-1), int32(j)) <= 0
	}
	if !sorted {
		o = make([]int32, len(rs.rows))
		for j := range o {
			o[j] = int32(j)
		}
		slices.SortStableFunc(o, cmpRows)
	}
	rs.orders[key] = o
	return o
}

// keptBy returns the bit set of the rows filter f keeps for choice v.
func (rs *rowSet) keptBy(spec *tableSpec, f *tableFilter, v string) []uint64 {
	key := f.Key + "\x00" + v
	rs.mu.Lock()
	bits, ok := rs.kept[key]
	rs.mu.Unlock()
	if ok {
		return bits
	}
	col, _ := spec.col(f.Key)
	bits = make([]uint64, (len(rs.rows)+63)/64)
	for i := range rs.rows {
		row := &rs.rows[i]
		keep := true // a filter with neither a Match nor a column keeps every row
		if f.Match != nil {
			keep = f.Match(*row, v)
		} else if col >= 0 && col < len(row.Vals) {
			keep = cellString(row.Vals[col]) == v
		}
		if keep {
			bits[i/64] |= 1 << (i % 64)
		}
	}
	rs.mu.Lock()
	rs.kept[key] = bits
	rs.mu.Unlock()
	return bits
}

// searchText returns each row's text and code cells (raw values and
// display texts) in lower case, separated by NUL, so a search tests one
// string a row.
func (rs *rowSet) searchText(spec *tableSpec) []string {
	rs.searchOnce.Do(func() {
		rs.search = make([]string, len(rs.rows))
		var b strings.Builder
		for r, row := range rs.rows {
			b.Reset()
			for i, c := range spec.Cols {
				if c.Kind != colText && c.Kind != colCode {
					continue
				}
				if s, ok := valAt(row, i).(string); ok && s != "" {
					b.WriteString(strings.ToLower(s))
					b.WriteByte(0)
				}
				if row.Text != nil && row.Text[i] != "" {
					b.WriteString(strings.ToLower(row.Text[i]))
					b.WriteByte(0)
				}
			}
			rs.search[r] = b.String()
		}
	})
	return rs.search
}

// source serves the rows as a table of spec.
func (rs *rowSet) source(spec *tableSpec) tableSource {
	return func(st tableState, paged bool, emit func(tableRow) error) (int, error) {
		order := rs.order(spec, st)
		n := len(rs.rows)
		at := func(j int) int {
			if order == nil {
				return j
			}
			return int(order[j])
		}
		var sets [][]uint64
		for k := range spec.Filters {
			if v := st.F[spec.Filters[k].Key]; v != "" {
				sets = append(sets, rs.keptBy(spec, &spec.Filters[k], v))
			}
		}
		q := strings.ToLower(st.Q)
		if strings.ContainsRune(q, 0) {
			return 0, nil // no cell holds a NUL
		}
		var text []string
		if q != "" {
			text = rs.searchText(spec)
		}
		lo, hi := 0, n
		if paged {
			lo, hi = st.offset(), st.offset()+st.PerPage
		}
		if len(sets) == 0 && q == "" {
			// Every row matches: emit the page's rows alone.
			for j := min(lo, n); j < min(hi, n); j++ {
				if err := emit(rs.rows[at(j)]); err != nil {
					return 0, err
				}
			}
			return n, nil
		}
		total := 0
	rows:
		for j := range n {
			i := at(j)
			for _, bits := range sets {
				if bits[i/64]&(1<<(i%64)) == 0 {
					continue rows
				}
			}
			if q != "" && !strings.Contains(text[i], q) {
				continue
			}
			if total >= lo && total < hi {
				if err := emit(rs.rows[i]); err != nil {
					return 0, err
				}
			}
			total++
		}
		return total, nil
	}
}

// cellString is a raw value as a filter compares it.
func cellString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

func valAt(r tableRow, i int) any {
	if i < len(r.Vals) {
		return r.Vals[i]
	}
	return nil
}

// compareCells orders two raw values; missing values sort last in both
// directions.
func compareCells(a, b any, desc bool) int {
	am, bm := isMissing(a), isMissing(b)
	switch {
	case am && bm:
		return 0
	case am:
		return 1
	case bm:
		return -1
	}
	var c int
	if fa, ok := toFloat(a); ok {
		fb, _ := toFloat(b)
		c = cmp.Compare(fa, fb)
	} else {
		switch x := a.(type) {
		case string:
			y, _ := b.(string)
			c = strings.Compare(x, y)
		case bool:
			y, _ := b.(bool)
			c = cmp.Compare(boolInt(x), boolInt(y))
		case time.Time:
			y, _ := b.(time.Time)
			c = x.Compare(y)
		default:
			c = strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
		}
	}
	if desc {
		return -c
	}
	return c
}

func isMissing(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case bool, time.Time:
		return false
	}
	_, ok := toFloat(v)
	return !ok
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
