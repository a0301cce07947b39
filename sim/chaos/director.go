package chaos

import (
	"math/rand/v2"
	"slices"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/sim"
)

// A director steers a fault pattern that blind timing would almost never produce: it
// runs the scenario built so far, watches the peers after every event, and acts (with
// Cluster.Act) at the moment the pattern needs. What it does is recorded in the
// scenario as ordinary timed actions, so a run of the generated scenario replays it
// exactly, and the shrinker and the playground see plain actions.
type director struct {
	c    *sim.Cluster
	rng  *rand.Rand
	n    int
	down []bool // by peer id, as the director's actions left them
	end  int64  // the director acts no later than this
	err  error  // the first action the cluster refused; the director stops there
}

// newDirector starts a cluster on sc and runs it to time at, where the pattern begins.
func newDirector(sc sim.Scenario, rng *rand.Rand, down []bool, at, end int64) (*director, error) {
	c, err := sim.NewWithConfig(sc, sim.RunConfig{})
	if err != nil {
		return nil, err
	}
	c.RunUntil(at)
	return &director{c: c, rng: rng, n: sc.Options.Peers, down: slices.Clone(down), end: end}, nil
}

// act applies an action now. After the first refusal (the run stopped at an engine
// panic, or the action no longer fits) it does nothing and reports false.
func (d *director) act(a sim.Action) bool {
	if d.err != nil || d.c.Now() > d.end {
		return false
	}
	if err := d.c.Act(a); err != nil {
		d.err = err
		return false
	}
	switch a.Type {
	case sim.ActCrash:
		d.down[a.Peer] = true
	case sim.ActRestart:
		d.down[a.Peer] = false
	}
	return true
}

func (d *director) crash(id uint64) bool { return d.act(sim.Action{Type: sim.ActCrash, Peer: id}) }

func (d *director) restart(id uint64) bool {
	return d.act(sim.Action{Type: sim.ActRestart, Peer: id})
}

func (d *director) partition(groups ...[]uint64) bool {
	return d.act(sim.Action{Type: sim.ActPartition, Groups: groups})
}

// await runs the cluster one event at a time until cond holds, and reports whether it
// did by time limit (never later than the director's end).
func (d *director) await(limit int64, cond func() bool) bool {
	limit = min(limit, d.end)
	for !cond() {
		if d.err != nil || d.c.Stopped() {
			return false
		}
		if !d.c.StepUntil(limit) {
			d.c.RunUntil(limit)
			return cond()
		}
	}
	return true
}

// leaderAmong returns the peer of ids that is up and leads in a term above term, or 0.
func (d *director) leaderAmong(ids []uint64, term uint64) uint64 {
	for _, id := range ids {
		if v := d.c.Peer(id); v.Up && v.Role == engine.RoleLeader && v.Term > term {
			return id
		}
	}
	return 0
}

// holders counts the peers whose storage has an entry of term at index.
func (d *director) holders(index, term uint64) int {
	k := 0
	for id := uint64(1); id <= uint64(d.n); id++ {
		if t, ok := d.c.TermAt(id, index); ok && t == term {
			k++
		}
	}
	return k
}

// finish ends the pattern the way every fault ends: links healed, every peer up. It
// returns the scenario with the director's actions and the time they end.
func (d *director) finish() (sim.Scenario, int64) {
	d.err = nil // a refused action ends the pattern, not the clean-up
	d.act(sim.Action{Type: sim.ActHeal})
	for id := 1; id <= d.n; id++ {
		if d.down[id] {
			d.restart(uint64(id))
		}
	}
	return d.c.Scenario(), d.c.Now()
}

// figure8 plays the history of Figure 8 of the Raft paper (§5.4.2) on whichever peers
// the run makes leaders, in a cluster of 3 or more:
//
//	(a) leader A, cut off with a minority, appends entries of its term t1 that only
//	    that minority stores; A crashes;
//	(b) the majority elects E in a later term t2; E appends its own entry at one of
//	    those indices and crashes before sending it;
//	(c) A's side wins a later term t3 (A comes back; A or a peer of its minority leads)
//	    and replicates the old entry of t1 to a majority; the leader crashes as soon as
//	    it commits that entry, or a moment after a majority stores it;
//	(d) E comes back with the peers that lack anything newer than t2 and wins.
//
// In the correct engine the leader of (c) commits the old entry only once an entry of
// t3 is on a majority, and then E cannot win in (d); or it crashes before, the old
// entry was never committed, and E overwrites it rightly. With CommitOldTerms the
// leader commits it by counting replicas, and E's victory loses a committed entry:
// the leader-completeness and state-machine-safety checks catch it. The pattern gives
// up (and heals) when the run does not go its way, for instance when no leader is
// elected in time.
func (d *director) figure8() {
	const settle = 60 // ms for followers to catch up with a new leader
	var a uint64
	if !d.await(d.c.Now()+2000, func() bool { a = d.c.Leader(); return a != 0 }) {
		return
	}
	d.await(d.c.Now()+settle, func() bool { return false })
	if d.c.Leader() != a {
		return
	}
	t1 := d.c.Peer(a).Term
	// (a) A and a minority on one side, a majority on the other.
	majority := d.n/2 + 1
	others := make([]uint64, 0, d.n-1)
	for id := uint64(1); id <= uint64(d.n); id++ {
		if id != a {
			others = append(others, id)
		}
	}
	d.rng.Shuffle(len(others), func(i, j int) { others[i], others[j] = others[j], others[i] })
	minority := append([]uint64{a}, others[:majority-2]...)
	rest := slices.Clone(others[majority-2:])
	slices.Sort(minority)
	slices.Sort(rest)
	if !d.partition(minority, rest) {
		return
	}
	var r uint64 // the majority side's longest log: A's entries after it are on the minority only
	for _, id := range rest {
		r = max(r, d.c.Peer(id).LastIndex)
	}
	// Clients keep writing to A; check-quorum deposes it after an election timeout.
	// It needs at least one entry the majority side lacks.
	cut := d.c.Now()
	d.await(cut+20+d.rng.Int64N(70), func() bool { return false })
	d.await(cut+90, func() bool { return d.c.Peer(a).LastIndex > r })
	old := r + 1
	oldTerm, ok := d.c.TermAt(a, old)
	if !ok || !d.crash(a) {
		return
	}
	// (b) E, elected by the majority side, crashes the moment it leads: its first
	// AppendEntries die with it (a message does not outlive its sender's crash).
	var e uint64
	if !d.await(d.c.Now()+2000, func() bool { e = d.leaderAmong(rest, t1); return e != 0 }) {
		return
	}
	t2 := d.c.Peer(e).Term
	if !d.crash(e) || !d.restart(a) || !d.act(sim.Action{Type: sim.ActHeal}) {
		return
	}
	// (c) a leader of A's side in a later term replicates the old entry. A's log is
	// the most up-to-date: it stands again and again until it (or a peer of its side
	// that holds the old entry) wins, before the others' timers run out.
	var l uint64
	leads := func() bool {
		l = d.c.Leader()
		return l != 0 && d.c.Peer(l).Term > t2
	}
	for limit := min(d.c.Now()+2000, d.end); !leads(); {
		if d.c.Now() >= limit || d.c.Stopped() || d.err != nil {
			return
		}
		if d.c.Peer(a).Role == engine.RoleFollower && !d.act(sim.Action{Type: sim.ActTimeout, Peer: a}) {
			return
		}
		d.await(min(limit, d.c.Now()+15+d.rng.Int64N(15)), leads)
	}
	if t, ok := d.c.TermAt(l, old); !ok || t != oldTerm {
		return
	}
	delay := d.rng.Int64N(30)
	stored := int64(-1) // when a majority came to store the old entry
	d.await(d.c.Now()+1500, func() bool {
		v := d.c.Peer(l)
		if !v.Up || v.Role != engine.RoleLeader || v.Commit >= old {
			return true
		}
		if stored < 0 && d.holders(old, oldTerm) >= majority {
			stored = d.c.Now()
		}
		return stored >= 0 && d.c.Now() >= stored+delay
	})
	if v := d.c.Peer(l); !v.Up || v.Role != engine.RoleLeader || !d.crash(l) {
		return
	}
	// (d) E comes back on the majority side, away from the minority that holds the
	// newer entries.
	if !d.partition(minority, rest) || !d.restart(e) {
		return
	}
	d.await(d.c.Now()+2000, func() bool { return d.leaderAmong(rest, 0) != 0 })
}

// snapshotTransfer aims faults at InstallSnapshot transfers (§7). A follower F is down
// while the others write and compact their logs past the end of F's; when F restarts,
// the leader must send it the snapshot, in chunks. While they travel, the director
// drops, duplicates or delays a chunk in flight, crashes F or the sender, or cuts F off
// for a while: 1 to 4 such faults, each at a chunk of its own. Then it lets the
// transfer finish. A peer must never install a partial or stale snapshot, nor move its
// applied index back; the snapshot invariants check each install.
func (d *director) snapshotTransfer() {
	var l uint64
	if !d.await(d.c.Now()+2000, func() bool { l = d.c.Leader(); return l != 0 }) {
		return
	}
	f := uint64(1 + d.rng.IntN(d.n-1))
	if f >= l {
		f++
	}
	fLast := d.c.Peer(f).LastIndex
	if !d.crash(f) {
		return
	}
	// A leader whose log no longer holds the entry after F's last one.
	compacted := func() bool {
		ld := d.c.Leader()
		if ld == 0 || d.c.Peer(ld).LastIndex <= fLast {
			return false
		}
		_, ok := d.c.TermAt(ld, fLast+1)
		return !ok
	}
	if !d.await(d.c.Now()+3000, compacted) || !d.restart(f) {
		return
	}
	limit := min(d.c.Now()+2000, d.end)
	for faults := 1 + d.rng.IntN(4); faults > 0; faults-- {
		var chunks []sim.InFlightMsg
		if !d.await(limit, func() bool { chunks = d.c.InFlightTo(f, engine.MsgSnap); return len(chunks) > 0 }) {
			break
		}
		d.transferFault(f, chunks[d.rng.IntN(len(chunks))])
		// Let a few chunks pass before the next fault.
		d.await(d.c.Now()+2+d.rng.Int64N(25), func() bool { return false })
	}
	d.await(limit, func() bool {
		ld := d.c.Leader()
		return ld != 0 && d.c.Peer(f).Up && d.c.Peer(f).LastIndex >= d.c.Peer(ld).Commit
	})
}

// transferFault does one fault to a transfer to peer f, at the chunk m in flight.
func (d *director) transferFault(f uint64, m sim.InFlightMsg) {
	switch d.rng.IntN(6) {
	case 0:
		d.act(sim.Action{Type: sim.ActDrop, Msg: m.ID})
	case 1:
		d.act(sim.Action{Type: sim.ActDuplicate, Msg: m.ID})
	case 2: // arrives after later chunks
		d.act(sim.Action{Type: sim.ActDelay, Msg: m.ID, By: 5 + d.rng.Int64N(60)})
	case 3: // the receiver restarts mid-transfer, with none of it
		if d.crash(f) {
			d.await(d.c.Now()+5+d.rng.Int64N(100), func() bool { return false })
			d.restart(f)
		}
	case 4: // the sender crashes mid-transfer: the next leader starts it over
		if d.crash(m.From) {
			d.await(d.c.Now()+50+d.rng.Int64N(250), func() bool { return false })
			d.restart(m.From)
		}
	default: // the receiver is cut off for a while
		others := make([]uint64, 0, d.n-1)
		for id := uint64(1); id <= uint64(d.n); id++ {
			if id != f {
				others = append(others, id)
			}
		}
		if d.partition([]uint64{f}, others) {
			d.await(d.c.Now()+20+d.rng.Int64N(180), func() bool { return false })
			d.act(sim.Action{Type: sim.ActHeal})
		}
	}
}

// membership changes the configuration at random (§6) for 3 to 6 s of virtual time,
// while it also crashes and restarts servers and cuts the network: adds a server as a
// learner, promotes a learner, removes a member (the leader itself a third of the
// time: with an add and a promote before it, the leader is replaced), or reconfigures
// to a random set of 1 to 7 voters at once. The leader of the moment proposes each
// change; one refused (no leader, a change in progress) is not recorded, and the
// director tries something else later.
func (d *director) membership() {
	stop := min(d.c.Now()+3000+d.rng.Int64N(3000), d.end)
	for d.c.Now() < stop && d.err == nil && !d.c.Stopped() {
		d.await(d.c.Now()+20+d.rng.Int64N(230), func() bool { return false })
		switch n := d.rng.IntN(100); {
		case n < 8:
			d.figure10()
		case n < 55:
			if a, ok := d.confChange(); ok {
				_ = d.c.Act(a) // refused: nothing recorded, nothing changed
			}
		case n < 68:
			if id := d.pick(func(id uint64) bool { return !d.down[id] }); id != 0 {
				d.crash(id)
			}
		case n < 82:
			if id := d.pick(func(id uint64) bool { return d.down[id] }); id != 0 {
				d.restart(id)
			}
		case n < 92:
			d.partition(d.split()...)
		default:
			d.act(sim.Action{Type: sim.ActHeal})
		}
	}
}

// figure10 sets up Figure 10 of the paper: the leader is cut off with servers that are
// no voters, enough for it and them to be a majority of C_old plus them, and then asks
// for that configuration, while the other voters of C_old are a majority of C_old on
// the other side. With joint consensus nothing can commit on the leader's side (C_old,new
// needs a majority of C_old too); a direct switch (Unsafe.DirectConfigChange) lets both
// sides decide, and the checks catch it. (Removed servers learn their removal from the
// leader, so a switch that removes servers rarely leaves a majority of C_old unaware
// of C_new: this move makes the unaware majority on purpose.)
func (d *director) figure10() {
	lead, cs := d.c.Leader(), d.c.Conf()
	if lead == 0 || cs.Joint() || len(cs.Voters) < 3 || !cs.IsVoter(lead) {
		return
	}
	side, rest := []uint64{lead}, []uint64{}
	var added []uint64
	for _, id := range d.shuffled() {
		switch {
		case id == lead:
		case !cs.IsVoter(id) && !d.down[id]:
			side, added = append(side, id), append(added, id)
		default:
			rest = append(rest, id)
		}
	}
	// The leader's side must be a majority of C_new = C_old + added: 1+m > (v+m)/2.
	if len(added)+1 < len(cs.Voters) {
		return
	}
	voters := append(slices.Clone(cs.Voters), added...)
	slices.Sort(voters)
	if d.partition(side, rest) {
		_ = d.c.Act(sim.Action{Type: sim.ActReconfigure, Voters: voters, Learners: nil}) // refused: nothing recorded
	}
}

// confChange draws a membership action that fits the configuration in force.
func (d *director) confChange() (sim.Action, bool) {
	cs := d.c.Conf()
	lead := d.c.Leader()
	if lead == 0 {
		return sim.Action{}, false
	}
	member := func(id uint64) bool { return cs.IsMember(id) }
	switch n := d.rng.IntN(100); {
	case n < 30:
		if id := d.pick(func(id uint64) bool { return !member(id) }); id != 0 {
			return sim.Action{Type: sim.ActAddLearner, Peer: id}, true
		}
	case n < 55:
		if id := d.pick(cs.IsLearner); id != 0 {
			return sim.Action{Type: sim.ActPromote, Peer: id}, true
		}
	case n < 85:
		id := d.pick(member)
		if d.rng.IntN(3) == 0 {
			id = lead
		}
		if id != 0 && !(len(cs.Voters) == 1 && cs.Voters[0] == id) {
			return sim.Action{Type: sim.ActRemove, Peer: id}, true
		}
	default:
		ids := d.shuffled()
		voters := slices.Clone(ids[:1+d.rng.IntN(d.n)])
		var learners []uint64
		for _, id := range ids[len(voters):] {
			if d.rng.IntN(3) == 0 {
				learners = append(learners, id)
			}
		}
		slices.Sort(voters)
		slices.Sort(learners)
		return sim.Action{Type: sim.ActReconfigure, Voters: voters, Learners: learners}, true
	}
	return sim.Action{}, false
}

// pick returns a random server for which ok holds, or 0.
func (d *director) pick(ok func(id uint64) bool) uint64 {
	for _, id := range d.shuffled() {
		if ok(id) {
			return id
		}
	}
	return 0
}

// shuffled returns the server ids in random order.
func (d *director) shuffled() []uint64 {
	ids := make([]uint64, d.n)
	for i := range ids {
		ids[i] = uint64(i + 1)
	}
	d.rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	return ids
}

// split divides the servers into two random non-empty sides.
func (d *director) split() [][]uint64 {
	ids := d.shuffled()
	cut := 1 + d.rng.IntN(d.n-1)
	a, b := slices.Clone(ids[:cut]), slices.Clone(ids[cut:])
	slices.Sort(a)
	slices.Sort(b)
	return [][]uint64{a, b}
}
