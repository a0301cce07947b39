package main

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/internal/syncbuf"
)

// A client that posts scenarios faster than --share-limit a minute is refused with 429,
// a Retry-After and a body that says why; reading shared scenarios is not limited.
func TestServeLimitsSharesPerClient(t *testing.T) {
	var out syncbuf.Buffer
	base := startServe(t, serveFlags{addr: "127.0.0.1:0", dist: fakeDist(t), shareDir: filepath.Join(t.TempDir(), "share"), shareLimit: 3}, &out)
	post := func(seed int) *http.Response {
		t.Helper()
		res, err := http.Post(base+"/api/share", "application/json", strings.NewReader(`{"v":1,"seed":`+strconv.Itoa(seed)+`}`))
		require.NoError(t, err)
		return res
	}
	var id string
	for seed := range 3 {
		res := post(seed)
		var answer struct{ ID string }
		require.NoError(t, json.NewDecoder(res.Body).Decode(&answer))
		res.Body.Close()
		require.Equal(t, http.StatusCreated, res.StatusCode, "post %d of the burst", seed)
		id = answer.ID
	}
	res := post(99)
	var refused struct{ Error string }
	require.NoError(t, json.NewDecoder(res.Body).Decode(&refused))
	res.Body.Close()
	assert.Equal(t, http.StatusTooManyRequests, res.StatusCode)
	assert.Equal(t, "20", res.Header.Get("Retry-After"), "one scenario every 20 s at 3 a minute")
	assert.Contains(t, refused.Error, "too many scenarios shared from your address: at most 3 a minute; try again in 20 s")
	assert.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))

	get, err := http.Get(base + "/api/share/" + id)
	require.NoError(t, err)
	get.Body.Close()
	assert.Equal(t, http.StatusOK, get.StatusCode, "reading is not limited")
}

func TestServeRefusesANegativeShareLimit(t *testing.T) {
	err := runServe(t.Context(), &syncbuf.Buffer{}, serveFlags{addr: "127.0.0.1:0", dist: fakeDist(t), shareLimit: -1}, nil)
	require.Error(t, err)
	assert.Equal(t, 2, exitCodeOf(err))
	assert.Contains(t, err.Error(), "--share-limit -1")
}
