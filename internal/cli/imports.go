package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"kam/internal/app"
	"kam/internal/config"
	"kam/internal/i18n"
	"kam/internal/transfer"
)

type columnFlags map[transfer.Field]string

func (c columnFlags) String() string { return fmt.Sprint(map[transfer.Field]string(c)) }
func (c columnFlags) Set(s string) error {
	f, h, err := transfer.ParseColumnFlag(s)
	if err != nil {
		return err
	}
	c[f] = h
	return nil
}

func runImport(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	fs := newFlags("import", env, &cfg)
	cols := columnFlags{}
	p := env.p
	fs.Var(cols, "column", p.T("cli.flag.import.column"))
	sheet := fs.String("sheet", "", p.T("cli.flag.import.sheet"))
	mapping := fs.String("mapping", "", p.T("cli.flag.import.mapping"))
	saveMapping := fs.String("save-mapping", "", p.T("cli.flag.import.save_mapping"))
	dryRun := fs.Bool("dry-run", false, p.T("cli.flag.import.dry_run"))
	report := fs.String("report", "", p.T("cli.flag.import.report"))
	format := fs.String("format", "table", p.T("cli.flag.format_table_json"))
	preview := fs.Int("preview", 10, p.T("cli.flag.import.preview"))
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 2 && pos[0] == "people" {
		return importPeople(ctx, env, cfg, pos[1], *sheet, *dryRun)
	}
	if len(pos) != 2 || (pos[0] != app.KindAccounts && pos[0] != app.KindRevenue) {
		return usagef("cli.import.want")
	}
	kind, path := pos[0], pos[1]
	if _, err := os.Stat(path); err != nil {
		return err
	}
	a, done, err := openApp(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer done()
	bar := newProgress(env.Stderr, p.T("cli.progress.import", filepath.Base(path)), 0)
	res, err := a.Import(ctx, "cli", app.ImportRequest{Kind: kind, Path: path, Sheet: *sheet, Columns: cols, MappingName: *mapping,
		SaveMappingAs: *saveMapping, DryRun: *dryRun, PreviewRows: *preview, Progress: bar.draw})
	bar.finish()
	if res != nil && *report != "" && len(res.Problems) > 0 {
		if werr := writeReport(*report, res, p); werr != nil {
			fmt.Fprintf(env.Stderr, "%s: %s\n", fs.Name(), p.T("cli.import.report_failed", describe(p, werr)))
		} else {
			fmt.Fprintln(env.Stderr, p.T("cli.import.report_written", *report))
		}
	}
	if err != nil {
		return errorf("cli.import.failed", err)
	}
	if *format == "json" {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(app.NewImportJSON(res))
	}
	printImport(env, res)
	return nil
}

// printImport prints the report of an import or a dry run.
func printImport(env Env, r *app.ImportResult) {
	w, p := env.Stdout, env.p
	info := p.T("import.detected", r.Info.Format, r.Info.Encoding)
	if d := r.Info.Delimiter; d != "" {
		if d == "\t" {
			d = p.T("cli.import.tab")
		}
		info = p.T("cli.import.delimiter", info, d)
	}
	fmt.Fprintf(w, "%s: %s\n", r.FileName, info)
	var fields []string
	for f, h := range r.Mapping {
		fields = append(fields, fmt.Sprintf("%s←%q", p.T("import.field."+string(f)), h))
	}
	sortStrings(fields)
	fmt.Fprintln(w, p.T("cli.import.columns", strings.Join(fields, ", ")))
	if r.DryRun {
		fmt.Fprintf(w, "\n%s\n", p.T("cli.import.dry_run"))
		tw := newTable(w, false)
		if r.Kind == app.KindRevenue {
			fmt.Fprintln(tw, columns(p, "import.report.row", "import.field.account", "import.field.account_name", "import.field.date",
				"import.field.amount", "import.field.class", "import.field.product"))
			for _, row := range r.Preview {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", row.Row, row.Account, row.Name, row.Date, row.Amount.Grouped(), row.Class, row.Product)
			}
		} else {
			fmt.Fprintln(tw, columns(p, "import.report.row", "import.field.account", "import.field.account_name", "import.field.type",
				"import.field.region", "import.field.industry"))
			for _, row := range r.Preview {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", row.Row, row.Account, row.Name, row.Type, row.Region, row.Industry)
			}
		}
		tw.Flush()
		fmt.Fprintln(w)
	}
	b := r.Batch
	if r.DryRun {
		fmt.Fprintln(w, p.T("cli.import.would", b.RowsTotal, b.RowsAccepted, b.RowsRejected, b.AccountsCreated))
	} else {
		fmt.Fprintln(w, p.T("cli.import.done", b.RowsTotal, b.RowsAccepted, b.RowsRejected, b.AccountsCreated))
	}
	if r.NoAccountRows > 0 {
		fmt.Fprintln(w, p.T("cli.import.no_account", r.NoAccountRows))
	}
	if r.Kind == app.KindRevenue {
		fmt.Fprintln(w, p.T("cli.import.amount", b.AmountTotal.Grouped()))
	}
	if !r.DryRun {
		fmt.Fprintln(w, p.T("cli.import.batch", b.ID, r.Elapsed.Round(1e6)))
	}
	if len(r.Problems) > 0 {
		fmt.Fprintf(w, "\n%s\n", p.T("cli.import.rejected_rows"))
		for i, pr := range r.Problems {
			if i == 20 {
				fmt.Fprintln(w, p.T("cli.import.more", r.ProblemRows-20))
				break
			}
			col := pr.Column
			if col == "" {
				col = pr.Field
			}
			fmt.Fprintf(w, "  %s", p.T("cli.import.problem", pr.Row, col, p.T("import.problem."+pr.Code)))
			if pr.Value != "" {
				fmt.Fprintf(w, " (%q)", pr.Value)
			}
			fmt.Fprintln(w)
		}
	}
}

// columns returns the header of a table for people: the messages of keys,
// separated by tabs.
func columns(p *i18n.Printer, keys ...string) string {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = p.T(k)
	}
	return strings.Join(names, "\t")
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// writeReport writes the rejected rows, in the format the file name says.
func writeReport(path string, r *app.ImportResult, p *i18n.Printer) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	format := transfer.FormatCSV
	if strings.HasSuffix(strings.ToLower(path), ".xlsx") {
		format = transfer.FormatXLSX
	}
	err = app.WriteProblems(f, format, r.Problems, p)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
