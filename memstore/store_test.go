package memstore

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/engine/storetest"
)

var voters = engine.ConfState{Voters: []uint64{1, 2, 3}}

var (
	ents     = storetest.Ents
	describe = storetest.Describe
)

// save is one call of Save, for tests that replay sequences of them.
type save struct {
	hs      engine.HardState
	entries []engine.Entry
	sync    bool
}

func TestSaveContract(t *testing.T) {
	storetest.RunSaveContract(t, storetest.Harness{
		New: func(*testing.T) engine.LogStore { return New(voters) },
		// A crash after synced saves loses nothing; one after unsynced saves is
		// checked by the crash tests below.
	})
}

func TestSaveCopiesTheEntrySlice(t *testing.T) {
	s := New(voters)
	batch := ents(1, 1, 1)
	require.NoError(t, s.Save(engine.HardState{}, batch, true))
	batch[0] = engine.Entry{Index: 1, Term: 7} // the engine reuses Ready.Entries after Advance
	assert.Equal(t, "1@1 2@1", describe(s.Log()))
}

func TestInitialState(t *testing.T) {
	cs := engine.ConfState{Voters: []uint64{1, 2, 3}}
	s := New(cs)
	cs.Voters[0] = 9 // New keeps its own copy
	hs := engine.HardState{Term: 3, VotedFor: 2, Commit: 0}
	require.NoError(t, s.Save(hs, nil, true))

	gotHS, gotCS, err := s.InitialState()
	require.NoError(t, err)
	assert.Equal(t, hs, gotHS)
	assert.Equal(t, []uint64{1, 2, 3}, gotCS.Voters)
	assert.Equal(t, gotCS, s.ConfState())
}

func TestReadContract(t *testing.T) {
	storetest.RunReadContract(t, storetest.Harness{New: func(*testing.T) engine.LogStore { return New(voters) }})
	s := New(voters)
	_, err := s.Term(1)
	assert.ErrorContains(t, err, "term of entry 1", "the error names the index")
}

// TestAliasing checks that slices handed out stay as they were while the log is
// truncated, appended to, crashed and cloned: messages in flight may still hold them.
func TestAliasing(t *testing.T) {
	s := New(voters)
	require.NoError(t, s.Save(engine.HardState{}, ents(1, 1, 1, 1, 1), true))
	// Leave room in the array so that an in-place overwrite would be possible.
	fromEntries, err := s.Entries(2, 5, 1<<20)
	require.NoError(t, err)
	fromLog := s.Log()

	require.NoError(t, s.Save(engine.HardState{}, ents(3, 2, 2), false)) // truncates 3..4
	require.NoError(t, s.Save(engine.HardState{}, ents(5, 2, 2, 2), false))
	assert.Equal(t, "2@1 3@1 4@1", describe(fromEntries))
	assert.Equal(t, "1@1 2@1 3@1 4@1", describe(fromLog))
	assert.Equal(t, "1@1 2@1 3@2 4@2 5@2 6@2 7@2", describe(s.Log()))

	// Entries handed out past the durable end survive a crash and the appends after it.
	unsynced, err := s.Entries(3, 8, 1<<20)
	require.NoError(t, err)
	s.Crash()
	assert.Equal(t, "1@1 2@1 3@1 4@1", describe(s.Log()))
	require.NoError(t, s.Save(engine.HardState{}, ents(5, 4, 4, 4), false))
	assert.Equal(t, "3@2 4@2 5@2 6@2 7@2", describe(unsynced))

	// Appending to a returned slice must not reach into the store.
	head, err := s.Entries(1, 3, 1<<20)
	require.NoError(t, err)
	_ = append(head, engine.Entry{Index: 3, Term: 99})
	limited, err := s.Entries(1, 5, 0) // cut short by maxBytes
	require.NoError(t, err)
	_ = append(limited, engine.Entry{Index: 2, Term: 99})
	assert.Equal(t, "1@1 2@1 3@1 4@1 5@4 6@4 7@4", describe(s.Log()))
}

func TestCrash(t *testing.T) {
	hs1 := engine.HardState{Term: 1, VotedFor: 1, Commit: 1}
	hs2 := engine.HardState{Term: 2, VotedFor: 2, Commit: 2}
	hs3 := engine.HardState{Term: 3, VotedFor: 3, Commit: 2}
	tests := []struct {
		name         string
		saves        []save
		wantUnsynced int
		wantLog      string // after Crash
		wantHS       engine.HardState
	}{
		{name: "synced writes survive", saves: []save{{hs: hs1, entries: ents(1, 1, 1), sync: true}}, wantLog: "1@1 2@1", wantHS: hs1},
		{name: "unsynced append is lost", saves: []save{
			{hs: hs1, entries: ents(1, 1, 1), sync: true},
			{entries: ents(3, 1, 1)},
		}, wantUnsynced: 1, wantLog: "1@1 2@1", wantHS: hs1},
		{name: "unsynced hard state is lost", saves: []save{
			{hs: hs1, entries: ents(1, 1), sync: true},
			{hs: hs2},
			{hs: hs3},
		}, wantUnsynced: 2, wantLog: "1@1", wantHS: hs1},
		{name: "unsynced truncation is undone", saves: []save{
			{hs: hs1, entries: ents(1, 1, 1, 1), sync: true},
			{hs: hs3, entries: ents(2, 3)},
			{entries: ents(3, 3, 3)},
		}, wantUnsynced: 2, wantLog: "1@1 2@1 3@1", wantHS: hs1},
		{name: "a sync makes earlier writes durable", saves: []save{
			{hs: hs1, entries: ents(1, 1, 1, 1)},
			{hs: hs2, entries: ents(2, 2)},
			{entries: ents(3, 2), sync: true},
			{hs: hs3, entries: ents(4, 3)},
		}, wantUnsynced: 1, wantLog: "1@1 2@2 3@2", wantHS: hs2},
		{name: "an empty synced save is an fsync", saves: []save{
			{hs: hs1, entries: ents(1, 1)},
			{sync: true},
		}, wantLog: "1@1", wantHS: hs1},
		{name: "nothing ever synced", saves: []save{
			{hs: hs1, entries: ents(1, 1)},
			{},
		}, wantUnsynced: 1, wantLog: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(voters)
			for i, sv := range tt.saves {
				require.NoError(t, s.Save(sv.hs, sv.entries, sv.sync), "save %d", i)
			}
			assert.Equal(t, tt.wantUnsynced, s.UnsyncedWrites())
			s.Crash()
			assert.Equal(t, 0, s.UnsyncedWrites())
			assert.Equal(t, tt.wantLog, describe(s.Log()))
			assert.Equal(t, tt.wantHS, s.HardState())
			s.Crash() // a second crash loses nothing more
			assert.Equal(t, tt.wantLog, describe(s.Log()))
		})
	}
}

func TestNewWithState(t *testing.T) {
	tests := []struct {
		name    string
		hs      engine.HardState
		entries []engine.Entry
		wantErr string
	}{
		{name: "empty", hs: engine.HardState{Term: 5}},
		{name: "figure 7 leader", hs: engine.HardState{Term: 8, Commit: 4}, entries: ents(1, 1, 1, 1, 4, 4, 5, 5, 6, 6, 6)},
		{name: "does not start at 1", entries: ents(2, 1, 1), wantErr: "preset log must start at index 1, starts at 2"},
		{
			name:    "gap",
			entries: []engine.Entry{{Index: 1, Term: 1}, {Index: 2, Term: 1}, {Index: 4, Term: 1}},
			wantErr: "preset log: entry index 4 follows index 2",
		},
		{name: "terms decrease", entries: ents(1, 1, 3, 2), wantErr: "preset log: entry 3 has term 2, below the term 3"},
		{name: "term 0", entries: ents(1, 0), wantErr: "preset log: entry 1 has term 0"},
		{name: "commit beyond the log", hs: engine.HardState{Term: 1, Commit: 3}, entries: ents(1, 1, 1), wantErr: "preset commit index 3 is beyond the last index 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewWithState(tt.hs, voters, tt.entries)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Nil(t, s)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, describe(tt.entries), describe(s.Log()))
			assert.Equal(t, tt.hs, s.HardState())
			assert.Zero(t, s.UnsyncedWrites())
			s.Crash() // the preset is durable
			assert.Equal(t, describe(tt.entries), describe(s.Log()))
			assert.Equal(t, tt.hs, s.HardState())
		})
	}
}

func TestNewWithStateCopiesTheEntrySlice(t *testing.T) {
	preset := ents(1, 1, 2)
	s, err := NewWithState(engine.HardState{Term: 2}, voters, preset)
	require.NoError(t, err)
	preset[1].Term = 9
	assert.Equal(t, "1@1 2@2", describe(s.Log()))
}

func TestClone(t *testing.T) {
	s := New(voters)
	hs := engine.HardState{Term: 2, VotedFor: 1, Commit: 2}
	require.NoError(t, s.Save(hs, ents(1, 1, 1, 2), true))
	require.NoError(t, s.Save(engine.HardState{Term: 3}, ents(4, 2), false))

	c := s.Clone()
	assert.Equal(t, describe(s.Log()), describe(c.Log()))
	assert.Equal(t, 1, c.UnsyncedWrites())

	require.NoError(t, s.Save(engine.HardState{}, ents(5, 2, 2), false)) // in-place append
	require.NoError(t, c.Save(engine.HardState{}, ents(5, 3), false))
	assert.Equal(t, "1@1 2@1 3@2 4@2 5@2 6@2", describe(s.Log()))
	assert.Equal(t, "1@1 2@1 3@2 4@2 5@3", describe(c.Log()))

	c.Crash()
	assert.Equal(t, "1@1 2@1 3@2", describe(c.Log()))
	assert.Equal(t, hs, c.HardState())
	assert.Equal(t, "1@1 2@1 3@2 4@2 5@2 6@2", describe(s.Log()))
	assert.Equal(t, engine.HardState{Term: 3}, s.HardState())
}

// model is the obvious store: deep copies everywhere. TestAgainstModel drives both with
// the same random operations and checks they agree, and that no snapshot ever changes.
type model struct {
	hs, durableHS   engine.HardState
	log, durableLog []engine.Entry
}

func (m *model) save(hs engine.HardState, entries []engine.Entry, sync bool) {
	if len(entries) > 0 {
		m.log = append(append([]engine.Entry(nil), m.log[:entries[0].Index-1]...), entries...)
	}
	if !hs.IsEmpty() {
		m.hs = hs
	}
	if sync {
		m.durableHS, m.durableLog = m.hs, append([]engine.Entry(nil), m.log...)
	}
}

func (m *model) crash() {
	m.hs, m.log = m.durableHS, append([]engine.Entry(nil), m.durableLog...)
}

func TestAgainstModel(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		rng := rand.New(rand.NewPCG(seed, 0x6d656d))
		s, m := New(voters), &model{}
		type snapshot struct {
			ents []engine.Entry
			want string
		}
		var snapshots []snapshot
		term := uint64(1)
		for step := 0; step < 300; step++ {
			switch op := rng.IntN(10); {
			case op < 7: // save: append, or truncate somewhere in the log
				last := uint64(len(m.log))
				first := last + 1
				if last > 0 && rng.IntN(3) == 0 {
					first = 1 + rng.Uint64N(last)
					term++
				}
				batch := ents(first, repeat(term, rng.IntN(4))...)
				var hs engine.HardState
				if rng.IntN(2) == 0 {
					hs = engine.HardState{Term: term, VotedFor: rng.Uint64N(4), Commit: rng.Uint64N(first)}
				}
				sync := rng.IntN(3) == 0
				require.NoError(t, s.Save(hs, batch, sync))
				m.save(hs, batch, sync)
			case op < 8:
				s.Crash()
				m.crash()
			case op < 9: // the playground rewinds to a clone
				s = s.Clone()
			default:
				if last := uint64(len(m.log)); last > 0 {
					lo := 1 + rng.Uint64N(last)
					got, err := s.Entries(lo, last+1, 1<<20)
					require.NoError(t, err)
					snapshots = append(snapshots, snapshot{got, describe(got)})
				}
			}
			require.Equal(t, describe(m.log), describe(s.Log()), "seed %d step %d", seed, step)
			require.Equal(t, m.hs, s.HardState(), "seed %d step %d", seed, step)
			for _, snap := range snapshots {
				require.Equal(t, snap.want, describe(snap.ents), "seed %d step %d: a handed-out slice changed", seed, step)
			}
		}
	}
}

func repeat(term uint64, n int) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = term
	}
	return out
}
