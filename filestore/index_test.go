package filestore

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
)

// TestEntryIndex drives the chunked index with random appends and truncations across
// chunk boundaries against a plain slice, and checks that every span handed out keeps
// its contents.
func TestEntryIndex(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var x entryIndex
	var model []engine.Entry
	type handedOut struct {
		span []engine.Entry
		want []engine.Entry
	}
	var spans []handedOut
	term := uint64(1)
	for step := range 250 {
		switch r := rng.IntN(10); {
		case r < 7 || len(model) == 0:
			batch := ents(uint64(len(model))+1, make([]uint64, 1+rng.IntN(chunkLen))...)
			for i := range batch {
				batch[i].Term = term
			}
			if rng.IntN(2) == 0 {
				x.append(batch)
			} else {
				for _, e := range batch {
					x.push(e)
				}
			}
			model = append(model, batch...)
		case r < 9:
			n := rng.IntN(len(model))
			if rng.IntN(2) == 0 {
				n = n / chunkLen * chunkLen // on a chunk boundary
			}
			x.truncate(n)
			model = model[:n:n]
			term++
		default:
			x.truncate(len(model)) // keeping everything changes nothing
		}
		require.Equal(t, len(model), x.len(), "step %d", step)
		if len(model) == 0 {
			continue
		}
		lo := 1 + rng.Uint64N(uint64(len(model)))
		hi := lo + 1 + rng.Uint64N(uint64(len(model))-lo+1)
		span := x.span(lo, hi)
		require.NotEmpty(t, span)
		require.LessOrEqual(t, len(span), int(hi-lo))
		require.Equal(t, len(span), cap(span))
		assert.Equal(t, model[lo-1:lo-1+uint64(len(span))], span, "step %d: span [%d, %d)", step, lo, hi)
		spans = append(spans, handedOut{span: span, want: append([]engine.Entry(nil), span...)})
		assert.Equal(t, model[lo-1].Term, x.at(lo).Term)
		assert.Equal(t, entriesSize(model[lo-1:hi-1]), x.size(lo, hi))
	}
	assert.Equal(t, model, indexEntries(&x))
	for i, h := range spans {
		require.Equal(t, h.want, h.span, "span %d changed after later writes", i)
	}
	for _, chunk := range x.chunks[:len(x.chunks)-1] {
		assert.Len(t, chunk, chunkLen, "every chunk but the last is full")
	}
}

// A short log does not take a whole chunk.
func TestEntryIndexStartsSmall(t *testing.T) {
	var x entryIndex
	x.append(ents(1, 1, 1))
	assert.Equal(t, 64, cap(x.chunks[0]))
	for i := uint64(4); i <= 100; i++ {
		x.push(engine.Entry{Index: i, Term: 1})
	}
	assert.Equal(t, 128, cap(x.chunks[0]))
	var sized entryIndex
	sized.reserve(1000)
	sized.append(ents(1, 1))
	assert.Equal(t, 1000, cap(sized.chunks[0]))
}

// A store whose log spans many chunks reads, truncates, compacts and replays right.
func TestStoreAcrossChunks(t *testing.T) {
	s, fsys := openMem(t, Options{DisableAutoCompact: true})
	const n = 3*chunkLen + 100
	ones := func(n int) []uint64 {
		terms := make([]uint64, n)
		for i := range terms {
			terms[i] = 1
		}
		return terms
	}
	for first := 1; first <= n; first += 1000 {
		require.NoError(t, s.Save(engine.HardState{Term: 1}, ents(uint64(first), ones(min(1000, n-first+1))...), false))
	}
	require.Len(t, readAll(t, s), n)
	part, err := s.Entries(chunkLen-1, chunkLen+10, ^uint64(0))
	require.NoError(t, err)
	assert.Equal(t, "4095@1 4096@1", describe(part), "a read stops at the end of a chunk")

	require.NoError(t, s.Save(engine.HardState{Term: 2}, ents(2*chunkLen+1, 2, 2), false)) // on a chunk boundary
	require.NoError(t, s.Save(engine.HardState{Term: 3}, ents(chunkLen+7, 3), false))      // inside a chunk
	want := describe(append(ents(1, ones(chunkLen+6)...), ents(chunkLen+7, 3)...))
	assert.Equal(t, want, describe(readAll(t, s)))
	assert.Equal(t, part, ents(chunkLen-1, 1, 1), "entries handed out are unchanged")

	s, _ = reopen(t, s, fsys)
	assert.Equal(t, want, describe(readAll(t, s)))
	require.NoError(t, s.Compact())
	s, _ = reopen(t, s, fsys)
	assert.Equal(t, want, describe(readAll(t, s)))
	require.NoError(t, s.Close())
}
