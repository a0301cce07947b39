package engine_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/memstore"
)

// snapshotNetwork is a leader (1) with entries 1..4 committed and compacted into a
// snapshot at 4, and follower 3 cut off since entry 1, now healed and owed the
// snapshot: its chunks (of 4 bytes, 2 in flight) wait in the queue.
func snapshotNetwork(t *testing.T) *network {
	n := newNetwork(t, func(c *engine.Config) { c.SnapshotChunkSize = 4; c.MaxInflightSnapshotChunks = 2 })
	electLeader(t, n, 1)
	n.isolate(3)
	for _, cmd := range []string{"a=1", "b=2", "c=3"} {
		n.propose(1, cmd)
	}
	n.deliver()
	require.NoError(t, n.peers[1].TakeSnapshot(4, n.snapshotData(1, 4)))
	n.handle(1)
	n.heal()
	n.tick(1, 1)
	for !queueHasType(n.queue, engine.MsgSnap) {
		require.NotEmpty(t, n.queue)
		n.deliver1(0)
	}
	return n
}

func queueHasType(q []engine.Message, typ engine.MessageType) bool {
	for _, m := range q {
		if m.Type == typ {
			return true
		}
	}
	return false
}

func TestTakeSnapshotRefusals(t *testing.T) {
	n := newNetwork(t, nil)
	electLeader(t, n, 1)
	n.propose(1, "x")
	n.deliver()
	p := n.peers[1]
	require.Equal(t, uint64(2), p.Status().LastApplied)

	err := p.TakeSnapshot(3, nil)
	require.ErrorContains(t, err, "beyond the applied index 2")
	n.propose(1, "y")
	rd := p.Ready()
	require.ErrorContains(t, p.TakeSnapshot(1, nil), "between Ready and Advance")
	n.process(1, p, rd)
	require.NoError(t, p.TakeSnapshot(2, []byte("x")))
	require.ErrorContains(t, p.TakeSnapshot(2, nil), "not past the snapshot")
	require.ErrorContains(t, p.TakeSnapshot(1, nil), "not past the snapshot")
	// Not yet persisted: the log still starts at 1, and the next Ready carries it.
	assert.Equal(t, uint64(1), p.Status().FirstIndex)
	rd = p.Ready()
	assert.Equal(t, engine.SnapshotMeta{Index: 2, Term: 1, ConfState: engine.ConfState{Voters: voters}}, rd.Snapshot.Meta)
	assert.False(t, rd.RestoreSnapshot, "a snapshot the application took is only persisted")
	assert.True(t, rd.MustSync)
	assert.Contains(t, rd.Describe(), "snapshot: snapshot 2@1 voters=[1 2 3] 1B restore=false")
	n.process(1, p, rd)
	st := p.Status()
	assert.Equal(t, [3]uint64{2, 1, 3}, [3]uint64{st.SnapshotIndex, st.SnapshotTerm, st.FirstIndex})
	assert.Equal(t, uint64(3), st.LastIndex, "entries after the snapshot stay")
}

// logOnly hides the snapshot methods of a store: a Storage that keeps no snapshots.
type logOnly struct{ engine.LogStore }

func TestStorageWithoutSnapshots(t *testing.T) {
	st := memstore.New(engine.ConfState{Voters: voters})
	p, err := engine.NewPeer(engine.DefaultConfig(1, logOnly{st}))
	require.NoError(t, err)
	require.ErrorContains(t, p.TakeSnapshot(0, nil), "keeps no snapshots")
	if p.HasReady() {
		p.Ready()
		p.Advance()
	}
	// Such a peer refuses a snapshot from a leader, with a reason.
	require.NoError(t, p.Step(engine.Message{Type: engine.MsgSnap, From: 2, To: 1, Term: 1, Index: 3, LogTerm: 1, Done: true, Conf: engine.ConfState{Voters: voters}}))
	rd := p.Ready()
	require.Len(t, rd.Events, 2)
	assert.Equal(t, engine.ReasonNoSnapshotStorage, rd.Events[1].Reason)
	assert.True(t, rd.Snapshot.IsEmpty())
}

// The follower's Ready that installs a snapshot carries it with RestoreSnapshot, and
// the acknowledgement that it is installed in the same Ready: it leaves only after the
// snapshot is persisted (the Ready contract), never before.
func TestInstallReadyOrder(t *testing.T) {
	n := snapshotNetwork(t)
	n.held[3] = true
	for queueHasType(n.queue, engine.MsgSnap) {
		i := 0
		for n.queue[i].Type != engine.MsgSnap {
			i++
		}
		n.deliver1(i)
		for {
			rd, ok := n.readyOnce(3)
			if !ok {
				break
			}
			if !rd.Snapshot.IsEmpty() {
				assert.True(t, rd.RestoreSnapshot)
				assert.True(t, rd.MustSync)
				assert.Equal(t, uint64(4), rd.Snapshot.Meta.Index)
				assert.Equal(t, "a=1;b=2;c=3", string(rd.Snapshot.Data))
				assert.Empty(t, rd.CommittedEntries, "the entries up to the snapshot are restored, not applied")
				assert.Equal(t, uint64(4), rd.HardState.Commit)
				var installed bool
				for _, m := range rd.Messages {
					installed = installed || (m.Type == engine.MsgSnapResp && m.Done && !m.Reject)
					assert.False(t, engine.MaySendBeforePersist(&m))
				}
				assert.True(t, installed, "the acknowledgement rides with the snapshot it promises")
			}
		}
		for len(n.queue) > 0 && !queueHasType(n.queue, engine.MsgSnap) {
			n.deliver1(0)
		}
	}
	delete(n.held, 3)
	n.handle(3)
	n.deliver()
	assert.Equal(t, uint64(4), n.status(3).SnapshotIndex)
	assert.Equal(t, n.status(1).CommitIndex, n.status(3).LastApplied)
}

// The leader never has more than MaxInflightSnapshotChunks chunks unacknowledged.
func TestSnapshotChunkWindow(t *testing.T) {
	n := snapshotNetwork(t)
	var outstanding int
	for _, m := range n.queue {
		if m.Type == engine.MsgSnap {
			outstanding++
		}
	}
	assert.Equal(t, 2, outstanding)
	pr := n.status(1).Progress[3]
	assert.Equal(t, engine.ModeSnapshot, pr.Mode)
	assert.Equal(t, "snapshot", pr.Mode.String())
	assert.Equal(t, uint64(4), pr.PendingSnapshot)
	n.deliver()
	pr = n.status(1).Progress[3]
	assert.Equal(t, engine.ModeReplicate, pr.Mode, "after the snapshot, replication goes on")
	assert.Zero(t, pr.PendingSnapshot)
	assert.Equal(t, uint64(4), pr.Match)
}

// A clone taken in the middle of a transfer, on either side, continues exactly as the
// original does.
func TestCloneMidTransfer(t *testing.T) {
	orig := snapshotNetwork(t)
	orig.deliver1(0) // one chunk in, one out
	clone := cloneNetwork(orig)
	orig.log.Reset()
	drive(orig)
	drive(clone)
	assert.Equal(t, orig.log.String(), clone.log.String())
	assert.Contains(t, orig.log.String(), "installed the snapshot")
	for _, id := range voters {
		assert.Equal(t, orig.status(id), clone.status(id), "peer %d", id)
		assert.Equal(t, orig.logOf(id), clone.logOf(id), "peer %d", id)
	}
}

func TestSnapshotEventsDescribe(t *testing.T) {
	for _, tt := range []struct {
		e    engine.Event
		want string
	}{
		{engine.Event{Kind: engine.EventSnapshotTaken, Peer: 1, Index: 4, LogTerm: 2, LocalIndex: 6},
			"peer 1 took a snapshot up to index 4 (term 2) and discards its log up to there (§7); its log goes on to 6"},
		{engine.Event{Kind: engine.EventSnapshotSent, Peer: 1, From: 3, Index: 4, LogTerm: 2, Offset: 10},
			"peer 1 (leader) sends its snapshot up to index 4 (term 2, 10 bytes) to peer 3, which needs entries the leader compacted (§7 InstallSnapshot)"},
		{engine.Event{Kind: engine.EventSnapshotInstalled, Peer: 3, From: 1, Index: 4, LogTerm: 2, LocalIndex: 4, Offset: 10},
			"peer 3 installed the snapshot up to index 4 (term 2, 10 bytes) from peer 1 and discarded its whole log (§7)"},
		{engine.Event{Kind: engine.EventSnapshotRejected, Peer: 3, From: 1, Index: 4, LogTerm: 2, LocalIndex: 5, Reason: engine.ReasonSnapshotStale},
			"peer 3 refused the snapshot up to index 4 (term 2) from peer 1: its commit index 5 is at or past it, and installing it would move the peer back (§7)"},
	} {
		assert.Equal(t, tt.want, tt.e.Describe(engine.PeerName))
		kind, ok := engine.ParseEventKind(tt.e.Kind.String())
		assert.True(t, ok)
		assert.Equal(t, tt.e.Kind, kind)
	}
	assert.Equal(t, "snapshot-stale", engine.ReasonSnapshotStale.String())
	assert.Equal(t, "chunk-missing", engine.ReasonChunkMissing.String())
}

func TestSnapshotCodec(t *testing.T) {
	snap := engine.Snapshot{Meta: engine.SnapshotMeta{Index: 9, Term: 3, ConfState: engine.ConfState{Voters: voters}}, Data: []byte("kv")}
	b := engine.AppendSnapshot([]byte("x"), &snap)
	got, n, err := engine.DecodeSnapshot(b[1:])
	require.NoError(t, err)
	assert.Equal(t, len(b)-1, n)
	assert.Equal(t, snap, got)
	for cut := 1; cut < len(b)-1; cut++ {
		_, _, err := engine.DecodeSnapshot(b[1 : len(b)-cut])
		require.ErrorIs(t, err, engine.ErrTruncatedInput, "cut %d", cut)
		assert.True(t, strings.HasPrefix(err.Error(), "engine: decode snapshot: "), err.Error())
	}
	// The InstallSnapshot trailer is checked like the rest of a message.
	m := engine.Message{Type: engine.MsgSnap, From: 1, To: 2, Term: 3, Index: 9, LogTerm: 3, Data: []byte("abc"), Conf: engine.ConfState{Voters: voters}}
	enc := m.MarshalAppend(nil)
	_, err = engine.UnmarshalMessage(enc[:len(enc)-1])
	require.ErrorIs(t, err, engine.ErrTruncatedInput)
	assert.Contains(t, err.Error(), "data length 3 exceeds remaining 2 bytes")
	huge := codecConcat(enc[:len(enc)-11], binary.AppendUvarint(nil, 1<<40))
	_, err = engine.UnmarshalMessage(huge)
	assert.ErrorContains(t, err, "voters count 1099511627776 exceeds remaining")
	// Other types carry no trailer: bytes after their entries are trailing garbage.
	app := engine.Message{Type: engine.MsgApp, From: 1, To: 2, Term: 3}
	_, err = engine.UnmarshalMessage(codecConcat(app.MarshalAppend(nil), []byte{0}))
	assert.ErrorContains(t, err, "trailing bytes")
}

func FuzzDecodeSnapshot(f *testing.F) {
	snap := engine.Snapshot{Meta: engine.SnapshotMeta{Index: 9, Term: 3, ConfState: engine.ConfState{Voters: voters}}, Data: []byte("kv")}
	f.Add(engine.AppendSnapshot(nil, &snap))
	f.Add([]byte{})
	f.Add(codecConcat([]byte{1, 1}, binary.AppendUvarint(nil, 1<<40)))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, n, err := engine.DecodeSnapshot(b)
		if err != nil {
			require.True(t, strings.HasPrefix(err.Error(), "engine: decode snapshot: "), err.Error())
			return
		}
		enc := engine.AppendSnapshot(nil, &got)
		require.LessOrEqual(t, len(enc), n)
		again, _, err := engine.DecodeSnapshot(enc)
		require.NoError(t, err)
		require.Equal(t, got, again)
	})
}

// FuzzStepSnapshot feeds arbitrary InstallSnapshot chunks and replies to the peers of a
// cluster whose follower 3 is owed a snapshot: Step may refuse them but must never
// panic, and every peer's log keeps its shape.
func FuzzStepSnapshot(f *testing.F) {
	f.Add(uint8(engine.MsgSnap), uint64(1), uint64(1), uint64(4), uint64(1), uint64(0), []byte("abcd"), true, false)
	f.Add(uint8(engine.MsgSnap), uint64(1), uint64(1), uint64(9), uint64(1), uint64(1<<40), []byte{}, false, false)
	f.Add(uint8(engine.MsgSnapResp), uint64(3), uint64(1), uint64(4), uint64(1), uint64(3), []byte{}, true, true)
	f.Add(uint8(engine.MsgSnapResp), uint64(3), uint64(1), uint64(4), uint64(1), uint64(1<<63), []byte{}, false, true)
	f.Fuzz(func(t *testing.T, typ uint8, from, term, index, logTerm, offset uint64, data []byte, done, reject bool) {
		n := snapshotNetwork(t)
		for _, to := range voters {
			m := engine.Message{Type: engine.MessageType(typ), From: from, To: to, Term: term, Index: index, LogTerm: logTerm,
				Offset: offset, Data: bytes.Clone(data), Done: done, Reject: reject, RejectHint: offset, Conf: engine.ConfState{Voters: voters}}
			err := n.peers[to].Step(m)
			if err != nil && errors.Is(err, engine.ErrTermOutOfRange) {
				continue
			}
			n.handle(to)
		}
		for range 40 {
			for _, id := range voters {
				n.tick(id, 1)
			}
			// Deliver as the network does, except that a peer may refuse what the
			// forged message led others to send, and that a forged snapshot may leave
			// peers that disagree on a committed entry sending to each other forever.
			for sent := 0; len(n.queue) > 0 && sent < 1000; sent++ {
				m := n.queue[0]
				n.queue = n.queue[1:]
				// A peer answers any server (§6: members or not), so a forged sender
				// gets replies; no such server is on this network.
				if n.peers[m.To] == nil {
					continue
				}
				if n.peers[m.To].Step(m) == nil {
					n.handle(m.To)
				}
			}
		}
		// Forged messages may stall replication (as a forged AppendEntriesResp can), but
		// never break the log's structure.
		for _, id := range voters {
			st := n.status(id)
			require.Equal(t, st.SnapshotIndex+1, st.FirstIndex, "peer %d", id)
			require.LessOrEqual(t, st.SnapshotIndex, st.LastApplied, "peer %d", id)
			require.LessOrEqual(t, st.LastApplied, st.CommitIndex, "peer %d", id)
			require.LessOrEqual(t, st.CommitIndex, st.LastIndex, "peer %d", id)
		}
	})
}
