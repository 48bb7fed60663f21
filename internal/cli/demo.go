package cli

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"

	"kam/internal/config"
	"kam/internal/crm"
	"kam/internal/demo"
	"kam/internal/store"
)

func runDemo(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	fs := newFlags("demo", env, &cfg)
	p := env.p
	accounts := fs.Int("accounts", 0, p.T("cli.flag.demo.accounts"))
	lines := fs.Int("lines", 0, p.T("cli.flag.demo.lines"))
	seed := fs.Uint64("seed", 0, p.T("cli.flag.demo.seed"))
	now := fs.String("now", "", p.T("cli.flag.demo.now"))
	csvDir := fs.String("csv", "", p.T("cli.flag.demo.csv"))
	opps := fs.Int("opportunities", 0, p.T("cli.flag.demo.opportunities"))
	acts := fs.Int("activities", 0, p.T("cli.flag.demo.activities"))
	if _, err := parse(fs, args); err != nil {
		return err
	}
	opt := demo.Options{Accounts: *accounts, Lines: *lines, Seed: *seed, Now: crm.DateOf(timeNow())}
	if *now != "" {
		d, err := crm.ParseISODate(*now)
		if err != nil {
			return usagef("cli.demo.bad_now", err)
		}
		opt.Now = d
	}
	if *csvDir != "" {
		return writeDemoCSV(env, opt, *csvDir)
	}
	a, done, err := openApp(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer done()
	if *opps > 0 || *acts > 0 {
		return loadProcessDemo(ctx, a, env, cfg, opt, *opps, *acts)
	}
	bar := newProgress(env.Stderr, p.T("cli.progress.demo"), int64(*lines))
	res, err := a.LoadDemo(ctx, "cli", opt, func(n int64) { bar.set(n) })
	bar.finish()
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, p.T("cli.demo.loaded", res.Accounts, res.Lines, res.Revenue.Grouped(), store.Redact(cfg.DB)))
	return nil
}

// writeDemoCSV writes the generated data as the CSV files a company would
// import, for benchmarks and for trying the import.
func writeDemoCSV(env Env, opt demo.Options, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	af, err := os.Create(filepath.Join(dir, "accounts.csv"))
	if err != nil {
		return err
	}
	defer af.Close()
	rf, err := os.Create(filepath.Join(dir, "revenue.csv"))
	if err != nil {
		return err
	}
	defer rf.Close()
	ab := bufio.NewWriterSize(af, 1<<20)
	rb := bufio.NewWriterSize(rf, 1<<20)
	aw := csv.NewWriter(ab)
	aw.Write([]string{"客户编号", "客户名称", "客户类型", "行业", "区域", "是否上市", "行业龙头", "潜在年采购额"})
	rb.WriteString("客户编号,日期,金额,类别,产品\n")
	var n int64
	buf := make([]byte, 0, 128)
	err = demo.Generate(opt, func(a demo.Account) error {
		return aw.Write([]string{a.Code, a.Name, a.Type, a.Industry, a.Region, yesNo(a.IsListed), yesNo(a.IsLeader), a.Potential.String()})
	}, func(l demo.Line) error {
		n++
		buf = buf[:0]
		buf = append(buf, l.AccountCode...)
		buf = append(buf, ',')
		buf = append(buf, l.Date.String()...)
		buf = append(buf, ',')
		buf = append(buf, l.Amount.String()...)
		buf = append(buf, ',')
		buf = append(buf, l.Class...)
		buf = append(buf, ',')
		buf = append(buf, l.Product...)
		buf = append(buf, '\n')
		_, err := rb.Write(buf)
		return err
	})
	if err != nil {
		return err
	}
	aw.Flush()
	if err := aw.Error(); err != nil {
		return err
	}
	if err := ab.Flush(); err != nil {
		return err
	}
	if err := rb.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, env.p.T("cli.demo.wrote", af.Name(), rf.Name(), n))
	return nil
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}
