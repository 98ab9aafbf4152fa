package store

import (
	"context"
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
