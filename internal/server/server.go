// Package server assembles KAM's HTTP handler: the web pages, the API, the
// static files and the health check, behind the shared middleware.
package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"kam/internal/api"
	"kam/internal/app"
	"kam/internal/crm"
	"kam/internal/route"
	"kam/internal/web"
	"kam/internal/web/static"
)

// Options configure the handler.
type Options struct {
	Logger *slog.Logger
	Dev    bool
	// TrustProxy: KAM runs behind a reverse proxy or load balancer that
	// terminates TLS; X-Forwarded-For names the client and
	// X-Forwarded-Proto: https marks cookies Secure.
	TrustProxy bool
	// OIDC configures single sign-on; nil: none.
	OIDC *web.OIDCConfig
}

// Handler is the handler of kam serve.
type Handler struct {
	http.Handler
	rules []route.Rule
}

// Rules lists every route with its access rule, web pages and API.
func (h *Handler) Rules() []route.Rule { return h.rules }

// New returns the handler of kam serve.
func New(a *app.App, opt Options) (*Handler, error) {
	log := opt.Logger
	if log == nil {
		log = slog.Default()
	}
	mux := http.NewServeMux()
	pub := func(perm crm.Permission, h http.Handler) http.Handler { return h }
	open := route.New(mux, pub)
	open.Handle("GET /healthz", crm.PermPublic, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := a.Store().Ping(r.Context()); err != nil {
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	}))
	open.Handle("GET /static/", crm.PermPublic, static.Handler())
	apiRules := api.Routes(mux, a, log)
	webRules, err := web.Routes(mux, a, web.Options{Logger: log, Dev: opt.Dev, TrustProxy: opt.TrustProxy, OIDC: opt.OIDC})
	if err != nil {
		return nil, err
	}
	// Browsers send Origin / Sec-Fetch-Site on cross-site requests; refusing
	// unsafe cross-origin requests protects every form without tokens, the
	// API included. Clients other than browsers send neither header and pass.
	cop := http.NewCrossOriginProtection()
	h := logRequests(log, recoverPanics(log, securityHeaders(cop.Handler(authenticate(a, opt.TrustProxy, mux)))))
	rules := append(open.Rules(), apiRules...)
	return &Handler{Handler: h, rules: append(rules, webRules...)}, nil
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'")
		next.ServeHTTP(w, r)
	})
}

func recoverPanics(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.Error("panic", "method", r.Method, "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests logs method, path (never the query: it may carry search terms
// a person typed) and status at debug level, errors at warn.
func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		level := slog.LevelDebug
		if sw.status >= 500 {
			level = slog.LevelWarn
		}
		log.Log(r.Context(), level, "request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "ms", time.Since(start).Milliseconds())
	})
}
