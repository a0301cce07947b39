package share

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/raftplay/raftplay/serve"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// memStore is a Store in memory that counts its calls and can be made to fail.
type memStore struct {
	mu         sync.Mutex
	data       map[string][]byte
	puts, gets int
	putErr     error
	getErr     error
}

func newMemStore() *memStore { return &memStore{data: make(map[string][]byte)} }

func (m *memStore) Put(_ context.Context, id string, data []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.puts++
	if m.putErr != nil {
		return m.putErr
	}
	m.data[id] = append([]byte(nil), data...)
	return nil
}

func (m *memStore) Get(_ context.Context, id string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gets++
	if m.getErr != nil {
		return nil, m.getErr
	}
	data, ok := m.data[id]
	if !ok {
		return nil, ErrNotFound
	}
	return data, nil
}

const indexHTML = `<!doctype html><title>raftplay</title><script type="module" src="js/main.js"></script>`

// site is a served page with the share routes on a store.
func site(store Store) *serve.Server {
	file := func(s string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte(s), ModTime: time.Unix(1_700_000_000, 0)}
	}
	s := serve.New(fstest.MapFS{
		"index.html":    file(indexHTML),
		"index.html.br": file("br(index)"),
		"app.wasm":      file("\x00asm"),
		"js/main.js":    file("export {}"),
	}, serve.Options{})
	Register(s, store)
	return s
}

// request sends one request to h; headers come in name, value pairs.
func request(t *testing.T, h http.Handler, method, target, body string, headers ...string) *http.Response {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, r)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func post(t *testing.T, h http.Handler, body string) *http.Response {
	t.Helper()
	return request(t, h, "POST", "/api/share", body, "Content-Type", "application/json")
}

func readAll(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return string(b)
}

// assertSecurityHeaders checks the headers serve.Server adds to every response.
func assertSecurityHeaders(t *testing.T, res *http.Response) {
	t.Helper()
	assert.Equal(t, serve.DefaultCSP, res.Header.Get("Content-Security-Policy"))
	assert.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))
	assert.Equal(t, "no-referrer", res.Header.Get("Referrer-Policy"))
}

// jsonError reads an error answer and checks its form.
func jsonError(t *testing.T, res *http.Response) string {
	t.Helper()
	assert.Equal(t, "application/json", res.Header.Get("Content-Type"))
	assert.Equal(t, "no-store", res.Header.Get("Cache-Control"))
	assertSecurityHeaders(t, res)
	var e struct {
		Error string `json:"error"`
	}
	require.NoError(t, json.Unmarshal([]byte(readAll(t, res)), &e))
	require.NotEmpty(t, e.Error)
	return e.Error
}

func TestShareRoundTrip(t *testing.T) {
	store := newMemStore()
	s := site(store)
	canonical, id := canonicalOf(t, withActions)

	res := post(t, s, withActions)
	require.Equal(t, http.StatusCreated, res.StatusCode)
	assert.Equal(t, "application/json", res.Header.Get("Content-Type"))
	assert.Equal(t, "no-store", res.Header.Get("Cache-Control"))
	assert.Equal(t, "/api/share/"+id, res.Header.Get("Location"))
	assertSecurityHeaders(t, res)
	var answer struct{ ID, URL string }
	require.NoError(t, json.Unmarshal([]byte(readAll(t, res)), &answer))
	assert.Equal(t, id, answer.ID)
	assert.Equal(t, "/s/"+id, answer.URL)
	assert.Equal(t, canonical, store.data[id], "the canonical form is stored")

	res = request(t, s, "GET", "/api/share/"+id, "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "application/json", res.Header.Get("Content-Type"))
	assert.Equal(t, "public, max-age=31536000, immutable", res.Header.Get("Cache-Control"))
	assert.Equal(t, `"`+id+`"`, res.Header.Get("ETag"))
	assert.Equal(t, string(canonical), readAll(t, res))
	assertSecurityHeaders(t, res)

	res = request(t, s, "HEAD", "/api/share/"+id, "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "application/json", res.Header.Get("Content-Type"))
	assert.Equal(t, `"`+id+`"`, res.Header.Get("ETag"))
	assert.Empty(t, readAll(t, res))
}

func TestSharingAgainAnswersOKWithoutAWrite(t *testing.T) {
	store := newMemStore()
	s := site(store)
	first := post(t, s, minimal)
	require.Equal(t, http.StatusCreated, first.StatusCode)
	firstBody := readAll(t, first)
	// Another spelling of the same scenario.
	again := request(t, s, "POST", "/api/share", `{ "seed": 7, "v": 1 }`, "Content-Type", "application/json; charset=utf-8")
	require.Equal(t, http.StatusOK, again.StatusCode)
	assert.Equal(t, firstBody, readAll(t, again))
	assert.Equal(t, first.Header.Get("Location"), again.Header.Get("Location"))
	assert.Equal(t, 1, store.puts, "the second POST writes nothing")
}

func TestConditionalGet(t *testing.T) {
	store := newMemStore()
	s := site(store)
	_, id := canonicalOf(t, minimal)
	require.Equal(t, http.StatusCreated, post(t, s, minimal).StatusCode)
	gets := store.gets
	tests := []struct {
		name, ifNoneMatch string
		want              int
	}{
		{"same etag", `"` + id + `"`, http.StatusNotModified},
		{"weak form", `W/"` + id + `"`, http.StatusNotModified},
		{"in a list", `"other", "` + id + `"`, http.StatusNotModified},
		{"any", `*`, http.StatusNotModified},
		{"another etag", `"abc"`, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := request(t, s, "GET", "/api/share/"+id, "", "If-None-Match", tt.ifNoneMatch)
			assert.Equal(t, tt.want, res.StatusCode)
			assert.Equal(t, `"`+id+`"`, res.Header.Get("ETag"))
			assert.Equal(t, "public, max-age=31536000, immutable", res.Header.Get("Cache-Control"))
			assertSecurityHeaders(t, res)
			if tt.want == http.StatusNotModified {
				assert.Empty(t, readAll(t, res))
			}
		})
	}
	assert.Equal(t, gets+1, store.gets, "a 304 reads nothing from the store")
}

func TestShareErrors(t *testing.T) {
	store := newMemStore()
	s := site(store)
	_, unknown := canonicalOf(t, `{"v":1,"seed":99}`)
	big := `{"v":1,"seed":1,"pad":"` + strings.Repeat("x", MaxBody) + `"}`
	json := []string{"Content-Type", "application/json"}
	tests := []struct {
		name, method, target, body string
		headers                    []string
		status                     int
		want                       string // in the error message
	}{
		{"invalid JSON", "POST", "/api/share", `{"v":1,`, json, 400, "the body is not JSON"},
		{"not JSON at all", "POST", "/api/share", `hello`, json, 400, "the body is not JSON"},
		{"empty body", "POST", "/api/share", ``, json, 400, "the body is not JSON"},
		{"wrong version", "POST", "/api/share", `{"v":2,"seed":1}`, json, 422, "unsupported version 2 (this build reads version 1)"},
		{"missing version", "POST", "/api/share", `{"seed":1}`, json, 422, `missing version field "v"`},
		{"unknown field", "POST", "/api/share", `{"v":1,"seed":1,"x":1}`, json, 422, `unknown field "x"`},
		{"invalid scenario", "POST", "/api/share", `{"v":1,"seed":1,"actions":[{"at":1,"type":"crash","peer":9}]}`, json, 422, "invalid scenario: "},
		{"JSON but not an object", "POST", "/api/share", `"a string"`, json, 422, "invalid scenario: "},
		{"oversized", "POST", "/api/share", big, json, 413, "larger than the limit of 65536 bytes (64 KiB)"},
		{"no content type", "POST", "/api/share", minimal, nil, 415, "must be a scenario as application/json"},
		{"form content type", "POST", "/api/share", minimal, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, `not "application/x-www-form-urlencoded"`},
		{"text content type", "POST", "/api/share", minimal, []string{"Content-Type", "text/plain"}, 415, "application/json"},
		{"GET the collection", "GET", "/api/share", "", nil, 405, "GET is not allowed on /api/share; POST a scenario"},
		{"PUT the collection", "PUT", "/api/share", minimal, json, 405, "PUT is not allowed"},
		{"POST to an id", "POST", "/api/share/" + unknown, minimal, json, 405, "POST is not allowed on a shared scenario"},
		{"DELETE an id", "DELETE", "/api/share/" + unknown, "", nil, 405, "DELETE is not allowed"},
		{"unknown id", "GET", "/api/share/" + unknown, "", nil, 404, "no shared scenario has the id " + unknown},
		{"short id", "GET", "/api/share/abc", "", nil, 400, `malformed id: "abc" has 3 characters, want 26`},
		{"upper-case id", "GET", "/api/share/" + strings.ToUpper(unknown), "", nil, 400, "malformed id"},
		{"escaped traversal", "GET", "/api/share/..%2F..%2F..%2Fetc%2Fpasswd", "", nil, 400, "malformed id"},
		{"no id", "GET", "/api/share/", "", nil, 404, "no API route /api/share/"},
		{"path below an id", "GET", "/api/share/" + unknown + "/x", "", nil, 404, "no API route"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := request(t, s, tt.method, tt.target, tt.body, tt.headers...)
			assert.Equal(t, tt.status, res.StatusCode)
			assert.Contains(t, jsonError(t, res), tt.want)
			switch tt.status {
			case 405:
				assert.NotEmpty(t, res.Header.Get("Allow"))
			}
		})
	}
	assert.Zero(t, store.puts, "no error case stores anything")
	assert.Equal(t, http.MethodPost, request(t, s, "GET", "/api/share", "").Header.Get("Allow"))
	assert.Equal(t, "GET, HEAD", request(t, s, "PUT", "/api/share/"+unknown, "").Header.Get("Allow"))
}

func TestOversizedBodiesAreNotReadWhole(t *testing.T) {
	s := site(newMemStore())
	// Without a Content-Length (a chunked upload), the limit still holds while reading.
	body := `{"v":1,"seed":1,"pad":"` + strings.Repeat("x", 4*MaxBody) + `"}`
	req := httptest.NewRequest("POST", "/api/share", io.MultiReader(strings.NewReader(body)))
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	res := rec.Result()
	assert.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode)
	assert.Contains(t, jsonError(t, res), "the body is larger than the limit")

	// A declared length over the limit is refused before any byte is read.
	req = httptest.NewRequest("POST", "/api/share", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec = httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	res = rec.Result()
	assert.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode)
	assert.Contains(t, jsonError(t, res), strconv.Itoa(len(body))+" bytes is larger than the limit")
}

// brokenBody fails on read.
type brokenBody struct{}

func (brokenBody) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestUnreadableBody(t *testing.T) {
	s := site(newMemStore())
	req := httptest.NewRequest("POST", "/api/share", brokenBody{})
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	res := rec.Result()
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, jsonError(t, res), "could not read the body: connection reset")
}

func TestStoreFailures(t *testing.T) {
	store := newMemStore()
	s := site(store)
	store.putErr = errors.New("disk full at /secret/path")
	res := post(t, s, minimal)
	assert.Equal(t, http.StatusInternalServerError, res.StatusCode)
	msg := jsonError(t, res)
	assert.Equal(t, "the scenario could not be stored; try again later", msg)
	assert.NotContains(t, msg, "/secret/path", "the store's error stays in the log")

	store.putErr, store.getErr = nil, errors.New("KV is down")
	_, id := canonicalOf(t, minimal)
	res = request(t, s, "GET", "/api/share/"+id, "")
	assert.Equal(t, http.StatusInternalServerError, res.StatusCode)
	assert.Equal(t, "the scenario could not be read; try again later", jsonError(t, res))

	// A failed look-up before a POST is no reason to refuse it: the Put decides.
	res = post(t, s, minimal)
	assert.Equal(t, http.StatusCreated, res.StatusCode)
}

func TestSharePage(t *testing.T) {
	s := site(newMemStore())
	_, id := canonicalOf(t, minimal)

	res := request(t, s, "GET", "/s/"+id, "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "text/html; charset=utf-8", res.Header.Get("Content-Type"))
	assert.Equal(t, "no-cache", res.Header.Get("Cache-Control"))
	assert.NotEmpty(t, res.Header.Get("ETag"))
	assert.Equal(t, indexHTML, readAll(t, res))
	assertSecurityHeaders(t, res)

	// The page's compressed copy, as at "/".
	res = request(t, s, "GET", "/s/"+id, "", "Accept-Encoding", "br, gzip")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "br", res.Header.Get("Content-Encoding"))
	assert.Equal(t, "br(index)", readAll(t, res))

	res = request(t, s, "HEAD", "/s/"+id, "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Empty(t, readAll(t, res))

	res = request(t, s, "POST", "/s/"+id, minimal)
	assert.Equal(t, http.StatusMethodNotAllowed, res.StatusCode)
	assertSecurityHeaders(t, res)
}

func TestSharePageRelativeFiles(t *testing.T) {
	s := site(newMemStore())
	tests := []struct{ target, location string }{
		{"/s/js/main.js", "/js/main.js"},
		{"/s/app.wasm", "/app.wasm"},
		{"/s/css/base.css?v=2", "/css/base.css?v=2"},
		{"/s/", "/"},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			res := request(t, s, "GET", tt.target, "")
			assert.Equal(t, http.StatusPermanentRedirect, res.StatusCode)
			assert.Equal(t, tt.location, res.Header.Get("Location"))
			assertSecurityHeaders(t, res)
		})
	}
	// A path that would leave the site once /s is cut off is cleaned first by the mux.
	res := request(t, s, "GET", "/s//example.com/x", "")
	assert.NotEqual(t, "//example.com/x", res.Header.Get("Location"))
	assert.True(t, strings.HasPrefix(res.Header.Get("Location"), "/"), res.Header.Get("Location"))
	assert.False(t, strings.HasPrefix(res.Header.Get("Location"), "//"), res.Header.Get("Location"))

	res = request(t, s, "POST", "/s/js/main.js", "")
	assert.Equal(t, http.StatusMethodNotAllowed, res.StatusCode)
	assert.Equal(t, "GET, HEAD", res.Header.Get("Allow"))
}

func TestShareWithDirStore(t *testing.T) {
	d := newDir(t)
	s := site(d)
	canonical, id := canonicalOf(t, withActions)
	require.Equal(t, http.StatusCreated, post(t, s, withActions).StatusCode)
	res := request(t, s, "GET", "/api/share/"+id, "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, string(canonical), readAll(t, res))
	assert.Equal(t, []string{id + ".json"}, files(t, d.Path()))
	require.Equal(t, http.StatusOK, post(t, s, withActions).StatusCode)
}

// BenchmarkPost is the CPU of one POST /api/share of a new scenario (read, validate,
// canonicalise, hash, look up, store in memory, answer), natively.
func BenchmarkPost(b *testing.B) {
	s := site(newMemStore())
	bodies := make([]string, 1024)
	for i := range bodies {
		bodies[i] = strings.Replace(withActions, `"seed":42`, `"seed":`+strconv.Itoa(1_000_000+i), 1)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		req := httptest.NewRequest("POST", "/api/share", strings.NewReader(bodies[i%len(bodies)]))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != http.StatusCreated && rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		i++
	}
}
