package web

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"kam/internal/app"
	"kam/internal/crm"
)

// OIDCConfig configures single sign-on with an OpenID Connect provider.
type OIDCConfig struct {
	Name         string // shown on the sign-in button
	Issuer       string
	ClientID     string
	ClientSecret string
	RedirectURL  string // https://kam.example.com/signin/oidc/callback
	// AssumeEmailVerified takes an ID token without the email_verified
	// claim as vouching for its e-mail address; email_verified false is
	// refused all the same.
	AssumeEmailVerified bool
}

// oidcCookie holds the secret of a pending single sign-on, from
// /signin/oidc to its callback. The database keeps its SHA-256 and the
// path to return to (app.BeginOIDC); state, nonce and PKCE verifier are
// derived from it, so they need no storage, a changed cookie names no
// pending sign-in, and any kam serve of the database can take the callback.
const oidcCookie = "kam_oidc"

// oidcClient speaks to the provider. The provider is discovered lazily, on
// the first single sign-on rather than at start: kam serve starts (and
// password sign-in works) while the provider is down, and a failed
// discovery is tried again on the next single sign-on.
type oidcClient struct {
	name   string
	cfg    OIDCConfig
	client *http.Client

	mu       sync.Mutex // one discovery at a time
	ready    *oidcProvider
	failedAt time.Time // the last failed discovery
	err      error
}

// oidcProvider is what discovery found.
type oidcProvider struct {
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
}

func newOIDCClient(c OIDCConfig) (*oidcClient, error) {
	for _, u := range []struct{ flag, value string }{{"--oidc-issuer", c.Issuer}, {"--oidc-redirect-url", c.RedirectURL}} {
		p, err := url.Parse(u.value)
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			return nil, fmt.Errorf("web: single sign-on: %s %q is not an http(s) URL", u.flag, u.value)
		}
	}
	if c.ClientID == "" || c.ClientSecret == "" {
		return nil, errors.New("web: single sign-on needs a client ID and secret")
	}
	if c.Name == "" {
		c.Name = "SSO"
	}
	return &oidcClient{name: c.Name, cfg: c, client: &http.Client{Timeout: 15 * time.Second}}, nil
}

// provider returns the discovered provider, discovering it if need be.
func (c *oidcClient) provider(ctx context.Context) (*oidcProvider, error) {
	asked := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ready != nil {
		return c.ready, nil
	}
	// A discovery that failed while this request waited for the lock
	// answers it too: requests queued behind an unreachable provider do not
	// each wait for a timeout of their own.
	if c.failedAt.After(asked) {
		return nil, c.err
	}
	// Not the request's cancellation: a browser that gives up must not
	// fail the discovery for the requests queued behind it.
	dctx, cancel := context.WithTimeout(oidc.ClientContext(context.WithoutCancel(ctx), c.client), 10*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(dctx, c.cfg.Issuer)
	if err != nil {
		c.failedAt, c.err = time.Now(), fmt.Errorf("web: discover %s: %w", c.cfg.Issuer, err)
		return nil, c.err
	}
	// The key set fetches the provider's keys with the context given here
	// (its cancellation ignored), so with our client and its timeout.
	verifier := p.VerifierContext(oidc.ClientContext(context.Background(), c.client), &oidc.Config{ClientID: c.cfg.ClientID})
	c.ready = &oidcProvider{verifier: verifier, oauth: oauth2.Config{ClientID: c.cfg.ClientID, ClientSecret: c.cfg.ClientSecret,
		Endpoint: p.Endpoint(), RedirectURL: c.cfg.RedirectURL, Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}}
	return c.ready, nil
}

// derive returns the value of a pending sign-in used for purpose ("state",
// "nonce", "pkce"): 43 characters of base64url, fit for a PKCE verifier.
func derive(secret, purpose string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("kam oidc " + purpose))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (h *handler) setOIDCCookie(w http.ResponseWriter, r *http.Request, value string, maxAge int) {
	// SameSite=Lax: the callback is a top-level GET from the provider's
	// site, which Lax lets the cookie go with.
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: value, Path: "/signin/oidc", HttpOnly: true,
		Secure: h.isHTTPS(r), SameSite: http.SameSiteLaxMode, MaxAge: maxAge})
}

// startOIDC sends the browser to the provider's authorization endpoint.
func (h *handler) startOIDC(w http.ResponseWriter, r *http.Request) error {
	if h.oidc == nil {
		return crm.ErrNotFound
	}
	back := safeBack(r.URL.Query().Get("back"))
	p, err := h.oidc.provider(r.Context())
	if err != nil {
		h.log.Warn("single sign-on: provider unavailable", "err", err)
		http.Redirect(w, r, ssoError("sso", back), http.StatusSeeOther)
		return nil
	}
	secret, err := h.app.BeginOIDC(r.Context(), back)
	if err != nil {
		return err
	}
	h.setOIDCCookie(w, r, secret, int(app.OIDCLoginLifetime/time.Second))
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, p.oauth.AuthCodeURL(derive(secret, "state"), oidc.Nonce(derive(secret, "nonce")),
		oauth2.S256ChallengeOption(derive(secret, "pkce"))), http.StatusFound)
	return nil
}

// ssoError is the sign-in page saying why single sign-on failed.
func ssoError(key, back string) string {
	u := "/signin?error=" + key
	if back != "/" {
		u += "&back=" + url.QueryEscape(back)
	}
	return u
}

// finishOIDC is the provider's callback: it checks the state, exchanges the
// code with the PKCE verifier, verifies the ID token and its nonce, and
// signs in the active person with the token's verified e-mail address.
// Every failure sends the browser back to the sign-in page; none logs a
// code, token or secret.
func (h *handler) finishOIDC(w http.ResponseWriter, r *http.Request) error {
	if h.oidc == nil {
		return crm.ErrNotFound
	}
	ctx := r.Context()
	ip := app.PrincipalFrom(ctx).IP
	q := r.URL.Query()
	h.setOIDCCookie(w, r, "", -1)
	w.Header().Set("Cache-Control", "no-store")
	back := "/"
	fail := func(reason, email string, err error) error {
		h.log.Warn("single sign-on failed", "reason", reason, "err", err)
		h.app.FailOIDC(ctx, email, ip, reason)
		http.Redirect(w, r, ssoError("sso", back), http.StatusSeeOther)
		return nil
	}
	c, err := r.Cookie(oidcCookie)
	if err != nil {
		return fail("state", "", errors.New("no pending sign-in in this browser"))
	}
	// Taken before anything else: whatever follows, the state is used once.
	stored, err := h.app.FinishOIDC(ctx, c.Value)
	switch {
	case errors.Is(err, app.ErrOIDCLogin):
		return fail("state", "", err)
	case err != nil:
		return err
	}
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(derive(c.Value, "state"))) != 1 {
		return fail("state", "", errors.New("state does not match"))
	}
	back = safeBack(stored)
	if e := q.Get("error"); e != "" {
		// The provider's own error code (access_denied, …): a short word
		// of the OAuth vocabulary, safe to log.
		if len(e) > 40 {
			e = e[:40]
		}
		return fail("provider", "", errors.New("provider answered "+e))
	}
	code := q.Get("code")
	if code == "" {
		return fail("provider", "", errors.New("no code"))
	}
	p, err := h.oidc.provider(ctx)
	if err != nil {
		h.log.Warn("single sign-on: provider unavailable", "err", err)
		http.Redirect(w, r, ssoError("sso", back), http.StatusSeeOther)
		return nil
	}
	xctx, cancel := context.WithTimeout(oidc.ClientContext(ctx, h.oidc.client), 15*time.Second)
	defer cancel()
	tok, err := p.oauth.Exchange(xctx, code, oauth2.VerifierOption(derive(c.Value, "pkce")))
	if err != nil {
		return fail("exchange", "", exchangeError(err))
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return fail("token", "", errors.New("no ID token in the token response"))
	}
	idt, err := p.verifier.Verify(xctx, raw)
	if err != nil {
		return fail("token", "", err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(derive(c.Value, "nonce"))) != 1 {
		return fail("nonce", "", errors.New("nonce does not match"))
	}
	var claims struct {
		Email         string          `json:"email"`
		EmailVerified json.RawMessage `json:"email_verified"`
	}
	if err := idt.Claims(&claims); err != nil {
		return fail("token", "", err)
	}
	if claims.Email == "" {
		return fail("no_email", "", errors.New("the ID token has no email claim"))
	}
	if !emailVerified(claims.EmailVerified, h.oidc.cfg.AssumeEmailVerified) {
		return fail("email_unverified", claims.Email, errors.New("the provider has not verified the e-mail address"))
	}
	token, _, err := h.app.SignInOIDC(ctx, claims.Email, ip, r.UserAgent())
	switch {
	case errors.Is(err, app.ErrUnknownPerson):
		http.Redirect(w, r, ssoError("sso_unknown", back), http.StatusSeeOther)
		return nil
	case err != nil:
		return err
	}
	h.setSession(w, r, token)
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

// emailVerified reads the email_verified claim: true, or "true" as some
// providers send it. A missing claim counts as assume says.
func emailVerified(raw json.RawMessage, assume bool) bool {
	switch strings.TrimSpace(string(raw)) {
	case "true", `"true"`:
		return true
	case "", "null":
		return assume
	}
	return false
}

// exchangeError describes a failed code exchange without the provider's
// response body.
func exchangeError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		return fmt.Errorf("token endpoint answered %d %s", status, re.ErrorCode)
	}
	return err
}
