package app

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"kam/internal/crm"
	"kam/internal/i18n"
	"kam/internal/store"
)

// Alerts (METHODOLOGY §1.2, §6.1): rules over opportunities, activities,
// revenue, cadence and handovers, with the thresholds of the configuration.
// ScanAlerts raises each alert once, tells its recipients (inbox and
// channels, in the transaction that raises it) and resolves it when its
// condition clears. docs/standards.md.

// AlertKind starts the notification kind of an alert ("alert.OPP_STALE").
const AlertKind = "alert."

// ScanResult says what one scan did.
type ScanResult struct {
	Raised   int `json:"raised"`
	Resolved int `json:"resolved"`
	Open     int `json:"open"` // conditions holding now
}

// alertHit is a condition that holds now for one subject.
type alertHit struct {
	sub store.Subject
	// detail makes the alert's detail: only for the alerts raised (most
	// hits of a scan are alerts open already), since a detail map of each
	// of 31,052 hits was a tenth of kam serve's heap (docs/benchmarks.md).
	// Each call makes a fresh map.
	detail func() map[string]any
	people []int64 // recipients
	link   string
}

// scanBatch bounds the alerts raised in one transaction.
const scanBatch = 500

// ScanAlerts evaluates every rule on today: a condition that holds and has
// no open alert raises one, told to its recipients through Notify in the
// same transaction; an open alert whose condition no longer holds is
// resolved. Running it again changes nothing until the data does.
func (a *App) ScanAlerts(ctx context.Context, today crm.Date) (ScanResult, error) {
	var res ScanResult
	if err := Allow(ctx, crm.PermSettings); err != nil {
		return res, err
	}
	m, _, err := a.Method(ctx)
	if err != nil {
		return res, err
	}
	hits, err := a.alertConditions(ctx, &m, today)
	if err != nil {
		return res, err
	}
	now := a.now()
	for _, rule := range crm.AlertRuleNames {
		cur := hits[rule]
		res.Open += len(cur)
		open, err := a.store.OpenAlertSubjects(ctx, rule)
		if err != nil {
			return res, err
		}
		var resolve []int64
		for subject, id := range open {
			if _, ok := cur[subject]; !ok {
				resolve = append(resolve, id)
			}
		}
		var raise []alertHit
		for subject, h := range cur {
			if _, ok := open[subject]; !ok {
				raise = append(raise, h)
			}
		}
		slices.SortFunc(raise, func(x, y alertHit) int { return int(x.sub.ID - y.sub.ID) })
		if len(resolve) > 0 {
			if err := a.store.ResolveAlerts(ctx, resolve, now); err != nil {
				return res, err
			}
			res.Resolved += len(resolve)
		}
		for len(raise) > 0 {
			batch := raise[:min(len(raise), scanBatch)]
			raise = raise[len(batch):]
			n := 0
			err := a.store.InTx(ctx, func(tx *store.Store) error {
				n = 0
				for _, h := range batch {
					detail := h.detail()
					detail["name"] = h.sub.Name
					al := store.Alert{Rule: rule, SubjectID: h.sub.ID, AccountID: h.sub.AccountID, OwnerID: h.sub.OwnerID,
						Detail: detail, Recipients: h.people, RaisedAt: now}
					id, err := tx.RaiseAlert(ctx, al)
					if err != nil {
						return err
					}
					if id == 0 {
						continue // raised meanwhile by another scan
					}
					n++
					al.ID = id
					row := store.AlertRow{Alert: al, AccountName: h.sub.AccountName}
					render := func(p *i18n.Printer) (string, string) { return AlertTitle(p, row), alertBody(p, row) }
					if err := a.Notify(ctx, tx, Notification{Kind: AlertKind + rule, Render: render,
						Link: h.link, Recipients: h.people}); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return res, err
			}
			res.Raised += n
		}
	}
	if res.Raised+res.Resolved > 0 {
		a.log.Info("alerts scanned", "raised", res.Raised, "resolved", res.Resolved, "open", res.Open)
	}
	return res, nil
}

// alertConditions evaluates every rule: the subjects for which each holds.
func (a *App) alertConditions(ctx context.Context, m *crm.Method, today crm.Date) (map[string]map[int64]alertHit, error) {
	managers, err := a.store.ManagerLinks(ctx)
	if err != nil {
		return nil, err
	}
	hits := map[string]map[int64]alertHit{}
	add := func(rule string, s store.Subject, link string, detail func() map[string]any, others ...int64) {
		people := []int64{s.OwnerID}
		people = append(people, others...)
		if m.IsKeyAccount(s.Tier, s.Band) && managers[s.OwnerID] != 0 {
			people = append(people, managers[s.OwnerID])
		}
		people = slices.DeleteFunc(people, func(id int64) bool { return id == 0 })
		slices.Sort(people)
		people = slices.Compact(people)
		if hits[rule] == nil {
			hits[rule] = map[int64]alertHit{}
		}
		hits[rule][s.ID] = alertHit{sub: s, detail: detail, people: people, link: link}
	}
	r := m.Alerts
	now := a.now()

	// An open opportunity with no activity for StaleDays days (counted from
	// its creation when it has none).
	cutoff := today.AddDays(-r.StaleDays + 1)
	stale, err := a.store.StaleOpportunities(ctx, cutoff, cutoff.Time())
	if err != nil {
		return nil, err
	}
	for _, s := range stale {
		last := max(s.Day, crm.DateOf(s.Created))
		if crm.Stale(last, today, r.StaleDays) {
			add(crm.AlertOppStale, s, oppLink(s.ID), func() map[string]any {
				return map[string]any{"days": crm.DaysBetween(last, today), "last": dayText(s.Day)}
			})
		}
	}

	// In its stage for more than StageFactor × the median finished stay.
	durations, err := a.store.StayDurations(ctx)
	if err != nil {
		return nil, err
	}
	for _, stage := range m.OpenOppStages() {
		ds := durations[stage]
		if len(ds) < r.StageMinStays {
			continue
		}
		med := crm.Median(ds)
		if med <= 0 {
			continue
		}
		limit := time.Duration(r.StageFactor * med * 24 * float64(time.Hour))
		subs, err := a.store.OpportunitiesInStageSince(ctx, stage, now.Add(-limit))
		if err != nil {
			return nil, err
		}
		for _, s := range subs {
			days := now.Sub(s.Since).Hours() / 24
			if crm.StageTooLong(days, med, r.StageFactor) {
				add(crm.AlertStageLong, s, oppLink(s.ID), func() map[string]any {
					return map[string]any{"stage": stage, "days": math.Floor(days), "median": math.Round(med*10) / 10, "factor": r.StageFactor}
				})
			}
		}
	}

	// Key accounts whose revenue fell.
	keys, err := a.store.SegmentAccounts(ctx, r.KeyTiers, r.KeyBands, nil)
	if err != nil {
		return nil, err
	}
	if len(keys) > 0 {
		if err := a.ledger.sync(ctx, a.store); err != nil {
			return nil, err
		}
		year, yearBefore, months, monthsBefore := crm.RevenueWindows(today)
		ps := []crm.Period{year, yearBefore, months, monthsBefore}
		sums := make([][]crm.Money, len(ps))
		for k := range sums {
			sums[k] = make([]crm.Money, len(keys))
		}
		a.ledger.periodSums(ps, func(k int, s []int64, has []bool) {
			for i, acc := range keys {
				if int(acc.ID) < len(s) {
					sums[k][i] = crm.Money(s[acc.ID])
				}
			}
		})
		for i, s := range keys {
			if crm.RevenueFell(sums[0][i], sums[1][i], r.RevenueYearPct) {
				cur, prev := sums[0][i], sums[1][i]
				add(crm.AlertRevenueYear, s, accountLink(s.ID), func() map[string]any { return revenueDetail(cur, prev, year, yearBefore) })
			}
			if crm.RevenueFell(sums[2][i], sums[3][i], r.Revenue3MPct) {
				cur, prev := sums[2][i], sums[3][i]
				add(crm.AlertRevenue3M, s, accountLink(s.ID), func() map[string]any { return revenueDetail(cur, prev, months, monthsBefore) })
			}
		}
	}

	// Cadence missed.
	items, err := a.cadenceItems(ctx, m, today, nil)
	if err != nil {
		return nil, err
	}
	for _, c := range items {
		if c.DaysOverdue > 0 {
			days, cadence, last := c.DaysOverdue, c.CadenceDays, c.Day
			add(crm.AlertCadence, c.Subject, accountLink(c.ID), func() map[string]any {
				return map[string]any{"days": days, "cadence": cadence, "last": dayText(last)}
			})
		}
	}

	// Handovers open past their due date.
	hos, err := a.store.OverdueHandovers(ctx, today)
	if err != nil {
		return nil, err
	}
	for _, s := range hos {
		due := s.Due
		add(crm.AlertHandover, s, "/handovers/"+strconv.FormatInt(s.ID, 10), func() map[string]any {
			return map[string]any{"days": crm.DaysBetween(due, today), "due": due.String()}
		}, s.Others...)
	}
	return hits, nil
}

func revenueDetail(cur, prev crm.Money, p, before crm.Period) map[string]any {
	return map[string]any{"current": int64(cur), "previous": int64(prev), "drop_pct": math.Round(crm.DropPct(cur, prev)*10) / 10,
		"from": p.From.String(), "to": p.To.String(), "before_from": before.From.String(), "before_to": before.To.String()}
}

// dayText is d as text, "" for none.
func dayText(d crm.Date) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

func oppLink(id int64) string     { return "/opportunities/" + strconv.FormatInt(id, 10) }
func accountLink(id int64) string { return "/accounts/" + strconv.FormatInt(id, 10) }

// AlertLink is the page of an alert's subject.
func AlertLink(r store.AlertRow) string {
	switch r.Rule {
	case crm.AlertOppStale, crm.AlertStageLong:
		return oppLink(r.SubjectID)
	case crm.AlertHandover:
		return "/handovers/" + strconv.FormatInt(r.SubjectID, 10)
	}
	return accountLink(r.SubjectID)
}

// num reads a number of an alert's detail.
func num(d map[string]any, k string) float64 {
	switch v := d[k].(type) {
	case float64:
		return v
	case int:
		return float64(v)
	case int64:
		return float64(v)
	}
	return 0
}

func str(d map[string]any, k string) string { s, _ := d[k].(string); return s }

// AlertTitle says what an alert is about in p's language.
func AlertTitle(p *i18n.Printer, r store.AlertRow) string {
	d := r.Detail
	name := str(d, "name")
	switch r.Rule {
	case crm.AlertOppStale:
		return p.T("alert.title.OPP_STALE", name, int(num(d, "days")))
	case crm.AlertStageLong:
		return p.T("alert.title.STAGE_LONG", name, str(d, "stage"), int(num(d, "days")), num(d, "median"))
	case crm.AlertRevenueYear, crm.AlertRevenue3M:
		return p.T("alert.title."+r.Rule, name, num(d, "drop_pct"))
	case crm.AlertCadence:
		return p.T("alert.title.CADENCE_MISSED", name, int(num(d, "days")), int(num(d, "cadence")))
	case crm.AlertHandover:
		return p.T("alert.title.HANDOVER_OVERDUE", name, int(num(d, "days")))
	}
	return r.Rule
}

// alertBody is the message's second line: the rule and the account.
func alertBody(p *i18n.Printer, r store.AlertRow) string {
	s := p.T("alert.rule." + r.Rule)
	if r.AccountName != "" {
		s += "\n" + p.T("alert.account", r.AccountName)
	}
	if r.Rule == crm.AlertRevenueYear || r.Rule == crm.AlertRevenue3M {
		s += "\n" + p.T("alert.revenue", crm.Money(num(r.Detail, "previous")).String(), crm.Money(num(r.Detail, "current")).String(),
			fmt.Sprintf("%s..%s", str(r.Detail, "from"), str(r.Detail, "to")))
	}
	return s
}

// AlertFilter selects the alerts a page or the API lists.
type AlertFilter struct {
	Rule string
	// All lists resolved alerts too; Unacked only those not acknowledged.
	All, Unacked  bool
	AccountID     int64
	Limit, Offset int
}

// AlertPage is one page of alerts.
type AlertPage struct {
	Alerts []store.AlertRow
	Total  int
}

// OpenAlerts lists the alerts in the principal's scope (open ones unless
// f.All), the latest first. The monthly meeting pack reads an account's
// or a department's alerts through it.
func (a *App) OpenAlerts(ctx context.Context, f AlertFilter) (AlertPage, error) {
	if err := Allow(ctx, crm.PermRead); err != nil {
		return AlertPage{}, err
	}
	if f.Rule != "" && !slices.Contains(crm.AlertRuleNames, f.Rule) {
		return AlertPage{}, &crm.ValidationError{Fields: map[string]string{"rule": "error.alert.rule"}}
	}
	sc, err := a.Scope(ctx)
	if err != nil {
		return AlertPage{}, err
	}
	rows, total, err := a.store.Alerts(ctx, store.AlertFilter{Rule: f.Rule, AccountID: f.AccountID, Open: !f.All, Unacked: f.Unacked,
		People: sc.Filter(), Limit: f.Limit, Offset: f.Offset})
	return AlertPage{Alerts: rows, Total: total}, err
}

// AlertCount counts the open alerts in the principal's scope that nobody
// acknowledged (the navigation's badge).
func (a *App) AlertCount(ctx context.Context) (int, error) {
	if Allow(ctx, crm.PermRead) != nil {
		return 0, nil
	}
	sc, err := a.Scope(ctx)
	if err != nil {
		return 0, err
	}
	// Every page shows the count: it is kept per scope until an alert or
	// an account changes (with 30,000 open alerts, counting them for every
	// page took most of a page's time under load).
	v, err := a.store.Versions(ctx)
	if err != nil {
		return 0, err
	}
	st := badgeState{alerts: v.Alerts, accounts: v.Accounts}
	people := sc.Filter()
	key := "all"
	if people != nil {
		key = fmt.Sprint(people)
	}
	c := &a.badges
	c.mu.Lock()
	if c.state != st || c.counts == nil {
		c.state, c.counts = st, map[string]int{}
	}
	n, ok := c.counts[key]
	c.mu.Unlock()
	if ok {
		return n, nil
	}
	if n, err = a.store.CountAlerts(ctx, store.AlertFilter{Open: true, Unacked: true, People: people}); err != nil {
		return 0, err
	}
	c.mu.Lock()
	if c.state == st && c.counts != nil && len(c.counts) < 10_000 {
		c.counts[key] = n
	}
	c.mu.Unlock()
	return n, nil
}

// badgeCache keeps the counts of open alerts per scope in one badgeState.
type badgeCache struct {
	mu     sync.Mutex
	state  badgeState
	counts map[string]int
}

// badgeState is what a count of open alerts depends on: the alerts
// (raised, resolved, acknowledged) and the accounts (their owners decide
// whose they are).
type badgeState struct{ alerts, accounts int64 }

// AckAlert records that the principal has seen alert id and acts on it. It
// stays open until its condition clears.
func (a *App) AckAlert(ctx context.Context, id int64) (store.AlertRow, error) {
	if err := Allow(ctx, crm.PermEditAccounts); err != nil {
		return store.AlertRow{}, err
	}
	sc, err := a.Scope(ctx)
	if err != nil {
		return store.AlertRow{}, err
	}
	p := PrincipalFrom(ctx)
	now := a.now()
	err = a.store.InTx(ctx, func(tx *store.Store) error {
		r, err := tx.Alert(ctx, id)
		if err != nil {
			return err
		}
		if !sc.Has(r.AccountOwnerID, r.AccountRepID) && !sc.Has(r.OwnerID, 0) {
			return crm.ErrNotFound
		}
		if r.AckedAt != nil {
			return nil
		}
		if err := tx.AckAlert(ctx, id, p.PersonID, now); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(now, "", "acknowledge", "alert", id, nil, map[string]any{"rule": r.Rule, "subject": r.SubjectID}))
	})
	if err != nil {
		return store.AlertRow{}, err
	}
	return a.store.Alert(ctx, id)
}

// AccountsAtRisk lists the key accounts in the principal's scope with an
// open revenue alert (either rule), for the monthly meeting pack.
func (a *App) AccountsAtRisk(ctx context.Context) ([]store.AlertRow, error) {
	var out []store.AlertRow
	for _, rule := range []string{crm.AlertRevenueYear, crm.AlertRevenue3M} {
		pg, err := a.OpenAlerts(ctx, AlertFilter{Rule: rule, Limit: 1000})
		if err != nil {
			return nil, err
		}
		out = append(out, pg.Alerts...)
	}
	return out, nil
}

// RunAlertScans scans after the delay first and then every interval until
// ctx ends (kam serve). A failed scan is logged; the next one tries again.
func (a *App) RunAlertScans(ctx context.Context, first, every time.Duration) {
	select {
	case <-ctx.Done():
		return
	case <-time.After(first):
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		start := time.Now()
		if _, err := a.ScanAlerts(ctx, a.Today()); err != nil && ctx.Err() == nil {
			a.log.Error("alert scan", "err", err)
		} else if d := time.Since(start); d > 5*time.Second {
			a.log.Info("alert scan took long", "seconds", d.Seconds())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
