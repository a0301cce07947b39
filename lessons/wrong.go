package lessons

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/raftplay/raftplay/sim"
)

// A check must tell the asked move from the plausible wrong ones a learner makes: the
// move aimed at another server, a forced timeout instead of a partition, a write
// instead of a read, one move of several left out, a follower restarted before the
// leader compacted its log rather than after, a learner promoted before it has caught
// up. `raftplay lesson check` plays each of them from the step's start and reports a
// defect if the check passes.

// wrongPath is the reference path with one move changed or left out.
type wrongPath struct {
	// What says how it differs from the reference, for the report.
	What  string
	Moves []Move
	// RightIfLeader is the position of a move that was aimed at "leader" and now names a
	// fixed peer: if that peer leads when the move is made, the move is the right one
	// after all, and the path is not played further. -1 when there is none.
	RightIfLeader int
	// Retry, when set, is a move made as soon as the simulator accepts it: tried again
	// after every tick, for at most Ticks ticks, while it is refused.
	Retry *retry
}

// retry is a move of a wrong path that is tried again, tick by tick, until it is made.
type retry struct {
	At    int // its position in Moves
	Ticks int // how many ticks it may wait
}

// wrongPaths returns the plausible wrong versions of a step's reference path, for a
// cluster of the given number of peers.
func wrongPaths(ref []Move, peers int) []wrongPath {
	var out []wrongPath
	actions := 0
	for _, m := range ref {
		if !m.IsWait() {
			actions++
		}
	}
	for i, m := range ref {
		if m.IsWait() {
			continue
		}
		if actions > 1 {
			out = append(out, wrongPath{What: "without \"" + m.Text + "\"", Moves: slices.Delete(slices.Clone(ref), i, i+1), RightIfLeader: -1})
		}
		if t := m.Action.Type; t == sim.ActPartition || t == sim.ActBlock || t == sim.ActHeal {
			// A learner who keeps pressing a server's Timeout button in place of cutting
			// (or restoring) links.
			for id := uint64(1); id <= uint64(peers); id++ {
				moves := slices.Clone(ref[:i])
				for k := range 3 {
					if k > 0 {
						moves = append(moves, Move{Text: "wait 5", Wait: 5})
					}
					a := sim.Action{Type: sim.ActTimeout, Peer: id}
					moves = append(moves, Move{Text: FormatAction(a), Action: &a})
				}
				moves = append(moves, ref[i+1:]...)
				out = append(out, wrongPath{What: fmt.Sprintf("\"timeout %d\" three times instead of \"%s\"", id, m.Text), Moves: moves, RightIfLeader: -1})
			}
		}
		if m.Action.Type == sim.ActSnapshot {
			out = append(out, restartsBeforeSnapshot(ref, i)...)
		}
		if m.Action.Type == sim.ActPromote {
			if w, ok := promoteAtOnce(ref, i); ok {
				out = append(out, w)
			}
		}
		for _, alt := range wrongMoves(m, peers) {
			moves := slices.Clone(ref)
			moves[i] = alt
			w := wrongPath{What: "\"" + alt.Text + "\" instead of \"" + m.Text + "\"", Moves: moves, RightIfLeader: -1}
			if m.ToLeader && alt.Action.Type == m.Action.Type {
				w.RightIfLeader = i
			}
			out = append(out, w)
		}
	}
	return out
}

// wrongMoves returns the moves a learner might make in place of m.
func wrongMoves(m Move, peers int) []Move {
	a := *m.Action
	var out []Move
	add := func(b sim.Action) {
		if b.Type == a.Type && FormatAction(b) == FormatAction(a) && !m.ToLeader {
			return
		}
		out = append(out, Move{Text: FormatAction(b), Action: &b})
	}
	switch a.Type {
	case sim.ActCrash, sim.ActRestart, sim.ActTimeout, sim.ActClient, sim.ActRead, sim.ActSnapshot,
		sim.ActAddLearner, sim.ActPromote, sim.ActRemove:
		// The same move at another server (for a snapshot: compacting a follower's log
		// when the leader's was asked for, or the other way round; for a membership
		// change: adding, promoting or removing the wrong server, such as a follower in
		// place of the leader).
		for id := uint64(1); id <= uint64(peers); id++ {
			b := a
			b.Peer = id
			add(b)
		}
	case sim.ActPartition:
		// Another server cut off alone, or a forced timeout in place of the partition.
		for id := uint64(1); id <= uint64(peers); id++ {
			b := a
			b.Groups = [][]uint64{{id}, othersThan(id, peers)}
			if !sameGroups(b.Groups, a.Groups) {
				add(b)
			}
			add(sim.Action{Type: sim.ActTimeout, Peer: id})
		}
	case sim.ActReconfigure:
		// Another configuration: one of the new voters left out, or a single learner
		// promoted in place of the whole switch.
		for i, id := range a.Voters {
			b := a
			b.Voters = slices.Delete(slices.Clone(a.Voters), i, i+1)
			if len(b.Voters) > 0 {
				add(b)
			}
			add(sim.Action{Type: sim.ActPromote, Peer: id})
		}
	case sim.ActBlock, sim.ActHeal:
		for id := uint64(1); id <= uint64(peers); id++ {
			add(sim.Action{Type: sim.ActTimeout, Peer: id})
		}
	}
	if a.Type == sim.ActRead {
		// A write of the key in place of the read.
		for id := uint64(1); id <= uint64(peers); id++ {
			if m.ToLeader || id == a.Peer {
				add(sim.Action{Type: sim.ActClient, Peer: id, Cmd: "SET " + a.Key + " 0"})
			}
		}
	}
	return out
}

// catchUpTicks is how long a restarted follower is given to catch up by AppendEntries
// in the wrong path that restarts it before the leader compacts: long enough for a few
// heartbeats and their replies at the default latency.
const catchUpTicks = 20

// restartsBeforeSnapshot returns, for the snapshot at ref[i], a wrong path per restart
// that follows it in ref: that restart made before the snapshot, with time for the
// follower to catch up by AppendEntries in between. A follower that comes back before
// the leader compacted finds every entry it needs still in the leader's log (§7), so a
// check on InstallSnapshot must fail on it.
func restartsBeforeSnapshot(ref []Move, i int) []wrongPath {
	var out []wrongPath
	for j := i + 1; j < len(ref); j++ {
		r := ref[j]
		if r.IsWait() || r.Action.Type != sim.ActRestart {
			continue
		}
		moves := slices.Clone(ref[:i])
		moves = append(moves, r, Move{Text: fmt.Sprintf("wait %d", catchUpTicks), Wait: catchUpTicks})
		moves = append(moves, ref[i:j]...)
		moves = append(moves, ref[j+1:]...)
		out = append(out, wrongPath{What: fmt.Sprintf("\"%s\" before \"%s\" (the follower is back before the log is compacted)", r.Text, ref[i].Text),
			Moves: moves, RightIfLeader: -1})
	}
	return out
}

// promoteAtOnce returns, for the promote at ref[i] that follows waits, the path with
// those waits left out and the promote made as soon as the simulator accepts it: the
// learner presses Promote the moment it is enabled, once the learner's own entry is
// committed (one change at a time is the only rule, as in §6), before the learner has
// caught up. A voter that lags can stall every commit: with a voter down, the majority
// of C_new may need it (§6, the first issue). A check that asks for the learner to catch
// up first must fail on it. ok is false when no wait comes right before the promote.
func promoteAtOnce(ref []Move, i int) (wrongPath, bool) {
	j := i
	ticks := 0
	for j > 0 && ref[j-1].IsWait() {
		j--
		ticks += ref[j].Wait
	}
	if j == i {
		return wrongPath{}, false
	}
	moves := append(slices.Clone(ref[:j]), ref[i:]...)
	return wrongPath{What: fmt.Sprintf("\"%s\" as soon as it can be made, before the learner has caught up", ref[i].Text),
		Moves: moves, RightIfLeader: -1, Retry: &retry{At: j, Ticks: ticks}}, true
}

func othersThan(id uint64, peers int) []uint64 {
	var g []uint64
	for p := uint64(1); p <= uint64(peers); p++ {
		if p != id {
			g = append(g, p)
		}
	}
	return g
}

// sameGroups reports whether two partitions cut the same links.
func sameGroups(a, b [][]uint64) bool {
	norm := func(gs [][]uint64) string {
		parts := make([]string, len(gs))
		for i, g := range gs {
			s := slices.Clone(g)
			sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
			parts[i] = fmt.Sprint(s)
		}
		sortStrings(parts)
		return strings.Join(parts, "|")
	}
	return norm(a) == norm(b)
}

// passesWithWrongMove plays every wrong path of the current step from the step's start
// (on copies of the run, which is there) and returns the first one whose check passes,
// if any, with the tick it passed at, and how many wrong paths were played. A wrong path whose moves cannot be made (a restart
// of a server that is up), or that turns out to be the right one (a move aimed at a
// fixed server that leads), is skipped: the learner would see the error, or pass.
func (r *Runner) passesWithWrongMove() (what string, tick, played int, hit bool) {
	st := r.Step()
	start := r.Cluster()
	for _, w := range wrongPaths(st.Reference, start.Scenario().Options.Peers) {
		c := start.Clone()
		tick, outcome := playWrong(c, st, w)
		switch outcome {
		case wrongPassed:
			return w.What, tick, played + 1, true
		case wrongFailed:
			played++
		}
	}
	return "", 0, played, false
}

// The outcomes of playing a wrong path.
const (
	wrongFailed  = iota // the check did not pass: as it should be
	wrongPassed         // the check passed: a defect
	wrongSkipped        // a move could not be made, or was the right one after all
)

// playWrong makes the moves of w on c, evaluating the step's check after every tick as
// the learner's run would, and then WithinTicks ticks more. It stops as soon as the
// check has failed for good (Result.Failed): the page then tells the learner so.
func playWrong(c *sim.Cluster, st *Step, w wrongPath) (int, int) {
	ev := NewEvaluator(st.Check, MarkOf(c))
	tick := 0
	failed := false
	// verdict evaluates the check: passed, or (failed set) failed for good.
	verdict := func() bool {
		res := ev.Evaluate(c)
		failed = res.Failed
		return res.Passed
	}
	run := func(n int) bool {
		for range n {
			c.RunTicks(1)
			tick++
			if verdict() || failed {
				return !failed
			}
		}
		return false
	}
	for i, m := range w.Moves {
		if failed {
			return tick, wrongFailed
		}
		if m.IsWait() {
			if run(m.Wait) {
				return tick, wrongPassed
			}
			continue
		}
		if i == w.RightIfLeader && c.Leader() == m.Action.Peer {
			return 0, wrongSkipped
		}
		waited := 0
		for {
			a, err := m.Resolve(c.Leader())
			if err == nil && c.Act(a) == nil {
				break
			}
			if w.Retry == nil || w.Retry.At != i || waited == w.Retry.Ticks {
				return 0, wrongSkipped
			}
			// Refused for now (a change in progress): try again a tick later.
			waited++
			if run(1) {
				return tick, wrongPassed
			}
			if failed {
				return tick, wrongFailed
			}
		}
		if verdict() {
			return tick, wrongPassed
		}
	}
	if failed {
		return tick, wrongFailed
	}
	if run(st.WithinTicks) {
		return tick, wrongPassed
	}
	return tick, wrongFailed
}
