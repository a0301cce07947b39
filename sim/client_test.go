package sim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/kv"
)

// With one client and no faults, the history is sequential: every operation must see
// exactly the state the operations before it left.
func TestSingleClientHistoryIsSequential(t *testing.T) {
	sc := NewScenario(21)
	sc.Options.Clients = 1
	c := newCluster(t, sc)
	c.RunUntil(5000)
	h := c.History()
	require.Greater(t, len(h), 50)
	model := map[string]string{}
	var last int64
	for i, op := range h[:len(h)-1] { // the last one may be in progress
		require.Equal(t, OutcomeOK, op.Outcome, "op %d %+v", i, op)
		assert.Equal(t, uint64(1), op.ClientID)
		assert.Equal(t, uint64(i+1), op.Seq)
		assert.Less(t, op.Call, op.Return)
		assert.GreaterOrEqual(t, op.Call, last, "one operation at a time")
		last = op.Return
		prev, found := model[op.Key]
		assert.Equal(t, found, op.Found, "op %d %+v", i, op)
		assert.Equal(t, prev, op.Result, "op %d %+v", i, op)
		switch op.Kind {
		case kv.OpPut:
			model[op.Key] = op.Value
			assert.True(t, op.OK)
		case kv.OpDelete:
			delete(model, op.Key)
		case kv.OpCAS:
			assert.Equal(t, found && prev == op.Expected, op.OK, "op %d %+v", i, op)
			if op.OK {
				model[op.Key] = op.Value
			}
		case kv.OpGet:
			assert.Equal(t, found, op.OK)
		}
		assert.Positive(t, op.Index)
	}
	assert.Empty(t, c.Violations())
}

func TestClientsUnderFaults(t *testing.T) {
	sc := faultScenario(22, 4000)
	c := newCluster(t, sc)
	c.RunUntil(4000)
	require.NoError(t, c.CheckLiveness(200))
	c.RunTicks(100) // let the clients finish what they started
	assert.Zero(t, c.CheckAckedWrites())
	assert.Empty(t, c.Violations())

	h := c.History()
	outcomes := map[Outcome]int{}
	writes := map[uint64]bool{}
	for _, op := range h {
		outcomes[op.Outcome]++
		assert.LessOrEqual(t, op.Call, op.Return)
		assert.GreaterOrEqual(t, op.Tries, 1)
		if op.Outcome == OutcomeOK && op.Kind != kv.OpGet && op.ClientID != 0 {
			writes[op.Index] = true
		}
	}
	t.Logf("%d operations: %v", len(h), outcomes)
	assert.Greater(t, outcomes[OutcomeOK], 100)
	// Every successful write is an acknowledged entry, at the index it reported.
	acked := map[uint64]bool{}
	for _, aw := range c.AckedWrites() {
		acked[aw.Index] = true
		assert.NotEmpty(t, aw.Command)
	}
	for index := range writes {
		assert.True(t, acked[index], "write at %d acknowledged", index)
	}
}

func TestUserCommandsAndReads(t *testing.T) {
	c := newCluster(t, NewScenario(23))
	lead := waitLeader(c, 1000)
	require.NotZero(t, lead)
	follower := lead%3 + 1

	act(t, c, Action{Type: ActClient, Peer: follower, Cmd: "SET x 1"})
	op := lastOp(c)
	assert.Equal(t, OutcomeFailed, op.Outcome, "a follower refuses proposals")
	assert.Equal(t, uint64(0), op.ClientID)

	act(t, c, Action{Type: ActClient, Peer: lead, Cmd: "SET x 1"})
	act(t, c, Action{Type: ActClient, Peer: lead, Cmd: "CAS x 1 2"})
	c.RunTicks(5)
	h := c.History()
	require.Len(t, h, 3)
	assert.Equal(t, OutcomeOK, h[1].Outcome)
	assert.False(t, h[1].Found)
	assert.Equal(t, OutcomeOK, h[2].Outcome)
	assert.True(t, h[2].OK, "the CAS matched")
	assert.Equal(t, "1", h[2].Result)
	assert.Greater(t, h[2].Index, h[1].Index)

	act(t, c, Action{Type: ActRead, Peer: lead, Key: "x"})
	act(t, c, Action{Type: ActClient, Peer: lead, Cmd: "GET nothing"})
	act(t, c, Action{Type: ActRead, Peer: follower, Key: "x"})
	c.RunTicks(5)
	h = c.History()
	require.Len(t, h, 6)
	assert.Equal(t, ClientOp{Kind: kv.OpGet, Op: "GET", Key: "x", Call: h[3].Call, Return: h[3].Return,
		Outcome: OutcomeOK, OK: true, Found: true, Result: "2", Index: h[2].Index, Peer: lead, Tries: 1}, h[3])
	assert.Equal(t, OutcomeOK, h[4].Outcome)
	assert.False(t, h[4].Found)
	assert.Equal(t, OutcomeFailed, h[5].Outcome, "ReadIndex is for the leader")
	assert.Len(t, c.AckedWrites(), 2)
	assert.Len(t, eventsOf(c, "client-response"), 6)
}

func TestClientGivesUpWithoutQuorum(t *testing.T) {
	sc := NewScenario(24)
	sc.Options.Clients = 2
	sc.Options.ClientTries = 2
	sc.Actions = []Action{{At: 1000, Type: ActCrash, Peer: 1}, {At: 1000, Type: ActCrash, Peer: 2}}
	c := newCluster(t, sc)
	c.RunUntil(4000)
	var unknown, failed int
	for _, op := range c.History() {
		if op.Call > 1100 {
			switch op.Outcome {
			case OutcomeUnknown:
				unknown++
			case OutcomeFailed:
				failed++
			case OutcomeOK:
				t.Errorf("operation succeeded without a quorum: %+v", op)
			}
		}
	}
	assert.Positive(t, unknown+failed)
	assert.ErrorIs(t, c.CheckLiveness(10), ErrNoQuorum)
	assert.Empty(t, c.Violations())
}
