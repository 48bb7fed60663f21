package app

import (
	"errors"
	"strings"

	"kam/internal/i18n"
	"kam/internal/transfer"
)

// DescribeImportError says, in the printer's language, what is wrong with a
// file as a whole: its format, a line that cannot be read, or its columns.
// Errors it does not know keep their own (English) text.
func DescribeImportError(p *i18n.Printer, err error) string {
	var (
		ie *ImportError
		fe *transfer.FileError
		le *transfer.LineError
		me *transfer.MappingError
	)
	switch {
	case errors.As(err, &ie) && ie.Prev != nil:
		return p.T("import.error.already", ie.Prev.ID, ie.Prev.FileName, ie.Prev.CreatedAt.Format("2006-01-02 15:04"))
	case errors.As(err, &fe):
		key := "file." + fe.Code
		if !p.Has(key) {
			return err.Error()
		}
		return p.T(key, fe.File, fe.Detail, strings.Join(fe.Sheets, ", "))
	case errors.As(err, &le):
		key := "line." + le.Code
		if !p.Has(key) {
			return err.Error()
		}
		col := ""
		if le.Column >= 0 {
			col = transfer.ColumnLetter(le.Column)
		}
		return p.T(key, le.Line, col)
	case errors.As(err, &me):
		key := "mapping." + me.Code
		if !p.Has(key) {
			return err.Error()
		}
		return p.T(key, p.T("import.field."+string(me.Field)), me.Header, strings.Join(me.ColumnNames(), ", "), strings.Join(me.Choices, ", "))
	case errors.As(err, &ie) && ie.Code == "no_rows":
		return p.T("import.error.no_rows")
	}
	return err.Error()
}
