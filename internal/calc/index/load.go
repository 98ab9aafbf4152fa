package index

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/indus-platform/indus/internal/indus"
)

// readCSV reads a whole CSV (UTF-8, optional BOM) and returns the header and
// the records; every record has the header's width.
func readCSV(r io.Reader, source string) ([]string, [][]string, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", source, err)
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	cr := csv.NewReader(bytes.NewReader(b))
	cr.FieldsPerRecord = 0
	recs, err := cr.ReadAll()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, nil, indus.Errorf(indus.EInvalid, "%s: row %d: %v", source, pe.Line, pe.Err)
		}
		return nil, nil, indus.Errorf(indus.EInvalid, "%s: %v", source, err)
	}
	if len(recs) == 0 {
		return nil, nil, indus.Errorf(indus.EInvalid, "%s: empty file (no header)", source)
	}
	header := recs[0]
	for i := range header {
		header[i] = strings.TrimSpace(header[i])
	}
	return header, recs[1:], nil
}

// isNA reports whether a cell means "missing".
func isNA(s string) bool {
	switch strings.TrimSpace(s) {
	case "", "NA", "NaN", "nan", "N/A", "n/a", "NULL", "null":
		return true
	}
	return false
}

// parseNumber parses a numeric cell: missing markers give NaN, Inf/-Inf are
// accepted, anything else that is not a number is an error.
func parseNumber(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if isNA(s) {
		return math.NaN(), nil
	}
	switch s {
	case "Inf", "inf", "+Inf":
		return math.Inf(1), nil
	case "-Inf", "-inf":
		return math.Inf(-1), nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return v, nil
}

// LoadMetaCSV reads a COINr-style meta table from a file; see ReadMetaCSV.
func LoadMetaCSV(path string) (*Framework, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadMetaCSV(f, path)
}

// ReadMetaCSV reads a COINr-style meta table (iMeta) with the columns Level,
// iCode, iName, Direction, Weight, Unit, Target, Denominator, Parent and Type
// (header names are matched case-insensitively; only iCode and Type are
// required, plus Parent for a tree; an optional ScaleFactor column scales
// denominated values). Type is Indicator, Aggregate, Group, Denominator or
// Other (ignored). "NA" or an empty cell means missing. source names the
// input in error messages, which also give the row and column.
func ReadMetaCSV(r io.Reader, source string) (*Framework, error) {
	header, recs, err := readCSV(r, source)
	if err != nil {
		return nil, err
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(h)] = i
	}
	for _, req := range []string{"icode", "type"} {
		if _, ok := col[req]; !ok {
			return nil, indus.Errorf(indus.EInvalid, "%s: missing column %q", source, map[string]string{"icode": "iCode", "type": "Type"}[req])
		}
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	num := func(rec []string, row int, name, label string) (float64, error) {
		v, err := parseNumber(get(rec, name))
		if err != nil {
			return 0, indus.Errorf(indus.EInvalid, "%s: row %d, column %s: %v", source, row, label, err)
		}
		return v, nil
	}
	var nodes []Node
	var groups, denoms []string
	for k, rec := range recs {
		row := k + 2
		code := get(rec, "icode")
		typ := strings.ToLower(get(rec, "type"))
		switch typ {
		case "group":
			groups = append(groups, code)
			continue
		case "denominator":
			denoms = append(denoms, code)
			continue
		case "other":
			continue
		case "indicator", "aggregate":
		default:
			return nil, indus.Errorf(indus.EInvalid, "%s: row %d, column Type: unknown type %q (want Indicator, Aggregate, Group, Denominator or Other)", source, row, get(rec, "type"))
		}
		n := Node{Code: code, Name: get(rec, "iname"), Unit: get(rec, "unit"), Indicator: typ == "indicator"}
		if s := get(rec, "parent"); !isNA(s) {
			n.Parent = s
		}
		if s := get(rec, "denominator"); !isNA(s) {
			n.Denominator = s
		}
		lv, err := num(rec, row, "level", "Level")
		if err != nil {
			return nil, err
		}
		if !math.IsNaN(lv) {
			if lv != math.Trunc(lv) || lv < 1 {
				return nil, indus.Errorf(indus.EInvalid, "%s: row %d, column Level: %g is not a level (1, 2, ...)", source, row, lv)
			}
			n.Level = int(lv)
		}
		if n.Weight, err = num(rec, row, "weight", "Weight"); err != nil {
			return nil, err
		}
		if n.Target, err = num(rec, row, "target", "Target"); err != nil {
			return nil, err
		}
		d, err := num(rec, row, "direction", "Direction")
		if err != nil {
			return nil, err
		}
		if !math.IsNaN(d) {
			if d != 1 && d != -1 {
				return nil, indus.Errorf(indus.EInvalid, "%s: row %d, column Direction: %g (want 1 or -1)", source, row, d)
			}
			n.Direction = int(d)
		}
		sf, err := num(rec, row, "scalefactor", "ScaleFactor")
		if err != nil {
			return nil, err
		}
		if !math.IsNaN(sf) {
			n.ScaleFactor = sf
		}
		nodes = append(nodes, n)
	}
	fw, err := NewFramework(nodes, groups, denoms)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	return fw, nil
}

// yamlNode is one node of a YAML framework (tree or flat form).
type yamlNode struct {
	Code        string     `yaml:"code"`
	Name        string     `yaml:"name"`
	Level       int        `yaml:"level"`
	Parent      string     `yaml:"parent"`
	Weight      *float64   `yaml:"weight"`
	Direction   *int       `yaml:"direction"`
	Unit        string     `yaml:"unit"`
	Target      *float64   `yaml:"target"`
	Denominator string     `yaml:"denominator"`
	ScaleFactor float64    `yaml:"scale_factor"`
	Children    []yamlNode `yaml:"children"`
}

type yamlFramework struct {
	Groups       []string   `yaml:"groups"`
	Denominators []string   `yaml:"denominators"`
	Tree         []yamlNode `yaml:"tree"`
	Nodes        []yamlNode `yaml:"nodes"`
}

// LoadFrameworkYAML reads a framework from a YAML file; see ParseFrameworkYAML.
func LoadFrameworkYAML(path string) (*Framework, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	fw, err := ParseFrameworkYAML(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return fw, nil
}

// ParseFrameworkYAML reads a framework from YAML, either as a nested tree
//
//	groups: [EurAsia_group]
//	denominators: [GDP, Population]
//	tree:
//	  - code: Index
//	    children:
//	      - code: Conn
//	        weight: 1
//	        children:
//	          - {code: LPI, weight: 1, direction: 1}
//	          - {code: Flights, weight: 1, direction: 1, denominator: Population}
//
// or as a flat list "nodes:" whose entries carry parent (and optionally
// level), like COINr's iMeta. A node with children is an aggregate, one
// without is an indicator. Weights are required below the root; a missing
// direction means +1. Unknown keys are errors.
func ParseFrameworkYAML(b []byte) (*Framework, error) {
	var y yamlFramework
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&y); err != nil {
		return nil, indus.Errorf(indus.EInvalid, "framework YAML: %v", err)
	}
	if len(y.Tree) > 0 && len(y.Nodes) > 0 {
		return nil, indus.Errorf(indus.EInvalid, "framework YAML: give either tree or nodes, not both")
	}
	var nodes []Node
	conv := func(yn yamlNode, parent string, indicator bool) Node {
		n := Node{Code: yn.Code, Name: yn.Name, Level: yn.Level, Parent: parent, Unit: yn.Unit,
			Denominator: yn.Denominator, ScaleFactor: yn.ScaleFactor, Indicator: indicator,
			Weight: math.NaN(), Target: math.NaN(), Direction: 1}
		if yn.Weight != nil {
			n.Weight = *yn.Weight
		}
		if yn.Target != nil {
			n.Target = *yn.Target
		}
		if yn.Direction != nil {
			n.Direction = *yn.Direction
		}
		if !indicator {
			n.Direction = 0
		}
		return n
	}
	var walk func(yn yamlNode, parent string) error
	walk = func(yn yamlNode, parent string) error {
		if yn.Parent != "" && yn.Parent != parent {
			return indus.Errorf(indus.EInvalid, "framework YAML: %q: parent %q contradicts its place in the tree (under %q)", yn.Code, yn.Parent, parent)
		}
		nodes = append(nodes, conv(yn, parent, len(yn.Children) == 0))
		for _, c := range yn.Children {
			if err := walk(c, yn.Code); err != nil {
				return err
			}
		}
		return nil
	}
	for _, t := range y.Tree {
		if err := walk(t, ""); err != nil {
			return nil, err
		}
	}
	if len(y.Nodes) > 0 {
		isParent := map[string]bool{}
		for _, yn := range y.Nodes {
			if len(yn.Children) > 0 {
				return nil, indus.Errorf(indus.EInvalid, "framework YAML: %q: flat nodes take parent, not children", yn.Code)
			}
			if yn.Parent != "" {
				isParent[yn.Parent] = true
			}
		}
		for _, yn := range y.Nodes {
			nodes = append(nodes, conv(yn, yn.Parent, !isParent[yn.Code]))
		}
	}
	return NewFramework(nodes, y.Groups, y.Denominators)
}
