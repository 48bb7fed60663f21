package transfer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

const (
	sniffSize = 64 << 10
	// maxRecord bounds the memory of one row. encoding/csv reads a quoted
	// field until its closing quote, so without a bound one stray quote in a
	// 2 GB file would load the rest of the file into memory.
	maxRecord = 8 << 20
)

// Encodings a CSV table decodes. Lines are cut into cells on the raw bytes for
// all of them but UTF-16: the bytes of a GB18030 character are 0x30–0x39 or
// 0x40 and above, never a quote, comma, semicolon, tab, CR or LF, so cutting
// first and decoding only the non-ASCII cells afterwards is exact, and much
// cheaper than decoding the whole stream.
const (
	encASCII   = iota // only ASCII so far: undecided between UTF-8 and GB18030
	encUTF8           // validated cell by cell
	encGB18030        // decoded cell by cell
	encDecoded        // decoded as a stream (UTF-16), nothing left to check
)

var errRecordTooLong = errors.New("record too long")

type csvTable struct {
	file   *os.File
	br     *bufio.Reader
	guard  *guardReader
	cr     *csv.Reader
	in     *bufio.Reader // what cr reads: br, or a reader of br's lines with CR made LF
	header []string
	info   TableInfo
	enc    int
	gb     *encoding.Decoder
	src    []byte // GB18030 decoding buffers, reused across rows
	dst    []byte
	spans  []int // cell index, start, end in dst
	skip   int64 // bytes of BOM skipped
	raw    *countReader
	line   int   // line of the last record read
	err    error // sticky

	// fast lets quickRecord take lines without quotes from in directly,
	// into rec. cr does not see those lines, so its line numbers and
	// offset are behind by quickLines and quickBytes; csvLines counts the
	// lines cr has read.
	fast       bool
	rec        []string
	quickLines int
	quickBytes int64
	csvLines   int
}

// guardReader sits under the CSV reader's buffer and fails once one record
// has pulled more than maxRecord bytes from the file.
type guardReader struct {
	r     io.Reader
	n     int64
	start int64
}

func (g *guardReader) Read(p []byte) (int, error) {
	if g.n-g.start > maxRecord {
		return 0, errRecordTooLong
	}
	n, err := g.r.Read(p)
	g.n += int64(n)
	return n, err
}

// crReader turns the lone CR line ends of old Mac Excel ("CSV (Macintosh)")
// into LF, which encoding/csv needs.
type crReader struct{ r io.Reader }

func (c crReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i, b := range p[:n] {
		if b == '\r' {
			p[i] = '\n'
		}
	}
	return n, err
}

// openCSV sniffs the encoding and delimiter and reads the header.
//
// Encoding: a UTF-8 BOM is stripped; a UTF-16 BOM (Excel's "Unicode Text")
// switches to decoding UTF-16. Otherwise the first 64 KB decide: valid UTF-8
// with some non-ASCII is UTF-8; anything else non-ASCII is GB18030, the
// superset of GBK that Chinese Windows Excel writes. If the first 64 KB are
// ASCII, the first non-ASCII row decides later the same way.
//
// Delimiter: comma, semicolon or tab, whichever occurs most often outside
// quotes in the header line, preferring one that occurs as often in line 2.
//
// Quoting is strict RFC 4180 (LazyQuotes off), which is what Excel writes;
// lenient quoting would silently merge lines of files that are broken, which
// is worse than reporting the line.
func openCSV(f *os.File, name string, size int64, head []byte, fast bool) (*csvTable, error) {
	t := &csvTable{file: f, info: TableInfo{Format: "csv", Size: size, Encoding: "UTF-8"}, fast: fast}
	t.raw = &countReader{r: f}
	var src io.Reader = t.raw
	switch {
	case bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")):
		t.skip, t.info.Encoding = 3, "UTF-8 BOM"
	case bytes.HasPrefix(head, []byte("\xFF\xFE")):
		t.info.Encoding, t.enc = "UTF-16LE", encDecoded
		src = transform.NewReader(src, unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder())
	case bytes.HasPrefix(head, []byte("\xFE\xFF")):
		t.info.Encoding, t.enc = "UTF-16BE", encDecoded
		src = transform.NewReader(src, unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder())
	}
	if _, err := f.Seek(t.skip, io.SeekStart); err != nil {
		return nil, err
	}
	t.guard = &guardReader{r: src}
	t.br = bufio.NewReaderSize(t.guard, sniffSize)
	sample, err := t.br.Peek(sniffSize)
	if err != nil && err != io.EOF {
		return nil, err
	}
	if len(bytes.TrimSpace(sample)) == 0 {
		return nil, &FileError{Code: "empty", File: name}
	}
	if bytes.IndexByte(sample, 0) >= 0 {
		return nil, &FileError{Code: "binary", File: name}
	}
	if bytes.HasPrefix(bytes.TrimSpace(sample), []byte("<")) {
		return nil, &FileError{Code: "html", File: name}
	}
	if t.enc != encDecoded {
		t.enc = sniffEncoding(sample, len(sample) < sniffSize)
		if t.enc == encGB18030 {
			t.info.Encoding = "GB18030"
		}
	}
	t.gb = simplifiedchinese.GB18030.NewDecoder()
	delim := sniffDelimiter(sample)
	t.info.Delimiter = string(delim)
	t.in = t.br
	if bytes.IndexByte(sample, '\r') >= 0 && bytes.IndexByte(sample, '\n') < 0 {
		t.in = bufio.NewReaderSize(crReader{t.br}, sniffSize)
	}
	// csv.NewReader reads from t.in itself, not through a buffer of its
	// own, since t.in is a bufio.Reader over 4 KB: quickRecord and cr take
	// turns on the same bytes.
	t.cr = csv.NewReader(t.in)
	t.cr.Comma = rune(delim)
	t.cr.FieldsPerRecord = -1
	t.cr.ReuseRecord = true

	row, _, err := t.Next()
	switch {
	case err == io.EOF:
		return nil, &FileError{Code: "empty", File: name}
	case err != nil:
		return nil, err
	}
	// trimHeader also drops a second BOM, left by files converted twice.
	t.header = trimHeader(row)
	return t, nil
}

// Offset returns how many bytes of the file have been read, for progress bars.
func (t *csvTable) Offset() int64 {
	if t.enc == encDecoded {
		return t.raw.n
	}
	return t.skip + t.quickBytes + t.cr.InputOffset()
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (t *csvTable) Header() []string { return t.header }
func (t *csvTable) Info() TableInfo  { return t.info }
func (t *csvTable) Close() error     { return t.file.Close() }

func (t *csvTable) Next() ([]string, int, error) {
	for t.err == nil {
		t.guard.start = t.guard.n
		if rec, line, clean, ok := t.quickRecord(); ok {
			t.line = line
			if !clean {
				if err := t.decode(rec, line); err != nil {
					return nil, line, err
				}
			}
			if blank(rec) {
				continue
			}
			return rec, line, nil
		}
		rec, err := t.cr.Read()
		if err != nil {
			var pe *csv.ParseError
			switch {
			case err == io.EOF:
				return nil, 0, io.EOF
			case errors.Is(err, errRecordTooLong):
				t.err = &LineError{Line: t.line + 1, Code: "record_too_long", Column: -1, Err: err}
			case errors.As(err, &pe) && pe.Err != nil && !errors.Is(pe.Err, errRecordTooLong):
				// The reader has consumed the bad record and can go on.
				t.csvLines = pe.Line
				line := pe.StartLine + t.quickLines
				return nil, line, &LineError{Line: line, Code: "csv_syntax", Column: -1, Err: pe.Err}
			default:
				t.err = &LineError{Line: t.line + 1, Code: "read_error", Column: -1, Err: err}
			}
			break
		}
		line, _ := t.cr.FieldPos(0)
		// cr has read up to the record's last line: a line end inside a
		// quoted cell is a line more.
		t.csvLines = line
		for _, c := range rec {
			t.csvLines += strings.Count(c, "\n")
		}
		line += t.quickLines
		t.line = line
		if err := t.decode(rec, line); err != nil {
			return nil, line, err
		}
		if blank(rec) {
			continue
		}
		return rec, line, nil
	}
	return nil, 0, t.err
}

// quickRecord takes the next record from the buffer without encoding/csv
// when it is a whole line with no quote, which is nearly every line of an
// export: its cells are then the text between delimiters, exactly as
// encoding/csv reads them, at half the cost. Anything else (a quote, a line
// longer than the buffer, the last line without a line end) is left to cr.
// Lines with no text are skipped, as cr skips them. line is the record's
// line number; clean says its text needs no decoding or checking.
func (t *csvTable) quickRecord() (rec []string, line int, clean, ok bool) {
	if !t.fast {
		return nil, 0, false, false
	}
	for {
		b, _ := t.in.Peek(t.in.Buffered())
		end := bytes.IndexByte(b, '\n')
		if end < 0 {
			// Not a whole line buffered: fill the buffer and look again.
			b, _ = t.in.Peek(t.in.Size())
			if end = bytes.IndexByte(b, '\n'); end < 0 {
				return nil, 0, false, false
			}
		}
		if bytes.IndexByte(b[:end], '"') >= 0 {
			return nil, 0, false, false
		}
		text := b[:end]
		if end > 0 && text[end-1] == '\r' {
			text = text[:end-1] // encoding/csv reads CRLF as LF
		}
		t.quickLines++
		t.quickBytes += int64(end + 1)
		if len(text) == 0 {
			t.in.Discard(end + 1)
			continue
		}
		switch t.enc {
		case encDecoded:
			clean = true
		case encUTF8:
			// Every cell is valid UTF-8 if the line is: the delimiters
			// are ASCII, so no character spans two cells.
			clean = utf8.Valid(text)
		default:
			clean = isASCII(text)
		}
		row := string(text)
		t.in.Discard(end + 1)
		comma := byte(t.cr.Comma)
		t.rec = t.rec[:0]
		for {
			i := strings.IndexByte(row, comma)
			if i < 0 {
				break
			}
			t.rec = append(t.rec, row[:i])
			row = row[i+1:]
		}
		t.rec = append(t.rec, row)
		return t.rec, t.csvLines + t.quickLines, clean, true
	}
}

// decode checks or converts the cells of rec in place according to the
// encoding, deciding it on the first non-ASCII row if the sniff could not.
func (t *csvTable) decode(rec []string, line int) error {
	switch t.enc {
	case encUTF8:
		for i, s := range rec {
			if !utf8.ValidString(s) {
				return &LineError{Line: line, Code: "bad_utf8", Column: i}
			}
		}
	case encGB18030:
		// All the cells of a row are decoded into one buffer and become one
		// string, so a row costs one allocation however many cells are Chinese.
		t.dst, t.spans = t.dst[:0], t.spans[:0]
		for i, s := range rec {
			if !isASCII(s) {
				start := len(t.dst)
				t.dst = t.appendGB(t.dst, s)
				t.spans = append(t.spans, i, start, len(t.dst))
			}
		}
		if len(t.spans) > 0 {
			all := string(t.dst)
			for k := 0; k < len(t.spans); k += 3 {
				rec[t.spans[k]] = all[t.spans[k+1]:t.spans[k+2]]
			}
		}
	case encASCII:
		for _, s := range rec {
			if !isASCII(s) {
				t.decide(rec)
				return t.decode(rec, line)
			}
		}
	}
	return nil
}

// decide picks UTF-8 or GB18030 from the first row with non-ASCII text and
// the bytes buffered after it.
func (t *csvTable) decide(rec []string) {
	t.enc = encUTF8
	for _, s := range rec {
		if !utf8.ValidString(s) {
			t.enc = encGB18030
		}
	}
	if next, _ := t.br.Peek(t.br.Buffered()); t.enc == encUTF8 && sniffEncoding(next, false) == encGB18030 {
		t.enc = encGB18030
	}
	if t.enc == encGB18030 {
		t.info.Encoding = "GB18030"
	}
}

// appendGB appends the UTF-8 of the GB18030 text s to dst. Invalid bytes
// become U+FFFD, as the decoder does; they cannot be told from text anyway.
func (t *csvTable) appendGB(dst []byte, s string) []byte {
	t.src = append(t.src[:0], s...)
	src := t.src
	t.gb.Reset()
	for {
		// One GB18030 byte never makes more than 3 bytes of UTF-8 (U+FFFD).
		if need := len(dst) + 3*len(src) + 8; cap(dst) < need {
			dst = append(dst[:cap(dst)], make([]byte, need-cap(dst))...)[:len(dst)]
		}
		n, m, err := t.gb.Transform(dst[len(dst):cap(dst)], src, true)
		dst, src = dst[:len(dst)+n], src[m:]
		if err != transform.ErrShortDst || (n == 0 && m == 0) {
			return dst
		}
	}
}

func isASCII[T string | []byte](s T) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// sniffEncoding classifies a sample; complete says the sample is the whole
// file, so a truncated character at its end is an error, not the cut.
func sniffEncoding(b []byte, complete bool) int {
	if isASCII(string(b)) {
		return encASCII
	}
	if utf8.Valid(b) {
		return encUTF8
	}
	if !complete {
		for k := 1; k <= 3 && k < len(b); k++ {
			if !utf8.FullRune(b[len(b)-k:]) && utf8.Valid(b[:len(b)-k]) {
				return encUTF8
			}
		}
	}
	return encGB18030
}

// sniffDelimiter counts the candidates outside quotes in the first two
// non-blank lines.
func sniffDelimiter(b []byte) byte {
	cands := [3]byte{',', ';', '\t'}
	var counts [2][3]int
	rec, started, inQ := 0, false, false
	for i := 0; i < len(b) && rec < 2; i++ {
		c := b[i]
		switch {
		case c == '"':
			inQ = !inQ
			started = true
		case inQ:
		case c == '\n' || c == '\r':
			if started {
				rec++
				started = false
			}
		default:
			started = true
			for k, d := range cands {
				if c == d {
					counts[rec][k]++
				}
			}
		}
	}
	line2 := rec == 2 || (rec == 1 && started)
	best, bestN := -1, 0
	for pass := 0; pass < 2 && best < 0; pass++ {
		for k := range cands {
			n := counts[0][k]
			if n == 0 || n <= bestN {
				continue
			}
			if pass == 0 && line2 && counts[1][k] != n {
				continue
			}
			best, bestN = k, n
		}
	}
	if best < 0 {
		return ','
	}
	return cands[best]
}
