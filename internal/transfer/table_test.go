package transfer

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

func writeFile(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func gbk(t testing.TB, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type readRow struct {
	line  int
	cells []string
}

// drain reads every row, copying them since a Table reuses its row slice,
// and stops at the first error.
func drain(t testing.TB, tb Table) ([]readRow, error) {
	t.Helper()
	var rows []readRow
	for {
		row, line, err := tb.Next()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return rows, err
		}
		rows = append(rows, readRow{line, slices.Clone(row)})
	}
}

func openOK(t testing.TB, path string, opt OpenOptions) Table {
	t.Helper()
	tb, err := Open(path, opt)
	if err != nil {
		t.Fatalf("Open(%s) error: %v", filepath.Base(path), err)
	}
	t.Cleanup(func() { tb.Close() })
	return tb
}

func TestOpenCSV(t *testing.T) {
	type want struct {
		header   []string
		rows     []readRow
		encoding string
		delim    string
	}
	utf16le := func(s string) []byte {
		b, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	utf16be := func(s string) []byte {
		b, err := unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	std := want{
		header:   []string{"客户编号", "日期", "金额"},
		rows:     []readRow{{2, []string{"C001", "2024-03-01", "1,234.56"}}, {3, []string{"C002", "2024/3/2", "12"}}},
		encoding: "UTF-8",
		delim:    ",",
	}
	for _, tc := range []struct {
		name string
		data []byte
		want want
	}{
		{"utf8", []byte("客户编号,日期,金额\nC001,2024-03-01,\"1,234.56\"\nC002,2024/3/2,12\n"), std},
		{"crlf and no final newline", []byte("客户编号,日期,金额\r\nC001,2024-03-01,\"1,234.56\"\r\nC002,2024/3/2,12"), std},
		{"bom", []byte("\xEF\xBB\xBF客户编号,日期,金额\nC001,2024-03-01,\"1,234.56\"\nC002,2024/3/2,12\n"),
			want{std.header, std.rows, "UTF-8 BOM", ","}},
		{"gbk", gbk(t, "客户编号,日期,金额\nC001,2024-03-01,\"1,234.56\"\nC002,2024/3/2,12\n"),
			want{std.header, std.rows, "GB18030", ","}},
		{"semicolon", []byte("客户编号;日期;金额\nC001;2024-03-01;1,234.56\nC002;2024/3/2;12\n"),
			want{std.header, std.rows, "UTF-8", ";"}},
		{"tab", []byte("客户编号\t日期\t金额\nC001\t2024-03-01\t1,234.56\nC002\t2024/3/2\t12\n"),
			want{std.header, std.rows, "UTF-8", "\t"}},
		{"utf16le excel unicode text", utf16le("客户编号\t日期\t金额\r\nC001\t2024-03-01\t1,234.56\r\nC002\t2024/3/2\t12\r\n"),
			want{std.header, std.rows, "UTF-16LE", "\t"}},
		{"utf16be", utf16be("客户编号,日期,金额\nC001,2024-03-01,\"1,234.56\"\nC002,2024/3/2,12\n"),
			want{std.header, std.rows, "UTF-16BE", ","}},
		{"mac cr line ends", []byte("客户编号,日期,金额\rC001,2024-03-01,\"1,234.56\"\rC002,2024/3/2,12\r"), std},
		{"header cells trimmed", []byte(" 客户编号 ,\u3000日期, 金额\t\nC001,2024-03-01,\"1,234.56\"\nC002,2024/3/2,12\n"), std},
		{"blank lines and blank rows skipped, lines counted",
			[]byte("\n客户编号,日期,金额\n\nC001,2024-03-01,\"1,234.56\"\n,,\n  ,\u3000,\nC002,2024/3/2,12\n\n"),
			want{std.header, []readRow{{4, std.rows[0].cells}, {7, std.rows[1].cells}}, "UTF-8", ","}},
		{"quoted newline keeps the start line",
			[]byte("客户编号,日期,金额\n\"C\n001\",2024-03-01,1\nC002,2024/3/2,12\n"),
			want{std.header, []readRow{{2, []string{"C\n001", "2024-03-01", "1"}}, {4, []string{"C002", "2024/3/2", "12"}}}, "UTF-8", ","}},
		{"ragged rows are returned as they are",
			[]byte("客户编号,日期,金额\nC001,2024-03-01\nC002,2024/3/2,12,extra\n"),
			want{std.header, []readRow{{2, []string{"C001", "2024-03-01"}}, {3, []string{"C002", "2024/3/2", "12", "extra"}}}, "UTF-8", ","}},
		{"semicolon file with decimal commas",
			[]byte("客户编号;日期;金额\nC001;2024-03-01;1234,56\n"),
			want{std.header, []readRow{{2, []string{"C001", "2024-03-01", "1234,56"}}}, "UTF-8", ";"}},
		{"comma in header only once but consistent",
			[]byte("a,b;c\n1,2;3\n"),
			want{[]string{"a", "b;c"}, []readRow{{2, []string{"1", "2;3"}}}, "UTF-8", ","}},
		{"single column", []byte("客户编号\nC001\n"),
			want{[]string{"客户编号"}, []readRow{{2, []string{"C001"}}}, "UTF-8", ","}},
		{"header only", []byte("客户编号,日期,金额\n"), want{std.header, nil, "UTF-8", ","}},
		{"csv named xls (web export)", []byte("客户编号\t日期\t金额\nC001\t2024-03-01\t1,234.56\nC002\t2024/3/2\t12\n"),
			want{std.header, std.rows, "UTF-8", "\t"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := "data.csv"
			if strings.Contains(tc.name, "xls") {
				name = "data.xls"
			}
			tb := openOK(t, writeFile(t, name, tc.data), OpenOptions{})
			if !slices.Equal(tb.Header(), tc.want.header) {
				t.Errorf("Header() = %q, want %q", tb.Header(), tc.want.header)
			}
			rows, err := drain(t, tb)
			if err != nil {
				t.Fatalf("Next() error: %v", err)
			}
			if len(rows) != len(tc.want.rows) {
				t.Fatalf("read %d rows %v, want %d", len(rows), rows, len(tc.want.rows))
			}
			for i, r := range rows {
				if r.line != tc.want.rows[i].line || !slices.Equal(r.cells, tc.want.rows[i].cells) {
					t.Errorf("row %d = %d %q, want %d %q", i, r.line, r.cells, tc.want.rows[i].line, tc.want.rows[i].cells)
				}
			}
			info := tb.Info()
			if info.Format != "csv" || info.Encoding != tc.want.encoding || info.Delimiter != tc.want.delim || info.Size != int64(len(tc.data)) {
				t.Errorf("Info() = %+v, want csv %s %q size %d", info, tc.want.encoding, tc.want.delim, len(tc.data))
			}
			// EOF stays EOF.
			if _, _, err := tb.Next(); err != io.EOF {
				t.Errorf("Next() after EOF = %v, want io.EOF", err)
			}
		})
	}
}

func TestOpenRejects(t *testing.T) {
	var zipBuf bytes.Buffer
	zw := zip.NewWriter(&zipBuf)
	w, _ := zw.Create("hello.txt")
	w.Write([]byte("hello"))
	zw.Close()

	for _, tc := range []struct {
		name, file string
		data       []byte
		opt        OpenOptions
		code       string
		contains   string
	}{
		{"empty", "a.csv", nil, OpenOptions{}, "empty", "file a.csv is empty"},
		{"only blank lines", "a.csv", []byte("\n\r\n  \n"), OpenOptions{}, "empty", "is empty"},
		{"only a bom", "a.csv", []byte("\xEF\xBB\xBF"), OpenOptions{}, "empty", "is empty"},
		{"only separators", "a.csv", []byte(",,,\n , ,\n"), OpenOptions{}, "empty", "is empty"},
		{"fake xlsx that is csv", "a.xlsx", []byte("客户编号,金额\nC1,1\n"), OpenOptions{}, "not_xlsx",
			"file a.xlsx is not an XLSX workbook: it looks like a text (CSV) file"},
		{"forced xlsx", "a.csv", []byte("a,b\n"), OpenOptions{Format: "xlsx"}, "not_xlsx", "not an XLSX workbook"},
		{"zip that is not a workbook", "a.xlsx", zipBuf.Bytes(), OpenOptions{}, "not_xlsx", "not an XLSX workbook"},
		{"zip with csv name", "a.csv", zipBuf.Bytes(), OpenOptions{}, "not_xlsx", "not an XLSX workbook"},
		{"zip forced csv", "a.csv", zipBuf.Bytes(), OpenOptions{Format: "csv"}, "zip_not_csv", "not CSV"},
		{"legacy xls", "a.xls", append([]byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"), make([]byte, 512)...), OpenOptions{}, "legacy_xls", "save it as .xlsx"},
		{"legacy xls named csv", "a.csv", []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest"), OpenOptions{}, "legacy_xls", ".xls"},
		{"html named xls", "a.xls", []byte("<html><table><tr><td>客户</td></tr></table></html>"), OpenOptions{}, "html", "web page"},
		{"binary", "a.csv", []byte("a,b\n\x00\x01\x02"), OpenOptions{}, "binary", "NUL"},
		{"unknown format", "a.csv", []byte("a\n"), OpenOptions{Format: "json"}, "bad_format", `"json"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tb, err := Open(writeFile(t, tc.file, tc.data), tc.opt)
			if err == nil {
				tb.Close()
				t.Fatalf("Open succeeded, want %s", tc.code)
			}
			var fe *FileError
			if !errors.As(err, &fe) || fe.Code != tc.code {
				t.Fatalf("Open error = %v, want FileError %s", err, tc.code)
			}
			if !strings.Contains(err.Error(), tc.contains) {
				t.Errorf("Open error %q does not contain %q", err, tc.contains)
			}
		})
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing.csv"), OpenOptions{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open(missing) error = %v, want ErrNotExist", err)
	}
}

func lineErr(t *testing.T, err error, line int, code string) {
	t.Helper()
	var le *LineError
	if !errors.As(err, &le) {
		t.Fatalf("error %v is not a *LineError", err)
	}
	if le.Line != line || le.Code != code {
		t.Errorf("LineError = line %d %s (%v), want line %d %s", le.Line, le.Code, err, line, code)
	}
}

func TestCSVQuotingErrors(t *testing.T) {
	data := "客户,金额\nC1,1\nC\"2,2\nC3,3\n\"C4\"x,4\nC5,5\n\"C6,6\n"
	tb := openOK(t, writeFile(t, "q.csv", []byte(data)), OpenOptions{})
	var lines []int
	for {
		row, line, err := tb.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var le *LineError
			if !errors.As(err, &le) || le.Code != "csv_syntax" {
				t.Fatalf("Next() error = %v, want csv_syntax", err)
			}
			if !strings.HasPrefix(err.Error(), "line ") {
				t.Errorf("error %q does not start with the line", err)
			}
			lines = append(lines, -le.Line)
			continue
		}
		lines = append(lines, line)
		_ = row
	}
	// A bad line is reported and reading goes on; the unclosed quote at the
	// end swallows the rest of the file and is reported at its start line.
	if want := []int{2, -3, 4, -5, 6, -7}; !slices.Equal(lines, want) {
		t.Errorf("lines (negative = error) = %v, want %v", lines, want)
	}
}

func TestCSVInvalidUTF8Later(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("客户,金额\n")
	for i := 0; i < 70000; i++ {
		b.WriteString("C1,1\n")
	}
	b.Write(gbk(t, "中文,2\n"))
	b.WriteString("C3,3\n")
	tb := openOK(t, writeFile(t, "u.csv", b.Bytes()), OpenOptions{})
	n := 0
	for {
		_, _, err := tb.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			lineErr(t, err, 70002, "bad_utf8")
			if !strings.HasPrefix(err.Error(), "line 70002: column A: text is not valid UTF-8") {
				t.Errorf("error = %q", err)
			}
			continue
		}
		n++
	}
	if n != 70001 {
		t.Errorf("read %d good rows, want 70001", n)
	}
}

func TestCSVEncodingDecidedLate(t *testing.T) {
	for _, tc := range []struct {
		name, enc string
		tail      []byte
	}{
		{"gbk after ascii", "GB18030", gbk(t, "C9,中文客户\n")},
		{"utf8 after ascii", "UTF-8", []byte("C9,中文客户\n")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			b.WriteString("code,name\n")
			for b.Len() < 100<<10 {
				b.WriteString("C1,ACME Ltd\n")
			}
			b.Write(tc.tail)
			tb := openOK(t, writeFile(t, "late.csv", b.Bytes()), OpenOptions{})
			rows, err := drain(t, tb)
			if err != nil {
				t.Fatal(err)
			}
			if last := rows[len(rows)-1].cells; last[1] != "中文客户" {
				t.Errorf("last row = %q, want 中文客户", last)
			}
			if got := tb.Info().Encoding; got != tc.enc {
				t.Errorf("Encoding = %s, want %s", got, tc.enc)
			}
		})
	}
}

func TestCSVRecordTooLong(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("a,b\n1,2\n\"")
	b.Write(bytes.Repeat([]byte("x,\n"), 3<<20))
	tb := openOK(t, writeFile(t, "long.csv", b.Bytes()), OpenOptions{})
	if _, _, err := tb.Next(); err != nil {
		t.Fatal(err)
	}
	_, _, err := tb.Next()
	lineErr(t, err, 3, "record_too_long")
	// The error is sticky: the reader's state is lost.
	if _, _, err2 := tb.Next(); err2 != err {
		t.Errorf("Next() after record_too_long = %v, want the same error", err2)
	}
}

func TestCSVOffset(t *testing.T) {
	data := []byte("\xEF\xBB\xBFa,b\n1,2\n3,4\n")
	tb := openOK(t, writeFile(t, "o.csv", data), OpenOptions{})
	drain(t, tb)
	o, ok := tb.(interface{ Offset() int64 })
	if !ok {
		t.Fatal("csv table has no Offset method")
	}
	if got := o.Offset(); got != int64(len(data)) {
		t.Errorf("Offset() at EOF = %d, want %d", got, len(data))
	}
}

// buildWorkbook writes a small workbook with the cell kinds an import meets.
func buildWorkbook(t testing.TB) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	dateStyle, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	cnFmt := `yyyy"年"m"月"d"日"`
	cnStyle, _ := f.NewStyle(&excelize.Style{CustomNumFmt: &cnFmt})
	dtFmt := "yyyy/m/d h:mm"
	dtStyle, _ := f.NewStyle(&excelize.Style{CustomNumFmt: &dtFmt})
	intStyle, _ := f.NewStyle(&excelize.Style{NumFmt: 3}) // #,##0
	pctStyle, _ := f.NewStyle(&excelize.Style{NumFmt: 10})
	timeStyle, _ := f.NewStyle(&excelize.Style{NumFmt: 20})

	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	rows := [][]any{
		{"客户编号", "日期", "金额(元)", "备注"},
		{"C001", excelize.Cell{StyleID: dateStyle, Value: 45352}, 1234.56, "first"},
		{"C002", excelize.Cell{StyleID: cnStyle, Value: 45353}, excelize.Cell{StyleID: intStyle, Value: 1234.56}},
		{"C003", excelize.Cell{StyleID: dtStyle, Value: 45354.35}, excelize.Cell{Formula: "C2*2", Value: 2469.12}},
		{"C004", "2024-03-05", excelize.Cell{Formula: "C2*3"}, excelize.Cell{StyleID: pctStyle, Value: 0.125}},
		{"C005", excelize.Cell{StyleID: timeStyle, Value: 0.5}, true},
		nil,
		{"C007", time.Date(2024, 3, 7, 0, 0, 0, 0, time.UTC), "0.1"},
	}
	for i, r := range rows {
		if r == nil {
			continue
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, r); err != nil {
			t.Fatal(err)
		}
	}
	// Styled but empty rows at the end, as Excel leaves after formatting.
	for i := 10; i < 14; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i)
		sw.SetRow(cell, []any{excelize.Cell{StyleID: dateStyle}, nil, ""})
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	f.NewSheet("客户")
	f.SetSheetRow("客户", "A1", &[]any{"编号", "名称"})
	f.SetSheetRow("客户", "A2", &[]any{"K1", "甲公司"})
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestOpenXLSX(t *testing.T) {
	path := writeFile(t, "book.xlsx", buildWorkbook(t))
	tb := openOK(t, path, OpenOptions{})
	if want := []string{"客户编号", "日期", "金额(元)", "备注"}; !slices.Equal(tb.Header(), want) {
		t.Errorf("Header() = %q, want %q", tb.Header(), want)
	}
	rows, err := drain(t, tb)
	if err != nil {
		t.Fatal(err)
	}
	want := []readRow{
		{2, []string{"C001", "2024-03-01", "1234.56", "first"}},
		// The #,##0 format would show 1,235; the stored value is imported.
		{3, []string{"C002", "2024-03-02", "1234.56", ""}},
		// A formula gives its cached value.
		{4, []string{"C003", "2024-03-03 08:24", "2469.12", ""}},
		// A formula without a cached value is an empty cell; 12.5% is 0.125.
		{5, []string{"C004", "2024-03-05", "", "0.125"}},
		// A time-only format is a number, not a date; TRUE is a bool cell.
		{6, []string{"C005", "0.5", "TRUE", ""}},
		{8, []string{"C007", "2024-03-07 00:00", "0.1", ""}},
	}
	if len(rows) != len(want) {
		t.Fatalf("read %d rows %v, want %d", len(rows), rows, len(want))
	}
	for i, r := range rows {
		if r.line != want[i].line || !slices.Equal(r.cells, want[i].cells) {
			t.Errorf("row %d = %d %q, want %d %q", i, r.line, r.cells, want[i].line, want[i].cells)
		}
	}
	// Everything a date column yields must parse.
	for _, r := range rows {
		if r.cells[1] == "0.5" {
			continue
		}
		if _, err := ParseDate(r.cells[1]); err != nil {
			t.Errorf("ParseDate(%q) from XLSX: %v", r.cells[1], err)
		}
	}
	if info := tb.Info(); info.Format != "xlsx" || info.Sheet != "Sheet1" || info.Encoding != "" || info.Delimiter != "" {
		t.Errorf("Info() = %+v", info)
	}

	// Another sheet by name, case-insensitively.
	tb2 := openOK(t, path, OpenOptions{Sheet: "客户"})
	if rows, _ := drain(t, tb2); len(rows) != 1 || rows[0].cells[1] != "甲公司" || tb2.Info().Sheet != "客户" {
		t.Errorf("sheet 客户 rows = %v", rows)
	}
	tb3 := openOK(t, path, OpenOptions{Sheet: "sheet1"})
	if tb3.Info().Sheet != "Sheet1" {
		t.Errorf("Sheet(sheet1) = %q, want Sheet1", tb3.Info().Sheet)
	}

	_, err = Open(path, OpenOptions{Sheet: "Sales"})
	var fe *FileError
	if !errors.As(err, &fe) || fe.Code != "unknown_sheet" || !strings.Contains(err.Error(), "Sheet1, 客户") {
		t.Errorf("Open(sheet Sales) error = %v, want unknown_sheet listing Sheet1, 客户", err)
	}

	// The same workbook named .csv is still read as a workbook.
	tb4 := openOK(t, writeFile(t, "book.csv", buildWorkbook(t)), OpenOptions{})
	if tb4.Info().Format != "xlsx" {
		t.Errorf("zip named .csv: Format = %s, want xlsx", tb4.Info().Format)
	}
}

func TestOpenXLSXDate1904(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	yes := true
	if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes}); err != nil {
		t.Fatal(err)
	}
	style, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	f.SetSheetRow("Sheet1", "A1", &[]any{"日期"})
	f.SetCellValue("Sheet1", "A2", 43890) // 2024-03-01 in the 1904 system
	f.SetCellStyle("Sheet1", "A2", "A2", style)
	var b bytes.Buffer
	f.Write(&b)
	tb := openOK(t, writeFile(t, "mac.xlsx", b.Bytes()), OpenOptions{})
	rows, err := drain(t, tb)
	if err != nil || len(rows) != 1 || rows[0].cells[0] != "2024-03-01" {
		t.Errorf("1904 workbook rows = %v, %v, want 2024-03-01", rows, err)
	}
}

func TestOpenXLSXEmptySheet(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	var b bytes.Buffer
	f.Write(&b)
	_, err := Open(writeFile(t, "empty.xlsx", b.Bytes()), OpenOptions{})
	var fe *FileError
	if !errors.As(err, &fe) || fe.Code != "empty" {
		t.Errorf("Open(empty workbook) error = %v, want empty", err)
	}
}

func TestCodeKind(t *testing.T) {
	for _, tc := range []struct {
		code string
		want int
	}{
		{"yyyy-mm-dd", kindDate},
		{`yyyy"年"m"月"d"日"`, kindDate},
		{"[$-804]yyyy/m/d", kindDate},
		{"m/d/yy h:mm", kindDateTime},
		{"yyyy-mm-dd hh:mm:ss", kindDateTime},
		{"h:mm:ss", kindNumber},
		{"[h]:mm", kindNumber},
		{"#,##0.00", kindNumber},
		{`#,##0.00"d"`, kindNumber},
		{`0.00\d`, kindNumber},
		{"[Red]#,##0", kindNumber},
		{`_ ¥* #,##0.00_ ;_ ¥* -#,##0.00_ ;_ ¥* "-"??_ ;_ @_ `, kindNumber},
		{"General", kindNumber},
		{"@", kindNumber},
		{"0.00;[Red]-0.00;yyyy", kindNumber},
	} {
		if got := codeKind(tc.code); got != tc.want {
			t.Errorf("codeKind(%q) = %d, want %d", tc.code, got, tc.want)
		}
	}
}
