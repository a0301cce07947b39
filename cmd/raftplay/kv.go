package main

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
	"syscall"
	"time"

	"github.com/raftplay/raftplay/node"
	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newKVCommand) }

// defaultNodeURL is the first node of "raftplay cluster" with its default ports.
const defaultNodeURL = "http://127.0.0.1:8001"

// defaultNodeURLs are the three nodes of "raftplay cluster" with its default ports: kv
// tries them in turn, so that it works while any one of them is down.
const defaultNodeURLs = defaultNodeURL + ",http://127.0.0.1:8002,http://127.0.0.1:8003"

// maxAnswerBytes bounds what the CLI reads of an answer: a value is at most 1 MiB.
const maxAnswerBytes = 4 << 20

type kvFlags struct {
	addr      string // one URL, or several separated by commas
	token     string
	tokenFile string
	timeout   time.Duration
}

func newKVCommand() *cobra.Command {
	var f kvFlags
	cmd := &cobra.Command{
		Use:   "kv",
		Short: "Read and write the replicated key-value store of running nodes",
		Long: `kv sends one request to a node's HTTP API. Any node will do: a follower
redirects to the leader (307), and kv follows. --addr may name several nodes,
separated by commas (by default the three of 'raftplay cluster'): kv tries them in
turn, so a node that is down, or a follower that still redirects to a leader that
is down, is passed over. While an election is under way (503), or no node of
--addr could serve the request, kv retries until --timeout; a write is sent with
a client session (X-Raftplay-Client and -Seq), so a retry is applied at most once.

Exit status: 0 on success; 1 when the key is not found, a compare-and-set does
not match, or the request failed; 2 for a usage error.`,
		Example: `  raftplay kv put greeting hello
  raftplay kv get greeting --addr http://127.0.0.1:8002
  raftplay kv get greeting --addr http://127.0.0.1:8002,http://127.0.0.1:8003
  raftplay kv cas greeting hello bonjour
  raftplay kv del greeting`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usageError(cmd, errors.New("name an operation: put, get, del or cas"))
		},
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&f.addr, "addr", defaultNodeURLs, "URLs of nodes' HTTP APIs, separated by commas; kv tries them in turn")
	pf.StringVar(&f.token, "token", "", tokenFlagHelp)
	pf.StringVar(&f.tokenFile, "token-file", "", tokenFileFlagHelp+" (default: $"+tokenEnv+", else "+defaultClusterTokenFile+" if it exists)")
	pf.DurationVar(&f.timeout, "timeout", 10*time.Second, "give up after this long (retrying while there is no leader)")
	cmd.AddCommand(
		&cobra.Command{
			Use:   "put KEY VALUE",
			Short: "Set KEY to VALUE once the write is committed and applied",
			Args:  usageArgs(cobra.ExactArgs(2)),
			RunE: func(cmd *cobra.Command, args []string) error {
				return runKV(cmd.Context(), cmd.OutOrStdout(), f, kvPut, args)
			},
		},
		&cobra.Command{
			Use:   "get KEY",
			Short: "Print KEY's value (a linearizable read through the leader)",
			Args:  usageArgs(cobra.ExactArgs(1)),
			RunE: func(cmd *cobra.Command, args []string) error {
				return runKV(cmd.Context(), cmd.OutOrStdout(), f, kvGet, args)
			},
		},
		&cobra.Command{
			Use:     "del KEY",
			Aliases: []string{"delete", "rm"},
			Short:   "Delete KEY (succeeds also when it was absent, and says so)",
			Args:    usageArgs(cobra.ExactArgs(1)),
			RunE: func(cmd *cobra.Command, args []string) error {
				return runKV(cmd.Context(), cmd.OutOrStdout(), f, kvDel, args)
			},
		},
		&cobra.Command{
			Use:   "cas KEY OLD NEW",
			Short: "Set KEY to NEW only if it holds OLD (compare-and-set)",
			Args:  usageArgs(cobra.ExactArgs(3)),
			RunE: func(cmd *cobra.Command, args []string) error {
				return runKV(cmd.Context(), cmd.OutOrStdout(), f, kvCAS, args)
			},
		},
	)
	return cmd
}

type kvOp int

const (
	kvPut kvOp = iota
	kvGet
	kvDel
	kvCAS
)

// runKV performs one operation and prints its outcome.
func runKV(ctx context.Context, out io.Writer, f kvFlags, op kvOp, args []string) error {
	token, err := clientToken(f.token, f.tokenFile)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	cs, err := newAPIClients(f.addr, token, f.timeout)
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("%w\nrun 'raftplay kv --help' for usage", err)}
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	key := args[0]
	path := "/kv/" + escapeKey(key)
	req := apiRequest{path: path}
	switch op {
	case kvPut:
		req.method, req.body = http.MethodPut, args[1]
	case kvGet:
		req.method = http.MethodGet
	case kvDel:
		req.method = http.MethodDelete
	case kvCAS:
		req.method, req.body = http.MethodPut, args[2]
		req.header = http.Header{node.HeaderExpect: {args[1]}}
	}
	if req.method != http.MethodGet {
		req.session = true
	}
	ans, err := cs.do(ctx, req)
	if err != nil {
		return &exitError{code: 1, err: err}
	}
	return printKVAnswer(out, op, key, ans)
}

func printKVAnswer(out io.Writer, op kvOp, key string, ans apiAnswer) error {
	switch {
	case op == kvGet && ans.status == http.StatusOK:
		_, err := fmt.Fprintln(out, string(ans.body))
		return err
	case ans.status == http.StatusNotFound && op == kvGet:
		return &exitError{code: 1, err: fmt.Errorf("key not found: %q", key)}
	case ans.status == http.StatusConflict && op == kvCAS:
		var body node.ErrorBody
		_ = json.Unmarshal(ans.body, &body)
		if !body.Found {
			return &exitError{code: 1, err: fmt.Errorf("compare-and-set failed: key %q not found (use put to create it)", key)}
		}
		return &exitError{code: 1, err: fmt.Errorf("compare-and-set failed: key %q holds %q, not the expected value", key, body.Current)}
	case ans.status != http.StatusOK:
		return &exitError{code: 1, err: ans.error()}
	}
	var res node.WriteResult
	if err := json.Unmarshal(ans.body, &res); err != nil {
		return &exitError{code: 1, err: fmt.Errorf("the node answered 200 with a body that is not a write result: %w", err)}
	}
	switch {
	case op == kvDel && !res.Found:
		_, err := fmt.Fprintf(out, "OK: %q was not there (index %d)\n", key, res.Index)
		return err
	case op == kvDel:
		_, err := fmt.Fprintf(out, "OK: deleted %q (was %q) at index %d\n", key, res.Previous, res.Index)
		return err
	case res.Found:
		_, err := fmt.Fprintf(out, "OK: index %d (was %q)\n", res.Index, res.Previous)
		return err
	default:
		_, err := fmt.Fprintf(out, "OK: index %d (new key)\n", res.Index)
		return err
	}
}

// escapeKey turns a key into a path: each segment is escaped, the slashes stay
// (the node reads /kv/a/b as the key "a/b").
func escapeKey(key string) string {
	segments := strings.Split(key, "/")
	for i, s := range segments {
		segments[i] = url.PathEscape(s)
	}
	return strings.Join(segments, "/")
}

// apiClient talks to one node's HTTP API, following redirects to the leader.
type apiClient struct {
	base  string // such as http://127.0.0.1:8001, without a trailing slash
	token string
	http  *http.Client
}

// newAPIClient checks addr (a URL or HOST:PORT) and prepares a client; token "" means
// $RAFTPLAY_TOKEN. timeout bounds each HTTP exchange (0: none, for streams).
func newAPIClient(addr, token string, timeout time.Duration) (*apiClient, error) {
	base, err := baseURL(addr)
	if err != nil {
		return nil, err
	}
	c := &apiClient{base: base, token: token}
	c.http = &http.Client{
		Timeout: timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 10 {
				return errors.New("more than 10 redirects: the nodes disagree about the leader; try again")
			}
			c.authorize(req) // also on a redirect to another host
			return nil
		},
	}
	return c, nil
}

// baseURL normalizes an --addr value.
func baseURL(addr string) (string, error) {
	raw := addr
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return "", fmt.Errorf("--addr %q: expected a node's URL such as %s", addr, defaultNodeURL)
	}
	return u.Scheme + "://" + u.Host, nil
}

func (c *apiClient) authorize(req *http.Request) {
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
}

type apiRequest struct {
	method, path string
	body         string
	header       http.Header
	session      bool // send X-Raftplay-Client and -Seq, so retries apply at most once
}

type apiAnswer struct {
	status int
	body   []byte
	url    string // where the final answer came from
}

// error describes an answer that is not a success.
func (a apiAnswer) error() error {
	var body node.ErrorBody
	msg := strings.TrimSpace(string(a.body))
	if json.Unmarshal(a.body, &body) == nil && body.Error != "" {
		msg = body.Error
	}
	switch a.status {
	case http.StatusUnauthorized:
		return fmt.Errorf("%s answered 401: %s (pass --token-file or set %s)", a.url, msg, tokenEnv)
	case http.StatusServiceUnavailable:
		return fmt.Errorf("%s answered 503: %s; is a majority of the nodes running? ('raftplay status' shows them)", a.url, msg)
	}
	return fmt.Errorf("%s answered %d %s: %s", a.url, a.status, http.StatusText(a.status), msg)
}

// apiClients are the nodes named by --addr, tried in turn.
type apiClients []*apiClient

// newAPIClients prepares a client for each address of a comma-separated list.
func newAPIClients(addrs, token string, timeout time.Duration) (apiClients, error) {
	var cs apiClients
	for addr := range strings.SplitSeq(addrs, ",") {
		if addr = strings.TrimSpace(addr); addr == "" {
			continue
		}
		c, err := newAPIClient(addr, token, timeout)
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	if len(cs) == 0 {
		return nil, fmt.Errorf("--addr %q names no node: expected a URL such as %s", addrs, defaultNodeURL)
	}
	return cs, nil
}

// do sends req to the first node that serves it. A node that cannot be reached, or
// whose redirect leads to one that cannot (a leader just killed), is passed over; after
// a round in which no node served it, do waits and tries again until ctx is done, unless
// every node refused the connection itself (nothing is running there). A write carries
// the same session (client id and seq 1) in every attempt, so it is applied at most once.
func (cs apiClients) do(ctx context.Context, req apiRequest) (apiAnswer, error) {
	header := req.header.Clone()
	if header == nil {
		header = http.Header{}
	}
	if req.session {
		header.Set(node.HeaderClient, strconv.FormatUint(randomClientID(), 10))
		header.Set(node.HeaderSeq, "1")
	}
	var unavailable *apiAnswer // the last 503
	var lastErr error
	for {
		refused := 0
		for _, c := range cs {
			ans, err := c.once(ctx, req.method, req.path, req.body, header)
			switch {
			case err == nil && ans.status != http.StatusServiceUnavailable:
				return ans, nil
			case err == nil:
				unavailable = &ans
			default:
				if lastErr == nil || ctx.Err() == nil {
					lastErr = err // an attempt cut short by the deadline explains less
				}
				if c.refusedDirectly(err) {
					refused++
				}
			}
			if ctx.Err() != nil {
				break
			}
		}
		switch {
		case refused == len(cs) && unavailable == nil:
			return apiAnswer{}, lastErr // nothing is running at any address
		case ctx.Err() != nil && unavailable != nil:
			return *unavailable, nil // out of time while retrying: the 503 says why
		case ctx.Err() != nil:
			return apiAnswer{}, lastErr
		}
		select {
		case <-ctx.Done():
		case <-time.After(retryDelay):
		}
	}
}

// refusedDirectly reports whether err is this node refusing the connection itself (not a
// node it redirected to).
func (c *apiClient) refusedDirectly(err error) bool {
	var urlErr *url.Error
	if !errors.Is(err, syscall.ECONNREFUSED) || !errors.As(err, &urlErr) {
		return false
	}
	u, perr := url.Parse(urlErr.URL)
	return perr == nil && u.Scheme+"://"+u.Host == c.base
}

// retryDelay is the wait before retrying a 503: elections take a few hundred
// milliseconds, so the node's Retry-After of a second is more than needed.
const retryDelay = 200 * time.Millisecond

func (c *apiClient) once(ctx context.Context, method, path, body string, header http.Header) (apiAnswer, error) {
	target := c.base + path
	var rd io.Reader
	if method == http.MethodPut {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return apiAnswer{}, fmt.Errorf("build the request %s %s: %w", method, target, err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	c.authorize(req)
	resp, err := c.http.Do(req)
	if err != nil {
		return apiAnswer{}, reachError(c.base, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
	if err != nil {
		return apiAnswer{}, fmt.Errorf("read the answer of %s: %w", resp.Request.URL, err)
	}
	return apiAnswer{status: resp.StatusCode, body: data, url: resp.Request.URL.Scheme + "://" + resp.Request.URL.Host}, nil
}

// reachError explains a request that got no answer. It names the node that did not
// answer: base, or the node base redirected to. The cause stays reachable with errors.Is
// and errors.As.
func reachError(base string, err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		if u, perr := url.Parse(urlErr.URL); perr == nil && u.Host != "" {
			base = u.Scheme + "://" + u.Host
		}
	}
	var msg string
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		msg = fmt.Sprintf("cannot reach a node at %s: connection refused; is it running? ('raftplay cluster' starts three nodes; --addr points at others)", base)
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		msg = fmt.Sprintf("no answer from %s in time: %v; is a majority of the nodes running? ('raftplay status' shows them)", base, err)
	case urlErr != nil && urlErr.Timeout():
		msg = fmt.Sprintf("no answer from %s in time; is a majority of the nodes running? ('raftplay status' shows them)", base)
	default:
		msg = fmt.Sprintf("request to %s failed: %v", base, err)
	}
	return &unreachableError{msg: msg, err: err}
}

// unreachableError is a request that got no answer, explained.
type unreachableError struct {
	msg string
	err error
}

func (e *unreachableError) Error() string { return e.msg }
func (e *unreachableError) Unwrap() error { return e.err }

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
