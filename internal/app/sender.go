package app

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"kam/internal/crm"
	"kam/internal/notify"
	"kam/internal/store"
)

// SenderOptions configure how the outbox is sent. Zero values take the
// defaults.
type SenderOptions struct {
	Logger *slog.Logger
	// BaseURL is KAM's public address (https://kam.example.com), which makes
	// the links of notifications absolute; empty: links stay paths.
	BaseURL string
	// Timeout bounds one attempt; default 10 s.
	Timeout time.Duration
	// Backoff is the wait after the first failed attempt, doubled after
	// each further one up to MaxBackoff; default 30 s, and 1 h.
	Backoff    time.Duration
	MaxBackoff time.Duration
	// Attempts is how many tries a delivery gets before it is FAILED;
	// default 6 (with the default backoff: over about 16 minutes).
	Attempts int
	// Poll is how often Run looks for due deliveries; default 2 s.
	Poll time.Duration
	// Workers send in parallel, so that one slow channel does not hold up
	// the others; default 4.
	Workers int
	// Client posts to the robots; nil: one that follows no redirect.
	Client *http.Client
	// TLS configures TLS to SMTP servers; nil: the system's roots.
	TLS *tls.Config
}

func (o *SenderOptions) defaults() {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Backoff <= 0 {
		o.Backoff = 30 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = time.Hour
	}
	if o.Attempts <= 0 {
		o.Attempts = 6
	}
	if o.Poll <= 0 {
		o.Poll = 2 * time.Second
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
}

// leaseMargin is how long past an attempt's timeout its claim lasts: a
// sender that died mid-attempt leaves the delivery due again after it.
const leaseMargin = time.Minute

// Sender empties the outbox: it sends each due delivery, tries a failed one
// again after a growing wait, and marks it FAILED after its last try. Every
// attempt is recorded. Several senders (several kam serve on one database)
// never send one delivery twice at once: each claims a delivery before
// trying it.
type Sender struct {
	app  *App
	opt  SenderOptions
	wire notify.Sender
}

// NewSender returns a sender of a's outbox.
func (a *App) NewSender(opt SenderOptions) *Sender {
	opt.defaults()
	return &Sender{app: a, opt: opt, wire: notify.Sender{Client: opt.Client, TLS: opt.TLS}}
}

// Run sends due deliveries until ctx ends.
func (s *Sender) Run(ctx context.Context) {
	t := time.NewTicker(s.opt.Poll)
	defer t.Stop()
	for {
		if _, err := s.SendDue(ctx); err != nil && ctx.Err() == nil {
			s.opt.Logger.Error("send notifications", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// SendDue tries every delivery due now, in parallel workers, and returns
// how many attempts it made.
func (s *Sender) SendDue(ctx context.Context) (int, error) {
	if due, err := s.app.store.AnyDue(ctx, s.app.now()); err != nil || !due {
		return 0, err
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		tried int
		errs  []error
	)
	for range s.opt.Workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				ok, err := s.sendOne(ctx)
				mu.Lock()
				if ok {
					tried++
				}
				if err != nil {
					errs = append(errs, err)
				}
				mu.Unlock()
				if !ok || err != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	return tried, errors.Join(errs...)
}

// sendOne claims a due delivery and tries it once; ok is false when
// nothing was due.
func (s *Sender) sendOne(ctx context.Context) (ok bool, err error) {
	now := s.app.now()
	d, ok, err := s.app.store.ClaimDelivery(ctx, now, now.Add(s.opt.Timeout+leaseMargin))
	if err != nil || !ok {
		return false, err
	}
	start := s.app.now()
	began := time.Now()
	sendErr := s.attempt(ctx, d, start)
	a := store.Attempt{DeliveryID: d.ID, Attempt: d.Attempts, StartedAt: start, Duration: time.Since(began), OK: sendErr == nil}
	status, next := crm.DeliverySent, time.Time{}
	if sendErr != nil {
		a.Error = cut(sendErr.Error(), 1000)
		status = crm.DeliveryPending
		if d.Attempts >= s.opt.Attempts {
			status = crm.DeliveryFailed
		} else {
			next = s.app.now().Add(s.backoff(d.Attempts))
		}
	}
	// The attempt happened: record it even when ctx is ending.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if _, err := s.app.store.FinishAttempt(fctx, a, status, next); err != nil {
		return true, err
	}
	log := s.opt.Logger.With("delivery", d.ID, "channel", d.ChannelID, "attempt", d.Attempts)
	switch status {
	case crm.DeliverySent:
		log.Debug("notification sent")
	case crm.DeliveryFailed:
		log.Error("notification failed after its last try", "err", a.Error)
	default:
		log.Warn("notification not sent, will try again", "at", next, "err", a.Error)
	}
	return true, nil
}

// attempt sends delivery d once, within the timeout.
func (s *Sender) attempt(ctx context.Context, d store.Delivery, now time.Time) error {
	c, err := s.app.store.Channel(ctx, d.ChannelID)
	if err != nil {
		return fmt.Errorf("channel %d: %w", d.ChannelID, err)
	}
	var p payload
	if err := json.Unmarshal([]byte(d.Payload), &p); err != nil {
		return fmt.Errorf("payload: %w", err)
	}
	link := p.Link
	if strings.HasPrefix(link, "/") && s.opt.BaseURL != "" {
		link = strings.TrimSuffix(s.opt.BaseURL, "/") + link
	}
	actx, cancel := context.WithTimeout(ctx, s.opt.Timeout)
	defer cancel()
	err = s.wire.Send(actx, c, notify.Message{Title: p.Title, Body: p.Body, Link: link, To: p.To}, now)
	if err != nil && errors.Is(actx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
		return fmt.Errorf("no answer within %s: %w", s.opt.Timeout, err)
	}
	return err
}

// backoff is the wait after the n-th failed attempt: Backoff, doubled for
// each attempt after the first, at most MaxBackoff.
func (s *Sender) backoff(n int) time.Duration {
	d := s.opt.Backoff
	for i := 1; i < n && d < s.opt.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, s.opt.MaxBackoff)
}
