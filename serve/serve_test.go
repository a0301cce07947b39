package serve

import (
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dist is a small built page: every kind of file, some with precompressed siblings.
func dist() fstest.MapFS {
	file := func(s string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte(s), ModTime: time.Unix(1_700_000_000, 0)}
	}
	return fstest.MapFS{
		"index.html":            file("<!doctype html><title>raftplay</title>"),
		"index.html.gz":         file("gz(index)"),
		"index.html.br":         file("br(index)"),
		"app.wasm":              file("\x00asm wasm bytes"),
		"app.wasm.gz":           file("gz(wasm)"),
		"app.wasm.br":           file("br(wasm)"),
		"wasm_exec.js":          file("globalThis.Go = class {}"),
		"wasm_exec.js.gz":       file("gz(wasm_exec)"),
		"js/main.js":            file("import './bridge.js'"),
		"js/bridge.mjs":         file("export {}"),
		"css/page.css":          file("body{}"),
		"css/page.css.gz":       file("gz(css)"),
		"img/logo.svg":          file("<svg/>"),
		"data/lesson.json":      file("{}"),
		"app.3f9a1c2b.wasm":     file("hashed wasm"),
		"docs/index.html":       file("docs"),
		"notes.unknownext":      file("?"),
		"only-compressed.js.br": file("br(orphan)"),
	}
}

func get(t *testing.T, h http.Handler, method, target string, headers ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return string(b)
}

func TestContentTypes(t *testing.T) {
	s := New(dist(), Options{})
	tests := []struct{ path, want string }{
		{"/", "text/html; charset=utf-8"},
		{"/index.html", "text/html; charset=utf-8"},
		{"/app.wasm", "application/wasm"},
		{"/wasm_exec.js", "text/javascript; charset=utf-8"},
		{"/js/main.js", "text/javascript; charset=utf-8"},
		{"/js/bridge.mjs", "text/javascript; charset=utf-8"},
		{"/css/page.css", "text/css; charset=utf-8"},
		{"/img/logo.svg", "image/svg+xml"},
		{"/data/lesson.json", "application/json"},
		{"/notes.unknownext", "application/octet-stream"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res := get(t, s, "GET", tt.path)
			require.Equal(t, http.StatusOK, res.StatusCode)
			assert.Equal(t, tt.want, res.Header.Get("Content-Type"))
			assert.Empty(t, res.Header.Get("Content-Encoding"))
		})
	}
}

func TestIndexForRoot(t *testing.T) {
	s := New(dist(), Options{})
	for _, p := range []string{"/", "/index.html"} {
		res := get(t, s, "GET", p)
		require.Equal(t, http.StatusOK, res.StatusCode, p)
		assert.Equal(t, "<!doctype html><title>raftplay</title>", body(t, res), p)
	}
	res := get(t, s, "GET", "/docs/")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "docs", body(t, res))
}

func TestPrecompressedNegotiation(t *testing.T) {
	s := New(dist(), Options{})
	tests := []struct {
		name, path, accept string
		wantEncoding       string
		wantBody           string
	}{
		{"brotli preferred", "/app.wasm", "gzip, deflate, br", "br", "br(wasm)"},
		{"gzip only", "/app.wasm", "gzip", "gzip", "gz(wasm)"},
		{"x-gzip", "/app.wasm", "x-gzip", "gzip", "gz(wasm)"},
		{"brotli refused with q=0", "/app.wasm", "br;q=0, gzip;q=0.8", "gzip", "gz(wasm)"},
		{"everything refused", "/app.wasm", "br;q=0, gzip;q=0.000", "", "\x00asm wasm bytes"},
		{"wildcard", "/app.wasm", "*", "br", "br(wasm)"},
		{"wildcard but not br", "/app.wasm", "br;q=0, *;q=0.1", "gzip", "gz(wasm)"},
		{"wildcard refused", "/app.wasm", "*;q=0", "", "\x00asm wasm bytes"},
		{"no header", "/app.wasm", "", "", "\x00asm wasm bytes"},
		{"identity only", "/app.wasm", "identity", "", "\x00asm wasm bytes"},
		{"case and spaces", "/app.wasm", " BR ; Q=1 ", "br", "br(wasm)"},
		{"no br sibling", "/wasm_exec.js", "br, gzip", "gzip", "gz(wasm_exec)"},
		{"no sibling at all", "/js/main.js", "br, gzip", "", "import './bridge.js'"},
		{"css gzip", "/css/page.css", "br, gzip", "gzip", "gz(css)"},
		{"index br", "/", "br", "br", "br(index)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := get(t, s, "GET", tt.path, "Accept-Encoding", tt.accept)
			require.Equal(t, http.StatusOK, res.StatusCode)
			assert.Equal(t, tt.wantEncoding, res.Header.Get("Content-Encoding"))
			assert.Equal(t, tt.wantBody, body(t, res))
			assert.Equal(t, "Accept-Encoding", res.Header.Get("Vary"))
			name := tt.path
			if strings.HasSuffix(name, "/") {
				name += "index.html"
			}
			assert.Equal(t, ContentType(name), res.Header.Get("Content-Type"), "the type of the original, not of the sibling")
		})
	}
}

func TestCompressedSiblingWithoutOriginalIsNotServed(t *testing.T) {
	s := New(dist(), Options{})
	res := get(t, s, "GET", "/only-compressed.js", "Accept-Encoding", "br")
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
}

func TestETagAndNotModified(t *testing.T) {
	s := New(dist(), Options{})
	plain := get(t, s, "GET", "/app.wasm")
	br := get(t, s, "GET", "/app.wasm", "Accept-Encoding", "br")
	etag, brTag := plain.Header.Get("ETag"), br.Header.Get("ETag")
	require.Regexp(t, `^"[0-9a-f]{32}"$`, etag)
	require.Regexp(t, `^"[0-9a-f]{32}"$`, brTag)
	assert.NotEqual(t, etag, brTag, "each encoding is its own representation")
	assert.Equal(t, etag, get(t, s, "GET", "/app.wasm").Header.Get("ETag"), "stable")

	tests := []struct {
		name, ifNoneMatch, accept string
		want                      int
	}{
		{"same", etag, "", http.StatusNotModified},
		{"weak form matches", "W/" + etag, "", http.StatusNotModified},
		{"in a list", `"nope", ` + etag, "", http.StatusNotModified},
		{"star", "*", "", http.StatusNotModified},
		{"other", `"0123"`, "", http.StatusOK},
		{"br tag for br", brTag, "br", http.StatusNotModified},
		{"plain tag for br", etag, "br", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := get(t, s, "GET", "/app.wasm", "If-None-Match", tt.ifNoneMatch, "Accept-Encoding", tt.accept)
			require.Equal(t, tt.want, res.StatusCode)
			assert.NotEmpty(t, res.Header.Get("ETag"))
			assert.Equal(t, "Accept-Encoding", res.Header.Get("Vary"))
			assert.Equal(t, "no-cache", res.Header.Get("Cache-Control"))
			if tt.want == http.StatusNotModified {
				assert.Empty(t, body(t, res))
				assert.Empty(t, res.Header.Get("Content-Encoding"))
			}
		})
	}
}

func TestETagFollowsTheContent(t *testing.T) {
	files := dist()
	s := New(files, Options{})
	before := get(t, s, "GET", "/js/main.js").Header.Get("ETag")
	files["js/main.js"] = &fstest.MapFile{Data: []byte("changed"), ModTime: time.Unix(1_800_000_000, 0)}
	res := get(t, s, "GET", "/js/main.js", "If-None-Match", before)
	require.Equal(t, http.StatusOK, res.StatusCode, "a rebuilt file must not be answered 304")
	assert.NotEqual(t, before, res.Header.Get("ETag"))
	assert.Equal(t, "changed", body(t, res))
}

func TestCacheControl(t *testing.T) {
	s := New(dist(), Options{})
	tests := []struct{ path, want string }{
		{"/", "no-cache"},
		{"/index.html", "no-cache"},
		{"/app.wasm", "no-cache"},
		{"/js/main.js", "no-cache"},
		{"/app.3f9a1c2b.wasm", "public, max-age=31536000, immutable"},
	}
	for _, tt := range tests {
		res := get(t, s, "GET", tt.path)
		require.Equal(t, http.StatusOK, res.StatusCode, tt.path)
		assert.Equal(t, tt.want, res.Header.Get("Cache-Control"), tt.path)
	}
	assert.Equal(t, "no-cache", CacheControl("main.abc.js"), "too short to be a hash")
	assert.Equal(t, "no-cache", CacheControl("3f9a1c2b3f9a.js"), "a hash needs a name before it")
	assert.Equal(t, "public, max-age=31536000, immutable", CacheControl("css/page.0123456789abcdef.css"))
	// The bundle's shared chunks (scripts/bundle-page.mjs): content-hashed by esbuild.
	assert.Equal(t, "public, max-age=31536000, immutable", CacheControl("js/chunk-2STVDLKZ.js"))
	assert.Equal(t, "no-cache", CacheControl("js/chunk-2STVDLKZ.js.map"), "a source map is not")
	assert.Equal(t, "no-cache", CacheControl("js/chunk-abc.js"), "not esbuild's hash")
	assert.Equal(t, "no-cache", CacheControl("js/mychunk-2STVDLKZ.js"), "not a chunk's name")
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	s := New(dist(), Options{})
	s.HandleFunc("POST /api/share", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusCreated) })
	tests := []struct {
		method, path string
		want         int
		document     bool // whether the response carries the DocumentHeaders too
	}{
		{"GET", "/", http.StatusOK, true},
		{"HEAD", "/", http.StatusOK, true},
		{"GET", "/docs/index.html", http.StatusOK, true},
		{"GET", "/img/logo.svg", http.StatusOK, true},
		{"GET", "/notes.unknownext", http.StatusOK, true},
		{"GET", "/app.wasm.gz", http.StatusOK, true},
		{"GET", "/missing.js", http.StatusNotFound, true},
		{"POST", "/js/main.js", http.StatusMethodNotAllowed, true},
		{"POST", "/", http.StatusMethodNotAllowed, true},
		{"GET", "/api/nothing", http.StatusNotFound, true},
		{"POST", "/api/share", http.StatusCreated, true},
		{"GET", "/app.wasm", http.StatusNotModified, false},
		{"GET", "/app.3f9a1c2b.wasm", http.StatusOK, false},
		{"GET", "/wasm_exec.js", http.StatusOK, false},
		{"GET", "/js/main.js", http.StatusOK, false},
		{"HEAD", "/js/bridge.mjs", http.StatusOK, false},
		{"GET", "/css/page.css", http.StatusOK, false},
		{"GET", "/data/lesson.json", http.StatusOK, false},
	}
	etag := get(t, s, "GET", "/app.wasm", "Accept-Encoding", "br, gzip").Header.Get("ETag")
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			res := get(t, s, tt.method, tt.path, "If-None-Match", etag, "Accept-Encoding", "br, gzip")
			require.Equal(t, tt.want, res.StatusCode)
			assert.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"), "every response")
			if tt.document {
				assert.Equal(t, DefaultCSP, res.Header.Get("Content-Security-Policy"))
				assert.Equal(t, "no-referrer", res.Header.Get("Referrer-Policy"))
			} else {
				for _, name := range DocumentHeaders {
					assert.Empty(t, res.Header.Values(name), "%s is only for documents", name)
				}
			}
		})
	}
}

func TestSubresource(t *testing.T) {
	for _, name := range []string{"js/main.js", "x.MJS", "css/a.css", "app.wasm", "lessons.json", "a.js.map"} {
		assert.True(t, Subresource(name), name)
	}
	for _, name := range []string{"index.html", "logo.svg", "notes.txt", "app.wasm.br", "x.js.gz", "README", "a.webmanifest", "_headers"} {
		assert.False(t, Subresource(name), name)
	}
}

func TestCSPOption(t *testing.T) {
	s := New(dist(), Options{CSP: "default-src 'none'"})
	assert.Equal(t, "default-src 'none'", get(t, s, "GET", "/").Header.Get("Content-Security-Policy"))
	assert.Contains(t, DefaultCSP, "script-src 'self' 'wasm-unsafe-eval'")
	assert.NotContains(t, DefaultCSP, "unsafe-inline")
}

func TestAPINotFoundIsJSON(t *testing.T) {
	s := New(dist(), Options{})
	for _, method := range []string{"GET", "POST", "DELETE"} {
		res := get(t, s, method, "/api/share/abc")
		require.Equal(t, http.StatusNotFound, res.StatusCode)
		assert.Equal(t, "application/json", res.Header.Get("Content-Type"))
		var got struct{ Error string }
		require.NoError(t, json.Unmarshal([]byte(body(t, res)), &got))
		assert.Equal(t, "no API route /api/share/abc", got.Error)
	}
}

func TestAddedRoutes(t *testing.T) {
	s := New(dist(), Options{})
	s.Handle("GET /api/status", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "fine")
	}))
	res := get(t, s, "GET", "/api/status")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "fine", body(t, res))
	assert.Equal(t, http.StatusNotFound, get(t, s, "GET", "/api/other").StatusCode)
	assert.Equal(t, http.StatusOK, get(t, s, "GET", "/").StatusCode, "static files still served")
}

func TestNotFoundAndOddPaths(t *testing.T) {
	s := New(dist(), Options{})
	tests := []struct {
		path string
		want int
	}{
		{"/missing.html", http.StatusNotFound},
		{"/js", http.StatusNotFound},  // a directory without an index
		{"/js/", http.StatusNotFound}, // likewise
		{"/img/", http.StatusNotFound},
		{"/js/../app.wasm", http.StatusTemporaryRedirect}, // the mux cleans paths
		{"/%2e%2e/etc/passwd", http.StatusNotFound},
		{"/app.wasm%00", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res := get(t, s, "GET", tt.path)
			assert.Equal(t, tt.want, res.StatusCode)
		})
	}
}

func TestHead(t *testing.T) {
	s := New(dist(), Options{})
	res := get(t, s, "HEAD", "/app.wasm", "Accept-Encoding", "br")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "application/wasm", res.Header.Get("Content-Type"))
	assert.Equal(t, "br", res.Header.Get("Content-Encoding"))
	assert.Equal(t, "8", res.Header.Get("Content-Length"))
	assert.Empty(t, body(t, res))
}

func TestRangesOfCompressedBodiesAreIgnored(t *testing.T) {
	s := New(dist(), Options{})
	res := get(t, s, "GET", "/app.wasm", "Accept-Encoding", "br", "Range", "bytes=0-2")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "br(wasm)", body(t, res))
	res = get(t, s, "GET", "/app.wasm", "Range", "bytes=0-3")
	require.Equal(t, http.StatusPartialContent, res.StatusCode)
	assert.Equal(t, "\x00asm", body(t, res))
}

func TestMethodNotAllowed(t *testing.T) {
	s := New(dist(), Options{})
	res := get(t, s, "PUT", "/app.wasm")
	require.Equal(t, http.StatusMethodNotAllowed, res.StatusCode)
	assert.Equal(t, "GET, HEAD", res.Header.Get("Allow"))
}

// plainFS hides the io.Seeker of its files, as some fs.FS implementations do.
type plainFS struct{ fs.FS }

type plainFile struct{ f fs.File }

func (p plainFS) Open(name string) (fs.File, error) {
	f, err := p.FS.Open(name)
	if err != nil {
		return nil, err
	}
	return plainFile{f}, nil
}
func (p plainFile) Stat() (fs.FileInfo, error) { return p.f.Stat() }
func (p plainFile) Read(b []byte) (int, error) { return p.f.Read(b) }
func (p plainFile) Close() error               { return p.f.Close() }

func TestFilesWithoutSeek(t *testing.T) {
	s := New(plainFS{dist()}, Options{})
	res := get(t, s, "GET", "/app.wasm", "Accept-Encoding", "gzip")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "gz(wasm)", body(t, res))
	assert.NotEmpty(t, res.Header.Get("ETag"))
}

func TestAcceptedEncodings(t *testing.T) {
	tests := []struct {
		header string
		want   uint8 // bit 0: br, bit 1: gzip
	}{
		{"", 0},
		{"br", 1},
		{"gzip", 2},
		{"gzip, br", 3},
		{"br;q=0", 0},
		{"br;q=0.0, gzip;q=1.0", 2},
		{"br;q=0.001", 1},
		{"br; foo=bar; q=0", 0},
		{"br;q=", 1},
		{"*", 3},
		{"*;q=0, br", 1},
		{"deflate, identity", 0},
		{",,;;=", 0},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, acceptedEncodings(tt.header), tt.header)
	}
}

func FuzzAcceptedEncodings(f *testing.F) {
	for _, seed := range []string{"", "br", "gzip, deflate, br", "br;q=0, *;q=0.5", "x-gzip;q=1.000", ";;,=q"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		got := acceptedEncodings(header)
		if got > 3 {
			t.Fatalf("acceptedEncodings(%q) = %b: bits beyond the known encodings", header, got)
		}
		if !strings.Contains(strings.ToLower(header), "br") && !strings.Contains(header, "*") && got&1 != 0 {
			t.Fatalf("acceptedEncodings(%q) accepts br without naming it", header)
		}
	})
}

func BenchmarkServeWasm(b *testing.B) {
	s := New(dist(), Options{})
	req := httptest.NewRequest("GET", "/app.wasm", nil)
	req.Header.Set("Accept-Encoding", "gzip, br")
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
}

// TestETagWithoutLastModified: files revalidate by their ETag alone; a Last-Modified
// would only add bytes to every response of the page.
func TestETagWithoutLastModified(t *testing.T) {
	s := New(dist(), Options{})
	res := get(t, s, "GET", "/app.wasm")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.NotEmpty(t, res.Header.Get("ETag"))
	assert.Empty(t, res.Header.Values("Last-Modified"))
	again := get(t, s, "GET", "/app.wasm", "If-Modified-Since", time.Now().UTC().Format(http.TimeFormat))
	assert.Equal(t, http.StatusOK, again.StatusCode, "a date is no validator without Last-Modified")
	same := get(t, s, "GET", "/app.wasm", "If-None-Match", res.Header.Get("ETag"))
	assert.Equal(t, http.StatusNotModified, same.StatusCode)
}
