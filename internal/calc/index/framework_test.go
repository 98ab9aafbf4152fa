package index

import (
	"math"
	"strings"
	"testing"

	"github.com/indus-platform/indus/internal/indus"
)

const metaHeader = "Level,iCode,iName,Direction,Weight,Unit,Target,Denominator,Parent,Type\n"

func TestReadMetaCSVErrors(t *testing.T) {
	cases := []struct {
		name, meta, want string
	}{
		{"unknown parent", metaHeader +
			"1,a,A,1,1,,,,Grp,Indicator\n2,G,G,1,1,,,,,Aggregate\n", `"a" has unknown parent "Grp"`},
		{"cycle", metaHeader +
			"1,a,A,1,1,,,,G1,Indicator\n,G1,G1,,1,,,,G2,Aggregate\n,G2,G2,,1,,,,G1,Aggregate\n", "cycle in the tree"},
		{"parent is an indicator", metaHeader +
			"1,a,A,1,1,,,,b,Indicator\n1,b,B,1,1,,,,G,Indicator\n2,G,G,1,1,,,,,Aggregate\n", `parent "b" of "a" is an indicator`},
		{"weight missing", metaHeader +
			"1,a,A,1,NA,,,,G,Indicator\n2,G,G,1,1,,,,,Aggregate\n", `weight missing for "a"`},
		{"bad direction", metaHeader +
			"1,a,A,2,1,,,,G,Indicator\n2,G,G,1,1,,,,,Aggregate\n", "column Direction"},
		{"non-numeric weight", metaHeader +
			"1,a,A,1,heavy,,,,G,Indicator\n2,G,G,1,1,,,,,Aggregate\n", `row 2, column Weight: "heavy" is not a number`},
		{"unknown type", metaHeader +
			"1,a,A,1,1,,,,G,Indicatr\n2,G,G,1,1,,,,,Aggregate\n", `row 2, column Type: unknown type "Indicatr"`},
		{"duplicate code", metaHeader +
			"1,a,A,1,1,,,,G,Indicator\n1,a,A2,1,1,,,,G,Indicator\n2,G,G,1,1,,,,,Aggregate\n", `code "a" is used twice`},
		{"level contradicts tree", metaHeader +
			"1,a,A,1,1,,,,G,Indicator\n3,G,G,1,1,,,,,Aggregate\n", `"G" is declared on level 3`},
		{"mixed child levels", metaHeader +
			"1,a,A,1,1,,,,G,Indicator\n1,b,B,1,1,,,,Top,Indicator\n,G,G,,1,,,,Top,Aggregate\n,Top,T,,1,,,,,Aggregate\n", "children of \"Top\" are on different levels"},
		{"aggregate without children", metaHeader +
			"1,a,A,1,1,,,,G,Indicator\n2,G,G,1,1,,,,,Aggregate\n2,H,H,1,1,,,,,Aggregate\n", `aggregate "H" has no children`},
		{"unknown denominator", metaHeader +
			"1,a,A,1,1,,,Pop,G,Indicator\n2,G,G,1,1,,,,,Aggregate\n", `unknown denominator "Pop"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadMetaCSV(strings.NewReader(c.meta), "meta.csv")
			if err == nil {
				t.Fatalf("no error, want %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "meta.csv") {
				t.Errorf("error %q, want it to contain %q and the file name", err, c.want)
			}
			if indus.Code(err) != indus.EInvalid {
				t.Errorf("error code %q, want invalid", indus.Code(err))
			}
		})
	}
}

func smallFramework(t testing.TB) *Framework {
	t.Helper()
	meta := metaHeader +
		"1,a,A,1,1,,,Pop,G,Indicator\n" +
		"1,b,B,-1,2,,,,G,Indicator\n" +
		"2,G,G,1,1,,,,,Aggregate\n" +
		",grp,Group,,,,,,,Group\n" +
		",Pop,Population,,,,,,,Denominator\n"
	fw, err := ReadMetaCSV(strings.NewReader(meta), "meta.csv")
	if err != nil {
		t.Fatal(err)
	}
	return fw
}

func TestReadDataCSVErrors(t *testing.T) {
	fw := smallFramework(t)
	cases := []struct{ name, data, want string }{
		{"non-numeric cell", "uCode,grp,Pop,a,b\nu1,x,1,2,3\nu2,x,1,two,3\n", `data.csv: row 3, column a: "two" is not a number`},
		{"unknown column", "uCode,grp,Pop,a,b,c\nu1,x,1,2,3,4\n", `unknown column "c"`},
		{"aggregate column", "uCode,grp,Pop,a,b,G\nu1,x,1,2,3,4\n", `"G" is an aggregate`},
		{"missing indicator", "uCode,grp,Pop,a\nu1,x,1,2\n", `indicator "b" of the framework is missing`},
		{"duplicate unit", "uCode,grp,Pop,a,b\nu1,x,1,2,3\nu1,x,1,2,3\n", `uCode "u1" appears twice`},
		{"no uCode", "grp,Pop,a,b\nx,1,2,3\n", `missing column "uCode"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadDataCSV(strings.NewReader(c.data), "data.csv", fw)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
		})
	}
}

func TestPipelineErrors(t *testing.T) {
	fw := smallFramework(t)
	d, err := ReadDataCSV(strings.NewReader("uCode,grp,Pop,a,b\nu1,x,0,2,3\nu2,y,4,5,6\n"), "data.csv", fw)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		p    Pipeline
		want string
	}{
		{"zero denominator", Pipeline{Steps: []Step{Denominate{}}}, `unit "u1" has a zero Pop (denominator of "a")`},
		{"unknown normaliser", Pipeline{Steps: []Step{Normalise{Default: NormSpec{Method: "minmaxx"}}}}, `unknown normalisation method "minmaxx"`},
		{"unknown aggregator", Pipeline{Steps: []Step{Aggregate{AggSpec: AggSpec{Method: "median"}}}}, `unknown aggregation method "median"`},
		{"unknown imputation", Pipeline{Steps: []Step{Impute{Method: "knn"}}}, `unknown method "knn"`},
		{"unknown group", Pipeline{Steps: []Step{Impute{Method: ImputeGroupMean, Group: "region"}}}, `"region" is not one of the data's group columns`},
		{"unknown fallback", Pipeline{Steps: []Step{Treat{Fallback: "sqrt"}}}, `unknown fallback "sqrt"`},
		{"gmean of zero", Pipeline{Steps: []Step{Normalise{}, Aggregate{AggSpec: AggSpec{Method: AggGMean}}}}, "geometric mean of a zero or negative value"},
		{"bad level", Pipeline{Steps: []Step{Aggregate{ByLevel: map[int]AggSpec{3: {Method: AggAMean}}}}}, "by_level has level 3"},
		{"classify before aggregate", Pipeline{Steps: []Step{Classify{Classes: []ClassRule{{Name: "A", UpTo: 1}}}}}, `no column "G"`},
		{"unknown flag", Pipeline{Steps: []Step{Aggregate{}, Classify{Classes: []ClassRule{{Name: "A", UpTo: 1}}, Flags: map[string]UnitFlag{"zz": {Unrated: true}}}}}, `unknown unit "zz"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.p.Run(fw, d)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
			if indus.Code(err) != indus.EInvalid {
				t.Errorf("error code %q, want invalid", indus.Code(err))
			}
		})
	}
}

func TestFrameworkYAML(t *testing.T) {
	tree := `
groups: [grp]
denominators: [Pop]
tree:
  - code: G
    name: Group
    children:
      - {code: a, weight: 1, denominator: Pop}
      - {code: b, weight: 2, direction: -1}
`
	flat := `
groups: [grp]
denominators: [Pop]
nodes:
  - {code: a, parent: G, weight: 1, denominator: Pop}
  - {code: b, parent: G, weight: 2, direction: -1}
  - {code: G, name: Group}
`
	want := smallFramework(t)
	for name, src := range map[string]string{"tree": tree, "flat": flat} {
		fw, err := ParseFrameworkYAML([]byte(src))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, n := range want.Nodes {
			g := fw.Node(n.Code)
			if g == nil || g.Level != n.Level || g.Parent != n.Parent || g.Indicator != n.Indicator ||
				(n.Indicator && g.Direction != n.Direction) || g.Denominator != n.Denominator ||
				(n.Parent != "" && g.Weight != n.Weight) {
				t.Errorf("%s: node %s = %+v, want %+v", name, n.Code, g, n)
			}
		}
	}
	if _, err := ParseFrameworkYAML([]byte("tree:\n  - code: G\n    children:\n      - {code: a}\n")); err == nil || !strings.Contains(err.Error(), `weight missing for "a"`) {
		t.Errorf("missing weight: %v", err)
	}
	if _, err := ParseFrameworkYAML([]byte("tree:\n  - code: G\n    colour: red\n")); err == nil {
		t.Error("unknown key accepted")
	}
}

func TestDefaultsAndRanks(t *testing.T) {
	r := RankDesc([]float64{3, math.NaN(), 5, 5, 1})
	want := []int{3, 0, 1, 1, 4}
	for i := range want {
		if r[i] != want[i] {
			t.Fatalf("RankDesc = %v, want %v", r, want)
		}
	}
}
