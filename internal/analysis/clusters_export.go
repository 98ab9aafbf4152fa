package analysis

import (
	"io"

	"github.com/indus-platform/indus/internal/export"
	"github.com/indus-platform/indus/internal/indus"
)

// ClusterReportHeader is the header of a cluster report as CSV or XLSX:
// the columns the commission's templates read come first, the analytic
// extras after them.
var ClusterReportHeader = []string{
	"cluster_id", "cluster_name", "tier", "geography", "period", "output_value", "revenue", "value_added", "enterprises",
	"employees", "yoy_growth", "target_value", "target_year", "status",
	"geography_kind", "geography_name", "growth_metric", "electricity_kwh", "output_growth", "output_growth_raw",
	"revenue_growth", "revenue_growth_raw", "value_added_growth", "contribution_pp", "share_of_city", "share_of_geography",
	"hhi", "top10_share", "entrants", "exits", "comparable_enterprises", "trajectory_year", "actual_cagr", "required_cagr",
	"projected_value",
}

// cell turns an optional number into a cell: empty when undefined.
func cell(p *float64) export.Cell {
	if p == nil {
		return nil
	}
	return *p
}

// ReportCells is one report row in the order of ClusterReportHeader.
func ReportCells(r ReportRow) []export.Cell {
	var tyear export.Cell
	if r.TargetYear != 0 {
		tyear = int64(r.TargetYear)
	}
	var trajYear, actual, required, projected export.Cell
	if t := r.Trajectory; t != nil {
		trajYear, actual, required, projected = int64(t.Year), cell(t.ActualCAGR), cell(t.Required), cell(t.Projected)
	}
	return []export.Cell{r.ClusterID, r.ClusterName, r.Tier, r.Geography, r.Period, r.OutputValue, r.Revenue, cell(r.ValueAdded),
		r.Enterprises, r.Employees, cell(r.YoYGrowth), cell(r.TargetValue), tyear, r.Status,
		r.GeographyKind, r.GeographyName, r.GrowthMetric, r.Electricity, cell(r.OutputGrowth), cell(r.OutputGrowthRaw),
		cell(r.RevenueGrowth), cell(r.RevenueGrowthRaw), cell(r.VAGrowth), cell(r.ContributionPP), cell(r.ShareOfCity),
		cell(r.ShareOfGeography), cell(r.HHI), cell(r.Top10Share), r.Entrants, r.Exits, r.Comparable, trajYear, actual, required, projected}
}

// WarningHeader is the header of an exported warning list.
var WarningHeader = []string{"type", "severity", "month", "uscc", "name", "unit", "unit_name", "cluster_id", "clusters", "message", "evidence"}

// WarningCells is one warning in the order of WarningHeader.
func WarningCells(w Warning) []export.Cell {
	clusters := ""
	for i, c := range w.Clusters {
		if i > 0 {
			clusters += " "
		}
		clusters += c
	}
	return []export.Cell{w.Type, w.Severity, w.Month, w.USCC, w.Name, w.Unit, w.UnitName, w.ClusterID, clusters, w.Message, w.EvidenceTxt}
}

// SpecialisationHeader is the header of an exported specialisation table.
var SpecialisationHeader = []string{"cluster_id", "cluster_name", "unit", "unit_name", "employees", "output_value", "enterprises",
	"lq_employment", "lq_output", "focus", "strong", "stars", "star_size", "star_specialisation", "star_focus"}

// SpecialisationCells is one row in the order of SpecialisationHeader.
func SpecialisationCells(r SpecRow) []export.Cell {
	return []export.Cell{r.ClusterID, r.ClusterName, r.Unit, r.UnitName, r.Employees, r.OutputValue, r.Enterprises,
		cell(r.LQEmployment), cell(r.LQOutput), cell(r.Focus), r.Strong, int64(r.Stars), r.StarSize, r.StarSpecial, r.StarFocus}
}

// WriteTable writes a header and rows as CSV or XLSX to path, or as CSV to
// w when path is empty or "-".
func WriteTable(w io.Writer, path string, format export.Format, sheet string, header []string, n int, row func(i int) []export.Cell) error {
	var tw export.Writer
	var err error
	if path == "" || path == "-" {
		if format == export.XLSX {
			return indus.Errorf(indus.EInvalid, "XLSX needs a file: give --out FILE.xlsx")
		}
		tw, err = export.ToWriter(w, header)
	} else {
		tw, err = export.Create(path, format, sheet, header)
	}
	if err != nil {
		return indus.Errorf(indus.EInvalid, "%v", err)
	}
	for i := 0; i < n; i++ {
		if err := tw.WriteRow(row(i)); err != nil {
			tw.Abort()
			return err
		}
	}
	return tw.Close()
}
