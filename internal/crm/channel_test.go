package crm

import (
	"reflect"
	"testing"
)

func TestMaskURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa",
			"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=••••5aaa"},
		{"https://oapi.dingtalk.com/robot/send?access_token=98975521a1b23c02cdd1a9a08c69511ddf5fa9d2ae387813d1c5348fb",
			"https://oapi.dingtalk.com/robot/send?access_token=••••48fb"},
		{"https://open.feishu.cn/open-apis/bot/v2/hook/5e3d587e-d78e-4a07-bd07-265f269f86fd",
			"https://open.feishu.cn/open-apis/bot/v2/hook/••••86fd"},
		{"http://user:pw@10.0.0.5:8080/hook?token=short", "http://10.0.0.5:8080/hook?token=••••"},
		{"not a url with secret-token-123456", "••••3456"},
		{"", ""},
	} {
		if got := MaskURL(tc.in); got != tc.want {
			t.Errorf("MaskURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := MaskSecret("SEC0123456789abcdef0123"); got != "••••0123" {
		t.Errorf("MaskSecret = %q", got)
	}
	if got := MaskSecret("short"); got != "••••" {
		t.Errorf("MaskSecret(short) = %q", got)
	}
}

func TestChannelValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    Channel
		want []string // fields with a problem
	}{
		{"wecom", Channel{Name: "群", Kind: "wecom", URL: " https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k "}, nil},
		{"wecom has no secret", Channel{Name: "群", Kind: ChannelWeCom, URL: "https://x/y", Secret: "s"}, []string{"secret"}},
		{"robot without address", Channel{Name: "群", Kind: ChannelDingTalk}, []string{"url"}},
		{"robot with a bad address", Channel{Name: "群", Kind: ChannelFeishu, URL: "ftp://x/y"}, []string{"url"}},
		{"bad kind and no name", Channel{Kind: "SMS"}, []string{"name", "kind"}},
		{"bad format", Channel{Name: "群", Kind: ChannelFeishu, URL: "https://x/y", Format: "HTML"}, []string{"format"}},
		{"email", Channel{Name: "邮件", Kind: ChannelEmail, SMTPHost: "smtp.example.com", SMTPFrom: "KAM <kam@example.com>", SMTPTo: "a@example.com, b@example.com"}, nil},
		{"email needs host and sender", Channel{Name: "邮件", Kind: ChannelEmail, SMTPPort: 70000}, []string{"smtp_host", "smtp_port", "smtp_from"}},
		{"email with a user needs a password", Channel{Name: "邮件", Kind: ChannelEmail, SMTPHost: "h", SMTPFrom: "a@b.c", SMTPUsername: "u"}, []string{"secret"}},
		{"bad addresses", Channel{Name: "邮件", Kind: ChannelEmail, SMTPHost: "h:25", SMTPFrom: "nobody", SMTPTo: "x@"}, []string{"smtp_host", "smtp_from", "smtp_to"}},
	} {
		c := tc.c
		c.Normalize()
		err := c.Validate()
		var got []string
		if ve, ok := err.(*ValidationError); ok {
			for _, f := range []string{"name", "kind", "format", "url", "secret", "smtp_host", "smtp_port", "smtp_from", "smtp_to"} {
				if ve.Fields[f] != "" {
					got = append(got, f)
				}
			}
		} else if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: Validate() problems %v (%v), want %v", tc.name, got, err, tc.want)
		}
	}
	e := Channel{Name: "x", Kind: ChannelEmail, URL: "https://x", Format: FormatMarkdown}
	e.Normalize()
	if e.URL != "" || e.Format != FormatText || e.SMTPPort != 587 {
		t.Errorf("Normalize(email) = %+v: want no URL, text, port 587", e)
	}
}
