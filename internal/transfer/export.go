package transfer

import (
	"encoding/csv"
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

// Export formats.
const (
	FormatCSV  = "csv"
	FormatXLSX = "xlsx"
)

// ContentType returns the MIME type of an export format.
func ContentType(format string) string {
	if format == FormatXLSX {
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "text/csv; charset=utf-8"
}

// Rows feeds an export one row at a time through emit.
type Rows func(emit func(row []any) error) error

// WriteTable writes a header and rows as CSV (UTF-8 with a byte-order mark,
// which Chinese Excel needs to read UTF-8) or as an XLSX workbook written
// row by row, so exports of a million rows stay in bounded memory. Cells
// may be strings, integers, floats or bools.
func WriteTable(w io.Writer, format, sheet string, header []string, rows Rows) error {
	switch format {
	case FormatCSV:
		if _, err := io.WriteString(w, "\uFEFF"); err != nil {
			return err
		}
		cw := csv.NewWriter(w)
		if err := cw.Write(header); err != nil {
			return err
		}
		rec := make([]string, 0, len(header))
		err := rows(func(row []any) error {
			rec = rec[:0]
			for _, c := range row {
				rec = append(rec, fmt.Sprint(c))
			}
			return cw.Write(rec)
		})
		if err != nil {
			return err
		}
		cw.Flush()
		return cw.Error()
	case FormatXLSX:
		f := excelize.NewFile()
		defer f.Close()
		if sheet == "" {
			sheet = "Sheet1"
		}
		if sheet != "Sheet1" {
			if err := f.SetSheetName("Sheet1", sheet); err != nil {
				return err
			}
		}
		sw, err := f.NewStreamWriter(sheet)
		if err != nil {
			return err
		}
		h := make([]any, len(header))
		for i, s := range header {
			h[i] = s
		}
		if err := sw.SetRow("A1", h); err != nil {
			return err
		}
		n := 1
		err = rows(func(row []any) error {
			n++
			cell, err := excelize.CoordinatesToCellName(1, n)
			if err != nil {
				return err
			}
			return sw.SetRow(cell, row)
		})
		if err != nil {
			return err
		}
		if err := sw.Flush(); err != nil {
			return err
		}
		return f.Write(w)
	}
	return fmt.Errorf("export: unknown format %q (want csv or xlsx)", format)
}
