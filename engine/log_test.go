package engine

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testStorage is a Storage over a slice, for the package's own unit tests (memstore
// imports engine, so these tests cannot use it).
type testStorage struct {
	hs   HardState
	cs   ConfState
	ents []Entry // ents[i] has index i+1
}

func newTestStorage(cs ConfState, ents ...Entry) *testStorage {
	return &testStorage{cs: cs, ents: ents}
}

func (s *testStorage) InitialState() (HardState, ConfState, error) { return s.hs, s.cs, nil }
func (s *testStorage) LastIndex() (uint64, error)                  { return uint64(len(s.ents)), nil }

func (s *testStorage) Term(i uint64) (uint64, error) {
	if i == 0 {
		return 0, nil
	}
	if i > uint64(len(s.ents)) {
		return 0, ErrUnavailable
	}
	return s.ents[i-1].Term, nil
}

func (s *testStorage) Entries(lo, hi, maxBytes uint64) ([]Entry, error) {
	if lo == 0 || lo >= hi || hi > uint64(len(s.ents))+1 {
		return nil, ErrUnavailable
	}
	return LimitSize(s.ents[lo-1:hi-1], maxBytes), nil
}

// entriesOf builds entries first, first+1, ... with the given terms.
func entriesOf(first uint64, terms ...uint64) []Entry {
	ents := make([]Entry, len(terms))
	for i, term := range terms {
		ents[i] = Entry{Index: first + uint64(i), Term: term}
	}
	return ents
}

// terms lists the term of every entry of l, from index 1 to the last.
func terms(l *raftLog) []uint64 {
	var out []uint64
	for i := uint64(1); i <= l.lastIndex(); i++ {
		out = append(out, l.term(i))
	}
	return out
}

// newTestLog returns a log whose storage holds the terms in stable and whose unstable
// part holds the terms in unstable after them.
func newTestLog(t *testing.T, stable, unstable []uint64, committed uint64) *raftLog {
	l, err := newRaftLog(newTestStorage(ConfState{Voters: []uint64{1}}, entriesOf(1, stable...)...), committed)
	require.NoError(t, err)
	l.append(entriesOf(uint64(len(stable))+1, unstable...)...)
	return l
}

// TestTruncateAndAppend covers the three places a batch from a leader can start: just
// after our last entry, inside the unstable part, or at or below the start of the
// unstable part (which reaches into storage when it is below).
func TestTruncateAndAppend(t *testing.T) {
	for _, tc := range []struct {
		name               string
		stable, unstable   []uint64 // terms of the log before
		ents               []Entry  // what the leader sends, from the conflict on
		wantTerms          []uint64 // terms of the log after
		wantOffset         uint64   // where the next Save starts
		wantUnstableTerms  []uint64
		wantStorageTouched bool // the next Save truncates storage
	}{
		{
			name: "append after the last stable entry", stable: []uint64{1, 1}, ents: entriesOf(3, 2, 2),
			wantTerms: []uint64{1, 1, 2, 2}, wantOffset: 3, wantUnstableTerms: []uint64{2, 2},
		},
		{
			name: "append after the last unstable entry", stable: []uint64{1}, unstable: []uint64{1, 2}, ents: entriesOf(4, 2),
			wantTerms: []uint64{1, 1, 2, 2}, wantOffset: 2, wantUnstableTerms: []uint64{1, 2, 2},
		},
		{
			name: "replace part of the unstable suffix", stable: []uint64{1}, unstable: []uint64{1, 2, 2}, ents: entriesOf(3, 3, 3),
			wantTerms: []uint64{1, 1, 3, 3}, wantOffset: 2, wantUnstableTerms: []uint64{1, 3, 3},
		},
		{
			name: "replace the whole unstable part", stable: []uint64{1}, unstable: []uint64{2, 2}, ents: entriesOf(2, 3),
			wantTerms: []uint64{1, 3}, wantOffset: 2, wantUnstableTerms: []uint64{3},
		},
		{
			name: "truncate into storage", stable: []uint64{1, 1, 2, 2}, ents: entriesOf(3, 3, 3, 3),
			wantTerms: []uint64{1, 1, 3, 3, 3}, wantOffset: 3, wantUnstableTerms: []uint64{3, 3, 3}, wantStorageTouched: true,
		},
		{
			name: "truncate into storage past an unstable part", stable: []uint64{1, 2}, unstable: []uint64{2, 2}, ents: entriesOf(2, 3),
			wantTerms: []uint64{1, 3}, wantOffset: 2, wantUnstableTerms: []uint64{3}, wantStorageTouched: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newTestLog(t, tc.stable, tc.unstable, 1)
			stableLast := l.stableLast()
			l.truncateAndAppend(tc.ents)
			assert.Equal(t, tc.wantTerms, terms(l))
			assert.Equal(t, tc.wantOffset, l.offset)
			var unstableTerms []uint64
			for _, e := range l.unstable {
				unstableTerms = append(unstableTerms, e.Term)
			}
			assert.Equal(t, tc.wantUnstableTerms, unstableTerms)
			assert.Equal(t, tc.wantStorageTouched, l.offset <= stableLast, "the next Save truncates storage")
			assert.Equal(t, uint64(1), l.committed, "truncating never moves the commit index")
		})
	}
}

// TestTruncateAndAppendKeepsHandedOutEntries: a Ready already handed out may point into
// the unstable array, so a truncation must not write over the entries it replaces.
func TestTruncateAndAppendKeepsHandedOutEntries(t *testing.T) {
	for _, tc := range []struct {
		name string
		from uint64
	}{
		{"inside the unstable part", 3},
		{"at the start of the unstable part", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newTestLog(t, []uint64{1}, []uint64{1, 2, 2}, 1)
			handedOut := l.slice(2, 5, 1<<20)
			require.Equal(t, entriesOf(2, 1, 2, 2), handedOut)
			l.truncateAndAppend(entriesOf(tc.from, 3, 3, 3))
			assert.Equal(t, entriesOf(2, 1, 2, 2), handedOut, "the handed-out entries are unchanged")
		})
	}
}

func TestTruncateAndAppendBelowCommitPanics(t *testing.T) {
	l := newTestLog(t, []uint64{1, 1, 2}, nil, 2)
	assert.PanicsWithValue(t, "engine: broken invariant: truncating from 2 below commit index 2", func() {
		l.truncateAndAppend(entriesOf(2, 3))
	})
}

func TestFindConflict(t *testing.T) {
	l := newTestLog(t, []uint64{1, 1, 2}, []uint64{2}, 0)
	for _, tc := range []struct {
		name string
		ents []Entry
		want uint64
	}{
		{"nothing sent", nil, 0},
		{"all already in the log", entriesOf(2, 1, 2, 2), 0},
		{"new entries past the end", entriesOf(3, 2, 2, 3), 5},
		{"a different term inside the log", entriesOf(2, 1, 3, 3), 3},
		{"a different term in the unstable part", entriesOf(4, 3), 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, l.findConflict(tc.ents))
		})
	}
}

func TestFirstIndexAtLeastTerm(t *testing.T) {
	// Index:  1  2  3  4  5  6
	// Term:   1  1  3  3  3  5
	l := newTestLog(t, []uint64{1, 1, 3, 3}, []uint64{3, 5}, 0)
	for _, tc := range []struct {
		term, hi, want uint64
	}{
		{1, 6, 1},
		{2, 6, 3}, // no entry of term 2: the first of a later term
		{3, 6, 3},
		{4, 6, 6},
		{5, 6, 6},
		{6, 6, 6}, // none at least 6 below hi: hi itself
		{3, 2, 2}, // the search stops at hi
	} {
		assert.Equal(t, tc.want, l.firstIndexAtLeastTerm(tc.term, tc.hi), "term %d, hi %d", tc.term, tc.hi)
	}
}
