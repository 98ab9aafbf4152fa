package indus

import (
	"fmt"
	"time"
)

// Month is a calendar month, written YYYY-MM.
type Month struct {
	Year  int
	Month time.Month
}

// ParseMonth reads "YYYY-MM" (also "YYYY/MM" and "YYYYMM").
func ParseMonth(s string) (Month, error) {
	for _, layout := range []string{"2006-01", "2006/01", "200601", "2006-1", "2006/1"} {
		if t, err := time.Parse(layout, s); err == nil {
			return Month{t.Year(), t.Month()}, nil
		}
	}
	return Month{}, Errorf(EInvalid, "%q is not a month; write it as YYYY-MM, e.g. 2024-03", s)
}

// String formats the month as YYYY-MM.
func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year, int(m.Month)) }

// Index counts months since year 0, so months can be subtracted and compared.
func (m Month) Index() int { return m.Year*12 + int(m.Month) - 1 }

// MonthFromIndex inverts Index.
func MonthFromIndex(i int) Month { return Month{i / 12, time.Month(i%12 + 1)} }

// AddMonths returns the month n months later (earlier when n < 0).
func (m Month) AddMonths(n int) Month { return MonthFromIndex(m.Index() + n) }
