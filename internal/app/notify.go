package app

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"kam/internal/crm"
	"kam/internal/i18n"
	"kam/internal/store"
)

// Notifications (issue 4, alerts): each person's inbox in KAM, and the
// channels a company uses (WeCom, DingTalk and Feishu group robots, e-mail)
// through an outbox that Sender empties. docs/notifications.md.

// Notification is something people should know. It lands in the inbox of
// each recipient and goes out through channels.
type Notification struct {
	// Kind says what it is about ("handover.overdue", "test", …), for the
	// rules and filters to come; free text.
	Kind  string
	Title string
	Body  string // plain text; lines separated by \n
	// Link is a path of KAM ("/handovers/12"), made absolute with the
	// server's public address when sent, or an absolute address.
	Link string
	// Recipients are the people whose inbox gets it; e-mail channels
	// without fixed recipients write to their addresses.
	Recipients []int64
	// Channels it goes out through: nil for every enabled channel, an
	// empty list for none.
	Channels []int64
	// Render, when set, writes the title and body in a language, and
	// Title and Body are not used: each recipient's inbox item and
	// e-mail is written in the language they read KAM in (crm.Person.Lang),
	// group robots and e-mails to a channel's fixed addresses in the
	// installation's default (i18n.Default).
	Render func(p *i18n.Printer) (title, body string)
}

// texts returns n's title and body in each language asked, rendering
// each language once, tidied (one line of at most 200 characters, a body of
// at most 4,000).
type texts struct {
	render func(p *i18n.Printer) (title, body string)
	done   map[string][2]string
}

func (t *texts) in(lang string) (title, body string) {
	p := i18n.Get(lang) // the default for "" and for a language KAM lacks
	if v, ok := t.done[p.Lang()]; ok {
		return v[0], v[1]
	}
	title, body = t.render(p)
	title = cut(strings.Join(strings.Fields(title), " "), 200)
	body = cut(strings.TrimSpace(body), 4000)
	if t.done == nil {
		t.done = map[string][2]string{}
	}
	t.done[p.Lang()] = [2]string{title, body}
	return title, body
}

// payload is a delivery's message, stored as JSON in the outbox.
type payload struct {
	Kind  string   `json:"kind,omitempty"`
	Title string   `json:"title"`
	Body  string   `json:"body,omitempty"`
	Link  string   `json:"link,omitempty"`
	To    []string `json:"to,omitempty"`
}

// Notify puts n in the inboxes of its recipients and in the outbox of its
// channels. With tx it writes inside that transaction, so the notification
// exists exactly when the change that caused it does; with nil, in a
// transaction of its own. Nothing is sent here: Sender sends after commit,
// so a channel that is down, slow or answers with an error never blocks or
// fails the change. Unknown and inactive recipients, and disabled or
// unknown channels, are skipped rather than refused, for the same reason.
func (a *App) Notify(ctx context.Context, tx *store.Store, n Notification) error {
	if tx == nil {
		return a.store.InTx(ctx, func(tx *store.Store) error { return a.Notify(ctx, tx, n) })
	}
	n.Link = strings.TrimSpace(n.Link)
	msg := &texts{render: n.Render}
	if msg.render == nil { // the same text in every language
		msg.render = func(*i18n.Printer) (string, string) { return n.Title, n.Body }
	}
	if title, _ := msg.in(i18n.Default); title == "" {
		return &crm.ValidationError{Fields: map[string]string{"title": "error.required"}}
	}
	now := a.now()
	people, err := tx.ActiveRecipients(ctx, n.Recipients)
	if err != nil {
		return err
	}
	for _, p := range people {
		title, body := msg.in(p.Lang)
		if _, err := tx.AddToInbox(ctx, store.InboxItem{PersonID: p.ID, Kind: n.Kind, Title: title, Body: body, Link: n.Link, CreatedAt: now}); err != nil {
			return err
		}
	}
	if n.Channels != nil && len(n.Channels) == 0 {
		return nil
	}
	channels, err := tx.Channels(ctx)
	if err != nil {
		return err
	}
	for _, c := range channels {
		if !c.Enabled || (n.Channels != nil && !slices.Contains(n.Channels, c.ID)) {
			continue
		}
		if err := a.enqueue(ctx, tx, c, n.Kind, n.Link, msg, people, now); err != nil {
			return err
		}
	}
	return nil
}

// enqueue adds the deliveries of a notification through c: one per robot;
// for e-mail, one to the channel's fixed recipients or one per person (in
// their language), so that a bad address holds up nobody else's.
func (a *App) enqueue(ctx context.Context, tx *store.Store, c crm.Channel, kind, link string, t *texts, people []store.Recipient, now time.Time) error {
	var payloads []payload
	switch {
	case c.Kind != crm.ChannelEmail, c.SMTPTo != "":
		title, body := t.in(i18n.Default)
		payloads = append(payloads, payload{Kind: kind, Title: title, Body: body, Link: link})
	default:
		for _, r := range people {
			if r.Email != "" {
				title, body := t.in(r.Lang)
				payloads = append(payloads, payload{Kind: kind, Title: title, Body: body, Link: link, To: []string{r.Email}})
			}
		}
	}
	for _, p := range payloads {
		b, err := json.Marshal(p)
		if err != nil {
			return err
		}
		if _, err := tx.Enqueue(ctx, store.Delivery{ChannelID: c.ID, Payload: string(b), NextAttemptAt: now, CreatedAt: now}); err != nil {
			return err
		}
	}
	return nil
}

// cut shortens s to at most n characters.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// ChannelView is a channel as pages, the API and the audit log show it:
// its webhook address and secret masked (crm.MaskURL, crm.MaskSecret).
type ChannelView struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	Kind         string    `json:"kind"`
	Format       string    `json:"format"`
	URL          string    `json:"url,omitempty"`
	Secret       string    `json:"secret,omitempty"`
	SMTPHost     string    `json:"smtp_host,omitempty"`
	SMTPPort     int       `json:"smtp_port,omitempty"`
	SMTPUsername string    `json:"smtp_username,omitempty"`
	SMTPFrom     string    `json:"smtp_from,omitempty"`
	SMTPTo       string    `json:"smtp_to,omitempty"`
	Enabled      bool      `json:"enabled"`
	Version      int       `json:"version"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

func viewChannel(c crm.Channel) ChannelView {
	return ChannelView{ID: c.ID, Name: c.Name, Kind: c.Kind, Format: c.Format, URL: crm.MaskURL(c.URL), Secret: crm.MaskSecret(c.Secret),
		SMTPHost: c.SMTPHost, SMTPPort: c.SMTPPort, SMTPUsername: c.SMTPUsername, SMTPFrom: c.SMTPFrom, SMTPTo: c.SMTPTo,
		Enabled: c.Enabled, Version: c.Version, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

// Channels lists the channels, for administrators.
func (a *App) Channels(ctx context.Context) ([]ChannelView, error) {
	if err := Allow(ctx, crm.PermSettings); err != nil {
		return nil, err
	}
	cs, err := a.store.Channels(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ChannelView, len(cs))
	for i, c := range cs {
		out[i] = viewChannel(c)
	}
	return out, nil
}

// Channel returns one channel, for administrators.
func (a *App) Channel(ctx context.Context, id int64) (ChannelView, error) {
	if err := Allow(ctx, crm.PermSettings); err != nil {
		return ChannelView{}, err
	}
	c, err := a.store.Channel(ctx, id)
	if err != nil {
		return ChannelView{}, err
	}
	return viewChannel(c), nil
}

// ChannelChange is a channel as an administrator saves it. On an update of
// a channel of the same kind, an empty URL or Secret keeps the stored one
// (pages and the API never show them back); ClearSecret removes the secret.
type ChannelChange struct {
	crm.Channel
	ClearSecret bool
}

// SaveChannel creates (ID 0) or updates a channel at its version, and
// records the change with the credentials masked.
func (a *App) SaveChannel(ctx context.Context, ch ChannelChange) (ChannelView, error) {
	if err := Allow(ctx, crm.PermSettings); err != nil {
		return ChannelView{}, err
	}
	c := ch.Channel
	c.Normalize()
	var saved crm.Channel
	err := a.store.InTx(ctx, func(tx *store.Store) error {
		var before *ChannelView
		if c.ID != 0 {
			old, err := tx.Channel(ctx, c.ID)
			if err != nil {
				return err
			}
			if old.Kind == c.Kind {
				if c.URL == "" && c.Robot() {
					c.URL = old.URL
				}
				if c.Secret == "" {
					c.Secret = old.Secret
				}
			}
			v := viewChannel(old)
			before = &v
		}
		if ch.ClearSecret {
			c.Secret = ""
		}
		if err := c.Validate(); err != nil {
			return err
		}
		id, err := tx.SaveChannel(ctx, c, a.now())
		if err != nil {
			return err
		}
		if saved, err = tx.Channel(ctx, id); err != nil {
			return err
		}
		action, b := "create", any(nil)
		if before != nil {
			action, b = "update", before
		}
		return tx.Audit(ctx, audit(a.now(), "", action, "channel", id, b, viewChannel(saved)))
	})
	if err != nil {
		return ChannelView{}, err
	}
	return viewChannel(saved), nil
}

// TestChannel puts a test message for channel id in the outbox, whether
// the channel is enabled or not, and returns its delivery: its outcome
// shows in the deliveries once a sender has tried it. An e-mail channel
// without fixed recipients writes to the administrator who asks.
func (a *App) TestChannel(ctx context.Context, id int64, title, body string) (DeliveryView, error) {
	if err := Allow(ctx, crm.PermSettings); err != nil {
		return DeliveryView{}, err
	}
	me := PrincipalFrom(ctx)
	var did int64
	err := a.store.InTx(ctx, func(tx *store.Store) error {
		c, err := tx.Channel(ctx, id)
		if err != nil {
			return err
		}
		p := payload{Kind: "test", Title: title, Body: body, Link: "/inbox"}
		if c.Kind == crm.ChannelEmail && c.SMTPTo == "" {
			if me.Email == "" {
				return &crm.ValidationError{Fields: map[string]string{"smtp_to": "error.channel.test_address"}}
			}
			p.To = []string{me.Email}
		}
		b, err := json.Marshal(p)
		if err != nil {
			return err
		}
		now := a.now()
		if did, err = tx.Enqueue(ctx, store.Delivery{ChannelID: c.ID, Payload: string(b), NextAttemptAt: now, CreatedAt: now}); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(now, "", "test", "channel", id, nil, map[string]int64{"delivery": did}))
	})
	if err != nil {
		return DeliveryView{}, err
	}
	return a.Delivery(ctx, did)
}

// DeliveryView is a delivery with its message and its recorded attempts.
type DeliveryView struct {
	store.Delivery
	Kind  string
	Title string
	Body  string
	Link  string
	To    []string
	Log   []store.Attempt
}

func viewDelivery(d store.Delivery, log []store.Attempt) DeliveryView {
	var p payload
	json.Unmarshal([]byte(d.Payload), &p)
	return DeliveryView{Delivery: d, Kind: p.Kind, Title: p.Title, Body: p.Body, Link: p.Link, To: p.To, Log: log}
}

// Deliveries lists the outbox, newest first, with each delivery's attempts:
// for administrators and auditors.
func (a *App) Deliveries(ctx context.Context, f store.DeliveryFilter) ([]DeliveryView, error) {
	if err := Allow(ctx, crm.PermAudit); err != nil {
		return nil, err
	}
	if f.Status != "" && !slices.Contains(crm.DeliveryStatuses, f.Status) {
		return nil, &crm.ValidationError{Fields: map[string]string{"status": "error.delivery.status"}}
	}
	ds, err := a.store.Deliveries(ctx, f)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	log, err := a.store.Attempts(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]DeliveryView, len(ds))
	for i, d := range ds {
		out[i] = viewDelivery(d, log[d.ID])
	}
	return out, nil
}

// Delivery returns one delivery with its attempts.
func (a *App) Delivery(ctx context.Context, id int64) (DeliveryView, error) {
	if err := Allow(ctx, crm.PermAudit); err != nil {
		return DeliveryView{}, err
	}
	d, err := a.store.Delivery(ctx, id)
	if err != nil {
		return DeliveryView{}, err
	}
	log, err := a.store.Attempts(ctx, []int64{id})
	if err != nil {
		return DeliveryView{}, err
	}
	return viewDelivery(d, log[id]), nil
}

// RetryDelivery puts a failed delivery back in the outbox, due now, with a
// fresh count of attempts; crm.ErrConflict unless it had failed.
func (a *App) RetryDelivery(ctx context.Context, id int64) error {
	if err := Allow(ctx, crm.PermSettings); err != nil {
		return err
	}
	return a.store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.RetryDelivery(ctx, id, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(a.now(), "", "retry", "delivery", id, nil, nil))
	})
}

// Inbox lists the notifications of the signed-in person, newest first.
func (a *App) Inbox(ctx context.Context, unreadOnly bool, before int64, limit int) ([]store.InboxItem, error) {
	me := PrincipalFrom(ctx)
	if me.Anonymous {
		return nil, crm.ErrForbidden
	}
	if me.PersonID == 0 {
		return []store.InboxItem{}, nil
	}
	return a.store.Inbox(ctx, store.InboxFilter{PersonID: me.PersonID, UnreadOnly: unreadOnly, Before: before, Limit: limit})
}

// UnreadCount counts the signed-in person's unread notifications.
func (a *App) UnreadCount(ctx context.Context) (int, error) {
	me := PrincipalFrom(ctx)
	if me.Anonymous || me.PersonID == 0 {
		return 0, nil
	}
	return a.store.UnreadCount(ctx, me.PersonID)
}

// MarkRead marks one of the signed-in person's notifications read; anyone
// else's is crm.ErrNotFound.
func (a *App) MarkRead(ctx context.Context, id int64) error {
	me := PrincipalFrom(ctx)
	if me.Anonymous || me.PersonID == 0 {
		return crm.ErrNotFound
	}
	return a.store.MarkRead(ctx, me.PersonID, id, a.now())
}
