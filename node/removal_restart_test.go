package node

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/memstore"
)

// removalLog is the log of a cluster {1, 2, 3} that removed server 3: filler normal
// entries, C_old,new at joint, more filler, C_new at last (no filler after it). addrs3,
// when set, is the context server 3 has in C_old,new (a cluster grown by an add gives
// every member one); the others have none (the members it was created with).
func removalLog(t *testing.T, joint, last uint64, addrs3 *MemberAddrs) []engine.Entry {
	t.Helper()
	old := engine.ConfState{Voters: []uint64{1, 2, 3}}
	jointConf := engine.ConfState{Voters: []uint64{1, 2}, VotersOutgoing: []uint64{1, 2, 3}}
	if addrs3 != nil {
		ctx, err := EncodeMemberAddrs(*addrs3)
		require.NoError(t, err)
		old.Contexts = []engine.MemberContext{{ID: 3, Context: ctx}}
		jointConf.Contexts = old.Contexts
	}
	require.NoError(t, jointConf.Validate())
	var ents []engine.Entry
	for i := uint64(1); i <= last; i++ {
		e := engine.Entry{Index: i, Term: 1, Command: fmt.Appendf(nil, "put k%d", i)}
		switch i {
		case joint:
			e = engine.Entry{Index: i, Term: 1, Type: engine.EntryConfChange, Command: engine.AppendConfState(nil, jointConf)}
		case last:
			e = engine.Entry{Index: i, Term: 1, Type: engine.EntryConfChange,
				Command: engine.AppendConfState(nil, engine.ConfState{Voters: []uint64{1, 2}})}
		}
		ents = append(ents, e)
	}
	return ents
}

// engine.Peer.ConfBefore, which restoreLingering asks, reads back from an entry to the
// configuration before it, across several of the log's read chunks (64 entries), and
// falls back to the store's base configuration.
func TestConfBeforeReadsTheEarlierConfigurationFromTheLog(t *testing.T) {
	// confBefore asks a peer started on store, as a node restarted on it would.
	confBefore := func(store engine.Storage, index uint64) (engine.ConfState, error) {
		peer, err := engine.NewPeer(engine.DefaultConfig(1, store))
		require.NoError(t, err)
		return peer.ConfBefore(index)
	}
	base := engine.ConfState{Voters: []uint64{1, 2, 3}}
	ents := removalLog(t, 7, 7+3*64+5, &MemberAddrs{Raft: "127.0.0.1:7003", HTTP: "http://127.0.0.1:8003"})
	last := ents[len(ents)-1].Index
	store, err := memstore.NewWithState(engine.HardState{Term: 1, Commit: 7}, base, ents)
	require.NoError(t, err)

	cs, err := confBefore(store, last)
	require.NoError(t, err)
	assert.Equal(t, []uint64{1, 2}, cs.Voters)
	assert.Equal(t, []uint64{1, 2, 3}, cs.VotersOutgoing, "C_old,new, %d entries back", last-7)
	require.NotNil(t, cs.Context(3))

	cs, err = confBefore(store, 7)
	require.NoError(t, err)
	assert.True(t, cs.Equal(base), "no configuration entry before 7: the base one, got %s", cs)

	// A snapshot past C_old,new: the log starts after it, and the store's base
	// configuration is the snapshot's, C_old,new.
	jointConf, err := confBefore(store, last)
	require.NoError(t, err)
	require.NoError(t, store.SaveSnapshot(engine.Snapshot{Meta: engine.SnapshotMeta{Index: 9, Term: 1, ConfState: jointConf}}))
	_, snapConf, err := store.InitialState()
	require.NoError(t, err)
	require.True(t, snapConf.Equal(jointConf), "the store starts from the snapshot's configuration")
	cs, err = confBefore(store, last)
	require.NoError(t, err)
	assert.True(t, cs.Equal(jointConf), "the snapshot's configuration, got %s", cs)

	bad := removalLog(t, 3, 9, nil)
	bad[2].Command = []byte{2, 0xff}
	store, err = memstore.NewWithState(engine.HardState{Term: 1, Commit: 3}, base, bad)
	require.NoError(t, err)
	_, err = confBefore(store, 9)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "configuration entry 3")
}

// A node restarted while its configuration's entry (C_new, which removed server 3) is
// not known committed keeps server 3's addresses, from C_old,new's context or from
// Peers, so that as a leader it can still tell server 3 (engine.Peer.Leaving). Once
// that entry is known committed there is nothing to keep.
func TestRestartedNodeKeepsTheAddressesOfTheServerItsConfigurationRemoves(t *testing.T) {
	peers := map[uint64]string{1: "127.0.0.1:7001", 2: "127.0.0.1:7002", 3: "127.0.0.1:7003"}
	peerHTTP := map[uint64]string{1: "127.0.0.1:8001", 2: "127.0.0.1:8002", 3: "127.0.0.1:8003"}
	ctxAddrs := MemberAddrs{Raft: "127.0.0.1:9003", HTTP: "http://127.0.0.1:9903"}
	for _, tc := range []struct {
		name   string
		addrs3 *MemberAddrs
		commit uint64
		want   MemberAddrs // zero: nothing lingers
	}{
		{"created with --peers, C_new not known committed", nil, 4, MemberAddrs{Raft: peers[3], HTTP: "http://" + peerHTTP[3]}},
		{"grown by an add, C_new not known committed", &ctxAddrs, 4, ctxAddrs},
		{"C_new known committed", nil, 5, MemberAddrs{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ents := removalLog(t, 4, 5, tc.addrs3)
			base := engine.ConfState{Voters: []uint64{1, 2, 3}}
			if tc.addrs3 != nil {
				ctx, err := EncodeMemberAddrs(*tc.addrs3)
				require.NoError(t, err)
				base.Contexts = []engine.MemberContext{{ID: 3, Context: ctx}} // as after an add
			}
			store, err := memstore.NewWithState(engine.HardState{Term: 1, VotedFor: 1, Commit: tc.commit}, base, ents)
			require.NoError(t, err)
			n, err := New(Config{ID: 1, Peers: peers, PeerHTTP: peerHTTP, HTTPAddr: "127.0.0.1:8001", Store: store})
			require.NoError(t, err)
			book := n.book()
			assert.Equal(t, []uint64{1, 2}, book.conf.Voters)
			a, ok := book.lingering[3]
			if tc.want == (MemberAddrs{}) {
				assert.False(t, ok, "server 3 lingers at %+v", a)
				return
			}
			require.True(t, ok, "server 3's addresses are lost with the restart")
			assert.Equal(t, tc.want, a)
			assert.Equal(t, tc.want.Raft, book.talkTo(1, false, true, []uint64{3})[3], "a leader reaches the leaving server")
		})
	}
}
