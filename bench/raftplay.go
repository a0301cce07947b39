package bench

import (
	"fmt"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/memstore"
)

// raftplayPeer drives one raftplay engine.Peer backed by a memstore.
type raftplayPeer struct {
	peer  *engine.Peer
	store engine.LogStore
	leads bool
	sm    stateMachine
}

var _ peer[engine.Message] = (*raftplayPeer)(nil)

// newRaftplayCluster makes three raftplay peers with the settings etcd is given.
func newRaftplayCluster() (runner, error) {
	c := &cluster[engine.Message]{}
	voters := make([]uint64, clusterSize)
	for i := range voters {
		voters[i] = uint64(i + 1)
	}
	for i := range c.peers {
		id := uint64(i + 1)
		store := memstore.New(engine.ConfState{Voters: voters})
		cfg := engine.DefaultConfig(id, store)
		cfg.ElectionTicks = 10
		cfg.HeartbeatTicks = 1
		cfg.PreVote = true
		cfg.CheckQuorum = true
		cfg.MaxInflightMsgs = 256
		cfg.MaxSizePerMsg = 1 << 20
		peer, err := engine.NewPeer(cfg)
		if err != nil {
			return nil, fmt.Errorf("raftplay peer %d: %w", id, err)
		}
		c.peers[i] = &raftplayPeer{peer: peer, store: store}
	}
	return c, nil
}

func (p *raftplayPeer) tick()           { p.peer.Tick() }
func (p *raftplayPeer) campaign() error { p.peer.Campaign(); return nil }
func (p *raftplayPeer) propose(command []byte) error {
	_, err := p.peer.Propose(command, nil)
	return err
}
func (p *raftplayPeer) step(m engine.Message) error { return p.peer.Step(m) }
func (p *raftplayPeer) isLeader() bool              { return p.leads }
func (p *raftplayPeer) machine() *stateMachine      { return &p.sm }

func (p *raftplayPeer) handleReady(out *fifo[engine.Message]) (bool, error) {
	if !p.peer.HasReady() {
		return false, nil
	}
	rd := p.peer.Ready()
	if rd.SoftState != nil {
		p.leads = rd.SoftState.Role == engine.RoleLeader
	}
	if !rd.HardState.IsEmpty() || len(rd.Entries) > 0 {
		if err := p.store.Save(rd.HardState, rd.Entries, rd.MustSync); err != nil {
			return false, fmt.Errorf("save hard state and %d entries: %w", len(rd.Entries), err)
		}
	}
	for _, m := range rd.Messages {
		out.push(m.To, m)
	}
	for _, e := range rd.CommittedEntries {
		p.sm.apply(e.Index, e.Command)
	}
	p.peer.Advance()
	return true, nil
}
