package lessons

import (
	"testing"

	"github.com/raftplay/raftplay/sim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParseMoveSessionLatencyAndPicks: the moves the lessons on exactly-once, timing
// and duplicated messages use.
func TestParseMoveSessionLatencyAndPicks(t *testing.T) {
	m, err := ParseMove("client leader set x a SESSION 7 1", 3)
	require.NoError(t, err)
	assert.Equal(t, "client leader SET x a session 7 1", m.Text)
	assert.Equal(t, sim.Action{Type: sim.ActClient, Cmd: "SET x a", Client: 7, Seq: 1}, *m.Action)
	assert.True(t, m.ToLeader)

	m, err = ParseMove("client 2 SET session 7", 3)
	require.NoError(t, err, "a key named session is a key")
	assert.Equal(t, "client 2 SET session 7", m.Text)
	assert.Zero(t, m.Action.Client)

	m, err = ParseMove("latency 150 250", 5)
	require.NoError(t, err)
	assert.Equal(t, "latency 150 250", m.Text)
	assert.Equal(t, []int64{150, 250}, m.Action.Latency)

	m, err = ParseMove("duplicate appendentries 1 2", 3)
	require.NoError(t, err)
	assert.Equal(t, "duplicate AppendEntries 1 2", m.Text)
	assert.Equal(t, &MessagePick{Type: "AppendEntries", From: 1, To: 2}, m.Pick)
	m, err = ParseMove("delay AppendEntriesResp 2 1 300", 3)
	require.NoError(t, err)
	assert.Equal(t, "delay AppendEntriesResp 2 1 300", m.Text)
	assert.Equal(t, int64(300), m.Action.By)

	for text, want := range map[string]string{
		"client 1 SET x a session 0 1":  "the client id and the request number are numbers from 1",
		"client 1 SET x a session 7 x":  "the client id and the request number are numbers from 1",
		"client 1 GET x session 7 1":    "a session is for writes",
		"latency 5":                     "latency needs the least and the most",
		"latency 9 3":                   "latency [9, 3] must satisfy 0 <= min <= max",
		"duplicate Gossip 1 2":          `"Gossip" is not a message type`,
		"duplicate AppendEntries 1 1":   "not from 1 to itself",
		"delay AppendEntries 1 2":       "delay TYPE F T MS",
		"drop AppendEntries 1 9":        `"9" is not a peer`,
		"delay AppendEntries 1 2 -5 10": "delay TYPE F T MS",
	} {
		_, err := ParseMove(text, 3)
		require.Error(t, err, text)
		assert.Contains(t, err.Error(), want, text)
	}
}

// TestPickedMessageMoves: a picked move acts on the newest message of its type in
// flight on its link, and says so when there is none.
func TestPickedMessageMoves(t *testing.T) {
	src := "# P\n\n```lesson\n{\"summary\": \"s\", \"scenario\": {\"v\": 1, \"seed\": 4, \"options\": {\"latency\": [5, 5]}}}\n```\n\n" +
		"## S\n\nN.\n\n```step\n{\"observe\": true, \"check\": {\"leader\": {}}, \"within_ticks\": 60}\n```\n"
	l, err := Parse("01-p.md", []byte(src))
	require.NoError(t, err)
	r, err := NewRunner(l)
	require.NoError(t, err)
	_, passed := r.RunUntilPassed(60)
	require.True(t, passed)
	r.RunTicks(5)
	lead := r.Cluster().Leader()
	other := lead%3 + 1
	dup, err := ParseMove("duplicate AppendEntries 1 2", 3)
	require.NoError(t, err)
	dup.Pick.From, dup.Pick.To = lead, other
	assert.ErrorContains(t, r.Do(dup), "no AppendEntries from")

	send, err := ParseMove("client leader SET x 1", 3)
	require.NoError(t, err)
	require.NoError(t, r.Do(send))
	before := r.Cluster().TraceLen()
	require.NoError(t, r.Do(dup))
	evs := r.Cluster().Events(before)
	require.NotEmpty(t, evs)
	assert.Equal(t, "duplicate", evs[0].Kind)
	assert.Equal(t, "AppendEntries", evs[0].MsgType)
	assert.Equal(t, lead, evs[0].From)
	assert.Equal(t, other, evs[0].To)
	assert.Equal(t, 1, evs[0].Entries, "the newest AppendEntries: the one carrying SET x 1")
}
