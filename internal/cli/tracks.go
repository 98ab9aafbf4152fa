package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/indus-platform/indus/internal/analysis"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/refdata"
)

const tracksUsage = "[--db DSN] [--year Y] [--level class|group|division] [--basis firms|output|employment] [--unit CODE [--limit N] | --new-star [--reference FILE.csv [--city-region NAME]]] [--format table|csv|json]"

func newTracksCommand() *Command {
	return &Command{
		Name:    "tracks",
		Summary: "new tracks: unit ECI, the industries each unit could grow next, the city's new-star candidates",
		Run:     runTracks,
	}
}

// tracksArgs are the parsed flags of indus tracks.
type tracksArgs struct {
	db, level, basis, unit, format, reference, cityRegion string
	year, limit                                           int
	threshold, wDensity, wPCI, wCOG                       float64
	aboveSize, newStar                                    bool
}

func runTracks(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "tracks", tracksUsage)
	var a tracksArgs
	db := dbFlag(fs, env)
	fs.IntVar(&a.year, "year", 0, "year of the annual facts (default: the latest in the database)")
	fs.StringVar(&a.level, "level", "class", "GB/T 4754 level of the industries: class (4 digits), group (3) or division (2)")
	fs.StringVar(&a.basis, "basis", string(analysis.DefaultBasis), "what the unit × industry matrix counts: firms, output or employment")
	fs.Float64Var(&a.threshold, "threshold", 1, "RCA a unit must exceed (strictly) for an industry to count as present")
	fs.BoolVar(&a.aboveSize, "above-size", false, "only enterprises above designated size (规上)")
	fs.StringVar(&a.unit, "unit", "", "print this unit's ranked list of industries to grow (code, e.g. LJ or 500112)")
	fs.IntVar(&a.limit, "limit", 20, "length of the unit's list (0: all)")
	fs.BoolVar(&a.newStar, "new-star", false, "print the city's new-star industries ranked by closeness to current capabilities")
	fs.StringVar(&a.reference, "reference", "", "with --new-star: a region × industry CSV (region, industry code, value) to compare the city with")
	fs.StringVar(&a.cityRegion, "city-region", "", "with --reference: the reference's own name for the city, whose rows are replaced by the city's data")
	fs.Float64Var(&a.wDensity, "w-density", analysis.DefaultTrackWeights.Density, "weight of density (feasibility) in the track score")
	fs.Float64Var(&a.wPCI, "w-pci", analysis.DefaultTrackWeights.PCI, "weight of PCI (complexity) in the track score")
	fs.Float64Var(&a.wCOG, "w-cog", analysis.DefaultTrackWeights.COG, "weight of COG (opportunity gain) in the track score")
	fs.StringVar(&a.format, "format", "table", "output format: table, csv or json")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	a.db = *db
	usage := func(format string, args ...any) error {
		fmt.Fprintf(env.Stderr, "indus tracks: "+format+"\n\n", args...)
		fs.Usage()
		return errUsage
	}
	if len(pos) > 0 {
		return usage("unexpected argument %q", pos[0])
	}
	switch a.format {
	case "table", "csv", "json":
	default:
		return usage("--format must be table, csv or json, got %q", a.format)
	}
	if a.unit != "" && a.newStar {
		return usage("--unit and --new-star are separate views; give one")
	}
	if a.reference != "" && !a.newStar {
		return usage("--reference applies to --new-star")
	}
	if a.cityRegion != "" && a.reference == "" {
		return usage("--city-region applies to --reference")
	}
	if a.limit < 0 {
		return usage("--limit must be 0 (all) or positive, got %d", a.limit)
	}
	level, err := analysis.ParseLevel(a.level)
	if err != nil {
		return usage("--level: %s", indus.Message(err))
	}
	basis, err := analysis.ParseBasis(a.basis)
	if err != nil {
		return usage("--basis: %s", indus.Message(err))
	}
	if !(a.threshold > 0) || math.IsInf(a.threshold, 0) {
		return usage("--threshold must be a positive number, got %v", a.threshold)
	}
	w := analysis.TrackWeights{Density: a.wDensity, PCI: a.wPCI, COG: a.wCOG}
	if !(w.Density >= 0 && w.PCI >= 0 && w.COG >= 0) || w == (analysis.TrackWeights{}) {
		return usage("the weights must be non-negative and not all zero")
	}
	if a.unit != "" {
		if _, ok := refdata.UnitByCode(a.unit); !ok {
			if u, ok := refdata.UnitByName(a.unit); ok {
				a.unit = u.Code
			} else {
				return indus.Errorf(indus.ENotFound, "no evaluation unit with code or name %q (see the codes with 'indus tracks')", a.unit)
			}
		}
	}
	opt := analysis.NewTracksOptions{Year: a.year, Level: level, Basis: basis, Threshold: a.threshold, AboveSizeOnly: a.aboveSize,
		Weights: w, Limit: a.limit}
	if a.reference != "" {
		f, err := os.Open(a.reference)
		if err != nil {
			return indus.Errorf(indus.EInvalid, "cannot open the reference table: %v", err)
		}
		ref, err := analysis.ReadReferenceCSV(a.reference, f)
		f.Close()
		if err != nil {
			return err
		}
		ref.CityRegion = a.cityRegion
		opt.Reference = ref
	}
	st, err := openStore(ctx, env, a.db)
	if err != nil {
		return err
	}
	defer st.Close()
	nt, err := analysis.NewTracks(ctx, st, opt)
	if err != nil {
		return err
	}
	if a.format != "json" {
		for _, wmsg := range nt.Warnings {
			env.Logger.Warn(wmsg)
		}
	}
	switch {
	case a.unit != "":
		ut, err := nt.Unit(a.unit)
		if err != nil {
			return err
		}
		return printUnitTracks(env.Stdout, a.format, nt, ut)
	case a.newStar:
		if a.format != "json" {
			for _, wmsg := range nt.NewStar.Warnings {
				env.Logger.Warn(wmsg)
			}
		}
		return printNewStar(env.Stdout, a.format, nt)
	}
	return printUnitECI(env.Stdout, a.format, nt)
}

// tracksHeader describes the analysis in one line above a table.
func tracksHeader(nt *analysis.NewTracksResult) string {
	scope := "all enterprises"
	if nt.AboveSizeOnly {
		scope = "above-size enterprises"
	}
	return fmt.Sprintf("%d, GB/T 4754 %s level, by %s, %s, RCA > %g: %d industries, λ₂ = %.4f",
		nt.Year, nt.Level, nt.Basis, scope, nt.Threshold, nt.Industries, nt.Eigenvalue)
}

func writeTracksJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func printUnitECI(w io.Writer, format string, nt *analysis.NewTracksResult) error {
	if format == "json" {
		return writeTracksJSON(w, struct {
			Year       int                       `json:"year"`
			Level      refdata.Level             `json:"level"`
			Basis      analysis.Basis            `json:"basis"`
			Threshold  float64                   `json:"threshold"`
			AboveSize  bool                      `json:"above_size_only"`
			Eigenvalue float64                   `json:"eigenvalue"`
			Industries int                       `json:"industries"`
			Units      []analysis.UnitComplexity `json:"units"`
			Warnings   []string                  `json:"warnings"`
		}{nt.Year, nt.Level, nt.Basis, nt.Threshold, nt.AboveSizeOnly, nt.Eigenvalue, nt.Industries, nt.Units, nt.Warnings})
	}
	head := []string{"rank", "code", "name_zh", "name_en", "region", "eci", "coi", "diversity", "industries", "value"}
	var rows [][]string
	for _, u := range nt.Units {
		rank := "-"
		if u.Rank > 0 {
			rank = strconv.Itoa(u.Rank)
		}
		rows = append(rows, []string{rank, u.Code, u.NameZh, u.NameEn, u.Region, tracksOptNum(u.ECI, 3), tracksOptNum(u.COI, 3),
			strconv.Itoa(u.Diversity), strconv.Itoa(u.Industries), tracksNum(u.Value, 0)})
	}
	return writeTracksTable(w, format, tracksHeader(nt), head, rows, map[int]bool{0: true, 5: true, 6: true, 7: true, 8: true, 9: true})
}

func printUnitTracks(w io.Writer, format string, nt *analysis.NewTracksResult, ut *analysis.UnitTracks) error {
	if format == "json" {
		return writeTracksJSON(w, struct {
			Year      int                     `json:"year"`
			Level     refdata.Level           `json:"level"`
			Basis     analysis.Basis          `json:"basis"`
			Threshold float64                 `json:"threshold"`
			AboveSize bool                    `json:"above_size_only"`
			Weights   analysis.TrackWeights   `json:"weights"`
			Unit      analysis.UnitComplexity `json:"unit"`
			Candidate int                     `json:"candidates"`
			Tracks    []analysis.Track        `json:"tracks"`
			Quadrant  analysis.QuadrantChart  `json:"quadrant"`
			Warnings  []string                `json:"warnings"`
		}{nt.Year, nt.Level, nt.Basis, nt.Threshold, nt.AboveSizeOnly, nt.Weights, ut.Unit, ut.Candidates, ut.Tracks, ut.Quadrant, nt.Warnings})
	}
	u := ut.Unit
	title := fmt.Sprintf("%s %s / %s: ECI %s (rank %d of %d), diversity %d; %d absent industries ranked by %.2g·z(density) + %.2g·z(PCI) + %.2g·z(COG)\n%s",
		u.Code, u.NameZh, u.NameEn, tracksOptNum(u.ECI, 2), u.Rank, tracksRankedUnits(nt), u.Diversity, ut.Candidates,
		nt.Weights.Density, nt.Weights.PCI, nt.Weights.COG, tracksHeader(nt))
	head := []string{"rank", "code", "name_zh", "density", "pctl", "pci", "cog", "score", "quadrant", "clusters"}
	var rows [][]string
	for _, t := range ut.Tracks {
		rows = append(rows, []string{strconv.Itoa(t.Rank), t.Code, t.NameZh, tracksNum(t.Density, 3), tracksNum(t.DensityPercentile, 0),
			tracksNum(t.PCI, 2), tracksNum(t.COG, 2), tracksNum(t.Score, 2), t.Quadrant, tracksClusterNames(t.Clusters)})
	}
	return writeTracksTable(w, format, title, head, rows, map[int]bool{0: true, 3: true, 4: true, 5: true, 6: true, 7: true})
}

func printNewStar(w io.Writer, format string, nt *analysis.NewTracksResult) error {
	cv := nt.NewStar
	if format == "json" {
		return writeTracksJSON(w, struct {
			Year      int                   `json:"year"`
			Level     refdata.Level         `json:"level"`
			Basis     analysis.Basis        `json:"basis"`
			Threshold float64               `json:"threshold"`
			AboveSize bool                  `json:"above_size_only"`
			NewStar   *analysis.CityNewStar `json:"new_star"`
			Warnings  []string              `json:"warnings"`
		}{nt.Year, nt.Level, nt.Basis, nt.Threshold, nt.AboveSizeOnly, cv, nt.Warnings})
	}
	title := fmt.Sprintf("new-star industries of the city ranked by density (closeness to current capabilities), %s\n%s", tracksNewStarMethod(cv), tracksHeader(nt))
	head := []string{"rank", "code", "name_zh", "density", "pci", "present", "share", "clusters", "nearest_units"}
	if cv.Method == "reference" {
		head = []string{"rank", "code", "name_zh", "density", "pci", "cog", "rca", "present", "share", "clusters", "nearest_units"}
	}
	var rows [][]string
	for _, ni := range cv.Industries {
		var near []string
		for _, u := range ni.NearestUnits {
			near = append(near, fmt.Sprintf("%s %.2f", u.NameZh, u.Density))
		}
		var cl []analysis.ClusterRef
		for _, c := range ni.Clusters {
			if c.Tier == analysis.DefaultNewStarTier {
				cl = append(cl, c)
			}
		}
		present := fmt.Sprintf("%d units", ni.UnitsPresent)
		if cv.Method == "reference" {
			present = "no"
			if ni.Present {
				present = "yes"
			}
			rows = append(rows, []string{strconv.Itoa(ni.Rank), ni.Code, ni.NameZh, tracksNum(ni.Density, 3), tracksNum(ni.PCI, 2), tracksOptNum(ni.COG, 2),
				tracksOptNum(ni.RCA, 2), present, tracksPct(ni.Share), tracksClusterNames(cl), strings.Join(near, "; ")})
			continue
		}
		rows = append(rows, []string{strconv.Itoa(ni.Rank), ni.Code, ni.NameZh, tracksNum(ni.Density, 3), tracksNum(ni.PCI, 2), present,
			tracksPct(ni.Share), tracksClusterNames(cl), strings.Join(near, "; ")})
	}
	right := map[int]bool{0: true, 3: true, 4: true, 6: true}
	if cv.Method == "reference" {
		right = map[int]bool{0: true, 3: true, 4: true, 5: true, 6: true, 8: true}
	}
	if err := writeTracksTable(w, format, title, head, rows, right); err != nil {
		return err
	}
	if format == "table" && len(cv.NotEvaluated) > 0 {
		var codes []string
		for _, ne := range cv.NotEvaluated {
			codes = append(codes, ne.Code+" "+ne.NameZh)
		}
		fmt.Fprintf(w, "\nnot evaluated (no value in the table): %s\n", strings.Join(codes, ", "))
	}
	return nil
}

func tracksNewStarMethod(cv *analysis.CityNewStar) string {
	if cv.Method == "reference" {
		eci := ""
		if cv.CityECI != nil {
			eci = fmt.Sprintf("; city ECI %.2f, rank %d of %d", *cv.CityECI, cv.CityECIRank, cv.ReferenceRegions+1)
		}
		return fmt.Sprintf("the city as one region among the %d regions of %s%s", cv.ReferenceRegions, cv.Reference, eci)
	}
	return "density averaged over the units"
}

func tracksRankedUnits(nt *analysis.NewTracksResult) int {
	n := 0
	for _, u := range nt.Units {
		if u.Rank > 0 {
			n++
		}
	}
	return n
}

func tracksClusterNames(cs []analysis.ClusterRef) string {
	var s []string
	for _, c := range cs {
		name := c.NameZh
		if c.Partial {
			name += "(部分)"
		}
		s = append(s, name)
	}
	return strings.Join(s, "、")
}

func tracksNum(v float64, prec int) string { return strconv.FormatFloat(v, 'f', prec, 64) }

func tracksOptNum(v *float64, prec int) string {
	if v == nil {
		return "-"
	}
	return tracksNum(*v, prec)
}

func tracksPct(v float64) string { return strconv.FormatFloat(100*v, 'f', 2, 64) + "%" }

// writeTracksTable writes rows as CSV (header first) or as an aligned table
// under a title; right marks the columns aligned right.
func writeTracksTable(w io.Writer, format, title string, head []string, rows [][]string, right map[int]bool) error {
	if format == "csv" {
		cw := csv.NewWriter(w)
		if err := cw.Write(head); err != nil {
			return err
		}
		if err := cw.WriteAll(rows); err != nil {
			return err
		}
		return cw.Error()
	}
	width := make([]int, len(head))
	for i, h := range head {
		width[i] = tracksWidth(h)
	}
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], tracksWidth(c))
		}
	}
	var b strings.Builder
	b.WriteString(title)
	b.WriteString("\n\n")
	line := func(cells []string) {
		for i, c := range cells {
			pad := strings.Repeat(" ", width[i]-tracksWidth(c))
			if i > 0 {
				b.WriteString("  ")
			}
			if right[i] {
				b.WriteString(pad + c)
			} else if i < len(cells)-1 {
				b.WriteString(c + pad)
			} else {
				b.WriteString(c)
			}
		}
		b.WriteString("\n")
	}
	line(head)
	for _, r := range rows {
		line(r)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// displayWidth counts the terminal columns of s: East Asian wide and
// full-width characters take two.
func tracksWidth(s string) int {
	n := 0
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		switch {
		case r >= 0x1100 && r <= 0x115F, r >= 0x2E80 && r <= 0xA4CF, r >= 0xAC00 && r <= 0xD7A3,
			r >= 0xF900 && r <= 0xFAFF, r >= 0xFE30 && r <= 0xFE4F, r >= 0xFF00 && r <= 0xFF60,
			r >= 0xFFE0 && r <= 0xFFE6, r >= 0x20000 && r <= 0x3FFFD:
			n += 2
		default:
			n++
		}
	}
	return n
}
