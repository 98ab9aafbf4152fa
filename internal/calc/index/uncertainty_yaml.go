package index

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/indus-platform/indus/internal/indus"
)

// LoadUncertaintyYAML reads the uncertainty block of a pipeline file; see
// ParseUncertaintyYAML.
func LoadUncertaintyYAML(path string) (*Uncertainty, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	u, err := ParseUncertaintyYAML(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return u, nil
}

// ParseUncertaintyYAML reads the "uncertainty" block of a pipeline file
// (nil, nil when there is none):
//
//	uncertainty:
//	  runs: 1000            # model runs (the Saltelli design runs N(d+2) ≤ runs)
//	  seed: 42
//	  weights: {levels: [2, 3], noise: 0.25}      # or [{level: 2, noise: 0.25}, …]
//	  alternatives:
//	    treat.winmax: [1, 2, 3, 4, 5]
//	    normalise: [{method: minmax, min: 0, max: 100}, {method: zscore, mean: 10, sd: 2}]
//	    aggregate: [{method: amean}, {method: gmean}]
//	    normalise.benchmark: [mean, median]
//	  design: saltelli      # or random (no Sobol indices)
//	  code: Index           # the aggregate to rank (default: classified column or index)
//
// An alternative's key is a step name (each option replaces the step's whole
// block) or a dotted path into a step's block (each option replaces that
// field, creating the block or field if the file has none). The pipeline of a
// combination is the file with the chosen options written in — step-level
// replacements first, then fields — parsed as ParsePipelineYAML does, so
// every option is checked by the same rules; an option that does not parse
// is an error naming the key and the option.
func ParseUncertaintyYAML(b []byte) (*Uncertainty, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return nil, indus.Errorf(indus.EInvalid, "pipeline YAML: %v", err)
	}
	if len(root.Content) == 0 {
		return nil, nil
	}
	doc := root.Content[0]
	m, err := mapping(doc, "pipeline")
	if err != nil {
		return nil, err
	}
	un, ok := m["uncertainty"]
	if !ok {
		return nil, nil
	}
	um, err := mapping(un, "uncertainty")
	if err != nil {
		return nil, err
	}
	if err := fields(um, "uncertainty", "runs", "seed", "weights", "alternatives", "design", "code"); err != nil {
		return nil, err
	}
	u := &Uncertainty{Runs: 1000}
	if v, ok := um["runs"]; ok {
		if u.Runs, err = scalarInt(v, "uncertainty.runs"); err != nil {
			return nil, err
		}
		if u.Runs < 1 {
			return nil, indus.Errorf(indus.EInvalid, "pipeline YAML: uncertainty.runs (line %d) must be at least 1", v.Line)
		}
	}
	if v, ok := um["seed"]; ok {
		s, err := scalarString(v, "uncertainty.seed")
		if err != nil {
			return nil, err
		}
		if u.Seed, err = strconv.ParseUint(strings.TrimSpace(s), 10, 64); err != nil {
			return nil, indus.Errorf(indus.EInvalid, "pipeline YAML: uncertainty.seed (line %d): %q is not a non-negative whole number", v.Line, s)
		}
	}
	if v, ok := um["design"]; ok {
		if u.Design, err = scalarString(v, "uncertainty.design"); err != nil {
			return nil, err
		}
		if u.Design != DesignSaltelli && u.Design != DesignRandom {
			return nil, indus.Errorf(indus.EInvalid, "pipeline YAML: uncertainty.design %q (want saltelli or random)", u.Design)
		}
	}
	if v, ok := um["code"]; ok {
		if u.Code, err = scalarString(v, "uncertainty.code"); err != nil {
			return nil, err
		}
	}
	if v, ok := um["weights"]; ok {
		if u.Weights, err = parseWeightNoise(v); err != nil {
			return nil, err
		}
	}
	if v, ok := um["alternatives"]; ok {
		if err := parseAlternatives(u, doc, v); err != nil {
			return nil, err
		}
	}
	return u, nil
}

func parseWeightNoise(n *yaml.Node) ([]WeightNoise, error) {
	one := func(m map[string]*yaml.Node, where string, levelsKey string) ([]WeightNoise, error) {
		if err := fields(m, where, levelsKey, "noise"); err != nil {
			return nil, err
		}
		nn, ok := m["noise"]
		if !ok {
			return nil, indus.Errorf(indus.EInvalid, "pipeline YAML: %s needs noise", where)
		}
		noise, err := scalarFloat(nn, where+".noise")
		if err != nil {
			return nil, err
		}
		if noise < 0 || noise > 1 {
			return nil, indus.Errorf(indus.EInvalid, "pipeline YAML: %s.noise (line %d) must be between 0 and 1", where, nn.Line)
		}
		ln, ok := m[levelsKey]
		if !ok {
			return nil, indus.Errorf(indus.EInvalid, "pipeline YAML: %s needs %s", where, levelsKey)
		}
		var levels []*yaml.Node
		switch {
		case levelsKey == "level":
			levels = []*yaml.Node{ln}
		case ln.Kind == yaml.SequenceNode:
			levels = ln.Content
		default:
			return nil, indus.Errorf(indus.EInvalid, "pipeline YAML: %s.levels (line %d) must be a list of levels", where, ln.Line)
		}
		var out []WeightNoise
		for _, l := range levels {
			lev, err := scalarInt(l, where+"."+levelsKey)
			if err != nil {
				return nil, err
			}
			out = append(out, WeightNoise{Level: lev, Noise: noise})
		}
		return out, nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		m, _ := mapping(n, "uncertainty.weights")
		return one(m, "uncertainty.weights", "levels")
	case yaml.SequenceNode:
		var out []WeightNoise
		for i, e := range n.Content {
			where := fmt.Sprintf("uncertainty.weights[%d]", i+1)
			m, err := mapping(e, where)
			if err != nil {
				return nil, err
			}
			w, err := one(m, where, "level")
			if err != nil {
				return nil, err
			}
			out = append(out, w...)
		}
		return out, nil
	}
	return nil, indus.Errorf(indus.EInvalid, "pipeline YAML: uncertainty.weights (line %d) must be {levels: [...], noise: x} or a list of {level, noise}", n.Line)
}

// yamlAlt is one alternative read from the file: its key path and options.
type yamlAlt struct {
	key     string
	path    []string
	options []*yaml.Node
}

func parseAlternatives(u *Uncertainty, doc, n *yaml.Node) error {
	if _, err := mapping(n, "uncertainty.alternatives"); err != nil {
		return err
	}
	var alts []yamlAlt
	for i, key := range orderedKeys(n) {
		v := n.Content[2*i+1]
		where := "uncertainty.alternatives." + key
		path := strings.Split(key, ".")
		if !slices.Contains(canonicalOrder, path[0]) {
			return indus.Errorf(indus.EInvalid, "pipeline YAML: %s: %q is not a step (want %s)", where, path[0], strings.Join(canonicalOrder, ", "))
		}
		for _, p := range path {
			if p == "" {
				return indus.Errorf(indus.EInvalid, "pipeline YAML: %s: empty part in the key", where)
			}
		}
		if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
			return indus.Errorf(indus.EInvalid, "pipeline YAML: %s (line %d) must be a non-empty list of options", where, v.Line)
		}
		a := yamlAlt{key: key, path: path, options: v.Content}
		alts = append(alts, a)
		labels := make([]string, len(v.Content))
		for k, o := range v.Content {
			labels[k] = renderYAML(o)
		}
		u.Alternatives = append(u.Alternatives, Alternative{Key: key, Labels: labels})
	}
	// Step-level replacements first, then fields, each group in file order.
	order := make([]int, len(alts))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return len(alts[a].path) - len(alts[b].path) })
	u.Build = func(choice []int) (Pipeline, error) {
		c := cloneYAML(doc)
		for _, k := range order {
			a := alts[k]
			if err := setYAMLPath(c, a.path, cloneYAML(a.options[choice[k]])); err != nil {
				return Pipeline{}, fmt.Errorf("%s: %w", a.key, err)
			}
		}
		return parsePipelineDoc(c)
	}
	// Check every option on its own (the others at their first option).
	choice := make([]int, len(alts))
	for k, a := range alts {
		for o := range a.options {
			choice[k] = o
			p, err := u.Build(choice)
			if err == nil {
				err = checkMethods(p)
			}
			if err != nil {
				return indus.Errorf(indus.EInvalid, "pipeline YAML: uncertainty.alternatives.%s option %d (%s, line %d): %s",
					a.key, o+1, u.Alternatives[k].Labels[o], a.options[o].Line, indus.Message(err))
			}
		}
		choice[k] = 0
	}
	return nil
}

// setYAMLPath sets m[path[0]][path[1]]… = v, creating mappings on the way.
func setYAMLPath(m *yaml.Node, path []string, v *yaml.Node) error {
	cur := m
	for i, p := range path {
		if cur.Kind != yaml.MappingNode {
			return indus.Errorf(indus.EInvalid, "%s is not a mapping, so it has no field %q", strings.Join(path[:i], "."), p)
		}
		var next *yaml.Node
		for j := 0; j+1 < len(cur.Content); j += 2 {
			if cur.Content[j].Value == p {
				if i == len(path)-1 {
					cur.Content[j+1] = v
					return nil
				}
				next = cur.Content[j+1]
				break
			}
		}
		if next == nil {
			key := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: p}
			if i == len(path)-1 {
				cur.Content = append(cur.Content, key, v)
				return nil
			}
			next = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			cur.Content = append(cur.Content, key, next)
		}
		cur = next
	}
	return nil
}

// cloneYAML deep-copies a node.
func cloneYAML(n *yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	c := *n
	if n.Alias != nil {
		c.Alias = cloneYAML(n.Alias)
	}
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, e := range n.Content {
		c.Content[i] = cloneYAML(e)
	}
	return &c
}

// renderYAML writes a node in compact flow style, for option labels.
func renderYAML(n *yaml.Node) string {
	switch n.Kind {
	case yaml.ScalarNode:
		return n.Value
	case yaml.AliasNode:
		return renderYAML(n.Alias)
	case yaml.SequenceNode:
		parts := make([]string, len(n.Content))
		for i, e := range n.Content {
			parts[i] = renderYAML(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case yaml.MappingNode:
		var parts []string
		for i := 0; i+1 < len(n.Content); i += 2 {
			parts = append(parts, n.Content[i].Value+": "+renderYAML(n.Content[i+1]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return ""
}

// normMethods lists the normalisation methods that NormaliseVector knows.
var normMethods = []string{"", NormMinMax, NormZScore, NormRank, NormPRank, NormBorda, NormDist2Max, NormDist2Ref,
	NormDist2Targ, NormFracMax, NormGoalposts, NormScaled, NormRatio, NormNone}

// checkMethods rejects what the parser lets through and only a run would
// find: an unknown normalisation method or ratio benchmark. Runs of an
// uncertainty analysis that fail are counted, not fatal, so a typo in an
// option must be caught here.
func checkMethods(p Pipeline) error {
	for _, s := range p.Steps {
		n, ok := s.(Normalise)
		if !ok {
			continue
		}
		specs := map[string]NormSpec{"normalise": n.Default}
		for code, sp := range n.ByCode {
			specs["normalise.by_indicator."+code] = sp
		}
		for where, sp := range specs {
			if !slices.Contains(normMethods, sp.Method) {
				return indus.Errorf(indus.EInvalid, "%s: unknown method %q", where, sp.Method)
			}
		}
	}
	return nil
}
