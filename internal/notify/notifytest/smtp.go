package notifytest

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// SMTPOptions configure a fake SMTP server.
type SMTPOptions struct {
	StartTLS bool // offer STARTTLS
	Implicit bool // TLS from the first byte (as on port 465)
	// User and Password, when set, are required (AUTH PLAIN) before MAIL.
	User, Password string
	// RejectRcpt answers RCPT TO for this address with 550.
	RejectRcpt string
	// Mute accepts connections and never greets (a server that hangs).
	Mute bool
}

// Mail is a message the server accepted.
type Mail struct {
	From string
	To   []string
	Data string // as sent, dot-unstuffed, CRLF line ends
	TLS  bool   // it came over TLS
	Auth string // the user it authenticated as
}

// SMTP is a fake SMTP server on 127.0.0.1.
type SMTP struct {
	Host string
	Port int
	// Roots trusts the server's self-signed certificate.
	Roots *x509.CertPool

	opt   SMTPOptions
	ln    net.Listener
	tls   *tls.Config
	mu    sync.Mutex
	mails []Mail
	wg    sync.WaitGroup
}

// NewSMTP starts a fake SMTP server, stopped when t ends.
func NewSMTP(t testing.TB, opt SMTPOptions) *SMTP {
	t.Helper()
	cert, roots, err := selfSigned()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &SMTP{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, Roots: roots, opt: opt, ln: ln,
		tls: &tls.Config{Certificates: []tls.Certificate{cert}}}
	done := make(chan struct{})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer c.Close()
				c.SetDeadline(time.Now().Add(30 * time.Second))
				if s.opt.Mute {
					<-done
					return
				}
				s.serve(c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		close(done)
		s.wg.Wait()
	})
	return s
}

// Mails returns the messages the server accepted.
func (s *SMTP) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mails...)
}

func (s *SMTP) serve(c net.Conn) {
	secure := false
	if s.opt.Implicit {
		tc := tls.Server(c, s.tls)
		if tc.Handshake() != nil {
			return
		}
		c, secure = tc, true
	}
	tp := textproto.NewConn(c)
	tp.PrintfLine("220 fake.test ESMTP")
	var m Mail
	authed := ""
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			lines := []string{"fake.test"}
			if s.opt.StartTLS && !secure {
				lines = append(lines, "STARTTLS")
			}
			if s.opt.User != "" {
				lines = append(lines, "AUTH PLAIN")
			}
			lines = append(lines, "8BITMIME")
			for i, l := range lines {
				sep := "-"
				if i == len(lines)-1 {
					sep = " "
				}
				tp.PrintfLine("250%s%s", sep, l)
			}
		case "STARTTLS":
			if !s.opt.StartTLS || secure {
				tp.PrintfLine("502 not offered")
				continue
			}
			tp.PrintfLine("220 go ahead")
			tc := tls.Server(c, s.tls)
			if tc.Handshake() != nil {
				return
			}
			c, secure = tc, true
			tp = textproto.NewConn(c)
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			if !strings.EqualFold(mech, "PLAIN") || resp == "" {
				tp.PrintfLine("504 unsupported")
				continue
			}
			b, err := base64.StdEncoding.DecodeString(resp)
			parts := strings.Split(string(b), "\x00")
			if err != nil || len(parts) != 3 || parts[1] != s.opt.User || parts[2] != s.opt.Password {
				tp.PrintfLine("535 5.7.8 authentication failed")
				continue
			}
			authed = parts[1]
			tp.PrintfLine("235 2.7.0 authenticated")
		case "MAIL":
			if s.opt.User != "" && authed == "" {
				tp.PrintfLine("530 5.7.0 authentication required")
				continue
			}
			m = Mail{From: addrOf(arg), TLS: secure, Auth: authed}
			tp.PrintfLine("250 ok")
		case "RCPT":
			to := addrOf(arg)
			if to == s.opt.RejectRcpt {
				tp.PrintfLine("550 5.1.1 no such user")
				continue
			}
			m.To = append(m.To, to)
			tp.PrintfLine("250 ok")
		case "DATA":
			tp.PrintfLine("354 go ahead")
			data, err := readDot(tp.R)
			if err != nil {
				return
			}
			m.Data = data
			s.mu.Lock()
			s.mails = append(s.mails, m)
			s.mu.Unlock()
			tp.PrintfLine("250 queued")
		case "RSET", "NOOP":
			tp.PrintfLine("250 ok")
		case "QUIT":
			tp.PrintfLine("221 bye")
			return
		default:
			tp.PrintfLine("500 unknown command")
		}
	}
}

// readDot reads DATA up to the lone dot, keeping CRLF line ends.
func readDot(r *bufio.Reader) (string, error) {
	var b strings.Builder
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return "", err
		}
		if line == ".\r\n" {
			return b.String(), nil
		}
		b.WriteString(strings.TrimPrefix(line, "."))
	}
}

// addrOf takes the address out of "FROM:<a@b>" or "TO:<a@b>".
func addrOf(arg string) string {
	_, v, _ := strings.Cut(arg, ":")
	v, _, _ = strings.Cut(strings.TrimSpace(v), " ")
	return strings.Trim(v, "<>")
}

// selfSigned makes a certificate for 127.0.0.1 and localhost.
func selfSigned() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "fake smtp"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool, nil
}

// Addr is host:port.
func (s *SMTP) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }
