package app_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kam/internal/app"
	"kam/internal/app/apptest"
	"kam/internal/crm"
	"kam/internal/i18n"
	"kam/internal/notify/notifytest"
	"kam/internal/store"
	"kam/internal/store/storetest"
)

// nf is a store, an App on a clock the test moves, and people to notify.
type nf struct {
	a      *app.App
	s      *store.Store
	clock  atomic.Int64 // unix nanoseconds
	admin  crm.Person
	rep    crm.Person
	gone   crm.Person // inactive
	logBuf *syncBuffer
}

func (f *nf) now() time.Time          { return time.Unix(0, f.clock.Load()).UTC() }
func (f *nf) advance(d time.Duration) { f.clock.Add(int64(d)) }

var t0 = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

func newNF(t *testing.T) *nf {
	t.Helper()
	f := &nf{s: storetest.New(t), logBuf: &syncBuffer{}}
	f.clock.Store(t0.UnixNano())
	f.a = app.New(f.s, app.Options{Now: f.now, Auth: apptest.FastAuth})
	f.admin = apptest.Person(t, f.a, crm.RoleAdmin, crm.Person{Name: "管理员", Email: "admin@corp.example"})
	f.rep = apptest.Person(t, f.a, crm.RoleMember, crm.Person{Name: "王销售", Email: "wang@corp.example"})
	f.gone = apptest.Person(t, f.a, crm.RoleMember, crm.Person{Name: "离职", Email: "gone@corp.example"})
	f.gone.Active = false
	if _, err := f.a.SavePerson(context.Background(), f.gone); err != nil {
		t.Fatal(err)
	}
	return f
}

// sender sends f's outbox with short timeouts and the default backoff.
func (f *nf) sender(opt app.SenderOptions) *app.Sender {
	if opt.Timeout == 0 {
		opt.Timeout = 300 * time.Millisecond
	}
	opt.Logger = slog.New(slog.NewTextHandler(f.logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return f.a.NewSender(opt)
}

func (f *nf) channel(t *testing.T, c crm.Channel) app.ChannelView {
	t.Helper()
	v, err := f.a.SaveChannel(apptest.Context(f.admin), app.ChannelChange{Channel: c})
	if err != nil {
		t.Fatalf("SaveChannel(%s): %v", c.Name, err)
	}
	return v
}

func (f *nf) deliveries(t *testing.T) []app.DeliveryView {
	t.Helper()
	ds, err := f.a.Deliveries(apptest.Context(f.admin), store.DeliveryFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func (f *nf) delivery(t *testing.T, id int64) app.DeliveryView {
	t.Helper()
	d, err := f.a.Delivery(apptest.Context(f.admin), id)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func sendDue(t *testing.T, s *app.Sender) int {
	t.Helper()
	n, err := s.SendDue(context.Background())
	if err != nil {
		t.Fatalf("SendDue: %v", err)
	}
	return n
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestNotifyInTransaction: a notification exists exactly when the change
// that caused it commits; it lands in the inbox of each active recipient
// and in the outbox of each enabled channel; and the change succeeds
// whatever the channels do, since nothing is sent inside it.
func TestNotifyInTransaction(t *testing.T) {
	t.Parallel()
	f := newNF(t)
	ctx := context.Background()
	robot := notifytest.NewRobot(t, crm.ChannelWeCom, "")
	robot.SetFault(notifytest.Status500) // down all along
	wecom := f.channel(t, robot.Channel("销售群", crm.FormatMarkdown))
	off := robot.Channel("停用的群", crm.FormatText)
	off.Enabled = false
	disabled := f.channel(t, off)
	mail := f.channel(t, crm.Channel{Name: "邮件", Kind: crm.ChannelEmail, SMTPHost: "127.0.0.1", SMTPPort: 1, SMTPFrom: "kam@corp.example", Enabled: true})

	n := app.Notification{Kind: "handover.overdue", Title: "交接逾期", Body: "华为技术", Link: "/handovers/1",
		Recipients: []int64{f.rep.ID, f.gone.ID, f.admin.ID, 987654}}
	// A change that fails takes its notification with it.
	boom := errors.New("boom")
	err := f.s.InTx(ctx, func(tx *store.Store) error {
		if err := f.a.Notify(ctx, tx, n); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx = %v", err)
	}
	if ds := f.deliveries(t); len(ds) != 0 {
		t.Fatalf("a rolled-back change left %d deliveries", len(ds))
	}
	// A change that commits: notified, though the robot is down.
	err = f.s.InTx(ctx, func(tx *store.Store) error {
		if _, err := tx.SaveDepartment(ctx, crm.Department{Name: "客服部", Kind: crm.DeptCustomerService}, f.now()); err != nil {
			return err
		}
		return f.a.Notify(ctx, tx, n)
	})
	if err != nil {
		t.Fatalf("the change failed: %v", err)
	}
	if robot.Requests() != 0 {
		t.Error("Notify sent inside the change")
	}
	for _, p := range []crm.Person{f.rep, f.admin} {
		items, err := f.a.Inbox(apptest.Context(p), false, 0, 0)
		if err != nil || len(items) != 1 || items[0].Title != "交接逾期" || items[0].Link != "/handovers/1" || items[0].Kind != "handover.overdue" {
			t.Errorf("inbox of %s = %+v, %v", p.Name, items, err)
		}
	}
	if items, _ := f.s.Inbox(ctx, store.InboxFilter{PersonID: f.gone.ID}); len(items) != 0 {
		t.Errorf("an inactive person got %d notifications", len(items))
	}
	perChannel := map[int64][]string{}
	for _, d := range f.deliveries(t) {
		if d.Status != crm.DeliveryPending || d.Title != "交接逾期" || d.Link != "/handovers/1" {
			t.Errorf("delivery %+v", d)
		}
		perChannel[d.ChannelID] = append(perChannel[d.ChannelID], strings.Join(d.To, ","))
	}
	if len(perChannel[wecom.ID]) != 1 || len(perChannel[disabled.ID]) != 0 || len(perChannel[mail.ID]) != 2 {
		t.Errorf("deliveries per channel = %v; want one to the robot, none to the disabled one, one e-mail per active person", perChannel)
	}

	// Explicit channels, none, and a title that is required.
	if err := f.a.Notify(ctx, nil, app.Notification{Title: "x", Recipients: []int64{f.rep.ID}, Channels: []int64{}}); err != nil {
		t.Fatal(err)
	}
	if err := f.a.Notify(ctx, nil, app.Notification{Title: "y", Channels: []int64{disabled.ID, wecom.ID}}); err != nil {
		t.Fatal(err)
	}
	if got := len(f.deliveries(t)); got != 4 {
		t.Errorf("%d deliveries, want 4: none for an empty channel list, one for the enabled of the two named", got)
	}
	var ve *crm.ValidationError
	if err := f.a.Notify(ctx, nil, app.Notification{Title: "  "}); !errors.As(err, &ve) {
		t.Errorf("Notify(no title) = %v, want a validation error", err)
	}
	if n, _ := f.a.UnreadCount(apptest.Context(f.rep)); n != 2 {
		t.Errorf("unread = %d, want 2", n)
	}
}

// TestSenderRetries follows one delivery through a robot that fails in
// every way and recovers, and one through a robot that stays down, on a
// clock the test moves: attempts at 0, 30 s, 1 min, 2 min, 4 min … after
// the previous one; SENT once the robot answers; FAILED with the error
// after the sixth try; every attempt recorded.
func TestSenderRetries(t *testing.T) {
	t.Parallel()
	f := newNF(t)
	ctx := context.Background()
	flaky := notifytest.NewRobot(t, crm.ChannelDingTalk, "SEC-dingtalk-secret-0123456789")
	flaky.Now = f.now
	down := notifytest.NewRobot(t, crm.ChannelFeishu, "feishu-secret-0123456789")
	down.Now = f.now
	down.SetFault(notifytest.Status500)
	c1 := f.channel(t, flaky.Channel("钉钉群", crm.FormatMarkdown))
	c2 := f.channel(t, down.Channel("飞书群", crm.FormatText))
	s := f.sender(app.SenderOptions{})
	if err := f.a.Notify(ctx, nil, app.Notification{Title: "回款下降", Body: "上海某银楼", Link: "/accounts/9", Channels: []int64{c1.ID, c2.ID}}); err != nil {
		t.Fatal(err)
	}
	var flakyID, downID int64
	for _, d := range f.deliveries(t) {
		if d.ChannelID == c1.ID {
			flakyID = d.ID
		} else {
			downID = d.ID
		}
	}
	flaky.FailNext(notifytest.Status500, notifytest.ErrCode, notifytest.Slow)
	refused := f.channel(t, crm.Channel{Name: "关掉的群", Kind: crm.ChannelWeCom, URL: notifytest.RefusedURL(t), Enabled: true})
	if err := f.a.Notify(ctx, nil, app.Notification{Title: "无人接听", Channels: []int64{refused.ID}}); err != nil {
		t.Fatal(err)
	}

	wantErr := map[int]string{1: "HTTP 500", 2: "errcode 130101", 3: "no answer within 300ms"}
	waits := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute}
	for attempt := 1; attempt <= 6; attempt++ {
		want := 3 // until the flaky robot's delivery is sent at its fourth try
		if attempt > 4 {
			want = 2
		}
		if n := sendDue(t, s); n != want {
			t.Fatalf("attempt %d: SendDue tried %d deliveries, want %d", attempt, n, want)
		}
		d := f.delivery(t, downID)
		if attempt < 6 {
			if d.Status != crm.DeliveryPending || d.Attempts != attempt || !d.NextAttemptAt.Equal(f.now().Add(waits[attempt-1])) ||
				!strings.Contains(d.LastError, "HTTP 500") {
				t.Fatalf("after attempt %d: %+v; want PENDING, due in %s, with the error", attempt, d.Delivery, waits[attempt-1])
			}
			// Not due a second earlier.
			f.advance(waits[attempt-1] - time.Second)
			if n := sendDue(t, s); n != 0 {
				t.Fatalf("after attempt %d: %d tried before the backoff ended", attempt, n)
			}
			f.advance(time.Second)
		} else if d.Status != crm.DeliveryFailed || d.Attempts != 6 || !strings.Contains(d.LastError, "HTTP 500") || len(d.Log) != 6 {
			t.Fatalf("after the last try: %+v with %d attempts logged; want FAILED with the error and 6 attempts", d.Delivery, len(d.Log))
		}
		fd := f.delivery(t, flakyID)
		switch {
		case attempt <= 3:
			if fd.Status != crm.DeliveryPending || !strings.Contains(fd.LastError, wantErr[attempt]) {
				t.Errorf("flaky after attempt %d: %+v, want the error %q", attempt, fd.Delivery, wantErr[attempt])
			}
		case attempt == 4:
			if fd.Status != crm.DeliverySent || fd.SentAt == nil || fd.LastError != "" || len(fd.Log) != 4 || !fd.Log[3].OK || fd.Log[2].OK {
				t.Errorf("flaky after attempt %d: %+v, log %+v; want SENT", attempt, fd.Delivery, fd.Log)
			}
		}
	}
	if got := flaky.Received(); len(got) != 1 {
		t.Errorf("the flaky robot accepted %d messages, want exactly 1", len(got))
	}
	if p := append(flaky.Problems(), down.Problems()...); len(p) > 0 {
		t.Errorf("robots refused %v", p)
	}
	r := f.deliveries(t)[0]
	if r.ChannelID != refused.ID || r.Status != crm.DeliveryFailed || !strings.Contains(r.LastError, "refused") {
		t.Errorf("refused connection: %+v", r.Delivery)
	}
	// Nothing is due any more, however late.
	f.advance(24 * time.Hour)
	if n := sendDue(t, s); n != 0 {
		t.Errorf("%d tried after every delivery ended", n)
	}
	// The robot is back: an administrator tries the failed one again.
	down.SetFault(notifytest.OK)
	if err := f.a.RetryDelivery(apptest.Context(f.rep), downID); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("RetryDelivery as a member = %v, want ErrForbidden", err)
	}
	if err := f.a.RetryDelivery(apptest.Context(f.admin), downID); err != nil {
		t.Fatal(err)
	}
	if err := f.a.RetryDelivery(apptest.Context(f.admin), flakyID); !errors.Is(err, crm.ErrConflict) {
		t.Errorf("RetryDelivery(sent) = %v, want ErrConflict", err)
	}
	sendDue(t, s)
	if d := f.delivery(t, downID); d.Status != crm.DeliverySent || len(d.Log) != 7 || len(down.Received()) != 1 {
		t.Errorf("after the retry: %+v, %d attempts; want SENT", d.Delivery, len(d.Log))
	}
	// The log names no credential.
	logs := f.logBuf.String()
	for _, secret := range []string{flaky.Token, down.Token, "SEC-dingtalk", "feishu-secret", "sign="} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log holds %q: %s", secret, logs)
		}
	}
	if !strings.Contains(logs, "will try again") || !strings.Contains(logs, "failed after its last try") {
		t.Errorf("the log does not tell the failures: %s", logs)
	}
}

// TestSendersShareTheOutbox runs two senders' loops, as two kam serve on
// one database would, over many deliveries: each is sent exactly once.
func TestSendersShareTheOutbox(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := storetest.DSN(t)
	var apps []*app.App
	for range 2 {
		s, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		apps = append(apps, app.New(s, app.Options{Auth: apptest.FastAuth}))
	}
	admin := apptest.Person(t, apps[0], crm.RoleAdmin, crm.Person{})
	robot := notifytest.NewRobot(t, crm.ChannelWeCom, "")
	c, err := apps[0].SaveChannel(apptest.Context(admin), app.ChannelChange{Channel: robot.Channel("群", crm.FormatText)})
	if err != nil {
		t.Fatal(err)
	}
	const n = 60
	for i := range n {
		if err := apps[i%2].Notify(ctx, nil, app.Notification{Title: fmt.Sprintf("n-%d", i), Channels: []int64{c.ID}}); err != nil {
			t.Fatal(err)
		}
	}
	run, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, a := range apps {
		s := a.NewSender(app.SenderOptions{Poll: 5 * time.Millisecond, Workers: 3, Logger: slog.New(slog.DiscardHandler)})
		wg.Go(func() { s.Run(run) })
	}
	// Wait for the outbox to empty (not a timing assertion: the deadline
	// only keeps a broken sender from hanging the test).
	deadline := time.Now().Add(time.Minute)
	for {
		pending, err := apps[0].Deliveries(apptest.Context(admin), store.DeliveryFilter{Status: crm.DeliveryPending, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(pending) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the senders did not empty the outbox")
		}
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	wg.Wait()
	seen := map[string]int{}
	for _, r := range robot.Received() {
		text, _ := r.Body["text"].(map[string]any)["content"].(string)
		seen[text]++
	}
	if len(seen) != n {
		t.Errorf("%d distinct messages arrived, want %d", len(seen), n)
	}
	for text, k := range seen {
		if k != 1 {
			t.Errorf("%q arrived %d times", text, k)
		}
	}
	sent, _ := apps[1].Deliveries(apptest.Context(admin), store.DeliveryFilter{Status: crm.DeliverySent, Limit: 500})
	if len(sent) != n {
		t.Errorf("%d deliveries SENT, want %d", len(sent), n)
	}
	for _, d := range sent {
		if d.Attempts != 1 || len(d.Log) != 1 {
			t.Errorf("delivery %d: %d attempts, %d logged; want one", d.ID, d.Attempts, len(d.Log))
		}
	}
}

// TestChannelAdmin: administrators manage channels; the webhook address and
// the secret are kept when a form leaves them empty, never shown back in
// full, and never in the audit log.
func TestChannelAdmin(t *testing.T) {
	t.Parallel()
	f := newNF(t)
	ctx := apptest.Context(f.admin)
	const token, secret = "98975521a1b23c02cdd1a9a08c69511ddf5fa9d2", "SEC19dd84be8c7f3cf71761974f1ed3ef77c14519"
	c := crm.Channel{Name: "钉钉群", Kind: crm.ChannelDingTalk, URL: "https://oapi.dingtalk.com/robot/send?access_token=" + token, Secret: secret, Enabled: true}
	if _, err := f.a.SaveChannel(apptest.Context(f.rep), app.ChannelChange{Channel: c}); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("SaveChannel as a member = %v, want ErrForbidden", err)
	}
	if _, err := f.a.Channels(apptest.Context(f.rep)); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("Channels as a member = %v, want ErrForbidden", err)
	}
	v, err := f.a.SaveChannel(ctx, app.ChannelChange{Channel: c})
	if err != nil {
		t.Fatal(err)
	}
	if v.URL != crm.MaskURL(c.URL) || strings.Contains(v.URL, token) || v.Secret != "••••4519" {
		t.Errorf("view = %+v, want the address and secret masked", v)
	}
	// An edit that leaves both empty keeps them.
	edit := crm.Channel{ID: v.ID, Name: "钉钉销售群", Kind: crm.ChannelDingTalk, Format: crm.FormatMarkdown, Version: v.Version, Enabled: true}
	v2, err := f.a.SaveChannel(ctx, app.ChannelChange{Channel: edit})
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := f.s.Channel(context.Background(), v.ID)
	if stored.URL != c.URL || stored.Secret != secret || stored.Name != "钉钉销售群" || v2.Version != 2 {
		t.Errorf("stored after the edit = %+v", stored)
	}
	// A stale version is a conflict; clearing the secret removes it.
	if _, err := f.a.SaveChannel(ctx, app.ChannelChange{Channel: edit}); !errors.Is(err, crm.ErrConflict) {
		t.Errorf("stale SaveChannel = %v, want ErrConflict", err)
	}
	edit.Version = v2.Version
	if v3, err := f.a.SaveChannel(ctx, app.ChannelChange{Channel: edit, ClearSecret: true}); err != nil || v3.Secret != "" {
		t.Errorf("ClearSecret: %+v, %v", v3, err)
	}
	// Another kind keeps nothing: a robot turned e-mail needs its settings.
	edit.Version, edit.Kind = 3, crm.ChannelEmail
	var ve *crm.ValidationError
	if _, err := f.a.SaveChannel(ctx, app.ChannelChange{Channel: edit}); !errors.As(err, &ve) || ve.Fields["smtp_host"] == "" {
		t.Errorf("robot → e-mail without settings = %v", err)
	}
	if _, err := f.a.SaveChannel(ctx, app.ChannelChange{Channel: crm.Channel{Name: "钉钉销售群", Kind: crm.ChannelWeCom, URL: "https://x/y"}}); !errors.Is(err, crm.ErrConflict) {
		t.Errorf("duplicate name = %v, want ErrConflict", err)
	}
	entries, err := f.s.AuditLog(context.Background(), store.AuditFilter{Entity: "channel"})
	if err != nil || len(entries) != 3 {
		t.Fatalf("audit = %d entries, %v; want 3", len(entries), err)
	}
	for _, e := range entries {
		if strings.Contains(e.Before+e.After, token) || strings.Contains(e.Before+e.After, secret) {
			t.Errorf("audit entry %s holds a credential: %s → %s", e.Action, e.Before, e.After)
		}
	}
}

// TestTestChannel: the test message goes out through a channel even when it
// is disabled; an e-mail channel without recipients writes to the
// administrator who asked.
func TestTestChannel(t *testing.T) {
	t.Parallel()
	f := newNF(t)
	srv := notifytest.NewSMTP(t, notifytest.SMTPOptions{StartTLS: true, User: "kam", Password: "pw-0123456789"})
	c := f.channel(t, crm.Channel{Name: "邮件", Kind: crm.ChannelEmail, SMTPHost: srv.Host, SMTPPort: srv.Port, SMTPUsername: "kam",
		Secret: "pw-0123456789", SMTPFrom: "KAM <kam@corp.example>"})
	if _, err := f.a.TestChannel(apptest.Context(f.rep), c.ID, "t", "b"); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("TestChannel as a member = %v", err)
	}
	if _, err := f.a.TestChannel(apptest.Context(f.admin), 987654, "t", "b"); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("TestChannel(unknown) = %v", err)
	}
	d, err := f.a.TestChannel(apptest.Context(f.admin), c.ID, "KAM 测试消息", "渠道可用")
	if err != nil || d.Status != crm.DeliveryPending || d.Kind != "test" || len(d.To) != 1 || d.To[0] != "admin@corp.example" {
		t.Fatalf("TestChannel = %+v, %v", d, err)
	}
	s := f.sender(app.SenderOptions{TLS: &tls.Config{RootCAs: srv.Roots}, BaseURL: "https://kam.example/"})
	if n := sendDue(t, s); n != 1 {
		t.Fatalf("SendDue = %d", n)
	}
	if d := f.delivery(t, d.ID); d.Status != crm.DeliverySent {
		t.Errorf("test delivery = %+v", d.Delivery)
	}
	mails := srv.Mails()
	if len(mails) != 1 || mails[0].To[0] != "admin@corp.example" || !mails[0].TLS {
		t.Fatalf("mails = %+v", mails)
	}
	if !strings.Contains(mails[0].Data, "Subject: =?UTF-8?b?") {
		t.Errorf("mail = %s", mails[0].Data)
	}
}

// TestInbox: everyone sees and marks their own notifications only.
func TestInbox(t *testing.T) {
	t.Parallel()
	f := newNF(t)
	ctx := context.Background()
	for i := range 3 {
		if err := f.a.Notify(ctx, nil, app.Notification{Title: fmt.Sprintf("第 %d 条", i+1), Recipients: []int64{f.rep.ID}}); err != nil {
			t.Fatal(err)
		}
	}
	me := apptest.Context(f.rep)
	items, err := f.a.Inbox(me, false, 0, 2)
	if err != nil || len(items) != 2 || items[0].Title != "第 3 条" {
		t.Fatalf("Inbox = %+v, %v", items, err)
	}
	if more, _ := f.a.Inbox(me, false, items[1].ID, 2); len(more) != 1 || more[0].Title != "第 1 条" {
		t.Errorf("next page = %+v", more)
	}
	if err := f.a.MarkRead(apptest.Context(f.admin), items[0].ID); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("MarkRead(another's) = %v, want ErrNotFound", err)
	}
	if err := f.a.MarkRead(me, items[0].ID); err != nil {
		t.Fatal(err)
	}
	if n, _ := f.a.UnreadCount(me); n != 2 {
		t.Errorf("unread = %d, want 2", n)
	}
	if unread, _ := f.a.Inbox(me, true, 0, 0); len(unread) != 2 {
		t.Errorf("unread list = %+v", unread)
	}
	if mine, _ := f.a.Inbox(apptest.Context(f.admin), false, 0, 0); len(mine) != 0 {
		t.Errorf("the administrator sees %d notifications of others", len(mine))
	}
}

// TestNotifyInEachLanguage: a notification that renders itself is written
// into each inbox and each person's e-mail in the language the person
// reads KAM in, and to group robots in the installation's default.
func TestNotifyInEachLanguage(t *testing.T) {
	t.Parallel()
	f := newNF(t)
	ctx := context.Background()
	if err := f.a.SetMyLang(apptest.Context(f.rep), "en"); err != nil {
		t.Fatal(err)
	}
	robot := notifytest.NewRobot(t, crm.ChannelFeishu, "")
	feishu := f.channel(t, robot.Channel("飞书群", crm.FormatText))
	mail := f.channel(t, crm.Channel{Name: "邮件", Kind: crm.ChannelEmail, SMTPHost: "127.0.0.1", SMTPPort: 1, SMTPFrom: "kam@corp.example", Enabled: true})
	rendered := 0
	n := app.Notification{Kind: "test", Link: "/alerts", Recipients: []int64{f.rep.ID, f.admin.ID},
		Render: func(p *i18n.Printer) (string, string) {
			rendered++
			return p.T("alert.rule.OPP_STALE"), p.T("alert.account", "华为")
		}}
	if err := f.a.Notify(ctx, nil, n); err != nil {
		t.Fatal(err)
	}
	if rendered != 2 {
		t.Errorf("rendered %d times, want once per language", rendered)
	}
	en, zh := i18n.Get("en"), i18n.Get(i18n.Default)
	for p, want := range map[*crm.Person]*i18n.Printer{&f.rep: en, &f.admin: zh} {
		items, err := f.a.Inbox(apptest.Context(*p), false, 0, 0)
		if err != nil || len(items) != 1 || items[0].Title != want.T("alert.rule.OPP_STALE") || items[0].Body != want.T("alert.account", "华为") {
			t.Errorf("inbox of %s = %+v, %v", p.Name, items, err)
		}
	}
	got := map[string]string{}
	for _, d := range f.deliveries(t) {
		switch d.ChannelID {
		case feishu.ID:
			got["robot"] = d.Title
		case mail.ID:
			got[strings.Join(d.To, ",")] = d.Title
		}
	}
	want := map[string]string{"robot": zh.T("alert.rule.OPP_STALE"), "wang@corp.example": en.T("alert.rule.OPP_STALE"),
		"admin@corp.example": zh.T("alert.rule.OPP_STALE")}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("deliveries %v, want %v", got, want)
	}
}
