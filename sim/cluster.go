package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime/debug"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/memstore"
)

// RunConfig sets how a run is observed. It never changes what happens in the run, only
// what is kept and whether the run stops at the first violation.
type RunConfig struct {
	// KeepTrace keeps the trace events for Events (the playground, lessons). Without
	// it only the trace hash is kept, which is what chaos runs need.
	KeepTrace bool
	// TraceLimit is the most trace events kept; the oldest half is forgotten when it is
	// reached. 0 means 200,000.
	TraceLimit int
	// StopOnViolation stops the run at the first invariant violation.
	StopOnViolation bool
}

// DefaultRunConfig keeps the trace and runs on after violations.
func DefaultRunConfig() RunConfig { return RunConfig{KeepTrace: true} }

// Cluster is a deterministic simulation of a Raft cluster running a scenario. It is not
// safe for concurrent use.
type Cluster struct {
	sc         Scenario // the scenario as run so far: Act inserts into its actions
	runCfg     RunConfig
	cs         engine.ConfState
	now        int64
	steps      int64
	queue      eventQueue
	net        network
	peers      []simPeer
	nextAction int // the next action of sc.Actions to apply

	clients    []simClient
	clientRand *rand.Rand
	clientPCG  *rand.PCG // the source behind clientRand, for Clone
	keyNames   []string
	cmsgs      arena[clientMsg] // client requests and replies on their way
	nextReadID uint64

	livenessSeq int // numbers CheckLiveness's proposals
	tracer      tracer
	check       checker
	history     []ClientOp
	acked       []AckedWrite
	actionErrs  []error
	stopped     bool
	delivered   int64

	snapStats SnapshotStats

	// breakReady, when set (only by tests), changes each Ready before the driver acts
	// on it: a deliberately broken engine, to show that the checkers catch it.
	breakReady func(p *simPeer, rd *engine.Ready)
}

// New starts a cluster for the scenario, keeping the trace (see DefaultRunConfig).
func New(sc Scenario) (*Cluster, error) { return NewWithConfig(sc, DefaultRunConfig()) }

// NewWithConfig starts a cluster for the scenario with the given run configuration. The
// scenario is validated and copied; the peers are created at virtual time 0.
func NewWithConfig(sc Scenario, cfg RunConfig) (*Cluster, error) {
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	sc = sc.Clone()
	o := &sc.Options
	clientPCG := rand.NewPCG(sc.Seed, 0x636c69656e7473) // "clients"
	c := &Cluster{
		sc:         sc,
		runCfg:     cfg,
		tracer:     newTracer(cfg.KeepTrace, cfg.TraceLimit),
		check:      newChecker(),
		clientRand: rand.New(clientPCG),
		clientPCG:  clientPCG,
	}
	c.net = newNetwork(o, rand.NewPCG(sc.Seed, 0x6e6574776f726b)) // "network"
	for id := uint64(1); id <= uint64(o.firstVoters()); id++ {
		c.cs.Voters = append(c.cs.Voters, id)
	}
	phases := rand.New(rand.NewPCG(sc.Seed, 0x7469636b73)) // "ticks"
	c.peers = make([]simPeer, o.Peers)
	for i := range c.peers {
		p := &c.peers[i]
		p.id = uint64(i + 1)
		p.phase = phases.Int64N(o.Tick)
		ps := sc.Start.Peers[p.id]
		conf := c.cs
		if p.id > uint64(o.firstVoters()) {
			conf = engine.ConfState{} // a spare server: it learns the configuration when added (§6)
		}
		store, err := memstore.NewWithState(engine.HardState{Term: ps.Term, VotedFor: ps.Vote, Commit: ps.Commit}, conf, presetEntries(ps.Log))
		if err != nil {
			return nil, fmt.Errorf("sim: preset of peer %d: %w", p.id, err)
		}
		p.store = store
		c.registerPreset(p, ps.Commit)
	}
	down := make([]bool, o.Peers+1)
	for _, id := range sc.Start.Down {
		down[id] = true
	}
	for i := range c.peers {
		p := &c.peers[i]
		if down[p.id] {
			p.term, p.commit = p.store.HardState().Term, p.store.HardState().Commit
			continue
		}
		if err := c.boot(p); err != nil {
			return nil, err
		}
	}
	c.startClients()
	c.scheduleAction()
	return c, nil
}

// Replay runs the scenario from the start up to virtual time until: how the playground
// steps back (the run is deterministic, so replaying gives the same state).
func Replay(sc Scenario, until int64) (*Cluster, error) {
	c, err := New(sc)
	if err != nil {
		return nil, err
	}
	c.RunUntil(until)
	return c, nil
}

// ReplaySteps runs the scenario from the start for the given number of events: the
// exact state a run was in after Steps() returned that number.
func ReplaySteps(sc Scenario, steps int64) (*Cluster, error) {
	c, err := New(sc)
	if err != nil {
		return nil, err
	}
	for c.steps < steps && c.Step() {
	}
	return c, nil
}

// Now returns the virtual time in ms.
func (c *Cluster) Now() int64 { return c.now }

// Steps returns the number of events processed so far (actions applied by Act count).
func (c *Cluster) Steps() int64 { return c.steps }

// Stopped reports whether the run stopped: at a violation with StopOnViolation, or
// after an engine panic.
func (c *Cluster) Stopped() bool { return c.stopped }

// Delivered returns the number of messages delivered to peers so far.
func (c *Cluster) Delivered() int64 { return c.delivered }

// Scenario returns the scenario of the run so far, including the actions applied with
// Act: replaying it gives the same run.
func (c *Cluster) Scenario() Scenario { return c.sc.Clone() }

// ActionErrors returns the errors of scenario actions that could not be applied when
// their time came (such as dropping a message that was no longer in flight); those
// actions were skipped.
func (c *Cluster) ActionErrors() []error { return append([]error(nil), c.actionErrs...) }

// Step processes exactly one event and reports whether there was one to process (false
// when the queue is empty or the run stopped).
func (c *Cluster) Step() bool { return c.step(math.MaxInt64) }

// step processes the next event if it is due by limit.
func (c *Cluster) step(limit int64) bool {
	for !c.stopped && c.queue.len() > 0 {
		if c.queue.peek().at > limit {
			return false
		}
		ev := c.queue.pop()
		if c.stale(&ev) {
			continue
		}
		c.now = ev.at
		c.steps++
		c.dispatch(&ev)
		return true
	}
	return false
}

// RunUntil processes every event due by time t, then sets the clock to t.
func (c *Cluster) RunUntil(t int64) {
	for c.step(t) {
	}
	if !c.stopped && t > c.now {
		c.now = t
	}
}

// RunTicks runs for n ticks' worth of virtual time.
func (c *Cluster) RunTicks(n int) { c.RunUntil(c.now + int64(n)*c.sc.Options.Tick) }

// stale reports whether a queued event was overtaken: a tick of a peer that crashed, a
// message dropped or delayed, a client timer replaced.
func (c *Cluster) stale(ev *event) bool {
	switch ev.kind {
	case evTick:
		p := &c.peers[ev.ref]
		return !p.up() || p.inc != ev.gen
	case evDeliver:
		f := &c.net.slots.items[ev.ref]
		return !f.live || f.gen != ev.gen
	case evClientWake:
		return c.clients[ev.ref].timerGen != ev.gen
	}
	return false
}

// dispatch handles one event. An engine panic (the engine's way of reporting a broken
// invariant, which unsafe options can provoke) is recorded and stops the run.
func (c *Cluster) dispatch(ev *event) {
	defer func() {
		if r := recover(); r != nil {
			c.violate(InvEnginePanic, 0, fmt.Sprintf("panic: %v", r))
			c.stopped = true
			// The stack helps whoever debugs the run; it stays out of the trace (and its
			// hash), which must not depend on the platform.
			if vs := c.check.violations; len(vs) > 0 && vs[len(vs)-1].Invariant == InvEnginePanic {
				vs[len(vs)-1].Description += "\n" + string(debug.Stack())
			}
		}
	}()
	switch ev.kind {
	case evTick:
		c.tick(&c.peers[ev.ref])
	case evDeliver:
		c.deliver(ev.ref)
	case evAction:
		c.nextScenarioAction()
	case evClientWake:
		c.clientWake(&c.clients[ev.ref])
	case evClientArrive:
		c.clientArrive(ev.ref)
	case evClientReply:
		c.clientReply(ev.ref)
	}
}

// Leader returns the peer that leads in the highest term among the peers that are up,
// or 0 if none does.
func (c *Cluster) Leader() uint64 {
	var lead, term uint64
	for i := range c.peers {
		p := &c.peers[i]
		if p.up() && p.role == engine.RoleLeader && (lead == 0 || p.term > term) {
			lead, term = p.id, p.term
		}
	}
	return lead
}

// TraceHash is a hash of every trace event so far, kept even when the trace is not:
// two runs are the same run exactly when their hashes agree.
func (c *Cluster) TraceHash() uint64 { return c.tracer.hash }

// TraceLen is the number of trace events so far (kept or not).
func (c *Cluster) TraceLen() int { return c.tracer.count }

// Events returns the kept trace events with Seq >= since, oldest first.
func (c *Cluster) Events(since int) []TraceEvent {
	t := &c.tracer
	from := max(since-t.base, 0)
	if from >= len(t.recs) {
		return nil
	}
	out := make([]TraceEvent, 0, len(t.recs)-from)
	for i := from; i < len(t.recs); i++ {
		out = append(out, t.recs[i].event(t.base+i))
	}
	return out
}
