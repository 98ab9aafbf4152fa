package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/indus-platform/indus/internal/indus"
)

// Options change how a file is read. The zero value detects everything.
type Options struct {
	// Kind forces the dataset kind; "" detects it from the headers
	// (月份/month → monthly, 年份/year → annual, else enterprises).
	Kind Kind
	// Sheet names the XLSX worksheet; "" takes the first visible sheet.
	Sheet string
	// Units gives the unit of columns whose header has none or a wrong one
	// (the --units option). Keys are canonical column names (revenue), a
	// header as written (营业收入), or a quantity for all its columns
	// (money, land, electricity, energy, emissions); values are units as
	// headers write them (元, 万元, 亿元, m², 公顷, 万千瓦时, kgce …). An option
	// wins over the header's unit.
	Units map[string]string
	// Encoding forces a CSV encoding: utf-8, gb18030 (also gbk, gb2312),
	// utf-16le, utf-16be; "" detects it.
	Encoding string
	// SizeHint is the size of a CSV stream in bytes when the reader cannot
	// tell it (a file opened by path can); it sizes the duplicate check
	// ahead for the rows the file is likely to hold. 0 means unknown.
	SizeHint int64
}

// Reader streams the records of one file.
type Reader interface {
	// Kind is the dataset kind, detected or forced.
	Kind() Kind
	// Next returns the next record and the findings on its row. A row with
	// an error-severity finding comes back with a nil record; so does a row
	// that is skipped with only an info finding (a totals row). File-level
	// info findings (columns not imported, units assumed) come with the
	// first call, on the header's row. At the end Next returns io.EOF; a
	// structural error (a quote never closed, an unreadable file) stops the
	// file with an error naming the row.
	Next() (*Record, []Finding, error)
	// Mapping says how each column of the file was understood.
	Mapping() []ColumnMapping
	// SourceRow is the row that the accepted record with the given key was
	// read from: the key as the store writes it (USCC, USCC|YEAR or
	// USCC|YYYY-MM). The duplicate check answers it, so it knows the rows
	// read so far, until Close.
	SourceRow(rowKey string) (int, bool)
	// Close releases the file and any temporary files.
	Close() error
}

// ColumnMapping is how one source column was understood, for the report.
type ColumnMapping struct {
	Index  int    // 0-based column in the file
	Header string // the header as written; a group label above it is joined with " / "
	Column string // canonical column; "" when the column is not imported
	// Unit is the unit the values are in (as named in Chinese: 元, 万元, 亩,
	// 平方米, 千瓦时 …); "" for columns without a quantity.
	Unit string
	// UnitSource says where Unit comes from: "header", "option", "canonical"
	// (an English canonical header implies its unit) or "assumed" (no unit
	// given: the canonical unit is assumed, and reported).
	UnitSource string
	Factor     float64 // multiply a value by Factor to get the canonical unit
	Note       string  // why the column is not imported, or what was assumed
	NoteZh     string
}

// Original is a cell as written, kept for every value that was converted
// (a unit) or normalised (full-width digits, thousands separators, a
// district name mapped to its code, a date written another way, a missing
// marker such as "—"), so that no value is changed silently.
type Original struct {
	Column string // canonical column
	Value  string // the cell as written (trimmed)
	Unit   string // the unit the cell was in, for quantities; "" otherwise
}

// Record is one parsed row; exactly one of the pointers is set.
type Record struct {
	Row        int
	Enterprise *indus.Enterprise
	Annual     *indus.AnnualFact
	Monthly    *indus.MonthlyFact
	// Originals lists the cells whose stored value differs from the text.
	Originals []Original
}

// source yields the rows of a file: cells valid until the next call and
// the row number a spreadsheet shows.
type source interface {
	next() ([]string, int, error)
	close() error
}

var (
	zipMagic = []byte("PK\x03\x04")
	oleMagic = []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
)

// Open opens a CSV or XLSX file (told apart by content, not by name).
func Open(path string, opts Options) (Reader, error) {
	name := filepath.Base(path)
	if err := checkOptions(opts); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, indus.Errorf(indus.EInvalid, "cannot open %s: %v", path, unwrapPathErr(err)).
			Zh("无法打开 %s：%v", path, unwrapPathErr(err))
	}
	magic := make([]byte, 8)
	n, _ := io.ReadFull(f, magic)
	magic = magic[:n]
	switch {
	case bytes.HasPrefix(magic, zipMagic):
		f.Close()
		src, err := openXLSX(path, name, opts.Sheet)
		if err != nil {
			return nil, err
		}
		return newReader(name, src, src.date1904, opts)
	case bytes.Equal(magic, oleMagic):
		f.Close()
		return nil, oleError(name)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, indus.Errorf(indus.EInvalid, "cannot read %s: %v", path, err).Zh("无法读取 %s：%v", path, err)
	}
	return openCSVReader(name, f, f, opts)
}

// OpenReader reads a CSV or XLSX stream, such as an HTTP upload. CSV is
// streamed. XLSX needs random access: an *os.File is opened by its name;
// any other stream is first copied to a temporary file (removed by Close),
// so memory stays bounded whatever the upload's size.
func OpenReader(name string, r io.Reader, opts Options) (Reader, error) {
	if err := checkOptions(opts); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	br := bufio.NewReaderSize(r, sniffWindow)
	magic, _ := br.Peek(8)
	switch {
	case bytes.HasPrefix(magic, zipMagic):
		if f, ok := r.(*os.File); ok {
			src, err := openXLSX(f.Name(), name, opts.Sheet)
			if err != nil {
				return nil, err
			}
			return newReader(name, src, src.date1904, opts)
		}
		tmp, err := os.CreateTemp("", "indus-upload-*.xlsx")
		if err != nil {
			return nil, fmt.Errorf("%s: spool upload: %w", name, err)
		}
		_, err = io.Copy(tmp, br)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(tmp.Name())
			return nil, fmt.Errorf("%s: spool upload: %w", name, err)
		}
		src, err := openXLSX(tmp.Name(), name, opts.Sheet)
		if err != nil {
			os.Remove(tmp.Name())
			return nil, err
		}
		src.tempPath = tmp.Name()
		return newReader(name, src, src.date1904, opts)
	case bytes.Equal(magic, oleMagic):
		return nil, oleError(name)
	}
	return openCSVReader(name, br, nil, opts)
}

func oleError(name string) error {
	return indus.Errorf(indus.EInvalid, "%s: this is a legacy .xls workbook or an encrypted one; save it as .xlsx (without a password) or as CSV", name).
		Zh("%s：这是旧版 .xls 工作簿或加密的工作簿；请另存为 .xlsx（不设密码）或 CSV", name)
}

func openCSVReader(name string, r io.Reader, closer io.Closer, opts Options) (Reader, error) {
	enc, _ := normalizeEncoding(opts.Encoding)
	src, err := openCSV(r, enc)
	if err != nil {
		if closer != nil {
			closer.Close()
		}
		return nil, indus.Errorf(indus.EInvalid, "%s: cannot read: %v", name, err).Zh("%s：无法读取：%v", name, err)
	}
	src.closer = closer
	src.size = opts.SizeHint
	if f, ok := closer.(*os.File); ok && src.size == 0 {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			src.size = st.Size()
		}
	}
	rd, err := newReader(name, src, false, opts)
	if err != nil {
		return nil, err
	}
	rd.csv = src
	return rd, nil
}

func checkOptions(opts Options) error {
	switch opts.Kind {
	case "", KindEnterprises, KindAnnual, KindMonthly:
	default:
		return indus.Errorf(indus.EInvalid, "unknown kind %q: use enterprises, annual or monthly", opts.Kind).
			Zh("未知的数据类型 %q：请使用 enterprises（企业名录）、annual（年度）或 monthly（月度）", opts.Kind)
	}
	if _, err := normalizeEncoding(opts.Encoding); err != nil {
		return err
	}
	return nil
}

func unwrapPathErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// binding ties a canonical column to its source column and unit.
type binding struct {
	idx    int
	header string
	unit   unitDef // canonical (1/1) when the column has no quantity
}

// reader is the Reader for every format.
type reader struct {
	file     string
	kind     Kind
	src      source
	csv      *csvSource
	date1904 bool
	bind     [numCols]*binding
	mapping  []ColumnMapping
	width    int // fields in the header row, for the CSV row-length check
	headRow  int // the last header row
	skipRow  int // a numbering row under the header
	pending  []bufferedRow
	started  bool
	head     []Finding // file-level findings, returned with the first Next
	dups     *keyIndex
	// pendingErr is a structural error met while reading ahead for the
	// header; Next returns it after the rows before it.
	pendingErr error
	keyHdr     string
	closed     bool
	// pipe parses the rest of a CSV file ahead on every core, once the
	// rows read ahead for the header are consumed.
	pipe      *pipeline
	pipeTried bool
}

func (r *reader) Kind() Kind               { return r.kind }
func (r *reader) Mapping() []ColumnMapping { return r.mapping }

func (r *reader) SourceRow(rowKey string) (int, bool) {
	code, period, _ := strings.Cut(rowKey, "|")
	var extra uint32
	switch r.kind {
	case KindAnnual:
		y, err := strconv.Atoi(period)
		if err != nil {
			return 0, false
		}
		extra = uint32(y)
	case KindMonthly:
		m, err := indus.ParseMonth(period)
		if err != nil {
			return 0, false
		}
		extra = uint32(m.Index())
	}
	if len(code) != 18 || !plainCode(code) {
		return 0, false
	}
	if r.dups == nil {
		return 0, false
	}
	row, ok := r.dups.get(usccKey(code, extra))
	return int(row), ok
}

func (r *reader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	if r.pipe != nil {
		r.pipe.close()
		r.pipe = nil
	}
	// The duplicate check is the reader's largest part: let it go now,
	// whoever still holds the reader.
	r.dups, r.pending = nil, nil
	return r.src.close()
}

// newReader reads ahead to the header, maps it and prepares the row
// parser. On error it closes src.
func newReader(file string, src source, date1904 bool, opts Options) (*reader, error) {
	r := &reader{file: file, src: src, date1904: date1904}
	if err := r.init(opts); err != nil {
		src.close()
		return nil, err
	}
	return r, nil
}

func (r *reader) init(opts Options) error {
	var rows []bufferedRow
	for len(rows) < maxHeaderScan {
		cells, row, err := r.src.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			// Reported after the rows before it, if a header is found.
			r.pendingErr = r.structuralError(row, err)
			break
		}
		if isBlankRow(cells) {
			continue
		}
		rows = append(rows, bufferedRow{row, append([]string(nil), cells...)})
	}
	if len(rows) == 0 && r.pendingErr != nil {
		return r.pendingErr
	}
	if len(rows) == 0 {
		return indus.Errorf(indus.EInvalid, "%s: the file is empty; expected a header row", r.file).
			Zh("%s：文件为空；应有表头行", r.file)
	}
	hb, idx, ok := findHeader(rows)
	if !ok && r.pendingErr != nil {
		return r.pendingErr
	}
	if !ok {
		return indus.Errorf(indus.EInvalid,
			"%s: no header row found: none of the first %d rows names a known column. The first row is: %s. Expected headers such as %s",
			r.file, len(rows), joinCells(rows[0].cells), exampleHeaders()).
			Zh("%s：未找到表头行：前 %d 行中没有已知的列名。第一行为：%s。表头应如 %s", r.file, len(rows), joinCells(rows[0].cells), exampleHeaders())
	}
	r.headRow, r.skipRow = hb.last, hb.skipAfter
	r.width = len(rows[idx].cells)
	r.pending = rows[idx+1:]
	return r.mapColumns(hb.labels, opts)
}

func joinCells(cells []string) string {
	var parts []string
	for _, c := range cells {
		parts = append(parts, printable(strings.TrimSpace(c)))
	}
	s := strings.Join(parts, ", ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

func exampleHeaders() string {
	return "统一社会信用代码/uscc, 企业名称/name, 所属区县/unit_code, 年份/year, 月份/month, 营业收入(万元)/revenue"
}

// parsedCol is one source column as the header describes it.
type parsedCol struct {
	idx     int
	label   string
	hp      headerParse
	used    bool
	unitSrc string // header, option, canonical, assumed
	reason  string // why not imported (English)
	reasZh  string
}

func (r *reader) mapColumns(labels []string, opts Options) error {
	cols := make([]*parsedCol, len(labels))
	for j, l := range labels {
		cols[j] = &parsedCol{idx: j, label: strings.TrimSpace(l), hp: parseCombined(l)}
	}
	// Kind.
	present := map[colID]bool{}
	for _, c := range cols {
		if c.hp.ok {
			present[c.hp.col] = true
		}
	}
	r.kind = opts.Kind
	if r.kind == "" {
		switch {
		case present[cMonth]:
			r.kind = KindMonthly
		case present[cYear]:
			r.kind = KindAnnual
		case present[cName] || present[cUnit] || present[cIndustry] || present[cPark] || present[cScope] || present[cFounded] || present[cLandSource]:
			r.kind = KindEnterprises
		default:
			return indus.Errorf(indus.EInvalid,
				"%s: cannot tell what the file holds from its headers (%s): enterprise lists have 企业名称/name, annual data 年份/year, monthly data 月份/month; or give the kind (--kind)",
				r.file, joinCells(labels)).
				Zh("%s：无法从表头（%s）判断文件内容：企业名录应有 企业名称/name 列，年度数据应有 年份/year 列，月度数据应有 月份/month 列；或指定数据类型（--kind）", r.file, joinCells(labels))
		}
	}
	inKind := map[colID]bool{}
	for _, c := range kindColumns[r.kind] {
		inKind[c] = true
	}
	// A monthly file may give the year in its own column and 1–12 in 月份.
	if r.kind == KindMonthly {
		inKind[cYear] = true
	}
	// Bind each canonical column to its best source column.
	byCol := map[colID][]*parsedCol{}
	for _, c := range cols {
		switch {
		case c.hp.quiet:
			c.reason, c.reasZh = "row numbers, not imported", "序号列，不导入"
		case c.hp.blocked != "":
			c.reason = fmt.Sprintf("a derived or comparison figure (%s), not imported", c.hp.blocked)
			c.reasZh = fmt.Sprintf("派生或对比指标（%s），不导入", c.hp.blocked)
		case !c.hp.ok:
			if c.label == "" {
				c.reason, c.reasZh = "no header", "无表头"
			} else if s, ok := suggestFor(c.label); ok {
				c.reason, c.reasZh = "unknown column; did you mean "+s+"?", "未知列；是否应为 "+s+"？"
			} else {
				c.reason, c.reasZh = "unknown column", "未知列"
			}
		case !inKind[c.hp.col]:
			c.reason = fmt.Sprintf("%s is not part of %s data", colSpecs[c.hp.col].name, r.kind)
			c.reasZh = fmt.Sprintf("%s 不属于%s数据", colSpecs[c.hp.col].zh, kindZh(r.kind))
			if c.hp.col == cYear || c.hp.col == cMonth {
				break
			}
			if r.kind != KindEnterprises && enterpriseOnly(c.hp.col) {
				c.reason += "; import the file with --kind enterprises to load enterprise attributes"
				c.reasZh += "；如需导入企业信息，请以 --kind enterprises 导入"
			}
		default:
			byCol[c.hp.col] = append(byCol[c.hp.col], c)
		}
	}
	var conflicts, conflictsZh []string
	for col, cands := range byCol {
		sort.SliceStable(cands, func(i, j int) bool { return cands[i].hp.prio > cands[j].hp.prio })
		if len(cands) > 1 && cands[0].hp.prio == cands[1].hp.prio {
			var names, namesZh []string
			for _, c := range cands {
				if c.hp.prio == cands[0].hp.prio {
					names = append(names, fmt.Sprintf("%q", c.label))
					namesZh = append(namesZh, "“"+c.label+"”")
				}
			}
			conflicts = append(conflicts, fmt.Sprintf("%s all hold %s", strings.Join(names, " and "), colSpecs[col].name))
			conflictsZh = append(conflictsZh, fmt.Sprintf("%s都表示%s", strings.Join(namesZh, "与"), colSpecs[col].zh))
			continue
		}
		cands[0].used = true
		for _, c := range cands[1:] {
			c.reason = fmt.Sprintf("%s is taken from %q", colSpecs[col].name, cands[0].label)
			c.reasZh = fmt.Sprintf("%s 取自“%s”列", colSpecs[col].zh, cands[0].label)
		}
	}
	if len(conflicts) > 0 {
		sort.Strings(conflicts)
		return indus.Errorf(indus.EInvalid, "%s: columns %s: which one is meant cannot be known; remove or rename all but one",
			r.file, strings.Join(conflicts, "; ")).
			Zh("%s：列%s，无法判断应使用哪一列；请只保留其中一列（删除或重命名其余列）", r.file, strings.Join(conflictsZh, "；"))
	}
	// Units.
	if err := r.applyUnits(cols, opts.Units); err != nil {
		return err
	}
	// Required columns.
	var missing, missingZh []string
	for _, req := range kindRequired[r.kind] {
		if r.bind[req] != nil {
			continue
		}
		if req == cMonth {
			continue // checked below with the year
		}
		en, zh := r.missingText(req, cols)
		missing, missingZh = append(missing, en), append(missingZh, zh)
	}
	if r.kind == KindMonthly && r.bind[cMonth] == nil {
		en, zh := r.missingText(cMonth, cols)
		missing, missingZh = append(missing, en), append(missingZh, zh)
	}
	if len(missing) > 0 {
		return indus.Errorf(indus.EInvalid, "%s: required column(s) missing for %s data: %s. Columns found: %s",
			r.file, r.kind, strings.Join(missing, "; "), joinCells(labels)).
			Zh("%s：%s数据缺少必需的列：%s。文件中的列：%s", r.file, kindZh(r.kind), strings.Join(missingZh, "；"), joinCells(labels))
	}
	// A year column in a monthly file only serves 月份 given as 1–12.
	// The mapping report and the file-level findings.
	var ignored, ignoredZh, assumed, assumedZh []string
	for _, c := range cols {
		m := ColumnMapping{Index: c.idx, Header: c.label, Factor: 1}
		if c.used {
			m.Column = colSpecs[c.hp.col].name
			b := r.bind[c.hp.col]
			if q := colSpecs[c.hp.col].quantity; q != qNone {
				m.Unit, m.Factor = b.unit.name, b.unit.factor()
				m.UnitSource = c.unitSrc
				if m.UnitSource == "assumed" {
					m.Note = "no unit given: " + b.unit.name + " assumed"
					m.NoteZh = "未注明单位，按" + b.unit.name + "处理"
					assumed = append(assumed, fmt.Sprintf("%s → %s", c.label, b.unit.name))
					assumedZh = append(assumedZh, fmt.Sprintf("%s → %s", c.label, b.unit.name))
				}
				if c.hp.qualifier != "" {
					m.Note = strings.TrimPrefix(m.Note+"; qualifier ("+c.hp.qualifier+") ignored", "; ")
					m.NoteZh = strings.TrimPrefix(m.NoteZh+"；忽略限定词（"+c.hp.qualifier+"）", "；")
				}
			}
		} else {
			m.Note, m.NoteZh = c.reason, c.reasZh
			if !c.hp.quiet && c.label != "" {
				ignored = append(ignored, fmt.Sprintf("%s (%s)", c.label, c.reason))
				ignoredZh = append(ignoredZh, fmt.Sprintf("%s（%s）", c.label, c.reasZh))
			}
		}
		r.mapping = append(r.mapping, m)
	}
	if len(ignored) > 0 {
		r.head = append(r.head, Finding{File: r.file, Row: r.headRow, Severity: SevInfo,
			Value:     strings.Join(labelsOf(cols, false), ", "),
			Message:   fmt.Sprintf("%d column(s) not imported: %s", len(ignored), strings.Join(ignored, "; ")),
			MessageZh: fmt.Sprintf("%d 列未导入：%s", len(ignored), strings.Join(ignoredZh, "；"))})
	}
	if len(assumed) > 0 {
		r.head = append(r.head, Finding{File: r.file, Row: r.headRow, Severity: SevInfo,
			Value:     strings.Join(assumed, ", "),
			Message:   "no unit in the header, the canonical unit is assumed (use --units to say otherwise): " + strings.Join(assumed, ", "),
			MessageZh: "表头未注明单位，按标准单位处理（可用 --units 指定）：" + strings.Join(assumedZh, "，")})
	}
	r.dups = newKeyIndex(0)
	r.keyHdr = r.bind[cUSCC].header
	switch r.kind {
	case KindAnnual:
		r.keyHdr += "+" + r.bind[cYear].header
	case KindMonthly:
		r.keyHdr += "+" + r.bind[cMonth].header
	}
	return nil
}

func labelsOf(cols []*parsedCol, used bool) []string {
	var out []string
	for _, c := range cols {
		if c.used == used && !c.hp.quiet && c.label != "" {
			out = append(out, c.label)
		}
	}
	return out
}

func enterpriseOnly(c colID) bool {
	switch c {
	case cName, cUnit, cPark, cIndustry, cScope, cFounded, cLandSource:
		return true
	}
	return false
}

func kindZh(k Kind) string {
	switch k {
	case KindEnterprises:
		return "企业名录"
	case KindAnnual:
		return "年度"
	}
	return "月度"
}

// missingText names a required column that is missing, in English and in
// Chinese, with the closest header when one resembles it.
func (r *reader) missingText(col colID, cols []*parsedCol) (string, string) {
	s := colSpecs[col]
	text := fmt.Sprintf("%s (%s)", s.zh, s.name)
	textZh := fmt.Sprintf("%s（%s）", s.zh, s.name)
	var unused []string
	for _, c := range cols {
		if !c.used && c.label != "" {
			unused = append(unused, c.label)
		}
	}
	if h, a, d := closestAlias(col, unused); h != "" && d <= max(2, len([]rune(a))/2) {
		text += fmt.Sprintf(", closest header: %q (resembles %q)", h, a)
		textZh += fmt.Sprintf("，最接近的表头：“%s”（与“%s”相近）", h, a)
	}
	if col == cMonth {
		text += "; a monthly file needs 月份 as YYYY-MM, or 月份 as 1–12 with a 年份 column"
		textZh += "；月度文件的月份应写为 YYYY-MM，或写为 1–12 并另有年份列"
	}
	return text, textZh
}

// applyUnits binds the used columns with their units from the header, the
// Units option or the canonical default.
func (r *reader) applyUnits(cols []*parsedCol, units map[string]string) error {
	type opt struct {
		key, unit string
		used      bool
	}
	var optList []*opt
	for k, v := range units {
		optList = append(optList, &opt{key: k, unit: v})
	}
	sort.Slice(optList, func(i, j int) bool { return optList[i].key < optList[j].key })
	for _, c := range cols {
		if !c.used {
			continue
		}
		col := c.hp.col
		q := colSpecs[col].quantity
		b := &binding{idx: c.idx, header: c.label, unit: unitDef{q: q, mul: 1, div: 1, name: canonicalUnitName[q]}}
		switch {
		case c.hp.hasUnit:
			b.unit, c.unitSrc = c.hp.unit, "header"
		case c.hp.prio == prioCanonical || q == qCount:
			c.unitSrc = "canonical"
		default:
			c.unitSrc = "assumed"
		}
		// Option: a column-specific key beats a quantity-wide one.
		var chosen *opt
		for _, o := range optList {
			k := headerKey(o.key)
			specific := k == headerKey(colSpecs[col].name) || k == headerKey(c.label) || (func() bool {
				base, _ := splitHeader(c.label)
				return k == headerKey(base)
			})()
			if specific {
				chosen = o
				break
			}
			if q != qNone && k == quantityNames[q] && chosen == nil {
				chosen = o
			}
		}
		if chosen != nil {
			chosen.used = true
			if q == qNone || q == qCount {
				return indus.Errorf(indus.EInvalid, "%s: --units %s=%s: column %q has no unit to set", r.file, chosen.key, chosen.unit, c.label).
					Zh("%s：--units %s=%s：列 %q 没有可设定的单位", r.file, chosen.key, chosen.unit, c.label)
			}
			u, ok := lookupUnit(chosen.unit)
			if !ok || u.q != q {
				return indus.Errorf(indus.EInvalid, "%s: --units %s=%s: %q is not a unit of %s; use one of %s",
					r.file, chosen.key, chosen.unit, chosen.unit, quantityNames[q], unitsFor(q)).
					Zh("%s：--units %s=%s：%q 不是%s的单位；请使用 %s 之一", r.file, chosen.key, chosen.unit, chosen.unit, quantityNamesZh[q], unitsFor(q))
			}
			if c.hp.hasUnit && c.hp.unit.factor() != u.factor() {
				r.head = append(r.head, Finding{File: r.file, Row: r.headRow, Column: c.label, Value: chosen.unit, Severity: SevInfo,
					Message:   fmt.Sprintf("the header says %s, --units says %s: %s is used", c.hp.unitText, chosen.unit, u.name),
					MessageZh: fmt.Sprintf("表头单位为%s，--units 指定为%s：按%s处理", c.hp.unitText, chosen.unit, u.name)})
			}
			b.unit, c.unitSrc = u, "option"
		} else if c.hp.badUnit != "" {
			return indus.Errorf(indus.EInvalid, "%s: column %q: %q is not a unit of %s; write one of %s, or give the unit with --units",
				r.file, c.label, c.hp.badUnit, quantityOrText(q), unitsFor(q)).
				Zh("%s：列 %q：%q 不是%s的单位；请写为 %s 之一，或用 --units 指定单位", r.file, c.label, c.hp.badUnit, quantityOrTextZh(q), unitsFor(q))
		}
		r.bind[col] = b
	}
	for _, o := range optList {
		if !o.used {
			return indus.Errorf(indus.EInvalid, "%s: --units %s=%s: no imported column is called %q (columns: %s)",
				r.file, o.key, o.unit, o.key, strings.Join(labelsOf(cols, true), ", ")).
				Zh("%s：--units %s=%s：没有名为 %q 的导入列（列：%s）", r.file, o.key, o.unit, o.key, strings.Join(labelsOf(cols, true), "、"))
		}
	}
	return nil
}

func quantityOrText(q quantity) string {
	if n, ok := quantityNames[q]; ok {
		return n
	}
	return "this column (it takes no unit)"
}

func quantityOrTextZh(q quantity) string {
	if n, ok := quantityNamesZh[q]; ok {
		return n
	}
	return "该列（该列不带单位）"
}

// textZh is an error's Chinese wording when it has one, else its text.
func textZh(err error) string {
	var e *indus.Error
	if errors.As(err, &e) && e.MessageZh != "" {
		return e.MessageZh
	}
	return err.Error()
}

// structuralError wraps a read error that stops the file.
func (r *reader) structuralError(row int, err error) error {
	var se *csvSyntaxError
	if errors.As(err, &se) {
		return indus.Errorf(indus.EInvalid, "%s:%d: malformed CSV: %s", r.file, se.row, se.msg).
			Zh("%s 第 %d 行：CSV 格式错误：%s", r.file, se.row, se.msgZh)
	}
	if row > 0 {
		return indus.Errorf(indus.EInvalid, "%s:%d: %v", r.file, row, err).
			Zh("%s 第 %d 行：%s", r.file, row, textZh(err))
	}
	return indus.Errorf(indus.EInvalid, "%s: %v", r.file, err).Zh("%s：%s", r.file, textZh(err))
}

// nextRow returns the next row: first those read ahead, then the source's.
func (r *reader) nextRow() ([]string, int, error) {
	if len(r.pending) > 0 {
		b := r.pending[0]
		r.pending = r.pending[1:]
		return b.cells, b.row, nil
	}
	if r.pendingErr != nil {
		return nil, 0, r.pendingErr
	}
	return r.src.next()
}

// Next implements Reader. A closed reader has nothing more to give.
func (r *reader) Next() (*Record, []Finding, error) {
	if r.closed {
		return nil, nil, io.EOF
	}
	if !r.started {
		r.started = true
		if len(r.head) > 0 {
			return nil, r.head, nil
		}
	}
	for {
		if !r.pipeTried && len(r.pending) == 0 && r.pendingErr == nil {
			r.pipeTried = true
			r.pipe = r.startPipeline()
		}
		if r.pipe != nil {
			pr, err := r.pipe.next()
			if err != nil {
				return nil, nil, err
			}
			rec, fs := r.dedup(pr.rec, pr.findings, pr.key)
			return rec, fs, nil
		}
		cells, row, err := r.nextRow()
		if err == io.EOF {
			return nil, nil, io.EOF
		}
		if err != nil {
			if err == r.pendingErr {
				return nil, nil, err
			}
			return nil, nil, r.structuralError(row, err)
		}
		if row == r.skipRow || isBlankRow(cells) {
			continue
		}
		if f, skip := r.nonDataRow(cells, row); skip {
			return nil, []Finding{f}, nil
		}
		rec, fs := r.parseRow(cells, row)
		return rec, fs, nil
	}
}

var totalWords = map[string]bool{"合计": true, "总计": true, "小计": true, "全市合计": true, "汇总": true, "总合计": true,
	"total": true, "sum": true, "grandtotal": true, "subtotal": true, "全市": true, "全区合计": true, "全县合计": true}

var notePrefixes = []string{"注", "备注", "说明", "填报", "填表", "制表", "审核", "负责人", "数据来源", "来源", "note", "source"}

// nonDataRow recognises a totals row or a note under the table: its code
// cell is empty and its first non-empty cell says 合计 or 注：…. Such rows
// are skipped with an info finding instead of failing as rows without a
// code.
func (r *reader) nonDataRow(cells []string, row int) (Finding, bool) {
	if b := r.bind[cUSCC]; b != nil {
		u := trimCell(cellAt(cells, b.idx))
		// Codes are 18 characters; the words for totals are short.
		if len(u) > 12 || (u != "" && !totalWords[headerKey(u)]) {
			return Finding{}, false
		}
	}
	first, nonEmpty := "", 0
	for _, c := range cells {
		if t := trimCell(c); t != "" {
			if first == "" {
				first = t
			}
			nonEmpty++
		}
	}
	k := headerKey(first)
	if totalWords[k] {
		return Finding{File: r.file, Row: row, Value: first, Severity: SevInfo,
			Message: "a totals row, not data: skipped", MessageZh: "合计行，非数据，已跳过"}, true
	}
	if nonEmpty <= 2 {
		for _, p := range notePrefixes {
			if strings.HasPrefix(k, p) {
				return Finding{File: r.file, Row: row, Value: printable(first), Severity: SevInfo,
					Message: "a note under the table, not data: skipped", MessageZh: "表下注释，非数据，已跳过"}, true
			}
		}
	}
	return Finding{}, false
}
