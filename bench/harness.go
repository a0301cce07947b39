// Package bench compares the throughput of raftplay's engine with etcd's raft library
// (go.etcd.io/raft/v3) when both are driven the same way.
//
// The setup is the one of the performance issue: three peers in one process, each with
// an in-memory storage, and an in-memory network that delivers messages in FIFO order in
// the same goroutine. A leader is elected before the clock starts. Then N proposals of
// CommandSize bytes are made on the leader, keeping at most `outstanding` of them in
// flight (proposed and not yet applied on the leader), until all three peers have
// applied all N.
//
// Both engines sit behind one small interface (peer) and are driven by one generic loop
// (cluster), so the only thing that differs between the two numbers is the engine and
// its storage. Each engine's adapter does the same work per Ready: persist the hard
// state and entries to the memory storage, queue the messages, apply the committed
// entries, advance.
//
// After every run the harness checks, outside the timed region, that each peer applied
// exactly the N proposals in the order they were made and with their bytes intact, so a
// broken driver or engine cannot produce a fast but wrong number.
package bench

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
)

// CommandSize is the size in bytes of every proposed command.
const CommandSize = 128

const (
	// clusterSize is the number of peers; their ids are 1..clusterSize.
	clusterSize = 3
	// firstLeader is the peer that campaigns before the clock starts.
	firstLeader = 1
	// proposalsPerTick is how many proposals the leader takes between two ticks of the
	// logical clock while it is busy. A real node ticks every 100ms or so and serves
	// thousands of proposals in between; ticking this rarely keeps the heartbeat traffic
	// small but still exercises the tick path of both engines.
	proposalsPerTick = 1000
	// maxIdleRounds bounds the rounds in a row in which nothing happens before the
	// harness gives up; every idle round ticks the clock once, so this is 50 election
	// timeouts of the configuration both engines use.
	maxIdleRounds = 500
	// commandsPerSlab is how many commands share one allocation, so that making
	// commands costs the harness (not the engines) 1/commandsPerSlab allocations per op.
	commandsPerSlab = 1024
)

// envelope is a message on its way to peer `to`.
type envelope[M any] struct {
	to  uint64
	msg M
}

// fifo is the in-memory network: messages are delivered in the order they were sent.
type fifo[M any] struct {
	queue []envelope[M]
}

// push queues m for peer to.
func (f *fifo[M]) push(to uint64, m M) {
	f.queue = append(f.queue, envelope[M]{to: to, msg: m})
}

// peer is one Raft peer of one engine behind the operations the harness drives. M is
// the engine's message type.
type peer[M any] interface {
	// tick advances the peer's logical clock by one tick.
	tick()
	// campaign makes the peer start an election now.
	campaign() error
	// propose proposes command; the peer must be the leader.
	propose(command []byte) error
	// step delivers a message addressed to this peer.
	step(m M) error
	// handleReady handles one Ready if the peer has one: it persists the hard state
	// and entries to the memory storage, pushes the messages on out, applies the
	// committed entries to the peer's machine and advances. It reports whether there
	// was a Ready.
	handleReady(out *fifo[M]) (bool, error)
	// isLeader reports whether the peer's last Ready said it leads.
	isLeader() bool
	// machine is the state machine the peer applies its entries to.
	machine() *stateMachine
}

// cluster drives three peers of one engine identically, whatever the engine.
type cluster[M any] struct {
	peers    [clusterSize]peer[M] // peers[i] has id i+1
	network  fifo[M]
	commands commandSource
	proposed int
}

// round is one step of the whole cluster: every peer, in id order, handles all its
// Readies; then every message they sent is delivered, in the order it was sent. It
// reports whether anything happened.
func (c *cluster[M]) round() (bool, error) {
	progress := false
	for i, p := range c.peers {
		for {
			handled, err := p.handleReady(&c.network)
			if err != nil {
				return false, fmt.Errorf("peer %d: handle ready: %w", i+1, err)
			}
			if !handled {
				break
			}
			progress = true
		}
	}
	queue := c.network.queue
	if len(queue) > 0 {
		progress = true
	}
	for _, env := range queue {
		if env.to == 0 || env.to > clusterSize {
			return false, fmt.Errorf("message to unknown peer %d", env.to)
		}
		if err := c.peers[env.to-1].step(env.msg); err != nil {
			return false, fmt.Errorf("peer %d: step: %w", env.to, err)
		}
	}
	clear(queue) // drop references so delivered messages can be collected
	c.network.queue = queue[:0]
	return progress, nil
}

// tick advances every peer's clock by one tick.
func (c *cluster[M]) tick() {
	for _, p := range c.peers {
		p.tick()
	}
}

// elect makes peer firstLeader campaign, then runs the cluster until it leads and every
// peer has applied the leader's first entry and nothing is left to do.
func (c *cluster[M]) elect() error {
	if err := c.peers[firstLeader-1].campaign(); err != nil {
		return fmt.Errorf("peer %d: campaign: %w", firstLeader, err)
	}
	for idle := 0; idle < maxIdleRounds; {
		progress, err := c.round()
		if err != nil {
			return fmt.Errorf("electing peer %d: %w", firstLeader, err)
		}
		if progress {
			idle = 0
			continue
		}
		if c.settled() {
			return nil
		}
		idle++
		c.tick()
	}
	return fmt.Errorf("peer %d was not elected with its first entry applied everywhere within %d idle ticks", firstLeader, maxIdleRounds)
}

// settled reports whether peer firstLeader leads and every peer applied the same
// nonzero index.
func (c *cluster[M]) settled() bool {
	if !c.peers[firstLeader-1].isLeader() {
		return false
	}
	index := c.peers[0].machine().appliedIndex
	for _, p := range c.peers {
		if m := p.machine(); m.appliedIndex == 0 || m.appliedIndex != index {
			return false
		}
	}
	return true
}

// run makes n proposals on the leader with at most outstanding of them proposed and
// not yet applied on the leader, and returns once all peers applied all n.
func (c *cluster[M]) run(n, outstanding int) error {
	if outstanding < 1 {
		return fmt.Errorf("outstanding must be at least 1, got %d", outstanding)
	}
	leader := c.peers[firstLeader-1]
	for idle := 0; !c.allApplied(n); {
		for c.proposed < n && c.proposed-int(leader.machine().applied) < outstanding {
			if err := leader.propose(c.commands.next()); err != nil {
				return fmt.Errorf("peer %d: proposal %d: %w", firstLeader, c.proposed+1, err)
			}
			c.proposed++
			if c.proposed%proposalsPerTick == 0 {
				c.tick()
			}
		}
		progress, err := c.round()
		if err != nil {
			return fmt.Errorf("after %d proposals: %w", c.proposed, err)
		}
		if progress {
			idle = 0
			continue
		}
		if idle++; idle > maxIdleRounds {
			return fmt.Errorf("stalled after %d proposals: applied %s", c.proposed, c.appliedCounts())
		}
		c.tick()
	}
	return nil
}

// runBatches is the driving pattern: propose batch commands on the leader, then
// run rounds (every peer handles all its Readies, then every queued message is
// delivered in FIFO order) until a round moves nothing; repeat until n proposals were
// made. Unlike run it never ticks and never proposes while a batch is in flight, so each
// batch costs a full replication and commit cycle.
func (c *cluster[M]) runBatches(n, batch int) error {
	if batch < 1 {
		return fmt.Errorf("batch must be at least 1, got %d", batch)
	}
	leader := c.peers[firstLeader-1]
	for c.proposed < n {
		for k := 0; k < batch && c.proposed < n; k++ {
			if err := leader.propose(c.commands.next()); err != nil {
				return fmt.Errorf("peer %d: proposal %d: %w", firstLeader, c.proposed+1, err)
			}
			c.proposed++
		}
		for rounds := 0; ; rounds++ {
			progress, err := c.round()
			if err != nil {
				return fmt.Errorf("after %d proposals: %w", c.proposed, err)
			}
			if !progress {
				break
			}
			if rounds > maxIdleRounds {
				return fmt.Errorf("after %d proposals: still moving after %d rounds", c.proposed, rounds)
			}
		}
	}
	if !c.allApplied(n) {
		return fmt.Errorf("quiet after %d proposals, but applied %s", c.proposed, c.appliedCounts())
	}
	return nil
}

// allApplied reports whether every peer applied n proposals.
func (c *cluster[M]) allApplied(n int) bool {
	for _, p := range c.peers {
		if p.machine().applied < uint64(n) {
			return false
		}
	}
	return true
}

// appliedCounts lists how many proposals each peer applied, for error messages.
func (c *cluster[M]) appliedCounts() string {
	var counts [clusterSize]uint64
	for i, p := range c.peers {
		counts[i] = p.machine().applied
	}
	return fmt.Sprint(counts)
}

// verify checks that every peer applied exactly the n proposals made, in order.
func (c *cluster[M]) verify(n int) error {
	if c.proposed != n {
		return fmt.Errorf("made %d proposals, want %d", c.proposed, n)
	}
	want := expectedHash(n)
	var errs []error
	for i, p := range c.peers {
		if err := p.machine().check(uint64(n), want); err != nil {
			errs = append(errs, fmt.Errorf("peer %d: %w", i+1, err))
		}
	}
	return errors.Join(errs...)
}

// commandSource makes the commands to propose: command s (from 1) holds s in its first
// 8 bytes, little-endian, then a pattern derived from s.
type commandSource struct {
	slab     []byte // unused part of the current allocation
	sequence uint64 // of the last command made
}

// next returns a new command. Engines may keep it, so it is never reused.
func (s *commandSource) next() []byte {
	if len(s.slab) < CommandSize {
		s.slab = make([]byte, CommandSize*commandsPerSlab)
	}
	command := s.slab[:CommandSize:CommandSize]
	s.slab = s.slab[CommandSize:]
	s.sequence++
	fillCommand(command, s.sequence)
	return command
}

// commandPattern[k] is byte(k), twice over, so that any CommandSize window of it
// starting below 256 exists.
var commandPattern = func() []byte {
	p := make([]byte, 256+CommandSize)
	for k := range p {
		p[k] = byte(k)
	}
	return p
}()

// fillCommand writes command number sequence into command: the sequence, then bytes
// counting up from the sequence's low byte. It copies rather than loops so that making
// commands stays a small part of what is measured.
func fillCommand(command []byte, sequence uint64) {
	binary.LittleEndian.PutUint64(command, sequence)
	start := int(byte(sequence))
	copy(command[8:], commandPattern[start:start+len(command)-8])
}

// commandHashSeed is shared by every state machine so that their hashes compare.
var commandHashSeed = maphash.MakeSeed()

// hashPrime mixes the running hash so that it depends on the order of the commands.
const hashPrime = 1099511628211

// mix adds command to the running hash h.
func mix(h uint64, command []byte) uint64 {
	return (h ^ maphash.Bytes(commandHashSeed, command)) * hashPrime
}

// expectedHash is the running hash of commands 1..n.
func expectedHash(n int) uint64 {
	var h uint64
	command := make([]byte, CommandSize)
	for s := uint64(1); s <= uint64(n); s++ {
		fillCommand(command, s)
		h = mix(h, command)
	}
	return h
}

// stateMachine is what each peer applies its committed entries to. It counts the
// commands, checks that they come in proposal order, and keeps a running hash of their
// bytes. Entries without a command (a new leader's first entry) are skipped.
type stateMachine struct {
	appliedIndex uint64 // log index of the last entry applied, command or not
	applied      uint64 // commands applied
	hash         uint64 // running hash of the commands applied
	err          error  // first command out of order
}

// apply applies the entry at index holding command.
func (m *stateMachine) apply(index uint64, command []byte) {
	if index != m.appliedIndex+1 && m.err == nil {
		m.err = fmt.Errorf("applied index %d after index %d", index, m.appliedIndex)
	}
	m.appliedIndex = index
	if len(command) == 0 {
		return
	}
	m.applied++
	if m.err == nil {
		if len(command) != CommandSize {
			m.err = fmt.Errorf("command %d at index %d has %d bytes, want %d", m.applied, index, len(command), CommandSize)
		} else if s := binary.LittleEndian.Uint64(command); s != m.applied {
			m.err = fmt.Errorf("applied proposal %d at index %d as the %d-th command", s, index, m.applied)
		}
	}
	m.hash = mix(m.hash, command)
}

// check reports whether the machine applied exactly n commands hashing to want.
func (m *stateMachine) check(n, want uint64) error {
	switch {
	case m.err != nil:
		return m.err
	case m.applied != n:
		return fmt.Errorf("applied %d proposals, want %d", m.applied, n)
	case m.hash != want:
		return fmt.Errorf("hash of the %d applied commands is %#x, want %#x: a command was changed", n, m.hash, want)
	}
	return nil
}
