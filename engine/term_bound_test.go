package engine_test

import (
	"math"
	"testing"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/memstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A message whose term could not be incremented, or is absurdly far ahead of ours, is
// refused with ErrTermOutOfRange and changes nothing; one within the bound is taken.
func TestStepRefusesTermsFarAhead(t *testing.T) {
	st := memstore.New(engine.ConfState{Voters: []uint64{1, 2, 3}})
	cfg := engine.DefaultConfig(1, st)
	cfg.MaxTermAhead = 100
	p, err := engine.NewPeer(cfg)
	require.NoError(t, err)
	drainReadys(t, p, st)

	for _, term := range []uint64{math.MaxUint64, math.MaxUint64 - 1, engine.MaxTerm, 102} {
		for _, typ := range []engine.MessageType{engine.MsgApp, engine.MsgHeartbeat, engine.MsgVote, engine.MsgPreVote} {
			err := p.Step(engine.Message{Type: typ, From: 2, To: 1, Term: term})
			require.ErrorIs(t, err, engine.ErrTermOutOfRange, "%s at term %d", typ, term)
			assert.Contains(t, err.Error(), "far ahead")
			assert.False(t, p.HasReady(), "a refused message changes nothing")
			assert.Equal(t, uint64(0), p.Term())
		}
	}
	require.NoError(t, p.Step(engine.Message{Type: engine.MsgHeartbeat, From: 2, To: 1, Term: 100}))
	assert.Equal(t, uint64(100), p.Term(), "a term within MaxTermAhead is taken")
	assert.Equal(t, uint64(2), p.Status().Lead)
}

func TestNewPeerRefusesAStoredTermAtMaxTerm(t *testing.T) {
	st, err := memstore.NewWithState(engine.HardState{Term: math.MaxUint64}, engine.ConfState{Voters: []uint64{1, 2, 3}}, nil)
	require.NoError(t, err)
	_, err = engine.NewPeer(engine.DefaultConfig(1, st))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "could never campaign")

	cfg := engine.DefaultConfig(1, memstore.New(engine.ConfState{Voters: []uint64{1}}))
	cfg.MaxTermAhead = 0
	_, err = engine.NewPeer(cfg)
	assert.ErrorContains(t, err, "MaxTermAhead")
}
