package ingest

import (
	"strings"
	"unicode/utf8"
)

// foldWidth maps full-width ASCII (U+FF01–U+FF5E) to ASCII, the ideographic
// space to a space, CJK brackets to ASCII brackets and a few dashes and
// minus signs to '-'. Other text is unchanged. It returns s itself when
// nothing changes, so the common case does not allocate.
func foldWidth(s string) string {
	i := 0
	for ; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			break
		}
	}
	if i == len(s) {
		return s
	}
	changed := false
	for _, r := range s[i:] {
		if foldRune(r) != r {
			changed = true
			break
		}
	}
	if !changed {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for _, r := range s[i:] {
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

func foldRune(r rune) rune {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E:
		return r - 0xFF01 + '!'
	case r == 0x3000:
		return ' '
	case r == '【' || r == '〔' || r == '［' || r == '〖':
		return '['
	case r == '】' || r == '〕' || r == '］' || r == '〗':
		return ']'
	case r == '\u2212' || r == '\u2010' || r == '\u2011' || r == '\u2012':
		return '-'
	}
	return r
}

// isSpace reports the spaces that analysts' files carry around values:
// ASCII white space, no-break space and the ideographic space.
func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f' || r == 0xA0 || r == 0x3000 || r == 0xFEFF
}

// trimCell trims spaces from both ends; it does not allocate.
func trimCell(s string) string {
	// Fast path for ASCII ends.
	for len(s) > 0 {
		c := s[0]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			s = s[1:]
			continue
		}
		if c < utf8.RuneSelf {
			break
		}
		r, n := utf8.DecodeRuneInString(s)
		if !isSpace(r) {
			break
		}
		s = s[n:]
	}
	for len(s) > 0 {
		c := s[len(s)-1]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			s = s[:len(s)-1]
			continue
		}
		if c < utf8.RuneSelf {
			break
		}
		r, n := utf8.DecodeLastRuneInString(s)
		if !isSpace(r) {
			break
		}
		s = s[:len(s)-n]
	}
	return s
}

// cellProblem reports a NUL byte, invalid UTF-8 or a replacement character
// (what a decoder leaves for bytes that are not valid in the file's
// encoding). It returns "" for a clean cell.
func cellProblem(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == 0 {
			return "nul"
		}
		if c >= utf8.RuneSelf {
			rest := s[i:]
			if !utf8.ValidString(rest) {
				return "encoding"
			}
			if strings.ContainsRune(rest, utf8.RuneError) {
				return "encoding"
			}
			if strings.IndexByte(rest, 0) >= 0 {
				return "nul"
			}
			return ""
		}
	}
	return ""
}

// printable makes a value safe to show in a finding: invalid UTF-8 becomes
// the replacement character.
func printable(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// levenshtein is the edit distance between two strings, in runes.
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) == 0 {
		return len(rb)
	}
	if len(rb) == 0 {
		return len(ra)
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
