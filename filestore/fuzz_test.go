package filestore

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
)

// seedFiles returns the state file and log file of a small store, for fuzz seeds.
func seedFiles(t testing.TB, saves []save) (state, log []byte) {
	s, fsys := openMem(t, Options{DisableAutoCompact: true})
	for _, sv := range saves {
		require.NoError(t, s.Save(sv.hs, sv.entries, sv.sync))
	}
	require.NoError(t, s.Close())
	return fsys.files[testDir+"/state"].data, fsys.files[testDir+"/log-0000000000000001"].data
}

// checkLog checks the rules every log a store holds must follow.
func checkLog(t *testing.T, log []engine.Entry) {
	var prevTerm uint64
	for i, e := range log {
		require.Equal(t, uint64(i+1), e.Index)
		require.NotZero(t, e.Term)
		require.GreaterOrEqual(t, e.Term, prevTerm)
		prevTerm = e.Term
	}
}

// FuzzOpen feeds arbitrary bytes to Open as the state file and the log file: it must
// return an error or a valid store, never panic or allocate beyond the input's size.
func FuzzOpen(f *testing.F) {
	hs := engine.HardState{Term: 2, VotedFor: 1, Commit: 2}
	withContext := []engine.Entry{{Index: 4, Term: 3, Command: []byte("cmd"), Context: []byte("ctx")}}
	for _, saves := range [][]save{
		nil,
		{{hs: hs, entries: ents(1, 1, 1, 2), sync: true}},
		{{hs: hs, entries: ents(1, 1, 1, 2)}, {hs: engine.HardState{Term: 3, Commit: 2}}, {entries: withContext}},
		{{entries: ents(1, 1, 1, 1, 1)}, {hs: hs, entries: ents(2, 2, 2)}, {entries: ents(4, 2)}},
	} {
		state, log := seedFiles(f, saves)
		f.Add(state, log)
		f.Add(state, log[:len(log)-3])
		f.Add(state[:len(state)-1], log)
	}
	f.Add([]byte{}, []byte{})

	f.Fuzz(func(t *testing.T, state, log []byte) {
		fsys := newFaultFS(1)
		fsys.files[testDir+"/state"] = &inode{data: slices.Clone(state)}
		fsys.files[testDir+"/log-0000000000000001"] = &inode{data: slices.Clone(log)}
		report, inspectErr := inspectWith(fsys, testDir)

		s, recovery, err := openWith(fsys, testDir, Options{NoSync: true})
		if err != nil {
			require.NotEmpty(t, err.Error())
			if inspectErr == nil {
				assert.NotNil(t, report.Corruption, "Inspect found nothing wrong, Open failed: %v", err)
			}
			return
		}
		require.NoError(t, inspectErr)
		require.Nil(t, report.Corruption)
		log1 := readAll(t, s)
		checkLog(t, log1)
		assert.Equal(t, report.LastIndex, uint64(len(log1)))
		assert.Equal(t, report.LastIndex, recovery.LastIndex)
		assert.Equal(t, report.TornTail, recovery.TornTail)
		assert.Equal(t, report.Loss, recovery.Loss, "Inspect and Open prove the same loss")
		assert.Equal(t, report.Recovering, recovery.Recovering)

		// The store takes a new entry and reads back the same log and one more.
		next := engine.Entry{Index: uint64(len(log1)) + 1, Term: max(1, report.HardState.Term), Command: []byte("x")}
		if len(log1) > 0 {
			next.Term = max(next.Term, log1[len(log1)-1].Term)
		}
		require.NoError(t, s.Save(engine.HardState{}, []engine.Entry{next}, true))
		s, _ = reopen(t, s, fsys)
		log2 := readAll(t, s)
		require.True(t, equalLogs(append(slices.Clip(log1), next), log2))
		require.NoError(t, s.Close())
	})
}

// FuzzDecodeRecord feeds arbitrary record bodies to a log of three entries: a body is
// applied whole or refused with the log unchanged.
func FuzzDecodeRecord(f *testing.F) {
	hs := engine.HardState{Term: 2, VotedFor: 3, Commit: 1}
	for _, rec := range [][]byte{
		appendRecord(nil, 0, true, hs, ents(4, 2, 2)),
		appendRecord(nil, 0, false, hs, ents(2, 3)),
		appendRecord(nil, 0, true, hs, nil),
		appendRecord(nil, 0, false, hs, []engine.Entry{{Index: 1, Term: 5, Command: []byte("c"), Context: []byte("x")}}),
	} {
		f.Add(rec[frameSize:])
	}
	f.Add([]byte{})
	f.Add([]byte{0, 0})
	f.Add([]byte{1, 1, 1, 1, 0xff, 0xff, 0xff, 0xff, 0x0f})

	f.Fuzz(func(t *testing.T, body []byte) {
		base := ents(1, 1, 1, 2)
		st := logState{hs: engine.HardState{Term: 2}, entryBytes: entriesSize(base)}
		st.log.append(base)
		sum, err := st.applyRecord(body)
		log := indexEntries(&st.log)
		require.Equal(t, len(log), st.log.len())
		if err != nil {
			require.Equal(t, engine.HardState{Term: 2}, st.hs)
			require.Equal(t, entriesSize(base), st.entryBytes)
			require.True(t, equalLogs(base, log), "a refused record changed the log")
			return
		}
		checkLog(t, log)
		require.Equal(t, entriesSize(log), st.entryBytes)
		if sum.count > 0 {
			require.Equal(t, sum.last, uint64(len(log)))
			require.Equal(t, sum.dropped, max(0, len(base)-int(sum.first)+1))
		}
		if sum.hasHS {
			require.Equal(t, sum.hs, st.hs)
		}
	})
}
