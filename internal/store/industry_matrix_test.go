package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/indus-platform/indus/internal/indus"
)

// matrixFirm is one enterprise of the matrix fixture with its facts by year.
type matrixFirm struct {
	unit, code string
	above      bool
	facts      map[int][2]*float64 // year → output value, employees
}

func fo(v float64) *float64 { return &v }

// matrixFixture: three units; manufacturing and other sections; a missing
// code, a malformed code, missing values, a below-size firm, two years.
var matrixFixture = []matrixFirm{
	{"500112", "3612", true, map[int][2]*float64{2023: {fo(100), fo(10)}, 2022: {fo(90), fo(9)}}},
	{"500112", "3612", false, map[int][2]*float64{2023: {fo(50), fo(5)}}},
	{"500112", "3670", true, map[int][2]*float64{2023: {fo(30), nil}}},
	{"500112", "6513", true, map[int][2]*float64{2023: {fo(999), fo(9)}}}, // software: not manufacturing
	{"LJ", "3612", true, map[int][2]*float64{2023: {fo(200), fo(20)}}},
	{"LJ", "3971", true, map[int][2]*float64{2023: {nil, fo(7)}}},
	{"LJ", "", true, map[int][2]*float64{2023: {fo(40), fo(4)}}},     // no industry code
	{"LJ", "361", true, map[int][2]*float64{2023: {fo(41), fo(4)}}},  // malformed code
	{"LJ", "36A2", true, map[int][2]*float64{2023: {fo(42), fo(4)}}}, // malformed code
	{"500118", "1311", true, map[int][2]*float64{2023: {fo(60), fo(6)}, 2022: {fo(55), fo(5)}}},
	{"500118", "4411", true, map[int][2]*float64{2023: {fo(70), fo(3)}}}, // electricity: division 44
	{"500118", "1313", true, map[int][2]*float64{2022: {fo(12), fo(2)}}}, // 2022 only
	{"500118", "0511", false, map[int][2]*float64{2023: {fo(8), fo(1)}}}, // agriculture
}

// loadMatrixFixture loads the fixture's enterprises and facts in the order
// given by perm (nil: file order).
func loadMatrixFixture(t *testing.T, st *Store, perm []int) {
	t.Helper()
	ctx := context.Background()
	if perm == nil {
		perm = make([]int, len(matrixFixture))
		for i := range perm {
			perm[i] = i
		}
	}
	uscc := func(i int) string { return fmt.Sprintf("9150000000000%04dX", i) }
	l, err := st.BeginLoad(ctx, LoadMeta{Kind: indus.KindEnterprises, FileName: "e.csv", SHA256: "x", User: "test"})
	if err != nil {
		t.Fatal(err)
	}
	for row, i := range perm {
		f := matrixFixture[i]
		if err := l.AppendEnterprise(row+2, &indus.Enterprise{USCC: uscc(i), Name: "企业", UnitCode: f.unit, IndustryCode: f.code, AboveSize: f.above}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := l.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	l, err = st.BeginLoad(ctx, LoadMeta{Kind: indus.KindAnnual, FileName: "a.csv", SHA256: "y", User: "test"})
	if err != nil {
		t.Fatal(err)
	}
	row := 2
	for _, i := range perm {
		for _, year := range []int{2023, 2022} {
			v, ok := matrixFixture[i].facts[year]
			if !ok {
				continue
			}
			if err := l.AppendAnnual(row, &indus.AnnualFact{USCC: uscc(i), Year: year, OutputValue: v[0], Employees: v[1]}); err != nil {
				t.Fatal(err)
			}
			row++
		}
	}
	if _, _, err := l.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestIndustryMatrix(t *testing.T) {
	st := openTemp(t)
	loadMatrixFixture(t, st, nil)
	ctx := context.Background()
	type c = MatrixCell
	cases := []struct {
		name string
		opt  MatrixOptions
		want []MatrixCell
	}{
		{"class output", MatrixOptions{Year: 2023}, []c{
			{"500112", "3612", 150}, {"500112", "3670", 30}, {"500118", "1311", 60}, {"LJ", "3612", 200}}},
		{"group output", MatrixOptions{Year: 2023, Digits: 3, Basis: BasisOutput}, []c{
			{"500112", "361", 150}, {"500112", "367", 30}, {"500118", "131", 60}, {"LJ", "361", 200}}},
		{"division output", MatrixOptions{Year: 2023, Digits: 2}, []c{
			{"500112", "36", 180}, {"500118", "13", 60}, {"LJ", "36", 200}}},
		{"class employees", MatrixOptions{Year: 2023, Basis: BasisEmployees}, []c{
			{"500112", "3612", 15}, {"500118", "1311", 6}, {"LJ", "3612", 20}, {"LJ", "3971", 7}}},
		{"class firms", MatrixOptions{Year: 2023, Basis: BasisFirms}, []c{
			{"500112", "3612", 2}, {"500112", "3670", 1}, {"500118", "1311", 1}, {"LJ", "3612", 1}, {"LJ", "3971", 1}}},
		{"division firms", MatrixOptions{Year: 2023, Digits: 2, Basis: BasisFirms}, []c{
			{"500112", "36", 3}, {"500118", "13", 1}, {"LJ", "36", 1}, {"LJ", "39", 1}}},
		{"above size only", MatrixOptions{Year: 2023, AboveSizeOnly: true}, []c{
			{"500112", "3612", 100}, {"500112", "3670", 30}, {"500118", "1311", 60}, {"LJ", "3612", 200}}},
		{"all sections", MatrixOptions{Year: 2023, AllSections: true}, []c{
			{"500112", "3612", 150}, {"500112", "3670", 30}, {"500112", "6513", 999},
			{"500118", "0511", 8}, {"500118", "1311", 60}, {"500118", "4411", 70}, {"LJ", "3612", 200}}},
		{"other year", MatrixOptions{Year: 2022}, []c{
			{"500112", "3612", 90}, {"500118", "1311", 55}, {"500118", "1313", 12}}},
		{"no data", MatrixOptions{Year: 2030}, nil},
	}
	for _, tc := range cases {
		got, err := st.IndustryMatrix(ctx, tc.opt)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %v\nwant %v", tc.name, got, tc.want)
		}
	}
	years, err := st.AnnualYears(ctx)
	if err != nil || !reflect.DeepEqual(years, []int{2022, 2023}) {
		t.Errorf("AnnualYears = %v, %v", years, err)
	}
}

func TestIndustryMatrixBadOptions(t *testing.T) {
	st := openTemp(t)
	ctx := context.Background()
	for _, opt := range []MatrixOptions{{Year: 2023, Digits: 5}, {Year: 2023, Digits: 1}, {Year: 2023, Basis: "revenue"}} {
		_, err := st.IndustryMatrix(ctx, opt)
		if indus.Code(err) != indus.EInvalid {
			t.Errorf("%+v: error %v, want invalid", opt, err)
		}
	}
}

// The matrix does not depend on the order in which rows were loaded.
func TestIndustryMatrixRowOrder(t *testing.T) {
	ctx := context.Background()
	a := openTemp(t)
	loadMatrixFixture(t, a, nil)
	b := openTemp(t)
	perm := rand.New(rand.NewPCG(9, 9)).Perm(len(matrixFixture))
	loadMatrixFixture(t, b, perm)
	for _, opt := range []MatrixOptions{{Year: 2023}, {Year: 2023, Digits: 3, Basis: BasisFirms}, {Year: 2023, Basis: BasisEmployees, AllSections: true}} {
		x, err := a.IndustryMatrix(ctx, opt)
		if err != nil {
			t.Fatal(err)
		}
		y, err := b.IndustryMatrix(ctx, opt)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(x, y) {
			t.Errorf("%+v: order matters:\n%v\n%v", opt, x, y)
		}
	}
}
