package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

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
	fs.Var(cols, "column", "map a field to a header: FIELD=HEADER (repeatable); fields: account, account_name, date, amount, quantity, unit_price, class, product, region, industry, type (accounts also: listed, leader, potential)")
	sheet := fs.String("sheet", "", "XLSX: the sheet to read (default: the first)")
	mapping := fs.String("mapping", "", "use a saved column mapping")
	saveMapping := fs.String("save-mapping", "", "save the column mapping used under this name")
	dryRun := fs.Bool("dry-run", false, "check the file and show the first rows as they would be stored, without storing anything")
	report := fs.String("report", "", "write the rejected rows to this file (.csv or .xlsx)")
	format := fs.String("format", "table", "table or json")
	preview := fs.Int("preview", 10, "rows to show on a dry run")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 2 && pos[0] == "people" {
		return importPeople(ctx, env, cfg, pos[1], *sheet, *dryRun)
	}
	if len(pos) != 2 || (pos[0] != app.KindAccounts && pos[0] != app.KindRevenue) {
		return usagef("want: kam import accounts|revenue|people [flags] FILE")
	}
	kind, path := pos[0], pos[1]
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	a, done, err := openApp(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer done()
	bar := newProgress(env.Stderr, "importing "+filepath.Base(path), 0)
	res, err := a.Import(ctx, "cli", app.ImportRequest{Kind: kind, Path: path, Sheet: *sheet, Columns: cols, MappingName: *mapping,
		SaveMappingAs: *saveMapping, DryRun: *dryRun, PreviewRows: *preview, Progress: bar.draw})
	bar.finish()
	if res != nil && *report != "" && len(res.Problems) > 0 {
		if werr := writeReport(*report, res); werr != nil {
			fmt.Fprintf(env.Stderr, "kam import: report: %v\n", werr)
		} else {
			fmt.Fprintf(env.Stderr, "rejected rows written to %s\n", *report)
		}
	}
	if err != nil {
		var ie *app.ImportError
		if errors.As(err, &ie) {
			return fmt.Errorf("%v\nnothing was imported", ie)
		}
		return fmt.Errorf("%v\nnothing was imported: the database is as it was", err)
	}
	if *format == "json" {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(app.NewImportJSON(res))
	}
	printImport(env, res)
	return nil
}

var cliPrinter = i18n.Get("en")

func messageEN(key string) string { return cliPrinter.T(key) }

func problemText(p app.Problem) string { return cliPrinter.T("import.problem." + p.Code) }

func printImport(env Env, r *app.ImportResult) {
	w := env.Stdout
	enc := r.Info.Encoding
	if r.Info.Delimiter != "" {
		enc += ", delimiter " + strings.NewReplacer("\t", "tab").Replace(r.Info.Delimiter)
	}
	fmt.Fprintf(w, "%s: %s (%s)\n", r.FileName, r.Info.Format, enc)
	var fields []string
	for f, h := range r.Mapping {
		fields = append(fields, fmt.Sprintf("%s←%q", f, h))
	}
	sortStrings(fields)
	fmt.Fprintf(w, "columns: %s\n", strings.Join(fields, ", "))
	if r.DryRun {
		fmt.Fprintln(w, "\ndry run: nothing was stored. First rows as they would be stored:")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		if r.Kind == app.KindRevenue {
			fmt.Fprintln(tw, "row\taccount\tname\tdate\tamount\tclass\tproduct")
			for _, p := range r.Preview {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", p.Row, p.Account, p.Name, p.Date, p.Amount.Grouped(), p.Class, p.Product)
			}
		} else {
			fmt.Fprintln(tw, "row\taccount\tname\ttype\tregion\tindustry")
			for _, p := range r.Preview {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", p.Row, p.Account, p.Name, p.Type, p.Region, p.Industry)
			}
		}
		tw.Flush()
		fmt.Fprintln(w)
	}
	verb := "imported"
	if r.DryRun {
		verb = "would import"
	}
	fmt.Fprintf(w, "%d rows read, %s %d", r.Batch.RowsTotal, verb, r.Batch.RowsAccepted)
	if r.Kind == app.KindRevenue {
		fmt.Fprintf(w, " (amount %s)", r.Batch.AmountTotal.Grouped())
	}
	fmt.Fprintf(w, ", rejected %d", r.Batch.RowsRejected)
	if r.NoAccountRows > 0 {
		fmt.Fprintf(w, " (%d without an account code)", r.NoAccountRows)
	}
	fmt.Fprintf(w, "; new accounts %d", r.Batch.AccountsCreated)
	if !r.DryRun {
		fmt.Fprintf(w, "; batch %d in %s", r.Batch.ID, r.Elapsed.Round(1e6))
	}
	fmt.Fprintln(w)
	if len(r.Problems) > 0 {
		fmt.Fprintln(w, "\nrejected rows:")
		for i, p := range r.Problems {
			if i == 20 {
				fmt.Fprintf(w, "… and %d more (use --report FILE for all)\n", r.ProblemRows-20)
				break
			}
			col := p.Column
			if col == "" {
				col = p.Field
			}
			fmt.Fprintf(w, "  row %d, %s: %s", p.Row, col, problemText(p))
			if p.Value != "" {
				fmt.Fprintf(w, " (%q)", p.Value)
			}
			fmt.Fprintln(w)
		}
	}
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// writeReport writes the rejected rows, in the format the file name says.
func writeReport(path string, r *app.ImportResult) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	format := transfer.FormatCSV
	if strings.HasSuffix(strings.ToLower(path), ".xlsx") {
		format = transfer.FormatXLSX
	}
	err = app.WriteProblems(f, format, r.Problems, cliPrinter)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
