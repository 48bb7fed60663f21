package cli_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kam/internal/cli"
)

// kam serve refuses single sign-on without a client ID, a client secret or
// a callback URL, before it opens the database.
func TestServeOIDCIncomplete(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"issuer only", []string{"--oidc-issuer", "https://idp.example.com/realms/kam"}, nil},
		{"issuer from the environment", nil, map[string]string{"KAM_OIDC_ISSUER": "https://idp.example.com/realms/kam"}},
		{"no secret", []string{"--oidc-issuer", "https://idp.example.com/realms/kam", "--oidc-client-id", "kam",
			"--oidc-redirect-url", "https://kam.example.com/signin/oidc/callback"}, nil},
		{"no client id", []string{"--oidc-issuer", "https://idp.example.com/realms/kam",
			"--oidc-redirect-url", "https://kam.example.com/signin/oidc/callback"}, map[string]string{"KAM_OIDC_CLIENT_SECRET": "s"}},
		{"no callback", []string{"--oidc-issuer", "https://idp.example.com/realms/kam", "--oidc-client-id", "kam"},
			map[string]string{"KAM_OIDC_CLIENT_SECRET": "s"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Were the configuration taken, kam serve would start: stop it
			// as soon as it listens, and fail.
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			var out, errb bytes.Buffer
			args := append([]string{"serve", "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "kam.db")}, tc.args...)
			code := cli.Main(ctx, cli.Env{Args: args, Stdout: &out, Stderr: &errb, Getenv: func(k string) string {
				if k == "KAM_LANG" {
					return "en"
				}
				return tc.env[k]
			},
				Ready: func(string) { cancel() }})
			if code != 2 || !strings.Contains(errb.String(), "--oidc-client-id, KAM_OIDC_CLIENT_SECRET and --oidc-redirect-url") {
				t.Errorf("kam %s = %d, %q; want 2 and the missing settings named", strings.Join(args, " "), code, errb.String())
			}
		})
	}
}
