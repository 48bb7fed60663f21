// Package static embeds KAM's stylesheets, scripts and vendored libraries
// and serves them under content-hashed URLs.
//
// A file is addressed as /static/{hash}/{path}, where hash is the first 12 hex
// digits of the SHA-256 of its bytes. Templates ask URL for the address, so a
// new release changes the URL of every changed file and browsers may cache
// each one for a year. Nothing is fetched from a CDN: ECharts is vendored in
// vendor/ from its npm package, so pages work without internet access.
package static

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
)

//go:embed css js vendor
var files embed.FS

// Prefix is the path under which Handler serves files.
const Prefix = "/static/"

// hashLen is the number of hex digits of the SHA-256 kept in URLs.
const hashLen = 12

const (
	cacheImmutable  = "public, max-age=31536000, immutable"
	cacheRevalidate = "no-cache"
)

// asset is one embedded file, read and hashed once.
type asset struct {
	data        []byte
	hash        string
	contentType string
	compress    bool // worth gzipping (text formats)

	gzipOnce sync.Once
	gzipped  []byte // nil when gzip does not make the file smaller
}

// gz returns the gzipped bytes, computing them on first use, or nil if the
// asset is not worth compressing.
func (a *asset) gz() []byte {
	if !a.compress {
		return nil
	}
	a.gzipOnce.Do(func() {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(a.data) // writes to a bytes.Buffer cannot fail
		zw.Close()
		if buf.Len() < len(a.data) {
			a.gzipped = buf.Bytes()
		}
	})
	return a.gzipped
}

var (
	loadOnce sync.Once
	assets   map[string]*asset
)

func load() map[string]*asset {
	loadOnce.Do(func() {
		assets = make(map[string]*asset)
		err := fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := files.ReadFile(name)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			ct, compress := contentType(name)
			assets[name] = &asset{
				data:        data,
				hash:        hex.EncodeToString(sum[:])[:hashLen],
				contentType: ct,
				compress:    compress,
			}
			return nil
		})
		if err != nil {
			// The files are compiled in; failing to read them is a bug.
			panic("static: " + err.Error())
		}
	})
	return assets
}

// contentType returns the Content-Type for a file name and whether the
// format is text that compresses well.
func contentType(name string) (string, bool) {
	switch ext := strings.ToLower(path.Ext(name)); ext {
	case ".css":
		return "text/css; charset=utf-8", true
	case ".js", ".mjs":
		return "application/javascript; charset=utf-8", true
	case ".json", ".map":
		return "application/json; charset=utf-8", true
	case ".svg":
		return "image/svg+xml", true
	case ".html":
		return "text/html; charset=utf-8", true
	case "", ".txt", ".license", ".notice", ".md":
		return "text/plain; charset=utf-8", true
	case ".png":
		return "image/png", false
	case ".ico":
		return "image/x-icon", false
	case ".woff2":
		return "font/woff2", false
	default:
		if ct := mime.TypeByExtension(ext); ct != "" {
			return ct, strings.HasPrefix(ct, "text/")
		}
		return "application/octet-stream", false
	}
}

// URL returns the cache-busting address of an embedded file, such as
// URL("css/app.css") = "/static/3f2a9c0d1e4b/css/app.css". For a name that
// is not embedded it returns a URL with the hash "missing", which Handler
// answers with 404, so a typo in a template shows up as a broken asset rather
// than a crash.
func URL(name string) string {
	name = strings.TrimPrefix(name, "/")
	if a, ok := load()[name]; ok {
		return Prefix + a.hash + "/" + name
	}
	return Prefix + "missing/" + name
}

// Names returns the paths of all embedded files, sorted.
func Names() []string {
	m := load()
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Handler serves the embedded files at /static/{hash}/{path}; mount it on
// "/static/" without stripping the prefix. A request with the file's current
// hash gets a one-year immutable Cache-Control; one with another hash (an old
// page after a release, say) still gets the file, marked for revalidation.
// Responses carry an ETag, answer If-None-Match with 304, and are gzipped
// when the client accepts it.
func Handler() http.Handler {
	load()
	return http.HandlerFunc(serve)
}

func serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, Prefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	hash, name, ok := strings.Cut(rest, "/")
	if !ok || hash == "" || name == "" || name != path.Clean(name) {
		http.NotFound(w, r)
		return
	}
	a, ok := load()[name]
	if !ok {
		http.NotFound(w, r)
		return
	}

	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	etag := `"` + a.hash + `"`
	h.Set("ETag", etag)
	if hash == a.hash {
		h.Set("Cache-Control", cacheImmutable)
	} else {
		h.Set("Cache-Control", cacheRevalidate)
	}
	if a.compress {
		h.Add("Vary", "Accept-Encoding")
	}
	if etagMatch(r.Header.Get("If-None-Match"), a.hash) {
		w.WriteHeader(http.StatusNotModified)
		return
	}

	body := a.data
	if acceptsGzip(r.Header.Get("Accept-Encoding")) {
		if gz := a.gz(); gz != nil {
			body = gz
			h.Set("Content-Encoding", "gzip")
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// etagMatch reports whether an If-None-Match header names the asset's hash,
// ignoring weak markers and the "-gzip"-style suffixes some proxies add.
func etagMatch(header, hash string) bool {
	if header == "" {
		return false
	}
	for tag := range strings.SplitSeq(header, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" {
			return true
		}
		tag = strings.TrimPrefix(tag, "W/")
		tag = strings.Trim(tag, `"`)
		if tag == hash || strings.HasPrefix(tag, hash+"-") {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip
// (explicitly or through "*") with a non-zero quality.
func acceptsGzip(header string) bool {
	gzipQ, starQ := -1.0, -1.0
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		switch strings.ToLower(strings.TrimSpace(coding)) {
		case "gzip", "x-gzip":
			gzipQ = q
		case "*":
			starQ = q
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return starQ > 0
}
