package indus

import (
	"fmt"
	"strings"
)

// usccCharset is the GB 32100-2015 alphabet: digits and upper-case letters
// without I, O, Z, S and V; a character's value is its index (0–30).
const usccCharset = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// usccWeights are 3^(i-1) mod 31 for positions 1–17 (GB 32100-2015 §5).
var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// USCCProblem says what is wrong with a Unified Social Credit Code.
type USCCProblem int

// The outcomes of CheckUSCC, from fine to impossible.
const (
	USCCValid USCCProblem = iota
	// USCCCheckFailed: well-formed, but the check character does not match.
	// Some early pilot codes are legal and fail the check, so this is a
	// warning a user may accept.
	USCCCheckFailed
	// USCCMalformed: wrong length or a character outside the alphabet; an error.
	USCCMalformed
)

// NormalizeUSCC trims spaces and upper-cases a code as users type it.
func NormalizeUSCC(s string) string {
	return strings.ToUpper(strings.TrimSpace(s))
}

// USCCCheckChar computes the check character for the first 17 characters of
// a code. It returns an error when one of them is outside the alphabet.
func USCCCheckChar(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, fmt.Errorf("need 17 characters, got %d", len(first17))
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(usccCharset, first17[i])
		if v < 0 {
			return 0, fmt.Errorf("character %q at position %d is not allowed", first17[i], i+1)
		}
		sum += v * usccWeights[i]
	}
	return usccCharset[(31-sum%31)%31], nil
}

// CheckUSCC validates a normalised code and explains any problem in English.
func CheckUSCC(code string) (USCCProblem, string) {
	if len(code) != 18 {
		return USCCMalformed, fmt.Sprintf("unified social credit code %q must have 18 characters, has %d", code, len([]rune(code)))
	}
	for i := 0; i < 18; i++ {
		if strings.IndexByte(usccCharset, code[i]) < 0 {
			return USCCMalformed, fmt.Sprintf("unified social credit code %q: character %q at position %d is not allowed (I, O, Z, S, V and lower case never occur)", code, code[i], i+1)
		}
	}
	want, _ := USCCCheckChar(code[:17])
	if code[17] != want {
		return USCCCheckFailed, fmt.Sprintf("unified social credit code %q: check character is %q, expected %q (early pilot codes may legally fail this check)", code, code[17], want)
	}
	return USCCValid, ""
}

// USCCDivision returns the registering authority's division code (positions
// 3–8), e.g. 500112 for Yubei district.
func USCCDivision(code string) string {
	if len(code) < 8 {
		return ""
	}
	return code[2:8]
}
