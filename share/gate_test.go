package share

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/raftplay/raftplay/serve"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// brokenGate is a Gate that cannot be asked, as the Worker's is when its rate
// limiting binding is missing or fails.
type brokenGate struct{}

func (brokenGate) Take(*http.Request) (bool, time.Duration, error) {
	return false, 0, errors.New("no SHARE_LIMIT binding")
}
func (brokenGate) PerMinute() int { return 10 }

// A limit that cannot be checked refuses the share (500) rather than letting every
// POST through, and stores nothing.
func TestAGateThatFailsRefusesTheShare(t *testing.T) {
	store := newMemStore()
	s := serve.New(nil, serve.Options{})
	RegisterLimited(s, store, brokenGate{})
	res := post(t, s, `{"v":1,"seed":3}`)
	require.Equal(t, http.StatusInternalServerError, res.StatusCode)
	assert.Contains(t, jsonError(t, res), "the rate limit could not be checked, so nothing was shared")
	assert.Empty(t, store.data)
}
