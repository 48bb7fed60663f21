package app

import (
	"io"

	"kam/internal/i18n"
	"kam/internal/transfer"
)

// WriteProblems writes the rejected rows of an import as CSV or XLSX, with
// the reasons in the printer's language.
func WriteProblems(w io.Writer, format string, problems []Problem, p *i18n.Printer) error {
	header := []string{p.T("import.report.row"), p.T("import.report.column"), p.T("import.report.field"), p.T("import.report.value"), p.T("import.report.reason")}
	return transfer.WriteTable(w, format, p.T("import.report.sheet"), header, func(emit func([]any) error) error {
		for _, pr := range problems {
			if err := emit([]any{pr.Row, pr.Column, pr.Field, pr.Value, p.T("import.problem." + pr.Code)}); err != nil {
				return err
			}
		}
		return nil
	})
}
