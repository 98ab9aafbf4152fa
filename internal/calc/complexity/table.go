package complexity

import (
	"sort"
)

// Observation is one row of long-format input: a value for one region and
// one activity. Codes are kept as strings so leading zeros survive.
type Observation struct {
	Region   string
	Activity string
	Value    float64
}

// Pivot builds the dense table that Compute takes from long-format rows:
// every region × activity pair is present (absent pairs are 0), duplicate
// pairs are summed, and regions and activities are sorted as strings. Values
// are not checked here; Compute does that.
func Pivot(obs []Observation) Data {
	regions := make([]string, len(obs))
	acts := make([]string, len(obs))
	for k, o := range obs {
		regions[k], acts[k] = o.Region, o.Activity
	}
	return PivotOnto(obs, regions, acts)
}

// PivotOnto is Pivot on a given set of regions and activities (sorted as
// strings in the result), for example those of every period of a panel, so
// that each period's table has the same rows and columns. Observations whose
// region or activity is not in the sets are ignored.
func PivotOnto(obs []Observation, regions, activities []string) Data {
	regions = sortedUnique(regions)
	activities = sortedUnique(activities)
	ri := make(map[string]int, len(regions))
	for i, r := range regions {
		ri[r] = i
	}
	ai := make(map[string]int, len(activities))
	for j, a := range activities {
		ai[a] = j
	}
	P := len(activities)
	vals := make([]float64, len(regions)*P)
	for _, o := range obs {
		i, ok1 := ri[o.Region]
		j, ok2 := ai[o.Activity]
		if ok1 && ok2 {
			vals[i*P+j] += o.Value
		}
	}
	return Data{Regions: regions, Activities: activities, Values: vals}
}

func sortedUnique(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	w := 0
	for i, v := range out {
		if i == 0 || v != out[w-1] {
			out[w] = v
			w++
		}
	}
	return out[:w]
}
