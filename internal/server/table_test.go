package server

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// A rowSet kept across requests (as the evaluation page keeps its
// results) answers every state as a fresh filter, stable sort and page
// of the rows would, however many orders it has kept, and leaves its
// rows as they were.
func TestRowSetMatchesAFreshSortAndFilter(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 5))
	spec := &tableSpec{ID: "t", Sort: "rank", Search: "s", Cols: []tableCol{
		{Key: "rank", Kind: colInt}, {Key: "name", Kind: colText}, {Key: "score", Kind: colNum}, {Key: "class", Kind: colCode}},
		Filters: []tableFilter{{Key: "class", Options: []tableOption{{"A", "A"}, {"B", "B"}, {"C", "C"}}},
			{Key: "even", Options: []tableOption{{"yes", "yes"}}, Match: func(r tableRow, v string) bool { return r.Vals[0] != nil && r.Vals[0].(int)%2 == 0 }}}}
	type firm struct {
		rank  *int
		name  string
		score *float64
		class string
	}
	var firms []firm
	var rows []tableRow
	for i := range 500 {
		f := firm{name: fmt.Sprintf("企业%03d %s", rnd.IntN(300), []string{"汽车", "电子", "材料"}[rnd.IntN(3)]), class: []string{"A", "B", "C"}[rnd.IntN(3)]}
		if rnd.IntN(10) > 0 {
			r := i + 1
			f.rank = &r
		}
		if rnd.IntN(8) > 0 {
			v := float64(rnd.IntN(40)) / 4 // many ties: the sort must be stable
			f.score = &v
		}
		firms = append(firms, f)
		var rank, score any
		if f.rank != nil {
			rank = *f.rank
		}
		if f.score != nil {
			score = *f.score
		}
		rows = append(rows, tableRow{Vals: []any{rank, f.name, score, f.class}})
	}
	before := fmt.Sprint(rows)
	// The expected answer, worked out on the firms themselves.
	want := func(st tableState, paged bool) ([]string, int) {
		var idx []int
		for i, f := range firms {
			if st.Q != "" && !strings.Contains(strings.ToLower(f.name+" "+f.class), strings.ToLower(st.Q)) {
				continue
			}
			if c := st.F["class"]; c != "" && f.class != c {
				continue
			}
			if st.F["even"] != "" && (f.rank == nil || *f.rank%2 != 0) {
				continue
			}
			idx = append(idx, i)
		}
		key := func(i int) (float64, bool) {
			switch st.Sort {
			case "score":
				if firms[i].score == nil {
					return 0, false
				}
				return *firms[i].score, true
			case "rank":
				if firms[i].rank == nil {
					return 0, false
				}
				return float64(*firms[i].rank), true
			}
			return 0, true
		}
		sort.SliceStable(idx, func(a, b int) bool {
			if st.Sort == "name" {
				if st.Desc {
					return firms[idx[a]].name > firms[idx[b]].name
				}
				return firms[idx[a]].name < firms[idx[b]].name
			}
			va, oka := key(idx[a])
			vb, okb := key(idx[b])
			switch {
			case !oka:
				return false
			case !okb:
				return true
			case st.Desc:
				return va > vb
			}
			return va < vb
		})
		total := len(idx)
		if paged {
			lo := min(st.offset(), total)
			idx = idx[lo:min(lo+st.PerPage, total)]
		}
		var out []string
		for _, i := range idx {
			out = append(out, firms[i].name+"/"+firms[i].class)
		}
		return out, total
	}
	kept := newRowSet(rows)
	for n := range 300 {
		st := tableState{Sort: []string{"rank", "score", "name"}[rnd.IntN(3)], Desc: rnd.IntN(2) == 0, Page: 1 + rnd.IntN(6), PerPage: []int{25, 50}[rnd.IntN(2)], F: map[string]string{}}
		if rnd.IntN(3) == 0 {
			st.F["class"] = []string{"A", "B", "C"}[rnd.IntN(3)]
		}
		if rnd.IntN(4) == 0 {
			st.F["even"] = "yes"
		}
		if rnd.IntN(4) == 0 {
			st.Q = []string{"汽车", "企业01", "b"}[rnd.IntN(3)]
		}
		paged := rnd.IntN(5) > 0
		wantRows, wantTotal := want(st, paged)
		for _, src := range []tableSource{kept.source(spec), memTable(spec, rows)} {
			var got []string
			total, err := src(st, paged, func(r tableRow) error {
				got = append(got, r.Vals[1].(string)+"/"+r.Vals[3].(string))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if total != wantTotal || !reflect.DeepEqual(got, wantRows) {
				t.Fatalf("request %d %+v paged %v: %d rows %v\nwant %d rows %v", n, st, paged, total, got, wantTotal, wantRows)
			}
		}
	}
	if len(kept.orders) < 4 {
		t.Errorf("the kept rowSet holds %d orders, want one per sort and direction asked", len(kept.orders))
	}
	if fmt.Sprint(rows) != before {
		t.Error("serving the table changed its rows")
	}
}
