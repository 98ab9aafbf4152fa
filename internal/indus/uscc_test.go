package indus

import "testing"

func TestCheckUSCC(t *testing.T) {
	tests := []struct {
		code string
		want USCCProblem
	}{
		// Known valid codes from DOMAIN.md §3.
		{"91350100M000100Y43", USCCValid},
		{"91110000600037341L", USCCValid},
		{"914403001922038216", USCCValid},
		{"91350100M000100Y44", USCCCheckFailed}, // last character altered
		{"91350100M000100Y4", USCCMalformed},    // 17 characters
		{"91350100M000100YI3", USCCMalformed},   // I never occurs
		{"91350100m000100Y43", USCCMalformed},   // lower case is not normalised here
		{"", USCCMalformed},
	}
	for _, tt := range tests {
		got, msg := CheckUSCC(tt.code)
		if got != tt.want {
			t.Errorf("CheckUSCC(%q) = %v (%s), want %v", tt.code, got, msg, tt.want)
		}
		if got != USCCValid && msg == "" {
			t.Errorf("CheckUSCC(%q): no message for a problem", tt.code)
		}
	}
}

func TestUSCCCheckCharRecomputesKnownCodes(t *testing.T) {
	for _, code := range []string{"91350100M000100Y43", "91110000600037341L", "914403001922038216"} {
		c, err := USCCCheckChar(code[:17])
		if err != nil || c != code[17] {
			t.Errorf("check char of %s = %q, %v; want %q", code, c, err, code[17])
		}
	}
	if _, err := USCCCheckChar("9135010OM000100Y4"); err == nil {
		t.Error("O in the body must be rejected")
	}
}

func TestNormalizeAndDivision(t *testing.T) {
	if got := NormalizeUSCC("  91350100m000100y43 "); got != "91350100M000100Y43" {
		t.Errorf("NormalizeUSCC = %q", got)
	}
	if got := USCCDivision("91500112MA5U000000"); got != "500112" {
		t.Errorf("USCCDivision = %q", got)
	}
}

func FuzzCheckUSCC(f *testing.F) {
	f.Add("91350100M000100Y43")
	f.Add("914403001922038216")
	f.Add("\xff\xfe")
	f.Fuzz(func(t *testing.T, s string) {
		p, msg := CheckUSCC(s)
		if p == USCCValid {
			c, err := USCCCheckChar(s[:17])
			if err != nil || c != s[17] {
				t.Fatalf("%q reported valid but check char is %q (%v)", s, c, err)
			}
		} else if msg == "" {
			t.Fatalf("%q: problem without message", s)
		}
	})
}

func TestMonth(t *testing.T) {
	m, err := ParseMonth("2024-03")
	if err != nil || m.String() != "2024-03" {
		t.Fatalf("ParseMonth = %v, %v", m, err)
	}
	if got := m.AddMonths(-3).String(); got != "2023-12" {
		t.Errorf("AddMonths(-3) = %s", got)
	}
	if _, err := ParseMonth("2024-13"); err == nil || Code(err) != EInvalid {
		t.Errorf("ParseMonth(2024-13) err = %v", err)
	}
}
