package index

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/indus-platform/indus/internal/indus"
)

// Node is one element of a framework: an indicator (level 1) or an aggregate
// (a group, sub-index or the index) at a higher level. The fields mirror the
// columns of COINr's iMeta table.
type Node struct {
	// Code is the unique code (iCode) of the node.
	Code string
	// Name is the human-readable name (iName).
	Name string
	// Level is 1 for indicators and one more than its children's level for
	// aggregates. Zero means "derive it from the tree".
	Level int
	// Parent is the code of the aggregate this node feeds, "" for a root.
	Parent string
	// Weight is the node's weight inside its parent; NaN means missing, which
	// is an error for any node with a parent.
	Weight float64
	// Direction is +1 when higher values are better and −1 when lower values
	// are better. Required for indicators, ignored for aggregates.
	Direction int
	// Unit is the unit of measurement, for display only.
	Unit string
	// Target is the indicator's target (used by dist2targ); NaN if none.
	Target float64
	// Denominator names the denominator column that denominate divides this
	// indicator by; "" for none.
	Denominator string
	// ScaleFactor multiplies the denominated value (COINr's denomby
	// ScaleFactor); 0 means 1.
	ScaleFactor float64
	// Indicator is true for indicators (iMeta Type "Indicator") and false for
	// aggregates (Type "Aggregate").
	Indicator bool
	// Children lists the codes of the node's children in declaration order;
	// NewFramework fills it.
	Children []string
}

// Framework is a validated tree of indicators and aggregates, plus the names
// of the group and denominator columns that data sets carry.
type Framework struct {
	// Nodes holds the indicators and aggregates in declaration order.
	Nodes []*Node
	// Groups names the grouping columns (iMeta Type "Group").
	Groups []string
	// Denominators names the denominator columns (iMeta Type "Denominator").
	Denominators []string

	byCode   map[string]*Node
	maxLevel int
}

// NewFramework validates nodes and builds a Framework. It rejects empty or
// duplicate codes, unknown parents or denominators, a parent that is an
// indicator, cycles, aggregates without children, children of one aggregate
// on different levels, levels that contradict the tree, missing weights and
// indicator directions other than ±1. Every error names the offending code.
func NewFramework(nodes []Node, groups, denominators []string) (*Framework, error) {
	fw := &Framework{
		Groups:       append([]string(nil), groups...),
		Denominators: append([]string(nil), denominators...),
		byCode:       make(map[string]*Node, len(nodes)),
	}
	seen := map[string]string{}
	claim := func(code, what string) error {
		if strings.TrimSpace(code) == "" {
			return indus.Errorf(indus.EInvalid, "framework: a %s has an empty code", what)
		}
		if prev, ok := seen[code]; ok {
			return indus.Errorf(indus.EInvalid, "framework: code %q is used twice (as %s and as %s)", code, prev, what)
		}
		seen[code] = what
		return nil
	}
	for _, g := range groups {
		if err := claim(g, "group"); err != nil {
			return nil, err
		}
	}
	denomSet := map[string]bool{}
	for _, d := range denominators {
		if err := claim(d, "denominator"); err != nil {
			return nil, err
		}
		denomSet[d] = true
	}
	for i := range nodes {
		n := nodes[i]
		what := "aggregate"
		if n.Indicator {
			what = "indicator"
		}
		if err := claim(n.Code, what); err != nil {
			return nil, err
		}
		n.Children = nil
		fw.Nodes = append(fw.Nodes, &n)
		fw.byCode[n.Code] = &n
	}
	if len(fw.Nodes) == 0 {
		return nil, indus.Errorf(indus.EInvalid, "framework: no indicators")
	}
	for _, n := range fw.Nodes {
		if n.Parent == "" {
			continue
		}
		p, ok := fw.byCode[n.Parent]
		if !ok {
			return nil, indus.Errorf(indus.EInvalid, "framework: %q has unknown parent %q", n.Code, n.Parent)
		}
		if p.Indicator {
			return nil, indus.Errorf(indus.EInvalid, "framework: parent %q of %q is an indicator, not an aggregate", n.Parent, n.Code)
		}
		p.Children = append(p.Children, n.Code)
	}
	// Cycles: follow each parent chain.
	for _, n := range fw.Nodes {
		visited := map[string]bool{n.Code: true}
		path := []string{n.Code}
		for p := n.Parent; p != ""; p = fw.byCode[p].Parent {
			path = append(path, p)
			if visited[p] {
				return nil, indus.Errorf(indus.EInvalid, "framework: cycle in the tree: %s", strings.Join(path, " → "))
			}
			visited[p] = true
		}
	}
	nInd := 0
	for _, n := range fw.Nodes {
		if n.Indicator {
			nInd++
			if n.Direction != 1 && n.Direction != -1 {
				return nil, indus.Errorf(indus.EInvalid, "framework: indicator %q has direction %d; it must be 1 or -1", n.Code, n.Direction)
			}
			if n.Denominator != "" && !denomSet[n.Denominator] {
				return nil, indus.Errorf(indus.EInvalid, "framework: indicator %q has unknown denominator %q", n.Code, n.Denominator)
			}
		} else {
			if len(n.Children) == 0 {
				return nil, indus.Errorf(indus.EInvalid, "framework: aggregate %q has no children", n.Code)
			}
			if n.Denominator != "" {
				return nil, indus.Errorf(indus.EInvalid, "framework: aggregate %q cannot have a denominator", n.Code)
			}
		}
		if n.Parent != "" && (math.IsNaN(n.Weight) || math.IsInf(n.Weight, 0)) {
			return nil, indus.Errorf(indus.EInvalid, "framework: weight missing for %q (child of %q)", n.Code, n.Parent)
		}
		if n.Parent != "" && n.Weight < 0 {
			return nil, indus.Errorf(indus.EInvalid, "framework: weight of %q is negative (%g)", n.Code, n.Weight)
		}
	}
	if nInd == 0 {
		return nil, indus.Errorf(indus.EInvalid, "framework: no indicators")
	}
	// Levels.
	level := map[string]int{}
	var levelOf func(n *Node) (int, error)
	levelOf = func(n *Node) (int, error) {
		if l, ok := level[n.Code]; ok {
			return l, nil
		}
		l := 1
		if !n.Indicator {
			l = 0
			for _, c := range n.Children {
				cl, err := levelOf(fw.byCode[c])
				if err != nil {
					return 0, err
				}
				if l != 0 && cl+1 != l {
					return 0, indus.Errorf(indus.EInvalid, "framework: children of %q are on different levels (%q is on level %d, another child on level %d)", n.Code, c, cl, l-1)
				}
				l = cl + 1
			}
		}
		if n.Level != 0 && n.Level != l {
			return 0, indus.Errorf(indus.EInvalid, "framework: %q is declared on level %d but the tree puts it on level %d", n.Code, n.Level, l)
		}
		level[n.Code] = l
		return l, nil
	}
	for _, n := range fw.Nodes {
		l, err := levelOf(n)
		if err != nil {
			return nil, err
		}
		n.Level = l
		if l > fw.maxLevel {
			fw.maxLevel = l
		}
	}
	return fw, nil
}

// Node returns the node with the given code, or nil.
func (f *Framework) Node(code string) *Node { return f.byCode[code] }

// MaxLevel is the highest level in the framework (1 when there are only
// indicators).
func (f *Framework) MaxLevel() int { return f.maxLevel }

// Indicators returns the indicator codes in declaration order.
func (f *Framework) Indicators() []string {
	var out []string
	for _, n := range f.Nodes {
		if n.Indicator {
			out = append(out, n.Code)
		}
	}
	return out
}

// Aggregates returns the codes of the aggregates on the given level in
// declaration order; level 0 returns all aggregates, level by level.
func (f *Framework) Aggregates(level int) []string {
	var out []string
	for l := 2; l <= f.maxLevel; l++ {
		if level != 0 && l != level {
			continue
		}
		for _, n := range f.Nodes {
			if !n.Indicator && n.Level == l {
				out = append(out, n.Code)
			}
		}
	}
	return out
}

// Roots returns the codes of the nodes without a parent, highest level
// first (the index comes first).
func (f *Framework) Roots() []string {
	var out []*Node
	for _, n := range f.Nodes {
		if n.Parent == "" {
			out = append(out, n)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Level > out[j].Level })
	codes := make([]string, len(out))
	for i, n := range out {
		codes[i] = n.Code
	}
	return codes
}

// Weights returns the weights of all nodes that have a parent, by code.
func (f *Framework) Weights() map[string]float64 {
	w := make(map[string]float64, len(f.Nodes))
	for _, n := range f.Nodes {
		if n.Parent != "" {
			w[n.Code] = n.Weight
		}
	}
	return w
}

// String summarises the framework, e.g. "49 indicators, 11 aggregates, 4 levels".
func (f *Framework) String() string {
	ni := len(f.Indicators())
	return fmt.Sprintf("%d indicators, %d aggregates, %d levels", ni, len(f.Nodes)-ni, f.maxLevel)
}
