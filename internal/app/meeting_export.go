package app

import (
	"kam/internal/crm"
	"kam/internal/i18n"
	"kam/internal/store"
	"kam/internal/transfer"
)

// The meeting packs as workbooks: one sheet per section of the page, in
// the reader's language (docs/meetings.md). Amounts are numbers in yuan.

func yuanCell(m crm.Money) float64 { return float64(m) / crm.MinorPerMajor }

func dateCell(d crm.Date) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

func ratioCell(f float64, ok bool) any {
	if !ok {
		return ""
	}
	return f
}

func oppSheet(p *i18n.Printer, name, title string, list []store.OppRow) transfer.Sheet {
	s := transfer.Sheet{Name: name, Title: title, Header: []string{p.T("meeting.col.opportunity"), p.T("meeting.col.account"),
		p.T("meeting.col.stage"), p.T("meeting.col.amount"), p.T("meeting.col.owner"), p.T("meeting.col.close_date")}}
	for _, o := range list {
		s.Rows = append(s.Rows, []any{o.Name, o.AccountName, o.Stage, yuanCell(o.Amount), o.OwnerName, dateCell(o.CloseDate)})
	}
	return s
}

func actionSheet(p *i18n.Printer, list ...[]store.ActionRow) transfer.Sheet {
	s := transfer.Sheet{Name: p.T("meeting.sheet.actions"), Header: []string{p.T("meeting.col.action"), p.T("meeting.col.owner"),
		p.T("meeting.col.account"), p.T("meeting.col.due"), p.T("meeting.col.status"), p.T("meeting.col.raised_in")}}
	for _, l := range list {
		for _, x := range l {
			s.Rows = append(s.Rows, []any{x.Text, x.OwnerName, x.AccountName, dateCell(x.Due), p.T("action.status." + x.Status), x.FromPeriod})
		}
	}
	return s
}

func recordSheet(p *i18n.Printer, m *store.MeetingRow, decisions []crm.Decision) transfer.Sheet {
	s := transfer.Sheet{Name: p.T("meeting.sheet.record"), Header: []string{p.T("meeting.col.item"), p.T("meeting.col.text")}}
	if m == nil {
		return s
	}
	s.Rows = append(s.Rows, []any{p.T("meeting.held_at"), dateCell(m.HeldAt)})
	for _, a := range m.Attendees {
		s.Rows = append(s.Rows, []any{p.T("meeting.attendees"), a})
	}
	for _, b := range m.Blockers {
		s.Rows = append(s.Rows, []any{p.T("meeting.blockers"), b})
	}
	for _, d := range decisions {
		s.Rows = append(s.Rows, []any{p.T("meeting.decisions"), d.Text})
	}
	if m.Notes != "" {
		s.Rows = append(s.Rows, []any{p.T("meeting.notes"), m.Notes})
	}
	return s
}

// WeeklySheets lays out a weekly pack as sheets.
func WeeklySheets(p *i18n.Printer, w WeeklyPack) []transfer.Sheet {
	title := p.T("meeting.weekly_title", w.Team.Name, w.Week.String())
	results := transfer.Sheet{Name: p.T("meeting.sheet.results"), Title: title, Header: []string{p.T("meeting.col.person"),
		p.T("meeting.col.activities"), p.T("meeting.col.meetings"), p.T("meeting.col.standard"), p.T("meeting.col.steps_due"),
		p.T("meeting.col.steps_done"), p.T("meeting.col.opps_open"), p.T("meeting.col.opps_covered")}}
	for _, r := range w.Results {
		results.Rows = append(results.Rows, []any{r.Person.Name, r.Activities, r.Meetings, r.Standard, r.StepsDue, r.StepsDone, r.OppsOpen, r.OppsCovered})
	}
	results.Rows = append(results.Rows, []any{p.T("meeting.total"), w.Total.Activities, w.Total.Meetings, w.Total.Standard,
		w.Total.StepsDue, w.Total.StepsDone, w.Total.OppsOpen, w.Total.OppsCovered})
	results.Rows = append(results.Rows, []any{p.T("meeting.week_revenue"), yuanCell(w.Revenue)})
	if w.HasTarget {
		results.Rows = append(results.Rows, []any{p.T("meeting.week_target"), yuanCell(w.Target)})
	}
	keys := transfer.Sheet{Name: p.T("meeting.sheet.key_accounts"), Header: []string{p.T("meeting.col.code"), p.T("meeting.col.account"),
		p.T("meeting.col.tier"), p.T("meeting.col.band"), p.T("meeting.col.stage"), p.T("meeting.col.ytd"), p.T("meeting.col.last_activity"),
		p.T("meeting.col.next_step"), p.T("meeting.col.due")}}
	for _, k := range w.KeyAccounts {
		keys.Rows = append(keys.Rows, []any{k.Account.Code, k.Account.Name, k.Account.Tier, k.Account.Band, k.Account.Stage,
			yuanCell(k.YTD), dateCell(k.Pulse.LastDate), k.Pulse.NextStep, dateCell(k.Pulse.NextDue)})
	}
	adv := transfer.Sheet{Name: p.T("meeting.sheet.advanced"), Header: []string{p.T("meeting.col.opportunity"), p.T("meeting.col.account"),
		p.T("meeting.col.from"), p.T("meeting.col.to"), p.T("meeting.col.amount")}}
	for _, o := range w.Advanced {
		adv.Rows = append(adv.Rows, []any{o.Name, o.AccountName, o.From, o.To, yuanCell(o.Amount)})
	}
	plan := transfer.Sheet{Name: p.T("meeting.sheet.plan"), Header: []string{p.T("meeting.col.due"), p.T("meeting.col.owner"),
		p.T("meeting.col.account"), p.T("meeting.col.next_step")}}
	for _, x := range w.Plan {
		plan.Rows = append(plan.Rows, []any{dateCell(x.NextStepDue), x.OwnerName, x.AccountName, x.NextStep})
	}
	return []transfer.Sheet{results, keys,
		oppSheet(p, p.T("meeting.sheet.new"), "", w.New), adv, oppSheet(p, p.T("meeting.sheet.stalled"), "", w.Stalled),
		oppSheet(p, p.T("meeting.sheet.won"), "", w.Won), oppSheet(p, p.T("meeting.sheet.lost"), "", w.Lost),
		plan, actionSheet(p, w.Carried, w.Actions), recordSheet(p, w.Meeting, w.Decisions)}
}

// MonthlySheets lays out a monthly pack as sheets.
func MonthlySheets(p *i18n.Printer, m MonthlyPack) []transfer.Sheet {
	who := m.Department.Name
	if m.Company {
		who = p.T("meeting.company")
	}
	tiers := transfer.Sheet{Name: p.T("meeting.sheet.tiers"), Title: p.T("meeting.monthly_title", who, m.Month.String()),
		Header: []string{p.T("meeting.col.tier"), p.T("meeting.col.accounts"), p.T("meeting.col.target_accounts"),
			p.T("meeting.col.revenue"), p.T("meeting.col.target_revenue")}}
	for _, t := range m.Tiers {
		tiers.Rows = append(tiers.Rows, []any{t.Name, t.ActualAccounts, t.TargetAccounts, yuanCell(t.ActualRevenue), yuanCell(t.TargetRevenue)})
	}
	moves := transfer.Sheet{Name: p.T("meeting.sheet.moves"), Header: []string{p.T("meeting.col.code"), p.T("meeting.col.account"),
		p.T("meeting.col.from"), p.T("meeting.col.to"), p.T("meeting.col.revenue")}}
	for _, x := range m.Moves {
		moves.Rows = append(moves.Rows, []any{x.Account.Code, x.Account.Name, x.From, x.To, yuanCell(x.Revenue)})
	}
	risk := transfer.Sheet{Name: p.T("meeting.sheet.risk"), Header: []string{p.T("meeting.col.code"), p.T("meeting.col.account"),
		p.T("meeting.col.stage"), p.T("meeting.col.reasons")}}
	for _, x := range m.AtRisk {
		reasons := ""
		for i, r := range x.Reasons {
			if i > 0 {
				reasons += "; "
			}
			reasons += p.T("meeting.risk." + r)
		}
		risk.Rows = append(risk.Rows, []any{x.Account.Code, x.Account.Name, x.Account.Stage, reasons})
	}
	accs := transfer.Sheet{Name: p.T("meeting.sheet.accounts"), Header: []string{p.T("meeting.col.code"), p.T("meeting.col.account"),
		p.T("meeting.col.band"), p.T("meeting.col.prev_tier"), p.T("meeting.col.tier"), p.T("meeting.col.month"),
		p.T("meeting.col.target_month"), p.T("meeting.col.ytd"), p.T("meeting.col.target_ytd"), p.T("meeting.col.mom"),
		p.T("meeting.col.yoy"), p.T("meeting.col.ytd_yoy"), p.T("meeting.col.product"), p.T("meeting.col.service"),
		p.T("meeting.col.open_opps"), p.T("meeting.col.open_amount"), p.T("meeting.col.reasons")}}
	for _, r := range m.Accounts {
		mom, ok1 := r.MoM()
		yoy, ok2 := r.YoY()
		ytd, ok3 := r.YTDYoY()
		var tm, ty any = "", ""
		if r.TargetYTD > 0 {
			tm, ty = yuanCell(r.TargetMonth), yuanCell(r.TargetYTD)
		}
		reasons := ""
		for i, x := range r.Risks {
			if i > 0 {
				reasons += "; "
			}
			reasons += p.T("meeting.risk." + x)
		}
		accs.Rows = append(accs.Rows, []any{r.Account.Code, r.Account.Name, r.Band, r.PrevTier, r.Tier, yuanCell(r.Month), tm,
			yuanCell(r.YTD), ty, ratioCell(mom, ok1), ratioCell(yoy, ok2), ratioCell(ytd, ok3), yuanCell(r.Product),
			yuanCell(r.Service), r.Open.Count, yuanCell(r.Open.Amount), reasons})
	}
	next := actionSheet(p, m.NextActions)
	return []transfer.Sheet{tiers, moves, risk, accs, next, recordSheet(p, m.Meeting, m.Decisions)}
}
