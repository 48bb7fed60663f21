package api_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"kam/internal/api"
	"kam/internal/app"
	"kam/internal/app/apptest"
	"kam/internal/crm"
	"kam/internal/notify/notifytest"
)

// sendOutbox runs one pass of a sender, as kam serve does every few
// seconds; a delivery gets one try.
func sendOutbox(t *testing.T, e *env) {
	t.Helper()
	s := e.app.NewSender(app.SenderOptions{Attempts: 1, Timeout: 2 * time.Second, Logger: slog.New(slog.DiscardHandler)})
	if _, err := s.SendDue(context.Background()); err != nil {
		t.Fatalf("SendDue: %v", err)
	}
}

func TestChannelsAPI(t *testing.T) {
	t.Parallel()
	e := emptyEnv(t)
	const secret = "feishu-signing-secret-0123456789"
	robot := notifytest.NewRobot(t, crm.ChannelFeishu, secret)
	robot.Now = func() time.Time { return now }
	e.run(t, scenario{path: "/api/v1/channels", wantStatus: 200, wantBody: []string{`{"channels":[]}`}})
	e.run(t, scenario{method: "POST", path: "/api/v1/channels", body: `{"name":"飞书群","kind":"FEISHU"}`, wantStatus: 422, check: wantFields("url")})
	e.run(t, scenario{method: "POST", path: "/api/v1/channels", body: `{"name":"x","kind":"SMS"}`, wantStatus: 422, check: wantFields("kind")})
	e.run(t, scenario{method: "POST", path: "/api/v1/channels", body: `{"name":"x","colour":"red"}`, wantStatus: 400})
	body := fmt.Sprintf(`{"name":"飞书销售群","kind":"FEISHU","format":"MARKDOWN","url":%q,"secret":%q}`, robot.URL(), secret)
	res := e.run(t, scenario{method: "POST", path: "/api/v1/channels", body: body, wantStatus: 201,
		wantBody: []string{`"name":"飞书销售群"`, `"kind":"FEISHU"`, `/hook/••••cdef"`, `"secret":"••••6789"`, `"enabled":true`, `"version":1`}})
	if strings.Contains(res.Body, robot.Token) || strings.Contains(res.Body, secret) {
		t.Fatalf("the answer shows a credential: %s", res.Body)
	}
	var c app.ChannelView
	decodeJSON(t, res, &c)
	self := fmt.Sprintf("/api/v1/channels/%d", c.ID)
	if loc := res.Header.Get("Location"); loc != self {
		t.Errorf("Location = %q, want %s", loc, self)
	}
	e.run(t, scenario{method: "POST", path: "/api/v1/channels", body: body, wantStatus: 409})
	e.run(t, scenario{path: self, wantStatus: 200, wantBody: []string{`"format":"MARKDOWN"`}})
	e.run(t, scenario{path: "/api/v1/channels/987654", wantStatus: 404})
	e.run(t, scenario{method: "PATCH", path: self, body: `{"name":"飞书华东群"}`, wantStatus: 422, check: wantFields("version")})
	e.run(t, scenario{method: "PATCH", path: self, body: `{"name":"飞书华东群","version":1}`, wantStatus: 200,
		wantBody: []string{`"name":"飞书华东群"`, `"version":2`, `"secret":"••••6789"`, `/hook/••••cdef"`}})
	e.run(t, scenario{method: "PATCH", path: self, body: `{"name":"stale","version":1}`, wantStatus: 409})
	e.run(t, scenario{method: "PATCH", path: "/api/v1/channels/987654", body: `{"version":1}`, wantStatus: 404})
	stored, err := e.app.Store().Channel(context.Background(), c.ID)
	if err != nil || stored.URL != robot.URL() || stored.Secret != secret {
		t.Fatalf("stored = %+v, %v: the address and secret must be kept", stored, err)
	}

	// A test message: queued (202), sent by the next pass, its outcome
	// read from the delivery.
	res = e.run(t, scenario{method: "POST", path: self + "/test", header: map[string]string{"Accept-Language": "zh-CN"}, wantStatus: 202,
		wantBody: []string{`"status":"PENDING"`, `"kind":"test"`, `"title":"KAM 测试消息"`, `"next_attempt_at":`}})
	var d api.DeliveryJSON
	decodeJSON(t, res, &d)
	if loc := res.Header.Get("Location"); loc != fmt.Sprintf("/api/v1/deliveries/%d", d.ID) {
		t.Errorf("Location = %q", loc)
	}
	e.run(t, scenario{method: "POST", path: "/api/v1/channels/987654/test", wantStatus: 404})
	sendOutbox(t, e)
	e.run(t, scenario{path: fmt.Sprintf("/api/v1/deliveries/%d", d.ID), wantStatus: 200,
		wantBody: []string{`"status":"SENT"`, `"sent_at":`, `"log":[{"attempt":1,`, `"ok":true`, `"channel":"飞书华东群"`, `"channel_kind":"FEISHU"`}})
	if got := robot.Received(); len(got) != 1 || got[0].Body["msg_type"] != "post" || len(robot.Problems()) > 0 {
		t.Fatalf("the robot received %+v, problems %v", got, robot.Problems())
	}

	// The robot fails: FAILED with its error; tried again on demand.
	robot.SetFault(notifytest.Status500)
	e.run(t, scenario{method: "POST", path: self + "/test", wantStatus: 202})
	sendOutbox(t, e)
	res = e.run(t, scenario{path: "/api/v1/deliveries?status=FAILED", wantStatus: 200,
		wantBody: []string{`"status":"FAILED"`, `"last_error":"HTTP 500: internal error"`, `"attempts":1`}})
	var list struct {
		Deliveries []api.DeliveryJSON `json:"deliveries"`
	}
	decodeJSON(t, res, &list)
	if len(list.Deliveries) != 1 {
		t.Fatalf("failed deliveries = %+v", list.Deliveries)
	}
	failed := fmt.Sprintf("/api/v1/deliveries/%d", list.Deliveries[0].ID)
	e.run(t, scenario{path: fmt.Sprintf("/api/v1/deliveries?channel_id=%d&limit=1", c.ID), wantStatus: 200, wantBody: []string{`"next_before":`}})
	e.run(t, scenario{path: "/api/v1/deliveries?status=LOST", wantStatus: 422, check: wantFields("status")})
	e.run(t, scenario{path: "/api/v1/deliveries?limit=0", wantStatus: 400})
	e.run(t, scenario{path: "/api/v1/deliveries?channel_id=x", wantStatus: 400})
	e.run(t, scenario{path: "/api/v1/deliveries/987654", wantStatus: 404})
	robot.SetFault(notifytest.OK)
	e.run(t, scenario{method: "POST", path: failed + "/retry", wantStatus: 202, wantBody: []string{`"status":"PENDING"`, `"attempts":0`}})
	e.run(t, scenario{method: "POST", path: failed + "/retry", wantStatus: 409})
	e.run(t, scenario{method: "POST", path: "/api/v1/deliveries/987654/retry", wantStatus: 404})
	sendOutbox(t, e)
	e.run(t, scenario{path: failed, wantStatus: 200, wantBody: []string{`"status":"SENT"`, `"ok":false`, `"ok":true`}})

	// Clearing the secret; the audit log never shows a credential.
	e.run(t, scenario{method: "PATCH", path: self, body: `{"secret":"","version":2}`, wantStatus: 200,
		check: func(t *testing.T, res response) {
			if strings.Contains(res.Body, `"secret"`) {
				t.Errorf("the secret was not removed: %s", res.Body)
			}
		}})
	res = e.run(t, scenario{path: "/api/v1/audit?entity=channel", wantStatus: 200, wantBody: []string{`"action":"create"`, `"action":"update"`, `"action":"test"`}})
	if strings.Contains(res.Body, robot.Token) || strings.Contains(res.Body, secret) {
		t.Errorf("the audit log shows a credential: %s", res.Body)
	}
	// An auditor reads the deliveries, not the channels.
	auditor := map[string]string{"Authorization": "Bearer " + apptest.Token(t, e.app, apptest.Person(t, e.app, crm.RoleAuditor, crm.Person{}))}
	e.run(t, scenario{path: "/api/v1/deliveries", header: auditor, wantStatus: 200, wantBody: []string{`"status":"SENT"`}})
	e.run(t, scenario{path: "/api/v1/channels", header: auditor, wantStatus: 403})
}

func TestInboxAPI(t *testing.T) {
	t.Parallel()
	e := emptyEnv(t)
	rep := apptest.Person(t, e.app, crm.RoleMember, crm.Person{Name: "孙区域"})
	bearer := map[string]string{"Authorization": "Bearer " + apptest.Token(t, e.app, rep)}
	for _, title := range []string{"商机停滞", "回款下降"} {
		if err := e.app.Notify(context.Background(), nil, app.Notification{Kind: "alert", Title: title, Link: "/accounts", Recipients: []int64{rep.ID}}); err != nil {
			t.Fatal(err)
		}
	}
	res := e.run(t, scenario{path: "/api/v1/inbox", header: bearer, wantStatus: 200,
		wantBody: []string{`"unread":2`, `"title":"回款下降"`, `"title":"商机停滞"`, `"link":"/accounts"`, `"kind":"alert"`}})
	var inbox struct {
		Notifications []api.NotificationJSON `json:"notifications"`
	}
	decodeJSON(t, res, &inbox)
	if len(inbox.Notifications) != 2 || inbox.Notifications[0].Title != "回款下降" {
		t.Fatalf("inbox = %+v", inbox.Notifications)
	}
	first := inbox.Notifications[0].ID
	e.run(t, scenario{path: "/api/v1/inbox?limit=1", header: bearer, wantStatus: 200, wantBody: []string{fmt.Sprintf(`"next_before":%d`, first)}})
	e.run(t, scenario{path: "/api/v1/inbox?unread=maybe", header: bearer, wantStatus: 400})
	e.run(t, scenario{path: "/api/v1/inbox?limit=501", header: bearer, wantStatus: 400})
	// Another person's notification does not exist for the administrator.
	e.run(t, scenario{method: "POST", path: fmt.Sprintf("/api/v1/inbox/%d/read", first), wantStatus: 404})
	e.run(t, scenario{method: "POST", path: fmt.Sprintf("/api/v1/inbox/%d/read", first), header: bearer, wantStatus: 204})
	e.run(t, scenario{method: "POST", path: "/api/v1/inbox/987654/read", header: bearer, wantStatus: 404})
	e.run(t, scenario{path: "/api/v1/inbox?unread=true", header: bearer, wantStatus: 200, wantBody: []string{`"unread":1`, `"title":"商机停滞"`},
		check: func(t *testing.T, res response) {
			if strings.Contains(res.Body, "回款下降") {
				t.Errorf("a read notification is listed as unread: %s", res.Body)
			}
		}})
	e.run(t, scenario{path: "/api/v1/inbox", wantStatus: 200, wantBody: []string{`"notifications":[]`, `"unread":0`}})
}
