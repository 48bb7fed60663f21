package cli

import (
	"bufio"
	"context"
	"io"
	"os"

	"kam/internal/app"
	"kam/internal/config"
	"kam/internal/store"
)

func runExport(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	fs := newFlags("export", env, &cfg)
	p := env.p
	format := fs.String("format", "csv", p.T("cli.flag.export.format"))
	out := fs.String("o", "", p.T("cli.flag.export.o"))
	tier := fs.String("tier", "", p.T("cli.flag.export.tier"))
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || pos[0] != "accounts" {
		return usagef("cli.export.want")
	}
	if *format != "csv" && *format != "xlsx" {
		return usagef("cli.format.csv_xlsx")
	}
	a, done, err := openApp(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer done()
	if err := a.EnsureStandings(ctx); err != nil {
		return err
	}
	var w io.Writer = env.Stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	if err := app.ExportAccounts(ctx, a, bw, *format, store.AccountFilter{Tier: *tier}, p); err != nil {
		return err
	}
	return bw.Flush()
}
