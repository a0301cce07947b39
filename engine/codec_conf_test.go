package engine_test

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/raftplay/raftplay/engine"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The encodings membership changes (§6) added: typed entries, the whole ConfState, and
// the format-1 forms older stores and peers wrote.

var jointConf = engine.ConfState{Voters: []uint64{1, 2, 4}, Learners: []uint64{5}, VotersOutgoing: []uint64{1, 2, 3},
	Contexts: []engine.MemberContext{{ID: 4, Context: []byte("raft=127.0.0.1:7004")}, {ID: 5, Context: []byte("x")}}}

func TestConfStateCodecWholeConfiguration(t *testing.T) {
	b := engine.AppendConfState([]byte("x"), jointConf)
	got, n, err := engine.DecodeConfState(b[1:])
	require.NoError(t, err)
	assert.Equal(t, len(b)-1, n)
	assert.True(t, jointConf.Equal(got), "%s", got)
	for cut := 1; cut < len(b)-1; cut++ {
		_, _, err := engine.DecodeConfState(b[1 : len(b)-cut])
		require.ErrorIs(t, err, engine.ErrTruncatedInput, "cut %d", cut)
	}
	_, _, err = engine.DecodeConfState([]byte{0, 0, 0, 9, 1})
	assert.EqualError(t, err, "engine: decode conf state: contexts count 9 exceeds remaining 1 bytes at offset 3")
}

func TestLegacyDecoders(t *testing.T) {
	// Format 1: a ConfState of the voters only, an entry with no type byte.
	cs, n, err := engine.DecodeConfStateLegacy([]byte{3, 1, 2, 3, 0xee})
	require.NoError(t, err)
	assert.Equal(t, 4, n)
	assert.Equal(t, engine.ConfState{Voters: []uint64{1, 2, 3}}, cs)

	e, n, err := engine.DecodeEntryLegacy([]byte{7, 2, 3, 'a', 'b', 'c', 0})
	require.NoError(t, err)
	assert.Equal(t, 7, n)
	assert.Equal(t, engine.Entry{Index: 7, Term: 2, Type: engine.EntryNormal, Command: []byte("abc")}, e)

	snap, _, err := engine.DecodeSnapshotLegacy([]byte{9, 2, 2, 1, 2, 1, 'z'})
	require.NoError(t, err)
	assert.Equal(t, engine.SnapshotMeta{Index: 9, Term: 2, ConfState: engine.ConfState{Voters: []uint64{1, 2}}}, snap.Meta)
	assert.Equal(t, []byte("z"), snap.Data)
}

// A message of wire format 1 (before entry types) still decodes, its entries normal and
// an InstallSnapshot's configuration the voters only.
func TestUnmarshalMessageFormat1(t *testing.T) {
	app := []byte{1, byte(engine.MsgApp), 1, 2, 5, 9, 4, 8, 0, 0, 0, 1, 10, 5, 1, 'x', 0}
	m, err := engine.UnmarshalMessage(app)
	require.NoError(t, err)
	assert.Equal(t, []engine.Entry{{Index: 10, Term: 5, Command: []byte("x")}}, m.Entries)

	snap := []byte{1, byte(engine.MsgSnap), 1, 3, 5, 40, 4, 0, 0, 0, 0, 0, 7, 3, 1, 2, 3, 2, 'h', 'i'}
	m, err = engine.UnmarshalMessage(snap)
	require.NoError(t, err)
	assert.Equal(t, engine.ConfState{Voters: []uint64{1, 2, 3}}, m.Conf)
	assert.Equal(t, uint64(7), m.Offset)
	assert.Equal(t, []byte("hi"), m.Data)
	// Encoding it again writes format 2.
	assert.Equal(t, byte(2), m.MarshalAppend(nil)[0])
}

func TestEntryTypeRoundTrip(t *testing.T) {
	e := engine.Entry{Index: 3, Term: 2, Type: engine.EntryConfChange, Command: engine.AppendConfState(nil, jointConf)}
	b := engine.AppendEntry(nil, &e)
	got, n, err := engine.DecodeEntry(b)
	require.NoError(t, err)
	assert.Equal(t, len(b), n)
	assert.Equal(t, e, got)
	assert.Equal(t, "3@2(conf)", got.String())
	assert.Equal(t, "conf", got.Type.String())
	assert.Equal(t, "EntryType(7)", engine.EntryType(7).String())
}

// FuzzStepConfEntry hands a follower an AppendEntries from its leader whose entry is a
// configuration entry of arbitrary bytes: Step refuses a malformed one with an error,
// never a panic, and a configuration it accepts is valid and in force.
func FuzzStepConfEntry(f *testing.F) {
	f.Add(engine.AppendConfState(nil, jointConf))
	f.Add(engine.AppendConfState(nil, engine.ConfState{Voters: []uint64{1, 2, 3}, Learners: []uint64{4}}))
	f.Add(engine.AppendConfState(nil, engine.ConfState{}))
	f.Add([]byte{2, 2, 1, 0, 0, 0})                          // voters not sorted
	f.Add([]byte{1, 1, 1, 1, 0, 0})                          // a voter that is also a learner
	f.Add([]byte{1, 1, 0, 0, 1, 9, 0})                       // a context for a stranger
	f.Add(binary.AppendUvarint([]byte{1, 1, 0}, 1<<40))      // a huge count
	f.Add(append(engine.AppendConfState(nil, jointConf), 0)) // a trailing byte
	f.Fuzz(func(t *testing.T, command []byte) {
		n := newNetwork(t, nil)
		electLeader(t, n, 1)
		st := n.status(2)
		m := engine.Message{Type: engine.MsgApp, From: 1, To: 2, Term: st.Term, Index: st.LastIndex, LogTerm: st.LastTerm,
			Commit: st.CommitIndex, Entries: []engine.Entry{{Index: st.LastIndex + 1, Term: st.Term, Type: engine.EntryConfChange, Command: command}}}
		err := n.peers[2].Step(m)
		if err != nil {
			require.True(t, strings.HasPrefix(err.Error(), "engine: AppendEntries from 1: "), err.Error())
			assert.Equal(t, st.Conf, n.status(2).Conf, "a refused message changes nothing")
			return
		}
		n.handle(2)
		got := n.status(2)
		require.NoError(t, got.Conf.Validate())
		assert.Equal(t, st.LastIndex+1, got.ConfIndex)
	})
}
