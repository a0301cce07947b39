package node

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every error answer carries a machine-readable code beside its human text, so clients
// decide on the code and never on the English.
func TestErrorAnswersCarryACode(t *testing.T) {
	c := newTestCluster(t, func(cfg *Config) { cfg.Token = "tok" })
	lead, follower := c.leader(), c.follower()
	auth := map[string]string{"Authorization": "Bearer tok"}
	c.do(c.client, http.MethodPut, c.url(lead, "/kv/present"), "v", auth)
	tests := []struct {
		name, method, path, body string
		header                   map[string]string
		client                   *http.Client
		status                   int
		code                     string
	}{
		{"no token", http.MethodGet, "/status", "", nil, c.client, http.StatusUnauthorized, CodeUnauthorized},
		{"absent key", http.MethodGet, "/kv/absent", "", auth, c.client, http.StatusNotFound, CodeKeyNotFound},
		{"unknown path", http.MethodGet, "/nowhere", "", auth, c.client, http.StatusNotFound, CodeNoSuchEndpoint},
		{"wrong method", http.MethodPost, "/kv/a", "", auth, c.client, http.StatusMethodNotAllowed, CodeMethodNotAllowed},
		{"dot segment", http.MethodGet, "/kv/a/%2e%2e/b", "", auth, c.client, http.StatusBadRequest, CodeBadRequest},
		{"half a session", http.MethodPut, "/kv/a", "v", map[string]string{"Authorization": "Bearer tok", HeaderClient: "1"}, c.client, http.StatusBadRequest, CodeBadRequest},
		{"cas on another value", http.MethodPut, "/kv/present", "new", map[string]string{"Authorization": "Bearer tok", HeaderExpect: "old"}, c.client, http.StatusConflict, CodeCASFailed},
		{"redirect", http.MethodGet, "/kv/present", "", auth, c.noFollow, http.StatusTemporaryRedirect, CodeNotLeader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := lead
			if tt.code == CodeNotLeader {
				id = follower
			}
			resp, body := c.do(tt.client, tt.method, c.url(id, tt.path), tt.body, tt.header)
			require.Equal(t, tt.status, resp.StatusCode, body)
			eb := decodeJSON[ErrorBody](t, body)
			assert.Equal(t, tt.code, eb.Code, body)
			assert.NotEmpty(t, eb.Error, "the human text stays")
		})
	}

	// With the leader and one follower gone the last node knows no leader: 503 no-leader.
	c.halt(lead)
	other := c.ids[0]
	for _, id := range c.ids {
		if id != lead && id != follower {
			other = id
		}
	}
	c.halt(other)
	require.Eventually(t, func() bool { return c.nodes[follower].Leader() == 0 }, 10*time.Second, 10*time.Millisecond)
	resp, body := c.do(c.noFollow, http.MethodPut, c.url(follower, "/kv/a"), "v", auth)
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, body)
	assert.Equal(t, CodeNoLeader, decodeJSON[ErrorBody](t, body).Code)
}
