package memstore

import (
	"testing"

	"github.com/raftplay/raftplay/engine"
)

// batch returns n entries of 128-byte commands starting at first, all in term.
func batch(first uint64, n int, term uint64) []engine.Entry {
	command := make([]byte, 128)
	out := make([]engine.Entry, n)
	for i := range out {
		out[i] = engine.Entry{Index: first + uint64(i), Term: term, Command: command}
	}
	return out
}

// benchmarkSave saves batches of n entries, synced, to a log that grows to 64Ki
// entries and then starts over, so the cost of growing the array is included.
func benchmarkSave(b *testing.B, n int) {
	const maxLog = 1 << 16
	s := New(voters)
	entries := batch(1, n, 1)
	hs := engine.HardState{Term: 1, VotedFor: 1}
	b.SetBytes(int64(n * 128))
	b.ReportAllocs()
	for b.Loop() {
		if entries[0].Index > maxLog {
			s = New(voters)
			for i := range entries {
				entries[i].Index = uint64(i + 1)
			}
		}
		hs.Commit = entries[0].Index - 1
		if err := s.Save(hs, entries, true); err != nil {
			b.Fatal(err)
		}
		for i := range entries {
			entries[i].Index += uint64(n)
		}
	}
}

func BenchmarkSave1(b *testing.B)  { benchmarkSave(b, 1) }
func BenchmarkSave64(b *testing.B) { benchmarkSave(b, 64) }

// BenchmarkSaveTruncate measures the rare path: replacing the last entry of a
// 1000-entry log, which copies the kept prefix.
func BenchmarkSaveTruncate(b *testing.B) {
	s := New(voters)
	if err := s.Save(engine.HardState{}, batch(1, 1000, 1), true); err != nil {
		b.Fatal(err)
	}
	replacement := batch(1000, 1, 2)
	b.ReportAllocs()
	for b.Loop() {
		replacement[0].Term++
		if err := s.Save(engine.HardState{}, replacement, false); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEntries(b *testing.B) {
	s := New(voters)
	if err := s.Save(engine.HardState{}, batch(1, 1024, 1), true); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var lo uint64
	for b.Loop() {
		lo = lo%960 + 1
		got, err := s.Entries(lo, lo+64, 1<<20)
		if err != nil || len(got) != 64 {
			b.Fatal(len(got), err)
		}
	}
}

func BenchmarkTerm(b *testing.B) {
	s := New(voters)
	if err := s.Save(engine.HardState{}, batch(1, 1024, 1), true); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var i uint64
	for b.Loop() {
		i = i%1024 + 1
		if _, err := s.Term(i); err != nil {
			b.Fatal(err)
		}
	}
}
