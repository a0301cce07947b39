package filestore

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
)

// benchEntrySize is the command size of the benchmarks' entries.
const benchEntrySize = 128

// benchBatches returns n batches of size entries each, starting at index 1.
func benchBatches(n, size int) [][]engine.Entry {
	cmd := make([]byte, benchEntrySize)
	for i := range cmd {
		cmd[i] = byte(i)
	}
	batches := make([][]engine.Entry, n)
	index := uint64(1)
	for i := range batches {
		batches[i] = make([]engine.Entry, size)
		for j := range batches[i] {
			batches[i][j] = engine.Entry{Index: index, Term: 1, Command: cmd}
			index++
		}
	}
	return batches
}

// rawAppender is the limit of the disk: append size bytes and fdatasync, nothing else.
type rawAppender struct {
	f   *os.File
	buf []byte
}

func newRawAppender(b *testing.B, size int) *rawAppender {
	f, err := os.Create(filepath.Join(b.TempDir(), "raw"))
	require.NoError(b, err)
	b.Cleanup(func() { f.Close() })
	return &rawAppender{f: f, buf: make([]byte, size)}
}

func (r *rawAppender) append(b *testing.B) {
	if _, err := r.f.Write(r.buf); err != nil {
		b.Fatal(err)
	}
	if err := datasync(r.f); err != nil {
		b.Fatal(err)
	}
}

func openBenchStore(b *testing.B, opts Options) *Store {
	opts.Voters = testVoters
	s, _, err := Open(filepath.Join(b.TempDir(), "store"), opts)
	require.NoError(b, err)
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkAppend measures a synced Save of 1 and 64 entries of 128 bytes, and the
// raw write+fdatasync of the same bytes on the same disk.
func BenchmarkAppend(b *testing.B) {
	for _, batch := range []int{1, 64} {
		b.Run("raw/"+strconv.Itoa(batch), func(b *testing.B) {
			raw := newRawAppender(b, batch*benchEntrySize)
			b.SetBytes(int64(batch * benchEntrySize))
			for b.Loop() {
				raw.append(b)
			}
		})
		b.Run("store/"+strconv.Itoa(batch), func(b *testing.B) {
			s := openBenchStore(b, Options{})
			batches := benchBatches(b.N, batch)
			b.SetBytes(int64(batch * benchEntrySize))
			b.ResetTimer()
			for i := range b.N {
				if err := s.Save(engine.HardState{}, batches[i], true); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAppendVsRaw interleaves a synced Save with two raw write+fdatasync loops
// on the same disk, rotating which goes first, so that all three see the disk at the
// same moments. It reports the store's speed as a fraction of each raw loop's, median
// over median (medians, because other processes' fsyncs make single operations slow
// at random):
//
//	x-raw             the raw loop writes the commands only (batch × 128 bytes);
//	                  the goal is 0.9 or more
//	x-raw-same-bytes  the raw loop writes as many bytes as the store's record (the
//	                  commands plus the frame and each entry's index, term, lengths)
//
// The difference between the two is the price of the record's extra bytes: 64
// commands fill exactly two pages, a record of them spills into a third.
func BenchmarkAppendVsRaw(b *testing.B) {
	for _, batch := range []int{1, 64} {
		b.Run(strconv.Itoa(batch), func(b *testing.B) {
			batches := benchBatches(b.N, batch)
			recordSize := len(appendRecord(nil, 0, false, engine.HardState{}, batches[b.N/2]))
			raw := newRawAppender(b, batch*benchEntrySize)
			rawSame := newRawAppender(b, recordSize)
			s := openBenchStore(b, Options{})
			var rawTimes, rawSameTimes, storeTimes []time.Duration
			timed := func(times *[]time.Duration, op func()) {
				start := time.Now()
				op()
				*times = append(*times, time.Since(start))
			}
			b.ResetTimer()
			for i := range b.N {
				ops := [3]func(){
					func() { timed(&rawTimes, func() { raw.append(b) }) },
					func() { timed(&rawSameTimes, func() { rawSame.append(b) }) },
					func() {
						timed(&storeTimes, func() {
							if err := s.Save(engine.HardState{}, batches[i], true); err != nil {
								b.Fatal(err)
							}
						})
					},
				}
				for k := range ops {
					ops[(i+k)%3]()
				}
			}
			b.StopTimer()
			store := float64(median(storeTimes))
			b.ReportMetric(float64(median(rawTimes))/store, "x-raw")
			b.ReportMetric(float64(median(rawSameTimes))/store, "x-raw-same-bytes")
			b.ReportMetric(store, "store-median-ns")
		})
	}
}

func median(d []time.Duration) time.Duration {
	slices.Sort(d)
	return d[len(d)/2]
}

// BenchmarkReopen1M measures Open of a store holding 1,000,000 entries of 128 bytes
// (in batches of 64, about 140 MB): read the file, check every checksum, index every
// entry. The file is in the page cache, as after a process restart.
func BenchmarkReopen1M(b *testing.B) {
	const entries, batch = 1_000_000, 64
	dir := filepath.Join(b.TempDir(), "store")
	s, _, err := Open(dir, Options{Voters: testVoters, NoSync: true})
	require.NoError(b, err)
	for _, ents := range benchBatches(entries/batch, batch) {
		require.NoError(b, s.Save(engine.HardState{Term: 1, Commit: ents[0].Index}, ents, false))
	}
	require.NoError(b, s.Close())
	b.SetBytes(s.Stats().FileBytes)
	b.ResetTimer()
	for b.Loop() {
		s, _, err := Open(dir, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if last, _ := s.LastIndex(); last != entries {
			b.Fatalf("reopened %d entries, want %d", last, entries)
		}
		s.Close()
	}
}

// BenchmarkSaveNoSync measures what a Save costs besides the fdatasync: checks,
// encoding, checksums, the write into the page cache and the in-memory index.
func BenchmarkSaveNoSync(b *testing.B) {
	for _, batch := range []int{1, 64} {
		b.Run(strconv.Itoa(batch), func(b *testing.B) {
			s := openBenchStore(b, Options{NoSync: true})
			batches := benchBatches(b.N, batch)
			b.SetBytes(int64(batch * benchEntrySize))
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if err := s.Save(engine.HardState{Term: 1, Commit: uint64(i)}, batches[i], true); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEntries reads 64 entries from memory, as a leader does to replicate.
func BenchmarkEntries(b *testing.B) {
	s := openBenchStore(b, Options{NoSync: true})
	for _, ents := range benchBatches(16, 64) {
		require.NoError(b, s.Save(engine.HardState{}, ents, false))
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Entries(500, 564, 1<<20); err != nil {
			b.Fatal(err)
		}
	}
}
