package app_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"kam/internal/app"
	"kam/internal/crm"
	"kam/internal/store"
	"kam/internal/store/storetest"
	"kam/internal/transfer"
)

var today = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

func newApp(t *testing.T) (*app.App, *store.Store) {
	t.Helper()
	s := storetest.New(t)
	return app.New(s, app.Options{Now: func() time.Time { return today }}), s
}

func writeFile(t *testing.T, name string, body []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, body, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func gbk(t *testing.T, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// totals returns the number of accounts, revenue lines and their sum.
func totals(t *testing.T, s *store.Store) (accounts int, lines int, sum crm.Money) {
	t.Helper()
	ctx := context.Background()
	_, accounts, err := s.Accounts(ctx, store.AccountFilter{PerPage: 1})
	if err != nil {
		t.Fatal(err)
	}
	err = s.EachLedgerEntry(ctx, 0, func(e store.LedgerEntry) { lines++; sum += e.Amount })
	if err != nil {
		t.Fatal(err)
	}
	return accounts, lines, sum
}

func TestImportGBKSemicolonCSV(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, _ := newApp(t)
	body := "客户编号;客户名称;日期;金额;类别;产品;区域\r\n" +
		"C001;华为技术有限公司;2025/3/1;1,200,000.50;产品;路由器;广东\r\n" +
		"C001;华为技术有限公司;2025年4月2日;-200000.50;产品;退货;广东\r\n" +
		"C002;中兴通讯;2025-05-01 08:26:00;￥300,000;服务;维保;广东\r\n" +
		";无编号客户;2025-05-01;100;产品;;\r\n" +
		"C003;阿里巴巴;不是日期;abc;产品;;浙江\r\n"
	path := writeFile(t, "revenue.csv", gbk(t, body))
	res, err := a.Import(ctx, "test", app.ImportRequest{Kind: app.KindRevenue, Path: path})
	if err != nil {
		t.Fatal(err)
	}
	if res.Info.Encoding != "GB18030" || res.Info.Delimiter != ";" {
		t.Errorf("Info = %+v, want GB18030 with ;", res.Info)
	}
	b := res.Batch
	if b.RowsTotal != 5 || b.RowsAccepted != 3 || b.RowsRejected != 2 || b.AccountsCreated != 2 || res.NoAccountRows != 1 {
		t.Errorf("batch = %+v, no-account %d", b, res.NoAccountRows)
	}
	if b.AmountTotal != crm.Yuan(1_300_000) {
		t.Errorf("amount = %s, want 1300000.00", b.AmountTotal)
	}
	// Each problem names its row, its column and its reason; the bad row has two.
	want := map[string]bool{"5/account/no_account": false, "6/date/bad_date": false, "6/amount/bad_amount": false}
	for _, p := range res.Problems {
		key := strings.Join([]string{strconv.Itoa(p.Row), p.Field, p.Code}, "/")
		if _, ok := want[key]; ok {
			want[key] = true
		}
		if p.Field != "account" && !strings.Contains(p.Column, "column") {
			t.Errorf("problem %+v: column should name header and letter", p)
		}
	}
	for k, seen := range want {
		if !seen {
			t.Errorf("missing problem %s in %+v", k, res.Problems)
		}
	}
	acc, err := a.AccountByCode(ctx, "C001")
	if err != nil || acc.Name != "华为技术有限公司" || acc.Region != "广东" {
		t.Errorf("account C001 = %+v, %v", acc, err)
	}
	d, err := a.AccountDetail(ctx, acc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Months) != 2 || d.Months[0].Month != "2025-03" || d.Months[1].Product != -crm.Yuan(200_000)-50 {
		t.Errorf("months = %+v", d.Months)
	}
	// The pyramid of 2025 sees the netted revenue: C001 1,000,000 → C.
	py, err := a.Pyramid(ctx, app.PyramidQuery{Period: app.PeriodSpec{Year: 2025}})
	if err != nil {
		t.Fatal(err)
	}
	if py.Layers[2].Accounts != 1 || py.Layers[3].Accounts != 1 || py.Revenue != crm.Yuan(1_300_000) {
		t.Errorf("pyramid = %+v", py.Layers)
	}
}

func TestImportTwiceDoesNotDouble(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, s := newApp(t)
	path := writeFile(t, "r.csv", []byte("account,date,amount\nA1,2025-01-05,100\nA2,2025-02-05,200.25\n"))
	if _, err := a.Import(ctx, "test", app.ImportRequest{Kind: app.KindRevenue, Path: path}); err != nil {
		t.Fatal(err)
	}
	_, lines, sum := totals(t, s)
	// The same bytes under another name are the same file.
	again := writeFile(t, "copy.csv", []byte("account,date,amount\nA1,2025-01-05,100\nA2,2025-02-05,200.25\n"))
	_, err := a.Import(ctx, "test", app.ImportRequest{Kind: app.KindRevenue, Path: again})
	var ie *app.ImportError
	if !errors.As(err, &ie) || ie.Code != "already_imported" || ie.Prev == nil || ie.Prev.ID != 1 {
		t.Fatalf("second import = %v, want already_imported naming batch 1", err)
	}
	if _, l2, s2 := totals(t, s); l2 != lines || s2 != sum || sum != 30025 {
		t.Errorf("after second import: %d lines %s, want %d lines %s (= 300.25)", l2, s2, lines, sum)
	}
}

// TestImportAtomicOnBadFile: a file that breaks in the middle (here an
// unterminated quote after many good rows) leaves the database as it was.
func TestImportAtomicOnBadFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, s := newApp(t)
	seed := writeFile(t, "seed.csv", []byte("客户编号,日期,金额\nS1,2025-01-01,1\n"))
	if _, err := a.Import(ctx, "test", app.ImportRequest{Kind: app.KindRevenue, Path: seed}); err != nil {
		t.Fatal(err)
	}
	acc0, lines0, sum0 := totals(t, s)
	var b strings.Builder
	b.WriteString("客户编号,客户名称,日期,金额\n")
	for i := 0; i < 20000; i++ {
		b.WriteString("N" + strconv.Itoa(i) + ",新客户,2025-03-01,10\n")
	}
	b.WriteString("BAD,\"unterminated,2025-03-01,10\n")
	path := writeFile(t, "bad.csv", []byte(b.String()))
	_, err := a.Import(ctx, "test", app.ImportRequest{Kind: app.KindRevenue, Path: path})
	if err == nil || !strings.Contains(err.Error(), "20002") {
		t.Fatalf("import of a broken file = %v, want an error naming line 20002", err)
	}
	if acc, lines, sum := totals(t, s); acc != acc0 || lines != lines0 || sum != sum0 {
		t.Errorf("after failed import: %d accounts %d lines %s, want %d %d %s", acc, lines, sum, acc0, lines0, sum0)
	}
	if list, _ := a.Batches(ctx, 10); len(list) != 1 {
		t.Errorf("batches = %d, want only the seed", len(list))
	}
}

func TestImportDryRunStoresNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, s := newApp(t)
	path := writeFile(t, "r.csv", []byte("客户编号\t客户名称\t日期\t数量\t单价\n"+
		"Q1\t甲\t2025-01-05\t3\t33.335\nQ2\t乙\t2025-01-05\t2.5\t10\n"))
	res, err := a.Import(ctx, "test", app.ImportRequest{Kind: app.KindRevenue, Path: path, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	// quantity × unit price, rounded half away from zero to the fen.
	if len(res.Preview) != 2 || res.Preview[0].Amount != 10001 || res.Preview[1].Amount != 2500 || res.Info.Delimiter != "\t" {
		t.Errorf("preview = %+v, info %+v", res.Preview, res.Info)
	}
	if res.Batch.AccountsCreated != 2 || res.Batch.ID != 0 {
		t.Errorf("batch = %+v", res.Batch)
	}
	if acc, lines, _ := totals(t, s); acc != 0 || lines != 0 {
		t.Errorf("dry run stored %d accounts, %d lines", acc, lines)
	}
	// The real run then stores exactly what the dry run showed.
	res2, err := a.Import(ctx, "test", app.ImportRequest{Kind: app.KindRevenue, Path: path})
	if err != nil || res2.Batch.AmountTotal != 12501 {
		t.Fatalf("import = %+v, %v", res2, err)
	}
}

func TestImportXLSXWithSheetAndMapping(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, _ := newApp(t)
	f := excelize.NewFile()
	f.NewSheet("明细")
	rows := [][]any{{"往来单位编码", "单位名称", "开票日期", "销售额（万元）"}, {"X1", "甲公司", 45717, 12.5}, {"X2", "乙公司", "2025-03-02", "=1+1"}}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		f.SetSheetRow("明细", cell, &r)
	}
	style, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	f.SetCellStyle("明细", "C2", "C2", style)
	path := filepath.Join(t.TempDir(), "r.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	// Unknown sheet: a clear error listing the sheets, nothing stored.
	_, err := a.Import(ctx, "test", app.ImportRequest{Kind: app.KindRevenue, Path: path, Sheet: "nope"})
	if err == nil || !strings.Contains(err.Error(), "明细") {
		t.Errorf("unknown sheet: %v, want the available sheets named", err)
	}
	res, err := a.Import(ctx, "test", app.ImportRequest{Kind: app.KindRevenue, Path: path, Sheet: "明细",
		Columns: map[transfer.Field]string{"amount": "销售额（万元）"}, SaveMappingAs: "erp"})
	if err != nil {
		t.Fatal(err)
	}
	// 12.5 万元 on 2025-03-01 (serial 45717); the formula row has no cached value.
	if res.Batch.RowsAccepted != 1 || res.Batch.AmountTotal != crm.Yuan(125_000) || res.Preview[0].Date != crm.MakeDate(2025, 3, 1) {
		t.Errorf("result = %+v preview %+v problems %+v", res.Batch, res.Preview, res.Problems)
	}
	m, err := a.Mappings(ctx, app.KindRevenue)
	if err != nil || len(m) != 1 || m[0].Name != "erp" || !strings.Contains(m[0].Columns, "销售额") {
		t.Errorf("saved mappings = %+v, %v", m, err)
	}
}

func TestImportBadFiles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, s := newApp(t)
	for _, tc := range []struct {
		name, file string
		body       []byte
		want       string
	}{
		{"empty", "e.csv", []byte{}, "empty"},
		{"header only", "h.csv", []byte("客户编号,日期,金额\n"), "no data rows"},
		{"fake xlsx", "f.xlsx", []byte("客户编号,日期,金额\nA,2025-01-01,1\n"), "XLSX"},
		{"missing amount", "m.csv", []byte("客户编号,日期\nA,2025-01-01\n"), "amount"},
		{"duplicate header", "d.csv", []byte("客户编号,日期,金额,金额\nA,2025-01-01,1,2\n"), "金额"},
	} {
		path := writeFile(t, tc.file, tc.body)
		_, err := a.Import(ctx, "test", app.ImportRequest{Kind: app.KindRevenue, Path: path})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want mention of %q", tc.name, err, tc.want)
		}
	}
	if acc, lines, _ := totals(t, s); acc != 0 || lines != 0 {
		t.Errorf("bad files stored %d accounts, %d lines", acc, lines)
	}
}

func TestImportAccountsThenRevenue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, _ := newApp(t)
	accs := writeFile(t, "a.csv", []byte("客户编号,客户名称,客户类型,行业,区域,是否上市,行业龙头,潜在年采购额\n"+
		"K1,华为,企业,通信,广东,是,是,\"9,000,000\"\nK2,小店,加盟商,零售,河南,否,否,\nK1,重复,企业,,,,,\n"))
	res, err := a.Import(ctx, "test", app.ImportRequest{Kind: app.KindAccounts, Path: accs})
	if err != nil {
		t.Fatal(err)
	}
	if res.Batch.AccountsCreated != 2 || res.Batch.RowsRejected != 1 || res.Problems[0].Code != "duplicate_account" {
		t.Errorf("accounts import = %+v %+v", res.Batch, res.Problems)
	}
	k1, err := a.AccountByCode(ctx, "K1")
	if err != nil || k1.Type != crm.TypeEnterprise || !k1.IsListed || !k1.IsLeader || k1.Potential != crm.Yuan(9_000_000) {
		t.Errorf("K1 = %+v, %v", k1, err)
	}
	rev := writeFile(t, "r.csv", []byte("客户编号,日期,金额\nK1,2025-06-01,6000000\nK2,2025-06-01,50000\n"))
	if _, err := a.Import(ctx, "test", app.ImportRequest{Kind: app.KindRevenue, Path: rev}); err != nil {
		t.Fatal(err)
	}
	if err := a.EnsureStandings(ctx); err != nil {
		t.Fatal(err)
	}
	k1, _ = a.AccountByCode(ctx, "K1")
	if k1.Tier != "A" || k1.Revenue != crm.Yuan(6_000_000) || k1.Band != crm.BandOxNose {
		t.Errorf("K1 standing = %s %s %s", k1.Tier, k1.Revenue, k1.Band)
	}
	page, err := a.Accounts(ctx, store.AccountFilter{Tier: "A"})
	if err != nil || page.Total != 1 {
		t.Errorf("tier A list = %+v, %v", page, err)
	}
	// An accounts file again updates names without creating accounts.
	upd := writeFile(t, "a2.csv", []byte("客户编号,客户名称\nK2,小店（新）\n"))
	res, err = a.Import(ctx, "test", app.ImportRequest{Kind: app.KindAccounts, Path: upd})
	if err != nil || res.Batch.AccountsCreated != 0 {
		t.Fatalf("update import = %+v, %v", res, err)
	}
	if k2, _ := a.AccountByCode(ctx, "K2"); k2.Name != "小店（新）" || k2.Type != crm.TypeFranchisee {
		t.Errorf("K2 after update = %+v", k2)
	}
}

// perAccount sums the stored revenue lines of each account code.
func perAccount(t *testing.T, a *app.App, s *store.Store, codes ...string) map[string][2]int64 {
	t.Helper()
	ctx := context.Background()
	byID := map[int64]string{}
	for _, c := range codes {
		acc, err := a.AccountByCode(ctx, c)
		if err != nil {
			t.Fatalf("account %s: %v", c, err)
		}
		byID[acc.ID] = c
	}
	out := map[string][2]int64{}
	err := s.EachLedgerEntry(ctx, 0, func(e store.LedgerEntry) {
		if c, ok := byID[e.AccountID]; ok {
			v := out[c]
			v[0]++
			v[1] += int64(e.Amount)
			out[c] = v
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestImportNewAccountsAfterManyLines: accounts first seen after more lines
// than one COPY starts with are created, and their lines and the lines
// around them are all stored. On PostgreSQL the accounts are created between
// two COPYs, while the reader is far ahead of the writer: more lines wait in
// the sink than start a COPY.
func TestImportNewAccountsAfterManyLines(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, s := newApp(t)
	seed := writeFile(t, "seed.csv", []byte("客户编号,日期,金额\nK1,2025-01-01,1\n"))
	if _, err := a.Import(ctx, "test", app.ImportRequest{Kind: app.KindRevenue, Path: seed}); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("客户编号,客户名称,日期,金额,产品\n")
	for i := 0; i < 3; i++ {
		for j := 0; j < 100_000; j++ {
			b.WriteString("K1,老客户,2025-03-01,2,\"润滑油 18L\"\n")
		}
		for j := 0; j < 1000; j++ {
			b.WriteString("N" + strconv.Itoa(i) + ",新客户,2025-03-02,3,润滑油\n")
		}
	}
	path := writeFile(t, "many.csv", []byte(b.String()))
	res, err := a.Import(ctx, "test", app.ImportRequest{Kind: app.KindRevenue, Path: path})
	if err != nil {
		t.Fatal(err)
	}
	if res.Batch.RowsAccepted != 303_000 || res.Batch.AccountsCreated != 3 {
		t.Errorf("batch = %+v, want 303000 lines and 3 new accounts", res.Batch)
	}
	got := perAccount(t, a, s, "K1", "N0", "N1", "N2")
	want := map[string][2]int64{"K1": {300_001, 100 + 300_000*200}, "N0": {1000, 300_000}, "N1": {1000, 300_000}, "N2": {1000, 300_000}}
	for c, w := range want {
		if got[c] != w {
			t.Errorf("%s: %d lines summing to %d fen, want %d and %d", c, got[c][0], got[c][1], w[0], w[1])
		}
	}
}

// TestImportAccountCellsOnEveryLine: the account cells of every line are
// read, not only those of an account's first line: a later line with a bad
// type or a name too long is rejected, lines that repeat good cells are
// kept, and a new account takes the cells of its first accepted line.
func TestImportAccountCellsOnEveryLine(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, _ := newApp(t)
	long := strings.Repeat("长", 201)
	body := "客户编号,客户名称,日期,金额,客户类型,区域\n" +
		"K9,,2025-01-01,1,,\n" + // 2: no name: the code is the name
		"K9,九号店,2025-01-02,2,经销商,河南\n" + // 3
		"K9,九号店,2025-01-03,4,不知道,河南\n" + // 4: bad_type
		"K9,九号店,2025-01-04,8,经销商,河南\n" + // 5: as line 3
		"K9," + long + ",2025-01-05,16,经销商,河南\n" + // 6: too_long
		"K9,九号店,2025-01-06,32,经销商,河南\n" + // 7
		"K8,不知道,2025-01-07,64,不知道,\n" + // 8: bad_type, no account made
		"K8,八号店,2025-01-08,128,加盟商,浙江\n" + // 9: K8 made from here
		"K8, 八号店 ,2025-01-09,256,加盟商,浙江\n" // 10: the same cells, trimmed
	path := writeFile(t, "cells.csv", []byte(body))
	res, err := a.Import(ctx, "test", app.ImportRequest{Kind: app.KindRevenue, Path: path, PreviewRows: 20})
	if err != nil {
		t.Fatal(err)
	}
	if res.Batch.RowsAccepted != 6 || res.Batch.RowsRejected != 3 || res.Batch.AmountTotal != crm.Yuan(1+2+8+32+128+256) {
		t.Errorf("batch = %+v", res.Batch)
	}
	var problems []string
	for _, p := range res.Problems {
		problems = append(problems, strconv.Itoa(p.Row)+"/"+p.Field+"/"+p.Code)
	}
	if want := []string{"4/type/bad_type", "6/account/too_long", "8/type/bad_type"}; !slices.Equal(problems, want) {
		t.Errorf("problems = %v, want %v", problems, want)
	}
	var names []string
	for _, p := range res.Preview {
		names = append(names, strconv.Itoa(p.Row)+":"+p.Name+":"+p.Type+":"+p.Region)
	}
	want := []string{"2:K9::", "3:九号店:DEALER:河南", "5:九号店:DEALER:河南", "7:九号店:DEALER:河南",
		"9:八号店:FRANCHISEE:浙江", "10:八号店:FRANCHISEE:浙江"}
	if !slices.Equal(names, want) {
		t.Errorf("preview = %v, want %v", names, want)
	}
	if k9, err := a.AccountByCode(ctx, "K9"); err != nil || k9.Name != "K9" || k9.Type != "" {
		t.Errorf("K9 = %+v, %v; want the cells of its first line", k9, err)
	}
	if k8, err := a.AccountByCode(ctx, "K8"); err != nil || k8.Name != "八号店" || k8.Type != crm.TypeFranchisee || k8.Region != "浙江" {
		t.Errorf("K8 = %+v, %v; want the cells of its first accepted line", k8, err)
	}
}

// TestImportAtomicAfterManyLines: a file that breaks after more lines than a
// COPY starts with leaves the database as it was, and the next import works.
func TestImportAtomicAfterManyLines(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, s := newApp(t)
	seed := writeFile(t, "seed.csv", []byte("客户编号,日期,金额\nS1,2025-01-01,1\n"))
	if _, err := a.Import(ctx, "test", app.ImportRequest{Kind: app.KindRevenue, Path: seed}); err != nil {
		t.Fatal(err)
	}
	acc0, lines0, sum0 := totals(t, s)
	var b strings.Builder
	b.WriteString("客户编号,日期,金额\n")
	for i := 0; i < 70_000; i++ {
		b.WriteString("S1,2025-03-01,10\n")
	}
	b.WriteString("S1,\"2025-03-01,10\n")
	path := writeFile(t, "bad.csv", []byte(b.String()))
	_, err := a.Import(ctx, "test", app.ImportRequest{Kind: app.KindRevenue, Path: path})
	if err == nil || !strings.Contains(err.Error(), "70002") {
		t.Fatalf("import of a broken file = %v, want an error naming line 70002", err)
	}
	if acc, lines, sum := totals(t, s); acc != acc0 || lines != lines0 || sum != sum0 {
		t.Errorf("after failed import: %d accounts %d lines %s, want %d %d %s", acc, lines, sum, acc0, lines0, sum0)
	}
	good := writeFile(t, "good.csv", []byte("客户编号,日期,金额\nS1,2025-04-01,5\n"))
	if _, err := a.Import(ctx, "test", app.ImportRequest{Kind: app.KindRevenue, Path: good}); err != nil {
		t.Fatalf("import after the failed one: %v", err)
	}
	if _, lines, sum := totals(t, s); lines != lines0+1 || sum != sum0+500 {
		t.Errorf("after the next import: %d lines %s, want %d and %s", lines, sum, lines0+1, sum0+500)
	}
}

// TestImportRefusedFirst: a file imported before is refused before anything
// else is looked at, a dry run too, and with no result.
func TestImportRefusedFirst(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, s := newApp(t)
	body := []byte("客户编号,日期,金额\nR1,2025-01-05,100\n")
	if _, err := a.Import(ctx, "test", app.ImportRequest{Kind: app.KindRevenue, Path: writeFile(t, "r.csv", body)}); err != nil {
		t.Fatal(err)
	}
	for _, req := range []app.ImportRequest{
		{Kind: app.KindRevenue, DryRun: true},
		{Kind: app.KindRevenue, Columns: map[transfer.Field]string{"amount": "no such column"}},
		{Kind: app.KindRevenue, MappingName: "never saved"},
		{Kind: app.KindRevenue, Format: "xlsx"},
	} {
		req.Path = writeFile(t, "again.csv", body)
		res, err := a.Import(ctx, "test", req)
		var ie *app.ImportError
		if !errors.As(err, &ie) || ie.Code != "already_imported" || ie.Prev == nil || ie.Prev.ID != 1 || res != nil {
			t.Errorf("Import(%+v) = %+v, %v; want already_imported naming batch 1 and no result", req, res, err)
		}
	}
	if _, lines, _ := totals(t, s); lines != 1 {
		t.Errorf("%d lines stored, want 1", lines)
	}
	// A file that cannot be read at all says so, whatever else is wrong.
	_, err := a.Import(ctx, "test", app.ImportRequest{Kind: app.KindRevenue, Path: filepath.Join(t.TempDir(), "missing.csv"), MappingName: "never saved"})
	var ie *app.ImportError
	if !errors.As(err, &ie) || ie.Code != "read" || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v, want a read error", err)
	}
}
