package notify

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/mail"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"kam/internal/crm"
	"kam/internal/notify/notifytest"
)

var now = time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)

// TestSigns checks the signatures against values computed with the
// robots' own Python samples (hmac, hashlib, base64).
func TestSigns(t *testing.T) {
	if got, want := DingTalkSign("SEC0123456789abcdef", 1700000000000), "TSZbRFUuvaSQaRKUpF970OPCb2/LcQAP3wOvwZIzBZk="; got != want {
		t.Errorf("DingTalkSign = %s, want %s", got, want)
	}
	if got, want := FeishuSign("feishu-secret", 1700000000), "OrBzY1Y01Gq+HgJsl+7OfWcMVwc7YocohQm5iiZwjhU="; got != want {
		t.Errorf("FeishuSign = %s, want %s", got, want)
	}
}

// TestWebhookBodies pins the exact address and JSON of every kind and
// format.
func TestWebhookBodies(t *testing.T) {
	m := Message{Title: "商机停滞 21 天", Body: "华为技术\n下一步：拜访", Link: "https://kam.example/opportunities/7"}
	ms := now.UnixMilli()
	sign := DingTalkSign("SECabc", ms)
	for _, tc := range []struct {
		name     string
		c        crm.Channel
		wantURL  string
		wantBody string
	}{
		{"wecom text", crm.Channel{Kind: crm.ChannelWeCom, Format: crm.FormatText, URL: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K"},
			"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K",
			`{"msgtype":"text","text":{"content":"【KAM】商机停滞 21 天\n华为技术\n下一步：拜访\nhttps://kam.example/opportunities/7"}}`},
		{"wecom markdown", crm.Channel{Kind: crm.ChannelWeCom, Format: crm.FormatMarkdown, URL: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K"},
			"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K",
			`{"msgtype":"markdown","markdown":{"content":"### 【KAM】商机停滞 21 天\n华为技术\n下一步：拜访\n[https://kam.example/opportunities/7](https://kam.example/opportunities/7)"}}`},
		{"dingtalk text unsigned", crm.Channel{Kind: crm.ChannelDingTalk, Format: crm.FormatText, URL: "https://oapi.dingtalk.com/robot/send?access_token=T"},
			"https://oapi.dingtalk.com/robot/send?access_token=T",
			`{"msgtype":"text","text":{"content":"【KAM】商机停滞 21 天\n华为技术\n下一步：拜访\nhttps://kam.example/opportunities/7"}}`},
		{"dingtalk markdown signed", crm.Channel{Kind: crm.ChannelDingTalk, Format: crm.FormatMarkdown, URL: "https://oapi.dingtalk.com/robot/send?access_token=T", Secret: "SECabc"},
			"https://oapi.dingtalk.com/robot/send?access_token=T&timestamp=1795771800000&sign=" + strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D").Replace(sign),
			`{"msgtype":"markdown","markdown":{"title":"【KAM】商机停滞 21 天","text":"### 【KAM】商机停滞 21 天\n\n华为技术\n\n下一步：拜访\n\n[https://kam.example/opportunities/7](https://kam.example/opportunities/7)"}}`},
		{"feishu text signed", crm.Channel{Kind: crm.ChannelFeishu, Format: crm.FormatText, URL: "https://open.feishu.cn/open-apis/bot/v2/hook/H", Secret: "s"},
			"https://open.feishu.cn/open-apis/bot/v2/hook/H",
			`{"timestamp":"1795771800","sign":"` + FeishuSign("s", now.Unix()) + `","msg_type":"text","content":{"text":"【KAM】商机停滞 21 天\n华为技术\n下一步：拜访\nhttps://kam.example/opportunities/7"}}`},
		{"feishu post", crm.Channel{Kind: crm.ChannelFeishu, Format: crm.FormatMarkdown, URL: "https://open.feishu.cn/open-apis/bot/v2/hook/H"},
			"https://open.feishu.cn/open-apis/bot/v2/hook/H",
			`{"msg_type":"post","content":{"post":{"zh_cn":{"title":"【KAM】商机停滞 21 天","content":[[{"tag":"text","text":"华为技术"}],[{"tag":"text","text":"下一步：拜访"}],[{"tag":"a","text":"https://kam.example/opportunities/7","href":"https://kam.example/opportunities/7"}]]}}}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, body, err := Webhook(tc.c, m, now)
			if err != nil {
				t.Fatal(err)
			}
			if u != tc.wantURL {
				t.Errorf("address = %s\nwant      %s", u, tc.wantURL)
			}
			var got, want any
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("body %s: %v", body, err)
			}
			if err := json.Unmarshal([]byte(tc.wantBody), &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("body = %s\nwant   %s", body, tc.wantBody)
			}
		})
	}
	if _, _, err := Webhook(crm.Channel{Kind: crm.ChannelEmail}, m, now); err == nil {
		t.Error("Webhook(EMAIL) = nil error")
	}
}

// TestWebhookLimits: a long message is cut to WeCom's documented sizes at a
// character boundary.
func TestWebhookLimits(t *testing.T) {
	m := Message{Title: "长", Body: strings.Repeat("客户", 3000)}
	for format, max := range map[string]int{crm.FormatText: 2048, crm.FormatMarkdown: 4096} {
		_, body, err := Webhook(crm.Channel{Kind: crm.ChannelWeCom, Format: format, URL: "https://x/?key=k"}, m, now)
		if err != nil {
			t.Fatal(err)
		}
		var v struct {
			Text, Markdown struct{ Content string }
		}
		json.Unmarshal(body, &v)
		content := v.Text.Content + v.Markdown.Content
		if len(content) > max || !utf8.ValidString(content) || !strings.HasSuffix(content, "…") {
			t.Errorf("%s: %d bytes, valid %v; want at most %d, cut with …", format, len(content), utf8.ValidString(content), max)
		}
	}
}

func TestCheckAnswer(t *testing.T) {
	for _, tc := range []struct {
		kind   string
		status int
		body   string
		want   string // "" for success, else part of the error
	}{
		{crm.ChannelWeCom, 200, `{"errcode":0,"errmsg":"ok"}`, ""},
		{crm.ChannelWeCom, 200, `{"errcode":93000,"errmsg":"invalid webhook url"}`, "errcode 93000: invalid webhook url"},
		{crm.ChannelDingTalk, 200, `{"errcode":310000,"errmsg":"sign not match"}`, "errcode 310000"},
		{crm.ChannelDingTalk, 200, `{"errmsg":"ok"}`, "unexpected answer"},
		{crm.ChannelDingTalk, 200, `<html>proxy</html>`, "unexpected answer"},
		{crm.ChannelFeishu, 200, `{"code":0,"msg":"success","data":{}}`, ""},
		{crm.ChannelFeishu, 200, `{"Extra":null,"StatusCode":0,"StatusMessage":"success"}`, ""},
		{crm.ChannelFeishu, 200, `{"code":19021,"msg":"sign match fail"}`, "code 19021: sign match fail"},
		{crm.ChannelFeishu, 200, `{"StatusCode":9499,"StatusMessage":"Bad Request"}`, "StatusCode 9499"},
		{crm.ChannelFeishu, 200, `{}`, "unexpected answer"},
		{crm.ChannelWeCom, 502, `bad gateway`, "HTTP 502: bad gateway"},
		{crm.ChannelFeishu, 400, `{"code":9499,"msg":"Bad Request"}`, "HTTP 400"},
	} {
		err := CheckAnswer(tc.kind, tc.status, []byte(tc.body))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("CheckAnswer(%s, %d, %s) = %v, want success", tc.kind, tc.status, tc.body, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("CheckAnswer(%s, %d, %s) = %v, want an error with %q", tc.kind, tc.status, tc.body, err, tc.want)
		}
	}
}

// TestSendToRobots sends to a fake robot of each kind, with and without a
// secret, in both formats: each checks the address, body and signature as
// the real one does.
func TestSendToRobots(t *testing.T) {
	t.Parallel()
	var s Sender
	m := Message{Title: "回款下降 32%", Body: "上海某银楼\n近三个月", Link: "https://kam.example/accounts/9"}
	for _, kind := range []string{crm.ChannelWeCom, crm.ChannelDingTalk, crm.ChannelFeishu} {
		for _, secret := range []string{"", "SEC-a-long-signing-secret"} {
			if kind == crm.ChannelWeCom && secret != "" {
				continue
			}
			r := notifytest.NewRobot(t, kind, secret)
			for _, format := range crm.ChannelFormats {
				if err := s.Send(context.Background(), r.Channel("群", format), m, time.Now()); err != nil {
					t.Errorf("%s %s secret %v: Send = %v", kind, format, secret != "", err)
				}
			}
			if p := r.Problems(); len(p) > 0 {
				t.Errorf("%s: the robot refused %v", kind, p)
			}
			got := r.Received()
			if len(got) != 2 {
				t.Fatalf("%s: robot received %d messages, want 2", kind, len(got))
			}
			for _, g := range got {
				for _, part := range []string{"回款下降 32%", "上海某银楼", "https://kam.example/accounts/9"} {
					if !strings.Contains(string(g.Raw), part) {
						t.Errorf("%s: message %s lacks %q", kind, g.Raw, part)
					}
				}
			}
			// A wrong secret is refused by the robot, with its code.
			c := r.Channel("群", crm.FormatText)
			if secret != "" {
				c.Secret = "wrong"
				err := s.Send(context.Background(), c, m, time.Now())
				if err == nil || !strings.Contains(err.Error(), map[string]string{crm.ChannelDingTalk: "errcode 310000", crm.ChannelFeishu: "code 19021"}[kind]) {
					t.Errorf("%s with a wrong secret: Send = %v", kind, err)
				}
				// A timestamp over an hour old is refused too.
				c.Secret = secret
				if err := s.Send(context.Background(), c, m, time.Now().Add(-2*time.Hour)); err == nil {
					t.Errorf("%s with an old timestamp: Send = nil", kind)
				}
			}
		}
	}
}

// TestSendFailures: an error status, an HTTP 200 with a non-zero code, no
// answer within the attempt's time, and a refused connection are all
// errors, and no error shows the webhook token or the secret.
func TestSendFailures(t *testing.T) {
	t.Parallel()
	var s Sender
	m := Message{Title: "t"}
	for _, kind := range []string{crm.ChannelWeCom, crm.ChannelDingTalk, crm.ChannelFeishu} {
		secret := ""
		if kind != crm.ChannelWeCom {
			secret = "SEC-secret-that-must-not-leak"
		}
		r := notifytest.NewRobot(t, kind, secret)
		c := r.Channel("群", crm.FormatText)
		for _, tc := range []struct {
			fault notifytest.Fault
			want  string
		}{
			{notifytest.Status500, "HTTP 500"},
			{notifytest.ErrCode, "frequency limited"},
			{notifytest.Slow, "deadline exceeded"},
		} {
			r.FailNext(tc.fault)
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			err := s.Send(ctx, c, m, time.Now())
			cancel()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s fault %d: Send = %v, want an error with %q", kind, tc.fault, err, tc.want)
				continue
			}
			if strings.Contains(err.Error(), r.Token) || strings.Contains(err.Error(), "SEC-secret") || strings.Contains(err.Error(), "sign=") {
				t.Errorf("%s: the error %q shows a credential", kind, err)
			}
		}
		if err := s.Send(context.Background(), c, m, time.Now()); err != nil {
			t.Errorf("%s recovered: Send = %v", kind, err)
		}
	}
	c := crm.Channel{Kind: crm.ChannelWeCom, Format: crm.FormatText, URL: notifytest.RefusedURL(t)}
	err := s.Send(context.Background(), c, m, time.Now())
	if err == nil || !strings.Contains(err.Error(), "refused") || strings.Contains(err.Error(), "0123456789abcdef0123") {
		t.Errorf("Send to a closed port = %v, want a refused connection without the key", err)
	}
}

func TestMail(t *testing.T) {
	tlsTo := func(srv *notifytest.SMTP) *Sender { return &Sender{TLS: &tls.Config{RootCAs: srv.Roots}} }
	channel := func(srv *notifytest.SMTP) crm.Channel {
		return crm.Channel{Kind: crm.ChannelEmail, SMTPHost: srv.Host, SMTPPort: srv.Port, SMTPFrom: "KAM 系统 <kam@corp.example>"}
	}
	m := Message{Title: "交接逾期：华为\r\nBcc: evil@example.com", Body: "请尽快验收。\n第二行", Link: "https://kam.example/handovers/3", To: []string{"li@corp.example"}}
	ctx := context.Background()

	t.Run("plain to localhost", func(t *testing.T) {
		srv := notifytest.NewSMTP(t, notifytest.SMTPOptions{})
		if err := tlsTo(srv).Send(ctx, channel(srv), m, now); err != nil {
			t.Fatal(err)
		}
		got := srv.Mails()
		if len(got) != 1 || got[0].From != "kam@corp.example" || !reflect.DeepEqual(got[0].To, []string{"li@corp.example"}) || got[0].TLS {
			t.Fatalf("mails = %+v", got)
		}
		msg, err := mail.ReadMessage(strings.NewReader(got[0].Data))
		if err != nil {
			t.Fatal(err)
		}
		subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		if err != nil || subject != "[KAM] 交接逾期：华为 Bcc: evil@example.com" {
			t.Errorf("Subject = %q, %v", subject, err)
		}
		if msg.Header.Get("Bcc") != "" {
			t.Error("a line break in the title added a header")
		}
		from, _ := msg.Header.AddressList("From")
		if len(from) != 1 || from[0].Name != "KAM 系统" || from[0].Address != "kam@corp.example" {
			t.Errorf("From = %+v", from)
		}
		if msg.Header.Get("Content-Type") != "text/plain; charset=UTF-8" || msg.Header.Get("Message-Id") == "" || msg.Header.Get("Date") == "" {
			t.Errorf("headers = %v", msg.Header)
		}
		raw, _ := io.ReadAll(msg.Body)
		body, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(string(raw), "\r\n", ""))
		if err != nil || !strings.Contains(string(body), "请尽快验收。\r\n第二行") || !strings.Contains(string(body), "https://kam.example/handovers/3") {
			t.Errorf("body = %q, %v", body, err)
		}
	})

	t.Run("starttls and auth", func(t *testing.T) {
		srv := notifytest.NewSMTP(t, notifytest.SMTPOptions{StartTLS: true, User: "kam", Password: "smtp-password"})
		c := channel(srv)
		c.SMTPUsername, c.Secret, c.SMTPTo = "kam", "smtp-password", "a@corp.example, B <b@corp.example>"
		if err := tlsTo(srv).Send(ctx, c, m, now); err != nil {
			t.Fatal(err)
		}
		got := srv.Mails()
		if len(got) != 1 || !got[0].TLS || got[0].Auth != "kam" || !reflect.DeepEqual(got[0].To, []string{"a@corp.example", "b@corp.example"}) {
			t.Fatalf("mails = %+v; want one over TLS, authenticated, to the fixed recipients", got)
		}
		c.Secret = "wrong"
		if err := tlsTo(srv).Send(ctx, c, m, now); err == nil || !strings.Contains(err.Error(), "535") || strings.Contains(err.Error(), "wrong") {
			t.Errorf("wrong password: %v", err)
		}
		// An untrusted certificate is refused.
		c.Secret = "smtp-password"
		if err := new(Sender).Send(ctx, c, m, now); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
			t.Errorf("untrusted certificate: %v", err)
		}
	})

	t.Run("implicit tls", func(t *testing.T) {
		srv := notifytest.NewSMTP(t, notifytest.SMTPOptions{Implicit: true})
		defer func(p int) { implicitTLSPort = p }(implicitTLSPort)
		implicitTLSPort = srv.Port
		if err := tlsTo(srv).Send(ctx, channel(srv), m, now); err != nil {
			t.Fatal(err)
		}
		if got := srv.Mails(); len(got) != 1 || !got[0].TLS {
			t.Fatalf("mails = %+v, want one over TLS", got)
		}
	})

	t.Run("failures", func(t *testing.T) {
		srv := notifytest.NewSMTP(t, notifytest.SMTPOptions{RejectRcpt: "li@corp.example"})
		if err := tlsTo(srv).Send(ctx, channel(srv), m, now); err == nil || !strings.Contains(err.Error(), "550") {
			t.Errorf("rejected recipient: %v", err)
		}
		if err := tlsTo(srv).Send(ctx, channel(srv), Message{Title: "x"}, now); err == nil || !strings.Contains(err.Error(), "no recipient") {
			t.Errorf("no recipient: %v", err)
		}
		// A server that accepts the connection and never answers.
		mute := notifytest.NewSMTP(t, notifytest.SMTPOptions{Mute: true})
		c := channel(srv)
		c.SMTPHost, c.SMTPPort = mute.Host, mute.Port
		tctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		err := tlsTo(mute).Send(tctx, c, m, now)
		if err == nil || !(errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "timeout") || strings.Contains(err.Error(), "closed")) {
			t.Errorf("a server that never greets: %v", err)
		}
	})
}
