package server

import "testing"

// A change that rounds to 0.0% must not read as "0.0%": the firm still has
// to move a little.
func TestChangePctNeverReadsZero(t *testing.T) {
	for _, c := range []struct {
		lang string
		pct  float64
		want string
	}{
		{"en", 0.0004, "less than 0.1%"}, {"zh", 0.049, "不足 0.1%"}, {"en", 0.05, "0.1%"}, {"zh", 12.34, "12.3%"}, {"en", 250, "250.0%"},
	} {
		if got := changePct(c.lang, c.pct); got != c.want {
			t.Errorf("changePct(%s, %v) = %q, want %q", c.lang, c.pct, got, c.want)
		}
	}
}
