package kv

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A seq names one command of its client: a retry (the same command again) gets the
// original's answer, a different command under a used seq is refused, and nothing
// changes either way.
func TestSeqReusedForAnotherCommandIsRefused(t *testing.T) {
	s := New()
	put := Command{Op: OpPut, ClientID: 7, Seq: 1, Key: "a", Value: "1"}
	first := s.ApplyCommand(1, put)
	require.NoError(t, first.Err)

	retry := s.ApplyCommand(2, put)
	assert.Equal(t, first, retry, "a true retry gets the original answer")

	for i, other := range []Command{
		{Op: OpPut, ClientID: 7, Seq: 1, Key: "b", Value: "1"},
		{Op: OpPut, ClientID: 7, Seq: 1, Key: "a", Value: "2"},
		{Op: OpDelete, ClientID: 7, Seq: 1, Key: "a"},
		{Op: OpCAS, ClientID: 7, Seq: 1, Key: "a", Value: "1", Expected: "1"},
	} {
		digest := s.Digest()
		r := s.ApplyCommand(uint64(3+i), other)
		require.Error(t, r.Err, "%+v", other)
		assert.True(t, errors.Is(r.Err, ErrSeqReused), "%v", r.Err)
		assert.Contains(t, r.Err.Error(), "client 7 seq 1")
		assert.Contains(t, r.Err.Error(), `PUT "a"`, "the error names the command the seq was used for")
		assert.Equal(t, other.Key, r.Key)
		assert.False(t, r.OK)
		assert.Equal(t, digest, s.Digest(), "a refused command changes nothing")
	}
	_, found := s.Get("b")
	assert.False(t, found)
	v, _ := s.Get("a")
	assert.Equal(t, "1", v)

	// The encoded path (what nodes apply) decides the same way.
	r := s.Apply(10, Command{Op: OpPut, ClientID: 7, Seq: 1, Key: "c", Value: "x"}.Marshal())
	assert.ErrorIs(t, r.Err, ErrSeqReused)
	assert.Equal(t, first, s.Apply(11, put.Marshal()))
}

// A session idle for SessionExpiry log entries is forgotten, by log index alone, so
// every replica forgets it at the same entry.
func TestIdleSessionsExpireByLogIndex(t *testing.T) {
	s := NewWithSessionExpiry(100)
	require.NoError(t, s.ApplyCommand(1, Command{Op: OpPut, ClientID: 1, Seq: 1, Key: "a", Value: "1"}).Err)
	require.NoError(t, s.ApplyCommand(2, Command{Op: OpPut, ClientID: 2, Seq: 1, Key: "b", Value: "1"}).Err)
	for i := uint64(3); i <= 90; i++ {
		// Client 2 keeps writing; client 1 is idle.
		require.NoError(t, s.ApplyCommand(i, Command{Op: OpPut, ClientID: 2, Seq: i, Key: "b", Value: "x"}).Err)
	}
	assert.Equal(t, 2, s.Sessions())
	replica := s.Clone()
	for i := uint64(91); i <= 200; i++ {
		s.Apply(i, nil) // no-op entries, as a new leader's
		replica.Apply(i, nil)
	}
	assert.Equal(t, 0, s.Sessions(), "both sessions were idle for more than 100 entries")
	assert.Equal(t, s.Digest(), replica.Digest())

	// An expired session starts afresh: its old seq is no longer known.
	r := s.ApplyCommand(201, Command{Op: OpPut, ClientID: 1, Seq: 1, Key: "a", Value: "2"})
	require.NoError(t, r.Err)
	v, _ := s.Get("a")
	assert.Equal(t, "2", v)
}

func TestSessionExpiryKeepsRecentSessions(t *testing.T) {
	s := NewWithSessionExpiry(100)
	require.NoError(t, s.ApplyCommand(1, Command{Op: OpPut, ClientID: 1, Seq: 5, Key: "a", Value: "1"}).Err)
	for i := uint64(2); i <= 99; i++ {
		s.Apply(i, nil)
	}
	assert.Equal(t, 1, s.Sessions())
	r := s.ApplyCommand(100, Command{Op: OpPut, ClientID: 1, Seq: 4, Key: "a", Value: "0"})
	assert.ErrorIs(t, r.Err, ErrStale, "the session is still known 99 entries later")
}
