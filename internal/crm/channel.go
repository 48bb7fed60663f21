package crm

import (
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Channel kinds: where notifications go besides each person's inbox in KAM
// (METHODOLOGY §1.2, §6.1; docs/notifications.md).
const (
	ChannelWeCom    = "WECOM"    // 企业微信 group robot (webhook)
	ChannelDingTalk = "DINGTALK" // 钉钉 custom robot (webhook, optional 加签 secret)
	ChannelFeishu   = "FEISHU"   // 飞书 custom bot (webhook, optional 签名校验 secret)
	ChannelEmail    = "EMAIL"    // e-mail over SMTP
)

// ChannelKinds lists the channel kinds in display order.
var ChannelKinds = []string{ChannelWeCom, ChannelDingTalk, ChannelFeishu, ChannelEmail}

// Message formats of the group robots.
const (
	FormatText     = "TEXT"
	FormatMarkdown = "MARKDOWN" // WeCom and DingTalk markdown, Feishu rich text (post)
)

// ChannelFormats lists the message formats.
var ChannelFormats = []string{FormatText, FormatMarkdown}

// Delivery statuses of the outbox.
const (
	DeliveryPending = "PENDING" // to be sent, or to be tried again
	DeliverySent    = "SENT"
	DeliveryFailed  = "FAILED" // its last try failed
)

// DeliveryStatuses lists the delivery statuses.
var DeliveryStatuses = []string{DeliveryPending, DeliverySent, DeliveryFailed}

// Channel is a way out for notifications: a group robot of WeCom, DingTalk
// or Feishu, or an SMTP server. Its URL and Secret are credentials: anyone
// who has a robot's webhook address can post to the group. They are stored,
// used to send, and never shown back in full (MaskURL, MaskSecret).
type Channel struct {
	ID     int64
	Name   string
	Kind   string // one of ChannelKinds
	Format string // one of ChannelFormats; robots only
	URL    string // the robot's webhook address
	// Secret is the robot's signing secret (DingTalk 加签, Feishu 签名校验)
	// or the SMTP password; "" for none.
	Secret       string
	SMTPHost     string
	SMTPPort     int // 465: implicit TLS; otherwise STARTTLS when the server offers it
	SMTPUsername string
	SMTPFrom     string // the sender, "KAM <kam@example.com>" or an address
	// SMTPTo are fixed recipients, separated by commas; empty: each
	// notification goes to the e-mail address of each of its people.
	SMTPTo    string
	Enabled   bool // new notifications go out through it
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Robot reports whether the channel is a webhook robot.
func (c *Channel) Robot() bool { return c.Kind != ChannelEmail }

// Normalize trims the fields, sets defaults and clears the fields the kind
// does not use.
func (c *Channel) Normalize() {
	c.Name = strings.TrimSpace(c.Name)
	c.Kind = strings.ToUpper(strings.TrimSpace(c.Kind))
	c.Format = strings.ToUpper(strings.TrimSpace(c.Format))
	c.URL = strings.TrimSpace(c.URL)
	c.Secret = strings.TrimSpace(c.Secret)
	c.SMTPHost = strings.TrimSpace(c.SMTPHost)
	c.SMTPUsername = strings.TrimSpace(c.SMTPUsername)
	c.SMTPFrom = strings.TrimSpace(c.SMTPFrom)
	var to []string
	for _, a := range strings.Split(c.SMTPTo, ",") {
		if a = strings.TrimSpace(a); a != "" {
			to = append(to, a)
		}
	}
	c.SMTPTo = strings.Join(to, ", ")
	if c.Format == "" {
		c.Format = FormatText
	}
	if c.Kind == ChannelEmail {
		c.URL, c.Format = "", FormatText
		if c.SMTPPort == 0 {
			c.SMTPPort = 587
		}
	} else {
		c.SMTPHost, c.SMTPPort, c.SMTPUsername, c.SMTPFrom, c.SMTPTo = "", 0, "", "", ""
	}
}

// Validate checks a channel before it is stored.
func (c *Channel) Validate() error {
	var v ValidationError
	checkName(&v, "name", c.Name)
	if !slices.Contains(ChannelKinds, c.Kind) {
		v.Add("kind", "error.channel.kind")
		return v.OrNil()
	}
	if !slices.Contains(ChannelFormats, c.Format) {
		v.Add("format", "error.channel.format")
	}
	if utf8.RuneCountInString(c.Secret) > 500 {
		v.Add("secret", "error.too_long")
	}
	if c.Robot() {
		u, err := url.Parse(c.URL)
		switch {
		case c.URL == "":
			v.Add("url", "error.required")
		case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil:
			v.Add("url", "error.channel.url")
		case len(c.URL) > 2000:
			v.Add("url", "error.too_long")
		}
		if c.Kind == ChannelWeCom && c.Secret != "" {
			v.Add("secret", "error.channel.wecom_secret")
		}
		return v.OrNil()
	}
	if c.SMTPHost == "" {
		v.Add("smtp_host", "error.required")
	} else if strings.ContainsAny(c.SMTPHost, " /:@") || len(c.SMTPHost) > 255 {
		v.Add("smtp_host", "error.channel.smtp_host")
	}
	if c.SMTPPort < 1 || c.SMTPPort > 65535 {
		v.Add("smtp_port", "error.channel.smtp_port")
	}
	if utf8.RuneCountInString(c.SMTPUsername) > 200 {
		v.Add("smtp_username", "error.too_long")
	}
	if c.SMTPUsername != "" && c.Secret == "" {
		v.Add("secret", "error.channel.smtp_password")
	}
	if c.SMTPFrom == "" {
		v.Add("smtp_from", "error.required")
	} else if _, err := mail.ParseAddress(c.SMTPFrom); err != nil {
		v.Add("smtp_from", "error.channel.address")
	}
	if c.SMTPTo != "" {
		if _, err := mail.ParseAddressList(c.SMTPTo); err != nil {
			v.Add("smtp_to", "error.channel.address")
		}
	}
	return v.OrNil()
}

// Signed reports whether the channel signs its messages (DingTalk, Feishu)
// or authenticates (SMTP) with its secret.
func (c *Channel) Signed() bool { return c.Secret != "" }

// MaskSecret hides a secret: a few bullets and, for a long one, its last
// four characters, so that an administrator can tell which one is stored.
func MaskSecret(s string) string {
	switch n := utf8.RuneCountInString(s); {
	case n == 0:
		return ""
	case n < 16:
		return "••••"
	default:
		r := []rune(s)
		return "••••" + string(r[n-4:])
	}
}

// MaskURL hides the credentials of a webhook address: the value of every
// query parameter (WeCom's key, DingTalk's access_token) and a long last
// path segment (Feishu's hook ID) are masked. The host stays readable.
func MaskURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return MaskSecret(raw)
	}
	u.User = nil
	if i := strings.LastIndex(u.Path, "/"); i >= 0 && len(u.Path)-i > 12 {
		u.Path = u.Path[:i+1] + MaskSecret(u.Path[i+1:])
		u.RawPath = ""
	}
	q := u.Query()
	parts := make([]string, 0, len(q))
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		parts = append(parts, url.QueryEscape(k)+"="+MaskSecret(q.Get(k)))
	}
	u.RawQuery = ""
	u.Fragment = ""
	s := u.String()
	if un, err := url.PathUnescape(s); err == nil {
		s = un
	}
	if len(parts) > 0 {
		s += "?" + strings.Join(parts, "&")
	}
	return s
}
