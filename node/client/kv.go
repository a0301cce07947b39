package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/raftplay/raftplay/node"
)

// Value is the answer to Get.
type Value struct {
	Value string
	Found bool   // false: the key is absent (the node answered 404)
	Index uint64 // the log index the read was served at
}

// Status asks the nodes in turn for their GET /status and returns the first answer; it
// does not retry (an unreachable node is an answer about it). Use At for one node's.
func (c *Client) Status(ctx context.Context) (node.Status, error) {
	var st node.Status
	var lastErr error
	for _, base := range c.nodes {
		ans, err := c.once(ctx, base, request{method: http.MethodGet, path: "/status"})
		if err == nil && ans.status != http.StatusOK {
			err = ans.err()
		}
		if err == nil {
			if err = json.Unmarshal(ans.body, &st); err == nil {
				return st, nil
			}
			if text, noText := describeBody(ans.body); noText {
				err = fmt.Errorf("%s/status answered %d %s with %s, not a node's status", base, ans.status, http.StatusText(ans.status), text)
			} else {
				err = fmt.Errorf("%s/status answered %d %s with a body that is not a node's status: %w", base, ans.status, http.StatusText(ans.status), err)
			}
		}
		lastErr = err
	}
	return node.Status{}, lastErr
}

// Get reads key linearizably (the leader confirms it still leads, §6.4 of the Raft
// dissertation). An absent key is Found false, not an error.
func (c *Client) Get(ctx context.Context, key string) (Value, error) {
	ans, err := c.do(ctx, request{method: http.MethodGet, path: keyPath(key)})
	if err != nil {
		return Value{}, err
	}
	index, _ := strconv.ParseUint(ans.header.Get(node.HeaderIndex), 10, 64)
	switch {
	case ans.status == http.StatusOK:
		return Value{Value: string(ans.body), Found: true, Index: index}, nil
	case ans.status == http.StatusNotFound && ans.err().Body.Code == node.CodeKeyNotFound:
		return Value{Index: index}, nil
	}
	return Value{}, ans.err()
}

// Put sets key to value once the write is committed and applied.
func (c *Client) Put(ctx context.Context, key, value string) (node.WriteResult, error) {
	return c.write(ctx, request{method: http.MethodPut, path: keyPath(key), body: value})
}

// CAS sets key to value only if it holds expected (compare-and-set). When it does not,
// the error is an *Error with code node.CodeCASFailed whose Body says whether the key
// exists (Found) and what it holds (Current).
func (c *Client) CAS(ctx context.Context, key, expected, value string) (node.WriteResult, error) {
	return c.write(ctx, request{method: http.MethodPut, path: keyPath(key), body: value,
		header: http.Header{node.HeaderExpect: {expected}}})
}

// Delete removes key; deleting an absent key succeeds with Found false.
func (c *Client) Delete(ctx context.Context, key string) (node.WriteResult, error) {
	return c.write(ctx, request{method: http.MethodDelete, path: keyPath(key)})
}

func (c *Client) write(ctx context.Context, req request) (node.WriteResult, error) {
	ans, err := c.do(ctx, req)
	if err != nil {
		return node.WriteResult{}, err
	}
	if ans.status != http.StatusOK {
		return node.WriteResult{}, ans.err()
	}
	var res node.WriteResult
	if err := json.Unmarshal(ans.body, &res); err != nil {
		return node.WriteResult{}, fmt.Errorf("%s answered 200 with a body that is not a write result: %w", ans.node, err)
	}
	return res, nil
}

// keyPath is the path of a key: each segment escaped, the slashes kept (the node reads
// /kv/a/b as the key "a/b").
func keyPath(key string) string {
	segments := strings.Split(key, "/")
	for i, s := range segments {
		segments[i] = url.PathEscape(s)
	}
	return "/kv/" + strings.Join(segments, "/")
}
