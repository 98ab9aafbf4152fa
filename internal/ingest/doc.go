// Package ingest reads enterprise data files into domain records, row by
// row, and reports every problem with its file, row, column and value.
// It never touches the database: the analysis services decide what to do
// with the records and findings.
//
// One entry point, Open (or OpenReader for uploads), reads every format:
//
//   - CSV in UTF-8, UTF-8 with BOM, GB18030/GBK/GB2312 (what Chinese Excel
//     writes) or UTF-16 with BOM (Excel's "Unicode text"); the encoding is
//     detected at the first non-ASCII byte, the delimiter (',', ';', tab)
//     from the header. Streamed: one record in memory at a time.
//   - XLSX through excelize's streaming Rows iterator with raw cell values
//     (numbers as stored, dates as serial numbers, never the displayed
//     text); the first visible sheet unless Options.Sheet names one.
//
// The header is the first row (of the first 30) naming at least two known
// columns; a title row above it is skipped, a group-label row above it or a
// label/unit row below it (merged header cells) is combined with it, and a
// numbering row (甲 乙 1 2 3) under it is skipped. Headers are matched in
// Chinese and English, ignoring width (full-width brackets), spaces, case,
// markers (*, 1、) and a unit in brackets, 【】, after a slash or straight
// after the name. A qualifier that makes another figure (上年同期, 增速,
// 累计, 亩均, 等价值 …) keeps a column out. When two columns name the same
// canonical column, the exact statistical term wins over a looser synonym
// (主营业务收入 over 营业收入); equal ones are a file error.
//
// Values are converted to canonical units (万元, 亩, kWh, tce, t) and every
// cell whose stored value differs from its text (a unit converted, 1,234.5,
// full-width digits, a district name mapped to its code, a date written
// another way, a missing marker such as —) is kept in Record.Originals.
//
// Decisions worth knowing:
//   - Finding.Column is the header as written in the file (canonical files:
//     the canonical name); Original.Column is the canonical name.
//   - Severity info (new) reports what the reader did without changing
//     data: columns not imported, units assumed, a totals or note row
//     skipped. File-level info findings come with the first Next, on the
//     header's row.
//   - A 3-digit industry code whose leading zero was lost (610 for 0610) is
//     restored with a warning when the 3 digits are no group; when they are
//     a group too (111: group 111 or class 0111?) it is an error.
//   - A duplicate key within the file rejects the later row (error naming
//     both rows); the first stays. The store's commit check remains the
//     authority across files.
//   - Blank or "-"/"—"/"/"/"无" booleans are false; a count (安全事故: 2) is
//     true. "无" in a number cell is missing, not zero (kept in Originals).
//   - A CSV row with more or fewer fields than the header is an error: its
//     columns have shifted.
//   - Percentages in amount columns, decimal commas and spreadsheet errors
//     (#N/A) are errors; a unit after a number ("1.5亿元") converts it.
package ingest
