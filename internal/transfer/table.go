// Package transfer reads the files users import (customer accounts and revenue
// lines, as CSV or XLSX from Excel and Chinese ERP systems) and parses their
// cells. It streams: a table is read one row at a time in constant memory, so
// a 2 GB, ten-million-line CSV costs the same memory as a small one.
package transfer

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Table is a streaming tabular source: a CSV file or one sheet of a workbook.
type Table interface {
	// Header returns the header cells, trimmed, BOM removed. The header is the
	// first row that is not blank.
	Header() []string
	// Next returns the next row that is not blank and its 1-based row number
	// in the file (the header of a plain file is line 1), or io.EOF at the
	// end. row is only valid until the next call. CSV rows are returned with
	// as many cells as the line has, so ragged rows show in len(row); XLSX
	// rows are padded to the header's length, since a sheet omits empty
	// trailing cells. A *LineError with Code csv_syntax or bad_utf8 concerns
	// that line only and the next call continues; any other error is returned
	// again by every later call.
	Next() (row []string, line int, err error)
	// Info describes what was detected.
	Info() TableInfo
	Close() error
}

// TableInfo describes the file behind a Table.
type TableInfo struct {
	Format string // "csv" or "xlsx"
	// Encoding is "UTF-8", "UTF-8 BOM", "GB18030", "UTF-16LE" or "UTF-16BE"
	// (CSV only). A file whose first 64 KB are plain ASCII reports "UTF-8"
	// until its first non-ASCII cell decides, so read Info after the rows.
	Encoding  string
	Delimiter string // ",", ";" or "\t" (CSV only)
	Sheet     string // the sheet read (XLSX only)
	Size      int64  // file size in bytes
}

// OpenOptions choose what Open reads.
type OpenOptions struct {
	Sheet  string // XLSX: the sheet name; empty means the first sheet
	Format string // "" detects from the content; or "csv" or "xlsx"
}

// FileError explains why a file cannot be read at all. Code is a stable
// identifier for translation: empty, not_xlsx, legacy_xls, html, binary,
// zip_not_csv, unknown_sheet, bad_format.
type FileError struct {
	Code   string
	File   string   // the file's base name
	Detail string   // the underlying reason, the sheet asked for, or the format
	Sheets []string // unknown_sheet: the workbook's sheets
}

func (e *FileError) Error() string {
	f := "file " + e.File
	switch e.Code {
	case "empty":
		return f + " is empty"
	case "not_xlsx":
		return f + " is not an XLSX workbook: " + e.Detail
	case "legacy_xls":
		return f + " is an Excel 97-2003 workbook (.xls) or a password-protected workbook; " +
			"open it in Excel and save it as .xlsx (without a password) or as CSV UTF-8"
	case "html":
		return f + " is a web page (HTML or XML), not a spreadsheet, although some systems export it " +
			"with an .xls name; open it in Excel and save it as .xlsx or CSV"
	case "binary":
		return f + " is not a text file (it contains NUL bytes); save it as .xlsx or CSV UTF-8"
	case "zip_not_csv":
		return f + " is a zip archive (an XLSX workbook?), not CSV"
	case "unknown_sheet":
		return f + ": no sheet named " + strconv.Quote(e.Detail) + "; the workbook has: " + strings.Join(e.Sheets, ", ")
	case "bad_format":
		return f + ": unknown format " + strconv.Quote(e.Detail) + ", want csv or xlsx"
	}
	return f + ": " + e.Code
}

// LineError is a problem on one line of a file. Code is csv_syntax (quoting
// the CSV reader cannot parse), bad_utf8 (bytes that are not UTF-8 in a file
// read as UTF-8), record_too_long (a row over 8 MB, almost always an unclosed
// quote) or read_error.
type LineError struct {
	Line   int
	Code   string
	Column int // 0-based column, or -1 when the whole line is concerned
	Err    error
}

func (e *LineError) Error() string {
	p := "line " + strconv.Itoa(e.Line) + ": "
	if e.Column >= 0 {
		p += "column " + ColumnLetter(e.Column) + ": "
	}
	switch e.Code {
	case "bad_utf8":
		return p + "text is not valid UTF-8; the file started as UTF-8 but changes encoding here. " +
			"Save the whole file as CSV UTF-8 (or consistently as GBK)"
	case "csv_syntax":
		return p + "bad CSV quoting (" + e.Err.Error() + "); a field containing quotes must be " +
			"enclosed in double quotes with inner quotes doubled"
	case "record_too_long":
		return p + "row is longer than 8 MB; a quoted field is probably never closed"
	}
	if e.Err != nil {
		return p + e.Err.Error()
	}
	return p + e.Code
}

func (e *LineError) Unwrap() error { return e.Err }

var (
	magicZip      = []byte("PK\x03\x04")
	magicZipEmpty = []byte("PK\x05\x06")
	magicOLE      = []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")
)

// Open opens a CSV or XLSX file for streaming. The format is detected from
// the content, not the name: a zip is a workbook, an OLE file is a legacy
// .xls or an encrypted workbook (rejected with advice), an HTML page saved as
// .xls is rejected with advice, and anything else is CSV, except that a file
// named .xlsx must be a workbook. See openCSV and xlsxTable for the details of
// each format. Errors that concern the whole file are *FileError.
//
// A CSV table also has an Offset() int64 method, the bytes read so far, for
// progress reporting.
func Open(path string, opt OpenOptions) (Table, error) {
	name := filepath.Base(path)
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("%s is a directory", path)
	}
	var head [8]byte
	n, err := io.ReadFull(f, head[:])
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		f.Close()
		return nil, err
	}
	h := head[:n]
	isZip := bytes.HasPrefix(h, magicZip) || bytes.HasPrefix(h, magicZipEmpty)
	ext := strings.ToLower(filepath.Ext(path))
	format := opt.Format
	if format == "" {
		format = "csv"
		if isZip || ext == ".xlsx" || ext == ".xlsm" {
			format = "xlsx"
		}
	}
	switch {
	case n == 0:
		f.Close()
		return nil, &FileError{Code: "empty", File: name}
	case bytes.HasPrefix(h, magicOLE):
		f.Close()
		return nil, &FileError{Code: "legacy_xls", File: name}
	case format == "xlsx":
		f.Close()
		if !isZip {
			detail := "it is not a zip archive"
			if looksLikeText(h) {
				detail = "it looks like a text (CSV) file; rename it to .csv or save it from Excel as .xlsx"
			}
			return nil, &FileError{Code: "not_xlsx", File: name, Detail: detail}
		}
		return openXLSX(path, name, st.Size(), opt.Sheet)
	case format != "csv":
		f.Close()
		return nil, &FileError{Code: "bad_format", File: name, Detail: opt.Format}
	case isZip:
		f.Close()
		return nil, &FileError{Code: "zip_not_csv", File: name}
	}
	t, err := openCSV(f, name, st.Size(), h, true)
	if err != nil {
		f.Close()
		return nil, err
	}
	return t, nil
}

func looksLikeText(b []byte) bool {
	for _, c := range b {
		if c < 0x09 || (c > 0x0D && c < 0x20) {
			return false
		}
	}
	return true
}

// blank reports whether every cell is empty or spaces.
func blank(row []string) bool {
	for _, s := range row {
		if s != "" && trimSpace(s) != "" {
			return false
		}
	}
	return true
}

func trimHeader(row []string) []string {
	h := make([]string, len(row))
	for i, s := range row {
		h[i] = strings.TrimFunc(s, isSpace)
	}
	return h
}
