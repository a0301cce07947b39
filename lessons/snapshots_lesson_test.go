package lessons

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/sim"
)

func TestSnapshotMove(t *testing.T) {
	m, err := ParseMove("Snapshot 2", 3)
	require.NoError(t, err)
	assert.Equal(t, "snapshot 2", m.Text)
	require.NotNil(t, m.Action)
	assert.Equal(t, sim.Action{Type: sim.ActSnapshot, Peer: 2}, *m.Action)
	assert.Equal(t, "snapshot 2", FormatAction(*m.Action))
	assert.Contains(t, MoveSyntax, "snapshot P")

	for text, want := range map[string]string{
		"snapshot":        "snapshot needs one peer",
		"snapshot 4":      `"4" is not a peer (peers are 1..3)`,
		"snapshot 1 2":    "snapshot needs one peer",
		"snapshot leader": `snapshot cannot be aimed at "leader"`,
	} {
		_, err := ParseMove(text, 3)
		require.Error(t, err, text)
		assert.Contains(t, err.Error(), want, text)
	}
}

// TestWrongPathsOfASnapshot: the snapshot on each other server, and the restart that
// follows it made first, with time for the follower to catch up.
func TestWrongPathsOfASnapshot(t *testing.T) {
	var ref []Move
	for _, text := range []string{"snapshot 1", "restart 3"} {
		m, err := ParseMove(text, 3)
		require.NoError(t, err)
		ref = append(ref, m)
	}
	texts := map[string][]string{}
	for _, w := range wrongPaths(ref, 3) {
		var moves []string
		for _, m := range w.Moves {
			moves = append(moves, m.Text)
		}
		texts[w.What] = moves
	}
	assert.Equal(t, []string{"snapshot 2", "restart 3"}, texts[`"snapshot 2" instead of "snapshot 1"`])
	assert.Equal(t, []string{"snapshot 3", "restart 3"}, texts[`"snapshot 3" instead of "snapshot 1"`])
	assert.Equal(t, []string{"restart 3"}, texts[`without "snapshot 1"`])
	assert.Equal(t, []string{"restart 3", "wait 20", "snapshot 1"},
		texts[`"restart 3" before "snapshot 1" (the follower is back before the log is compacted)`])
}

// TestSnapshotLessonPlaysToTheEnd plays lesson 18 by its reference paths, as `lesson
// check` does, and looks at what the engine did: each server's snapshot, the leader's
// InstallSnapshot to S3, and S3's log starting after the snapshot.
func TestSnapshotLessonPlaysToTheEnd(t *testing.T) {
	l, err := Get("snapshots")
	require.NoError(t, err)
	assert.Equal(t, 18, l.Number)
	rep := Verify(l)
	require.Len(t, rep.Steps, 6)
	for _, s := range rep.Steps {
		assert.True(t, s.Passed, "step %d (%s): %s", s.Step, s.Title, s.Problem)
	}
	assert.Zero(t, rep.Failures())

	r, err := NewRunner(l)
	require.NoError(t, err)
	require.NoError(t, r.GoTo(4)) // steps 1 to 4 played by their reference paths
	for _, m := range r.Step().Reference {
		require.NoError(t, r.Do(m))
	}
	_, passed := r.RunUntilPassed(r.Step().WithinTicks)
	require.True(t, passed, "step 5")
	s3 := r.Cluster().State().Peers[2]
	assert.Equal(t, uint64(8), s3.SnapshotIndex, "S3 holds the leader's snapshot")
	assert.Equal(t, uint64(1), s3.SnapshotTerm)
	assert.Equal(t, uint64(9), s3.LogFirst, "S3's log starts after the snapshot")
	assert.Equal(t, "9", s3.KV["z"])
	assert.Equal(t, "6", s3.KV["x"])
	stats := r.Cluster().SnapshotStats()
	assert.Equal(t, 2, stats.Taken, "S2 and S1 took one each")
	assert.Equal(t, 1, stats.Installed, "S3 installed S1's")
}

// TestSnapshotLessonRefusesWrongMoves plays the mistakes a learner makes on lesson
// 18's action steps (the steps before played by their reference paths): the check
// must not pass.
func TestSnapshotLessonRefusesWrongMoves(t *testing.T) {
	tests := []struct {
		step  int
		moves []string
		why   string
	}{
		{2, []string{"snapshot 1"}, "the leader's snapshot, not the follower's"},
		{2, []string{"wait 5", "snapshot 3"}, "the other follower"},
		{3, []string{"crash 2", "client 1 SET y 7"}, "the other follower crashed"},
		{3, []string{"crash 3", "client 2 SET y 7"}, "the write sent to a follower"},
		{4, []string{"restart 3", "wait 20", "snapshot 1"}, "restarted before the leader compacted"},
		{4, []string{"restart 3", "wait 5", "snapshot 1"}, "restarted a little before the leader compacted"},
		{4, []string{"snapshot 2", "restart 3"}, "the follower compacted, not the leader"},
		{4, []string{"restart 3"}, "no snapshot at all"},
		{4, []string{"snapshot 1"}, "S3 left down"},
		{5, []string{"client 2 SET z 9"}, "the write sent to a follower"},
	}
	for _, tc := range tests {
		t.Run(tc.why, func(t *testing.T) {
			l, err := Get("snapshots")
			require.NoError(t, err)
			r, err := NewRunner(l)
			require.NoError(t, err)
			require.NoError(t, r.GoTo(tc.step-1))
			for _, text := range tc.moves {
				m, err := ParseMove(text, 3)
				require.NoError(t, err, text)
				require.NoError(t, r.Do(m), text)
			}
			_, passed := r.RunUntilPassed(r.Step().WithinTicks)
			_, detail := r.Check()
			assert.False(t, passed, "step %d passed with a wrong move (%s): %s", tc.step, tc.why, detail)
		})
	}
}

// TestSnapshotLessonSaysWhyASnapshotCannotBeTaken: a snapshot on a server that is down,
// or that has applied nothing since its last one, is refused with the reason.
func TestSnapshotLessonSaysWhyASnapshotCannotBeTaken(t *testing.T) {
	l, err := Get("snapshots")
	require.NoError(t, err)
	r, err := NewRunner(l)
	require.NoError(t, err)
	require.NoError(t, r.GoTo(1))
	snap := func(peer uint64) error { return r.Act(sim.Action{Type: sim.ActSnapshot, Peer: peer}) }
	require.NoError(t, snap(2))
	err = snap(2)
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), "nothing new to snapshot"), err.Error())

	require.NoError(t, r.GoTo(3)) // S3 is down
	err = snap(3)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "peer 3 is down")
}

// snapshotHead is lesson 18's start: S1 leads and every server applies seven entries.
const snapshotHead = "# Snapshots\n\nIntro.\n\n```lesson\n" + `{"summary": "s", "scenario": {"v": 1, "seed": 3, "actions": [
  {"at": 0, "type": "timeout", "peer": 1},
  {"at": 300, "type": "client", "peer": 1, "cmd": "SET x 1"}
]}}` + "\n```\n\n## Applied\n\nN.\n\n```step\n" +
	`{"observe": true, "check": {"kv": {"peer": "all", "key": "x", "value": "1"}}, "within_ticks": 100}` + "\n```\n\n"

// TestVerifyRejectsSnapshotChecksThatAcceptWrongMoves: lesson check's wrong versions
// of a path with a snapshot catch a check that cannot tell the asked server's
// snapshot from another's, and one that does not look for InstallSnapshot, so passes
// when the follower came back before the leader compacted.
func TestVerifyRejectsSnapshotChecksThatAcceptWrongMoves(t *testing.T) {
	for _, tc := range []struct {
		name, steps, wrong string
	}{
		{"any server's snapshot passes",
			`{"action": {"prompt": "Snapshot S2."}, "reference": ["snapshot 2"],
			  "check": {"event": {"kind": "snapshot-taken"}}}`,
			`"snapshot 1" instead of "snapshot 2"`},
		{"a follower that caught up by AppendEntries passes",
			`{"action": {"prompt": "Crash S3, write y."}, "reference": ["crash 3", "client 1 SET y 7"],
			  "check": {"all": [{"peer": {"id": 3, "role": "down"}}, {"kv": {"peer": 1, "key": "y", "value": "7"}}]}, "within_ticks": 30}
` + "```\n\n## Back\n\nN.\n\n```step\n" +
				`{"action": {"prompt": "Snapshot S1, restart S3."}, "reference": ["snapshot 1", "restart 3"],
			  "check": {"all": [{"event": {"kind": "snapshot-taken", "peer": 1}}, {"kv": {"peer": 3, "key": "y", "value": "7"}}]}, "within_ticks": 60}`,
			`"restart 3" before "snapshot 1" (the follower is back before the log is compacted)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := snapshotHead + "## Act\n\nN.\n\n```step\n" + tc.steps + "\n```\n"
			l, err := Parse("18-s.md", []byte(src))
			require.NoError(t, err)
			rep := Verify(l)
			last := rep.Steps[len(rep.Steps)-1]
			for _, s := range rep.Steps[:len(rep.Steps)-1] {
				require.True(t, s.Passed, "step %d: %s", s.Step, s.Problem)
			}
			assert.False(t, last.Passed)
			assert.Contains(t, last.Problem, "passes with a wrong move")
			assert.Contains(t, last.Problem, tc.wrong)
		})
	}
}
