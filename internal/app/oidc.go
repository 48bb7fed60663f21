package app

import (
	"context"
	"errors"
	"time"

	"kam/internal/crm"
	"kam/internal/store"
)

// Single sign-on with an OpenID Connect provider. The protocol is the web
// package's; here are the pending sign-ins, kept in the database so that
// the callback may reach any kam serve of it, and the sign-in itself.

// OIDCLoginLifetime is how long a single sign-on may take, from the
// redirect to the provider to the callback.
const OIDCLoginLifetime = 10 * time.Minute

var (
	// ErrOIDCLogin: the callback names no pending single sign-on: none was
	// begun in this browser, it expired, or it was already used.
	ErrOIDCLogin = errors.New("app: no pending single sign-on")
	// ErrUnknownPerson: the provider's e-mail address is not that of an
	// active person.
	ErrUnknownPerson = errors.New("app: no active person with this e-mail address")
)

// BeginOIDC records a pending single sign-on that returns to back and
// returns the secret the browser keeps until the callback (in a cookie).
// The state, nonce and PKCE verifier are derived from the secret by the
// caller, so the database holds nothing that completes a sign-in.
func (a *App) BeginOIDC(ctx context.Context, back string) (string, error) {
	now := a.now()
	// Pending sign-ins are few and short-lived: clear the stale ones here
	// rather than in a job of their own.
	if err := a.store.DeleteExpiredOIDCLogins(ctx, now); err != nil {
		return "", err
	}
	secret, hash, err := newSecret("")
	if err != nil {
		return "", err
	}
	if len(back) > 1000 {
		back = "/"
	}
	err = a.store.CreateOIDCLogin(ctx, store.OIDCLogin{IDHash: hash, Back: back, CreatedAt: now, ExpiresAt: now.Add(OIDCLoginLifetime)})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// FinishOIDC takes the pending single sign-on of secret, once, and returns
// the path it returns to; ErrOIDCLogin if there is none.
func (a *App) FinishOIDC(ctx context.Context, secret string) (string, error) {
	if secret == "" || len(secret) > 100 {
		return "", ErrOIDCLogin
	}
	l, err := a.store.TakeOIDCLogin(ctx, hashSecret(secret))
	if errors.Is(err, crm.ErrNotFound) {
		return "", ErrOIDCLogin
	}
	if err != nil {
		return "", err
	}
	if !a.now().Before(l.ExpiresAt) {
		return "", ErrOIDCLogin
	}
	return l.Back, nil
}

// SignInOIDC opens a session for the active person with the e-mail address
// that the provider vouched for (the caller checked the ID token and that
// the address is verified). An unknown or inactive person is
// ErrUnknownPerson, recorded as a failed sign-in.
func (a *App) SignInOIDC(ctx context.Context, email, ip, userAgent string) (string, crm.Person, error) {
	email = crm.NormalizeEmail(email)
	if email == "" {
		a.FailOIDC(ctx, email, ip, "unknown")
		return "", crm.Person{}, ErrUnknownPerson
	}
	p, err := a.store.PersonByEmail(ctx, email)
	if errors.Is(err, crm.ErrNotFound) {
		a.FailOIDC(ctx, email, ip, "unknown")
		return "", crm.Person{}, ErrUnknownPerson
	}
	if err != nil {
		return "", crm.Person{}, err
	}
	if !p.Active {
		a.FailOIDC(ctx, email, ip, "inactive")
		return "", crm.Person{}, ErrUnknownPerson
	}
	token, err := a.openSession(ctx, p, "oidc", ip, userAgent)
	if err != nil {
		return "", crm.Person{}, err
	}
	return token, p, nil
}

// FailOIDC records a failed single sign-on as failSignIn records a wrong
// password: a sign-in attempt (counted against the address) and an audit
// entry with the reason. email is "" when the failure came before the
// provider named anyone.
func (a *App) FailOIDC(ctx context.Context, email, ip, reason string) {
	now := a.now()
	email = crm.NormalizeEmail(email)
	if err := a.store.RecordSignIn(ctx, email, ip, now, false); err != nil {
		a.log.Error("sign-in attempt", "err", err)
	}
	e := audit(now, "", "signin_failed", "person", email, nil, map[string]string{"method": "oidc", "reason": reason})
	if err := a.store.Audit(ctx, e); err != nil {
		a.log.Error("audit", "err", err)
	}
}
