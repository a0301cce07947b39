package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"

	"github.com/raftplay/raftplay/kv"
	"github.com/raftplay/raftplay/node"
	"github.com/raftplay/raftplay/node/client"
)

// parseID reads a node id from a path segment.
func parseID(raw string) (uint64, error) {
	id, err := strconv.ParseUint(raw, 10, 64)
	if err != nil || id == 0 {
		return 0, fmt.Errorf("%q is not a node id (a nonzero decimal number)", clip(raw))
	}
	return id, nil
}

// nodeAction is the answer of POST /api/live/nodes/{id}/{action}.
type nodeAction struct {
	ID     uint64 `json:"id"`
	Action string `json:"action"`
}

// handleNode crashes or restarts a node's process through the supervisor.
func (s *Server) handleNode(w http.ResponseWriter, r *http.Request) {
	action := r.PathValue("action")
	if action != "crash" && action != "restart" {
		writeError(w, http.StatusNotFound, codeNoSuchEndpoint, fmt.Sprintf("no node action %q: POST /api/live/nodes/{id}/crash or /restart", clip(action)))
		return
	}
	id, err := parseID(r.PathValue("id"))
	if err != nil {
		writeError(w, http.StatusBadRequest, codeBadRequest, err.Error())
		return
	}
	sup := s.opts.Supervisor
	if sup == nil {
		writeError(w, http.StatusConflict, codeNotSupervised, "this server did not start the nodes, so it cannot crash or restart them: run `raftplay cluster --web`, or kill -9 the node's process and start it again by hand")
		return
	}
	if action == "crash" {
		err = sup.Crash(id)
	} else {
		err = sup.Restart(id)
	}
	switch {
	case errors.Is(err, ErrNoSuchNode):
		writeError(w, http.StatusNotFound, codeNoSuchNode, fmt.Sprintf("no node %d: %v", id, err))
	case errors.Is(err, ErrNotRunning):
		writeError(w, http.StatusConflict, codeNotRunning, fmt.Sprintf("node %d is not running", id))
	case errors.Is(err, ErrRunning):
		writeError(w, http.StatusConflict, codeRunning, fmt.Sprintf("node %d is already running", id))
	case err != nil:
		writeError(w, http.StatusInternalServerError, codeInternal, fmt.Sprintf("%s node %d: %v", action, id, err))
	default:
		s.log.Info("node "+action+" from the live page", "node", id)
		writeJSON(w, http.StatusOK, nodeAction{ID: id, Action: action})
	}
}

// linkSide is one node's part of a link cut or heal.
type linkSide struct {
	ID    uint64 `json:"id"`
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

// linkAnswer is the answer of POST /api/live/links/{a}/{b}/{action}.
type linkAnswer struct {
	A     uint64     `json:"a"`
	B     uint64     `json:"b"`
	Cut   bool       `json:"cut"`
	Nodes []linkSide `json:"nodes"`
}

// handleLink cuts or heals the link between nodes a and b: each of them is told to
// drop (or deliver again) the traffic to and from the other. One side that answers is
// enough to cut both directions; the answer says which sides did.
func (s *Server) handleLink(w http.ResponseWriter, r *http.Request) {
	action := r.PathValue("action")
	if action != "cut" && action != "heal" {
		writeError(w, http.StatusNotFound, codeNoSuchEndpoint, fmt.Sprintf("no link action %q: POST /api/live/links/{a}/{b}/cut or /heal", clip(action)))
		return
	}
	a, errA := parseID(r.PathValue("a"))
	b, errB := parseID(r.PathValue("b"))
	switch {
	case errA != nil:
		writeError(w, http.StatusBadRequest, codeBadRequest, errA.Error())
		return
	case errB != nil:
		writeError(w, http.StatusBadRequest, codeBadRequest, errB.Error())
		return
	case a == b:
		writeError(w, http.StatusBadRequest, codeBadRequest, fmt.Sprintf("a link joins two different nodes, not %d and itself", a))
		return
	}
	urlA, okA := s.nodeByID(r.Context(), a)
	urlB, okB := s.nodeByID(r.Context(), b)
	if !okA || !okB {
		missing := a
		if okA {
			missing = b
		}
		writeError(w, http.StatusNotFound, codeNoSuchNode, fmt.Sprintf("no known node has the id %d", missing))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.opts.RequestTimeout)
	defer cancel()
	answer := linkAnswer{A: a, B: b, Cut: action == "cut", Nodes: make([]linkSide, 2)}
	var wg sync.WaitGroup
	for i, side := range []struct {
		id, peer uint64
		url      string
	}{{a, b, urlA}, {b, a, urlB}} {
		wg.Go(func() {
			err := s.postLink(ctx, side.url, side.peer, action)
			answer.Nodes[i] = linkSide{ID: side.id, OK: err == nil}
			if err != nil {
				answer.Nodes[i].Error = describeDown(err)
			}
		})
	}
	wg.Wait()
	if !answer.Nodes[0].OK && !answer.Nodes[1].OK {
		writeError(w, http.StatusBadGateway, codeUnreachable, fmt.Sprintf("neither node changed the link: node %d: %s; node %d: %s", a, answer.Nodes[0].Error, b, answer.Nodes[1].Error))
		return
	}
	s.log.Info("link "+action+" from the live page", "a", a, "b", b)
	writeJSON(w, http.StatusOK, answer)
}

// postLink asks the node at base to cut or heal its link to peer.
func (s *Server) postLink(ctx context.Context, base string, peer uint64, action string) error {
	cl, err := client.New([]string{base}, client.Options{Token: s.opts.Token, Transport: s.opts.Transport, Once: true})
	if err != nil {
		return err
	}
	_, err = cl.Link(ctx, peer, action == "cut")
	return err
}

// handleKV proxies a kv request to the cluster with node/client: the leader is found
// (and redirects followed, the token sent again) and a request that found no leader
// is retried until RequestTimeout, as `raftplay kv` does. Each request gets its own
// client session, so a retried write is applied at most once. The answer is the
// node's: its status, its JSON body (or the value), its X-Raftplay-Index.
func (s *Server) handleKV(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	if key == "" {
		writeError(w, http.StatusBadRequest, codeBadRequest, "empty key: the path is /api/live/kv/{key}")
		return
	}
	cl, err := client.New(s.urls(), client.Options{Token: s.opts.Token, Timeout: s.opts.RequestTimeout, Transport: s.opts.Transport})
	if err != nil {
		writeError(w, http.StatusInternalServerError, codeInternal, err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.opts.RequestTimeout)
	defer cancel()
	switch r.Method {
	case http.MethodGet:
		v, err := cl.Get(ctx, key)
		switch {
		case err != nil:
			writeKVError(w, err)
		case !v.Found:
			w.Header().Set(node.HeaderIndex, strconv.FormatUint(v.Index, 10))
			writeJSON(w, http.StatusNotFound, node.ErrorBody{Code: node.CodeKeyNotFound, Error: "key not found", Key: key, Index: v.Index})
		default:
			h := w.Header()
			h.Set(node.HeaderIndex, strconv.FormatUint(v.Index, 10))
			h.Set("Content-Type", "application/octet-stream")
			h.Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusOK)
			_, _ = io.WriteString(w, v.Value)
		}
		return
	case http.MethodDelete:
		if _, present := r.Header[node.HeaderExpect]; present {
			writeError(w, http.StatusBadRequest, codeBadRequest, node.DeleteExpectError)
			return
		}
		res, err := cl.Delete(ctx, key)
		writeKVResult(w, res, err)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, kv.MaxValueLen))
	if err != nil {
		if errors.As(err, new(*http.MaxBytesError)) {
			writeError(w, http.StatusRequestEntityTooLarge, node.CodeTooLarge, fmt.Sprintf("value too large: the limit is %d bytes", kv.MaxValueLen))
			return
		}
		writeError(w, http.StatusBadRequest, codeBadRequest, fmt.Sprintf("read the request body: %v", err))
		return
	}
	var res node.WriteResult
	if expect, present := r.Header[node.HeaderExpect]; present {
		if len(expect) != 1 {
			writeError(w, http.StatusBadRequest, codeBadRequest, fmt.Sprintf("%s given %d times; give it once", node.HeaderExpect, len(expect)))
			return
		}
		res, err = cl.CAS(ctx, key, expect[0], string(body))
	} else {
		res, err = cl.Put(ctx, key, string(body))
	}
	writeKVResult(w, res, err)
}

// writeKVResult answers a write as the node did.
func writeKVResult(w http.ResponseWriter, res node.WriteResult, err error) {
	if err != nil {
		writeKVError(w, err)
		return
	}
	w.Header().Set(node.HeaderIndex, strconv.FormatUint(res.Index, 10))
	writeJSON(w, http.StatusOK, res)
}

// writeKVError answers a node's error answer as the node gave it, and a failure to
// reach any node as 502.
func writeKVError(w http.ResponseWriter, err error) {
	var apiErr *client.Error
	if errors.As(err, &apiErr) {
		if apiErr.Body.Code == "" {
			apiErr.Body.Code = codeInternal
		}
		if apiErr.Body.Index != 0 {
			w.Header().Set(node.HeaderIndex, strconv.FormatUint(apiErr.Body.Index, 10))
		}
		writeJSON(w, apiErr.Status, apiErr.Body)
		return
	}
	writeError(w, http.StatusBadGateway, codeUnreachable, fmt.Sprintf("no node could serve the request: %v", err))
}
