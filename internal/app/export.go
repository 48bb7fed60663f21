package app

import (
	"context"
	"io"

	"kam/internal/crm"
	"kam/internal/i18n"
	"kam/internal/store"
	"kam/internal/transfer"
)

// ExportAccounts writes the accounts matching f as CSV or XLSX with headers
// in the printer's language. Amounts are full yuan with two decimals.
func ExportAccounts(ctx context.Context, a *App, w io.Writer, format string, f store.AccountFilter, p *i18n.Printer) error {
	header := []string{p.T("account.code"), p.T("account.name"), p.T("account.type"), p.T("account.industry"), p.T("account.region"),
		p.T("account.tier"), p.T("account.band"), p.T("account.revenue"), p.T("account.listed"), p.T("account.leader"), p.T("account.potential")}
	return transfer.WriteTable(w, format, p.T("nav.accounts"), header, func(emit func([]any) error) error {
		return a.EachAccount(ctx, f, func(acc crm.Account) error {
			typ := ""
			if acc.Type != "" {
				typ = p.T("type." + acc.Type)
			}
			band := ""
			if acc.Band != "" {
				band = p.T("band." + acc.Band)
			}
			return emit([]any{acc.Code, acc.Name, typ, acc.Industry, acc.Region, acc.Tier, band, acc.Revenue.String(),
				yesNo(p, acc.IsListed), yesNo(p, acc.IsLeader), acc.Potential.String()})
		})
	})
}

func yesNo(p *i18n.Printer, b bool) string {
	if b {
		return p.T("common.yes")
	}
	return p.T("common.no")
}
