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
	mu  sync.Mutex                          // serializes set
	cut atomic.Pointer[map[uint64]struct{}] // never modified once stored; nil when no link is cut
}

// isCut reports whether the link to peer is cut. It is called for every message, from
// the Ready loop and the connection readers: one atomic load when nothing is cut.
func (l *links) isCut(peer uint64) bool {
	m := l.cut.Load()
	if m == nil {
		return false
	}
	_, ok := (*m)[peer]
	return ok
}

// set cuts (cut true) or heals the link to peer; it reports whether that changed
// anything.
func (l *links) set(peer uint64, cut bool) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	next := map[uint64]struct{}{}
	if m := l.cut.Load(); m != nil {
		next = maps.Clone(*m)
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
		l.cut.Store(nil)
	} else {
		l.cut.Store(&next)
	}
	return true
}

// list returns the cut peers in increasing order, nil when none is cut.
func (l *links) list() []uint64 {
	m := l.cut.Load()
	if m == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(*m))
}
