package web

import (
	"net/http"

	"kam/internal/crm"
)

// OIDCConfig configures single sign-on with an OpenID Connect provider.
type OIDCConfig struct {
	Name         string // shown on the sign-in button
	Issuer       string
	ClientID     string
	ClientSecret string
	RedirectURL  string // https://kam.example.com/signin/oidc/callback
}

type oidcClient struct {
	name string
}

func newOIDCClient(c OIDCConfig) (*oidcClient, error) { return &oidcClient{name: c.Name}, nil }

func (h *handler) startOIDC(w http.ResponseWriter, r *http.Request) error {
	if h.oidc == nil {
		return crm.ErrNotFound
	}
	return crm.ErrNotFound
}

func (h *handler) finishOIDC(w http.ResponseWriter, r *http.Request) error {
	if h.oidc == nil {
		return crm.ErrNotFound
	}
	return crm.ErrNotFound
}
