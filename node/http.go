package node

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/kv"
)

// The request and response headers of the HTTP API.
const (
	// HeaderClient and HeaderSeq name a client session: a client that may retry a write
	// sends a nonzero client id (decimal uint64, chosen at random once) and a sequence
	// number that grows with each new write and stays the same for a retry. A retried
	// write is then applied at most once, and the retry gets the original's answer
	// (§6.3 of the Raft dissertation). Without them a write has no session: it is
	// applied once per request that reaches the log.
	HeaderClient = "X-Raftplay-Client"
	HeaderSeq    = "X-Raftplay-Seq"
	// HeaderExpect turns PUT into compare-and-set: the value is written only if the key
	// exists and its value equals the header's (an empty header expects an empty value).
	HeaderExpect = "X-Raftplay-Expect"
	// HeaderIndex, on answers, is the log index a write was applied at or a read was
	// served at.
	HeaderIndex = "X-Raftplay-Index"
)

// DeleteExpectError is the error of a DELETE sent with HeaderExpect (400): a delete is
// unconditional, and deleting anyway would tell the client its condition held.
const DeleteExpectError = HeaderExpect + " is for PUT (compare-and-set); DELETE is unconditional, send it without the header"

// Timing of the HTTP side.
const (
	retryAfter        = time.Second
	sseKeepAlive      = 15 * time.Second
	sseWriteTimeout   = 10 * time.Second
	readHeaderTimeout = 10 * time.Second
	idleTimeout       = 2 * time.Minute
	sseBatch          = 64 // events written between two flushes
)

// WriteResult is the JSON body of a successful PUT or DELETE.
type WriteResult struct {
	Key      string `json:"key"`
	Index    uint64 `json:"index"`              // the log index the write was applied at
	Found    bool   `json:"found"`              // the key existed before the write
	Previous string `json:"previous,omitempty"` // its value then
}

// ErrorBody is the JSON body of every error answer (and of a redirect).
type ErrorBody struct {
	// Code is machine-readable, one of the Code constants: clients decide on it.
	Code string `json:"code"`
	// Error is the human explanation; it may change between versions.
	Error string `json:"error"`
	// Leader is the leader's id, when a follower redirects or knows it.
	Leader uint64 `json:"leader,omitempty"`
	// RetryAfterMS, on 503, is how long to wait before retrying (as Retry-After says).
	RetryAfterMS int64 `json:"retry_after_ms,omitempty"`
	// Key, Found and Current describe the key when a compare-and-set fails (409) or a
	// key is not found (404).
	Key     string `json:"key,omitempty"`
	Found   bool   `json:"found,omitempty"`
	Current string `json:"current,omitempty"`
	Index   uint64 `json:"index,omitempty"`
}

func (n *Node) newHTTPServer() *http.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", n.handleStatus)
	mux.HandleFunc("GET /events", n.handleEvents)
	mux.HandleFunc("GET /kv/{key...}", n.handleGet)
	mux.HandleFunc("PUT /kv/{key...}", n.handlePut)
	mux.HandleFunc("DELETE /kv/{key...}", n.handleDelete)
	mux.HandleFunc("POST /admin/links/{peer}/{action}", n.handleLink)
	mux.HandleFunc("/admin/links/{peer}/{action}", methodNotAllowed("POST"))
	mux.HandleFunc("GET /members", n.handleMembers)
	mux.HandleFunc("POST /members", n.handleAddMember)
	mux.HandleFunc("DELETE /members/{id}", n.handleRemoveMember)
	mux.HandleFunc("/members", methodNotAllowed("GET, POST"))
	mux.HandleFunc("/members/{id}", methodNotAllowed("DELETE"))
	mux.HandleFunc("/status", methodNotAllowed("GET"))
	mux.HandleFunc("/events", methodNotAllowed("GET"))
	mux.HandleFunc("/kv/{key...}", methodNotAllowed("GET, PUT, DELETE"))
	mux.HandleFunc("/kv", func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusBadRequest, CodeBadRequest, "empty key: the path is /kv/{key}")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, ErrorBody{Code: CodeNoSuchEndpoint, Error: fmt.Sprintf("no such endpoint %q; see GET /status, GET /events, GET|PUT|DELETE /kv/{key}, GET|POST /members, DELETE /members/{id}, POST /admin/links/{peer}/cut|heal", r.URL.Path)})
	})
	return &http.Server{
		Handler:           n.authenticate(refuseUncleanKeys(mux)),
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(n.log.Handler(), slog.LevelWarn),
	}
}

// refuseUncleanKeys answers 400 for a /kv/ path whose key has a "." or ".." segment or
// an empty one before its end. The mux would redirect /kv/.. to / and /kv/a//b to
// /kv/a/b, while the escaped spellings (%2e%2e, %2F) reach the handlers as keys: one
// rule for every spelling keeps a key what it looks like.
func refuseUncleanKeys(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if key, ok := strings.CutPrefix(r.URL.Path, "/kv/"); ok {
			if err := checkKeySegments(key); err != nil {
				writeError(w, http.StatusBadRequest, CodeBadRequest, err.Error())
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// checkKeySegments refuses a key with a dot segment or an empty segment before the end.
func checkKeySegments(key string) error {
	segments := strings.Split(key, "/")
	for i, segment := range segments {
		switch {
		case segment == "." || segment == "..":
			return fmt.Errorf("key %q has a %q segment; keys may not contain dot segments", clip(key), segment)
		case segment == "" && i < len(segments)-1:
			return fmt.Errorf("key %q has an empty segment (a leading or doubled /)", clip(key))
		}
	}
	return nil
}

// clip shortens a long key for an error message.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

func methodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		writeJSON(w, http.StatusMethodNotAllowed, ErrorBody{Code: CodeMethodNotAllowed, Error: fmt.Sprintf("method %s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, allow)})
	}
}

// authenticate requires "Authorization: Bearer <Token>" when the node has a token.
func (n *Node) authenticate(next http.Handler) http.Handler {
	if n.cfg.Token == "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || !tokenMatches(n.tokenDigest, []byte(token)) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="raftplay"`)
			writeJSON(w, http.StatusUnauthorized, ErrorBody{Code: CodeUnauthorized, Error: "missing or wrong cluster token: send the header Authorization: Bearer <token>"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// LinkResult is the JSON body of a successful POST /admin/links/{peer}/cut or /heal.
type LinkResult struct {
	Peer     uint64   `json:"peer"`
	Cut      bool     `json:"cut"`       // the link is cut now
	Changed  bool     `json:"changed"`   // false: it already was (or was not)
	CutLinks []uint64 `json:"cut_links"` // every cut link of this node, as /status shows them
}

// handleLink cuts or heals the link to a peer: a cut link drops every Raft message to
// and from it, so an operator (or the live page) can partition real processes. It sits
// behind authenticate like every other endpoint: with a cluster token it needs the
// token; without one the node only listens on loopback (or was started --insecure),
// the same rule as for writing to the store.
func (n *Node) handleLink(w http.ResponseWriter, r *http.Request) {
	action := r.PathValue("action")
	if action != "cut" && action != "heal" {
		writeJSON(w, http.StatusNotFound, ErrorBody{Code: CodeNoSuchEndpoint, Error: fmt.Sprintf("no such link action %q: POST /admin/links/{peer}/cut or /heal", clip(action))})
		return
	}
	raw := r.PathValue("peer")
	peer, err := strconv.ParseUint(raw, 10, 64)
	switch {
	case err != nil || peer == engine.None:
		writeError(w, http.StatusBadRequest, CodeBadRequest, fmt.Sprintf("peer %q is not a peer id (a nonzero decimal number)", clip(raw)))
		return
	case peer == n.cfg.ID:
		writeError(w, http.StatusBadRequest, CodeBadRequest, fmt.Sprintf("peer %d is this node: a link joins two different peers", peer))
		return
	case n.trans.peers().senders[peer] == nil:
		writeError(w, http.StatusBadRequest, CodeBadRequest, fmt.Sprintf("peer %d is not in this node's configuration %v", peer, n.trans.peers().others))
		return
	}
	cut := action == "cut"
	changed := n.trans.links.set(peer, cut)
	switch {
	case changed && cut:
		n.log.Info("link cut by an operator: Raft messages to and from the peer are dropped", "peer", peer, "remote", r.RemoteAddr)
	case changed:
		n.log.Info("link healed by an operator: Raft messages to and from the peer flow again", "peer", peer, "remote", r.RemoteAddr)
		// The cut closed this node's connection to the peer: answer once it is dialed
		// again, so that a /status read after the answer shows the link up.
		n.trans.awaitConnected(peer, healDialWait)
	}
	cutLinks := n.trans.links.list()
	if cutLinks == nil {
		cutLinks = []uint64{}
	}
	writeJSON(w, http.StatusOK, LinkResult{Peer: peer, Cut: cut, Changed: changed, CutLinks: cutLinks})
}

func (n *Node) handleStatus(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, n.Status())
}

func (n *Node) handlePut(w http.ResponseWriter, r *http.Request) {
	cmd, ok := n.parseWrite(w, r, kv.OpPut)
	if !ok {
		return
	}
	if expect, present := r.Header[HeaderExpect]; present {
		if len(expect) != 1 {
			writeError(w, http.StatusBadRequest, CodeBadRequest, fmt.Sprintf("%s given %d times; give it once", HeaderExpect, len(expect)))
			return
		}
		cmd.Op, cmd.Expected = kv.OpCAS, expect[0]
	}
	if n.redirectUnlessLeader(w, r) {
		return
	}
	// A body trickling in must not hold the connection and this handler forever.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(n.cfg.BodyReadTimeout))
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, n.cfg.MaxBodyBytes))
	if err != nil {
		// The rest of the body is not wanted: close the connection after the answer
		// (the deadline, left in place, stops the server from draining it).
		w.Header().Set("Connection", "close")
		if errors.Is(err, os.ErrDeadlineExceeded) {
			writeError(w, http.StatusRequestTimeout, CodeBodyTimeout, fmt.Sprintf("the request body took longer than %v to arrive", n.cfg.BodyReadTimeout))
			return
		}
		if errors.As(err, new(*http.MaxBytesError)) {
			writeError(w, http.StatusRequestEntityTooLarge, CodeTooLarge, fmt.Sprintf("value too large: the limit is %d bytes", n.cfg.MaxBodyBytes))
			return
		}
		writeError(w, http.StatusBadRequest, CodeBadRequest, fmt.Sprintf("read the request body: %v", err))
		return
	}
	_ = rc.SetReadDeadline(time.Time{})
	cmd.Value = string(body)
	n.write(w, r, cmd)
}

func (n *Node) handleDelete(w http.ResponseWriter, r *http.Request) {
	cmd, ok := n.parseWrite(w, r, kv.OpDelete)
	if !ok {
		return
	}
	if _, present := r.Header[HeaderExpect]; present {
		writeError(w, http.StatusBadRequest, CodeBadRequest, DeleteExpectError)
		return
	}
	if n.redirectUnlessLeader(w, r) {
		return
	}
	n.write(w, r, cmd)
}

// parseWrite reads the key and the session headers of a write.
func (n *Node) parseWrite(w http.ResponseWriter, r *http.Request, op kv.Op) (kv.Command, bool) {
	key, err := keyOf(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, CodeBadRequest, err.Error())
		return kv.Command{}, false
	}
	clientID, seq, err := sessionOf(r.Header)
	if err != nil {
		writeError(w, http.StatusBadRequest, CodeBadRequest, err.Error())
		return kv.Command{}, false
	}
	return kv.Command{Op: op, Key: key, ClientID: clientID, Seq: seq}, true
}

// keyOf returns the key of a /kv/{key} path.
func keyOf(r *http.Request) (string, error) {
	key := r.PathValue("key")
	switch {
	case key == "":
		return "", errors.New("empty key: the path is /kv/{key}")
	case len(key) > kv.MaxKeyLen:
		return "", fmt.Errorf("key is %d bytes, the limit is %d", len(key), kv.MaxKeyLen)
	}
	return key, nil
}

// sessionOf parses the session headers: both or neither.
func sessionOf(h http.Header) (clientID, seq uint64, err error) {
	c, s := h.Get(HeaderClient), h.Get(HeaderSeq)
	if c == "" && s == "" {
		return 0, 0, nil
	}
	if c == "" || s == "" {
		return 0, 0, fmt.Errorf("send both %s and %s, or neither", HeaderClient, HeaderSeq)
	}
	if clientID, err = strconv.ParseUint(c, 10, 64); err != nil || clientID == 0 {
		return 0, 0, fmt.Errorf("%s %q is not a nonzero decimal 64-bit number", HeaderClient, c)
	}
	if seq, err = strconv.ParseUint(s, 10, 64); err != nil || seq == 0 {
		return 0, 0, fmt.Errorf("%s %q is not a nonzero decimal 64-bit number", HeaderSeq, s)
	}
	return clientID, seq, nil
}

// redirectUnlessLeader answers a request that only the leader can serve, when this node
// is not the leader: 307 to the leader, or 503. It reports whether it answered.
func (n *Node) redirectUnlessLeader(w http.ResponseWriter, r *http.Request) bool {
	if n.IsLeader() {
		return false
	}
	n.redirect(w, r, n.Leader())
	return true
}

// redirect sends the client to the leader's HTTP address with the same path and query.
func (n *Node) redirect(w http.ResponseWriter, r *http.Request, leader uint64) {
	if leader == engine.None {
		unavailable(w, CodeNoLeader, "no leader is known; an election is probably under way", 0)
		return
	}
	base := n.book().httpURL(leader)
	if base == "" {
		unavailable(w, CodeLeaderAddressUnknown, fmt.Sprintf("the leader is peer %d, whose HTTP address this node does not know (PeerHTTP)", leader), leader)
		return
	}
	w.Header().Set("Location", base+r.URL.RequestURI())
	writeJSON(w, http.StatusTemporaryRedirect, ErrorBody{Code: CodeNotLeader, Error: fmt.Sprintf("not the leader; peer %d is", leader), Leader: leader})
}

// write proposes cmd and answers once it is applied, or once the node gives up on it.
func (n *Node) write(w http.ResponseWriter, r *http.Request, cmd kv.Command) {
	if err := cmd.Validate(); err != nil {
		writeError(w, http.StatusBadRequest, CodeBadRequest, err.Error())
		return
	}
	p := &proposal{command: cmd.Marshal(), clientID: cmd.ClientID, seq: cmd.Seq, done: make(chan proposalOutcome, 1)}
	timer := time.NewTimer(n.cfg.RequestTimeout)
	defer timer.Stop()
	if !submit(n, w, r, timer, n.propc, p) {
		return
	}
	out, ok := await(n, w, r, timer, p.done, proposalOutcome{err: errStoppingWrite}, CodeOutcomeUnknown, func() string {
		return fmt.Sprintf("timed out after %v waiting for the entry to be applied; the outcome is unknown: retry with the same %s and %s to have it applied at most once", n.cfg.RequestTimeout, HeaderClient, HeaderSeq)
	})
	if !ok {
		return
	}
	n.answerWrite(w, r, cmd, out)
}

// await waits for the loop's answer to work submit handed it. When the node stops
// first, an answer already given still counts, else the answer is stopped. When the
// timer fires first it answers 503 with code and the words of timeout; then, as when the
// client went away, it reports false and the caller answers nothing more.
func await[T any](n *Node, w http.ResponseWriter, r *http.Request, timer *time.Timer, done <-chan T, stopped T, code string, timeout func() string) (T, bool) {
	select {
	case out := <-done:
		return out, true
	case <-n.stopping:
		select {
		case out := <-done:
			return out, true
		default:
			return stopped, true
		}
	case <-timer.C:
		unavailable(w, code, timeout(), 0)
	case <-r.Context().Done():
	}
	var zero T
	return zero, false
}

// submit hands work to the loop; it reports false after answering the request itself.
func submit[T any](n *Node, w http.ResponseWriter, r *http.Request, timer *time.Timer, ch chan<- T, v T) bool {
	select {
	case ch <- v:
		return true
	case <-n.stopping:
		unavailable(w, CodeStopping, errStopping.Error(), 0)
	case <-timer.C:
		unavailable(w, CodeOverloaded, fmt.Sprintf("timed out after %v: the node is overloaded", n.cfg.RequestTimeout), 0)
	case <-r.Context().Done():
	}
	return false
}

func (n *Node) answerWrite(w http.ResponseWriter, r *http.Request, cmd kv.Command, out proposalOutcome) {
	var notLeader *engine.NotLeaderError
	res := out.result
	switch {
	case errors.As(out.err, &notLeader):
		n.redirect(w, r, notLeader.Leader)
	case out.err != nil:
		unavailable(w, codeOf(out.err), out.err.Error(), 0)
	case errors.Is(res.Err, kv.ErrStale):
		writeError(w, http.StatusBadRequest, CodeBadRequest, res.Err.Error())
	case errors.Is(res.Err, kv.ErrSeqReused):
		writeError(w, http.StatusUnprocessableEntity, CodeSeqReused, res.Err.Error())
	case res.Err != nil:
		writeError(w, http.StatusInternalServerError, CodeInternal, res.Err.Error())
	case cmd.Op == kv.OpCAS && !res.OK:
		w.Header().Set(HeaderIndex, strconv.FormatUint(res.Index, 10))
		msg := "compare-and-set failed: the key does not exist"
		if res.Found {
			msg = "compare-and-set failed: the current value differs from the expected one"
		}
		writeJSON(w, http.StatusConflict, ErrorBody{Code: CodeCASFailed, Error: msg, Key: cmd.Key, Found: res.Found, Current: res.Value, Index: res.Index})
	default:
		w.Header().Set(HeaderIndex, strconv.FormatUint(res.Index, 10))
		writeJSON(w, http.StatusOK, WriteResult{Key: cmd.Key, Index: res.Index, Found: res.Found, Previous: res.Value})
	}
}

// handleGet serves a linearizable read: the leader confirms with a heartbeat round that
// it still leads (ReadIndex), waits until it has applied the commit index it had when the
// read arrived, and reads its own state machine.
func (n *Node) handleGet(w http.ResponseWriter, r *http.Request) {
	key, err := keyOf(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, CodeBadRequest, err.Error())
		return
	}
	if n.redirectUnlessLeader(w, r) {
		return
	}
	req := &readRequest{key: key, done: make(chan readOutcome, 1)}
	timer := time.NewTimer(n.cfg.RequestTimeout)
	defer timer.Stop()
	if !submit(n, w, r, timer, n.readc, req) {
		return
	}
	out, ok := await(n, w, r, timer, req.done, readOutcome{err: errStopping}, CodeReadNotConfirmed, func() string {
		return fmt.Sprintf("timed out after %v waiting for the read to be confirmed; retry", n.cfg.RequestTimeout)
	})
	if !ok {
		return
	}
	var notLeader *engine.NotLeaderError
	switch {
	case errors.As(out.err, &notLeader):
		n.redirect(w, r, notLeader.Leader)
	case errors.Is(out.err, errStopping):
		unavailable(w, CodeStopping, out.err.Error(), 0)
	case out.err != nil:
		unavailable(w, CodeReadNotConfirmed, out.err.Error(), 0)
	case !out.found:
		w.Header().Set(HeaderIndex, strconv.FormatUint(out.index, 10))
		writeJSON(w, http.StatusNotFound, ErrorBody{Code: CodeKeyNotFound, Error: "key not found", Key: key, Index: out.index})
	default:
		w.Header().Set(HeaderIndex, strconv.FormatUint(out.index, 10))
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(len(out.value)))
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, out.value)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"code":"internal","error":"encode the response"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, ErrorBody{Code: code, Error: msg})
}

// unavailable answers 503 with a retry hint.
func unavailable(w http.ResponseWriter, code, msg string, leader uint64) {
	w.Header().Set("Retry-After", strconv.Itoa(int(retryAfter/time.Second)))
	writeJSON(w, http.StatusServiceUnavailable, ErrorBody{Code: code, Error: msg, Leader: leader, RetryAfterMS: retryAfter.Milliseconds()})
}
