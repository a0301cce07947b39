package lessons

import (
	"slices"
	"strings"

	"github.com/raftplay/raftplay/sim"
)

// Result is a check evaluated against the cluster.
type Result struct {
	// Passed says whether the whole check holds.
	Passed bool `json:"passed"`
	// Parts are the parts the page lists (see Check.Parts), each with its own verdict.
	Parts []PartResult `json:"parts"`
	// Failed says that the check can no longer pass on this run, however it goes on:
	// an event it forbids happened, or two events came in the wrong order (Check.Before).
	// The learner has to go back, not wait.
	Failed bool `json:"failed"`
	// Detail is one line for a terminal: what passed, what is still awaited, or what
	// made it fail.
	Detail string `json:"detail"`
}

// PartResult is one listed part of a check.
type PartResult struct {
	Text   string `json:"text"`
	Passed bool   `json:"passed"`
	// Failed: this part can no longer pass (see Result.Failed).
	Failed bool `json:"failed"`
}

// Mark is what a step remembers of the cluster when it began: checks look at what
// happened since then and compare terms with those of that moment.
type Mark struct {
	Trace      int      `json:"trace"`      // TraceLen: events from here on are "since the step began"
	Time       int64    `json:"time"`       // virtual ms
	Leader     uint64   `json:"leader"`     // the leader then, 0 if none ("step_leader")
	MaxTerm    uint64   `json:"max_term"`   // the highest term of any peer then
	Terms      []uint64 `json:"terms"`      // each peer's term then, by id-1
	Violations int      `json:"violations"` // violations found before
	History    int      `json:"history"`    // client operations issued before
}

// MarkOf takes the mark of the cluster as it is now.
func MarkOf(c *sim.Cluster) Mark {
	st := c.State()
	m := Mark{Trace: c.TraceLen(), Time: c.Now(), Leader: st.Leader, Violations: c.ViolationCount(),
		History: len(c.History())}
	for _, p := range st.Peers {
		m.Terms = append(m.Terms, p.Term)
		m.MaxTerm = max(m.MaxTerm, p.Term)
	}
	return m
}

// Evaluator evaluates one check against one run, from a mark on. Event and client
// checks look at everything since the mark, so the evaluator reads each new trace event
// once and keeps counts: evaluate it as often as you like.
type Evaluator struct {
	check  *Check
	mark   Mark
	cursor int // the next trace event to read
	events []*EventCheck
	counts []int // matches of events[i] so far
	orders []*OrderCheck
	order  []orderState // of orders[i] so far
}

// orderState is how far an OrderCheck has got in the trace.
type orderState struct {
	first   bool // an event matching First has come
	settled bool // an event matching Then has come: passed is final
	passed  bool // ... and one matching First came before it
}

// NewEvaluator starts evaluating check on runs from mark on.
func NewEvaluator(check *Check, mark Mark) *Evaluator {
	e := &Evaluator{check: check, mark: mark, cursor: mark.Trace}
	check.walk(func(c *Check) {
		if c.Event != nil {
			e.events = append(e.events, c.Event)
		}
		if c.Before != nil {
			e.orders = append(e.orders, c.Before)
		}
	})
	e.counts = make([]int, len(e.events))
	e.order = make([]orderState, len(e.orders))
	return e
}

// Mark returns the mark the evaluator counts from.
func (e *Evaluator) Mark() Mark { return e.mark }

// Evaluate evaluates the check against c, which must be the run the mark was taken
// from (or a continuation of it).
func (e *Evaluator) Evaluate(c *sim.Cluster) Result {
	if len(e.events) > 0 || len(e.orders) > 0 {
		for _, ev := range c.Events(e.cursor) {
			e.read(&ev)
			e.cursor = ev.Seq + 1
		}
		e.cursor = max(e.cursor, c.TraceLen())
	}
	x := &evalCtx{c: c, mark: &e.mark, ev: e}
	parts := e.check.Parts()
	res := Result{Passed: x.eval(e.check), Parts: make([]PartResult, len(parts))}
	if !res.Passed {
		_, res.Failed = x.settled(e.check)
	}
	var waiting, failed []string
	for i, p := range parts {
		res.Parts[i] = PartResult{Text: p.Describe(), Passed: res.Passed || x.eval(p)}
		if !res.Parts[i].Passed {
			if _, res.Parts[i].Failed = x.settled(p); res.Parts[i].Failed {
				failed = append(failed, res.Parts[i].Text)
			}
			waiting = append(waiting, res.Parts[i].Text)
		}
	}
	switch {
	case res.Passed:
		res.Detail = "passed: " + e.check.Describe()
	case res.Failed && len(failed) > 0:
		res.Detail = "failed, it can no longer pass: " + strings.Join(failed, "; ")
	case res.Failed:
		res.Detail = "failed, it can no longer pass: " + e.check.Describe()
	case len(waiting) == 0: // a single part, or a label over an "all"
		res.Detail = "waiting for: " + e.check.Describe()
	default:
		res.Detail = "waiting for: " + strings.Join(waiting, "; ")
	}
	return res
}

// read counts one trace event for the event checks and the order checks.
func (e *Evaluator) read(ev *sim.TraceEvent) {
	for i, ec := range e.events {
		if ec.matches(ev, &e.mark) {
			e.counts[i]++
		}
	}
	for i, o := range e.orders {
		st := &e.order[i]
		if st.settled {
			continue
		}
		// Then before First: an event matching both is not one that came before itself.
		if o.Then.matches(ev, &e.mark) {
			st.settled, st.passed = true, st.first
			continue
		}
		st.first = st.first || o.First.matches(ev, &e.mark)
	}
}

// evalCtx evaluates one check tree at one moment.
type evalCtx struct {
	c    *sim.Cluster
	mark *Mark
	ev   *Evaluator
	snap *sim.Snapshot
}

func (x *evalCtx) state() *sim.Snapshot {
	if x.snap == nil {
		s := x.c.State()
		x.snap = &s
	}
	return x.snap
}

func (x *evalCtx) eval(c *Check) bool {
	switch {
	case c.Event != nil:
		i := slices.Index(x.ev.events, c.Event)
		return x.ev.counts[i] >= max(c.Event.Count, 1)
	case c.Peer != nil:
		return x.forPeers(c.Peer.ID, func(p *sim.PeerState) bool { return x.peerHolds(c.Peer, p) })
	case c.Leader != nil:
		return x.leaderHolds(c.Leader)
	case c.Log != nil:
		return x.forPeers(c.Log.Peer, func(p *sim.PeerState) bool { return x.logHolds(c.Log, p) })
	case c.Commit != nil:
		return x.forPeers(c.Commit.Peer, func(p *sim.PeerState) bool {
			return (c.Commit.AtLeast == nil || p.CommitIndex >= *c.Commit.AtLeast) &&
				(c.Commit.AtMost == nil || p.CommitIndex <= *c.Commit.AtMost)
		})
	case c.KV != nil:
		return x.forPeers(c.KV.Peer, func(p *sim.PeerState) bool {
			v, ok := p.KV[c.KV.Key]
			if c.KV.Absent {
				return !ok && p.Role != "down"
			}
			return ok && v == *c.KV.Value
		})
	case c.Client != nil:
		return x.clientHolds(c.Client)
	case c.Violation != nil:
		return x.violationHolds(c.Violation)
	case c.Before != nil:
		return x.ev.order[slices.Index(x.ev.orders, c.Before)].passed
	case c.All != nil:
		for _, sub := range c.All {
			if !x.eval(sub) {
				return false
			}
		}
		return true
	case c.Any != nil:
		for _, sub := range c.Any {
			if x.eval(sub) {
				return true
			}
		}
		return false
	case c.Not != nil:
		return !x.eval(c.Not)
	}
	return false
}

// settled says whether the check's verdict can no longer change on this run, however
// it goes on: sure, it holds for good; failed, it can never hold. Events, violations
// and the order of events since the step began only accumulate, so a count reached stays
// reached and an order seen stays seen; the state of the cluster may change at any
// moment, so a check on it settles nothing.
func (x *evalCtx) settled(c *Check) (sure, failed bool) {
	switch {
	case c.Event != nil, c.Violation != nil:
		return x.eval(c), false
	case c.Before != nil:
		st := x.ev.order[slices.Index(x.ev.orders, c.Before)]
		return st.settled && st.passed, st.settled && !st.passed
	case c.All != nil:
		sure = true
		for _, sub := range c.All {
			s, f := x.settled(sub)
			sure = sure && s
			failed = failed || f
		}
		return sure, failed
	case c.Any != nil:
		failed = true
		for _, sub := range c.Any {
			s, f := x.settled(sub)
			sure = sure || s
			failed = failed && f
		}
		return sure, failed
	case c.Not != nil:
		s, f := x.settled(c.Not)
		return f, s
	}
	return false, false
}

// peer returns the peer with the id, or nil.
func (x *evalCtx) peer(id uint64) *sim.PeerState {
	st := x.state()
	if id < 1 || id > uint64(len(st.Peers)) {
		return nil
	}
	return &st.Peers[id-1]
}

// resolve turns a ref naming one peer into its id (0: nobody, such as no leader).
func (x *evalCtx) resolve(r PeerRef) uint64 {
	switch r.Name {
	case "":
		return r.ID
	case RefLeader:
		return x.state().Leader
	case RefStepLeader:
		return x.mark.Leader
	}
	return 0
}

// forPeers applies the ref's quantifier: the one peer it names, some peer, every peer,
// or every peer that is up (at least one).
func (x *evalCtx) forPeers(r PeerRef, pred func(*sim.PeerState) bool) bool {
	if r.single() {
		p := x.peer(x.resolve(r))
		return p != nil && pred(p)
	}
	st := x.state()
	seen := 0
	for i := range st.Peers {
		p := &st.Peers[i]
		if r.Name == RefUp && p.Role == "down" {
			continue
		}
		seen++
		ok := pred(p)
		if r.Name == RefAny && ok {
			return true
		}
		if r.Name != RefAny && !ok {
			return false
		}
	}
	return r.Name != RefAny && seen > 0
}

func (x *evalCtx) termRise(now uint64, id uint64) uint64 {
	var then uint64
	if id >= 1 && int(id) <= len(x.mark.Terms) {
		then = x.mark.Terms[id-1]
	}
	if now < then {
		return 0
	}
	return now - then
}

func riseWithin(rise uint64, min, max *uint64) bool {
	return (min == nil || rise >= *min) && (max == nil || rise <= *max)
}

func (x *evalCtx) peerHolds(c *PeerCheck, p *sim.PeerState) bool {
	switch c.Role {
	case "":
	case "up":
		if p.Role == "down" {
			return false
		}
	default:
		if p.Role != c.Role {
			return false
		}
	}
	if c.Term != nil && p.Term != *c.Term {
		return false
	}
	if !riseWithin(x.termRise(p.Term, p.ID), c.MinTermRise, c.MaxTermRise) {
		return false
	}
	if c.Vote != nil && p.Vote != *c.Vote {
		return false
	}
	if c.Lead != nil {
		lead := x.resolve(*c.Lead)
		if lead == 0 || p.Lead != lead {
			return false
		}
	}
	if c.Voters != nil && !sameIDs(c.Voters, p.Voters) {
		return false
	}
	return true
}

func (x *evalCtx) leaderHolds(c *LeaderCheck) bool {
	lead := x.state().Leader
	if c.Exists != nil && !*c.Exists {
		return lead == 0
	}
	if lead == 0 {
		return false
	}
	if c.Is != nil && lead != x.resolve(*c.Is) {
		return false
	}
	if c.IsNot != nil && lead == x.resolve(*c.IsNot) {
		return false
	}
	term := x.peer(lead).Term
	rise := uint64(0)
	if term > x.mark.MaxTerm {
		rise = term - x.mark.MaxTerm
	}
	return riseWithin(rise, c.MinTermRise, c.MaxTermRise)
}

func (x *evalCtx) logHolds(c *LogCheck, p *sim.PeerState) bool {
	if c.EqualsPeer != nil {
		other := x.peer(x.resolve(*c.EqualsPeer))
		if other == nil || !slices.Equal(p.Log, other.Log) || p.LogFirst != other.LogFirst {
			return false
		}
	}
	if c.Contains != "" {
		i := slices.IndexFunc(p.Log, func(e sim.LogEntry) bool { return e.Command == c.Contains })
		if i < 0 {
			return false
		}
		if c.Committed != nil && (p.Log[i].Index <= p.CommitIndex) != *c.Committed {
			return false
		}
	}
	if c.Lacks != "" && slices.ContainsFunc(p.Log, func(e sim.LogEntry) bool { return e.Command == c.Lacks }) {
		return false
	}
	if c.Terms != nil {
		if p.LogFirst != 1 || len(p.Log) != len(c.Terms) {
			return false
		}
		for i, e := range p.Log {
			if e.Term != c.Terms[i] {
				return false
			}
		}
	}
	return true
}

func (x *evalCtx) clientHolds(c *ClientCheck) bool {
	hist := x.c.History()
	now := x.c.Now()
	n := 0
	for i := min(x.mark.History, len(hist)); i < len(hist); i++ {
		op := &hist[i]
		if op.ClientID != 0 || (c.Op != "" && op.Op != c.Op) || (c.Key != "" && op.Key != c.Key) ||
			(c.Result != nil && op.Result != *c.Result) {
			continue
		}
		// History reports an operation still in progress as failed (a read) or unknown
		// (a write), ending now: only "pending" counts it; the others wait until it ends.
		pending := op.Outcome != sim.OutcomeOK && op.Return == now
		if c.Outcome == outcomePending {
			if !pending {
				continue
			}
		} else if pending || (c.Outcome != "" && string(op.Outcome) != c.Outcome) {
			continue
		}
		if c.Peer != nil && c.Peer.Name != RefAny && op.Peer != x.resolve(*c.Peer) {
			continue
		}
		n++
	}
	return n >= max(c.Count, 1)
}

func (x *evalCtx) violationHolds(c *ViolationCheck) bool {
	vs := x.c.Violations()
	n := 0
	for i := min(x.mark.Violations, len(vs)); i < len(vs); i++ {
		if c.Invariant == "any" || vs[i].Invariant == c.Invariant {
			n++
		}
	}
	return n >= max(c.Count, 1)
}

// matches reports whether a trace event is one the check counts.
func (e *EventCheck) matches(ev *sim.TraceEvent, m *Mark) bool {
	if ev.Kind != e.Kind {
		return false
	}
	ref := func(r *PeerRef, id uint64) bool {
		switch {
		case r == nil || r.Name == RefAny:
			return true
		case r.Name == RefStepLeader:
			return m.Leader != 0 && id == m.Leader
		}
		return id == r.ID
	}
	return ref(e.Peer, ev.Peer) && ref(e.From, ev.From) && ref(e.To, ev.To) &&
		(e.Term == nil || ev.Term == *e.Term) &&
		(e.Index == nil || ev.Index == *e.Index) &&
		(e.MinIndex == nil || ev.Index >= *e.MinIndex) &&
		(e.LogTerm == nil || ev.LogTerm == *e.LogTerm) &&
		(e.Reason == "" || ev.Reason == e.Reason) &&
		(e.Role == "" || ev.Role == e.Role) &&
		(e.PreVote == nil || ev.PreVote == *e.PreVote) &&
		(e.MsgType == "" || ev.MsgType == e.MsgType) &&
		(e.Entries == nil || ev.Entries == *e.Entries) &&
		(e.Reject == nil || ev.Reject == *e.Reject) &&
		(e.Client == nil || ev.Client == *e.Client)
}

// walk calls f on c and every check inside it.
func (c *Check) walk(f func(*Check)) {
	f(c)
	for _, sub := range c.All {
		sub.walk(f)
	}
	for _, sub := range c.Any {
		sub.walk(f)
	}
	if c.Not != nil {
		c.Not.walk(f)
	}
}

// sameIDs reports whether two lists hold the same peer ids, in any order.
func sameIDs(a, b []uint64) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(slices.Compact(x), slices.Compact(y))
}
