// Package notifytest runs fake channel endpoints for tests: a group robot of
// each kind (WeCom, DingTalk, Feishu) that checks the address, the body and
// the signature as the real one documents them and answers as it does, and
// that can fail on purpose; and an SMTP server with STARTTLS, implicit TLS
// and AUTH PLAIN. The checks are written here again, independently of
// package notify, so that a mistake in one does not hide in the other.
package notifytest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"kam/internal/crm"
)

// Fault is how a robot answers a request whose address, body and signature
// are right.
type Fault int

// The faults.
const (
	OK        Fault = iota // success
	Status500              // HTTP 500
	ErrCode                // HTTP 200 with a non-zero code (rate limited)
	Slow                   // no answer until the client gives up
)

// Received is a message a robot accepted.
type Received struct {
	Query map[string]string // the query of the request
	Body  map[string]any
	Raw   []byte
}

// Robot is a fake group robot.
type Robot struct {
	Kind   string
	Secret string
	// Token is the credential in its webhook address.
	Token string
	// Now is the robot's clock, against which a signature's timestamp
	// must be within an hour (default time.Now).
	Now func() time.Time

	srv      *httptest.Server
	mu       sync.Mutex
	sticky   Fault
	next     []Fault
	got      []Received
	requests int
	problems []string
}

// NewRobot starts a robot of kind; a non-empty secret makes it require
// signed requests (DingTalk, Feishu).
func NewRobot(t testing.TB, kind, secret string) *Robot {
	t.Helper()
	r := &Robot{Kind: kind, Secret: secret, Token: "0123456789abcdef0123456789abcdef", Now: time.Now}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

// URL is the robot's webhook address, as its group's settings show it.
func (r *Robot) URL() string {
	switch r.Kind {
	case crm.ChannelWeCom:
		return r.srv.URL + "/cgi-bin/webhook/send?key=" + r.Token
	case crm.ChannelDingTalk:
		return r.srv.URL + "/robot/send?access_token=" + r.Token
	default:
		return r.srv.URL + "/open-apis/bot/v2/hook/" + r.Token
	}
}

// Channel is a channel to the robot.
func (r *Robot) Channel(name, format string) crm.Channel {
	return crm.Channel{Name: name, Kind: r.Kind, Format: format, URL: r.URL(), Secret: r.Secret, Enabled: true}
}

// SetFault makes every later request fail with f (OK: none fail).
func (r *Robot) SetFault(f Fault) {
	r.mu.Lock()
	r.sticky = f
	r.mu.Unlock()
}

// FailNext makes the next requests fail with faults, in order, before the
// sticky fault applies again.
func (r *Robot) FailNext(faults ...Fault) {
	r.mu.Lock()
	r.next = append(r.next, faults...)
	r.mu.Unlock()
}

// Received returns the messages the robot accepted.
func (r *Robot) Received() []Received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Received(nil), r.got...)
}

// Requests counts the requests the robot answered.
func (r *Robot) Requests() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests
}

// Problems lists the requests the robot refused as malformed (bad address,
// body or signature): a test that expects none checks it is empty.
func (r *Robot) Problems() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.problems...)
}

func (r *Robot) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.requests++
	r.mu.Unlock()
	raw, _ := io.ReadAll(req.Body)
	code, msg := r.check(req, raw)
	if code != 0 {
		r.mu.Lock()
		r.problems = append(r.problems, fmt.Sprintf("%d %s", code, msg))
		r.mu.Unlock()
		r.answer(w, code, msg)
		return
	}
	r.mu.Lock()
	f := r.sticky
	if len(r.next) > 0 {
		f, r.next = r.next[0], r.next[1:]
	}
	r.mu.Unlock()
	switch f {
	case Status500:
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	case ErrCode:
		// The robots' rate limits: WeCom 45009, DingTalk 130101, Feishu 11232.
		code := map[string]int{crm.ChannelWeCom: 45009, crm.ChannelDingTalk: 130101, crm.ChannelFeishu: 11232}[r.Kind]
		r.answer(w, code, "frequency limited")
		return
	case Slow:
		<-req.Context().Done()
		return
	}
	var body map[string]any
	json.Unmarshal(raw, &body)
	q := map[string]string{}
	for k := range req.URL.Query() {
		q[k] = req.URL.Query().Get(k)
	}
	r.mu.Lock()
	r.got = append(r.got, Received{Query: q, Body: body, Raw: raw})
	r.mu.Unlock()
	r.answer(w, 0, "ok")
}

// answer writes the robot's JSON answer: always HTTP 200, success or not.
func (r *Robot) answer(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	var v any
	switch {
	case r.Kind != crm.ChannelFeishu:
		v = map[string]any{"errcode": code, "errmsg": msg}
	case code == 0:
		v = map[string]any{"StatusCode": 0, "StatusMessage": "success", "code": 0, "data": map[string]any{}, "msg": "success"}
	default:
		v = map[string]any{"code": code, "data": map[string]any{}, "msg": msg}
	}
	json.NewEncoder(w).Encode(v)
}

// check reads a request as the real robot would; a non-zero code is its
// error.
func (r *Robot) check(req *http.Request, raw []byte) (int, string) {
	if req.Method != http.MethodPost {
		return 400, "method " + req.Method
	}
	if ct := req.Header.Get("Content-Type"); ct != "application/json" && ct != "application/json; charset=utf-8" {
		return 400, "content type " + ct
	}
	q := req.URL.Query()
	var body map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		return 400, "body is not JSON: " + err.Error()
	}
	str := func(m any, keys ...string) (string, bool) {
		s, ok := get(m, keys...).(string)
		return s, ok
	}
	switch r.Kind {
	case crm.ChannelWeCom:
		if req.URL.Path != "/cgi-bin/webhook/send" || q.Get("key") != r.Token {
			return 93000, "invalid webhook url"
		}
		switch body["msgtype"] {
		case "text":
			if s, ok := str(body, "text", "content"); !ok || s == "" || len(s) > 2048 || len(body) != 2 {
				return 40008, "invalid text message"
			}
		case "markdown":
			if s, ok := str(body, "markdown", "content"); !ok || s == "" || len(s) > 4096 || len(body) != 2 {
				return 40008, "invalid markdown message"
			}
		default:
			return 40008, "invalid message type"
		}
	case crm.ChannelDingTalk:
		if req.URL.Path != "/robot/send" || q.Get("access_token") != r.Token {
			return 300001, "token is not exist"
		}
		if r.Secret != "" {
			ts, err := strconv.ParseInt(q.Get("timestamp"), 10, 64)
			if err != nil || absDuration(r.Now().Sub(time.UnixMilli(ts))) > time.Hour {
				return 310000, "timestamp invalid"
			}
			// sign = base64(HmacSHA256(key: secret, message: timestamp+"\n"+secret)),
			// URL-encoded on the address (Go's parser has decoded it).
			mac := hmac.New(sha256.New, []byte(r.Secret))
			mac.Write([]byte(q.Get("timestamp") + "\n" + r.Secret))
			if q.Get("sign") != base64.StdEncoding.EncodeToString(mac.Sum(nil)) {
				return 310000, "sign not match"
			}
		}
		switch body["msgtype"] {
		case "text":
			if s, ok := str(body, "text", "content"); !ok || s == "" {
				return 40035, "invalid text message"
			}
		case "markdown":
			t, ok1 := str(body, "markdown", "title")
			s, ok2 := str(body, "markdown", "text")
			if !ok1 || !ok2 || t == "" || s == "" {
				return 40035, "invalid markdown message"
			}
		default:
			return 40035, "invalid msgtype"
		}
	case crm.ChannelFeishu:
		if req.URL.Path != "/open-apis/bot/v2/hook/"+r.Token {
			return 19001, "param invalid: incoming webhook access token invalid"
		}
		if r.Secret != "" {
			ts, ok := body["timestamp"].(string)
			n, err := strconv.ParseInt(ts, 10, 64)
			if !ok || err != nil || absDuration(r.Now().Sub(time.Unix(n, 0))) > time.Hour {
				return 19021, "sign match fail or timestamp is not within one hour from current time"
			}
			// sign = base64(HmacSHA256(key: timestamp+"\n"+secret, message: empty)).
			mac := hmac.New(sha256.New, []byte(ts+"\n"+r.Secret))
			if sign, _ := body["sign"].(string); sign != base64.StdEncoding.EncodeToString(mac.Sum(nil)) {
				return 19021, "sign match fail or timestamp is not within one hour from current time"
			}
		}
		switch body["msg_type"] {
		case "text":
			if s, ok := str(body, "content", "text"); !ok || s == "" {
				return 9499, "Bad Request"
			}
		case "post":
			if _, ok := str(body, "content", "post", "zh_cn", "title"); !ok {
				return 9499, "Bad Request"
			}
			paras, ok := get(body, "content", "post", "zh_cn", "content").([]any)
			if !ok || len(paras) == 0 {
				return 9499, "Bad Request"
			}
			for _, p := range paras {
				elems, ok := p.([]any)
				if !ok {
					return 9499, "Bad Request"
				}
				for _, e := range elems {
					tag, _ := get(e, "tag").(string)
					if tag != "text" && tag != "a" && tag != "at" && tag != "img" {
						return 9499, "Bad Request"
					}
				}
			}
		default:
			return 9499, "Bad Request"
		}
	}
	return 0, ""
}

// get walks down JSON objects; nil when a key is missing.
func get(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// RefusedURL is an address where nothing listens: connecting is refused.
func RefusedURL(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr + "/cgi-bin/webhook/send?key=0123456789abcdef0123456789abcdef"
}
