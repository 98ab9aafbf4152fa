package ingest

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/indus-platform/indus/internal/indus"
)

// xlsxSource streams the rows of one worksheet with excelize's Rows
// iterator. Cells come as their raw values (RawCellValue): numbers as
// stored, not as displayed, dates as Excel serial numbers.
type xlsxSource struct {
	f        *excelize.File
	rows     *excelize.Rows
	sheet    string
	row      int
	date1904 bool
	tempPath string // a spooled upload, removed on close
}

var xlsxOptions = excelize.Options{
	RawCellValue: true,
	// Bound what a crafted workbook can make us unpack (a zip bomb);
	// worksheets over 16 MiB unpacked go to a temporary file, not memory.
	UnzipSizeLimit:    4 << 30,
	UnzipXMLSizeLimit: 16 << 20,
}

// openXLSX opens a workbook file and the chosen sheet (the first visible
// sheet when sheet is "").
func openXLSX(path, name, sheet string) (*xlsxSource, error) {
	f, err := excelize.OpenFile(path, xlsxOptions)
	if err != nil {
		return nil, indus.Errorf(indus.EInvalid, "%s: not a readable XLSX workbook: %v", name, err).
			Zh("%s：不是可读取的 XLSX 工作簿：%v", name, err)
	}
	src := &xlsxSource{f: f}
	list := f.GetSheetList()
	if sheet == "" {
		for _, s := range list {
			if v, err := f.GetSheetVisible(s); err == nil && v {
				sheet = s
				break
			}
		}
		if sheet == "" && len(list) > 0 {
			sheet = list[0]
		}
		if sheet == "" {
			f.Close()
			return nil, indus.Errorf(indus.EInvalid, "%s: the workbook has no worksheet", name).Zh("%s：工作簿中没有工作表", name)
		}
	} else {
		found := false
		for _, s := range list {
			if s == sheet {
				found = true
				break
			}
		}
		if !found {
			// Sheet names are case-insensitive in Excel.
			for _, s := range list {
				if strings.EqualFold(s, sheet) {
					sheet, found = s, true
					break
				}
			}
		}
		if !found {
			f.Close()
			return nil, indus.Errorf(indus.EInvalid, "%s: no sheet named %q; the workbook has %s", name, sheet, quoteList(list)).
				Zh("%s：没有名为 %q 的工作表；工作簿中有 %s", name, sheet, quoteList(list))
		}
	}
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		src.date1904 = *props.Date1904
	}
	src.sheet = sheet
	rows, err := f.Rows(sheet)
	if err != nil {
		f.Close()
		return nil, indus.Errorf(indus.EInvalid, "%s: cannot read sheet %q: %v", name, sheet, err).
			Zh("%s：无法读取工作表 %q：%v", name, sheet, err)
	}
	src.rows = rows
	return src, nil
}

func quoteList(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

func (x *xlsxSource) next() ([]string, int, error) {
	if !x.rows.Next() {
		if err := x.rows.Error(); err != nil {
			return nil, 0, err
		}
		return nil, 0, io.EOF
	}
	x.row++
	cells, err := x.rows.Columns(xlsxOptions)
	if err != nil {
		return nil, x.row, err
	}
	return cells, x.row, nil
}

func (x *xlsxSource) close() error {
	var err error
	if x.rows != nil {
		err = x.rows.Close()
	}
	if cerr := x.f.Close(); err == nil {
		err = cerr
	}
	if x.tempPath != "" {
		os.Remove(x.tempPath)
	}
	return err
}
