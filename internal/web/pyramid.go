package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"kam/internal/app"
	"kam/internal/crm"
	"kam/internal/store"
)

type periodOption struct {
	Key, Label string
	Selected   bool
}

type pyramidPage struct {
	layout
	Scheme     string
	Query      url.Values
	Report     app.PyramidReport
	Migration  app.MigrationReport
	Targets    app.TargetReport
	HasTargets bool
	Periods    []periodOption
	From, To   string
	Linkable   bool // the period is the one account standings are stored for
	TopShare   float64
	TopNames   string
	Pyramid    chartPyramid
	Pareto     chartPareto
	Heat       chartHeat
	MoveLinks  [][]string
}

type chartPyramid struct {
	Tiers  []chartTier       `json:"tiers"`
	Labels map[string]string `json:"labels"`
}

type chartTier struct {
	Name         string  `json:"name"`
	Label        string  `json:"label"`
	Accounts     int     `json:"accounts"`
	AccountShare float64 `json:"account_share"`
	RevenueShare float64 `json:"revenue_share"`
	RevenueWan   string  `json:"revenue_wan"`
	Color        string  `json:"color"`
}

type chartPareto struct {
	Points [][2]float64      `json:"points"`
	Marks  []map[string]any  `json:"marks"`
	Theory [][2]float64      `json:"theory"`
	Labels map[string]string `json:"labels"`
}

type chartHeat struct {
	Rows   []string          `json:"rows"`
	Cols   []string          `json:"cols"`
	Cells  [][3]int          `json:"cells"`
	Links  map[string]string `json:"links"`
	Labels map[string]string `json:"labels"`
}

// pyramidQuery reads scheme and period from the URL.
func pyramidQuery(r *http.Request) (app.PyramidQuery, error) {
	q := r.URL.Query()
	spec := app.PeriodSpec{Key: q.Get("period"), From: q.Get("from"), To: q.Get("to"), TTM: q.Get("ttm") == "1"}
	if y := q.Get("year"); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil {
			return app.PyramidQuery{}, badRequest("year: " + y)
		}
		spec.Year = n
	}
	if spec.Key == "custom" {
		spec.Key = ""
	}
	scheme := q.Get("scheme")
	if scheme == "" {
		scheme = crm.SchemeThresholds
	}
	return app.PyramidQuery{Scheme: scheme, Period: spec}, nil
}

func (h *handler) showPyramid(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	d := pyramidPage{layout: h.layout(r, "pyramid", "nav.pyramid")}
	q, err := pyramidQuery(r)
	if err != nil {
		return err
	}
	d.Scheme = q.Scheme
	d.Report, err = h.app.Pyramid(ctx, q)
	if errors.Is(err, app.ErrNoData) {
		return h.render(w, http.StatusOK, "pyramid.html", d)
	}
	if err != nil {
		return err
	}
	p := d.Report.Period
	d.Query = url.Values{"period": {p.Key}, "scheme": {q.Scheme}}
	d.Migration, err = h.app.Migration(ctx, app.PyramidQuery{Scheme: q.Scheme, Period: app.PeriodSpec{Key: p.Key}})
	if err != nil {
		return err
	}
	d.Targets, err = h.app.Targets(ctx, app.PeriodSpec{Key: p.Key})
	if err != nil {
		return err
	}
	d.HasTargets = len(d.Targets.Targets.Layers) > 0
	standing, err := h.app.StandingPeriod(ctx)
	if err != nil {
		return err
	}
	d.Linkable = standing == p.Key
	d.Periods, err = h.periodOptions(r, p)
	if err != nil {
		return err
	}
	d.From, d.To = p.From.String(), p.To.String()
	if n := len(d.Report.Layers); n >= 2 {
		d.TopShare = d.Report.Layers[0].RevenueShare + d.Report.Layers[1].RevenueShare
		d.TopNames = d.Report.Layers[0].Name + "+" + d.Report.Layers[1].Name
	}
	d.charts()
	return h.render(w, http.StatusOK, "pyramid.html", d)
}

func (d *pyramidPage) layerLabel(name string) string {
	if d.Scheme == crm.SchemePareto {
		return d.T("band." + name)
	}
	return name
}

func (d *pyramidPage) charts() {
	d.Pyramid = chartPyramid{Labels: map[string]string{"accounts": d.T("chart.accounts"), "account_share": d.T("chart.account_share"), "revenue_share": d.T("chart.revenue_share")}}
	for _, l := range d.Report.Layers {
		d.Pyramid.Tiers = append(d.Pyramid.Tiers, chartTier{Name: l.Name, Label: d.layerLabel(l.Name), Accounts: l.Accounts, AccountShare: l.AccountShare,
			RevenueShare: l.RevenueShare, RevenueWan: l.Revenue.Wan(), Color: l.Name})
	}
	d.Pareto = chartPareto{Points: [][2]float64{}, Theory: [][2]float64{},
		Labels: map[string]string{"x": d.T("chart.account_share"), "y": d.T("chart.cumulative_revenue_share"), "actual": d.T("chart.actual"), "theory": d.T("chart.theory")}}
	for _, c := range d.Report.Curve {
		d.Pareto.Points = append(d.Pareto.Points, [2]float64{c.X, c.Y})
	}
	for _, b := range d.Report.Method.Bands {
		x := float64(b.TopBP) / 10000
		d.Pareto.Marks = append(d.Pareto.Marks, map[string]any{"x": x, "label": d.T("band."+b.Name) + " " + fmt.Sprintf("%g%%", 100*x)})
		d.Pareto.Theory = append(d.Pareto.Theory, [2]float64{x, b.ExpectedShare})
	}
	mg := d.Migration
	names := make([]string, 0, len(mg.Layers)+1)
	for _, n := range mg.Layers {
		names = append(names, d.layerLabel(n))
	}
	names = append(names, d.T("pyramid.none"))
	d.Heat = chartHeat{Rows: names, Cols: names, Links: map[string]string{}, Cells: [][3]int{},
		Labels: map[string]string{"y": mg.From.Key, "x": mg.To.Key}}
	d.MoveLinks = make([][]string, len(mg.Counts))
	for i, row := range mg.Counts {
		d.MoveLinks[i] = make([]string, len(row))
		for j, c := range row {
			if c == 0 {
				continue
			}
			d.Heat.Cells = append(d.Heat.Cells, [3]int{i, j, c})
			link := "/pyramid/moved?" + url.Values{"period": {mg.To.Key}, "scheme": {d.Scheme}, "from": {layerParam(mg.Layers, i)}, "to": {layerParam(mg.Layers, j)}}.Encode()
			d.Heat.Links[fmt.Sprintf("%d,%d", i, j)] = link
			d.MoveLinks[i][j] = link
		}
	}
}

func layerParam(layers []string, i int) string {
	if i >= len(layers) {
		return "none"
	}
	return layers[i]
}

// periodOptions lists the years with data, the trailing twelve months and
// the current selection for the period picker.
func (h *handler) periodOptions(r *http.Request, cur crm.Period) ([]periodOption, error) {
	p := printer(r)
	m, _, err := h.app.Method(r.Context())
	if err != nil {
		return nil, err
	}
	ttm, err := h.app.ResolvePeriod(r.Context(), app.PeriodSpec{TTM: true})
	if err != nil {
		return nil, err
	}
	var out []periodOption
	found := false
	add := func(key, label string) {
		sel := key == cur.Key
		found = found || sel
		out = append(out, periodOption{Key: key, Label: label, Selected: sel})
	}
	add(ttm.Key, p.T("period.ttm_to", ttm.To.String()))
	for y := ttm.To.Year(); y >= ttm.To.Year()-5; y-- {
		yp := m.Year(y)
		add(yp.Key, p.T("period.year", yp.Key))
	}
	if !found {
		add(cur.Key, cur.From.String()+" – "+cur.To.String())
	}
	return out, nil
}

type movedPage struct {
	layout
	From, To string
	Period   string
	Scheme   string
	List     app.AccountPage
	Pager    pager
}

func (h *handler) movedAccounts(w http.ResponseWriter, r *http.Request) error {
	q, err := pyramidQuery(r)
	if err != nil {
		return err
	}
	// Here from and to name layers, not the dates of a range.
	q.Period.From, q.Period.To = "", ""
	m, _, err := h.app.Method(r.Context())
	if err != nil {
		return err
	}
	fromName, toName := r.URL.Query().Get("from"), r.URL.Query().Get("to")
	from, ok1 := app.LayerIndex(&m, q.Scheme, fromName)
	to, ok2 := app.LayerIndex(&m, q.Scheme, toName)
	if !ok1 || !ok2 {
		return badRequest("from/to")
	}
	ids, err := h.app.MovedAccounts(r.Context(), q, from, to)
	if err != nil {
		return err
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	const per = 50
	start := len(ids)
	if page <= len(ids)/per+1 { // else (page-1)*per may overflow
		start = min((page-1)*per, len(ids))
	}
	list, err := h.app.Accounts(r.Context(), store.AccountFilter{IDs: ids[start:min(start+per, len(ids))], PerPage: per})
	if err != nil {
		return err
	}
	list.Total, list.Page, list.Pages = len(ids), page, (len(ids)+per-1)/per
	d := movedPage{layout: h.layout(r, "pyramid", "pyramid.moved"), From: fromName, To: toName, Period: q.Period.Key, Scheme: q.Scheme, List: list}
	d.Pager = newPager(r, list.Page, list.Pages, list.Total)
	return h.render(w, http.StatusOK, "accounts/moved.html", d)
}
