package static

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func get(t *testing.T, path string, header map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, res *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestURL(t *testing.T) {
	data, err := os.ReadFile("css/app.css")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	want := "/static/" + hex.EncodeToString(sum[:])[:12] + "/css/app.css"
	if got := URL("css/app.css"); got != want {
		t.Errorf("URL(%q) = %q, want %q", "css/app.css", got, want)
	}
	if got := URL("/css/app.css"); got != want {
		t.Errorf("URL(%q) = %q, want %q", "/css/app.css", got, want)
	}
	if got, want := URL("css/nope.css"), "/static/missing/css/nope.css"; got != want {
		t.Errorf("URL(%q) = %q, want %q", "css/nope.css", got, want)
	}
	re := regexp.MustCompile(`^/static/[0-9a-f]{12}/`)
	for _, name := range []string{"js/app.js", "vendor/echarts.min.js", "vendor/echarts.LICENSE"} {
		if u := URL(name); !re.MatchString(u) || !strings.HasSuffix(u, "/"+name) {
			t.Errorf("URL(%q) = %q, want /static/<12 hex>/%s", name, u, name)
		}
	}
}

func TestNames(t *testing.T) {
	names := Names()
	for _, want := range []string{"css/app.css", "js/app.js", "vendor/echarts.min.js", "vendor/echarts.LICENSE"} {
		found := false
		for _, n := range names {
			found = found || n == want
		}
		if !found {
			t.Errorf("Names() = %v, missing %q", names, want)
		}
	}
	for _, n := range names {
		if strings.HasPrefix(n, "testdata/") {
			t.Errorf("Names() includes %q; testdata must not be embedded", n)
		}
	}
}

func TestHandlerContentTypes(t *testing.T) {
	for _, tc := range []struct{ name, ct string }{
		{"css/app.css", "text/css; charset=utf-8"},
		{"js/app.js", "application/javascript; charset=utf-8"},
		{"vendor/echarts.min.js", "application/javascript; charset=utf-8"},
		{"vendor/echarts.LICENSE", "text/plain; charset=utf-8"},
	} {
		res := get(t, URL(tc.name), nil)
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d, want 200", tc.name, res.StatusCode)
			continue
		}
		if got := res.Header.Get("Content-Type"); got != tc.ct {
			t.Errorf("GET %s: Content-Type %q, want %q", tc.name, got, tc.ct)
		}
		if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s: X-Content-Type-Options %q, want nosniff", tc.name, got)
		}
		want, err := os.ReadFile(tc.name)
		if err != nil {
			t.Fatal(err)
		}
		if got := body(t, res); !bytes.Equal(got, want) {
			t.Errorf("GET %s: body differs from the file (%d bytes, want %d)", tc.name, len(got), len(want))
		}
	}
}

func TestHandlerCaching(t *testing.T) {
	right := URL("css/app.css")
	res := get(t, right, nil)
	if got, want := res.Header.Get("Cache-Control"), "public, max-age=31536000, immutable"; got != want {
		t.Errorf("GET %s: Cache-Control %q, want %q", right, got, want)
	}
	etag := res.Header.Get("ETag")
	if etag == "" {
		t.Fatalf("GET %s: no ETag", right)
	}

	wrong := "/static/000000000000/css/app.css"
	res = get(t, wrong, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d, want 200", wrong, res.StatusCode)
	}
	if got := res.Header.Get("Cache-Control"); strings.Contains(got, "immutable") || strings.Contains(got, "max-age=31536000") {
		t.Errorf("GET %s: Cache-Control %q, want no long-lived caching", wrong, got)
	}
	if len(body(t, res)) == 0 {
		t.Errorf("GET %s: empty body", wrong)
	}

	res = get(t, right, map[string]string{"If-None-Match": etag})
	if res.StatusCode != http.StatusNotModified {
		t.Errorf("GET %s with If-None-Match %s: status %d, want 304", right, etag, res.StatusCode)
	}
	if n := len(body(t, res)); n != 0 {
		t.Errorf("304 response has a %d-byte body", n)
	}
	res = get(t, right, map[string]string{"If-None-Match": `W/` + etag})
	if res.StatusCode != http.StatusNotModified {
		t.Errorf("GET %s with weak If-None-Match: status %d, want 304", right, res.StatusCode)
	}
	res = get(t, right, map[string]string{"If-None-Match": `"abc"`})
	if res.StatusCode != http.StatusOK {
		t.Errorf("GET %s with other If-None-Match: status %d, want 200", right, res.StatusCode)
	}
}

func TestHandlerGzip(t *testing.T) {
	u := URL("vendor/echarts.min.js")
	want, err := os.ReadFile("vendor/echarts.min.js")
	if err != nil {
		t.Fatal(err)
	}

	res := get(t, u, map[string]string{"Accept-Encoding": "gzip, deflate, br"})
	if got := res.Header.Get("Content-Encoding"); got != "gzip" {
		t.Fatalf("Content-Encoding %q, want gzip", got)
	}
	if !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") {
		t.Errorf("Vary %q, want Accept-Encoding", res.Header.Get("Vary"))
	}
	gz := body(t, res)
	if cl := res.Header.Get("Content-Length"); cl != strconv.Itoa(len(gz)) {
		t.Errorf("Content-Length %s, want %d", cl, len(gz))
	}
	if len(gz) >= len(want)/2 {
		t.Errorf("gzipped size %d, want well under %d", len(gz), len(want))
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("gunzipped body differs from the file")
	}

	// Computed once: a second request gets the very same bytes.
	if again := body(t, get(t, u, map[string]string{"Accept-Encoding": "gzip"})); !bytes.Equal(again, gz) {
		t.Error("second gzip response differs from the first")
	}

	for _, ae := range []string{"", "identity", "gzip;q=0", "br", "*;q=0", "gzip;q=0, *"} {
		res := get(t, u, map[string]string{"Accept-Encoding": ae})
		if got := res.Header.Get("Content-Encoding"); got != "" {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want none", ae, got)
		}
		if b := body(t, res); len(b) != len(want) {
			t.Errorf("Accept-Encoding %q: body %d bytes, want %d", ae, len(b), len(want))
		}
	}
	for _, ae := range []string{"gzip", "GZIP", "x-gzip", "*", "br;q=1.0, gzip;q=0.8", "deflate, gzip;q=0.5"} {
		if !acceptsGzip(ae) {
			t.Errorf("acceptsGzip(%q) = false, want true", ae)
		}
	}
}

func TestHandlerHead(t *testing.T) {
	req := httptest.NewRequest(http.MethodHead, URL("js/app.js"), nil)
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Errorf("HEAD: status %d, want 200", rec.Code)
	}
	if rec.Body.Len() != 0 {
		t.Errorf("HEAD: body %d bytes, want 0", rec.Body.Len())
	}
	if rec.Header().Get("Content-Length") == "" {
		t.Error("HEAD: no Content-Length")
	}
}

func TestHandlerErrors(t *testing.T) {
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/static/abc/css/nope.css", 404},
		{"GET", "/static/missing/css/nope.css", 404},
		{"GET", "/static/abc", 404},
		{"GET", "/static/abc/", 404},
		{"GET", "/static//css/app.css", 404},
		{"GET", "/static/abc/css/../css/app.css", 404},
		{"GET", "/static/abc/testdata/demo.html", 404},
		{"GET", "/other/abc/css/app.css", 404},
		{"POST", URL("css/app.css"), 405},
	} {
		req := httptest.NewRequest(tc.method, "/", nil)
		req.URL.Path = tc.path // keep paths that httptest would clean
		rec := httptest.NewRecorder()
		Handler().ServeHTTP(rec, req)
		if rec.Code != tc.want {
			t.Errorf("%s %s: status %d, want %d", tc.method, tc.path, rec.Code, tc.want)
		}
	}
}

// TestThroughMux checks the handler works mounted as the server mounts it.
func TestThroughMux(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("GET /static/", Handler())
	srv := httptest.NewServer(mux)
	defer srv.Close()
	res, err := srv.Client().Get(srv.URL + URL("js/app.js"))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body) // the client transparently gunzips
	if res.StatusCode != 200 || !bytes.Contains(b, []byte("data-chart")) {
		t.Errorf("GET through mux: status %d, %d bytes", res.StatusCode, len(b))
	}
}

// TestNoCDN guards the offline requirement: no asset loads anything from
// another host.
func TestNoCDN(t *testing.T) {
	re := regexp.MustCompile(`(?i)(https?:)?//(cdn|unpkg|fonts\.googleapis|fonts\.gstatic|ajax\.googleapis|cdnjs|jsdelivr|bootcdn|staticfile)`)
	for _, name := range []string{"css/app.css", "js/app.js", "testdata/demo.html"} {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if m := re.Find(b); m != nil {
			t.Errorf("%s refers to %q", name, m)
		}
		if bytes.Contains(b, []byte("@import")) || bytes.Contains(b, []byte("@font-face")) {
			t.Errorf("%s imports a stylesheet or a font", name)
		}
	}
}

func TestVendoredECharts(t *testing.T) {
	b, err := os.ReadFile("vendor/echarts.min.js")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`"6.1.0"`)) {
		t.Error("vendor/echarts.min.js does not look like ECharts 6.1.0")
	}
	lic, err := os.ReadFile("vendor/echarts.LICENSE")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(lic, []byte("Apache License")) {
		t.Error("vendor/echarts.LICENSE is not the Apache License")
	}
}
