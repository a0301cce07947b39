package serve

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// contentTypes maps the extensions the page uses to their media types. The table is
// explicit rather than taken from the system's mime.types, which differs between
// machines.
var contentTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".wasm":        "application/wasm",
	".json":        "application/json",
	".map":         "application/json",
	".webmanifest": "application/manifest+json",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".jpg":         "image/jpeg",
	".webp":        "image/webp",
	".ico":         "image/x-icon",
	".woff2":       "font/woff2",
	".txt":         "text/plain; charset=utf-8",
	".gz":          "application/gzip",
	".br":          "application/x-brotli",
}

// ContentType returns the media type a file is served with, from its extension.
func ContentType(name string) string {
	if t, ok := contentTypes[strings.ToLower(path.Ext(name))]; ok {
		return t
	}
	return "application/octet-stream"
}

// hashedName matches a content-hashed file name: a dot-separated part of 8 or more hex
// digits before the extension, as in app.3f9a1c2b.wasm or main.0123abcd4567.js, or a
// chunk of the page's bundle, chunk-2STVDLKZ.js (esbuild's 8-character hash of the
// chunk's content; scripts/bundle-page.mjs names them so). Their source maps are not:
// a map is fetched only by developer tools.
var hashedName = regexp.MustCompile(`(\.[0-9a-f]{8,}|^chunk-[A-Z0-9]{8})\.[a-z0-9]+$`)

// CacheControl returns the Cache-Control a file is served with: a year, immutable, for
// a content-hashed name (its content never changes under that name), else no-cache,
// so that the browser revalidates with the ETag (a cheap 304 when nothing changed).
func CacheControl(name string) string {
	if hashedName.MatchString(path.Base(name)) {
		return "public, max-age=31536000, immutable"
	}
	return "no-cache"
}

// encodings are the precompressed siblings looked for, best first.
var encodings = []struct{ name, suffix string }{{"br", ".br"}, {"gzip", ".gz"}}

// fileServer serves the files of an fs.FS.
type fileServer struct {
	files fs.FS
	mu    sync.Mutex
	etags map[string]etagEntry // by file name, valid while size and mtime are unchanged
}

type etagEntry struct {
	size    int64
	modTime time.Time
	etag    string
}

func newFileServer(files fs.FS) *fileServer {
	return &fileServer{files: files, etags: make(map[string]etagEntry)}
}

func (s *fileServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(r.URL.Path, "/")
	if name == "" || strings.HasSuffix(name, "/") {
		name += "index.html"
	}
	if !fs.ValidPath(name) || !plainName(name) {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Vary", "Accept-Encoding")
	served, encoding := name, ""
	if accepted := acceptedEncodings(r.Header.Get("Accept-Encoding")); accepted != 0 {
		for i, enc := range encodings {
			if accepted&(1<<i) != 0 && s.isFile(name+enc.suffix) && s.isFile(name) {
				served, encoding = name+enc.suffix, enc.name
				break
			}
		}
	}
	f, info, err := s.open(served)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrInvalid) {
			http.NotFound(w, r)
			return
		}
		http.Error(w, "500 internal server error", http.StatusInternalServerError)
		return
	}
	defer f.Close()
	content, err := seeker(f, info)
	if err != nil {
		http.Error(w, "500 internal server error", http.StatusInternalServerError)
		return
	}
	etag, err := s.etag(served, info, content)
	if err != nil {
		http.Error(w, "500 internal server error", http.StatusInternalServerError)
		return
	}
	h.Set("Content-Type", ContentType(name))
	if Subresource(name) {
		for _, doc := range DocumentHeaders {
			h.Del(doc)
		}
	}
	h.Set("Cache-Control", CacheControl(name))
	h.Set("ETag", etag)
	if encoding != "" {
		// http.ServeContent leaves out Content-Length for an encoded body; the browser
		// wants it (download progress), and ranges of a compressed body are of no use,
		// so the whole body is always sent.
		h.Set("Content-Encoding", encoding)
		h.Set("Content-Length", strconv.FormatInt(info.Size(), 10))
		r = r.Clone(r.Context())
		r.Header.Del("Range")
	}
	// No modification time: the strong ETag is how a browser revalidates, and without it
	// ServeContent sends no Last-Modified (46 bytes on each of the page's files).
	http.ServeContent(w, r, name, time.Time{}, content)
}

// isFile reports whether name is a regular file.
func (s *fileServer) isFile(name string) bool {
	info, err := fs.Stat(s.files, name)
	return err == nil && info.Mode().IsRegular()
}

// open opens a regular file; a directory is reported as not existing.
func (s *fileServer) open(name string) (fs.File, fs.FileInfo, error) {
	f, err := s.files.Open(name)
	if err != nil {
		return nil, nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, nil, fmt.Errorf("serve %s: not a regular file: %w", name, fs.ErrNotExist)
	}
	return f, info, nil
}

// seeker returns the file as an io.ReadSeeker, reading it into memory if its FS does
// not give one.
func seeker(f fs.File, info fs.FileInfo) (io.ReadSeeker, error) {
	if rs, ok := f.(io.ReadSeeker); ok {
		return rs, nil
	}
	data, err := io.ReadAll(io.LimitReader(f, info.Size()+1))
	if err != nil {
		return nil, err
	}
	return bytes.NewReader(data), nil
}

// etag returns the strong ETag of a file: a hash of its bytes, computed once per
// version of the file (a rebuilt dist/ gets new ETags at once).
func (s *fileServer) etag(name string, info fs.FileInfo, content io.ReadSeeker) (string, error) {
	s.mu.Lock()
	e, ok := s.etags[name]
	s.mu.Unlock()
	if ok && e.size == info.Size() && e.modTime.Equal(info.ModTime()) {
		return e.etag, nil
	}
	sum := sha256.New()
	if _, err := io.Copy(sum, content); err != nil {
		return "", err
	}
	if _, err := content.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	etag := `"` + hex.EncodeToString(sum.Sum(nil)[:16]) + `"`
	s.mu.Lock()
	s.etags[name] = etagEntry{size: info.Size(), modTime: info.ModTime(), etag: etag}
	s.mu.Unlock()
	return etag, nil
}

// acceptedEncodings parses an Accept-Encoding header into a bit set over encodings
// (bit i: encodings[i] is acceptable). A coding with q=0 is refused; "*" stands for
// every coding not named.
func acceptedEncodings(header string) uint8 {
	var named, accepted uint8
	wildcard := false
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(part, ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		ok := qualityPositive(params)
		if coding == "*" {
			wildcard = ok
			continue
		}
		for i, enc := range encodings {
			if coding == enc.name || (enc.name == "gzip" && coding == "x-gzip") {
				named |= 1 << i
				if ok {
					accepted |= 1 << i
				}
			}
		}
	}
	if wildcard {
		accepted |= ^named & (1<<len(encodings) - 1)
	}
	return accepted
}

// qualityPositive reads the parameters after a coding (";q=0.5") and reports whether
// its quality is above zero (a missing or unreadable q counts as 1).
func qualityPositive(params string) bool {
	for p := range strings.SplitSeq(params, ";") {
		key, value, found := strings.Cut(strings.TrimSpace(p), "=")
		if !found || strings.ToLower(strings.TrimSpace(key)) != "q" {
			continue
		}
		value = strings.TrimSpace(value)
		if value == "" {
			return true
		}
		// q is a number in [0, 1] with at most three decimals: it is zero exactly
		// when every digit is 0.
		return strings.Trim(value, "0.") != ""
	}
	return true
}

// plainName reports whether name is free of control characters and backslashes, which
// no file of the site has and which a disk may refuse outright (a NUL byte), so that
// such a name is a plain 404.
func plainName(name string) bool {
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return false
		}
	}
	return true
}
