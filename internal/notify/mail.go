package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"strconv"
	"strings"
	"time"

	"kam/internal/crm"
)

// implicitTLSPort is the port of SMTP over TLS from the first byte
// (submissions, RFC 8314); a variable for the tests.
var implicitTLSPort = 465

// sendMail sends m over SMTP: implicit TLS on port 465, otherwise STARTTLS
// whenever the server offers it, then AUTH PLAIN when the channel has a
// user name (net/smtp refuses PLAIN over an unencrypted connection except
// to localhost).
func (s *Sender) sendMail(ctx context.Context, c crm.Channel, m Message, now time.Time) error {
	from, err := mail.ParseAddress(c.SMTPFrom)
	if err != nil {
		return fmt.Errorf("smtp: sender %q: %w", c.SMTPFrom, err)
	}
	var to []*mail.Address
	if c.SMTPTo != "" {
		if to, err = mail.ParseAddressList(c.SMTPTo); err != nil {
			return fmt.Errorf("smtp: recipients: %w", err)
		}
	} else {
		for _, a := range m.To {
			addr, err := mail.ParseAddress(a)
			if err != nil {
				return fmt.Errorf("smtp: recipient %q: %w", a, err)
			}
			to = append(to, addr)
		}
	}
	if len(to) == 0 {
		return errors.New("smtp: no recipient")
	}
	msg, err := BuildMail(from, to, m, now)
	if err != nil {
		return err
	}
	addr := net.JoinHostPort(c.SMTPHost, strconv.Itoa(c.SMTPPort))
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("smtp %s: %w", addr, err)
	}
	// The attempt's deadline bounds every read and write; cancelling it
	// closes the connection.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	tc := &tls.Config{}
	if s.TLS != nil {
		tc = s.TLS.Clone()
	}
	tc.ServerName = c.SMTPHost
	if c.SMTPPort == implicitTLSPort {
		t := tls.Client(conn, tc)
		if err := t.HandshakeContext(ctx); err != nil {
			conn.Close()
			return fmt.Errorf("smtp %s: TLS: %w", addr, err)
		}
		conn = t
	}
	cl, err := smtp.NewClient(conn, c.SMTPHost)
	if err != nil {
		conn.Close()
		return fmt.Errorf("smtp %s: %w", addr, err)
	}
	defer cl.Close()
	if c.SMTPPort != implicitTLSPort {
		if ok, _ := cl.Extension("STARTTLS"); ok {
			if err := cl.StartTLS(tc); err != nil {
				return fmt.Errorf("smtp %s: STARTTLS: %w", addr, err)
			}
		}
	}
	if c.SMTPUsername != "" {
		if err := cl.Auth(smtp.PlainAuth("", c.SMTPUsername, c.Secret, c.SMTPHost)); err != nil {
			return fmt.Errorf("smtp %s: AUTH: %w", addr, err)
		}
	}
	if err := cl.Mail(from.Address); err != nil {
		return fmt.Errorf("smtp %s: MAIL FROM: %w", addr, err)
	}
	for _, a := range to {
		if err := cl.Rcpt(a.Address); err != nil {
			return fmt.Errorf("smtp %s: RCPT TO %s: %w", addr, a.Address, err)
		}
	}
	w, err := cl.Data()
	if err != nil {
		return fmt.Errorf("smtp %s: DATA: %w", addr, err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("smtp %s: DATA: %w", addr, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp %s: DATA: %w", addr, err)
	}
	if err := cl.Quit(); err != nil {
		return fmt.Errorf("smtp %s: QUIT: %w", addr, err)
	}
	return nil
}

// BuildMail writes the message: plain UTF-8 text in base64, the subject
// encoded as RFC 2047 when it is not plain ASCII. Line breaks in the title
// cannot add headers.
func BuildMail(from *mail.Address, to []*mail.Address, m Message, now time.Time) ([]byte, error) {
	var id [12]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, err
	}
	domain := "kam"
	if _, d, ok := strings.Cut(from.Address, "@"); ok {
		domain = d
	}
	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", from.String())
	addrs := make([]string, len(to))
	for i, a := range to {
		addrs[i] = a.String()
	}
	header("To", strings.Join(addrs, ", "))
	header("Subject", mime.BEncoding.Encode("UTF-8", "[KAM] "+oneLine(m.Title)))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", "<"+hex.EncodeToString(id[:])+"@"+domain+">")
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=UTF-8")
	header("Content-Transfer-Encoding", "base64")
	header("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	text := strings.TrimSpace(m.Title) + "\n\n" + m.Body
	if m.Link != "" {
		text += "\n\n" + m.Link
	}
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\n", "\r\n") + "\r\n"
	enc := base64.StdEncoding.EncodeToString([]byte(text))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return b.Bytes(), nil
}
