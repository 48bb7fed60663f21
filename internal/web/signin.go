package web

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"kam/internal/app"
	"kam/internal/crm"
	"kam/internal/store"
)

// SessionCookie names the session cookie; its value is a random secret of
// which the database keeps only the SHA-256.
const SessionCookie = "kam_session"

// isHTTPS reports whether the browser reached KAM over TLS, directly or
// through a trusted proxy; cookies are then Secure.
func (h *handler) isHTTPS(r *http.Request) bool {
	return r.TLS != nil || (h.trustProxy && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https"))
}

func (h *handler) setSession(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: h.isHTTPS(r), SameSite: http.SameSiteLaxMode, MaxAge: int(h.app.SessionLifetime() / time.Second)})
}

func (h *handler) clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true,
		Secure: h.isHTTPS(r), SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

type signInPage struct {
	layout
	Email   string
	Back    string
	Error   string
	SSO     bool
	SSOName string
}

func (h *handler) showSignIn(w http.ResponseWriter, r *http.Request) error {
	if !app.PrincipalFrom(r.Context()).Anonymous {
		http.Redirect(w, r, safeBack(r.URL.Query().Get("back")), http.StatusSeeOther)
		return nil
	}
	if setup, err := h.app.NeedsSetup(r.Context()); err != nil {
		return err
	} else if setup {
		http.Redirect(w, r, "/setup", http.StatusSeeOther)
		return nil
	}
	d := h.signInData(r)
	if e := r.URL.Query().Get("error"); e != "" && d.p.Has("signin.error."+e) {
		d.Error = d.T("signin.error." + e)
	}
	return h.render(w, http.StatusOK, "signin.html", d)
}

func (h *handler) signInData(r *http.Request) signInPage {
	d := signInPage{layout: h.layout(r, "", "signin.title"), Back: safeBack(r.FormValue("back")), SSO: h.oidc != nil}
	if h.oidc != nil {
		d.SSOName = h.oidc.name
	}
	if d.Back == "/" {
		d.Back = ""
	}
	return d
}

func (h *handler) signIn(w http.ResponseWriter, r *http.Request) error {
	d := h.signInData(r)
	d.Email = strings.TrimSpace(r.PostFormValue("email"))
	token, who, err := h.app.SignIn(r.Context(), d.Email, r.PostFormValue("password"), app.PrincipalFrom(r.Context()).IP, r.UserAgent())
	var te *app.ThrottledError
	switch {
	case errors.As(err, &te):
		minutes := int(math.Ceil(te.RetryAfter.Minutes()))
		if minutes < 1 {
			minutes = 1
		}
		w.Header().Set("Retry-After", strconv.Itoa(minutes*60))
		d.Error = d.T("signin.throttled", minutes)
		return h.render(w, http.StatusTooManyRequests, "signin.html", d)
	case errors.Is(err, app.ErrBadCredentials):
		d.Error = d.T("signin.bad_credentials")
		return h.render(w, http.StatusUnauthorized, "signin.html", d)
	case err != nil:
		return err
	}
	h.setSession(w, r, token)
	if who.Lang != "" {
		setLangCookie(w, who.Lang) // the language chosen on /me follows the person
	}
	http.Redirect(w, r, safeBack(r.PostFormValue("back")), http.StatusSeeOther)
	return nil
}

func (h *handler) signOut(w http.ResponseWriter, r *http.Request) error {
	if err := h.app.SignOut(r.Context()); err != nil {
		return err
	}
	h.clearSession(w, r)
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
	return nil
}

type setupPage struct {
	layout
	Values map[string]string
	Errors map[string]string
}

func (h *handler) showSetup(w http.ResponseWriter, r *http.Request) error {
	if setup, err := h.app.NeedsSetup(r.Context()); err != nil {
		return err
	} else if !setup {
		return crm.ErrNotFound
	}
	return h.render(w, http.StatusOK, "setup.html", setupPage{layout: h.layout(r, "", "setup.title"), Values: map[string]string{}})
}

func (h *handler) setup(w http.ResponseWriter, r *http.Request) error {
	d := setupPage{layout: h.layout(r, "", "setup.title"), Values: map[string]string{
		"name": r.PostFormValue("name"), "email": r.PostFormValue("email")}}
	password := r.PostFormValue("password")
	if password != r.PostFormValue("password2") {
		d.Errors = map[string]string{"password2": "error.password.mismatch"}
		return h.render(w, http.StatusUnprocessableEntity, "setup.html", d)
	}
	p, err := h.app.CreateAdmin(r.Context(), crm.Person{Name: d.Values["name"], Email: d.Values["email"]}, password, true)
	var ve *crm.ValidationError
	switch {
	case errors.Is(err, app.ErrSetupDone):
		return crm.ErrNotFound
	case errors.As(err, &ve):
		d.Errors = ve.Fields
		return h.render(w, http.StatusUnprocessableEntity, "setup.html", d)
	case err != nil:
		return err
	}
	token, _, err := h.app.SignIn(r.Context(), p.Email, password, app.PrincipalFrom(r.Context()).IP, r.UserAgent())
	if err != nil {
		return err
	}
	h.setSession(w, r, token)
	http.Redirect(w, r, "/org?flash=setup_done", http.StatusSeeOther)
	return nil
}

type mePage struct {
	layout
	Me       crm.Person
	Sessions []store.Session
	Current  string
	Tokens   []store.APIToken
	NewToken string
	Errors   map[string]string
	Dept     string
	Team     string
}

func (h *handler) meData(r *http.Request) (mePage, error) {
	d := mePage{layout: h.layout(r, "me", "me.title"), Current: app.PrincipalFrom(r.Context()).SessionHash}
	ctx := r.Context()
	var err error
	if d.Me, err = h.app.Me(ctx); err != nil {
		return d, err
	}
	if d.Sessions, err = h.app.Sessions(ctx); err != nil {
		return d, err
	}
	if d.Tokens, err = h.app.Tokens(ctx); err != nil {
		return d, err
	}
	names, err := h.orgNames(r)
	if err != nil {
		return d, err
	}
	d.Dept, d.Team = names.dept[d.Me.DepartmentID], names.team[d.Me.TeamID]
	return d, nil
}

func (h *handler) showMe(w http.ResponseWriter, r *http.Request) error {
	d, err := h.meData(r)
	if err != nil {
		return err
	}
	return h.render(w, http.StatusOK, "me.html", d)
}

func (h *handler) changePassword(w http.ResponseWriter, r *http.Request) error {
	me := app.PrincipalFrom(r.Context())
	password := r.PostFormValue("password")
	var err error
	if password != r.PostFormValue("password2") {
		err = &crm.ValidationError{Fields: map[string]string{"password2": "error.password.mismatch"}}
	} else {
		err = h.app.SetPassword(r.Context(), me.PersonID, r.PostFormValue("current"), password)
	}
	var ve *crm.ValidationError
	if errors.As(err, &ve) {
		d, derr := h.meData(r)
		if derr != nil {
			return derr
		}
		d.Errors = ve.Fields
		return h.render(w, http.StatusUnprocessableEntity, "me.html", d)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/me?flash=password_changed", http.StatusSeeOther)
	return nil
}

// setMyLang stores the language the person reads KAM in (the notifications
// written to them follow it) and switches the pages to it.
func (h *handler) setMyLang(w http.ResponseWriter, r *http.Request) error {
	lang := r.PostFormValue("lang")
	err := h.app.SetMyLang(r.Context(), lang)
	var ve *crm.ValidationError
	if errors.As(err, &ve) {
		return badRequest("lang: " + lang)
	}
	if err != nil {
		return err
	}
	if lang != "" {
		setLangCookie(w, lang)
	}
	http.Redirect(w, r, "/me?flash=lang_saved", http.StatusSeeOther)
	return nil
}

func (h *handler) createToken(w http.ResponseWriter, r *http.Request) error {
	days := 0
	if s := strings.TrimSpace(r.PostFormValue("valid_days")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			n = -1
		}
		days = n
	}
	secret, _, err := h.app.CreateToken(r.Context(), r.PostFormValue("name"), days)
	var ve *crm.ValidationError
	if err != nil && !errors.As(err, &ve) {
		return err
	}
	d, derr := h.meData(r)
	if derr != nil {
		return derr
	}
	if ve != nil {
		d.Errors = ve.Fields
		return h.render(w, http.StatusUnprocessableEntity, "me.html", d)
	}
	// The token is shown this once; the page must not be cached.
	d.NewToken = secret
	w.Header().Set("Cache-Control", "no-store")
	return h.render(w, http.StatusCreated, "me.html", d)
}

func (h *handler) revokeToken(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return crm.ErrNotFound
	}
	if err := h.app.RevokeToken(r.Context(), id); err != nil {
		return err
	}
	http.Redirect(w, r, "/me?flash=token_revoked", http.StatusSeeOther)
	return nil
}

func (h *handler) signOutEverywhere(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.app.SignOutEverywhere(r.Context(), app.PrincipalFrom(r.Context()).PersonID); err != nil {
		return err
	}
	h.clearSession(w, r)
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
	return nil
}
