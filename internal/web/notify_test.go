package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"kam/internal/app"
	"kam/internal/app/apptest"
	"kam/internal/crm"
	"kam/internal/notify/notifytest"
	"kam/internal/store"
	"kam/internal/web"
)

// sendOutbox runs one pass of a sender over e's outbox, as kam serve does
// every few seconds; a delivery gets one try.
func sendOutbox(t *testing.T, e *env) {
	t.Helper()
	s := e.app.NewSender(app.SenderOptions{Attempts: 1, Timeout: 2 * time.Second, Logger: slog.New(slog.DiscardHandler)})
	if _, err := s.SendDue(context.Background()); err != nil {
		t.Fatalf("SendDue: %v", err)
	}
}

// TestChannelPages: an administrator adds a DingTalk robot with its 加签
// secret, sees it masked, edits it without retyping the credentials, sends
// a test message and sees its outcome; a failed delivery shows its error
// and can be tried again.
func TestChannelPages(t *testing.T) {
	t.Parallel()
	for _, l := range []lang{langs[0], langs[1]} {
		t.Run(l.name, func(t *testing.T) {
			e := emptyEnv(t)
			p := l.p
			const secret = "SEC19dd84be8c7f3cf71761974f1ed3ef77c1451906ae8ba18acf56103ee"
			robot := notifytest.NewRobot(t, crm.ChannelDingTalk, secret)
			robot.Now = func() time.Time { return now }
			e.run(t, l, scenario{path: "/settings/channels", wantStatus: 200,
				wantBody: []string{tr(p, "channel.title"), tr(p, "channel.none"), `href="/settings/channels/new"`, `href="/settings/channels"`}})
			e.run(t, l, scenario{path: "/settings/channels/new?kind=dingtalk", wantStatus: 200,
				wantBody: []string{`action="/settings/channels"`, `<option value="DINGTALK" selected>` + tr(p, "channel.kind.DINGTALK"), `name="secret" type="password"`}})
			e.run(t, l, scenario{name: "no address", path: "/settings/channels", header: sameOrigin,
				form:       form("name", "钉钉销售群", "kind", "DINGTALK", "format", "TEXT", "secret", secret, "enabled", "1"),
				wantStatus: 422, wantBody: []string{tr(p, "error.required")}, notBody: []string{secret}})
			e.run(t, l, scenario{name: "bad port", path: "/settings/channels", form: form("name", "邮件", "kind", "EMAIL", "smtp_port", "x"),
				wantStatus: 422, wantBody: []string{tr(p, "error.number.invalid")}})
			res := e.run(t, l, scenario{name: "save", path: "/settings/channels", header: sameOrigin,
				form:       form("name", "钉钉销售群", "kind", "DINGTALK", "format", "MARKDOWN", "url", robot.URL(), "secret", secret, "enabled", "1"),
				wantStatus: 303})
			loc := res.Header.Get("Location")
			if !strings.HasSuffix(loc, "?flash=channel_saved") {
				t.Fatalf("Location = %q", loc)
			}
			page := strings.TrimSuffix(loc, "?flash=channel_saved")
			id := strings.TrimPrefix(page, "/settings/channels/")
			masked := tr(p, "channel.keep")
			e.run(t, l, scenario{path: loc, wantStatus: 200,
				wantBody: []string{tr(p, "flash.channel_saved"), `value="钉钉销售群"`, "access_token=••••cdef", "••••03ee", masked, `id="test-channel"`},
				notBody:  []string{robot.Token, secret}})
			e.run(t, l, scenario{path: "/settings/channels", wantStatus: 200, wantBody: []string{"钉钉销售群", "access_token=••••cdef", tr(p, "channel.kind.DINGTALK")},
				notBody: []string{robot.Token, secret, tr(p, "channel.none")}})

			// Edit without retyping the address or the secret.
			e.run(t, l, scenario{path: page, header: sameOrigin,
				form:       form("name", "钉钉华东群", "kind", "DINGTALK", "format", "TEXT", "enabled", "1", "version", "1"),
				wantStatus: 303, wantHeader: map[string]string{"Location": loc}})
			cid, _ := strconv.ParseInt(id, 10, 64)
			stored, err := e.app.Store().Channel(context.Background(), cid)
			if err != nil || stored.URL != robot.URL() || stored.Secret != secret || stored.Name != "钉钉华东群" || stored.Format != crm.FormatText {
				t.Fatalf("stored after the edit = %+v, %v", stored, err)
			}
			e.run(t, l, scenario{name: "stale", path: page, form: form("name", "x", "kind", "DINGTALK", "version", "1"),
				wantStatus: 409, wantBody: []string{tr(p, "error.channel.conflict")}})
			e.run(t, l, scenario{path: "/settings/channels/987654", wantStatus: 404})
			e.run(t, l, scenario{path: "/settings/channels/987654", form: form("name", "x", "kind", "WECOM", "url", "https://x/y", "version", "1"), wantStatus: 404})

			// The test message: queued, sent by the next pass, shown sent.
			e.run(t, l, scenario{path: page + "/test", method: "POST", header: sameOrigin, wantStatus: 303,
				wantHeader: map[string]string{"Location": page + "?flash=test_queued#deliveries"}})
			e.run(t, l, scenario{path: page + "?flash=test_queued", wantStatus: 200,
				wantBody: []string{tr(p, "flash.test_queued"), `data-status="PENDING"`, tr(p, "channel.test.title")}})
			sendOutbox(t, e)
			e.run(t, l, scenario{path: page, wantStatus: 200, wantBody: []string{`data-status="SENT"`, tr(p, "delivery.status.SENT")}})
			got := robot.Received()
			if len(got) != 1 || !strings.Contains(string(got[0].Raw), p.T("channel.test.title")) || len(robot.Problems()) > 0 {
				t.Fatalf("the robot received %d messages (%v), problems %v", len(got), got, robot.Problems())
			}

			// A robot that answers 200 with an error code: the delivery
			// fails, with the robot's message, and is tried again on demand.
			robot.SetFault(notifytest.ErrCode)
			e.run(t, l, scenario{path: page + "/test", method: "POST", wantStatus: 303})
			sendOutbox(t, e)
			res = e.run(t, l, scenario{path: "/settings/deliveries?status=FAILED", wantStatus: 200,
				wantBody: []string{tr(p, "delivery.title"), `data-status="FAILED"`, "errcode 130101: frequency limited", tr(p, "delivery.retry"), `<option value="` + id + `"`},
				notBody:  []string{`data-status="SENT"`, robot.Token}})
			var failed string
			if i := strings.Index(res.Body, `action="/settings/deliveries/`); i >= 0 {
				failed = res.Body[i+len(`action="`):]
				failed = failed[:strings.Index(failed, `"`)]
			}
			if !strings.HasSuffix(failed, "/retry") {
				t.Fatalf("no retry form: %.2000s", res.Body)
			}
			robot.SetFault(notifytest.OK)
			e.run(t, l, scenario{path: failed, method: "POST", header: sameOrigin, wantStatus: 303,
				wantHeader: map[string]string{"Location": "/settings/deliveries?flash=retry_queued"}})
			e.run(t, l, scenario{path: failed, method: "POST", wantStatus: 303,
				wantHeader: map[string]string{"Location": "/settings/deliveries?flash=retry_not_failed"}})
			e.run(t, l, scenario{path: "/settings/deliveries/987654/retry", method: "POST", wantStatus: 404})
			sendOutbox(t, e)
			e.run(t, l, scenario{path: "/settings/deliveries?flash=retry_queued&channel=" + id, wantStatus: 200,
				wantBody: []string{tr(p, "flash.retry_queued"), tr(p, "delivery.log", 2)}, notBody: []string{`data-status="FAILED"`, `data-status="PENDING"`}})
			if n := len(robot.Received()); n != 2 {
				t.Errorf("the robot received %d messages, want 2", n)
			}

			// An auditor reads the log, without the channels' names filter or
			// the retry button; a member reads neither.
			auditor := apptest.Person(t, e.app, crm.RoleAuditor, crm.Person{})
			e.run(t, l, scenario{path: "/settings/deliveries", header: map[string]string{"Cookie": web.SessionCookie + "=" + apptest.Session(t, e.app, auditor)},
				wantStatus: 200, wantBody: []string{"钉钉华东群"}, notBody: []string{`name="channel"`, `/retry"`, `href="/settings/channels"`}})
			member := apptest.Person(t, e.app, crm.RoleMember, crm.Person{})
			e.run(t, l, scenario{path: "/settings/channels", header: map[string]string{"Cookie": web.SessionCookie + "=" + apptest.Session(t, e.app, member)},
				wantStatus: 403})
		})
	}
}

// TestInboxPage: a person sees their own notifications, opens one (marked
// read, on to its page) and marks another read.
func TestInboxPage(t *testing.T) {
	t.Parallel()
	e := emptyEnv(t)
	ctx := context.Background()
	rep := apptest.Person(t, e.app, crm.RoleMember, crm.Person{Name: "王销售"})
	mine := map[string]string{"Cookie": web.SessionCookie + "=" + apptest.Session(t, e.app, rep)}
	for i, link := range []string{"/handovers/1", "", "//evil.example/x"} {
		if err := e.app.Notify(ctx, nil, app.Notification{Title: fmt.Sprintf("提醒 %d", i+1), Body: "交接逾期", Link: link, Recipients: []int64{rep.ID}}); err != nil {
			t.Fatal(err)
		}
	}
	items, err := e.app.Store().Inbox(ctx, store.InboxFilter{PersonID: rep.ID})
	if err != nil || len(items) != 3 {
		t.Fatalf("inbox = %v, %v", items, err)
	}
	ids := map[string]int64{}
	for _, it := range items {
		ids[it.Title] = it.ID
	}
	for _, l := range []lang{langs[0], langs[1]} {
		e.run(t, l, scenario{path: "/inbox", header: mine, wantStatus: 200,
			wantBody: []string{tr(l.p, "inbox.title"), tr(l.p, "inbox.unread", 3), "提醒 1", "交接逾期", `href="/inbox"`, tr(l.p, "inbox.open")}})
		// The administrator's inbox holds none of it.
		e.run(t, l, scenario{path: "/inbox", wantStatus: 200, wantBody: []string{tr(l.p, "inbox.none")}, notBody: []string{"提醒 1"}})
	}
	read := func(id int64) string { return fmt.Sprintf("/inbox/%d/read", id) }
	e.run(t, langs[0], scenario{path: read(ids["提醒 1"]), header: mine, form: form("open", "1", "link", "/handovers/1"), wantStatus: 303,
		wantHeader: map[string]string{"Location": "/handovers/1"}})
	e.run(t, langs[0], scenario{path: read(ids["提醒 3"]), header: mine, form: form("open", "1", "link", "//evil.example/x"), wantStatus: 303,
		wantHeader: map[string]string{"Location": "/"}})
	e.run(t, langs[0], scenario{path: read(ids["提醒 2"]), header: mine, method: "POST", wantStatus: 303,
		wantHeader: map[string]string{"Location": "/inbox"}})
	// Someone else's notification is not there.
	e.run(t, langs[0], scenario{path: read(ids["提醒 2"]), method: "POST", wantStatus: 404})
	e.run(t, langs[0], scenario{path: "/inbox/x/read", header: mine, method: "POST", wantStatus: 404})
	e.run(t, langs[1], scenario{path: "/inbox?unread=1", header: mine, wantStatus: 200,
		wantBody: []string{tr(zh, "inbox.unread", 0), tr(zh, "inbox.none")}, notBody: []string{"提醒 1"}})
}
