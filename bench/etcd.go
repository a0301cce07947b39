package bench

import (
	"errors"
	"fmt"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
)

// etcdPeer drives one go.etcd.io/raft/v3 RawNode backed by a raft.MemoryStorage.
type etcdPeer struct {
	node    *raft.RawNode
	storage *raft.MemoryStorage
	leads   bool
	sm      stateMachine
}

var _ peer[*pb.Message] = (*etcdPeer)(nil)

// newEtcdCluster makes three etcd peers with the settings raftplay uses.
func newEtcdCluster() (runner, error) {
	c := &cluster[*pb.Message]{}
	voters := make([]uint64, clusterSize)
	for i := range voters {
		voters[i] = uint64(i + 1)
	}
	for i := range c.peers {
		id := uint64(i + 1)
		storage := raft.NewMemoryStorage()
		// Bootstrap the membership the way etcd itself does: a snapshot at index 0
		// that only carries the ConfState, so the log starts empty as raftplay's does.
		bootstrap := &pb.Snapshot{Metadata: &pb.SnapshotMetadata{
			ConfState: &pb.ConfState{Voters: voters},
			Index:     new(uint64(0)),
			Term:      new(uint64(0)),
		}}
		if err := storage.ApplySnapshot(bootstrap); err != nil {
			return nil, fmt.Errorf("etcd peer %d: bootstrap storage: %w", id, err)
		}
		node, err := raft.NewRawNode(&raft.Config{
			ID:              id,
			ElectionTick:    10,
			HeartbeatTick:   1,
			Storage:         storage,
			MaxSizePerMsg:   1 << 20,
			MaxInflightMsgs: 256,
			CheckQuorum:     true,
			PreVote:         true,
			Logger:          discardLogger{},
		})
		if err != nil {
			return nil, fmt.Errorf("etcd peer %d: %w", id, err)
		}
		c.peers[i] = &etcdPeer{node: node, storage: storage}
	}
	return c, nil
}

func (p *etcdPeer) tick()                  { p.node.Tick() }
func (p *etcdPeer) campaign() error        { return p.node.Campaign() }
func (p *etcdPeer) propose(c []byte) error { return p.node.Propose(c) }
func (p *etcdPeer) step(m *pb.Message) error {
	return p.node.Step(m)
}
func (p *etcdPeer) isLeader() bool         { return p.leads }
func (p *etcdPeer) machine() *stateMachine { return &p.sm }

var errEtcdSnapshot = errors.New("etcd produced a snapshot, which this harness never needs")

func (p *etcdPeer) handleReady(out *fifo[*pb.Message]) (bool, error) {
	if !p.node.HasReady() {
		return false, nil
	}
	rd := p.node.Ready()
	if rd.SoftState != nil {
		p.leads = rd.SoftState.RaftState == raft.StateLeader
	}
	if rd.Snapshot != nil {
		return false, errEtcdSnapshot
	}
	if rd.HardState != nil {
		if err := p.storage.SetHardState(rd.HardState); err != nil {
			return false, fmt.Errorf("save hard state: %w", err)
		}
	}
	if len(rd.Entries) > 0 {
		if err := p.storage.Append(rd.Entries); err != nil {
			return false, fmt.Errorf("append %d entries: %w", len(rd.Entries), err)
		}
	}
	for _, m := range rd.Messages {
		out.push(m.GetTo(), m)
	}
	for _, e := range rd.CommittedEntries {
		if e.GetType() != pb.EntryNormal {
			return false, fmt.Errorf("committed entry %d has type %s; the harness only proposes normal entries", e.GetIndex(), e.GetType())
		}
		p.sm.apply(e.GetIndex(), e.GetData())
	}
	p.node.Advance(rd)
	return true, nil
}

// discardLogger is a raft.Logger that drops what etcd logs, so that formatting log
// lines is not part of what is measured. Fatal and Panic still stop the run.
type discardLogger struct{}

func (discardLogger) Debug(...any)                   {}
func (discardLogger) Debugf(string, ...any)          {}
func (discardLogger) Error(...any)                   {}
func (discardLogger) Errorf(string, ...any)          {}
func (discardLogger) Info(...any)                    {}
func (discardLogger) Infof(string, ...any)           {}
func (discardLogger) Warning(...any)                 {}
func (discardLogger) Warningf(string, ...any)        {}
func (discardLogger) Fatal(v ...any)                 { panic(fmt.Sprint(v...)) }
func (discardLogger) Fatalf(format string, v ...any) { panic(fmt.Sprintf(format, v...)) }
func (discardLogger) Panic(v ...any)                 { panic(fmt.Sprint(v...)) }
func (discardLogger) Panicf(format string, v ...any) { panic(fmt.Sprintf(format, v...)) }
