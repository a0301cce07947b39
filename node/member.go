package node

import (
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/raftplay/raftplay/engine"
)

// Member addresses travel in the cluster's configuration (§6): each member's
// engine.MemberContext holds its Raft and HTTP addresses, so that every node, a
// joining one included, learns where the members are from the same log entries that
// make them members, and connects to (or drops) them when its engine adopts a
// configuration. The encoding is small and versioned:
//
//	version (1 byte, memberContextVersion), Raft address length (1 byte), Raft
//	address (HOST:PORT), HTTP address length (1 byte), HTTP base URL
//
// A decoder refuses another version, a length past the end, trailing bytes, a Raft
// address that is not HOST:PORT and an HTTP address that is not a base URL.

// memberContextVersion is the version of the member context encoding.
const memberContextVersion = 1

// maxMemberAddrLen bounds each address of a member context: its length is one byte.
const maxMemberAddrLen = 255

// MemberAddrs is where to reach a member: its Raft transport (HOST:PORT) and its HTTP
// API (a base URL such as http://127.0.0.1:8004, or HOST:PORT for http).
type MemberAddrs struct {
	Raft string `json:"raft_addr"`
	HTTP string `json:"http_url"`
}

// normalize checks a and returns it with its HTTP address as a base URL.
func (a MemberAddrs) normalize() (MemberAddrs, error) {
	if err := checkRaftAddr(a.Raft); err != nil {
		return MemberAddrs{}, err
	}
	base, err := httpBaseURL(a.HTTP)
	if err != nil {
		return MemberAddrs{}, fmt.Errorf("HTTP address: %w", err)
	}
	if len(a.Raft) > maxMemberAddrLen || len(base) > maxMemberAddrLen {
		return MemberAddrs{}, fmt.Errorf("an address is longer than %d bytes", maxMemberAddrLen)
	}
	// An empty host means 127.0.0.1 to the node that listens (listenAddr): the same
	// for every node that reads the address.
	return MemberAddrs{Raft: listenAddr(a.Raft), HTTP: base}, nil
}

// checkRaftAddr checks a Raft address: HOST:PORT with a port in 1..65535.
func checkRaftAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("the Raft address %q is not HOST:PORT: %w", addr, err)
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || n == 0 {
		return fmt.Errorf("the Raft address %q has the port %q, not a number in 1..65535", addr, port)
	}
	return nil
}

// EncodeMemberAddrs returns the member context that carries a, after checking it.
func EncodeMemberAddrs(a MemberAddrs) ([]byte, error) {
	a, err := a.normalize()
	if err != nil {
		return nil, fmt.Errorf("member addresses: %w", err)
	}
	b := make([]byte, 0, 3+len(a.Raft)+len(a.HTTP))
	b = append(b, memberContextVersion, byte(len(a.Raft)))
	b = append(b, a.Raft...)
	b = append(b, byte(len(a.HTTP)))
	return append(b, a.HTTP...), nil
}

// DecodeMemberAddrs reads a member context written by EncodeMemberAddrs.
func DecodeMemberAddrs(b []byte) (MemberAddrs, error) {
	if len(b) == 0 {
		return MemberAddrs{}, errors.New("member context: empty")
	}
	if b[0] != memberContextVersion {
		return MemberAddrs{}, fmt.Errorf("member context: version %d, this node reads %d", b[0], memberContextVersion)
	}
	rest := b[1:]
	field := func(name string) (string, error) {
		if len(rest) == 0 {
			return "", fmt.Errorf("member context: no %s address length", name)
		}
		n := int(rest[0])
		if len(rest) < 1+n {
			return "", fmt.Errorf("member context: the %s address is %d bytes, %d remain", name, n, len(rest)-1)
		}
		s := string(rest[1 : 1+n])
		rest = rest[1+n:]
		return s, nil
	}
	raft, err := field("Raft")
	if err != nil {
		return MemberAddrs{}, err
	}
	httpURL, err := field("HTTP")
	if err != nil {
		return MemberAddrs{}, err
	}
	if len(rest) > 0 {
		return MemberAddrs{}, fmt.Errorf("member context: %d trailing bytes", len(rest))
	}
	a, err := MemberAddrs{Raft: raft, HTTP: httpURL}.normalize()
	if err != nil {
		return MemberAddrs{}, fmt.Errorf("member context: %w", err)
	}
	return a, nil
}

// addrBook is where this node reaches each member of the configuration it uses:
// the member's context when it has one, else the Config's Peers and PeerHTTP (the
// bootstrap configuration, whose members carry no context). It is immutable once
// built; the node swaps in a new one when its engine adopts a configuration.
type addrBook struct {
	conf      engine.ConfState
	confIndex uint64                 // the entry of conf, 0 for the store's base configuration
	addrs     map[uint64]MemberAddrs // every member with a known Raft address, this node included
	// lingering are the members of earlier configurations that conf drops. The node
	// keeps talking to them until conf's entry is committed: until then the entry can
	// still be cut (§5.3) and the earlier configuration come back, and a leader that
	// conf removes must still replicate conf to commit it (§6).
	lingering map[uint64]MemberAddrs
	// removed: this node was a member, and the configuration no longer holds it (at
	// start: the configuration in its store does not hold it), or a member proved it
	// was removed (removal.go).
	removed bool
	// out: this node knows it is out of the cluster for good: the engine says the
	// configuration that removed it is committed (EventRemoved), or a member's committed
	// configuration proved it. Until then a removed node still answers the leader,
	// which replicates to it until it knows (engine.Peer.Leaving); then it talks to
	// nobody.
	out bool
	// joining: this node is no member yet and was none before: it started empty, or
	// holds a configuration from before its addition (the leader's snapshot). It
	// accepts any peer of its cluster (peerSet.open) until a configuration adds it.
	joining bool
}

// newAddrBook builds the book of configuration cs, held by the entry at index, for a
// node with config cfg, after prev (nil at start). It returns the member contexts it
// could not read.
func newAddrBook(cfg *Config, cs engine.ConfState, index uint64, prev *addrBook) (book *addrBook, bad []error) {
	book = &addrBook{conf: cs.Clone(), confIndex: index, addrs: make(map[uint64]MemberAddrs), lingering: make(map[uint64]MemberAddrs)}
	if self, ok := cfg.Peers[cfg.ID]; ok {
		book.addrs[cfg.ID] = MemberAddrs{Raft: listenAddr(self), HTTP: cfg.peerURL(cfg.ID)}
	}
	member := cs.IsMember(cfg.ID)
	book.out = !member && prev != nil && prev.out
	switch {
	case member:
	case cs.IsEmpty():
		book.joining = true
	case prev == nil || prev.removed || prev.conf.IsMember(cfg.ID):
		book.removed = true
	default:
		book.joining = true // still waiting for the entry that adds it
	}
	for _, id := range cs.Members() {
		if ctx := cs.Context(id); ctx != nil {
			a, err := DecodeMemberAddrs(ctx)
			if err == nil {
				book.addrs[id] = a
				continue
			}
			bad = append(bad, fmt.Errorf("member %d: %w", id, err))
		}
		if raft, ok := cfg.Peers[id]; ok && id != cfg.ID {
			book.addrs[id] = MemberAddrs{Raft: listenAddr(raft), HTTP: cfg.peerURL(id)}
		}
	}
	if prev != nil {
		for _, m := range []map[uint64]MemberAddrs{prev.lingering, prev.addrs} {
			for id, a := range m {
				if id != cfg.ID && !cs.IsMember(id) {
					book.lingering[id] = a
				}
			}
		}
	}
	return book, bad
}

// talkTo returns the Raft address of each server this node keeps a connection to:
// the other members of its configuration; while that configuration's entry is not
// committed (committed false) the members it drops too; and on a leader the servers
// the engine still replicates to although the configuration removed them (leaving:
// engine.Peer.Leaving). A node that knows it is out talks to nobody, unless it still
// leads: it then replicates until C_new is committed, and steps down (§6).
func (b *addrBook) talkTo(self uint64, committed, leading bool, leaving []uint64) map[uint64]string {
	out := make(map[uint64]string)
	if b.out && !leading {
		return out
	}
	for id, a := range b.addrs {
		if id != self && b.conf.IsMember(id) {
			out[id] = a.Raft
		}
	}
	if !committed {
		for id, a := range b.lingering {
			out[id] = a.Raft
		}
	}
	if leading {
		for _, id := range leaving {
			if a, ok := b.lingering[id]; ok && id != self {
				out[id] = a.Raft
			}
		}
	}
	return out
}

// lacksAddr reports whether id is a member, other than self, that this node may talk
// to but has no Raft address for.
func (b *addrBook) lacksAddr(id, self uint64) bool {
	_, ok := b.addrs[id]
	return !ok && id != self && !b.removed && b.conf.IsMember(id)
}

// httpURL returns the HTTP base URL of member id (or of one the configuration just
// dropped), or "".
func (b *addrBook) httpURL(id uint64) string {
	if a, ok := b.addrs[id]; ok {
		return a.HTTP
	}
	return b.lingering[id].HTTP
}

// peerURL is the HTTP base URL PeerHTTP gives peer id, or "".
func (c *Config) peerURL(id uint64) string {
	u, err := httpBaseURL(c.PeerHTTP[id])
	if err != nil {
		return ""
	}
	return u
}
