package sim

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStateSnapshot(t *testing.T) {
	sc := NewScenario(41)
	sc.Options.Clients = 1
	c := newCluster(t, sc)
	lead := waitLeader(c, 1000)
	require.NotZero(t, lead)
	c.RunTicks(30)
	act(t, c, Action{Type: ActCrash, Peer: lead%3 + 1})
	act(t, c, Action{Type: ActBlock, From: lead, To: (lead+1)%3 + 1})
	c.RunTicks(2)

	st := c.State()
	assert.Equal(t, c.Now(), st.Time)
	assert.Equal(t, lead, st.Leader)
	require.Len(t, st.Peers, 3)
	leader := st.Peers[lead-1]
	assert.Equal(t, "leader", leader.Role)
	assert.Equal(t, uint64(1), leader.ClusterID)
	require.Len(t, leader.Replication, 2, "the leader shows its followers' replication state")
	for _, r := range leader.Replication {
		assert.NotEqual(t, lead, r.Peer)
		assert.Contains(t, []string{"probe", "replicate"}, r.Mode)
		assert.Less(t, r.MatchIndex, r.NextIndex)
	}
	assert.Equal(t, "no-op", leader.Log[0].Command)
	assert.NotEmpty(t, leader.KV)
	assert.Equal(t, leader.LastIndex, leader.Log[len(leader.Log)-1].Index)
	assert.LessOrEqual(t, leader.LastApplied, leader.CommitIndex)

	down := st.Peers[lead%3]
	assert.Equal(t, "down", down.Role)
	assert.Empty(t, down.KV)
	assert.NotEmpty(t, down.Log, "a down peer shows its durable log")
	assert.Equal(t, []Link{{From: lead, To: (lead+1)%3 + 1}}, st.Blocked)
	assert.Equal(t, c.InFlight(), st.Messages)

	data, err := json.Marshal(st)
	require.NoError(t, err)
	var generic map[string]any
	require.NoError(t, json.Unmarshal(data, &generic))
	peers := generic["peers"].([]any)
	first := peers[0].(map[string]any)
	for _, field := range []string{"id", "cluster_id", "role", "term", "vote", "lead", "commit_index", "last_applied", "last_index", "log", "election_elapsed", "election_timeout", "kv"} {
		assert.Contains(t, first, field)
	}
	var back Snapshot
	require.NoError(t, json.Unmarshal(data, &back))
	for i := range back.Messages {
		back.Messages[i].Message = st.Messages[i].Message // not serialized
	}
	assert.Equal(t, st, back)
}

func TestSnapshotLogIsBounded(t *testing.T) {
	sc := NewScenario(42)
	sc.Start.Peers = map[uint64]PeerStart{1: {Term: 1, Log: make([]uint64, MaxSnapshotLog+5)}}
	for i := range sc.Start.Peers[1].Log {
		sc.Start.Peers[1].Log[i] = 1
	}
	c := newCluster(t, sc)
	p := c.State().Peers[0]
	assert.Len(t, p.Log, MaxSnapshotLog)
	assert.Equal(t, uint64(6), p.LogFirst)
	assert.Equal(t, p.LogFirst, p.Log[0].Index)
	assert.Equal(t, uint64(MaxSnapshotLog+5), p.LastIndex)
}

func TestTraceEventJSON(t *testing.T) {
	c := newCluster(t, NewScenario(43))
	c.RunUntil(500)
	events := c.Events(0)
	require.NotEmpty(t, events)
	data, err := json.Marshal(events)
	require.NoError(t, err)
	var back []TraceEvent
	require.NoError(t, json.Unmarshal(data, &back))
	assert.Equal(t, events, back)
}
