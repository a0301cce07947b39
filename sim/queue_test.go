package sim

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEventQueueOrder(t *testing.T) {
	var q eventQueue
	rng := rand.New(rand.NewPCG(1, 2))
	var pushed []event
	for i := range 500 {
		e := event{at: rng.Int64N(50), late: rng.IntN(4) == 0, ref: uint32(i)}
		q.push(e)
		e.seq = q.seq
		pushed = append(pushed, e)
	}
	slices.SortFunc(pushed, func(a, b event) int {
		if a.before(&b) {
			return -1
		}
		return 1
	})
	for _, want := range pushed {
		require.Positive(t, q.len())
		assert.Equal(t, want, q.pop())
	}
	assert.Zero(t, q.len())
}

func TestEventQueueTies(t *testing.T) {
	var q eventQueue
	q.push(event{at: 5, late: true, ref: 1})
	q.push(event{at: 5, ref: 2})
	q.push(event{at: 4, late: true, ref: 3})
	q.push(event{at: 5, ref: 4})
	var got []uint32
	for q.len() > 0 {
		got = append(got, q.pop().ref)
	}
	assert.Equal(t, []uint32{3, 2, 4, 1}, got, "by time, then actions last, then in scheduling order")
}

func BenchmarkEventQueue(b *testing.B) {
	var q eventQueue
	for i := range 64 {
		q.push(event{at: int64(i)})
	}
	b.ReportAllocs()
	for b.Loop() {
		e := q.pop()
		e.at += 64
		q.push(e)
	}
}
