package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"kam/internal/crm"
)

// Notifications: the channels they go out through, each person's inbox and
// the outbox of deliveries (docs/notifications.md).

const channelColumns = `id, name, kind, format, url, secret, smtp_host, smtp_port, smtp_username, smtp_from, smtp_to,
	enabled, version, created_at, updated_at`

func scanChannel(sc interface{ Scan(...any) error }) (crm.Channel, error) {
	var c crm.Channel
	err := sc.Scan(&c.ID, &c.Name, &c.Kind, &c.Format, &c.URL, &c.Secret, &c.SMTPHost, &c.SMTPPort, &c.SMTPUsername,
		&c.SMTPFrom, &c.SMTPTo, &c.Enabled, &c.Version, &c.CreatedAt, &c.UpdatedAt)
	return c, err
}

// Channels lists every channel by name.
func (s *Store) Channels(ctx context.Context) ([]crm.Channel, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT `+channelColumns+` FROM channels ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("store: channels: %w", err)
	}
	defer rows.Close()
	var out []crm.Channel
	for rows.Next() {
		c, err := scanChannel(rows)
		if err != nil {
			return nil, fmt.Errorf("store: channels: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Channel returns one channel, secret included.
func (s *Store) Channel(ctx context.Context, id int64) (crm.Channel, error) {
	c, err := scanChannel(s.q.QueryRowContext(ctx, `SELECT `+channelColumns+` FROM channels WHERE id = $1`, id))
	return c, rowErr(err, "channel", id)
}

// SaveChannel creates c (ID 0) or updates it at its version. A duplicate
// name is crm.ErrConflict.
func (s *Store) SaveChannel(ctx context.Context, c crm.Channel, now time.Time) (int64, error) {
	if c.ID == 0 {
		var id int64
		err := s.q.QueryRowContext(ctx, `INSERT INTO channels (name, kind, format, url, secret, smtp_host, smtp_port,
			smtp_username, smtp_from, smtp_to, enabled, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id`,
			c.Name, c.Kind, c.Format, c.URL, c.Secret, c.SMTPHost, c.SMTPPort, c.SMTPUsername, c.SMTPFrom, c.SMTPTo,
			c.Enabled, now.UTC()).Scan(&id)
		return id, s.writeErr(err, "create channel")
	}
	res, err := s.q.ExecContext(ctx, `UPDATE channels SET name = $2, kind = $3, format = $4, url = $5, secret = $6,
		smtp_host = $7, smtp_port = $8, smtp_username = $9, smtp_from = $10, smtp_to = $11, enabled = $12,
		version = version + 1, updated_at = $13
		WHERE id = $1 AND version = $14`,
		c.ID, c.Name, c.Kind, c.Format, c.URL, c.Secret, c.SMTPHost, c.SMTPPort, c.SMTPUsername, c.SMTPFrom, c.SMTPTo,
		c.Enabled, now.UTC(), c.Version)
	return c.ID, s.updated(ctx, res, err, "channel", c.ID, func() error { _, err := s.Channel(ctx, c.ID); return err })
}

// Recipient is a person a notification goes to.
type Recipient struct {
	ID    int64
	Email string
	Lang  string // "": the installation's default
}

// SetPersonLang stores the language person id reads KAM in. It changes
// no version: it is a preference, not part of the person's record.
func (s *Store) SetPersonLang(ctx context.Context, id int64, lang string) error {
	res, err := s.q.ExecContext(ctx, `UPDATE people SET lang = $2 WHERE id = $1`, id, lang)
	if err != nil {
		return fmt.Errorf("store: set language: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return crm.ErrNotFound
	}
	return nil
}

// ActiveRecipients returns the active people among ids, by ID.
func (s *Store) ActiveRecipients(ctx context.Context, ids []int64) ([]Recipient, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	marks := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		marks[i] = fmt.Sprintf("$%d", i+1)
		args[i] = id
	}
	rows, err := s.q.QueryContext(ctx, `SELECT id, email, lang FROM people WHERE active AND id IN (`+strings.Join(marks, ", ")+`) ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: recipients: %w", err)
	}
	defer rows.Close()
	var out []Recipient
	for rows.Next() {
		var r Recipient
		if err := rows.Scan(&r.ID, &r.Email, &r.Lang); err != nil {
			return nil, fmt.Errorf("store: recipients: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// InboxItem is a notification in one person's inbox.
type InboxItem struct {
	ID        int64
	PersonID  int64
	Kind      string
	Title     string
	Body      string
	Link      string
	CreatedAt time.Time
	ReadAt    *time.Time
}

// AddToInbox stores a notification for its person.
func (s *Store) AddToInbox(ctx context.Context, n InboxItem) (int64, error) {
	var id int64
	err := s.q.QueryRowContext(ctx, `INSERT INTO notifications (person_id, kind, title, body, link, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, n.PersonID, n.Kind, n.Title, n.Body, n.Link, n.CreatedAt.UTC()).Scan(&id)
	return id, s.writeErr(err, "add to inbox")
}

// InboxFilter selects notifications of one person.
type InboxFilter struct {
	PersonID   int64
	UnreadOnly bool
	Before     int64 // IDs below (keyset paging, newest first)
	Limit      int
}

// Inbox lists a person's notifications, newest first.
func (s *Store) Inbox(ctx context.Context, f InboxFilter) ([]InboxItem, error) {
	q := `SELECT id, person_id, kind, title, body, link, created_at, read_at FROM notifications WHERE person_id = $1`
	args := []any{f.PersonID}
	if f.UnreadOnly {
		q += ` AND read_at IS NULL`
	}
	if f.Before > 0 {
		args = append(args, f.Before)
		q += fmt.Sprintf(` AND id < $%d`, len(args))
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	args = append(args, f.Limit)
	rows, err := s.q.QueryContext(ctx, q+fmt.Sprintf(` ORDER BY id DESC LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("store: inbox: %w", err)
	}
	defer rows.Close()
	var out []InboxItem
	for rows.Next() {
		var n InboxItem
		var read sql.NullTime
		if err := rows.Scan(&n.ID, &n.PersonID, &n.Kind, &n.Title, &n.Body, &n.Link, &n.CreatedAt, &read); err != nil {
			return nil, fmt.Errorf("store: inbox: %w", err)
		}
		if read.Valid {
			n.ReadAt = &read.Time
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// UnreadCount counts a person's unread notifications.
func (s *Store) UnreadCount(ctx context.Context, personID int64) (int, error) {
	var n int
	err := s.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE person_id = $1 AND read_at IS NULL`, personID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: unread: %w", err)
	}
	return n, nil
}

// MarkRead marks a notification of the person read; another person's, or
// none, is crm.ErrNotFound. Marking it again changes nothing.
func (s *Store) MarkRead(ctx context.Context, personID, id int64, now time.Time) error {
	res, err := s.q.ExecContext(ctx, `UPDATE notifications SET read_at = $3 WHERE id = $1 AND person_id = $2 AND read_at IS NULL`,
		id, personID, now.UTC())
	if err != nil {
		return fmt.Errorf("store: mark read: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	var one int
	err = s.q.QueryRowContext(ctx, `SELECT 1 FROM notifications WHERE id = $1 AND person_id = $2`, id, personID).Scan(&one)
	return rowErr(err, "notification", id)
}

// Delivery is one message in the outbox: to one channel, with its status.
type Delivery struct {
	ID            int64
	ChannelID     int64
	ChannelName   string // read only
	ChannelKind   string // read only
	Payload       string // the message as JSON
	Status        string // crm.DeliveryPending, crm.DeliverySent, crm.DeliveryFailed
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	CreatedAt     time.Time
	SentAt        *time.Time
}

// Enqueue adds a delivery to the outbox, due at d.NextAttemptAt.
func (s *Store) Enqueue(ctx context.Context, d Delivery) (int64, error) {
	var id int64
	err := s.q.QueryRowContext(ctx, `INSERT INTO deliveries (channel_id, payload, status, attempts, next_attempt_at, created_at)
		VALUES ($1, $2, 'PENDING', 0, $3, $4) RETURNING id`, d.ChannelID, d.Payload, d.NextAttemptAt.UTC(), d.CreatedAt.UTC()).Scan(&id)
	return id, s.writeErr(err, "enqueue")
}

// AnyDue reports whether a delivery is due at now: a cheap read that spares
// the database a write (the claim) when there is nothing to send.
func (s *Store) AnyDue(ctx context.Context, now time.Time) (bool, error) {
	var one int
	err := s.q.QueryRowContext(ctx, `SELECT 1 FROM deliveries WHERE status = 'PENDING' AND next_attempt_at <= $1 LIMIT 1`, now.UTC()).Scan(&one)
	switch {
	case err == sql.ErrNoRows:
		return false, nil
	case err != nil:
		return false, fmt.Errorf("store: due deliveries: %w", err)
	}
	return true, nil
}

// ClaimDelivery takes the delivery due longest at now for one attempt: its
// attempts go up by one and it is not due again before leaseUntil, so that
// no other sender (another kam serve of the database) takes it meanwhile,
// and a sender that dies mid-attempt leaves it to be tried again. The
// outer condition repeats the inner one: of two senders racing for a row,
// the loser updates nothing. ok is false when nothing is due.
func (s *Store) ClaimDelivery(ctx context.Context, now, leaseUntil time.Time) (d Delivery, ok bool, err error) {
	err = s.q.QueryRowContext(ctx, `UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = $2
		WHERE id = (SELECT id FROM deliveries WHERE status = 'PENDING' AND next_attempt_at <= $1
		            ORDER BY next_attempt_at, id LIMIT 1`+s.d.skipLocked+`)
		  AND status = 'PENDING' AND next_attempt_at <= $1
		RETURNING id, channel_id, payload, status, attempts, next_attempt_at, last_error, created_at`, now.UTC(), leaseUntil.UTC()).
		Scan(&d.ID, &d.ChannelID, &d.Payload, &d.Status, &d.Attempts, &d.NextAttemptAt, &d.LastError, &d.CreatedAt)
	switch {
	case err == sql.ErrNoRows:
		return Delivery{}, false, nil
	case err != nil:
		return Delivery{}, false, fmt.Errorf("store: claim delivery: %w", err)
	}
	return d, true, nil
}

// Attempt is one try to send a delivery.
type Attempt struct {
	DeliveryID int64
	Attempt    int
	StartedAt  time.Time
	Duration   time.Duration
	OK         bool
	Error      string
}

// FinishAttempt records an attempt and its outcome: sent, failed for good,
// or due again at next. The delivery changes only if the attempt's claim
// still holds (its attempts count is a.Attempt); the attempt is recorded
// either way. It reports whether the delivery changed.
func (s *Store) FinishAttempt(ctx context.Context, a Attempt, status string, next time.Time) (bool, error) {
	changed := false
	err := s.InTx(ctx, func(tx *Store) error {
		_, err := tx.q.ExecContext(ctx, `INSERT INTO delivery_attempts (delivery_id, attempt, started_at, duration_ms, ok, error_message)
			VALUES ($1, $2, $3, $4, $5, $6)`, a.DeliveryID, a.Attempt, a.StartedAt.UTC(), a.Duration.Milliseconds(), a.OK, a.Error)
		if err != nil {
			return fmt.Errorf("store: record attempt: %w", err)
		}
		end := a.StartedAt.Add(a.Duration).UTC()
		var res sql.Result
		switch status {
		case crm.DeliverySent:
			res, err = tx.q.ExecContext(ctx, `UPDATE deliveries SET status = 'SENT', sent_at = $3, last_error = ''
				WHERE id = $1 AND attempts = $2 AND status = 'PENDING'`, a.DeliveryID, a.Attempt, end)
		case crm.DeliveryFailed:
			res, err = tx.q.ExecContext(ctx, `UPDATE deliveries SET status = 'FAILED', last_error = $3
				WHERE id = $1 AND attempts = $2 AND status = 'PENDING'`, a.DeliveryID, a.Attempt, a.Error)
		default:
			res, err = tx.q.ExecContext(ctx, `UPDATE deliveries SET next_attempt_at = $3, last_error = $4
				WHERE id = $1 AND attempts = $2 AND status = 'PENDING'`, a.DeliveryID, a.Attempt, next.UTC(), a.Error)
		}
		if err != nil {
			return fmt.Errorf("store: finish delivery: %w", err)
		}
		n, _ := res.RowsAffected()
		changed = n == 1
		return nil
	})
	return changed, err
}

// RetryDelivery puts a failed delivery back in the outbox, due at now, with
// a fresh count of attempts (the earlier ones stay recorded).
func (s *Store) RetryDelivery(ctx context.Context, id int64, now time.Time) error {
	res, err := s.q.ExecContext(ctx, `UPDATE deliveries SET status = 'PENDING', attempts = 0, next_attempt_at = $2
		WHERE id = $1 AND status = 'FAILED'`, id, now.UTC())
	if err != nil {
		return fmt.Errorf("store: retry delivery: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	if _, err := s.Delivery(ctx, id); err != nil {
		return err
	}
	return crm.ErrConflict // not failed
}

// DeliveryFilter selects deliveries; zero fields select everything.
type DeliveryFilter struct {
	ChannelID int64
	Status    string
	Before    int64 // IDs below (keyset paging, newest first)
	Limit     int
}

const deliverySelect = `SELECT d.id, d.channel_id, c.name, c.kind, d.payload, d.status, d.attempts, d.next_attempt_at,
	d.last_error, d.created_at, d.sent_at FROM deliveries d JOIN channels c ON c.id = d.channel_id`

func scanDelivery(sc interface{ Scan(...any) error }) (Delivery, error) {
	var d Delivery
	var sent sql.NullTime
	err := sc.Scan(&d.ID, &d.ChannelID, &d.ChannelName, &d.ChannelKind, &d.Payload, &d.Status, &d.Attempts,
		&d.NextAttemptAt, &d.LastError, &d.CreatedAt, &sent)
	if sent.Valid {
		d.SentAt = &sent.Time
	}
	return d, err
}

// Deliveries lists deliveries, newest first.
func (s *Store) Deliveries(ctx context.Context, f DeliveryFilter) ([]Delivery, error) {
	var cond []string
	var args []any
	if f.ChannelID != 0 {
		args = append(args, f.ChannelID)
		cond = append(cond, fmt.Sprintf("d.channel_id = $%d", len(args)))
	}
	if f.Status != "" {
		args = append(args, f.Status)
		cond = append(cond, fmt.Sprintf("d.status = $%d", len(args)))
	}
	if f.Before > 0 {
		args = append(args, f.Before)
		cond = append(cond, fmt.Sprintf("d.id < $%d", len(args)))
	}
	q := deliverySelect
	if len(cond) > 0 {
		q += " WHERE " + strings.Join(cond, " AND ")
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	args = append(args, f.Limit)
	rows, err := s.q.QueryContext(ctx, q+fmt.Sprintf(" ORDER BY d.id DESC LIMIT $%d", len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("store: deliveries: %w", err)
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, fmt.Errorf("store: deliveries: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Delivery returns one delivery.
func (s *Store) Delivery(ctx context.Context, id int64) (Delivery, error) {
	d, err := scanDelivery(s.q.QueryRowContext(ctx, deliverySelect+` WHERE d.id = $1`, id))
	return d, rowErr(err, "delivery", id)
}

// Attempts returns the recorded attempts of the deliveries, in order.
func (s *Store) Attempts(ctx context.Context, deliveryIDs []int64) (map[int64][]Attempt, error) {
	out := map[int64][]Attempt{}
	if len(deliveryIDs) == 0 {
		return out, nil
	}
	marks := make([]string, len(deliveryIDs))
	args := make([]any, len(deliveryIDs))
	for i, id := range deliveryIDs {
		marks[i] = fmt.Sprintf("$%d", i+1)
		args[i] = id
	}
	rows, err := s.q.QueryContext(ctx, `SELECT delivery_id, attempt, started_at, duration_ms, ok, error_message FROM delivery_attempts
		WHERE delivery_id IN (`+strings.Join(marks, ", ")+`) ORDER BY delivery_id, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: attempts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a Attempt
		var ms int64
		if err := rows.Scan(&a.DeliveryID, &a.Attempt, &a.StartedAt, &ms, &a.OK, &a.Error); err != nil {
			return nil, fmt.Errorf("store: attempts: %w", err)
		}
		a.Duration = time.Duration(ms) * time.Millisecond
		out[a.DeliveryID] = append(out[a.DeliveryID], a)
	}
	return out, rows.Err()
}
