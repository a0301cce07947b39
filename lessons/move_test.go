package lessons

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/sim"
)

func TestParseMove(t *testing.T) {
	tests := []struct {
		text string
		want sim.Action
		norm string
	}{
		{"crash 2", sim.Action{Type: sim.ActCrash, Peer: 2}, "crash 2"},
		{"  RESTART   3 ", sim.Action{Type: sim.ActRestart, Peer: 3}, "restart 3"},
		{"timeout 1", sim.Action{Type: sim.ActTimeout, Peer: 1}, "timeout 1"},
		{"heal", sim.Action{Type: sim.ActHeal}, "heal"},
		{"partition 1 | 2 3", sim.Action{Type: sim.ActPartition, Groups: [][]uint64{{1}, {2, 3}}}, "partition 1 | 2 3"},
		{"partition 1|2,3", sim.Action{Type: sim.ActPartition, Groups: [][]uint64{{1}, {2, 3}}}, "partition 1 | 2 3"},
		{"block 1 3", sim.Action{Type: sim.ActBlock, From: 1, To: 3}, "block 1 3"},
		{"client 2 SET x 3", sim.Action{Type: sim.ActClient, Peer: 2, Cmd: "SET x 3"}, "client 2 SET x 3"},
		{"client 1 get x", sim.Action{Type: sim.ActClient, Peer: 1, Cmd: "GET x"}, "client 1 GET x"},
		{"read 3 k", sim.Action{Type: sim.ActRead, Peer: 3, Key: "k"}, "read 3 k"},
		{"drop 7", sim.Action{Type: sim.ActDrop, Msg: 7}, "drop 7"},
		{"duplicate 7", sim.Action{Type: sim.ActDuplicate, Msg: 7}, "duplicate 7"},
		{"delay 7 40", sim.Action{Type: sim.ActDelay, Msg: 7, By: 40}, "delay 7 40"},
	}
	for _, tc := range tests {
		m, err := ParseMove(tc.text, 3)
		require.NoError(t, err, tc.text)
		require.NotNil(t, m.Action, tc.text)
		assert.Equal(t, tc.want, *m.Action, tc.text)
		assert.Equal(t, tc.norm, m.Text, tc.text)
		assert.Equal(t, tc.norm, FormatAction(*m.Action))
		again, err := ParseMove(m.Text, 3)
		require.NoError(t, err)
		assert.Equal(t, m, again, "the text form reads back to the same move")
	}

	w, err := ParseMove("wait 30", 3)
	require.NoError(t, err)
	assert.Equal(t, Move{Text: "wait 30", Wait: 30}, w)
	assert.True(t, w.IsWait())
	w, err = ParseMove("ticks 5", 3)
	require.NoError(t, err)
	assert.Equal(t, "wait 5", w.String())
}

func TestParseMoveErrors(t *testing.T) {
	tests := []struct{ text, want string }{
		{"", "empty move"},
		{"explode", `unknown move "explode"`},
		{"crash", "crash needs one peer"},
		{"crash 1 2", "crash needs one peer"},
		{"crash 0", `"0" is not a peer (peers are 1..3)`},
		{"crash x", `"x" is not a peer`},
		{"heal 1", "heal takes no arguments"},
		{"partition 1 2 3", "at least two groups"},
		{"partition 1 | ", "group 2 is empty"},
		{"partition 1 | 1 2", "peer 1 is in two groups"},
		{"partition 1 | 9", `"9" is not a peer`},
		{"block 1", "block needs two peers"},
		{"block 2 2", "from and to are both peer 2"},
		{"client 1", "client needs a peer and a command"},
		{"client 1 FLY x", "kv"},
		{"read 1", "read needs a peer and a key"},
		{"drop x", `"x" is not a message id`},
		{"delay 3", "delay needs a message id and milliseconds"},
		{"delay 3 0", "milliseconds must be 1 to"},
		{"wait", "wait needs a number of ticks"},
		{"wait 0", "ticks must be a number from 1 to 100000"},
		{"wait 100001", "ticks must be a number from 1 to 100000"},
	}
	for _, tc := range tests {
		_, err := ParseMove(tc.text, 3)
		require.Error(t, err, tc.text)
		assert.Contains(t, err.Error(), tc.want, tc.text)
	}
}

func TestParseMoveAtTheLeader(t *testing.T) {
	for text, want := range map[string]string{
		"client leader SET x 2": "client leader SET x 2",
		"crash LEADER":          "crash leader",
		"read leader k":         "read leader k",
	} {
		m, err := ParseMove(text, 3)
		require.NoError(t, err, text)
		assert.Equal(t, want, m.Text)
		assert.True(t, m.ToLeader)
		assert.Zero(t, m.Action.Peer)
		again, err := ParseMove(m.Text, 3)
		require.NoError(t, err)
		assert.Equal(t, m, again)
		a, err := m.Resolve(2)
		require.NoError(t, err)
		assert.Equal(t, uint64(2), a.Peer)
		_, err = m.Resolve(0)
		assert.ErrorIs(t, err, ErrNoLeader)
	}
	_, err := ParseMove("restart leader", 3)
	assert.ErrorContains(t, err, `restart cannot be aimed at "leader"`)
	_, err = ParseMove("client leader", 3)
	assert.ErrorContains(t, err, "client needs a peer and a command")
	_, err = Move{Text: "wait 1", Wait: 1}.Resolve(1)
	assert.Error(t, err)
}
