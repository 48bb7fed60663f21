package api

import (
	"net/http"
	"strconv"
	"time"

	"kam/internal/app"
	"kam/internal/crm"
	"kam/internal/i18n"
	"kam/internal/store"
)

// Notifications: channels (administrators), the deliveries log
// (administrators and auditors) and each person's inbox.
// docs/notifications.md.

// ChannelInput is the body of POST and PATCH /channels: absent fields keep
// their value (PATCH) or default (POST). An absent or empty url keeps the
// stored address; an absent secret keeps the stored one and "" removes it.
type ChannelInput struct {
	Name         *string `json:"name"`
	Kind         *string `json:"kind"`
	Format       *string `json:"format"`
	URL          *string `json:"url"`
	Secret       *string `json:"secret"`
	SMTPHost     *string `json:"smtp_host"`
	SMTPPort     *int    `json:"smtp_port"`
	SMTPUsername *string `json:"smtp_username"`
	SMTPFrom     *string `json:"smtp_from"`
	SMTPTo       *string `json:"smtp_to"`
	Enabled      *bool   `json:"enabled"`
	Version      *int    `json:"version"`
}

func (in ChannelInput) apply(c *app.ChannelChange) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&c.Name, in.Name)
	set(&c.Kind, in.Kind)
	set(&c.Format, in.Format)
	set(&c.URL, in.URL)
	set(&c.SMTPHost, in.SMTPHost)
	set(&c.SMTPUsername, in.SMTPUsername)
	set(&c.SMTPFrom, in.SMTPFrom)
	set(&c.SMTPTo, in.SMTPTo)
	if in.SMTPPort != nil {
		c.SMTPPort = *in.SMTPPort
	}
	if in.Enabled != nil {
		c.Enabled = *in.Enabled
	}
	if in.Secret != nil {
		c.Secret = *in.Secret
		c.ClearSecret = *in.Secret == ""
	}
}

func (h *handler) listChannels(w http.ResponseWriter, r *http.Request) error {
	cs, err := h.app.Channels(r.Context())
	if err != nil {
		return err
	}
	if cs == nil {
		cs = []app.ChannelView{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"channels": cs})
}

func (h *handler) showChannel(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	v, err := h.app.Channel(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func (h *handler) createChannel(w http.ResponseWriter, r *http.Request) error {
	var in ChannelInput
	if err := decode(r, &in); err != nil {
		return err
	}
	c := app.ChannelChange{Channel: crm.Channel{Enabled: true}}
	in.apply(&c)
	c.ClearSecret = false
	v, err := h.app.SaveChannel(r.Context(), c)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/channels/"+jsonInt(v.ID))
	return writeJSON(w, http.StatusCreated, v)
}

func (h *handler) updateChannel(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in ChannelInput
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.Version == nil {
		return &crm.ValidationError{Fields: map[string]string{"version": "error.version.required"}}
	}
	old, err := h.app.Channel(r.Context(), id)
	if err != nil {
		return err
	}
	// The stored address and secret are not read back: left empty, the
	// app keeps them.
	c := app.ChannelChange{Channel: crm.Channel{ID: id, Name: old.Name, Kind: old.Kind, Format: old.Format, SMTPHost: old.SMTPHost,
		SMTPPort: old.SMTPPort, SMTPUsername: old.SMTPUsername, SMTPFrom: old.SMTPFrom, SMTPTo: old.SMTPTo, Enabled: old.Enabled,
		Version: *in.Version}}
	in.apply(&c)
	v, err := h.app.SaveChannel(r.Context(), c)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

// testChannel queues a test message and answers 202 with its delivery,
// whose outcome GET /deliveries/{id} shows once it has been tried.
func (h *handler) testChannel(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	p := i18n.Get(i18n.Match(r.Header.Get("Accept-Language")))
	d, err := h.app.TestChannel(r.Context(), id, p.T("channel.test.title"), p.T("channel.test.body", app.PrincipalFrom(r.Context()).Label()))
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/deliveries/"+jsonInt(d.ID))
	return writeJSON(w, http.StatusAccepted, deliveryJSON(d))
}

// DeliveryJSON is a delivery of the outbox in the API.
type DeliveryJSON struct {
	ID            int64         `json:"id"`
	ChannelID     int64         `json:"channel_id"`
	Channel       string        `json:"channel"`
	ChannelKind   string        `json:"channel_kind"`
	Kind          string        `json:"kind,omitempty"`
	Title         string        `json:"title"`
	Body          string        `json:"body,omitempty"`
	Link          string        `json:"link,omitempty"`
	To            []string      `json:"to,omitempty"`
	Status        string        `json:"status"`
	Attempts      int           `json:"attempts"`
	NextAttemptAt *time.Time    `json:"next_attempt_at,omitempty"`
	LastError     string        `json:"last_error,omitempty"`
	CreatedAt     time.Time     `json:"created_at"`
	SentAt        *time.Time    `json:"sent_at,omitempty"`
	Log           []AttemptJSON `json:"log"`
}

// AttemptJSON is one try to send a delivery.
type AttemptJSON struct {
	Attempt    int       `json:"attempt"`
	StartedAt  time.Time `json:"started_at"`
	DurationMS int64     `json:"duration_ms"`
	OK         bool      `json:"ok"`
	Error      string    `json:"error,omitempty"`
}

func deliveryJSON(d app.DeliveryView) DeliveryJSON {
	out := DeliveryJSON{ID: d.ID, ChannelID: d.ChannelID, Channel: d.ChannelName, ChannelKind: d.ChannelKind, Kind: d.Kind,
		Title: d.Title, Body: d.Body, Link: d.Link, To: d.To, Status: d.Status, Attempts: d.Attempts, LastError: d.LastError,
		CreatedAt: d.CreatedAt, SentAt: d.SentAt, Log: []AttemptJSON{}}
	if d.Status == crm.DeliveryPending {
		next := d.NextAttemptAt
		out.NextAttemptAt = &next
	}
	for _, a := range d.Log {
		out.Log = append(out.Log, AttemptJSON{Attempt: a.Attempt, StartedAt: a.StartedAt, DurationMS: a.Duration.Milliseconds(), OK: a.OK, Error: a.Error})
	}
	return out
}

func (h *handler) listDeliveries(w http.ResponseWriter, r *http.Request) error {
	f := store.DeliveryFilter{Status: r.URL.Query().Get("status")}
	var err error
	if f.ChannelID, err = int64Param(r, "channel_id"); err != nil {
		return err
	}
	if f.Before, err = int64Param(r, "before"); err != nil {
		return err
	}
	if f.Limit, err = intParam(r, "limit", 50); err != nil {
		return err
	}
	if f.Limit < 1 || f.Limit > 500 {
		return badRequest{"limit: want 1 to 500"}
	}
	ds, err := h.app.Deliveries(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]DeliveryJSON, len(ds))
	for i, d := range ds {
		out[i] = deliveryJSON(d)
	}
	res := map[string]any{"deliveries": out}
	if len(ds) == f.Limit {
		res["next_before"] = ds[len(ds)-1].ID
	}
	return writeJSON(w, http.StatusOK, res)
}

func (h *handler) showDelivery(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	d, err := h.app.Delivery(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, deliveryJSON(d))
}

func (h *handler) retryDelivery(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.app.RetryDelivery(r.Context(), id); err != nil {
		return err
	}
	d, err := h.app.Delivery(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, deliveryJSON(d))
}

// NotificationJSON is a notification of one's inbox.
type NotificationJSON struct {
	ID        int64      `json:"id"`
	Kind      string     `json:"kind,omitempty"`
	Title     string     `json:"title"`
	Body      string     `json:"body,omitempty"`
	Link      string     `json:"link,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at,omitempty"`
}

func (h *handler) inbox(w http.ResponseWriter, r *http.Request) error {
	before, err := int64Param(r, "before")
	if err != nil {
		return err
	}
	limit, err := intParam(r, "limit", 50)
	if err != nil {
		return err
	}
	if limit < 1 || limit > 500 {
		return badRequest{"limit: want 1 to 500"}
	}
	unread, err := strconv.ParseBool(defaultString(r.URL.Query().Get("unread"), "false"))
	if err != nil {
		return badRequest{"unread: want true or false"}
	}
	items, err := h.app.Inbox(r.Context(), unread, before, limit)
	if err != nil {
		return err
	}
	n, err := h.app.UnreadCount(r.Context())
	if err != nil {
		return err
	}
	out := make([]NotificationJSON, len(items))
	for i, it := range items {
		out[i] = NotificationJSON{ID: it.ID, Kind: it.Kind, Title: it.Title, Body: it.Body, Link: it.Link, CreatedAt: it.CreatedAt, ReadAt: it.ReadAt}
	}
	res := map[string]any{"notifications": out, "unread": n}
	if len(items) == limit {
		res["next_before"] = items[len(items)-1].ID
	}
	return writeJSON(w, http.StatusOK, res)
}

func (h *handler) markRead(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.app.MarkRead(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func defaultString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
