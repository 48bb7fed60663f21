package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"

	"kam/internal/crm"
	"kam/internal/store"
)

// AuthOptions configure sign-in. Zero values take the defaults.
type AuthOptions struct {
	SessionLifetime time.Duration // absolute; default 7 days
	SessionIdle     time.Duration // ended after this long unused; default 12 hours
	MaxFailures     int           // failed sign-ins of one e-mail address before a pause; default 5
	MaxFailuresIP   int           // … of one address; default 50
	FailureWindow   time.Duration // the pause, and the window failures are counted in; default 15 minutes
	Argon           ArgonParams   // password hashing cost
}

// ArgonParams are the argon2id cost parameters. The default is OWASP's
// recommendation for argon2id (19 MiB, 2 passes, 1 lane).
type ArgonParams struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
}

func (o *AuthOptions) defaults() {
	if o.SessionLifetime == 0 {
		o.SessionLifetime = 7 * 24 * time.Hour
	}
	if o.SessionIdle == 0 {
		o.SessionIdle = 12 * time.Hour
	}
	if o.MaxFailures == 0 {
		o.MaxFailures = 5
	}
	if o.MaxFailuresIP == 0 {
		o.MaxFailuresIP = 50
	}
	if o.FailureWindow == 0 {
		o.FailureWindow = 15 * time.Minute
	}
	if o.Argon.MemoryKiB == 0 {
		o.Argon = ArgonParams{MemoryKiB: 19 * 1024, Time: 2, Threads: 1}
	}
}

// Errors of sign-in.
var (
	// ErrBadCredentials: unknown e-mail address, wrong password, or a
	// person without the right to sign in; the message never says which.
	ErrBadCredentials = errors.New("app: wrong e-mail address or password")
	// ErrSignedOut: no valid session or token (expired, ended, revoked).
	ErrSignedOut = errors.New("app: not signed in")
)

// ThrottledError says sign-in is paused after repeated failures, until
// Until, which is RetryAfter from now.
type ThrottledError struct {
	Until      time.Time
	RetryAfter time.Duration
}

func (e *ThrottledError) Error() string {
	return "app: too many failed sign-ins; try again after " + e.Until.UTC().Format(time.RFC3339)
}

// HashPassword hashes a password with argon2id into the PHC string form.
func (a *App) HashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	p := a.auth.Argon
	key := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, 32)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// checkPassword compares a password with a PHC argon2id hash, in constant
// time, and reports whether the hash uses other parameters than today's.
func (a *App) checkPassword(hash, password string) (ok, stale bool) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false, false
	}
	var p ArgonParams
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil {
		return false, false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 || p.MemoryKiB > 1<<22 || p.Time > 64 || p.Threads == 0 {
		return false, false
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, p != a.auth.Argon
}

// dummyHash is verified when the e-mail address is unknown, so that the
// answer takes as long as for a known one.
func (a *App) dummyHash() string {
	a.dummyOnce.Do(func() { a.dummy, _ = a.HashPassword("kam-no-such-user-password") })
	return a.dummy
}

// newSecret returns a random token with prefix and its SHA-256 (hex), the
// form it is stored in.
func newSecret(prefix string) (token, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	token = prefix + base64.RawURLEncoding.EncodeToString(b)
	return token, hashSecret(token), nil
}

func hashSecret(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// SignIn checks an e-mail address and password and opens a session. It
// returns the session's cookie value, new at every sign-in (no fixation).
func (a *App) SignIn(ctx context.Context, email, password, ip, userAgent string) (string, crm.Person, error) {
	email = crm.NormalizeEmail(email)
	now := a.now()
	byEmail, byIP, last, err := a.store.FailedSignIns(ctx, email, ip, now.Add(-a.auth.FailureWindow))
	if err != nil {
		return "", crm.Person{}, err
	}
	if byEmail >= a.auth.MaxFailures || byIP >= a.auth.MaxFailuresIP {
		a.failSignIn(ctx, email, ip, "throttled")
		until := last.Add(a.auth.FailureWindow)
		return "", crm.Person{}, &ThrottledError{Until: until, RetryAfter: until.Sub(now)}
	}
	p, err := a.store.PersonByEmail(ctx, email)
	if err != nil && !errors.Is(err, crm.ErrNotFound) {
		return "", crm.Person{}, err
	}
	hash := ""
	if err == nil {
		if hash, err = a.store.PasswordHash(ctx, p.ID); err != nil {
			return "", crm.Person{}, err
		}
	}
	if hash == "" {
		a.checkPassword(a.dummyHash(), password)
		a.failSignIn(ctx, email, ip, "unknown")
		return "", crm.Person{}, ErrBadCredentials
	}
	ok, stale := a.checkPassword(hash, password)
	if !ok || !p.Active {
		reason := "password"
		if ok {
			reason = "inactive"
		}
		a.failSignIn(ctx, email, ip, reason)
		return "", crm.Person{}, ErrBadCredentials
	}
	if stale {
		if h, err := a.HashPassword(password); err == nil {
			_ = a.store.SetPassword(ctx, p.ID, h, now)
		}
	}
	token, err := a.openSession(ctx, p, "password", ip, userAgent)
	if err != nil {
		return "", crm.Person{}, err
	}
	return token, p, nil
}

func (a *App) failSignIn(ctx context.Context, email, ip, reason string) {
	now := a.now()
	if err := a.store.RecordSignIn(ctx, email, ip, now, false); err != nil {
		a.log.Error("sign-in attempt", "err", err)
	}
	e := audit(now, "", "signin_failed", "person", email, nil, map[string]string{"reason": reason})
	if err := a.store.Audit(ctx, e); err != nil {
		a.log.Error("audit", "err", err)
	}
}

// openSession starts a session for p after a successful sign-in.
func (a *App) openSession(ctx context.Context, p crm.Person, method, ip, userAgent string) (string, error) {
	token, hash, err := newSecret("")
	if err != nil {
		return "", err
	}
	now := a.now()
	if len(userAgent) > 300 {
		userAgent = userAgent[:300]
	}
	err = a.store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.RecordSignIn(ctx, p.Email, ip, now, true); err != nil {
			return err
		}
		if err := tx.CreateSession(ctx, store.Session{TokenHash: hash, PersonID: p.ID, Method: method, CreatedAt: now,
			SeenAt: now, ExpiresAt: now.Add(a.auth.SessionLifetime), IP: ip, UserAgent: userAgent}); err != nil {
			return err
		}
		sctx := WithPrincipal(ctx, principalOf(p, method, ip))
		return tx.Audit(sctx, audit(now, "", "signin", "person", p.ID, nil, map[string]string{"method": method}))
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

func principalOf(p crm.Person, via, ip string) Principal {
	return Principal{PersonID: p.ID, Name: p.Name, Email: p.Email, Role: p.Role, Scope: p.Scope,
		DepartmentID: p.DepartmentID, TeamID: p.TeamID, Via: via, IP: ip}
}

// SessionPrincipal resolves a session cookie. An expired, idle, ended or
// unknown session, or one of a person no longer active, is ErrSignedOut.
func (a *App) SessionPrincipal(ctx context.Context, token, ip string) (Principal, error) {
	if token == "" || len(token) > 100 {
		return Principal{}, ErrSignedOut
	}
	hash := hashSecret(token)
	se, p, err := a.store.SessionAndPerson(ctx, hash)
	if errors.Is(err, crm.ErrNotFound) {
		return Principal{}, ErrSignedOut
	}
	if err != nil {
		return Principal{}, err
	}
	now := a.now()
	if !now.Before(se.ExpiresAt) || now.Sub(se.SeenAt) >= a.auth.SessionIdle {
		if err := a.store.DeleteSession(ctx, hash); err != nil {
			return Principal{}, err
		}
		return Principal{}, ErrSignedOut
	}
	if !p.Active {
		return Principal{}, ErrSignedOut
	}
	// One write a minute at most per session, not one per request.
	if now.Sub(se.SeenAt) > time.Minute {
		if err := a.store.TouchSession(ctx, hash, now); err != nil {
			return Principal{}, err
		}
	}
	pr := principalOf(p, se.Method, ip)
	pr.SessionHash = hash
	return pr, nil
}

// SignOut ends the session of ctx.
func (a *App) SignOut(ctx context.Context) error {
	p := PrincipalFrom(ctx)
	if p.SessionHash == "" {
		return nil
	}
	return a.store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.DeleteSession(ctx, p.SessionHash); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(a.now(), "", "signout", "person", p.PersonID, nil, nil))
	})
}

// SignOutEverywhere ends every session of the person of ctx (or of person
// id, for an administrator) and returns how many.
func (a *App) SignOutEverywhere(ctx context.Context, id int64) (int, error) {
	p := PrincipalFrom(ctx)
	if id != p.PersonID {
		if err := Allow(ctx, crm.PermManagePeople); err != nil {
			return 0, err
		}
	}
	var n int
	err := a.store.InTx(ctx, func(tx *store.Store) error {
		var err error
		if n, err = tx.DeleteSessionsOf(ctx, id); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(a.now(), "", "signout_everywhere", "person", id, nil, map[string]int{"sessions": n}))
	})
	return n, err
}

// Sessions lists the open sessions of the person of ctx.
func (a *App) Sessions(ctx context.Context) ([]store.Session, error) {
	p := PrincipalFrom(ctx)
	if p.PersonID == 0 {
		return nil, crm.ErrForbidden
	}
	return a.store.SessionsOf(ctx, p.PersonID)
}

// TokenPrefix starts every API token, so that secret scanners recognise them.
const TokenPrefix = "kam_"

// CreateToken makes an API token for the person of ctx, carrying their
// rights and scope. The token is returned once and stored hashed.
func (a *App) CreateToken(ctx context.Context, name string, validDays int) (string, store.APIToken, error) {
	p := PrincipalFrom(ctx)
	if p.PersonID == 0 || p.Anonymous {
		return "", store.APIToken{}, crm.ErrForbidden
	}
	name = strings.TrimSpace(name)
	var v crm.ValidationError
	if name == "" {
		v.Add("name", "error.required")
	} else if len([]rune(name)) > 100 {
		v.Add("name", "error.too_long")
	}
	if validDays < 0 || validDays > 3650 {
		v.Add("valid_days", "error.token.valid_days")
	}
	if err := v.OrNil(); err != nil {
		return "", store.APIToken{}, err
	}
	token, hash, err := newSecret(TokenPrefix)
	if err != nil {
		return "", store.APIToken{}, err
	}
	now := a.now()
	t := store.APIToken{PersonID: p.PersonID, Name: name, TokenHash: hash, Hint: token[len(token)-4:], CreatedAt: now}
	if validDays > 0 {
		t.ExpiresAt = now.AddDate(0, 0, validDays)
	}
	err = a.store.InTx(ctx, func(tx *store.Store) error {
		var err error
		if t.ID, err = tx.CreateAPIToken(ctx, t); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(now, "", "create", "api_token", t.ID, nil, map[string]any{"name": name, "hint": t.Hint, "person": p.PersonID}))
	})
	return token, t, err
}

// Tokens lists the API tokens of the person of ctx.
func (a *App) Tokens(ctx context.Context) ([]store.APIToken, error) {
	p := PrincipalFrom(ctx)
	if p.PersonID == 0 {
		return nil, crm.ErrForbidden
	}
	return a.store.APITokensOf(ctx, p.PersonID)
}

// RevokeToken revokes one of the tokens of the person of ctx.
func (a *App) RevokeToken(ctx context.Context, id int64) error {
	p := PrincipalFrom(ctx)
	now := a.now()
	return a.store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.RevokeAPIToken(ctx, p.PersonID, id, now); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(now, "", "revoke", "api_token", id, nil, nil))
	})
}

// TokenPrincipal resolves an API token (the Bearer value).
func (a *App) TokenPrincipal(ctx context.Context, token, ip string) (Principal, error) {
	if !strings.HasPrefix(token, TokenPrefix) || len(token) > 100 {
		return Principal{}, ErrSignedOut
	}
	t, p, err := a.store.APITokenAndPerson(ctx, hashSecret(token))
	if errors.Is(err, crm.ErrNotFound) {
		return Principal{}, ErrSignedOut
	}
	if err != nil {
		return Principal{}, err
	}
	now := a.now()
	if !t.RevokedAt.IsZero() || (!t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt)) || !p.Active {
		return Principal{}, ErrSignedOut
	}
	if now.Sub(t.LastUsedAt) > time.Minute {
		if err := a.store.TouchAPIToken(ctx, t.ID, now); err != nil {
			return Principal{}, err
		}
	}
	pr := principalOf(p, "token", ip)
	pr.TokenID = t.ID
	return pr, nil
}

// ExpireSessions removes ended sessions and old sign-in attempts; kam serve
// runs it periodically.
func (a *App) ExpireSessions(ctx context.Context) error {
	now := a.now()
	return a.store.DeleteExpiredSessions(ctx, now, now.Add(-a.auth.SessionIdle), now.Add(-24*time.Hour))
}

// SessionLifetime is how long a session cookie may live.
func (a *App) SessionLifetime() time.Duration { return a.auth.SessionLifetime }
