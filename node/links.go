package node

import (
	"maps"
	"slices"
	"sync"
	"sync/atomic"
)

// links is the set of peers this node has been told to cut itself off from (the admin
// endpoint POST /admin/links/{peer}/cut). A cut link drops every Raft message to and
// from the peer, in the transport: the engine sees exactly what a network partition
// shows it (§5: messages may be lost), and is not told why. The set lives in memory
// only: a restarted node starts with every link up.
type links struct {
	mu    sync.Mutex                // serializes set and the first changed
	state atomic.Pointer[linkState] // never modified once stored; nil until the first change
}

// linkState is one version of the cut set.
type linkState struct {
	cut map[uint64]struct{} // nil when no link is cut
	// changed is closed when the next version replaces this one: a sender waits on it
	// to drop its connection at a cut and to dial again at a heal.
	changed chan struct{}
}

// isCut reports whether the link to peer is cut. It is called for every message, from
// the Ready loop and the connection readers: one atomic load when nothing is cut.
func (l *links) isCut(peer uint64) bool {
	s := l.state.Load()
	if s == nil || s.cut == nil {
		return false
	}
	_, ok := s.cut[peer]
	return ok
}

// changed returns a channel closed at the next cut or heal. Take it before reading
// isCut, so that a change between the two is not missed.
func (l *links) changed() <-chan struct{} {
	if s := l.state.Load(); s != nil {
		return s.changed
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.state.Load() == nil {
		l.state.Store(&linkState{changed: make(chan struct{})})
	}
	return l.state.Load().changed
}

// set cuts (cut true) or heals the link to peer; it reports whether that changed
// anything.
func (l *links) set(peer uint64, cut bool) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	old := l.state.Load()
	next := map[uint64]struct{}{}
	if old != nil {
		next = maps.Clone(old.cut)
		if next == nil {
			next = map[uint64]struct{}{}
		}
	}
	if _, was := next[peer]; was == cut {
		return false
	}
	if cut {
		next[peer] = struct{}{}
	} else {
		delete(next, peer)
	}
	if len(next) == 0 {
		next = nil
	}
	l.state.Store(&linkState{cut: next, changed: make(chan struct{})})
	if old != nil {
		close(old.changed)
	}
	return true
}

// list returns the cut peers in increasing order, nil when none is cut.
func (l *links) list() []uint64 {
	s := l.state.Load()
	if s == nil || s.cut == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(s.cut))
}
