package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"kam/internal/app"
	"kam/internal/crm"
	"kam/internal/store"
)

// Notifications: the channels administrators manage (/settings/channels),
// the deliveries log (/settings/deliveries) and each person's inbox
// (/inbox). docs/notifications.md.

type channelsPage struct {
	layout
	Channels []app.ChannelView
}

func (h *handler) listChannels(w http.ResponseWriter, r *http.Request) error {
	cs, err := h.app.Channels(r.Context())
	if err != nil {
		return err
	}
	return h.render(w, http.StatusOK, "channels/list.html", channelsPage{layout: h.layout(r, "channels", "channel.title"), Channels: cs})
}

type channelForm struct {
	layout
	New        bool
	ID         int64
	Channel    app.ChannelView // the stored channel (masked), when editing
	Values     map[string]string
	Errors     map[string]string
	Kinds      []string
	Formats    []string
	Deliveries []app.DeliveryView
}

func (h *handler) channelForm(r *http.Request, titleKey string, id int64, values, errs map[string]string) (channelForm, error) {
	d := channelForm{layout: h.layout(r, "channels", titleKey), New: id == 0, ID: id, Values: values, Errors: errs,
		Kinds: crm.ChannelKinds, Formats: crm.ChannelFormats}
	if id == 0 {
		return d, nil
	}
	var err error
	if d.Channel, err = h.app.Channel(r.Context(), id); err != nil {
		return d, err
	}
	d.Title = d.Channel.Name
	d.Deliveries, err = h.app.Deliveries(r.Context(), store.DeliveryFilter{ChannelID: id, Limit: 10})
	return d, err
}

func channelValues(c app.ChannelView) map[string]string {
	v := map[string]string{"name": c.Name, "kind": c.Kind, "format": c.Format, "smtp_host": c.SMTPHost,
		"smtp_username": c.SMTPUsername, "smtp_from": c.SMTPFrom, "smtp_to": c.SMTPTo, "version": strconv.Itoa(c.Version)}
	if c.SMTPPort != 0 {
		v["smtp_port"] = strconv.Itoa(c.SMTPPort)
	}
	if c.Enabled {
		v["enabled"] = "1"
	}
	return v
}

func (h *handler) newChannel(w http.ResponseWriter, r *http.Request) error {
	v := map[string]string{"kind": crm.ChannelWeCom, "format": crm.FormatText, "enabled": "1"}
	if k := strings.ToUpper(r.URL.Query().Get("kind")); k != "" {
		v["kind"] = k
	}
	d, err := h.channelForm(r, "channel.new", 0, v, nil)
	if err != nil {
		return err
	}
	return h.render(w, http.StatusOK, "channels/form.html", d)
}

func (h *handler) showChannel(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	c, err := h.app.Channel(r.Context(), id)
	if err != nil {
		return err
	}
	d, err := h.channelForm(r, "channel.edit", id, channelValues(c), nil)
	if err != nil {
		return err
	}
	return h.render(w, http.StatusOK, "channels/form.html", d)
}

func (h *handler) createChannel(w http.ResponseWriter, r *http.Request) error {
	return h.saveChannel(w, r, 0)
}

func (h *handler) updateChannel(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return h.saveChannel(w, r, id)
}

// saveChannel stores the posted form. The address and secret fields start
// empty: left so, they keep the stored values.
func (h *handler) saveChannel(w http.ResponseWriter, r *http.Request, id int64) error {
	if err := r.ParseForm(); err != nil {
		return badRequest(err.Error())
	}
	v := map[string]string{}
	for _, k := range []string{"name", "kind", "format", "url", "secret", "clear_secret", "smtp_host", "smtp_port", "smtp_username",
		"smtp_from", "smtp_to", "enabled", "version"} {
		v[k] = strings.TrimSpace(r.PostForm.Get(k))
	}
	c := crm.Channel{ID: id, Name: v["name"], Kind: v["kind"], Format: v["format"], URL: v["url"], Secret: v["secret"],
		SMTPHost: v["smtp_host"], SMTPUsername: v["smtp_username"], SMTPFrom: v["smtp_from"], SMTPTo: v["smtp_to"], Enabled: v["enabled"] != ""}
	errs := map[string]string{}
	if v["smtp_port"] != "" {
		var err error
		if c.SMTPPort, err = strconv.Atoi(v["smtp_port"]); err != nil {
			errs["smtp_port"] = "error.number.invalid"
		}
	}
	c.Version, _ = strconv.Atoi(v["version"])
	var saved app.ChannelView
	if len(errs) == 0 {
		var err error
		saved, err = h.app.SaveChannel(r.Context(), app.ChannelChange{Channel: c, ClearSecret: v["clear_secret"] != ""})
		var ve *crm.ValidationError
		switch {
		case errors.As(err, &ve):
			errs = ve.Fields
		case errors.Is(err, crm.ErrConflict):
			errs["version"] = "error.channel.conflict"
		case err != nil:
			return err
		}
	}
	if len(errs) > 0 {
		// Never echo a credential back into the page.
		delete(v, "url")
		delete(v, "secret")
		titleKey := "channel.edit"
		if id == 0 {
			titleKey = "channel.new"
		}
		d, err := h.channelForm(r, titleKey, id, v, errs)
		if err != nil {
			return err
		}
		status := http.StatusUnprocessableEntity
		if errs["version"] != "" {
			status = http.StatusConflict
		}
		return h.render(w, status, "channels/form.html", d)
	}
	http.Redirect(w, r, fmt.Sprintf("/settings/channels/%d?flash=channel_saved", saved.ID), http.StatusSeeOther)
	return nil
}

// testChannel queues a test message; the channel's page shows its outcome
// once a sender (kam serve) has tried it.
func (h *handler) testChannel(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	p := printer(r)
	_, err = h.app.TestChannel(r.Context(), id, p.T("channel.test.title"), p.T("channel.test.body", actor(r)))
	var ve *crm.ValidationError
	if errors.As(err, &ve) {
		http.Redirect(w, r, fmt.Sprintf("/settings/channels/%d?flash=test_no_address", id), http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/settings/channels/%d?flash=test_queued#deliveries", id), http.StatusSeeOther)
	return nil
}

type deliveriesPage struct {
	layout
	Deliveries []app.DeliveryView
	Channels   []app.ChannelView
	Statuses   []string
	Filter     map[string]string
	Query      string
	Next       int64
}

const deliveriesPerPage = 50

func (h *handler) listDeliveries(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := store.DeliveryFilter{Status: q.Get("status"), Limit: deliveriesPerPage}
	f.ChannelID, _ = strconv.ParseInt(q.Get("channel"), 10, 64)
	f.Before, _ = strconv.ParseInt(q.Get("before"), 10, 64)
	ds, err := h.app.Deliveries(r.Context(), f)
	if err != nil {
		return err
	}
	d := deliveriesPage{layout: h.layout(r, "channels", "delivery.title"), Deliveries: ds, Statuses: crm.DeliveryStatuses,
		Filter: map[string]string{"status": f.Status, "channel": q.Get("channel")}}
	// The channel filter lists names; only administrators may read them.
	if app.Allow(r.Context(), crm.PermSettings) == nil {
		if d.Channels, err = h.app.Channels(r.Context()); err != nil {
			return err
		}
	}
	keep := r.URL.Query()
	keep.Del("before")
	keep.Del("flash")
	d.Query = keep.Encode()
	if len(ds) == deliveriesPerPage {
		d.Next = ds[len(ds)-1].ID
	}
	return h.render(w, http.StatusOK, "deliveries.html", d)
}

func (h *handler) retryDelivery(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.app.RetryDelivery(r.Context(), id); errors.Is(err, crm.ErrConflict) {
		http.Redirect(w, r, "/settings/deliveries?flash=retry_not_failed", http.StatusSeeOther)
		return nil
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/settings/deliveries?flash=retry_queued", http.StatusSeeOther)
	return nil
}

type inboxPage struct {
	layout
	Items  []store.InboxItem
	Unread int
	Only   bool // unread only
	Next   int64
}

const inboxPerPage = 50

func (h *handler) showInbox(w http.ResponseWriter, r *http.Request) error {
	only := r.URL.Query().Get("unread") == "1"
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	items, err := h.app.Inbox(r.Context(), only, before, inboxPerPage)
	if err != nil {
		return err
	}
	d := inboxPage{layout: h.layout(r, "inbox", "inbox.title"), Items: items, Only: only}
	if d.Unread, err = h.app.UnreadCount(r.Context()); err != nil {
		return err
	}
	if len(items) == inboxPerPage {
		d.Next = items[len(items)-1].ID
	}
	return h.render(w, http.StatusOK, "inbox.html", d)
}

// markRead marks a notification read and goes back to the inbox, or, with
// open, on to the notification's page in KAM.
func (h *handler) markRead(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.app.MarkRead(r.Context(), id); err != nil {
		return err
	}
	to := "/inbox"
	if r.PostFormValue("open") != "" {
		to = safeBack(r.PostFormValue("link"))
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}
