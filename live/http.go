package live

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"
)

// HeaderLive must be "1" on every request that changes something (POST, PUT, DELETE):
// a plain cross-site form cannot set a header, and a cross-site script that sets one
// needs a CORS preflight this server never grants.
const HeaderLive = "X-Raftplay-Live"

// The machine-readable codes of the live API's error answers, besides the nodes' own
// (node/errcode.go), which kv answers pass through.
const (
	codeBadRequest     = "bad-request"
	codeForbidden      = "forbidden"          // 403: another origin, a foreign Host, or no X-Raftplay-Live
	codeNoSuchNode     = "no-such-node"       // 404: no known node has the id
	codeNoSuchEndpoint = "no-such-endpoint"   // 404
	codeMethod         = "method-not-allowed" // 405
	codeNotSupervised  = "not-supervised"     // 409: crash and restart need cluster --web
	codeNotRunning     = "not-running"        // 409: crash of a node that is not running
	codeRunning        = "already-running"    // 409: restart of a node that is running
	codeUnreachable    = "nodes-unreachable"  // 502: no node answered
	codeTooManyStreams = "too-many-streams"   // 503
	codeInternal       = "internal"           // 500
)

// errorBody is the JSON body of every error answer of the live API.
type errorBody struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":"encode the answer","code":"internal"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, errorBody{Error: msg, Code: code})
}

// Router is where Register adds the routes: an *http.ServeMux, or the playground's
// serve.Server (which adds its security headers to every answer).
type Router interface {
	Handle(pattern string, h http.Handler)
}

// Register adds the live API under /api/live/.
func (s *Server) Register(r Router) {
	route := func(pattern string, h http.HandlerFunc) { r.Handle(pattern, s.guard(h)) }
	route("GET /api/live/cluster", s.handleCluster)
	route("GET /api/live/stream", s.handleStream)
	route("POST /api/live/nodes/{id}/{action}", s.handleNode)
	route("POST /api/live/links/{a}/{b}/{action}", s.handleLink)
	route("GET /api/live/kv/{key...}", s.handleKV)
	route("PUT /api/live/kv/{key...}", s.handleKV)
	route("DELETE /api/live/kv/{key...}", s.handleKV)
	for pattern, allow := range map[string]string{
		"/api/live/cluster":                "GET",
		"/api/live/stream":                 "GET",
		"/api/live/nodes/{id}/{action}":    "POST",
		"/api/live/links/{a}/{b}/{action}": "POST",
		"/api/live/kv/{key...}":            "GET, PUT, DELETE",
	} {
		route(pattern, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allow)
			writeError(w, http.StatusMethodNotAllowed, codeMethod, fmt.Sprintf("%s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, allow))
		})
	}
	route("/api/live/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, codeNoSuchEndpoint, fmt.Sprintf("no live API endpoint %s; see GET /api/live/cluster, GET /api/live/stream", r.URL.Path))
	})
}

// guard refuses what is not the page talking to its own server: a Host that is not
// this machine's or an allowed name (DNS rebinding), an Origin or a Sec-Fetch-Site that
// says another site, and a change without the X-Raftplay-Live header.
func (s *Server) guard(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.hostAllowed(r.Host) {
			writeError(w, http.StatusForbidden, codeForbidden, fmt.Sprintf("Host %q is not this server's name: open the page at the address the server printed", clip(r.Host)))
			return
		}
		if origin := r.Header.Get("Origin"); origin != "" && !sameOrigin(origin, r) {
			writeError(w, http.StatusForbidden, codeForbidden, fmt.Sprintf("requests from another origin (%s) are refused: the live API is for the page this server serves", clip(origin)))
			return
		}
		if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
			writeError(w, http.StatusForbidden, codeForbidden, "requests from another site are refused: the live API is for the page this server serves")
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Header.Get(HeaderLive) != "1" {
			writeError(w, http.StatusForbidden, codeForbidden, fmt.Sprintf("%s needs the header %s: 1", r.Method, HeaderLive))
			return
		}
		next(w, r)
	})
}

// hostAllowed reports whether the Host header names this machine by address, as
// localhost, or as one of Options.AllowedHosts.
func (s *Server) hostAllowed(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if host == "" {
		return false
	}
	if _, err := netip.ParseAddr(host); err == nil || strings.EqualFold(host, "localhost") {
		return true
	}
	for _, allowed := range s.opts.AllowedHosts {
		if strings.EqualFold(host, allowed) {
			return true
		}
	}
	return false
}

// sameOrigin reports whether origin is the origin r was sent to.
func sameOrigin(origin string, r *http.Request) bool {
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return u.Scheme == scheme && strings.EqualFold(u.Host, r.Host) && u.Path == ""
}

func clip(s string) string {
	if len(s) > 100 {
		return s[:100] + "..."
	}
	return s
}

// clusterNode is one node in the answer of GET /api/live/cluster.
type clusterNode struct {
	ID      uint64          `json:"id"`
	HTTPURL string          `json:"http_url"`
	Up      bool            `json:"up"`
	Status  json.RawMessage `json:"status"` // null when the node does not answer
	Error   string          `json:"error,omitempty"`
}

// clusterAnswer is the answer of GET /api/live/cluster.
type clusterAnswer struct {
	Live       bool          `json:"live"`
	Supervised bool          `json:"supervised"`
	Nodes      []clusterNode `json:"nodes"`
}

// statusTimeout bounds the /status request of GET /api/live/cluster to each node.
const statusTimeout = time.Second

// handleCluster asks every known node for its /status now.
func (s *Server) handleCluster(w http.ResponseWriter, r *http.Request) {
	nodes := s.snapshot()
	out := clusterAnswer{Live: true, Supervised: s.Supervised(), Nodes: make([]clusterNode, len(nodes))}
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Go(func() {
			cn := clusterNode{ID: n.id, HTTPURL: n.url}
			raw, err := s.fetchStatus(r.Context(), n.url)
			if err != nil {
				cn.Error = describeDown(err)
			} else {
				cn.Up, cn.Status = true, raw
				if err := s.noteStatus(findState(s, n.url), raw, time.Now()); err != nil {
					cn.Up, cn.Status, cn.Error = false, nil, err.Error()
				} else if id, ok := s.idByURL(n.url); ok {
					cn.ID = id
				}
			}
			out.Nodes[i] = cn
		})
	}
	wg.Wait()
	writeJSON(w, http.StatusOK, out)
}

// findState returns the node state of base URL u (it exists: nodes are never removed).
func findState(s *Server, u string) *nodeState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.find(u)
}

// idByURL returns the id of the node at base URL u, once known.
func (s *Server) idByURL(u string) (uint64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := s.find(u); n != nil && n.id != 0 {
		return n.id, true
	}
	return 0, false
}

// fetchStatus returns a node's GET /status, as it sent it.
func (s *Server) fetchStatus(ctx context.Context, base string) (json.RawMessage, error) {
	ctx, cancel := context.WithTimeout(ctx, statusTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/status", nil)
	if err != nil {
		return nil, err
	}
	s.authorize(req)
	resp, err := s.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("read %s/status: %w", base, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s/status answered %d: %s", base, resp.StatusCode, nodeErrorText(body))
	}
	if !json.Valid(body) {
		return nil, fmt.Errorf("%s/status answered with a body that is not JSON", base)
	}
	return json.RawMessage(body), nil
}
