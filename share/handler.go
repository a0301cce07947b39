package share

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"log"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/raftplay/raftplay/serve"
)

// Register adds the share routes to s, keeping the scenarios in store:
//
//	POST /api/share        a scenario (application/json, at most MaxBody bytes) →
//	                       201 Created (200 OK if it was already stored) with
//	                       {"id": "<id>", "url": "/s/<id>"} and Location: /api/share/<id>
//	GET  /api/share/{id}   the scenario's canonical JSON, cached for good (it never
//	                       changes under its id); ETag "<id>"
//	GET  /s/{id}           the page (index.html), which then fetches /api/share/{id}
//	GET  /s/<not an id>    404 with an HTML page that says the share link is not valid
//	                       and links to the playground, for one path segment that is
//	                       not a file's name (a word, a truncated id, an id with a
//	                       character pasted after it)
//	GET  /s/<other path>   308 to /<other path>, where the page's own files are, so a
//	                       page opened at /s/{id} finds them by relative URL
//	                       (js/main.js, app.wasm); only for a plain path (segments of
//	                       A-Z a-z 0-9 . _ -), any other answers 404, so that no
//	                       Location can leave the site
//
// Errors are JSON ({"error": "..."}), see serve.WriteJSONError: 400 for a malformed id
// or a body that is not JSON, 404 for an unknown id, 405 for another method, 413 for a
// body over MaxBody, 415 for a body that is not application/json, 422 for JSON that is
// not a valid scenario (a wrong version, an unknown field, an invalid option, ...), 429
// over the rate limit (RegisterLimited), and 500 when the store fails. s adds the
// security headers to every response.
//
// /s/{id} does not look the id up, so opening a page costs no store read; the page
// reports an unknown id when its fetch of /api/share/{id} answers 404.
//
// Register sets no rate limit; RegisterLimited does.
func Register(s *serve.Server, store Store) { RegisterLimited(s, store, nil) }

// Gate limits how often one client may POST /api/share. `raftplay serve` uses a
// Limiter, kept in the process's memory; the Cloudflare Worker, new for every request,
// asks Cloudflare's rate limiting binding instead (wasm/worker).
type Gate interface {
	// Take counts one POST from r's client. It reports false, with how long until the
	// client may post again, when the client is over the limit, and an error when the
	// limit could not be asked (the POST is then refused with 500, not let through).
	Take(r *http.Request) (ok bool, retryAfter time.Duration, err error)
	// PerMinute is how many scenarios a client may share a minute, for the error.
	PerMinute() int
}

// RegisterLimited is Register with POST /api/share limited per client by gate (none
// when nil): a client over it is answered 429 Too Many Requests, with Retry-After in
// seconds and an error that says how many a minute it may share. Every POST counts,
// refused or not, since reading and checking a body is the work being limited too.
func RegisterLimited(s *serve.Server, store Store, gate Gate) {
	a := &api{store: store, pages: s, limit: gate}
	s.HandleFunc("/api/share", a.post)
	s.HandleFunc("/api/share/{id}", a.get)
	s.HandleFunc("/s/", a.page)
}

// api serves the share routes.
type api struct {
	store Store
	pages http.Handler // serves index.html for "/"
	limit Gate         // nil: no limit
}

// posted is the answer to POST /api/share.
type posted struct {
	ID  string `json:"id"`
	URL string `json:"url"`
}

func (a *api) post(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		serve.WriteJSONError(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s is not allowed on /api/share; POST a scenario", r.Method))
		return
	}
	if a.limit != nil {
		ok, wait, err := a.limit.Take(r)
		if err != nil {
			log.Printf("share: POST /api/share: the rate limit: %v", err)
			serve.WriteJSONError(w, http.StatusInternalServerError, "the rate limit could not be checked, so nothing was shared; try again later")
			return
		}
		if !ok {
			seconds := int64((wait + time.Second - 1) / time.Second)
			w.Header().Set("Retry-After", strconv.FormatInt(seconds, 10))
			serve.WriteJSONError(w, http.StatusTooManyRequests, fmt.Sprintf("too many scenarios shared from your address: at most %d a minute; try again in %d s", a.limit.PerMinute(), seconds))
			return
		}
	}
	if mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mediaType != "application/json" {
		serve.WriteJSONError(w, http.StatusUnsupportedMediaType, fmt.Sprintf("the body must be a scenario as application/json, not %q", r.Header.Get("Content-Type")))
		return
	}
	if r.ContentLength > MaxBody {
		serve.WriteJSONError(w, http.StatusRequestEntityTooLarge, tooLarge(strconv.FormatInt(r.ContentLength, 10)+" bytes"))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		if maxErr := (*http.MaxBytesError)(nil); errors.As(err, &maxErr) {
			serve.WriteJSONError(w, http.StatusRequestEntityTooLarge, tooLarge("the body"))
			return
		}
		serve.WriteJSONError(w, http.StatusBadRequest, "could not read the body: "+err.Error())
		return
	}
	canonical, id, err := Canonical(body)
	if err != nil {
		status, prefix := http.StatusUnprocessableEntity, "invalid scenario: "
		if syntaxErr := (*json.SyntaxError)(nil); errors.As(err, &syntaxErr) {
			status, prefix = http.StatusBadRequest, "the body is not JSON: "
		} else if errors.Is(err, ErrTooLarge) {
			status, prefix = http.StatusRequestEntityTooLarge, ""
		}
		serve.WriteJSONError(w, status, prefix+err.Error())
		return
	}
	// Ids are content-addressed: a scenario already there is the same scenario, and
	// not writing it again spares the store a write (Workers KV allows one write per
	// key per second).
	status := http.StatusOK
	if _, err := a.store.Get(r.Context(), id); err != nil {
		if err := a.store.Put(r.Context(), id, canonical); err != nil {
			log.Printf("share: POST /api/share: %v", err)
			serve.WriteJSONError(w, http.StatusInternalServerError, "the scenario could not be stored; try again later")
			return
		}
		status = http.StatusCreated
	}
	answer, _ := json.Marshal(posted{ID: id, URL: "/s/" + id}) // two strings: cannot fail
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Location", "/api/share/"+id)
	w.WriteHeader(status)
	_, _ = w.Write(append(answer, '\n'))
}

// tooLarge is the message for a body over MaxBody.
func tooLarge(what string) string {
	return fmt.Sprintf("%s is larger than the limit of %d bytes (%d KiB) for a shared scenario", what, MaxBody, MaxBody>>10)
}

func (a *api) get(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		serve.WriteJSONError(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s is not allowed on a shared scenario; GET it", r.Method))
		return
	}
	id := r.PathValue("id")
	if err := CheckID(id); err != nil {
		serve.WriteJSONError(w, http.StatusBadRequest, err.Error())
		return
	}
	// The content under an id never changes, so the id is its ETag, and a client that
	// has it needs no store read.
	etag := `"` + id + `"`
	h := w.Header()
	if match := r.Header.Get("If-None-Match"); match != "" && etagMatches(match, etag) {
		h.Set("ETag", etag)
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	data, err := a.store.Get(r.Context(), id)
	if errors.Is(err, ErrNotFound) {
		serve.WriteJSONError(w, http.StatusNotFound, "no shared scenario has the id "+id)
		return
	}
	if err != nil {
		log.Printf("share: GET /api/share/%s: %v", id, err)
		serve.WriteJSONError(w, http.StatusInternalServerError, "the scenario could not be read; try again later")
		return
	}
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", etag)
	h.Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(data)
	}
}

// etagMatches reports whether an If-None-Match header names etag (or is "*"); weak
// forms (W/"...") match too, as RFC 9110 asks for If-None-Match.
func etagMatches(header, etag string) bool {
	for part := range strings.SplitSeq(header, ",") {
		part = strings.TrimPrefix(strings.TrimSpace(part), "W/")
		if part == "*" || part == etag {
			return true
		}
	}
	return false
}

func (a *api) page(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/s/")
	if CheckID(rest) == nil {
		// The page itself; it reads the id from its address.
		index := r.Clone(r.Context())
		index.URL.Path, index.URL.RawPath = "/", ""
		a.pages.ServeHTTP(w, index)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
		return
	}
	// One segment that is not a file's name is a share link mistyped, cut short or with
	// something pasted after it: say so, rather than redirect it to a plain 404.
	if rest != "" && !strings.Contains(rest, "/") && !isFileName(rest) {
		badLink(w, r, rest)
		return
	}
	// A file the page at /s/{id} asks for by a relative URL (css/base.css, app.wasm):
	// it lives at the root. Only a plain file path goes there: a Location built from
	// anything else could name another host (/\evil.example, /<TAB>/evil.example).
	if !isSitePath(rest) {
		serve.WriteJSONError(w, http.StatusNotFound, fmt.Sprintf("no such page: /s/%s is neither a share id nor one of the site's files", clip(rest)))
		return
	}
	target := "/" + rest
	if r.URL.RawQuery != "" {
		target += "?" + r.URL.RawQuery
	}
	w.Header().Set("Cache-Control", "public, max-age=86400")
	http.Redirect(w, r, target, http.StatusPermanentRedirect)
}

// isFileName reports whether segment is the name of a file the page could ask for at
// the root, such as app.wasm or index.html: a plain path segment ending in a dot and an
// extension of letters and digits. A share id has no dot.
func isFileName(segment string) bool {
	dot := strings.LastIndexByte(segment, '.')
	if dot <= 0 || dot == len(segment)-1 || !isSitePath(segment) {
		return false
	}
	for _, c := range segment[dot+1:] {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// badLinkPage is the page for a share link whose id is malformed. It is a page of its
// own, not the playground: the playground opens only a well-formed id. It is plain
// HTML: the CSP allows no inline style or script, and the site's stylesheets differ
// between web/ and dist/ (where they are bundled), so it links none.
const badLinkPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Invalid share link · raftplay</title>
</head>
<body>
<main>
<h1>This share link is not valid</h1>
<p>%s is not a share link id, so no shared run can be opened from it. A share link
ends in /s/ and 26 characters of a-z and 2-7; check that it was copied whole, with
nothing added after it.</p>
<p><a href="/">Open the playground</a></p>
</main>
</body>
</html>
`

// badLink answers a share link whose id is malformed: 404 (no page is there, as for
// any other path the site does not have) with badLinkPage, which
// quotes the id (clipped, and escaped for HTML: html/template would cost the Worker's
// wasm a template engine for one string).
func badLink(w http.ResponseWriter, r *http.Request, id string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNotFound)
	if r.Method == http.MethodHead {
		return
	}
	_, _ = fmt.Fprintf(w, badLinkPage, html.EscapeString(strconv.Quote(clip(id))))
}

// isSitePath reports whether rest is a path the site's own files could have: empty, or
// segments of ASCII letters, digits, '.', '_' and '-', none empty, "." or "..". Nothing
// else may end up in a redirect's Location.
func isSitePath(rest string) bool {
	if rest == "" {
		return true
	}
	for segment := range strings.SplitSeq(rest, "/") {
		if segment == "" || segment == "." || segment == ".." {
			return false
		}
		for i := 0; i < len(segment); i++ {
			c := segment[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
				return false
			}
		}
	}
	return true
}
