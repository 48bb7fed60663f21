// Package config reads KAM's settings from flags, falling back to KAM_*
// environment variables. There is no package-level state: Load returns a
// value that is passed down explicitly.
package config

import (
	"flag"
)

// Config holds the settings shared by the commands.
type Config struct {
	DB         string // file path, sqlite://path or postgres:// URL
	Addr       string // listen address of kam serve
	Dev        bool   // read templates and static files from disk
	TrustProxy bool   // behind a reverse proxy that terminates TLS
	OIDC       OIDC
}

// OIDC configures single sign-on with an OpenID Connect provider. The client
// secret comes from the environment only (KAM_OIDC_CLIENT_SECRET), never
// from a flag that other users of the machine could read in ps.
type OIDC struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	RedirectURL  string
	Name         string
	// AssumeEmailVerified takes an ID token without email_verified as
	// vouching for its e-mail address (Microsoft Entra ID sends none).
	AssumeEmailVerified bool
}

// Enabled reports whether single sign-on is configured.
func (o OIDC) Enabled() bool { return o.Issuer != "" }

// DefaultDB is the embedded database file used when nothing is set.
const DefaultDB = "kam.db"

// Bind registers the shared flags on fs with defaults from the environment.
func Bind(fs *flag.FlagSet, getenv func(string) string, c *Config) {
	def := func(key, fallback string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return fallback
	}
	fs.StringVar(&c.DB, "db", def("KAM_DB", DefaultDB), "database: a file path or sqlite://path (embedded SQLite), or a postgres:// URL (env KAM_DB)")
}

// BindServe registers the flags of kam serve.
func BindServe(fs *flag.FlagSet, getenv func(string) string, c *Config) {
	addr := getenv("KAM_ADDR")
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	fs.StringVar(&c.Addr, "addr", addr, "listen address (env KAM_ADDR), e.g. :8080 for every interface")
	fs.BoolVar(&c.Dev, "dev", false, "read templates and static files from disk")
	fs.BoolVar(&c.TrustProxy, "trust-proxy", getenv("KAM_TRUST_PROXY") == "1" || getenv("KAM_TRUST_PROXY") == "true",
		"behind a reverse proxy: take the client address from X-Forwarded-For and HTTPS from X-Forwarded-Proto (env KAM_TRUST_PROXY=1)")
	fs.StringVar(&c.OIDC.Issuer, "oidc-issuer", getenv("KAM_OIDC_ISSUER"), "single sign-on: the OpenID Connect issuer URL (env KAM_OIDC_ISSUER)")
	fs.StringVar(&c.OIDC.ClientID, "oidc-client-id", getenv("KAM_OIDC_CLIENT_ID"), "single sign-on: the client ID (env KAM_OIDC_CLIENT_ID); the secret is read from KAM_OIDC_CLIENT_SECRET")
	fs.StringVar(&c.OIDC.RedirectURL, "oidc-redirect-url", getenv("KAM_OIDC_REDIRECT_URL"), "single sign-on: this server's callback, https://HOST/signin/oidc/callback (env KAM_OIDC_REDIRECT_URL)")
	name := getenv("KAM_OIDC_NAME")
	if name == "" {
		name = "SSO"
	}
	fs.StringVar(&c.OIDC.Name, "oidc-name", name, "single sign-on: the provider's name on the sign-in button (env KAM_OIDC_NAME)")
	fs.BoolVar(&c.OIDC.AssumeEmailVerified, "oidc-assume-email-verified", getenv("KAM_OIDC_ASSUME_EMAIL_VERIFIED") == "1" || getenv("KAM_OIDC_ASSUME_EMAIL_VERIFIED") == "true",
		"single sign-on: accept an ID token without the email_verified claim (Microsoft Entra ID; email_verified false is always refused) (env KAM_OIDC_ASSUME_EMAIL_VERIFIED=1)")
	c.OIDC.ClientSecret = getenv("KAM_OIDC_CLIENT_SECRET")
}
