package store

import (
	"context"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/indus-platform/indus/internal/indus"
)

func TestUnitSlipsAreWarnedNotRejected(t *testing.T) {
	st := openTemp(t)
	ctx := context.Background()
	if _, err := loadEnterprises(t, st, enterprise(testUSCC[0]), enterprise(testUSCC[1])); err != nil {
		t.Fatal(err)
	}
	l, _ := st.BeginLoad(ctx, LoadMeta{Kind: indus.KindAnnual, FileName: "annual.csv"})
	// Firm 0: revenue about 100 (10k yuan) a year, and one year written in yuan.
	for i, rev := range []float64{100, 110, 1200000, 130} {
		l.AppendAnnual(i+2, &indus.AnnualFact{USCC: testUSCC[0], Year: 2020 + i, Revenue: indus.Float(rev), LandMu: indus.Float(12)})
	}
	// Firm 1: a young firm ramping up 400-fold: its small first year is no slip.
	for i, rev := range []float64{0.5, 150, 200} {
		l.AppendAnnual(i+6, &indus.AnnualFact{USCC: testUSCC[1], Year: 2021 + i, Revenue: indus.Float(rev)})
	}
	res, problems, err := l.Commit(CommitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Inserted != 7 {
		t.Fatalf("a warning must not reject rows: %+v", res)
	}
	if len(problems) != 1 {
		t.Fatalf("problems %+v", problems)
	}
	p := problems[0]
	// The other years' geometric mean is (100·110·130)^(1/3) ≈ 112.8, so
	// 1,200,000 is about 10,600× it.
	if p.Row != 4 || p.Column != "revenue" || !p.Warning || !strings.Contains(p.Message, "10651×") || !strings.Contains(p.MessageZh, "单位") {
		t.Errorf("slip warning %+v", p)
	}
}

// The SQL check compares with per-firm thresholds worked out from sums of
// logs; this checks it against the rule computed directly, value by
// value, on random firms with stored and staged years, zeros and missing
// values, and ratios close to the factor.
func TestUnitSlipsMatchTheRuleComputedDirectly(t *testing.T) {
	st := openTemp(t)
	ctx := context.Background()
	rnd := rand.New(rand.NewPCG(7, 11))
	var firms []*indus.Enterprise
	for i := range 40 {
		firms = append(firms, enterprise(fmt.Sprintf("91500000%09dX", i)))
	}
	if _, err := loadEnterprises(t, st, firms...); err != nil {
		t.Fatal(err)
	}
	value := func() *float64 {
		switch rnd.IntN(10) {
		case 0:
			return nil
		case 1:
			return indus.Float(0)
		case 2: // near the factor: 290–310 × a usual level of about 100
			return indus.Float(100 * (290 + 20*rnd.Float64()))
		case 3:
			return indus.Float(1e6 * (1 + rnd.Float64()))
		}
		return indus.Float(50 + 100*rnd.Float64())
	}
	// Stored years 2015–2018, then a file with 2018–2022 (its 2018
	// replaces the stored year). final holds what the second file leaves.
	first := map[string]map[int]*float64{}
	final := map[string]map[int]*float64{}
	for i, f := range firms {
		first[f.USCC], final[f.USCC] = map[int]*float64{}, map[int]*float64{}
		for y := 2015; y <= 2018; y++ {
			first[f.USCC][y] = value()
		}
		for y := 2015; y <= 2022; y++ {
			if y < 2018 {
				final[f.USCC][y] = first[f.USCC][y]
			} else {
				final[f.USCC][y] = value()
			}
		}
		// Every fourth firm: 2020 right at the factor, just above or below.
		if i%4 == 0 {
			var sum float64
			n := 0
			for y, v := range final[f.USCC] {
				if y != 2020 && v != nil && *v > 0 {
					sum += math.Log(*v)
					n++
				}
			}
			if n > 0 {
				delta := []float64{-0.02, -1e-7, 1e-7, 0.02}[(i/4)%4]
				final[f.USCC][2020] = indus.Float(slipFactor * math.Exp(sum/float64(n)) * (1 + delta))
			}
		}
	}
	load := func(from, to int, vals map[string]map[int]*float64) []RowProblem {
		l, err := st.BeginLoad(ctx, LoadMeta{Kind: indus.KindAnnual, FileName: "annual.csv"})
		if err != nil {
			t.Fatal(err)
		}
		row := 2
		for _, f := range firms {
			for y := from; y <= to; y++ {
				if err := l.AppendAnnual(row, &indus.AnnualFact{USCC: f.USCC, Year: y, Revenue: vals[f.USCC][y]}); err != nil {
					t.Fatal(err)
				}
				row++
			}
		}
		_, problems, err := l.Commit(CommitOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return problems
	}
	load(2015, 2018, first)
	problems := load(2018, 2022, final)
	got := map[string]bool{}
	for _, p := range problems {
		if p.Column == "revenue" {
			got[p.Value+"@"+strconv.FormatInt(p.Row, 10)] = true
		}
	}
	// The rule: v is flagged when it is more than slipFactor × the
	// geometric mean of the firm's other positive values, given at least
	// two others.
	want := map[string]bool{}
	row := 2
	for _, f := range firms {
		for y := 2018; y <= 2022; y++ {
			v := final[f.USCC][y]
			var sum float64
			n := 0
			for oy, ov := range final[f.USCC] {
				if oy != y && ov != nil && *ov > 0 {
					sum += math.Log(*ov)
					n++
				}
			}
			if v != nil && *v > 0 && n >= 2 && *v > slipFactor*math.Exp(sum/float64(n)) {
				want[fmt.Sprint(*v)+"@"+strconv.Itoa(row)] = true
			}
			row++
		}
	}
	if len(want) < 5 {
		t.Fatalf("the random data should hold several slips, has %d", len(want))
	}
	if !maps.Equal(got, want) {
		t.Fatalf("flagged %d values, the rule flags %d:\ngot  %v\nwant %v", len(got), len(want), got, want)
	}
}
