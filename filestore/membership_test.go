package filestore

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
)

// Membership changes (§6) on disk: configuration entries, whole ConfStates in the state
// and snapshot files, servers that join with none, and the data directories written
// before all that.

var jointConf = engine.ConfState{Voters: []uint64{1, 2, 4}, Learners: []uint64{5}, VotersOutgoing: []uint64{1, 2, 3},
	Contexts: []engine.MemberContext{{ID: 4, Context: []byte("raft=127.0.0.1:7004")}}}

func confEntry(index, term uint64, cs engine.ConfState) engine.Entry {
	return engine.Entry{Index: index, Term: term, Type: engine.EntryConfChange, Command: engine.AppendConfState(nil, cs)}
}

// A configuration entry keeps its type through a crash and a reload, and the engine
// finds the joint configuration in the reloaded log.
func TestConfEntriesSurviveACrash(t *testing.T) {
	s, fsys := openMem(t, Options{})
	log := append(ents(1, 1, 1), confEntry(3, 1, jointConf))
	require.NoError(t, s.Save(engine.HardState{Term: 1, VotedFor: 1, Commit: 2}, log, true))
	fsys.crashAt = fsys.ops + 1 // the next write is lost with the machine
	_ = s.Save(engine.HardState{Term: 1, VotedFor: 1, Commit: 3}, nil, true)
	fsys.restart()
	s2, _, err := openWith(fsys, testDir, Options{Voters: testVoters})
	require.NoError(t, err)
	got := readAll(t, s2)
	require.Len(t, got, 3)
	assert.Equal(t, engine.EntryConfChange, got[2].Type)
	assert.Equal(t, log[2].Command, got[2].Command)

	p, err := engine.NewPeer(engine.DefaultConfig(4, s2))
	require.NoError(t, err)
	st := p.Status()
	assert.True(t, jointConf.Equal(st.Conf), "the peer reloads the configuration from the log: %s", st.Conf)
	assert.Equal(t, uint64(3), st.ConfIndex)
	assert.False(t, st.ConfCommitted)
}

// A snapshot of a joint configuration keeps it whole in the snapshot and state files.
func TestSnapshotKeepsTheWholeConfState(t *testing.T) {
	s, fsys := openMem(t, Options{})
	require.NoError(t, s.Save(engine.HardState{Term: 2, VotedFor: 1, Commit: 3}, append(ents(1, 1, 2), confEntry(3, 2, jointConf)), true))
	require.NoError(t, s.SaveSnapshot(engine.Snapshot{Meta: engine.SnapshotMeta{Index: 3, Term: 2, ConfState: jointConf}, Data: []byte("kv")}))
	s2, _ := reopen(t, s, fsys)
	_, cs, err := s2.InitialState()
	require.NoError(t, err)
	assert.True(t, jointConf.Equal(cs), "%s", cs)
	snap, err := s2.Snapshot()
	require.NoError(t, err)
	assert.True(t, jointConf.Equal(snap.Meta.ConfState), "%s", snap.Meta.ConfState)
	st, err := readState(fsys, testDir)
	require.NoError(t, err)
	assert.True(t, jointConf.Equal(st.conf))
}

func TestJoinStartsWithNoConfiguration(t *testing.T) {
	fsys := newFaultFS(1)
	s, report, err := openWith(fsys, testDir, Options{Join: true})
	require.NoError(t, err)
	require.True(t, report.Created)
	_, cs, err := s.InitialState()
	require.NoError(t, err)
	assert.True(t, cs.IsEmpty())
	p, err := engine.NewPeer(engine.DefaultConfig(4, s))
	require.NoError(t, err)
	assert.True(t, p.Status().Conf.IsEmpty())
	// Restarted without Options.Voters or Join, it is the same empty store.
	s2, _ := reopen(t, s, fsys)
	_, cs, err = s2.InitialState()
	require.NoError(t, err)
	assert.True(t, cs.IsEmpty())

	_, _, err = openWith(newFaultFS(2), testDir, Options{Join: true, Voters: testVoters})
	assert.ErrorContains(t, err, "Options.Join with Options.Voters [1 2 3]")
	_, _, err = openWith(newFaultFS(3), testDir, Options{})
	assert.ErrorContains(t, err, "Options.Voters is empty; a new store needs its voter set (or Options.Join)")
}

// After a snapshot replaced the bootstrap configuration, Options.Voters (the node's
// --peers) is not checked against it: the configuration has moved on (§6).
func TestVotersCheckedOnlyAgainstTheBootstrapConfiguration(t *testing.T) {
	s, fsys := openMem(t, Options{})
	require.NoError(t, s.Close())
	_, _, err := openWith(fsys, testDir, Options{Voters: []uint64{1, 2, 4}})
	require.ErrorContains(t, err, "differ from the stored voters")

	s, _, err = openWith(fsys, testDir, Options{Voters: testVoters})
	require.NoError(t, err)
	require.NoError(t, s.Save(engine.HardState{Term: 1, Commit: 1}, ents(1, 1), true))
	require.NoError(t, s.SaveSnapshot(engine.Snapshot{Meta: engine.SnapshotMeta{Index: 1, Term: 1, ConfState: engine.ConfState{Voters: []uint64{1, 2, 4}}}}))
	require.NoError(t, s.Close())
	s, _, err = openWith(fsys, testDir, Options{Voters: testVoters})
	require.NoError(t, err)
	require.NoError(t, s.Close())
}

// A data directory written before membership changes (state file version 3, records
// whose entries have no type) opens: its voters are the configuration and its entries
// normal ones. The next state write moves it to version 4.
func TestOldDataDirectoryLoads(t *testing.T) {
	fsys := newFaultFS(1)
	require.NoError(t, fsys.MkdirAll(testDir))
	header := logHeader{version: formatVersion, salt: 7, generation: 1}
	data := appendLogHeader(nil, header)
	data = appendLegacyRecord(data, header.seed(), engine.HardState{Term: 2, VotedFor: 1, Commit: 2},
		[]engine.Entry{{Index: 1, Term: 1}, {Index: 2, Term: 2, Command: []byte("SET x 1"), Context: []byte("c")}})
	writeFile(t, fsys, testDir+"/"+logFileName(1), data)

	state := append([]byte(stateMagic), 3, 0, 0, 0) // version 3
	state = binary.AppendUvarint(state, 1)          // generation
	state = append(state, 3, 1, 2, 3)               // voters-only ConfState
	for _, v := range []uint64{2, 1, uint64(len(data)), 2} {
		state = binary.AppendUvarint(state, v) // term, vote, high-water bytes and index
	}
	state = append(state, 0, 0, 0) // flags, no snapshot
	state = binary.LittleEndian.AppendUint32(state, crc32c(state))
	writeFile(t, fsys, testDir+"/"+stateFileName, state)

	s, report, err := openWith(fsys, testDir, Options{Voters: testVoters})
	require.NoError(t, err)
	assert.False(t, report.Created)
	hs, cs, err := s.InitialState()
	require.NoError(t, err)
	assert.Equal(t, engine.HardState{Term: 2, VotedFor: 1, Commit: 2}, hs)
	assert.Equal(t, engine.ConfState{Voters: testVoters}, cs)
	got := readAll(t, s)
	assert.Equal(t, []engine.Entry{{Index: 1, Term: 1}, {Index: 2, Term: 2, Command: []byte("SET x 1"), Context: []byte("c")}}, got)

	// New records are typed, and both kinds replay together.
	require.NoError(t, s.Save(engine.HardState{Term: 2, VotedFor: 1, Commit: 3}, []engine.Entry{confEntry(3, 2, jointConf)}, true))
	s2, _ := reopen(t, s, fsys)
	got = readAll(t, s2)
	require.Len(t, got, 3)
	assert.Equal(t, engine.EntryNormal, got[1].Type)
	assert.Equal(t, engine.EntryConfChange, got[2].Type)
	require.NoError(t, s2.Checkpoint())
	st, err := readState(fsys, testDir)
	require.NoError(t, err)
	assert.Equal(t, engine.ConfState{Voters: testVoters}, st.conf)
	raw, err := fsys.ReadFile(testDir + "/" + stateFileName)
	require.NoError(t, err)
	assert.Equal(t, uint32(stateFormatVersion), binary.LittleEndian.Uint32(raw[8:]), "rewritten as version 4")
}

// appendLegacyRecord writes a record as builds before membership changes did: no
// typed-entries flag, and entries without a type byte.
func appendLegacyRecord(b []byte, seed uint32, hs engine.HardState, entries []engine.Entry) []byte {
	start := len(b)
	b = append(b, make([]byte, frameSize)...)
	b = append(b, flagHardState)
	b = engine.AppendHardState(b, hs)
	b = binary.AppendUvarint(b, uint64(len(entries)))
	for _, e := range entries {
		b = binary.AppendUvarint(b, e.Index)
		b = binary.AppendUvarint(b, e.Term)
		b = binary.AppendUvarint(b, uint64(len(e.Command)))
		b = append(b, e.Command...)
		b = binary.AppendUvarint(b, uint64(len(e.Context)))
		b = append(b, e.Context...)
	}
	sealFrame(b[start:], seed)
	return b
}

func writeFile(t *testing.T, fsys *faultFS, path string, data []byte) {
	t.Helper()
	f, err := fsys.OpenFile(path, 0x241, 0o644) // O_WRONLY|O_CREATE|O_TRUNC
	require.NoError(t, err)
	_, err = f.WriteAt(data, 0)
	require.NoError(t, err)
	require.NoError(t, f.Sync())
	require.NoError(t, f.Close())
	require.NoError(t, fsys.SyncDir(testDir))
}
