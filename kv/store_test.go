package kv_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/kv"
)

// storeWith returns a store holding the given pairs, applied at indices 1..n.
func storeWith(t *testing.T, pairs ...string) *kv.Store {
	t.Helper()
	s := kv.New()
	for i := 0; i < len(pairs); i += 2 {
		r := s.Apply(s.AppliedIndex()+1, kv.Command{Op: kv.OpPut, Key: pairs[i], Value: pairs[i+1]}.Marshal())
		require.NoError(t, r.Err)
	}
	return s
}

func TestApplyOps(t *testing.T) {
	tests := []struct {
		name     string
		cmd      string // text form, applied to a store holding x=3
		want     kv.Result
		wantX    string
		wantXSet bool
		wantText string
	}{
		{"put new key", "SET y 1", kv.Result{Op: kv.OpPut, Key: "y", OK: true}, "3", true, "OK (was not set)"},
		{"put overwrites", "SET x 4", kv.Result{Op: kv.OpPut, Key: "x", OK: true, Found: true, Value: "3"}, "4", true, `OK (was "3")`},
		{"get found", "GET x", kv.Result{Op: kv.OpGet, Key: "x", OK: true, Found: true, Value: "3"}, "3", true, `"3"`},
		{"get not found", "GET y", kv.Result{Op: kv.OpGet, Key: "y"}, "3", true, "not found"},
		{"delete existing", "DEL x", kv.Result{Op: kv.OpDelete, Key: "x", OK: true, Found: true, Value: "3"}, "", false, `OK (was "3")`},
		{"delete missing", "DEL y", kv.Result{Op: kv.OpDelete, Key: "y", OK: true}, "3", true, "OK (was not set)"},
		{"cas matches", "CAS x 3 4", kv.Result{Op: kv.OpCAS, Key: "x", OK: true, Found: true, Value: "3"}, "4", true, `OK (was "3")`},
		{"cas differs", "CAS x 2 4", kv.Result{Op: kv.OpCAS, Key: "x", Found: true, Value: "3"}, "3", true, `failed: current value "3"`},
		{"cas missing key", "CAS y 3 4", kv.Result{Op: kv.OpCAS, Key: "y"}, "3", true, "failed: not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := storeWith(t, "x", "3")
			c, err := kv.ParseText(tt.cmd)
			require.NoError(t, err)
			got := s.Apply(2, c.Marshal())
			tt.want.Index = 2
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.wantText, got.String())
			x, ok := s.Get("x")
			assert.Equal(t, tt.wantXSet, ok)
			assert.Equal(t, tt.wantX, x)
			assert.Equal(t, uint64(2), s.AppliedIndex())
		})
	}
}

func TestApplyCommandMatchesApply(t *testing.T) {
	a, b := kv.New(), kv.New()
	for i, text := range []string{"SET x 1", "CAS x 1 2", "GET x", "DEL x", "CAS x 2 3"} {
		c, err := kv.ParseText(text)
		require.NoError(t, err)
		c.ClientID, c.Seq = 5, uint64(i+1)
		assert.Equal(t, a.Apply(uint64(i+1), c.Marshal()), b.ApplyCommand(uint64(i+1), c), text)
	}
	assert.Equal(t, a.Digest(), b.Digest())
}

func TestApplyCommandInvalid(t *testing.T) {
	s := kv.New()
	r := s.ApplyCommand(1, kv.Command{Op: kv.OpPut, Value: "1"})
	assert.ErrorIs(t, r.Err, kv.ErrInvalid)
	assert.ErrorContains(t, r.Err, "kv: apply index 1: kv: invalid command: PUT has an empty key")
	assert.Equal(t, uint64(1), s.AppliedIndex())
	assert.Zero(t, s.Len())
}

func TestApplyDeduplicatesRetries(t *testing.T) {
	s := kv.New()
	put := kv.Command{Op: kv.OpPut, ClientID: 9, Seq: 1, Key: "x", Value: "a"}.Marshal()
	first := s.Apply(1, put)
	require.NoError(t, first.Err)
	digest := s.Digest()

	// Another client changes x; then client 9's retry arrives (for example
	// proposed again to a new leader) and must not overwrite it.
	other := s.Apply(2, kv.Command{Op: kv.OpPut, ClientID: 10, Seq: 1, Key: "x", Value: "b"}.Marshal())
	require.NoError(t, other.Err)
	retry := s.Apply(3, put)
	assert.Equal(t, first, retry, "a retry gets the original result, index included")
	x, _ := s.Get("x")
	assert.Equal(t, "b", x, "the retry was not applied again")
	assert.Equal(t, uint64(3), s.AppliedIndex())
	assert.NotEqual(t, digest, s.Digest())

	// A CAS retried after it succeeded still reports success.
	cas := kv.Command{Op: kv.OpCAS, ClientID: 9, Seq: 2, Key: "x", Expected: "b", Value: "c"}.Marshal()
	casResult := s.Apply(4, cas)
	require.True(t, casResult.OK)
	assert.Equal(t, casResult, s.Apply(5, cas))
	x, _ = s.Get("x")
	assert.Equal(t, "c", x)

	// Seq 1 is now older than the last applied seq 2: stale, not applied.
	stale := s.Apply(6, put)
	assert.ErrorIs(t, stale.Err, kv.ErrStale)
	assert.ErrorContains(t, stale.Err, "client 9 seq 1 is older than its last applied seq 2")
	assert.Equal(t, kv.Result{Index: 6, Op: kv.OpPut, Key: "x", Err: stale.Err}, stale)
	x, _ = s.Get("x")
	assert.Equal(t, "c", x)
}

func TestApplyWithoutSessionRepeats(t *testing.T) {
	s := kv.New()
	cas := kv.Command{Op: kv.OpCAS, Key: "n", Expected: "", Value: "1"}.Marshal()
	require.NoError(t, s.Apply(1, kv.Command{Op: kv.OpPut, Key: "n"}.Marshal()).Err)
	assert.True(t, s.Apply(2, cas).OK)
	assert.False(t, s.Apply(3, cas).OK, "ClientID 0 has no session: the command runs again")
}

func TestApplyNoOpAndMalformed(t *testing.T) {
	s := storeWith(t, "x", "3")
	digest := s.Digest()

	noop := s.Apply(2, nil)
	assert.Equal(t, kv.Result{Index: 2}, noop)
	assert.Equal(t, "no-op", noop.String())

	bad := s.Apply(3, []byte{0x11, 0, 0, 1, 'x', 0xe7, 0x07, 'a', 'b', 'c'})
	assert.ErrorIs(t, bad.Err, kv.ErrDecode)
	assert.EqualError(t, bad.Err, "kv: apply index 3: kv: decode command: value length 999 exceeds remaining 3 bytes")
	assert.Equal(t, "error: "+bad.Err.Error(), bad.String())
	assert.Equal(t, uint64(3), s.AppliedIndex())
	assert.Equal(t, digest, s.Digest(), "neither a no-op nor a malformed command changes state")
}

func TestApplyOutOfOrder(t *testing.T) {
	s := storeWith(t, "x", "3")
	for _, index := range []uint64{0, 1} {
		r := s.Apply(index, kv.Command{Op: kv.OpDelete, Key: "x"}.Marshal())
		assert.ErrorIs(t, r.Err, kv.ErrApplyOrder)
		assert.ErrorContains(t, r.Err, "is not above applied index 1")
		r = s.ApplyCommand(index, kv.Command{Op: kv.OpDelete, Key: "x"})
		assert.ErrorIs(t, r.Err, kv.ErrApplyOrder)
	}
	assert.Equal(t, 1, s.Len())
	assert.Equal(t, uint64(1), s.AppliedIndex())
	assert.NoError(t, s.Apply(10, nil).Err, "gaps in the indices are allowed")
}

func TestDigest(t *testing.T) {
	a := storeWith(t, "x", "1", "y", "2")
	b := storeWith(t, "y", "2", "x", "1")
	assert.Equal(t, a.Digest(), b.Digest(), "insertion order does not matter")
	assert.NotEqual(t, kv.New().Digest(), a.Digest())

	c := storeWith(t, "x", "12")
	d := storeWith(t, "x1", "2")
	assert.NotEqual(t, c.Digest(), d.Digest(), "field boundaries are hashed")

	// The session table counts too.
	e, f := kv.New(), kv.New()
	e.Apply(1, kv.Command{Op: kv.OpGet, ClientID: 1, Seq: 1, Key: "x"}.Marshal())
	f.Apply(1, kv.Command{Op: kv.OpGet, Key: "x"}.Marshal())
	assert.Equal(t, 0, e.Len())
	assert.NotEqual(t, e.Digest(), f.Digest())
	assert.Equal(t, kv.New().Digest(), f.Digest())

	// A pinned value: the digest must be the same in every process and on
	// every platform (native, wasm), so replicas can be compared anywhere.
	assert.Equal(t, uint64(0x4609a8c5e377dcf8), a.Digest())
}

func TestCloneIsIndependent(t *testing.T) {
	s := storeWith(t, "x", "1")
	s.Apply(2, kv.Command{Op: kv.OpPut, ClientID: 4, Seq: 1, Key: "y", Value: "2"}.Marshal())
	checkpoint := s.Clone()
	require.Equal(t, s.Digest(), checkpoint.Digest())

	s.Apply(3, kv.Command{Op: kv.OpDelete, ClientID: 4, Seq: 2, Key: "x"}.Marshal())
	assert.Equal(t, uint64(2), checkpoint.AppliedIndex())
	assert.Equal(t, []string{"x", "y"}, checkpoint.Keys())
	assert.Equal(t, []string{"y"}, s.Keys())

	// The clone's session table is its own: seq 2 is new to it.
	r := checkpoint.Apply(3, kv.Command{Op: kv.OpDelete, ClientID: 4, Seq: 2, Key: "x"}.Marshal())
	assert.True(t, r.Found)
	assert.Equal(t, s.Digest(), checkpoint.Digest())
}
