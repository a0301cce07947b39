package filestore

import "github.com/raftplay/raftplay/engine"

// chunkLen is how many entries one chunk of the in-memory index holds (256 KiB of
// Entry values).
const chunkLen = 1 << 12

// entryIndex is the log in memory, in chunks: entry i (from base+1) is element
// (i-base-1) % chunkLen of chunk (i-base-1) / chunkLen. Every chunk but the last is
// full. base is the index of the snapshot the log follows (§7), 0 without one, and
// baseTerm its term.
//
// Chunks keep the cost of growing and truncating a long log small. A single array
// would be copied whole each time it doubles, and copied whole at each truncation (see
// the invariant); here a new chunk costs one allocation, and a truncation copies at
// most one chunk.
//
// Invariant: an element that is part of the log is never written again, so every
// slice span hands out stays valid whatever is saved later. Appends write only past
// the end of the last chunk, and a truncation that keeps part of a chunk moves that
// part to a fresh chunk instead of letting the next append overwrite the rest.
type entryIndex struct {
	chunks   [][]engine.Entry
	n        int // entries in the log
	base     uint64
	baseTerm uint64
}

func (x *entryIndex) len() int { return x.n }

// last is the index of the last entry, base for an empty log.
func (x *entryIndex) last() uint64 { return x.base + uint64(x.n) }

// term returns the term of entry i, base <= i <= last: baseTerm for base.
func (x *entryIndex) term(i uint64) uint64 {
	if i == x.base {
		return x.baseTerm
	}
	return x.at(i).Term
}

// at returns entry i, base < i <= last.
func (x *entryIndex) at(i uint64) *engine.Entry {
	p := i - x.base - 1
	return &x.chunks[p/chunkLen][p%chunkLen]
}

// span returns entries [lo, hi), base < lo < hi <= last+1, or the part of them up to
// the end of lo's chunk. Its capacity is its length, so appending to it copies.
func (x *entryIndex) span(lo, hi uint64) []engine.Entry {
	p := lo - x.base - 1
	chunk := x.chunks[p/chunkLen]
	start := int(p % chunkLen)
	end := min(start+int(hi-lo), len(chunk))
	return chunk[start:end:end]
}

// reserve prepares for about n more entries: it sizes the first chunk, which
// otherwise starts small and doubles up to chunkLen so that a short log stays small.
func (x *entryIndex) reserve(n int) {
	if len(x.chunks) == 0 && n > 0 {
		x.chunks = append(x.chunks, make([]engine.Entry, 0, min(n, chunkLen)))
	}
}

// room returns the chunk to append to, with space for at least one entry and, if it
// is still growing, for want.
func (x *entryIndex) room(want int) *[]engine.Entry {
	if len(x.chunks) == 0 {
		x.chunks = append(x.chunks, make([]engine.Entry, 0, min(max(want, 64), chunkLen)))
	}
	last := &x.chunks[len(x.chunks)-1]
	switch {
	case len(*last) == chunkLen:
		x.chunks = append(x.chunks, make([]engine.Entry, 0, chunkLen))
		last = &x.chunks[len(x.chunks)-1]
	case cap(*last)-len(*last) < want && cap(*last) < chunkLen:
		grown := make([]engine.Entry, len(*last), min(max(2*cap(*last), len(*last)+want), chunkLen))
		copy(grown, *last)
		*last = grown
	}
	return last
}

// push appends one entry.
func (x *entryIndex) push(e engine.Entry) {
	last := x.room(1)
	*last = append(*last, e)
	x.n++
}

// append appends entries.
func (x *entryIndex) append(entries []engine.Entry) {
	for len(entries) > 0 {
		last := x.room(len(entries))
		k := min(cap(*last)-len(*last), len(entries))
		*last = append(*last, entries[:k]...)
		x.n += k
		entries = entries[k:]
	}
}

// truncateAfter keeps the entries up to index last (base <= last).
func (x *entryIndex) truncateAfter(last uint64) { x.truncate(int(last - x.base)) }

// truncate keeps the first n entries.
func (x *entryIndex) truncate(n int) {
	if n >= x.n {
		return
	}
	full, rest := n/chunkLen, n%chunkLen
	keep := full
	if rest > 0 {
		old := x.chunks[full]
		fresh := make([]engine.Entry, rest, cap(old))
		copy(fresh, old[:rest])
		x.chunks[full] = fresh
		keep++
	}
	clear(x.chunks[keep:]) // let the dropped chunks be collected
	x.chunks = x.chunks[:keep]
	x.n = n
}

// size returns the encoded size of entries [lo, hi).
func (x *entryIndex) size(lo, hi uint64) int64 {
	var n int64
	for lo < hi {
		s := x.span(lo, hi)
		n += entriesSize(s)
		lo += uint64(len(s))
	}
	return n
}
