package node

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The HTTP surface of issue 11, against three real nodes on loopback.
func TestHTTPRefusesMisleadingRequests(t *testing.T) {
	c := newTestCluster(t, nil)
	lead := c.leader()
	session := func(seq string) map[string]string {
		return map[string]string{HeaderClient: "77", HeaderSeq: seq}
	}

	t.Run("a seq reused for another command is refused, a true retry answered", func(t *testing.T) {
		resp, body := c.do(c.client, http.MethodPut, c.url(lead, "/kv/first"), "1", session("1"))
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		original := decodeJSON[WriteResult](t, body)

		resp, body = c.do(c.client, http.MethodPut, c.url(lead, "/kv/second"), "2", session("1"))
		require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, body)
		msg := decodeJSON[ErrorBody](t, body).Error
		assert.Contains(t, msg, "seq 1 was used for PUT \"first\"")
		resp, body = c.do(c.client, http.MethodGet, c.url(lead, "/kv/second"), "", nil)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, "the refused write changed nothing: %s", body)

		resp, body = c.do(c.client, http.MethodPut, c.url(lead, "/kv/first"), "1", session("1"))
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		assert.Equal(t, original, decodeJSON[WriteResult](t, body), "a retry gets the original answer")
	})

	t.Run("DELETE refuses X-Raftplay-Expect instead of ignoring it", func(t *testing.T) {
		resp, body := c.do(c.client, http.MethodPut, c.url(lead, "/kv/kept"), "v", nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		resp, body = c.do(c.client, http.MethodDelete, c.url(lead, "/kv/kept"), "", map[string]string{HeaderExpect: "other"})
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, body)
		assert.Equal(t, DeleteExpectError, decodeJSON[ErrorBody](t, body).Error)
		resp, body = c.do(c.client, http.MethodGet, c.url(lead, "/kv/kept"), "", nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		assert.Equal(t, "v", body)
	})

	t.Run("dot-segment keys are refused however they are spelled", func(t *testing.T) {
		for _, path := range []string{"/kv/..", "/kv/%2e%2e", "/kv/%2E", "/kv/a/../b", "/kv/a/%2e%2e/b", "/kv/a/./b", "/kv/a//b", "/kv/%2Fa"} {
			for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
				req, err := http.NewRequest(method, c.url(lead, "/"), strings.NewReader("x"))
				require.NoError(t, err)
				req.URL.Opaque = "//" + c.http[lead] + path // send the path exactly as written
				resp, err := c.noFollow.Do(req)
				require.NoError(t, err)
				resp.Body.Close()
				assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s %s (Location %q)", method, path, resp.Header.Get("Location"))
			}
		}
		resp, body := c.do(c.client, http.MethodPut, c.url(lead, "/kv/a.b/..c/.d"), "ok", nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, "dots inside a segment are fine: %s", body)
	})
}
