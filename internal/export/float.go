package export

import (
	"math"
	"strconv"
)

// formatFloat writes the shortest text that reads back as the same float64,
// so exports round-trip exactly; ±Inf as Inf/-Inf and NaN as empty.
func formatFloat(v float64) string {
	switch {
	case math.IsNaN(v):
		return ""
	case math.IsInf(v, 1):
		return "Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}
