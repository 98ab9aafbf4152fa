package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/indus-platform/indus/internal/indus"
)

// Encodings a CSV file may be in. Detection: a byte-order mark decides
// (UTF-8, UTF-16); otherwise the text stays undecided while it is ASCII and
// at its first non-ASCII byte up to 64 KiB are checked: valid UTF-8 means
// UTF-8, anything else GB18030 (of which GBK and GB2312 are subsets; it is
// what Chinese Excel writes for "CSV").
const (
	EncodingUTF8    = "utf-8"
	EncodingGB18030 = "gb18030"
	EncodingUTF16LE = "utf-16le"
	EncodingUTF16BE = "utf-16be"
)

// normalizeEncoding accepts the usual spellings of the supported encodings.
func normalizeEncoding(s string) (string, error) {
	switch strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), "_", "-")) {
	case "":
		return "", nil
	case "utf-8", "utf8", "utf-8-sig", "utf8bom", "utf-8-bom":
		return EncodingUTF8, nil
	case "gb18030", "gbk", "gb2312", "cp936", "windows-936", "euc-cn":
		return EncodingGB18030, nil
	case "utf-16le", "utf16le", "utf-16", "utf16", "unicode":
		return EncodingUTF16LE, nil
	case "utf-16be", "utf16be":
		return EncodingUTF16BE, nil
	}
	return "", indus.Errorf(indus.EInvalid, "unknown encoding %q: use utf-8, gb18030 (also gbk, gb2312) or utf-16le", s).
		Zh("未知的编码 %q：请使用 utf-8、gb18030（亦可写 gbk、gb2312）或 utf-16le", s)
}

// sniffWindow is how much text encoding and delimiter detection look at.
const sniffWindow = 64 << 10

// autoDecoder passes ASCII through until the first non-ASCII byte, then
// decides between UTF-8 and GB18030 on the next sniffWindow bytes.
type autoDecoder struct {
	br       *bufio.Reader
	decided  io.Reader
	encoding string
}

func (d *autoDecoder) Read(p []byte) (int, error) {
	if d.decided != nil {
		return d.decided.Read(p)
	}
	peek, err := d.br.Peek(sniffWindow)
	if len(peek) == 0 {
		if err == nil || errors.Is(err, bufio.ErrBufferFull) {
			err = io.EOF
		}
		return 0, err
	}
	atEOF := err != nil && !errors.Is(err, bufio.ErrBufferFull)
	hi := -1
	for i, c := range peek {
		if c >= utf8.RuneSelf {
			hi = i
			break
		}
	}
	if hi < 0 {
		n := copy(p, peek)
		d.br.Discard(n)
		return n, nil
	}
	if hi > 0 {
		n := copy(p, peek[:hi])
		d.br.Discard(n)
		return n, nil
	}
	if validUTF8Prefix(peek, atEOF) {
		d.encoding, d.decided = EncodingUTF8, d.br
	} else {
		d.encoding = EncodingGB18030
		d.decided = transform.NewReader(d.br, simplifiedchinese.GB18030.NewDecoder())
	}
	return d.decided.Read(p)
}

// validUTF8Prefix reports whether b reads as UTF-8: no invalid sequence
// (a sequence cut at the end of the window is fine), or so few against the
// valid multi-byte characters that they are damage in a UTF-8 file (each
// then fails its own cell) rather than GBK, which decoded as UTF-8 gives
// mostly invalid sequences.
func validUTF8Prefix(b []byte, atEOF bool) bool {
	valid, invalid := 0, 0
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n <= 1 {
			if !atEOF && !utf8.FullRune(b) {
				break
			}
			invalid++
		} else if n > 1 {
			valid++
		}
		b = b[n:]
	}
	return invalid == 0 || (valid >= 8 && valid >= 8*invalid)
}

// decodeCSV wraps r so that it yields UTF-8, stripping a byte-order mark.
// It returns the encoding chosen, or the auto-detecting decoder when enc
// is "" and no byte-order mark decides.
func decodeCSV(r io.Reader, enc string) (io.Reader, *autoDecoder, string) {
	br := bufio.NewReaderSize(r, sniffWindow)
	bom, _ := br.Peek(3)
	switch {
	case bytes.HasPrefix(bom, []byte("\xef\xbb\xbf")):
		if enc == "" || enc == EncodingUTF8 {
			br.Discard(3)
			return br, nil, EncodingUTF8
		}
	case bytes.HasPrefix(bom, []byte("\xff\xfe")):
		if enc == "" {
			enc = EncodingUTF16LE
		}
	case bytes.HasPrefix(bom, []byte("\xfe\xff")):
		if enc == "" {
			enc = EncodingUTF16BE
		}
	}
	var dec *encoding.Decoder
	switch enc {
	case "":
		ad := &autoDecoder{br: br}
		return ad, ad, ""
	case EncodingGB18030:
		dec = simplifiedchinese.GB18030.NewDecoder()
	case EncodingUTF16LE:
		dec = unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder()
	case EncodingUTF16BE:
		dec = unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewDecoder()
	default:
		return br, nil, EncodingUTF8
	}
	return transform.NewReader(br, dec), nil, enc
}

// maxRecordBytes bounds one CSV record, so a stray quote cannot make the
// reader hold the rest of a huge file.
const maxRecordBytes = 16 << 20

// csvScanner splits CSV (RFC 4180, tolerant of stray quotes inside fields)
// into records. Its row count is the row a spreadsheet shows: a record
// spanning lines (a quoted line break) is one row and an empty line is a
// row. One string is allocated per record; fields are slices of it.
type csvScanner struct {
	br     *bufio.Reader
	comma  byte
	rec    []byte
	ends   []int
	fields []string
	long   []byte // a line longer than the bufio buffer
	row    int
	line   int
}

func newCSVScanner(r io.Reader, comma byte) *csvScanner {
	br, ok := r.(*bufio.Reader)
	if !ok || br.Size() < sniffWindow {
		br = bufio.NewReaderSize(r, sniffWindow)
	}
	return &csvScanner{br: br, comma: comma}
}

// readLine returns the next line without its line end; the slice is valid
// until the next call. At the end it returns io.EOF with an empty line.
func (s *csvScanner) readLine() ([]byte, error) {
	line, err := s.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		s.long = append(s.long[:0], line...)
		for errors.Is(err, bufio.ErrBufferFull) {
			if len(s.long) > maxRecordBytes {
				return nil, fmt.Errorf("a line is longer than %d MiB", maxRecordBytes>>20)
			}
			line, err = s.br.ReadSlice('\n')
			s.long = append(s.long, line...)
		}
		line = s.long
	}
	if err != nil && err != io.EOF {
		return nil, err
	}
	if len(line) == 0 && err == io.EOF {
		return nil, io.EOF
	}
	s.line++
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
	}
	return line, nil
}

// csvSyntaxError is a CSV structure error that stops the file.
type csvSyntaxError struct {
	row, line int
	msg       string
	msgZh     string
}

func (e *csvSyntaxError) Error() string { return e.msg }

// read returns the next record's fields (valid until the next call) and
// its row number.
func (s *csvScanner) read() ([]string, int, error) {
	line, err := s.readLine()
	if err != nil {
		return nil, 0, err
	}
	s.row++
	startLine := s.line
	fields, err := s.split(line, func() ([]byte, error) {
		if len(s.rec) > maxRecordBytes {
			return nil, &csvSyntaxError{s.row, startLine,
				fmt.Sprintf("a quoted field starting on line %d is longer than %d MiB; a quote is probably not closed", startLine, maxRecordBytes>>20),
				fmt.Sprintf("从第 %d 行开始的带引号字段超过 %d MiB，可能有引号未闭合", startLine, maxRecordBytes>>20)}
		}
		line, err := s.readLine()
		if err == io.EOF {
			return nil, &csvSyntaxError{s.row, startLine,
				fmt.Sprintf("the quoted field starting on line %d is never closed", startLine),
				fmt.Sprintf("从第 %d 行开始的带引号字段没有闭合的引号", startLine)}
		}
		return line, err
	})
	if err != nil {
		return nil, s.row, err
	}
	return fields, s.row, nil
}

// errRecordContinues is what split reports, without a continuation, for a
// record whose quoted field runs past the end of its line.
var errRecordContinues = errors.New("the record continues on the next line")

// split splits the record that begins with line into fields (valid until
// the next call). A quoted field that runs past the end of the line
// continues with the lines more returns; with more nil, split reports
// errRecordContinues instead, so a line can be split on its own exactly as
// the sequential reading would split it. One string is allocated per
// record; fields are slices of it.
func (s *csvScanner) split(line []byte, more func() ([]byte, error)) ([]string, error) {
	s.fields = s.fields[:0]
	if bytes.IndexByte(line, '"') < 0 {
		// No quotes: one string for the line, fields are slices of it.
		str := string(line)
		for {
			i := strings.IndexByte(str, s.comma)
			if i < 0 {
				s.fields = append(s.fields, str)
				return s.fields, nil
			}
			s.fields = append(s.fields, str[:i])
			str = str[i+1:]
		}
	}
	s.rec, s.ends = s.rec[:0], s.ends[:0]
	pos := 0
	for {
		if pos < len(line) && line[pos] == '"' {
			pos++
			for {
				i := bytes.IndexByte(line[pos:], '"')
				if i < 0 {
					if more == nil {
						return nil, errRecordContinues
					}
					s.rec = append(s.rec, line[pos:]...)
					s.rec = append(s.rec, '\n')
					next, err := more()
					if err != nil {
						return nil, err
					}
					line, pos = next, 0
					continue
				}
				s.rec = append(s.rec, line[pos:pos+i]...)
				pos += i + 1
				if pos < len(line) && line[pos] == '"' {
					s.rec = append(s.rec, '"')
					pos++
					continue
				}
				if pos == len(line) || line[pos] == s.comma {
					break
				}
				// A stray quote inside a quoted field: keep it as text.
				s.rec = append(s.rec, '"')
			}
			// Text after the closing quote up to the delimiter is kept too.
			s.ends = append(s.ends, len(s.rec))
			if pos >= len(line) {
				break
			}
			pos++ // the delimiter
			continue
		}
		i := bytes.IndexByte(line[pos:], s.comma)
		if i < 0 {
			s.rec = append(s.rec, line[pos:]...)
			s.ends = append(s.ends, len(s.rec))
			break
		}
		s.rec = append(s.rec, line[pos:pos+i]...)
		s.ends = append(s.ends, len(s.rec))
		pos += i + 1
	}
	str := string(s.rec)
	start := 0
	for _, e := range s.ends {
		s.fields = append(s.fields, str[start:e])
		start = e
	}
	return s.fields, nil
}

// detectDelimiter picks ',', ';' or tab from the start of the text: the one
// whose rows give the best header (most known columns), else the one that
// splits the first line into the most fields. Ties go to ',' then ';'.
func detectDelimiter(sample []byte, atEOF bool) byte {
	if !atEOF {
		if i := bytes.LastIndexByte(sample, '\n'); i >= 0 {
			sample = sample[:i+1]
		}
	}
	cands := []byte{',', ';', '\t'}
	bestScore, best := -1, byte(',')
	for _, c := range cands {
		sc := newCSVScanner(bytes.NewReader(sample), c)
		score := 0
		for i := 0; i < maxHeaderScan; i++ {
			f, _, err := sc.read()
			if err != nil {
				break
			}
			if s := headerScore(f); s > score {
				score = s
			}
		}
		if score > bestScore {
			bestScore, best = score, c
		}
	}
	if bestScore > 0 {
		return best
	}
	// No known header: count delimiters outside quotes on the first non-empty line.
	counts := map[byte]int{}
	inQuote := false
	seen := false
	for _, b := range sample {
		if b == '"' {
			inQuote = !inQuote
			continue
		}
		if inQuote {
			continue
		}
		if b == '\n' {
			if seen {
				break
			}
			continue
		}
		if b != '\r' {
			seen = true
		}
		counts[b]++
	}
	best, bc := ',', counts[',']
	for _, c := range cands[1:] {
		if counts[c] > bc {
			best, bc = c, counts[c]
		}
	}
	return best
}

// csvSource reads rows from a CSV stream.
type csvSource struct {
	sc     *csvScanner
	auto   *autoDecoder
	enc    string
	closer io.Closer
	comma  byte
	size   int64 // bytes in the file, 0 when unknown
}

func (c *csvSource) next() ([]string, int, error) { return c.sc.read() }

func (c *csvSource) close() error {
	if c.closer != nil {
		return c.closer.Close()
	}
	return nil
}

// encoding reports the encoding in use ("" while the text is still ASCII).
func (c *csvSource) encoding() string {
	if c.auto != nil {
		return c.auto.encoding
	}
	return c.enc
}

// openCSV sets up decoding and detects the delimiter.
func openCSV(r io.Reader, enc string) (*csvSource, error) {
	dr, auto, chosen := decodeCSV(r, enc)
	br := bufio.NewReaderSize(dr, sniffWindow)
	sample, err := br.Peek(sniffWindow)
	atEOF := false
	switch {
	case err == nil:
	case err == io.EOF:
		atEOF = true
	default:
		return nil, err
	}
	comma := detectDelimiter(sample, atEOF)
	return &csvSource{sc: newCSVScanner(br, comma), auto: auto, enc: chosen, comma: comma}, nil
}
