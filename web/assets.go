package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

//go:embed static
var staticFS embed.FS

// asset is one embedded static file.
type asset struct {
	body        []byte
	hash        string // first 12 hex digits of its SHA-256
	contentType string

	gzipOnce sync.Once
	gzipped  []byte // nil when compression does not pay
}

// assets are the embedded static files, hashed at start-up. Their URLs
// carry the hash (/static/<hash>/<path>), so they can be cached for a year:
// a new build changes the URL of every file that changed.
type assets struct {
	files map[string]*asset // path under static/ → file
}

// loadAssets reads and hashes every embedded static file.
func loadAssets() (*assets, error) {
	as := &assets{files: map[string]*asset{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFS.ReadFile(p)
		if err != nil {
			return fmt.Errorf("read %s: %w", p, err)
		}
		sum := sha256.Sum256(body)
		ct := mime.TypeByExtension(path.Ext(p))
		if ct == "" {
			ct = "text/plain; charset=utf-8" // LICENSE, NOTICE, VERSIONS
		}
		as.files[strings.TrimPrefix(p, "static/")] = &asset{body: body, hash: hex.EncodeToString(sum[:6]), contentType: ct}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return as, nil
}

// URL returns the versioned URL of a static file. A name that is not
// embedded is a bug in a template: it panics at start-up, when templates
// are first rendered in tests.
func (as *assets) URL(name string) string {
	a, ok := as.files[name]
	if !ok {
		panic(fmt.Sprintf("web: no static asset %q", name))
	}
	return "/static/" + a.hash + "/" + name
}

// compressible reports whether a content type is worth gzipping.
func compressible(ct string) bool {
	return strings.HasPrefix(ct, "text/") || strings.Contains(ct, "javascript") || strings.Contains(ct, "json") || strings.Contains(ct, "svg")
}

// gzipBody returns the gzipped file, compressed on first use.
func (a *asset) gzipBody() []byte {
	a.gzipOnce.Do(func() {
		if len(a.body) < 1024 || !compressible(a.contentType) {
			return
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if _, err := zw.Write(a.body); err != nil {
			return
		}
		if err := zw.Close(); err != nil {
			return
		}
		if buf.Len() < len(a.body) {
			a.gzipped = buf.Bytes()
		}
	})
	return a.gzipped
}

// acceptsGzip reports whether the client accepts gzip content coding.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") && strings.ReplaceAll(params, " ", "") != "q=0" {
			return true
		}
	}
	return false
}

// handleStatic serves GET /static/{hash}/{path...}. A current hash gets a
// year of immutable caching; an old hash (a page cached before an upgrade)
// still gets the file, but with caching that makes the browser check again.
func (s *Server) handleStatic(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("path")
	a, ok := s.assets.files[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	if r.PathValue("hash") == a.hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	h.Set("Content-Type", a.contentType)
	h.Set("Vary", "Accept-Encoding")
	etag := `"` + a.hash + `"`
	body := a.body
	if gz := a.gzipBody(); gz != nil && acceptsGzip(r) && r.Header.Get("Range") == "" {
		h.Set("Content-Encoding", "gzip")
		body = gz
		etag = `"` + a.hash + `-gz"`
	}
	h.Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}
