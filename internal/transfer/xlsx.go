package transfer

import (
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// xlsxTable streams one sheet with excelize's row iterator.
//
// Cell values: excelize formats a cell with its number format unless asked for
// raw values, and neither choice is right for an import. Formatted numbers
// lose digits ("#,##0" shows 1234.56 as 1,235) and raw dates are serial
// numbers. So after opening, every cell style's number format is rewritten in
// memory: date formats become yyyy-mm-dd (or yyyy-mm-dd hh:mm when they show a
// time), which ParseDate reads, and every other format is made unknown, which
// makes excelize return the stored value unformatted (up to 15 significant
// digits, as Excel shows it). Time-only formats count as numbers. The 1904
// date system of old Mac workbooks is honoured by excelize's date formatting.
//
// Formulas: the value is the one Excel cached when it saved the file. A
// formula with no cached value (files written by some programs, never by
// Excel) reads as an empty cell, so a required column reports it as missing;
// excelize's row iterator does not tell such a cell from a blank one.
type xlsxTable struct {
	f      *excelize.File
	rows   *excelize.Rows
	header []string
	line   int
	info   TableInfo
	err    error // sticky
}

// The rewritten formats: built-in 14 and 22 are the date and date-time
// formats whose pattern excelize lets us choose through ShortDatePattern.
const (
	fmtDate     = 14
	fmtDateTime = 22
	fmtRaw      = -1 // no such format, so excelize returns the value as stored
)

func openXLSX(path, name string, size int64, sheet string) (_ Table, err error) {
	var t *xlsxTable
	defer func() {
		// excelize parses untrusted XML; a panic there must not bring down a
		// server that accepted an upload.
		if r := recover(); r != nil {
			err = &FileError{Code: "not_xlsx", File: name, Detail: fmt.Sprint("it cannot be read: ", r)}
		}
		if err != nil && t != nil {
			t.Close()
		}
	}()
	f, err := excelize.OpenFile(path, excelize.Options{ShortDatePattern: "yyyy-mm-dd"})
	if err != nil {
		if f != nil {
			f.Close()
		}
		return nil, &FileError{Code: "not_xlsx", File: name, Detail: err.Error()}
	}
	t = &xlsxTable{f: f, info: TableInfo{Format: "xlsx", Size: size}}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, &FileError{Code: "not_xlsx", File: name, Detail: "it has no worksheets"}
	}
	t.info.Sheet = sheets[0]
	if sheet != "" {
		t.info.Sheet = ""
		for _, s := range sheets {
			if s == sheet {
				t.info.Sheet = s
			}
		}
		if t.info.Sheet == "" {
			// Sheet names are case-insensitive in Excel.
			for _, s := range sheets {
				if strings.EqualFold(s, sheet) {
					t.info.Sheet = s
				}
			}
		}
		if t.info.Sheet == "" {
			return nil, &FileError{Code: "unknown_sheet", File: name, Detail: sheet, Sheets: sheets}
		}
	}
	rewriteNumFmts(f)
	if t.rows, err = f.Rows(t.info.Sheet); err != nil {
		return nil, &FileError{Code: "not_xlsx", File: name, Detail: err.Error()}
	}
	row, _, err := t.next()
	switch {
	case err == io.EOF:
		return nil, &FileError{Code: "empty", File: name + " (sheet " + t.info.Sheet + ")"}
	case err != nil:
		return nil, err
	}
	t.header = trimHeader(row)
	return t, nil
}

// rewriteNumFmts applies the rule described on xlsxTable to the styles excelize
// has loaded. The workbook is never saved, so the change stays in memory.
func rewriteNumFmts(f *excelize.File) {
	ss := f.Styles
	if ss == nil || ss.CellXfs == nil {
		return
	}
	custom := map[int]string{}
	if ss.NumFmts != nil {
		for _, nf := range ss.NumFmts.NumFmt {
			if nf != nil {
				custom[nf.NumFmtID] = nf.FormatCode
			}
		}
	}
	for i := range ss.CellXfs.Xf {
		xf := &ss.CellXfs.Xf[i]
		id := 0
		if xf.NumFmtID != nil {
			id = *xf.NumFmtID
		}
		var v int
		switch numFmtKind(id, custom) {
		case kindDate:
			v = fmtDate
		case kindDateTime:
			v = fmtDateTime
		default:
			v = fmtRaw
		}
		xf.NumFmtID = &v
	}
}

const (
	kindNumber = iota
	kindDate
	kindDateTime
)

// numFmtKind classifies a number format. Built-in formats are known by id
// (27–58 are the East Asian date formats of zh-CN workbooks); a custom format
// is a date when its first section has a y or d outside quotes, escapes and
// brackets, and shows a time too when it also has h or s.
func numFmtKind(id int, custom map[int]string) int {
	if code, ok := custom[id]; ok {
		return codeKind(code)
	}
	switch {
	case id >= 14 && id <= 17, id >= 27 && id <= 31, id == 36, id >= 50 && id <= 54, id == 57, id == 58:
		return kindDate
	case id == 22:
		return kindDateTime
	}
	return kindNumber
}

func codeKind(code string) int {
	date, clock := false, false
	for i := 0; i < len(code); i++ {
		switch c := code[i]; c {
		case ';':
			i = len(code)
		case '"':
			for i++; i < len(code) && code[i] != '"'; i++ {
			}
		case '\\', '_', '*':
			i++
		case '[':
			for i++; i < len(code) && code[i] != ']'; i++ {
			}
		case 'y', 'Y', 'd', 'D':
			date = true
		case 'h', 'H', 's', 'S':
			clock = true
		}
	}
	switch {
	case date && clock:
		return kindDateTime
	case date:
		return kindDate
	}
	return kindNumber
}

func (t *xlsxTable) Header() []string { return t.header }
func (t *xlsxTable) Info() TableInfo  { return t.info }

func (t *xlsxTable) Close() error {
	var err error
	if t.rows != nil {
		err = t.rows.Close()
	}
	if cerr := t.f.Close(); err == nil {
		err = cerr
	}
	return err
}

func (t *xlsxTable) Next() ([]string, int, error) {
	row, line, err := t.next()
	if err != nil {
		return nil, 0, err
	}
	// Pad to the header; drop empty cells past it (formula cells with no
	// value and styled blanks), keeping real data past the header visible.
	for len(row) < len(t.header) {
		row = append(row, "")
	}
	for len(row) > len(t.header) && row[len(row)-1] == "" {
		row = row[:len(row)-1]
	}
	return row, line, nil
}

func (t *xlsxTable) next() (_ []string, _ int, err error) {
	if t.err != nil {
		return nil, 0, t.err
	}
	defer func() {
		if r := recover(); r != nil {
			t.err = &LineError{Line: t.line, Code: "read_error", Column: -1, Err: fmt.Errorf("cannot read the sheet: %v", r)}
			err = t.err
		}
	}()
	for t.rows.Next() {
		t.line++
		cols, err := t.rows.Columns()
		if err != nil {
			t.err = &LineError{Line: t.line, Code: "read_error", Column: -1, Err: err}
			return nil, 0, t.err
		}
		if blank(cols) {
			continue
		}
		return cols, t.line, nil
	}
	if err := t.rows.Error(); err != nil {
		t.err = &LineError{Line: t.line + 1, Code: "read_error", Column: -1, Err: err}
		return nil, 0, t.err
	}
	return nil, 0, io.EOF
}
