// Package client speaks the HTTP API of raftplay nodes (package node serves it): typed
// calls for the key-value store (Get, Put, CAS, Delete), a node's Status, and its
// /events stream (Events, read by ReadSSE). The command-line tool and the end-to-end
// tests use it; it is the one place that knows the API's headers, its redirects and
// when a request may be sent again.
//
//	c, err := client.New([]string{"http://127.0.0.1:8001", "http://127.0.0.1:8002"},
//		client.Options{Token: token, Timeout: 5 * time.Second})
//	res, err := c.Put(ctx, "greeting", "hello") // res.Index: where it was applied
//
// # Retries
//
// A request goes to the node that served the client's last request (the leader, most
// likely), then to the nodes of the list in order. A follower answers 307 with the
// leader's URL, and the client follows it, sending the token again. When a node cannot
// be reached, or redirects to a leader that cannot (one just killed), or answers 503,
// the client passes on to the next node; after a round in which no node served the
// request it waits Options.RetryDelay and starts over, until the context is done. Every
// 503 may be retried: its code (node.ErrorBody.Code) says the request had no effect,
// except node.CodeOutcomeUnknown, and a write carries a client session
// (node.HeaderClient and node.HeaderSeq, the same in every attempt), so that a retry of
// a write that did take effect is applied at most once (§6.3 of the Raft
// dissertation). When every node refused the connection itself in a round, nothing is
// running there: the client gives up at once. When every node refused the connection
// or closed it right after the request without an answer (what a node's Raft port does
// with an HTTP request), two rounds running, the client gives up too: a node that stops
// while answering hangs up once, then refuses until it is back. Options.Once turns
// retrying off.
//
// Decisions are made on status codes and error codes, never on the English of an
// answer.
package client

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/raftplay/raftplay/node"
)

// DefaultRetryDelay is the wait between two rounds over the nodes: an election takes a
// few hundred milliseconds, so the node's Retry-After of a second is more than needed.
const DefaultRetryDelay = 200 * time.Millisecond

// maxAnswerBytes bounds what is read of one answer: a value is at most 1 MiB.
const maxAnswerBytes = 4 << 20

// maxRedirects bounds the redirects one attempt follows.
const maxRedirects = 10

// Options configures a Client.
type Options struct {
	// Token is the cluster token, sent as "Authorization: Bearer Token" ("" for none).
	Token string
	// Timeout bounds one HTTP exchange, redirects included; 0 means no bound (for
	// Events). The whole call, retries included, is bounded by its context.
	Timeout time.Duration
	// RetryDelay is the wait between two rounds over the nodes; 0 means
	// DefaultRetryDelay.
	RetryDelay time.Duration
	// Once sends each request once, to the first node (following its redirect), and
	// hands back whatever came of it: for callers that decide about retries themselves.
	Once bool
	// Transport carries the requests; nil means a new http.Transport.
	Transport http.RoundTripper
}

// Client talks to a list of nodes. It is safe for concurrent use. Its writes (and
// those of its At views) form one session and go one at a time: each takes the next
// sequence number, and a session has at most one command outstanding (§6.3 of the Raft
// dissertation; a later seq applied first would make the earlier one stale). Give each
// concurrent writer its own Client.
type Client struct {
	nodes   []string // base URLs, such as http://127.0.0.1:8001, without a trailing slash
	opts    Options
	http    *http.Client
	session *session
	served  *atomic.Pointer[string] // base URL of the node that served the last request
}

// session is a client id with its last sequence number, shared by a Client and the
// views At returns. A write holds turn (a one-slot semaphore, so that waiting for it
// respects the context) while it is outstanding; seq is guarded by it.
type session struct {
	turn chan struct{}
	id   uint64
	seq  uint64
}

// New prepares a client for the nodes at addrs (URLs, or HOST:PORT for http).
func New(addrs []string, opts Options) (*Client, error) {
	if len(addrs) == 0 {
		return nil, errors.New("client: no node address given")
	}
	c := &Client{opts: opts, session: &session{id: randomClientID(), turn: make(chan struct{}, 1)}, served: new(atomic.Pointer[string])}
	for _, addr := range addrs {
		base, err := BaseURL(addr)
		if err != nil {
			return nil, fmt.Errorf("client: node address %w", err)
		}
		c.nodes = append(c.nodes, base)
	}
	if c.opts.RetryDelay <= 0 {
		c.opts.RetryDelay = DefaultRetryDelay
	}
	transport := opts.Transport
	if transport == nil {
		transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	c.http = &http.Client{
		Transport: transport,
		Timeout:   opts.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= maxRedirects {
				return fmt.Errorf("more than %d redirects: the nodes disagree about the leader; try again", maxRedirects)
			}
			c.authorize(req) // net/http drops the header on a redirect to another host
			return nil
		},
	}
	return c, nil
}

// SplitAddrs splits a comma-separated list of node addresses, skipping empty items.
func SplitAddrs(list string) []string {
	var addrs []string
	for addr := range strings.SplitSeq(list, ",") {
		if addr = strings.TrimSpace(addr); addr != "" {
			addrs = append(addrs, addr)
		}
	}
	return addrs
}

// BaseURL normalizes a node's address: a URL with scheme http or https and no path, or
// HOST:PORT for http. Its error begins with the address, quoted, for the caller to
// prefix with where it came from.
func BaseURL(addr string) (string, error) {
	raw := addr
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return "", fmt.Errorf("%q: expected a node's URL such as http://127.0.0.1:8001", addr)
	}
	return u.Scheme + "://" + u.Host, nil
}

// Addrs returns the base URLs of the nodes, in the order they are tried.
func (c *Client) Addrs() []string { return append([]string(nil), c.nodes...) }

// At returns a client for node i of the list alone (and the leader it redirects to),
// sharing this client's session, options and connections.
func (c *Client) At(i int) *Client {
	view := *c
	view.nodes = []string{c.nodes[i]}
	view.served = new(atomic.Pointer[string])
	return &view
}

// order is the nodes to try, in turn: the one that served last, then the list.
func (c *Client) order() []string {
	last := c.served.Load()
	if c.opts.Once || last == nil || *last == c.nodes[0] {
		return c.nodes
	}
	order := []string{*last}
	for _, base := range c.nodes {
		if base != *last {
			order = append(order, base)
		}
	}
	return order
}

// CloseIdleConnections closes the connections kept for later requests.
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

func (c *Client) authorize(req *http.Request) {
	if c.opts.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.opts.Token)
	}
}

// request is one call of the API.
type request struct {
	method, path string
	body         string
	header       http.Header
}

// answer is a node's answer to a request.
type answer struct {
	status int
	header http.Header
	body   []byte
	node   string // the base URL of the node that answered
	// afterUnknown: an earlier attempt was answered 503 outcome-unknown.
	afterUnknown bool
}

// err turns an answer that is not a success into an *Error.
func (a answer) err() *Error {
	e := &Error{URL: a.node, Status: a.status, AfterOutcomeUnknown: a.afterUnknown}
	if json.Unmarshal(a.body, &e.Body) != nil || e.Body.Error == "" {
		text, noText := describeBody(a.body)
		e.Body, e.noText = node.ErrorBody{Error: text}, noText
	}
	return e
}

// do sends req under the retry policy (see the package comment) and returns the first
// answer that is not a 503, or what stopped the retries.
func (c *Client) do(ctx context.Context, req request) (answer, error) {
	if req.method == http.MethodPut || req.method == http.MethodDelete {
		select {
		case c.session.turn <- struct{}{}:
			defer func() { <-c.session.turn }()
		case <-ctx.Done():
			return answer{}, fmt.Errorf("wait for this client's previous write: %w", ctx.Err())
		}
		c.session.seq++
		req.header = req.header.Clone()
		if req.header == nil {
			req.header = http.Header{}
		}
		req.header.Set(node.HeaderClient, strconv.FormatUint(c.session.id, 10))
		req.header.Set(node.HeaderSeq, strconv.FormatUint(c.session.seq, 10))
	}
	var unavailable *answer // the last 503
	var lastErr, lastHangUp error
	unknown := false  // a 503 said the outcome of an attempt is unknown
	hungUpRounds := 0 // rounds in a row in which every node refused or hung up, one at least hung up
	for {
		refused, hungUp := 0, 0
		order := c.order()
		for _, base := range order {
			ans, err := c.once(ctx, base, req)
			switch {
			case c.opts.Once:
				return ans, err
			case err == nil && ans.status != http.StatusServiceUnavailable:
				c.served.Store(&ans.node)
				ans.afterUnknown = unknown
				return ans, nil
			case err == nil:
				ans.afterUnknown = unknown
				unavailable = &ans
				unknown = unknown || ans.err().Body.Code == node.CodeOutcomeUnknown
			default:
				if lastErr == nil || ctx.Err() == nil {
					lastErr = err // an attempt cut short by the deadline explains less
				}
				if refusedBy(err, base) {
					refused++
				} else if hungUpBy(err, base) {
					hungUp++
					lastHangUp = err
				}
			}
			if ctx.Err() != nil {
				break
			}
		}
		switch {
		case refused == len(order) && unavailable == nil:
			return answer{}, refusedAll(order, lastErr) // nothing is running at any address
		case ctx.Err() != nil && unavailable != nil:
			return *unavailable, nil // out of time while retrying: the 503 says why
		case ctx.Err() != nil:
			return answer{}, lastErr
		}
		if hungUp > 0 && refused+hungUp == len(order) {
			// A node that stops while answering hangs up once; then it refuses the
			// connection until it is back. Hanging up again is what a server that is
			// not a node's HTTP API does (a node's Raft port): one retry, no more.
			if hungUpRounds++; hungUpRounds == 2 {
				return answer{}, lastHangUp
			}
		} else {
			hungUpRounds = 0
		}
		select {
		case <-ctx.Done():
		case <-time.After(c.opts.RetryDelay):
		}
	}
}

// once sends req to the node at base, following redirects.
func (c *Client) once(ctx context.Context, base string, req request) (answer, error) {
	target := base + req.path
	var body io.Reader
	if req.method == http.MethodPut || req.method == http.MethodPost {
		body = strings.NewReader(req.body) // net/http resends it on a 307
	}
	hreq, err := http.NewRequestWithContext(ctx, req.method, target, body)
	if err != nil {
		return answer{}, fmt.Errorf("build the request %s %s: %w", req.method, target, err)
	}
	for k, v := range req.header {
		hreq.Header[k] = v
	}
	c.authorize(hreq)
	resp, err := c.http.Do(hreq)
	if err != nil {
		return answer{}, reachError(base, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
	if err != nil {
		return answer{}, fmt.Errorf("read the answer of %s: %w", resp.Request.URL, err)
	}
	final := resp.Request.URL
	return answer{status: resp.StatusCode, header: resp.Header, body: data, node: final.Scheme + "://" + final.Host}, nil
}

// refusedBy reports whether err is the node at base refusing the connection itself
// (not a node it redirected to).
func refusedBy(err error, base string) bool {
	return errors.Is(err, syscall.ECONNREFUSED) && requestTo(err, base)
}

// hungUpBy reports whether err is the node at base closing the connection after the
// request without an answer (EOF, or a reset), as a node's Raft port does with an HTTP
// request; not a node it redirected to, nor a timeout.
func hungUpBy(err error, base string) bool {
	var urlErr *url.Error
	if errors.As(err, &urlErr) && urlErr.Timeout() {
		return false
	}
	return (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)) &&
		requestTo(err, base)
}

// requestTo reports whether err is a request's failure at base itself: a *url.Error
// whose URL is on base, not on a node base redirected to.
func requestTo(err error, base string) bool {
	var urlErr *url.Error
	if !errors.As(err, &urlErr) {
		return false
	}
	u, perr := url.Parse(urlErr.URL)
	return perr == nil && u.Scheme+"://"+u.Host == base
}

// randomClientID is a nonzero session id.
func randomClientID() uint64 {
	var b [8]byte
	for {
		_, _ = rand.Read(b[:])
		if id := binary.LittleEndian.Uint64(b[:]); id != 0 {
			return id
		}
	}
}
