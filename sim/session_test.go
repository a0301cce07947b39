package sim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestUserCommandSession: a command sent with a client session is applied once however
// often it is committed (a retry is answered with the first result); without a session
// a retry is applied again and can undo a later write (§8 of the paper).
func TestUserCommandSession(t *testing.T) {
	run := func(client, seq uint64) (*Cluster, uint64) {
		c := newCluster(t, NewScenario(3))
		lead := waitLeader(c, 2000)
		require.NotZero(t, lead)
		act(t, c, Action{Type: ActClient, Peer: lead, Cmd: "SET x a", Client: client, Seq: seq})
		c.RunTicks(5)
		act(t, c, Action{Type: ActClient, Peer: lead, Cmd: "SET x b"})
		c.RunTicks(5)
		act(t, c, Action{Type: ActClient, Peer: lead, Cmd: "SET x a", Client: client, Seq: seq}) // the retry
		c.RunTicks(5)
		return c, lead
	}
	c, lead := run(7, 1)
	st := c.State()
	for _, p := range st.Peers {
		assert.Equal(t, "b", p.KV["x"], "S%d: the retry was not applied again", p.ID)
	}
	retry := lastOp(c)
	assert.Equal(t, OutcomeOK, retry.Outcome)
	assert.False(t, retry.Found, "the retry gets the first attempt's result: x was not set then")
	var req []TraceEvent
	for _, e := range eventsOf(c, "client-request") {
		if e.Client == 7 {
			req = append(req, e)
		}
	}
	require.Len(t, req, 2)
	assert.Equal(t, uint64(1), req[1].OpSeq)
	assert.Contains(t, req[1].Text, "(client 7, seq 1)")
	assert.Equal(t, lead, req[1].Peer)

	c, _ = run(0, 0)
	for _, p := range c.State().Peers {
		assert.Equal(t, "a", p.KV["x"], "S%d: without a session the retry is applied again", p.ID)
	}
}

func TestUserCommandSessionValidation(t *testing.T) {
	for _, tc := range []struct {
		a    Action
		want string
	}{
		{Action{Type: ActClient, Peer: 1, Cmd: "SET x a", Client: 7}, "client and seq go together"},
		{Action{Type: ActClient, Peer: 1, Cmd: "SET x a", Seq: 1}, "client and seq go together"},
		{Action{Type: ActClient, Peer: 1, Cmd: "GET x", Client: 7, Seq: 1}, "a session is for writes"},
		{Action{Type: ActCrash, Peer: 1, Client: 7}, `field "client" does not apply to crash`},
	} {
		err := tc.a.validate(3)
		require.Error(t, err, "%+v", tc.a)
		assert.Contains(t, err.Error(), tc.want)
	}
	assert.Equal(t, `client command "SET x a" to peer 2 (client 7, seq 3)`,
		(&Action{Type: ActClient, Peer: 2, Cmd: "SET x a", Client: 7, Seq: 3}).Describe())
}
