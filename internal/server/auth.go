package server

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"

	"kam/internal/app"
	"kam/internal/i18n"
	"kam/internal/web"
)

// authenticate puts the principal of the request in its context: the person
// of the API token (Authorization: Bearer) or of the session cookie, or an
// anonymous visitor. Which routes need whom is each route's rule
// (internal/route); this only says who is asking. A bearer token that is not
// valid is refused at once rather than treated as anonymous.
func authenticate(a *app.App, trustProxy bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip := ClientIP(r, trustProxy)
		ctx := app.Anonymous(r.Context(), ip)
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			ctx = app.ForReading(ctx)
		}
		if auth := r.Header.Get("Authorization"); auth != "" {
			scheme, token, _ := strings.Cut(auth, " ")
			if !strings.EqualFold(scheme, "Bearer") {
				unauthorized(w, r, "error.auth.scheme")
				return
			}
			p, err := a.TokenPrincipal(ctx, strings.TrimSpace(token), ip)
			switch {
			case errors.Is(err, app.ErrSignedOut):
				unauthorized(w, r, "error.auth.token")
				return
			case err != nil:
				http.Error(w, "internal error", http.StatusInternalServerError)
				return
			}
			ctx = app.WithPrincipal(ctx, p)
		} else if c, err := r.Cookie(web.SessionCookie); err == nil && c.Value != "" {
			p, err := a.SessionPrincipal(ctx, c.Value, ip)
			switch {
			case errors.Is(err, app.ErrSignedOut):
				// Forget the stale cookie; the route's rule decides the rest.
				http.SetCookie(w, &http.Cookie{Name: web.SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
			case err != nil:
				http.Error(w, "internal error", http.StatusInternalServerError)
				return
			default:
				ctx = app.WithPrincipal(ctx, p)
			}
		}
		r2 := r.WithContext(ctx)
		next.ServeHTTP(w, r2)
		// The mux records the route it matched on the request it was
		// given; pass it out to the middleware (and tests) around this one.
		r.Pattern = r2.Pattern
	})
}

func unauthorized(w http.ResponseWriter, r *http.Request, key string) {
	p := i18n.Get(i18n.Match(r.Header.Get("Accept-Language")))
	w.Header().Set("WWW-Authenticate", `Bearer realm="kam"`)
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(http.StatusUnauthorized)
	json.NewEncoder(w).Encode(map[string]any{"type": "about:blank", "title": p.T("error.unauthorized"),
		"status": http.StatusUnauthorized, "detail": p.T(key)})
}

// ClientIP is the address a request came from: the peer, or behind a
// trusted proxy the last address it added to X-Forwarded-For.
func ClientIP(r *http.Request, trustProxy bool) string {
	if trustProxy {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			parts := strings.Split(xff, ",")
			if ip := strings.TrimSpace(parts[len(parts)-1]); net.ParseIP(ip) != nil {
				return ip
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
