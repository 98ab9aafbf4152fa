package synth

import "github.com/indus-platform/indus/internal/indus"

// Version is the generator's version. The same seed and version give the
// same bytes; any change to the algorithm that changes output bumps it.
const Version = "1.0.0"

// The scales.
const (
	// ScaleCity is Chongqing as published: about 7,000 above-size and 15,000
	// below-size industrial enterprises plus 3,000 software firms.
	ScaleCity = "city"
	// ScaleNational multiplies every count and target by NationalFactor
	// (about 1,000,000 enterprises) with the same shape, for benchmarks.
	ScaleNational = "national"
)

// NationalFactor is how many times larger the national scale is.
const NationalFactor = 40

// Default and allowed years.
const (
	DefaultFromYear = 2019
	DefaultToYear   = 2025
	MinYear         = 2000
	MaxYear         = 2035
)

// Config says what to generate.
type Config struct {
	Seed     int64  // any value; the same seed gives byte-identical files
	Scale    string // ScaleCity (default) or ScaleNational
	FromYear int    // first year of annual and monthly data (default 2019)
	ToYear   int    // last year (default 2025)
}

// WithDefaults fills in the zero fields.
func (c Config) WithDefaults() Config {
	if c.Scale == "" {
		c.Scale = ScaleCity
	}
	if c.FromYear == 0 {
		c.FromYear = DefaultFromYear
	}
	if c.ToYear == 0 {
		c.ToYear = DefaultToYear
	}
	return c
}

// Validate checks a configuration (after WithDefaults) and explains the
// first problem in a message meant for the user.
func (c Config) Validate() error {
	if c.Scale != ScaleCity && c.Scale != ScaleNational {
		return indus.Errorf(indus.EInvalid, "unknown scale %q: use %q (Chongqing, about 25,000 enterprises) or %q (about 1,000,000, for benchmarks)", c.Scale, ScaleCity, ScaleNational)
	}
	if c.FromYear < MinYear || c.FromYear > MaxYear || c.ToYear < MinYear || c.ToYear > MaxYear {
		return indus.Errorf(indus.EInvalid, "years must lie between %d and %d, got %d to %d", MinYear, MaxYear, c.FromYear, c.ToYear)
	}
	if c.FromYear > c.ToYear {
		return indus.Errorf(indus.EInvalid, "the first year (%d) is after the last year (%d)", c.FromYear, c.ToYear)
	}
	return nil
}

func (c Config) factor() int {
	if c.Scale == ScaleNational {
		return NationalFactor
	}
	return 1
}
