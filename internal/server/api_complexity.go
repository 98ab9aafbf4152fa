package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/indus-platform/indus/internal/analysis"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/refdata"
)

// The economic complexity API (issue 7): unit ECI, each unit's new tracks
// and the city's new-star industries. Every call runs analysis.NewTracks on
// the store (a 41 × 600 table: milliseconds); the query parameters are
//
//	year       the year of annual facts; default the latest
//	level      class (default), group or division
//	basis      firms (default), output or employment
//	threshold  RCA threshold for presence; default 1
//	above_size true: only enterprises above designated size
//	limit      length of a unit's ranked list (tracks only); default 20, 0 = all
//	w_density, w_pci, w_cog  weights of the track score (tracks only)

// defaultTrackLimit is how many tracks a unit's list shows unless asked.
const defaultTrackLimit = 20

// maxReferenceBytes bounds an uploaded reference table.
const maxReferenceBytes = 32 << 20

// trackParams reads the query parameters shared by the complexity routes.
func trackParams(r *http.Request, withTracks bool) (analysis.NewTracksOptions, error) {
	q := r.URL.Query()
	var o analysis.NewTracksOptions
	var err error
	if v := q.Get("year"); v != "" {
		if o.Year, err = strconv.Atoi(v); err != nil || o.Year < 1900 || o.Year > 9999 {
			return o, indus.Errorf(indus.EInvalid, "parameter year: %q is not a year", v)
		}
	}
	if o.Level, err = analysis.ParseLevel(q.Get("level")); err != nil {
		return o, indus.Errorf(indus.EInvalid, "parameter level: %s", indus.Message(err))
	}
	if o.Basis, err = analysis.ParseBasis(q.Get("basis")); err != nil {
		return o, indus.Errorf(indus.EInvalid, "parameter basis: %s", indus.Message(err))
	}
	if v := q.Get("threshold"); v != "" {
		if o.Threshold, err = strconv.ParseFloat(v, 64); err != nil || !(o.Threshold > 0) || math.IsInf(o.Threshold, 0) {
			return o, indus.Errorf(indus.EInvalid, "parameter threshold: %q is not a positive number", v)
		}
	}
	if v := q.Get("above_size"); v != "" {
		if o.AboveSizeOnly, err = strconv.ParseBool(v); err != nil {
			return o, indus.Errorf(indus.EInvalid, "parameter above_size: %q is not true or false", v)
		}
	}
	if !withTracks {
		return o, nil
	}
	o.Limit = defaultTrackLimit
	if v := q.Get("limit"); v != "" {
		if o.Limit, err = strconv.Atoi(v); err != nil || o.Limit < 0 {
			return o, indus.Errorf(indus.EInvalid, "parameter limit: %q is not 0 (all) or a positive whole number", v)
		}
	}
	weights := analysis.DefaultTrackWeights
	set := false
	for _, w := range []struct {
		name string
		dst  *float64
	}{{"w_density", &weights.Density}, {"w_pci", &weights.PCI}, {"w_cog", &weights.COG}} {
		v := q.Get(w.name)
		if v == "" {
			continue
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !(f >= 0) || math.IsInf(f, 0) {
			return o, indus.Errorf(indus.EInvalid, "parameter %s: %q is not a non-negative number", w.name, v)
		}
		*w.dst = f
		set = true
	}
	if set {
		if weights == (analysis.TrackWeights{}) {
			return o, indus.Errorf(indus.EInvalid, "parameters w_density, w_pci, w_cog: at least one weight must be positive")
		}
		o.Weights = weights
	}
	return o, nil
}

// complexityUnits is the answer of GET /api/v1/complexity/units.
type complexityUnits struct {
	Year          int                       `json:"year"`
	Level         refdata.Level             `json:"level"`
	Basis         analysis.Basis            `json:"basis"`
	Threshold     float64                   `json:"threshold"`
	AboveSizeOnly bool                      `json:"above_size_only"`
	Eigenvalue    float64                   `json:"eigenvalue"`
	Industries    int                       `json:"industries"`
	Units         []analysis.UnitComplexity `json:"units"`
	Warnings      []string                  `json:"warnings"`
}

func (s *Server) apiComplexityUnits(w http.ResponseWriter, r *http.Request) {
	o, err := trackParams(r, false)
	if err != nil {
		writeError(w, err)
		return
	}
	nt, err := s.newTracks(r.Context(), o)
	if err != nil {
		s.writeAnalysisError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, complexityUnits{Year: nt.Year, Level: nt.Level, Basis: nt.Basis, Threshold: nt.Threshold,
		AboveSizeOnly: nt.AboveSizeOnly, Eigenvalue: nt.Eigenvalue, Industries: nt.Industries, Units: nt.Units, Warnings: nt.Warnings})
}

// unitTracksAnswer is the answer of GET /api/v1/complexity/units/{code}/tracks.
type unitTracksAnswer struct {
	Year          int                     `json:"year"`
	Level         refdata.Level           `json:"level"`
	Basis         analysis.Basis          `json:"basis"`
	Threshold     float64                 `json:"threshold"`
	AboveSizeOnly bool                    `json:"above_size_only"`
	Weights       analysis.TrackWeights   `json:"weights"`
	Method        string                  `json:"method"`
	Limit         int                     `json:"limit"`
	Unit          analysis.UnitComplexity `json:"unit"`
	UnitsRanked   int                     `json:"units_ranked"`
	Candidates    int                     `json:"candidates"`
	Tracks        []analysis.Track        `json:"tracks"`
	Quadrant      analysis.QuadrantChart  `json:"quadrant"`
	Warnings      []string                `json:"warnings"`
}

func (s *Server) apiComplexityUnitTracks(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	if _, ok := refdata.UnitByCode(code); !ok {
		writeError(w, indus.Errorf(indus.ENotFound, "no evaluation unit with code %q", code))
		return
	}
	o, err := trackParams(r, true)
	if err != nil {
		writeError(w, err)
		return
	}
	nt, err := s.newTracks(r.Context(), o)
	if err != nil {
		s.writeAnalysisError(w, r, err)
		return
	}
	ut, err := nt.Unit(code)
	if err != nil {
		writeError(w, err)
		return
	}
	ranked := 0
	for _, u := range nt.Units {
		if u.Rank > 0 {
			ranked++
		}
	}
	writeJSON(w, http.StatusOK, unitTracksAnswer{Year: nt.Year, Level: nt.Level, Basis: nt.Basis, Threshold: nt.Threshold,
		AboveSizeOnly: nt.AboveSizeOnly, Weights: nt.Weights, Limit: o.Limit,
		Method: "score = w_density·z(density) + w_pci·z(PCI) + w_cog·z(COG), z over the unit's absent industries",
		Unit:   ut.Unit, UnitsRanked: ranked, Candidates: ut.Candidates, Tracks: ut.Tracks, Quadrant: ut.Quadrant, Warnings: nt.Warnings})
}

// newStarAnswer is the answer of the city new-star routes.
type newStarAnswer struct {
	Year          int                   `json:"year"`
	Level         refdata.Level         `json:"level"`
	Basis         analysis.Basis        `json:"basis"`
	Threshold     float64               `json:"threshold"`
	AboveSizeOnly bool                  `json:"above_size_only"`
	NewStar       *analysis.CityNewStar `json:"result"`
	Warnings      []string              `json:"warnings"`
}

// apiComplexityNewStar serves GET (density from the units) and POST with a
// reference table as the body (CSV: region, industry code, value; the
// query parameter city_region names the reference's own row for the city,
// which is left out).
func (s *Server) apiComplexityNewStar(w http.ResponseWriter, r *http.Request) {
	o, err := trackParams(r, false)
	if err != nil {
		writeError(w, err)
		return
	}
	if r.Method == http.MethodPost {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxReferenceBytes))
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				err = indus.Errorf(indus.EInvalid, "the reference table is larger than %d MB", maxReferenceBytes>>20)
			} else {
				err = indus.Errorf(indus.EInvalid, "cannot read the reference table: %v", err)
			}
			writeError(w, err)
			return
		}
		ref, err := analysis.ReadReferenceCSV("reference", bytes.NewReader(body))
		if err != nil {
			writeError(w, err)
			return
		}
		ref.CityRegion = strings.TrimSpace(r.URL.Query().Get("city_region"))
		o.Reference = ref
	}
	nt, err := s.newTracks(r.Context(), o)
	if err != nil {
		s.writeAnalysisError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newStarAnswer{Year: nt.Year, Level: nt.Level, Basis: nt.Basis, Threshold: nt.Threshold,
		AboveSizeOnly: nt.AboveSizeOnly, NewStar: nt.NewStar, Warnings: nt.Warnings})
}

func (s *Server) newTracks(ctx context.Context, o analysis.NewTracksOptions) (*analysis.NewTracksResult, error) {
	return analysis.NewTracks(ctx, s.store, o)
}

// writeAnalysisError answers with the domain error, logging internal ones.
func (s *Server) writeAnalysisError(w http.ResponseWriter, r *http.Request, err error) {
	if indus.Code(err) == indus.EInternal {
		s.log.Error("complexity", "path", r.URL.Path, "err", err)
	}
	writeError(w, err)
}
