package engine

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The progress state machine: a leader starts every follower in probe mode (one
// AppendEntries at a time, backing nextIndex off on each rejection), switches to
// replicate mode (streaming within a window) on the first success, and falls back to
// probe mode on a rejection.

func TestProgressProbeSendsOneAtATime(t *testing.T) {
	pr := newProgress(6, 4)
	require.Equal(t, ModeProbe, pr.Mode)
	assert.False(t, pr.paused(), "a fresh follower may be probed")

	pr.sentEntries(7, 2)
	assert.True(t, pr.paused(), "one probe in flight pauses the follower")
	assert.Equal(t, uint64(6), pr.Next, "probing does not move nextIndex ahead of an answer")
	assert.Zero(t, pr.Inflight, "probes are not counted in the replicate window")

	// The follower accepts: its log matches ours up to 7.
	assert.True(t, pr.maybeUpdate(7))
	assert.Equal(t, uint64(7), pr.Match)
	assert.Equal(t, uint64(8), pr.Next)
	assert.False(t, pr.paused(), "an answer lets the next probe go")
}

func TestProgressBackoffInProbe(t *testing.T) {
	for _, tc := range []struct {
		name           string
		match, next    uint64
		rejected, hint uint64
		wantOK         bool
		wantNext       uint64
	}{
		{name: "the hint moves nextIndex back", match: 0, next: 10, rejected: 9, hint: 4, wantOK: true, wantNext: 4},
		{name: "never back past Match", match: 5, next: 10, rejected: 9, hint: 2, wantOK: true, wantNext: 6},
		{name: "a hint above the rejected index is capped", match: 0, next: 10, rejected: 9, hint: 12, wantOK: true, wantNext: 9},
		{name: "a rejection of an earlier probe is stale", match: 0, next: 10, rejected: 7, hint: 3, wantOK: false, wantNext: 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pr := newProgress(tc.next, 4)
			pr.Match = tc.match
			pr.sentEntries(tc.next, 1)
			require.True(t, pr.paused())
			assert.Equal(t, tc.wantOK, pr.maybeBackoff(tc.rejected, tc.hint, false))
			assert.Equal(t, tc.wantNext, pr.Next)
			assert.Equal(t, ModeProbe, pr.Mode)
			assert.Equal(t, !tc.wantOK, pr.paused(), "only a real rejection lets the next probe go")
		})
	}
}

func TestProgressReplicateStreamsWithinTheWindow(t *testing.T) {
	pr := newProgress(1, 3)
	pr.maybeUpdate(4)
	pr.becomeReplicate()
	require.Equal(t, ModeReplicate, pr.Mode)
	assert.Equal(t, uint64(5), pr.Next)

	// Three messages fill a window of three without waiting for answers.
	for _, last := range []uint64{6, 8, 9} {
		require.False(t, pr.paused())
		pr.sentEntries(last, 2)
		assert.Equal(t, last+1, pr.Next, "replicate mode moves nextIndex on send")
	}
	assert.Equal(t, 3, pr.Inflight)
	assert.True(t, pr.paused(), "a full window pauses the follower")

	// An empty AppendEntries (heartbeat-like) takes no slot.
	pr.sentEntries(9, 0)
	assert.Equal(t, 3, pr.Inflight)

	// Acknowledging up to 8 frees the first two messages (last 6 and 8), not the third.
	assert.True(t, pr.maybeUpdate(8))
	assert.Equal(t, 1, pr.Inflight)
	assert.Equal(t, uint64(10), pr.Next, "an answer never moves nextIndex back")
	assert.False(t, pr.paused())

	// An older answer arriving late changes nothing.
	assert.False(t, pr.maybeUpdate(6))
	assert.Equal(t, uint64(8), pr.Match)
	assert.Equal(t, 1, pr.Inflight)

	// The window is a ring: sending past its end wraps around.
	pr.sentEntries(11, 2)
	pr.sentEntries(12, 1)
	assert.True(t, pr.paused())
	assert.True(t, pr.maybeUpdate(12))
	assert.Zero(t, pr.Inflight)
}

func TestProgressFreeFirstInflight(t *testing.T) {
	pr := newProgress(1, 2)
	pr.becomeReplicate()
	pr.sentEntries(3, 3)
	pr.sentEntries(5, 2)
	require.True(t, pr.paused())
	// A heartbeat answer while the window is full: appends may have been lost, so one
	// more may go.
	pr.freeFirstInflight()
	assert.Equal(t, 1, pr.Inflight)
	assert.False(t, pr.paused())
	pr.freeFirstInflight()
	pr.freeFirstInflight()
	assert.Zero(t, pr.Inflight, "freeing an empty window is harmless")
}

func TestProgressReplicateFallsBackToProbe(t *testing.T) {
	for _, tc := range []struct {
		name           string
		rejected, hint uint64
		wantOK         bool
		wantMode       ProgressMode
		wantNext       uint64
		wantInflight   int
	}{
		// Match is 4 and messages up to 10 are in flight.
		{name: "a rejection past Match: probe again from the hint", rejected: 7, hint: 6, wantOK: true, wantMode: ModeProbe, wantNext: 6},
		{name: "the hint never goes below Match+1", rejected: 7, hint: 1, wantOK: true, wantMode: ModeProbe, wantNext: 5},
		{name: "a rejection at or below Match is an old reply", rejected: 4, hint: 1, wantOK: false, wantMode: ModeReplicate, wantNext: 11, wantInflight: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pr := newProgress(1, 4)
			pr.maybeUpdate(4)
			pr.becomeReplicate()
			pr.sentEntries(7, 3)
			pr.sentEntries(10, 3)
			assert.Equal(t, tc.wantOK, pr.maybeBackoff(tc.rejected, tc.hint, false))
			assert.Equal(t, tc.wantMode, pr.Mode)
			assert.Equal(t, tc.wantNext, pr.Next)
			assert.Equal(t, tc.wantInflight, pr.Inflight)
			assert.Equal(t, uint64(4), pr.Match, "a rejection never lowers Match")
		})
	}
}

func TestProgressReset(t *testing.T) {
	pr := newProgress(1, 2)
	pr.maybeUpdate(5)
	pr.becomeReplicate()
	pr.sentEntries(8, 3)
	pr.Active, pr.wantSend, pr.wantEmpty, pr.readAck = true, true, true, 9

	pr.reset(12)
	assert.Equal(t, ReplicationState{Next: 12, Mode: ModeProbe}, pr.ReplicationState)
	assert.False(t, pr.paused())
	assert.False(t, pr.wantSend || pr.wantEmpty)
	assert.Zero(t, pr.readAck)
	assert.Len(t, pr.inflight, 2, "the window keeps its size")
}
