package kv

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// filledStore applies a run of random commands from a few clients (retries
// included) to a store whose sessions expire after 40 entries.
func filledStore(seed uint64, n int) *Store {
	rng := rand.New(rand.NewPCG(seed, 7))
	s := NewWithSessionExpiry(40)
	seqs := map[uint64]uint64{}
	for i := 1; i <= n; i++ {
		client := uint64(rng.IntN(6))
		if client != 0 && rng.IntN(5) > 0 {
			seqs[client]++ // otherwise a retry of the last command (or an older one)
		}
		c := Command{Op: Op(1 + rng.IntN(4)), ClientID: client, Seq: seqs[client],
			Key: fmt.Sprintf("k%d", rng.IntN(8)), Value: fmt.Sprintf("v%d", i), Expected: fmt.Sprintf("v%d", i-1)}
		if client == 0 {
			c.Seq = 0
		}
		s.ApplyCommand(uint64(i), c)
	}
	return s
}

// A restored store is the same state machine: same digest, same applied index, and
// from then on the same answers to the same commands, retries and expiries included.
func TestSnapshotRestoreRoundTrip(t *testing.T) {
	for seed := range uint64(20) {
		orig := filledStore(seed, 300)
		b, err := orig.Snapshot()
		require.NoError(t, err)
		restored := NewWithSessionExpiry(40)
		require.NoError(t, restored.Restore(b))
		assert.Equal(t, orig.Digest(), restored.Digest())
		assert.Equal(t, orig.AppliedIndex(), restored.AppliedIndex())
		assert.Equal(t, orig.Sessions(), restored.Sessions())
		again, err := restored.Snapshot()
		require.NoError(t, err)
		assert.Equal(t, b, again, "same state, same bytes")

		// Both go on alike: the same results, and the same sessions expire.
		rng := rand.New(rand.NewPCG(seed, 9))
		start := orig.AppliedIndex() + 1
		for i := start; i < start+150; i++ {
			c := Command{Op: Op(1 + rng.IntN(4)), ClientID: uint64(rng.IntN(6)), Seq: uint64(rng.IntN(70)), Key: fmt.Sprintf("k%d", rng.IntN(8)), Value: "w"}
			if c.ClientID == 0 {
				c.Seq = 0
			}
			r1, r2 := orig.ApplyCommand(i, c), restored.ApplyCommand(i, c)
			assert.Equal(t, fmt.Sprint(r1), fmt.Sprint(r2), "index %d", i)
		}
		assert.Equal(t, orig.Digest(), restored.Digest())
		assert.Equal(t, orig.Sessions(), restored.Sessions())
	}
}

// The bytes depend on the state only, not on the order in which it was built (map
// order, the history of deleted keys).
func TestSnapshotIsDeterministic(t *testing.T) {
	a, b := New(), New()
	a.ApplyCommand(1, Command{Op: OpPut, Key: "x", Value: "1"})
	a.ApplyCommand(2, Command{Op: OpPut, Key: "y", Value: "2"})
	a.ApplyCommand(3, Command{Op: OpPut, Key: "z", Value: "3"})
	b.ApplyCommand(1, Command{Op: OpPut, Key: "z", Value: "3"})
	b.ApplyCommand(2, Command{Op: OpPut, Key: "y", Value: "2"})
	b.ApplyCommand(3, Command{Op: OpPut, Key: "x", Value: "1"})
	sa, err := a.Snapshot()
	require.NoError(t, err)
	sb, err := b.Snapshot()
	require.NoError(t, err)
	assert.Equal(t, sa, sb)
	empty, err := New().Snapshot()
	require.NoError(t, err)
	assert.NotEqual(t, sa, empty)
}

func TestRestoreRefusesBadInput(t *testing.T) {
	good, err := filledStore(1, 50).Snapshot()
	require.NoError(t, err)
	tests := []struct {
		name  string
		input []byte
		want  string
	}{
		{"empty", nil, "not a kv snapshot"},
		{"wrong magic", []byte("KVSNAQ\x01"), "not a kv snapshot"},
		{"version 2", []byte("KVSNAP\x02"), "unsupported version 2 at offset 6"},
		{"cut after the version", []byte("KVSNAP\x01"), "applied index: input ends at offset 7"},
		{"other expiry", append([]byte("KVSNAP\x01\x05"), 41, 0, 0, 0), "session expiry 41 differs from this store's 40"},
		{"huge key count", append([]byte("KVSNAP\x01\x05\x28\x00"), 0xff, 0xff, 0xff, 0xff, 0x0f), "key count 4294967295 at offset 10 exceeds"},
		{"unsorted keys", append([]byte("KVSNAP\x01\x05\x28\x00\x02"), 1, 'b', 0, 1, 'a', 0, 0), "key at offset 14 is not above the key before it"},
		{"duplicate keys", append([]byte("KVSNAP\x01\x05\x28\x00\x02"), 1, 'a', 0, 1, 'a', 0, 0), "not above the key before it"},
		{"key longer than the input", append([]byte("KVSNAP\x01\x05\x28\x00\x01"), 9, 'a'), "key length 9 at offset 11 exceeds"},
		{"session of client 0", append([]byte("KVSNAP\x01\x05\x28\x00\x00\x01"), 0, 1, 1, 1, 1, 1, 0, 0, 0), "client id 0 at offset 12"},
		{"session op 9", append([]byte("KVSNAP\x01\x05\x28\x00\x00\x01"), 3, 1, 1, 1, 1, 9, 0, 0, 0), "result op 9 at offset 17 is not an operation"},
		{"session used after applied", append([]byte("KVSNAP\x01\x05\x28\x00\x00\x01"), 3, 1, 1, 6, 1, 1, 0, 0, 0), "used at index 6 (result at 1), beyond the applied index 5"},
		{"unknown flags", append([]byte("KVSNAP\x01\x05\x28\x00\x00\x01"), 3, 1, 1, 1, 1, 1, 0, 4, 0), "result flags 0x04"},
		{"trailing bytes", append(append([]byte(nil), good...), 0), fmt.Sprintf("1 trailing bytes at offset %d", len(good))},
		{"cut short", good[:len(good)-1], "input ends"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := filledStore(2, 30)
			digest, applied := s.Digest(), s.AppliedIndex()
			err := s.Restore(tt.input)
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrSnapshot))
			assert.Contains(t, err.Error(), tt.want)
			assert.Equal(t, digest, s.Digest(), "a refused snapshot changes nothing")
			assert.Equal(t, applied, s.AppliedIndex())
		})
	}
}

func FuzzRestore(f *testing.F) {
	for _, seed := range []uint64{1, 2} {
		b, err := filledStore(seed, 40).Snapshot()
		require.NoError(f, err)
		f.Add(b)
	}
	f.Add([]byte("KVSNAP\x01"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		s := NewWithSessionExpiry(40)
		if err := s.Restore(b); err != nil {
			require.True(t, strings.HasPrefix(err.Error(), "kv: restore snapshot: "), err.Error())
			return
		}
		// What Restore accepts, Snapshot gives back byte for byte: the form is canonical.
		again, err := s.Snapshot()
		require.NoError(t, err)
		require.Equal(t, b, again)
	})
}
