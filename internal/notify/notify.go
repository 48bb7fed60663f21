// Package notify speaks the wire formats of the channels KAM sends
// notifications through: the group robots of WeCom (企业微信), DingTalk
// (钉钉) and Feishu (飞书), and e-mail over SMTP. It knows nothing of the
// outbox: app decides what to send and when, and records every attempt.
// docs/notifications.md describes the formats.
package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"kam/internal/crm"
)

// Message is one notification as it goes out.
type Message struct {
	Title string
	Body  string   // plain text; lines separated by \n
	Link  string   // an absolute address, or empty
	To    []string // e-mail addresses (e-mail channels without fixed recipients)
}

// brand starts every robot message: it names the sender in a group chat
// and is the keyword of a robot secured by 自定义关键词 (set it to KAM).
const brand = "【KAM】"

// Size limits of a message's content, in bytes of UTF-8: WeCom's documented
// 2,048 (text) and 4,096 (markdown); DingTalk and Feishu accept more (Feishu
// 20 KB per request), KAM keeps to 4,096 there too.
const (
	wecomTextMax     = 2048
	wecomMarkdownMax = 4096
	otherMax         = 4096
)

// Webhook returns the address to POST to and the JSON body of m for a robot
// channel; now is the time a signature is made with.
func Webhook(c crm.Channel, m Message, now time.Time) (string, []byte, error) {
	var body any
	addr := c.URL
	switch c.Kind {
	case crm.ChannelWeCom:
		// {"msgtype":"text","text":{"content":…}} or
		// {"msgtype":"markdown","markdown":{"content":…}}.
		if c.Format == crm.FormatMarkdown {
			body = map[string]any{"msgtype": "markdown", "markdown": map[string]string{"content": fit(markdown(m, "\n"), wecomMarkdownMax)}}
		} else {
			body = map[string]any{"msgtype": "text", "text": map[string]string{"content": fit(plain(m), wecomTextMax)}}
		}
	case crm.ChannelDingTalk:
		// {"msgtype":"text","text":{"content":…}} or
		// {"msgtype":"markdown","markdown":{"title":…,"text":…}}; with 加签,
		// &timestamp=<ms>&sign=<urlencoded base64 HMAC> on the address.
		if c.Format == crm.FormatMarkdown {
			// DingTalk's markdown breaks lines at blank lines only.
			body = map[string]any{"msgtype": "markdown", "markdown": map[string]string{"title": fit(brand+oneLine(m.Title), 200),
				"text": fit(markdown(m, "\n\n"), otherMax)}}
		} else {
			body = map[string]any{"msgtype": "text", "text": map[string]string{"content": fit(plain(m), otherMax)}}
		}
		if c.Secret != "" {
			ts := now.UnixMilli()
			sep := "?"
			if strings.Contains(addr, "?") {
				sep = "&"
			}
			addr += sep + "timestamp=" + strconv.FormatInt(ts, 10) + "&sign=" + url.QueryEscape(DingTalkSign(c.Secret, ts))
		}
	case crm.ChannelFeishu:
		// {"msg_type":"text","content":{"text":…}} or rich text
		// {"msg_type":"post","content":{"post":{"zh_cn":{"title":…,"content":[[…]]}}}};
		// with 签名校验, "timestamp" (seconds, a string) and "sign" beside them.
		f := feishuBody{MsgType: "text", Content: map[string]any{"text": fit(plain(m), otherMax)}}
		if c.Format == crm.FormatMarkdown {
			f = feishuBody{MsgType: "post", Content: map[string]any{"post": map[string]any{"zh_cn": feishuPost(m)}}}
		}
		if c.Secret != "" {
			ts := now.Unix()
			f.Timestamp, f.Sign = strconv.FormatInt(ts, 10), FeishuSign(c.Secret, ts)
		}
		body = f
	default:
		return "", nil, fmt.Errorf("notify: %s is not a robot", c.Kind)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil {
		return "", nil, err
	}
	return addr, bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

type feishuBody struct {
	Timestamp string         `json:"timestamp,omitempty"`
	Sign      string         `json:"sign,omitempty"`
	MsgType   string         `json:"msg_type"`
	Content   map[string]any `json:"content"`
}

// feishuPost is the zh_cn part of a Feishu rich-text message: a paragraph
// per line of the body, and the link.
func feishuPost(m Message) map[string]any {
	var paras [][]map[string]string
	for _, line := range strings.Split(fit(m.Body, otherMax), "\n") {
		paras = append(paras, []map[string]string{{"tag": "text", "text": line}})
	}
	if m.Link != "" {
		paras = append(paras, []map[string]string{{"tag": "a", "text": m.Link, "href": m.Link}})
	}
	return map[string]any{"title": fit(brand+oneLine(m.Title), 200), "content": paras}
}

// DingTalkSign is DingTalk's 加签: the HMAC-SHA256 of "timestamp\nsecret"
// keyed by the secret, in base64 (the caller URL-encodes it); timestamp in
// milliseconds.
func DingTalkSign(secret string, timestampMS int64) string {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(strconv.FormatInt(timestampMS, 10) + "\n" + secret))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// FeishuSign is Feishu's 签名校验: the HMAC-SHA256 of an empty message keyed
// by "timestamp\nsecret", in base64; timestamp in seconds.
func FeishuSign(secret string, timestamp int64) string {
	h := hmac.New(sha256.New, []byte(strconv.FormatInt(timestamp, 10)+"\n"+secret))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// plain is the text form: the title, the body, the link.
func plain(m Message) string {
	parts := []string{brand + oneLine(m.Title)}
	if m.Body != "" {
		parts = append(parts, m.Body)
	}
	if m.Link != "" {
		parts = append(parts, m.Link)
	}
	return strings.Join(parts, "\n")
}

// markdown is the markdown form; nl separates the lines of the body.
func markdown(m Message, nl string) string {
	s := "### " + brand + oneLine(m.Title)
	if m.Body != "" {
		s += nl + strings.ReplaceAll(m.Body, "\n", nl)
	}
	if m.Link != "" {
		s += nl + "[" + m.Link + "](" + m.Link + ")"
	}
	return s
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// fit cuts s to at most max bytes at a character boundary, ending with "…".
func fit(s string, max int) string {
	if len(s) <= max {
		return s
	}
	s = s[:max-len("…")]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// CheckAnswer reads a robot's answer. Success is an HTTP 2xx whose JSON says
// so: WeCom and DingTalk {"errcode":0,…}; Feishu {"code":0,…} and, in its
// older form, {"StatusCode":0,…}. An HTTP 200 with another code is a
// failure, with the robot's message.
func CheckAnswer(kind string, status int, body []byte) error {
	if status < 200 || status > 299 {
		return fmt.Errorf("HTTP %d: %s", status, snippet(body))
	}
	switch kind {
	case crm.ChannelWeCom, crm.ChannelDingTalk:
		var a struct {
			ErrCode *int   `json:"errcode"`
			ErrMsg  string `json:"errmsg"`
		}
		if json.Unmarshal(body, &a) != nil || a.ErrCode == nil {
			return fmt.Errorf("unexpected answer: %s", snippet(body))
		}
		if *a.ErrCode != 0 {
			return fmt.Errorf("errcode %d: %s", *a.ErrCode, a.ErrMsg)
		}
	case crm.ChannelFeishu:
		var a struct {
			Code          *int   `json:"code"`
			Msg           string `json:"msg"`
			StatusCode    *int   `json:"StatusCode"`
			StatusMessage string `json:"StatusMessage"`
		}
		if json.Unmarshal(body, &a) != nil || (a.Code == nil && a.StatusCode == nil) {
			return fmt.Errorf("unexpected answer: %s", snippet(body))
		}
		if a.Code != nil && *a.Code != 0 {
			return fmt.Errorf("code %d: %s", *a.Code, a.Msg)
		}
		if a.StatusCode != nil && *a.StatusCode != 0 {
			return fmt.Errorf("StatusCode %d: %s", *a.StatusCode, a.StatusMessage)
		}
	}
	return nil
}

func snippet(b []byte) string {
	s := strings.ToValidUTF8(oneLine(string(b)), "?")
	if s == "" {
		return "(empty)"
	}
	return fit(s, 300)
}

// Sender sends messages. Its zero value is ready: robots over a client that
// follows no redirect, e-mail with the system's certificate roots.
type Sender struct {
	// Client posts to the robots; nil: a client without redirects.
	Client *http.Client
	// TLS configures TLS to SMTP servers (tests give their own roots); the
	// server name is set per channel.
	TLS *tls.Config
}

var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// Send sends m through c; ctx bounds the attempt. The error never holds the
// channel's secret or its full webhook address.
func (s *Sender) Send(ctx context.Context, c crm.Channel, m Message, now time.Time) error {
	if c.Kind == crm.ChannelEmail {
		return s.sendMail(ctx, c, m, now)
	}
	addr, body, err := Webhook(c, m, now)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, addr, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("bad webhook address %s", crm.MaskURL(c.URL))
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "KAM")
	client := s.Client
	if client == nil {
		client = noRedirects
	}
	res, err := client.Do(req)
	if err != nil {
		// A *url.Error holds the address with its token and signature.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("POST %s: %w", crm.MaskURL(c.URL), err)
	}
	defer res.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("POST %s: reading the answer: %w", crm.MaskURL(c.URL), err)
	}
	return CheckAnswer(c.Kind, res.StatusCode, answer)
}
