// Package e2e_test drives the whole program from the outside: a real kam
// server with the demo data, and a real headless Chromium reading its pages.
//
// The test needs Chromium (Debian: apt-get install chromium fonts-wqy-microhei).
// Without it the test is skipped, unless KAM_CI is set: in CI a missing browser
// is a failure, not a skip. With KAM_TEST_POSTGRES_URL set the server runs on
// a fresh PostgreSQL schema instead of an SQLite file.
//
// KAM_SCREENSHOT=1 also writes a full-page screenshot of the Chinese pyramid
// page, 1400 pixels wide, to docs/screenshot.png (shown by the README):
//
//	KAM_SCREENSHOT=1 go test -count=1 -run TestPyramidInBrowser ./internal/e2e/
package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"kam/internal/cli"
	"kam/internal/i18n"
	"kam/internal/store/storetest"
)

// The book's case (METHODOLOGY, the demo data): 4,695 franchisees whose
// revenue splits 22/28/23/27 % over tiers of 40, 360, 425 and 3,870 accounts.
var bookTiers = []struct {
	name     string
	accounts int
	count    string // as the table prints it
	share    string // share of revenue, as the table prints it
}{
	{"A", 40, "40", "22.0%"},
	{"B", 360, "360", "28.0%"},
	{"C", 425, "425", "23.0%"},
	{"D", 3870, "3,870", "27.0%"},
}

const bookAccounts = 4695

func TestPyramidInBrowser(t *testing.T) {
	browser := findChromium(t)
	base := startServer(t)

	ctx := newBrowser(t, browser)
	var (
		mu         sync.Mutex
		pageErrors []string
	)
	// Anything the page reports as an error fails the test: an uncaught
	// exception, a console.error (app.js logs a chart that failed to draw),
	// or an error of the browser log (a script or style that did not load).
	err := chromedp.Listen(ctx, func(ev any) {
		var msg string
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			msg = fmt.Sprintf("exception: %s (%s:%d:%d)", d.Text, d.URL, d.LineNumber, d.ColumnNumber)
			if d.Exception != nil && d.Exception.Description != "" {
				msg += ": " + d.Exception.Description
			}
		case *runtime.EventConsoleAPICalled:
			if ev.Type != runtime.ConsoleAPICalledTypeError && ev.Type != runtime.ConsoleAPICalledTypeAssert {
				return
			}
			var args []string
			for _, a := range ev.Args {
				var str string
				switch {
				case a.Description != "":
					args = append(args, a.Description)
				case json.Unmarshal(a.Value, &str) == nil:
					args = append(args, str)
				default:
					args = append(args, string(a.Value))
				}
			}
			msg = "console." + string(ev.Type) + ": " + strings.Join(args, " ")
		case *log.EventEntryAdded:
			// The browser asks for /favicon.ico by itself; KAM has none
			// yet, and the 404 is no error of the page.
			if ev.Entry.Level != log.EntryLevelError || strings.HasSuffix(ev.Entry.URL, "/favicon.ico") {
				return
			}
			msg = fmt.Sprintf("browser log (%s): %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
		default:
			return
		}
		mu.Lock()
		pageErrors = append(pageErrors, msg)
		mu.Unlock()
	})
	if err != nil {
		t.Fatalf("starting Chromium (%s): %v", browser, err)
	}
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, e := range pageErrors {
			t.Errorf("JavaScript error on /pyramid: %s", e)
		}
	}()

	// Ask for Chinese the way a browser set to Chinese does.
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
		Headers: network.Headers{"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"},
	}); err != nil {
		t.Fatal(err)
	}
	signIn(t, ctx, base)
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(base+"/pyramid"))
	if err != nil {
		t.Fatalf("GET /pyramid: %v", err)
	}
	if resp.Status != 200 {
		t.Fatalf("GET /pyramid: status %d, want 200", resp.Status)
	}
	// app.js draws the charts once echarts.min.js has loaded (both deferred).
	const chartSel = `.chart[data-chart=pyramid]`
	drawn := `(() => {
		const el = document.querySelector('` + chartSel + `');
		return !!(el && window.echarts && echarts.getInstanceByDom(el) && el.querySelector('canvas, svg'));
	})()`
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](drawn, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		classes, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('`+chartSel+`') || {}).className || 'no chart element'`))
		t.Fatalf("the pyramid chart was not drawn within 15s (%v); its element: %q", err, classes)
	}

	t.Run("table", func(t *testing.T) { checkTable(t, ctx) })
	t.Run("chart", func(t *testing.T) { checkChart(t, ctx, chartSel) })
	t.Run("chinese", func(t *testing.T) { checkChinese(t, ctx) })

	if os.Getenv("KAM_SCREENSHOT") == "1" {
		screenshot(t, ctx)
	}
}

// demoPassword is the password kam serve --demo gives every demo person here.
const demoPassword = "e2e demo passphrase"

// signIn opens /pyramid, is sent to the sign-in page, and signs in there as
// the demo's executive, by typing into the form like a person.
func signIn(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/pyramid"),
		chromedp.WaitVisible(`#email`),
	)
	if err != nil {
		t.Fatalf("opening /pyramid before signing in: %v", err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname + location.search`))
	if err != nil || loc != "/signin?back=%2Fpyramid" {
		t.Fatalf("/pyramid without a session went to %q (%v), want the sign-in page", loc, err)
	}
	err = chromedp.Do(ctx,
		chromedp.SendKeys(`#email`, "ceo@kam.example"),
		chromedp.SendKeys(`#password`, demoPassword),
		chromedp.Submit(`#password`),
		chromedp.WaitVisible(`#user-menu`),
	)
	if err != nil {
		t.Fatalf("signing in: %v", err)
	}
	who, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname + ' ' + document.querySelector('#user-menu').textContent`))
	if err != nil || who != "/pyramid 陈总" {
		t.Fatalf("after signing in: %q (%v), want the pyramid page of 陈总", who, err)
	}
}

// checkTable reads #pyramid-table: one row per tier, with the account count
// and the share of revenue in the columns the Chinese headers name.
func checkTable(t *testing.T, ctx context.Context) {
	type table struct {
		Head []string   `json:"head"`
		Rows [][]string `json:"rows"`
		Tier []string   `json:"tier"`
	}
	tab, err := chromedp.Run(ctx, chromedp.Evaluate[table](`(() => {
		const t = document.querySelector('#pyramid-table');
		if (!t) return null;
		const text = (c) => c.textContent.trim();
		return {
			head: Array.from(t.querySelectorAll('thead th'), text),
			rows: Array.from(t.querySelectorAll('tbody tr'), (tr) => Array.from(tr.cells, text)),
			tier: Array.from(t.querySelectorAll('tbody tr'), (tr) => tr.dataset.tier || ''),
		};
	})()`))
	if err != nil {
		t.Fatalf("reading #pyramid-table: %v", err)
	}
	zh := i18n.Get("zh-CN")
	accountsCol := slices.Index(tab.Head, zh.T("chart.accounts"))
	shareCol := slices.Index(tab.Head, zh.T("chart.revenue_share"))
	if accountsCol < 0 || shareCol < 0 {
		t.Fatalf("#pyramid-table headers = %q, want columns %q and %q", tab.Head, zh.T("chart.accounts"), zh.T("chart.revenue_share"))
	}
	if len(tab.Rows) != len(bookTiers) {
		t.Fatalf("#pyramid-table has %d rows (tiers %q), want %d", len(tab.Rows), tab.Tier, len(bookTiers))
	}
	for i, want := range bookTiers {
		row := tab.Rows[i]
		if tab.Tier[i] != want.name || !strings.Contains(row[0], want.name) {
			t.Errorf("row %d: tier %q (first cell %q), want %s", i+1, tab.Tier[i], row[0], want.name)
		}
		if max(accountsCol, shareCol) >= len(row) {
			t.Errorf("row %s has %d cells: %q", want.name, len(row), row)
			continue
		}
		if got := row[accountsCol]; got != want.count {
			t.Errorf("tier %s: %s = %q, want %q", want.name, tab.Head[accountsCol], got, want.count)
		}
		if got := row[shareCol]; got != want.share {
			t.Errorf("tier %s: %s = %q, want %q", want.name, tab.Head[shareCol], got, want.share)
		}
	}
}

// checkChart reads the option ECharts holds for the pyramid chart and the
// text it drew. The funnel's values only shape the pyramid; the counts are in
// the bar of the share of accounts and in the funnel's labels.
func checkChart(t *testing.T, ctx context.Context, sel string) {
	type series struct {
		Type string `json:"type"`
		Name string `json:"name"`
		Data []any  `json:"data"`
	}
	type chart struct {
		Renderer string   `json:"renderer"`
		Shapes   int      `json:"shapes"`
		Texts    []string `json:"texts"`
		Series   []series `json:"series"`
	}
	c, err := chromedp.Run(ctx, chromedp.Evaluate[chart](`(() => {
		const el = document.querySelector('`+sel+`');
		const opt = echarts.getInstanceByDom(el).getOption();
		const svg = el.querySelector('svg');
		return {
			renderer: el.querySelector('canvas') ? 'canvas' : (svg ? 'svg' : ''),
			shapes: svg ? svg.querySelectorAll('path, rect, polygon').length : (el.querySelector('canvas') ? 1 : 0),
			texts: svg ? Array.from(svg.querySelectorAll('text'), (t) => t.textContent) : [],
			series: opt.series.map((s) => ({
				type: s.type,
				name: s.name || '',
				data: (s.data || []).map((d) => (d !== null && typeof d === 'object') ? { name: d.name, value: d.value } : d),
			})),
		};
	})()`))
	if err != nil {
		t.Fatalf("reading the chart: %v", err)
	}
	if c.Renderer == "" || c.Shapes == 0 {
		t.Fatalf("the pyramid chart holds no drawing (renderer %q, %d shapes)", c.Renderer, c.Shapes)
	}
	t.Logf("chart drawn by the %s renderer: %d shapes", c.Renderer, c.Shapes)
	var funnel *series
	var bars []series
	for i, s := range c.Series {
		switch s.Type {
		case "funnel":
			funnel = &c.Series[i]
		case "bar":
			bars = append(bars, s)
		}
	}
	if funnel == nil {
		t.Fatalf("chart series = %+v, want a funnel", c.Series)
	}
	var names []string
	for _, d := range funnel.Data {
		if m, ok := d.(map[string]any); ok {
			names = append(names, fmt.Sprint(m["name"]))
		}
	}
	if want := []string{"A", "B", "C", "D"}; !slices.Equal(names, want) {
		t.Errorf("funnel tiers = %q, want %q", names, want)
	}
	// The first bar series is each tier's share of the accounts: times the
	// 4,695 accounts it gives back the counts.
	if len(bars) < 1 {
		t.Fatalf("chart series = %+v, want bars of the shares", c.Series)
	}
	var counts []int
	for _, d := range bars[0].Data {
		v, ok := d.(float64)
		if m, isMap := d.(map[string]any); isMap {
			v, ok = m["value"].(float64)
		}
		if !ok {
			t.Fatalf("bar %q: value %v is not a number", bars[0].Name, d)
		}
		counts = append(counts, int(math.Round(v*bookAccounts)))
	}
	var want []int
	for _, tier := range bookTiers {
		want = append(want, tier.accounts)
	}
	if !slices.Equal(counts, want) {
		t.Errorf("chart %q × %d = %v, want %v", bars[0].Name, bookAccounts, counts, want)
	}
	// With the SVG renderer the labels are in the page: "A · 40 · 22.0%".
	if c.Renderer == "svg" {
		all := strings.Join(c.Texts, "\n")
		for _, tier := range bookTiers {
			label := tier.name + " · " + tier.count + " · " + tier.share
			if !strings.Contains(all, label) {
				t.Errorf("the chart does not show the label %q; its texts: %q", label, c.Texts)
			}
		}
	}
}

func checkChinese(t *testing.T, ctx context.Context) {
	type page struct {
		Lang  string `json:"lang"`
		Title string `json:"title"`
		Text  string `json:"text"`
	}
	p, err := chromedp.Run(ctx, chromedp.Evaluate[page](`({lang: document.documentElement.lang, title: document.title, text: document.body.innerText})`))
	if err != nil {
		t.Fatal(err)
	}
	if p.Lang != "zh-CN" {
		t.Errorf(`<html lang> = %q, want "zh-CN"`, p.Lang)
	}
	for _, want := range []string{"客户金字塔", "客户数", "收入占比"} {
		if !strings.Contains(p.Text, want) {
			t.Errorf("the page's text does not contain %q; title %q", want, p.Title)
		}
	}
}

// screenshot writes docs/screenshot.png: the whole page, 1400 pixels wide.
// The viewport is first made as tall as the page, so that the sticky sidebar
// (100vh) reaches the bottom, and the charts have a moment to redraw.
func screenshot(t *testing.T, ctx context.Context) {
	h, err := chromedp.Run(ctx, chromedp.Evaluate[int64](`Math.ceil(document.documentElement.scrollHeight)`))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1400, h), chromedp.Sleep(time.Second)); err != nil {
		t.Fatal(err)
	}
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join("..", "..", "docs", "screenshot.png")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d bytes)", path, len(buf))
}

// findChromium returns the browser to drive. Without one the test is skipped,
// except in CI (KAM_CI set), where nothing may be skipped.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "/usr/bin/chromium"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("KAM_CI") != "" {
		t.Fatal("Chromium is not installed (apt-get install chromium fonts-wqy-microhei); KAM_CI is set, so the browser test may not be skipped")
	}
	t.Skip("Chromium is not installed (apt-get install chromium fonts-wqy-microhei): browser test skipped")
	return ""
}

// newBrowser starts a headless Chromium with a fresh profile, 1400×900, and
// returns its tab. The browser ends with the test.
func newBrowser(t *testing.T, path string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 900),
	)
	// The browser has a minute for its part; it needs a few seconds.
	deadline, cancelDeadline := context.WithTimeout(context.Background(), time.Minute)
	alloc, cancelAlloc := chromedp.NewExecAllocator(deadline, opts...)
	ctx, cancelTab := chromedp.NewContext(alloc, chromedp.WithErrorf(t.Logf))
	// Cleanups run last-in first-out: the browser has exited (cancelAlloc
	// waits for it) before t.TempDir removes its profile.
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		cancelDeadline()
	})
	return ctx
}

// startServer runs "kam serve --demo" in this process on a fresh database and
// a free port, and returns its base URL. The server stops with the test.
func startServer(t *testing.T) string {
	t.Helper()
	dsn := storetest.DSN(t)
	var stdout, stderr syncBuffer
	env := map[string]string{"KAM_DB": "", "KAM_ADDR": "", "KAM_CPUPROFILE": "", "KAM_DEMO_PASSWORD": demoPassword}
	getenv := func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		return os.Getenv(k)
	}
	ready := make(chan string, 1)
	done := make(chan int, 1)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		done <- cli.Main(ctx, cli.Env{
			Args:   []string{"serve", "--demo", "--db", dsn, "--addr", "127.0.0.1:0"},
			Stdin:  strings.NewReader(""),
			Stdout: &stdout,
			Stderr: &stderr,
			Getenv: getenv,
			Ready:  func(addr string) { ready <- addr },
		})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("kam serve exited with %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
			}
		case <-time.After(15 * time.Second):
			t.Errorf("kam serve did not stop within 15s of its context ending")
		}
	})
	select {
	case addr := <-ready:
		t.Logf("kam serve: %s", strings.TrimSpace(stdout.String()))
		return "http://" + addr
	case code := <-done:
		done <- code // for the cleanup
		t.Fatalf("kam serve exited with %d before listening\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	case <-time.After(2 * time.Minute):
		t.Fatalf("kam serve did not listen within 2 minutes\nstdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	}
	return ""
}

// syncBuffer is a bytes.Buffer that the server's goroutines and the test can
// share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
