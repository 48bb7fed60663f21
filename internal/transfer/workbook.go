package transfer

import (
	"io"

	"github.com/xuri/excelize/v2"
)

// Sheet is one sheet of a workbook: a title row, a header and rows.
type Sheet struct {
	Name   string // at most 31 characters, unique in the workbook
	Title  string // written above the header; "" for none
	Header []string
	Rows   [][]any
}

// WriteSheets writes an XLSX workbook of several small sheets (the meeting
// packs: a sheet per section). Cells may be strings, integers, floats or
// bools; the header row is bold and frozen.
func WriteSheets(w io.Writer, sheets []Sheet) error {
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	for i, s := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", s.Name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(s.Name); err != nil {
			return err
		}
		row := 1
		put := func(cells []any, style int) error {
			cell, _ := excelize.CoordinatesToCellName(1, row)
			if err := f.SetSheetRow(s.Name, cell, &cells); err != nil {
				return err
			}
			if style != 0 && len(cells) > 0 {
				end, _ := excelize.CoordinatesToCellName(len(cells), row)
				if err := f.SetCellStyle(s.Name, cell, end, style); err != nil {
					return err
				}
			}
			row++
			return nil
		}
		if s.Title != "" {
			if err := put([]any{s.Title}, bold); err != nil {
				return err
			}
		}
		h := make([]any, len(s.Header))
		for j, c := range s.Header {
			h[j] = c
		}
		if err := put(h, bold); err != nil {
			return err
		}
		if err := f.SetPanes(s.Name, &excelize.Panes{Freeze: true, YSplit: row - 1, TopLeftCell: "A" + itoa(row), ActivePane: "bottomLeft"}); err != nil {
			return err
		}
		for _, r := range s.Rows {
			if err := put(r, 0); err != nil {
				return err
			}
		}
		for j := range s.Header {
			col, _ := excelize.ColumnNumberToName(j + 1)
			if err := f.SetColWidth(s.Name, col, col, 16); err != nil {
				return err
			}
		}
	}
	_, err = f.WriteTo(w)
	return err
}

func itoa(n int) string {
	b := []byte{}
	for n > 0 || len(b) == 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}
