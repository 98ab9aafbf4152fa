package analysis

import (
	"context"
	"slices"
	"strings"

	"github.com/indus-platform/indus/internal/export"
	"github.com/indus-platform/indus/internal/indus"
	"github.com/indus-platform/indus/internal/refdata"
	"github.com/indus-platform/indus/internal/store"
)

// EvaluationComparison is how the classes moved between two runs (usually
// two years of the same scheme): a transition matrix and the movers.
type EvaluationComparison struct {
	From store.EvaluationRun `json:"from"`
	To   store.EvaluationRun `json:"to"`
	// Classes label the rows (class in From) and columns (class in To),
	// best first, the unrated label last.
	Classes []string `json:"classes"`
	// Matrix[r][c] counts enterprises in both runs with class Classes[r]
	// in From and Classes[c] in To.
	Matrix [][]int `json:"matrix"`
	// Entered and Left count enterprises in only one of the runs, by class.
	Entered map[string]int `json:"entered"`
	Left    map[string]int `json:"left"`
	Same    int            `json:"same"`
	Up      int            `json:"up"`
	Down    int            `json:"down"`
	// Movers are the enterprises whose class changed, largest moves first.
	Movers []Mover `json:"movers"`
}

// Mover is one enterprise whose class changed.
type Mover struct {
	USCC      string   `json:"uscc"`
	Name      string   `json:"name"`
	UnitCode  string   `json:"unit_code"`
	FromClass string   `json:"from_class"`
	ToClass   string   `json:"to_class"`
	FromScore *float64 `json:"from_score"`
	ToScore   *float64 `json:"to_score"`
	FromRank  *int     `json:"from_rank"`
	ToRank    *int     `json:"to_rank"`
	// Steps is how many classes it moved: positive up, negative down, 0
	// into or out of the unrated label.
	Steps int `json:"steps"`
}

// CompareEvaluations compares run a (before) with run b (after).
func CompareEvaluations(ctx context.Context, st *store.Store, a, b int64) (*EvaluationComparison, error) {
	ra, err := st.EvaluationByID(ctx, a)
	if err != nil {
		return nil, err
	}
	rb, err := st.EvaluationByID(ctx, b)
	if err != nil {
		return nil, err
	}
	ca, err := st.EvaluationClasses(ctx, a)
	if err != nil {
		return nil, err
	}
	cb, err := st.EvaluationClasses(ctx, b)
	if err != nil {
		return nil, err
	}
	// Class order: the schemes' grades best first, unrated labels last,
	// then anything else seen.
	var graded, unrated []string
	for _, run := range []store.EvaluationRun{ra, rb} {
		if s, _, err := refdata.ParseScheme(run.SchemeID, []byte(run.SchemeYAML)); err == nil {
			for _, c := range s.ClassIDs() {
				if !slices.Contains(graded, c) {
					graded = append(graded, c)
				}
			}
			if !slices.Contains(unrated, s.UnratedClass()) {
				unrated = append(unrated, s.UnratedClass())
			}
		}
	}
	// The scheme texts are in the runs' own records; the comparison need
	// not repeat them.
	ra.SchemeYAML, rb.SchemeYAML = "", ""
	cmp := &EvaluationComparison{From: ra, To: rb, Entered: map[string]int{}, Left: map[string]int{}, Movers: []Mover{}}
	cmp.Classes = append(graded, unrated...)
	for _, m := range []map[string]store.EnterpriseClass{ca, cb} {
		for _, e := range m {
			if !slices.Contains(cmp.Classes, e.Class) {
				cmp.Classes = append(cmp.Classes, e.Class)
			}
		}
	}
	pos := map[string]int{}
	for i, c := range cmp.Classes {
		pos[c] = i
	}
	cmp.Matrix = make([][]int, len(cmp.Classes))
	for i := range cmp.Matrix {
		cmp.Matrix[i] = make([]int, len(cmp.Classes))
	}
	gradeOf := func(c string) int { return slices.Index(graded, c) } // −1 for unrated
	for uscc, x := range ca {
		y, ok := cb[uscc]
		if !ok {
			cmp.Left[x.Class]++
			continue
		}
		cmp.Matrix[pos[x.Class]][pos[y.Class]]++
		if x.Class == y.Class {
			cmp.Same++
			continue
		}
		m := Mover{USCC: uscc, Name: y.Name, UnitCode: y.UnitCode, FromClass: x.Class, ToClass: y.Class,
			FromScore: x.Score, ToScore: y.Score, FromRank: x.Rank, ToRank: y.Rank}
		if gx, gy := gradeOf(x.Class), gradeOf(y.Class); gx >= 0 && gy >= 0 {
			m.Steps = gx - gy
		}
		switch {
		case m.Steps > 0:
			cmp.Up++
		case m.Steps < 0:
			cmp.Down++
		}
		cmp.Movers = append(cmp.Movers, m)
	}
	for uscc, y := range cb {
		if _, ok := ca[uscc]; !ok {
			cmp.Entered[y.Class]++
		}
	}
	slices.SortFunc(cmp.Movers, func(p, q Mover) int {
		if d := evalAbs(q.Steps) - evalAbs(p.Steps); d != 0 {
			return d
		}
		if p.Steps != q.Steps {
			return q.Steps - p.Steps // ups before downs
		}
		return strings.Compare(p.USCC, q.USCC)
	})
	return cmp, nil
}

func evalAbs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// WriteMovers writes a comparison's movers to path (.csv or .xlsx) and
// returns how many it wrote.
func WriteMovers(path string, cmp *EvaluationComparison) (int, error) {
	format, ok := export.FormatOf(path)
	if !ok {
		return 0, indus.Errorf(indus.EInvalid, "output %s: use a .csv or .xlsx file name", path)
	}
	w, err := export.Create(path, format, "movers", []string{"uscc", "name", "unit_code", "from_class", "to_class", "steps",
		"from_score", "to_score", "from_rank", "to_rank"})
	if err != nil {
		return 0, indus.Errorf(indus.EInvalid, "cannot write %s: %v", path, err)
	}
	for _, m := range cmp.Movers {
		if err := w.WriteRow([]export.Cell{m.USCC, m.Name, m.UnitCode, m.FromClass, m.ToClass, int64(m.Steps), m.FromScore, m.ToScore,
			cellInt(m.FromRank), cellInt(m.ToRank)}); err != nil {
			w.Abort()
			return 0, err
		}
	}
	return len(cmp.Movers), w.Close()
}
