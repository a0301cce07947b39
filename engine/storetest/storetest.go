// Package storetest checks an engine.LogStore against the contract of engine.Storage
// and engine.LogStore. memstore and filestore run it from their tests; a new store
// should too. It is imported by tests only.
package storetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
)

// Voters is the ConfState the stores under test are created with.
var Voters = []uint64{1, 2, 3}

// Harness describes the store under test.
type Harness struct {
	// New returns a fresh, empty store whose ConfState holds Voters.
	New func(t *testing.T) engine.LogStore
	// Reloads are other ways to the same durable state, such as reopening the files
	// or compacting them first; each is checked after the saves of every case, in
	// order, each starting from the store the previous one returned.
	Reloads []Reload
}

// Reload turns a store into another one that must hold the same state.
type Reload struct {
	Name string
	Do   func(t *testing.T, s engine.LogStore) engine.LogStore
}

// Ents returns entries first, first+1, ... with the given terms. Each command names
// its index and term, so a replaced entry is told apart from the one it replaced.
func Ents(first uint64, terms ...uint64) []engine.Entry {
	out := make([]engine.Entry, len(terms))
	for i, term := range terms {
		index := first + uint64(i)
		out[i] = engine.Entry{Index: index, Term: term, Command: fmt.Appendf(nil, "%d@%d", index, term)}
	}
	return out
}

// Describe is the text form of a log used in assertions: "1@1 2@1 3@2", with the
// command added when it is not the one Ents would give, and the context when set.
func Describe(log []engine.Entry) string {
	parts := make([]string, len(log))
	for i, e := range log {
		parts[i] = fmt.Sprintf("%d@%d", e.Index, e.Term)
		if string(e.Command) != parts[i] {
			parts[i] += fmt.Sprintf("(%q)", e.Command)
		}
		if len(e.Context) > 0 {
			parts[i] += fmt.Sprintf("[%q]", e.Context)
		}
	}
	return strings.Join(parts, " ")
}

// ReadAll returns the whole log of s through the Storage interface, asking again
// where Entries stops short, as the engine does.
func ReadAll(t testing.TB, s engine.Storage) []engine.Entry {
	t.Helper()
	last, err := s.LastIndex()
	require.NoError(t, err)
	var log []engine.Entry
	for lo := uint64(1); lo <= last; {
		part, err := s.Entries(lo, last+1, ^uint64(0))
		require.NoError(t, err)
		require.NotEmpty(t, part, "Entries(%d, %d) returned nothing", lo, last+1)
		log = append(log, part...)
		lo += uint64(len(part))
	}
	require.Len(t, log, int(last))
	return log
}

type save struct {
	hs      engine.HardState
	entries []engine.Entry
	sync    bool
}

// RunSaveContract checks Save: appends, truncation of a conflicting suffix, the
// HardState kept unless a new one comes, and every malformed batch refused whole.
func RunSaveContract(t *testing.T, h Harness) {
	hs := engine.HardState{Term: 2, VotedFor: 1, Commit: 1}
	tests := []struct {
		name    string
		saves   []save
		wantLog string
		wantHS  engine.HardState
		wantErr string // substring of the last Save's error; "" for none
	}{
		{name: "nothing saved", saves: nil, wantLog: ""},
		{name: "append to empty log", saves: []save{{entries: Ents(1, 1, 1)}}, wantLog: "1@1 2@1"},
		{name: "appends in two saves", saves: []save{{entries: Ents(1, 1)}, {entries: Ents(2, 1, 2)}}, wantLog: "1@1 2@1 3@2"},
		{name: "truncate a conflicting suffix", saves: []save{{entries: Ents(1, 1, 1, 1, 1)}, {entries: Ents(3, 2)}}, wantLog: "1@1 2@1 3@2"},
		{name: "replace the last entry", saves: []save{{entries: Ents(1, 1, 1)}, {entries: Ents(2, 3, 3, 3)}}, wantLog: "1@1 2@3 3@3 4@3"},
		{name: "replace the whole log", saves: []save{{entries: Ents(1, 1, 1, 1)}, {entries: Ents(1, 2)}}, wantLog: "1@2"},
		{name: "truncate twice", saves: []save{{entries: Ents(1, 1, 1, 1, 1)}, {entries: Ents(4, 2)}, {entries: Ents(2, 3, 3)}}, wantLog: "1@1 2@3 3@3"},
		{name: "hard state alone", saves: []save{{hs: hs}}, wantHS: hs},
		{name: "hard state with entries", saves: []save{{hs: hs, entries: Ents(1, 2)}}, wantLog: "1@2", wantHS: hs},
		{name: "empty hard state keeps the saved one", saves: []save{{hs: hs}, {entries: Ents(1, 1)}}, wantLog: "1@1", wantHS: hs},
		{name: "empty save changes nothing", saves: []save{{hs: hs, entries: Ents(1, 1)}, {}}, wantLog: "1@1", wantHS: hs},
		{name: "unsynced saves", saves: []save{{hs: hs, entries: Ents(1, 1)}, {entries: Ents(2, 2)}}, wantLog: "1@1 2@2", wantHS: hs},
		{
			name:    "gap after the last index",
			saves:   []save{{hs: hs, entries: Ents(1, 1, 1), sync: true}, {hs: engine.HardState{Term: 9}, entries: Ents(4, 1)}},
			wantLog: "1@1 2@1", wantHS: hs,
			wantErr: "entries 4..4: would leave a gap after the last index 2",
		},
		{name: "first index 0", saves: []save{{entries: Ents(0, 1)}}, wantErr: "entries 0..0: the log starts at index 1"},
		{
			name:    "indices not contiguous",
			saves:   []save{{entries: []engine.Entry{{Index: 1, Term: 1}, {Index: 3, Term: 1}}}},
			wantErr: "entry index 3 follows index 1",
		},
		{name: "term 0", saves: []save{{entries: Ents(1, 0)}}, wantErr: "entry 1 has term 0"},
		{name: "terms decrease in the batch", saves: []save{{entries: Ents(1, 2, 1)}}, wantErr: "entry 2 has term 1, below the term 2"},
		{
			name:    "term below the kept entry before the batch",
			saves:   []save{{entries: Ents(1, 1, 3, 3)}, {entries: Ents(3, 2)}},
			wantLog: "1@1 2@3 3@3",
			wantErr: "entry 3 has term 2, below the term 3",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := h.New(t)
			var err error
			for i, sv := range tt.saves {
				err = s.Save(sv.hs, sv.entries, sv.sync)
				if i < len(tt.saves)-1 {
					require.NoError(t, err, "save %d", i)
				}
			}
			if tt.wantErr == "" {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
			}
			check := func(s engine.LogStore, when string) {
				assert.Equal(t, tt.wantLog, Describe(ReadAll(t, s)), when)
				gotHS, conf, err := s.InitialState()
				require.NoError(t, err)
				assert.Equal(t, tt.wantHS, gotHS, when)
				assert.ElementsMatch(t, Voters, conf.Voters, when)
			}
			check(s, "as saved")
			for _, r := range h.Reloads {
				s = r.Do(t, s)
				check(s, "after "+r.Name)
			}
		})
	}
}

// RunReadContract checks Term and Entries on a saved log: Term(0) is 0 and past the end
// is ErrUnavailable; Entries returns at least one entry and then as many as fit in
// maxBytes, never more capacity than length, and ErrUnavailable outside the log.
func RunReadContract(t *testing.T, h Harness) {
	s := h.New(t)
	require.NoError(t, s.Save(engine.HardState{}, Ents(1, 1, 1, 2, 2, 3), true)) // commands are 3 bytes each
	for i, want := range []uint64{0, 1, 1, 2, 2, 3} {
		got, err := s.Term(uint64(i))
		require.NoError(t, err, "index %d", i)
		assert.Equal(t, want, got, "index %d", i)
	}
	_, err := s.Term(6)
	assert.ErrorIs(t, err, engine.ErrUnavailable)

	tests := []struct {
		name        string
		lo, hi, max uint64
		want        string
		unavailable bool
	}{
		{name: "all", lo: 1, hi: 6, max: 1 << 20, want: "1@1 2@1 3@2 4@2 5@3"},
		{name: "middle", lo: 2, hi: 4, max: 1 << 20, want: "2@1 3@2"},
		{name: "empty range", lo: 3, hi: 3, max: 0, want: ""},
		{name: "empty range past the end", lo: 6, hi: 6, max: 0, want: ""},
		{name: "maxBytes 0 still returns the first", lo: 1, hi: 6, max: 0, want: "1@1"},
		{name: "first entry larger than maxBytes", lo: 2, hi: 6, max: 2, want: "2@1"},
		{name: "maxBytes counts the first entry", lo: 1, hi: 6, max: 8, want: "1@1 2@1"},
		{name: "maxBytes exactly fits", lo: 1, hi: 6, max: 9, want: "1@1 2@1 3@2"},
		{name: "hi past the end", lo: 1, hi: 7, max: 1 << 20, unavailable: true},
		{name: "lo 0", lo: 0, hi: 2, max: 1 << 20, unavailable: true},
		{name: "lo past the end", lo: 7, hi: 8, max: 1 << 20, unavailable: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Entries(tt.lo, tt.hi, tt.max)
			if tt.unavailable {
				require.ErrorIs(t, err, engine.ErrUnavailable)
				assert.Contains(t, err.Error(), fmt.Sprintf("entries [%d, %d)", tt.lo, tt.hi))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, Describe(got))
			assert.Equal(t, len(got), cap(got), "appending to a result must not write into the store")
		})
	}
	_, err = s.Entries(4, 3, 100)
	assert.ErrorContains(t, err, "lo is above hi")
}
