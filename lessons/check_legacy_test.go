package lessons

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestChecksReadTheOldStateKey: lesson files written before the role had one name said
// "state" where they now say "role"; they still load, to the same check.
func TestChecksReadTheOldStateKey(t *testing.T) {
	for _, pair := range [][2]string{
		{`{"peer": {"id": 3, "state": "down"}}`, `{"peer": {"id": 3, "role": "down"}}`},
		{`{"event": {"kind": "role", "peer": 1, "state": "candidate"}}`, `{"event": {"kind": "role", "peer": 1, "role": "candidate"}}`},
		{`{"all": [{"peer": {"id": "all", "state": "follower", "lead": "leader"}}]}`, `{"all": [{"peer": {"id": "all", "role": "follower", "lead": "leader"}}]}`},
	} {
		old, now := mustCheck(t, pair[0]), mustCheck(t, pair[1])
		assert.Equal(t, now, old, pair[0])
	}
	assert.Equal(t, "down", mustCheck(t, `{"peer": {"id": 3, "state": "down"}}`).Peer.Role)
}

// TestChecksRefuseBothRoleSpellings: one key given twice under two names is a mistake
// the author must resolve, and an unknown old role is still refused by name.
func TestChecksRefuseBothRoleSpellings(t *testing.T) {
	p := checkParser{peers: 3}
	_, err := p.parse(json.RawMessage(`{"peer": {"id": 1, "role": "down", "state": "up"}}`), "check", 0)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `check.peer: both "role" and its older spelling "state" are given`)

	_, err = p.parse(json.RawMessage(`{"peer": {"id": 1, "state": "sleeping"}}`), "check", 0)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `role "sleeping" is not known`)
}
