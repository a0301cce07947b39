package filestore

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/engine/storetest"
)

// durableState is what a store holds after some Save: the state a crash may bring back.
type durableState struct {
	hs   engine.HardState
	snap engine.Snapshot // the snapshot the log follows; empty for none
	log  []engine.Entry  // after snap; never modified once recorded
}

// history is every state a scenario's store has been in, in order.
type history struct {
	states []durableState
	synced int // states[synced] is the latest one a returned sync made durable
}

func (h *history) last() durableState { return h.states[len(h.states)-1] }

// after returns the state that Save(hs, entries) leads to from the last one.
func (h *history) after(hs engine.HardState, entries []engine.Entry) durableState {
	next := h.last()
	if !hs.IsEmpty() {
		next.hs = hs
	}
	if len(entries) > 0 {
		kept := next.log[:entries[0].Index-1-next.snap.Meta.Index]
		next.log = append(slices.Clip(kept), entries...)
	}
	return next
}

// afterSnapshot returns the state that SaveSnapshot(snap) leads to from the last one:
// the log after snap if the log holds snap's last entry, else an empty one (§7).
func (h *history) afterSnapshot(snap engine.Snapshot) durableState {
	next := h.last()
	base := next.snap.Meta.Index
	var kept []engine.Entry
	if i := snap.Meta.Index; i < base+uint64(len(next.log)) && next.log[i-base-1].Term == snap.Meta.Term {
		kept = slices.Clip(next.log[i-base:])
	}
	next.snap, next.log = snap, kept
	return next
}

// lastIndex is the index of the state's last entry (its snapshot's for none).
func (d durableState) lastIndex() uint64 { return d.snap.Meta.Index + uint64(len(d.log)) }

// scenario generates a random sequence of store operations from a seed. The sequence
// is the same on every run with that seed, whatever the file system does, so that the
// run without a crash counts the operations that the runs with a crash then hit.
type scenario struct {
	rng  *rand.Rand
	term uint64 // the latest term handed out
	// snapPercent is the chance in 100 that an operation is a SaveSnapshot.
	snapPercent int
}

// nextSnapshot returns a SaveSnapshot: usually one taken locally, at an entry of the
// log (its suffix stays), sometimes one received from a leader (InstallSnapshot, §7),
// past the log or of a newer term, which replaces the whole log.
func (sc *scenario) nextSnapshot(cur durableState) scenarioOp {
	base, last := cur.snap.Meta.Index, cur.lastIndex()
	meta := engine.SnapshotMeta{ConfState: engine.ConfState{Voters: slices.Clone(testVoters)}}
	if last > base && sc.rng.IntN(3) > 0 {
		meta.Index = base + 1 + sc.rng.Uint64N(last-base)
		meta.Term = cur.log[meta.Index-base-1].Term
	} else {
		sc.term++
		meta.Index, meta.Term = base+1+sc.rng.Uint64N(last-base+3), sc.term
	}
	data := make([]byte, sc.rng.IntN(200))
	for i := range data {
		data[i] = byte(sc.rng.Uint32())
	}
	return scenarioOp{kind: opSnapshot, snap: engine.Snapshot{Meta: meta, Data: data}}
}

type opKind int

const (
	opSave opKind = iota
	opCompact
	opReopen
	opCheckpoint
	opSnapshot
)

type scenarioOp struct {
	kind    opKind
	hs      engine.HardState
	entries []engine.Entry
	sync    bool
	snap    engine.Snapshot
}

// next returns the next operation, given the current state.
func (sc *scenario) next(cur durableState) scenarioOp {
	switch r := sc.rng.IntN(100); {
	case r < 6:
		return scenarioOp{kind: opCompact}
	case r < 10:
		return scenarioOp{kind: opReopen}
	case r < 18:
		return scenarioOp{kind: opCheckpoint}
	case r < 18+sc.snapPercent:
		return sc.nextSnapshot(cur)
	}
	op := scenarioOp{kind: opSave, sync: sc.rng.IntN(3) > 0}
	base, last := cur.snap.Meta.Index, cur.lastIndex()
	if sc.rng.IntN(4) > 0 {
		first := last + 1
		if last > base && sc.rng.IntN(5) == 0 { // a conflicting suffix from a new leader
			first = base + 1 + sc.rng.Uint64N(last-base)
			sc.term++
		}
		if sc.term == 0 {
			sc.term = 1
		}
		count := 1 + sc.rng.IntN(6)
		for i := range count {
			cmd := make([]byte, sc.rng.IntN(48))
			for j := range cmd {
				cmd[j] = byte(sc.rng.Uint32())
			}
			op.entries = append(op.entries, engine.Entry{Index: first + uint64(i), Term: sc.term, Command: cmd})
		}
		last = first + uint64(count) - 1
	}
	if len(op.entries) == 0 || sc.rng.IntN(2) == 0 {
		hs := cur.hs
		if sc.rng.IntN(3) == 0 {
			sc.term++
			hs.Term, hs.VotedFor = sc.term, 0
		}
		hs.Term = max(hs.Term, sc.term)
		if hs.VotedFor == 0 && sc.rng.IntN(2) == 0 {
			hs.VotedFor = 1 + sc.rng.Uint64N(3)
		}
		hs.Commit = max(hs.Commit, min(last, hs.Commit+sc.rng.Uint64N(4)))
		op.hs = hs
	}
	return op
}

// crashOptions make compaction frequent, so that crashes land inside it too.
var crashOptions = Options{Voters: testVoters, CompactMinDeadBytes: 256, CompactDeadRatio: 0.5}

const crashSteps = 40

// runCrashScenario runs the scenario of seed, crashing at the crashAt-th file system
// operation (0: never), then recovers and checks the recovered store. It returns the
// number of operations the scenario took.
func runCrashScenario(t *testing.T, seed uint64, crashAt int) int {
	return runCrashScenarioWith(t, seed, crashAt, 0)
}

// runCrashScenarioWith is runCrashScenario with snapPercent chances in 100 that an
// operation is a SaveSnapshot.
func runCrashScenarioWith(t *testing.T, seed uint64, crashAt, snapPercent int) int {
	fsys := newFaultFS(seed<<20 | uint64(crashAt))
	fsys.crashAt = crashAt
	sc := &scenario{rng: rand.New(rand.NewPCG(seed, 7)), snapPercent: snapPercent}
	h := &history{states: []durableState{{}}}
	s, _, err := openWith(fsys, testDir, crashOptions)
	for step := 0; err == nil && step < crashSteps; step++ {
		op := sc.next(h.last())
		switch op.kind {
		case opSave:
			h.states = append(h.states, h.after(op.hs, op.entries))
			if err = s.Save(op.hs, op.entries, op.sync); err == nil && op.sync {
				h.synced = len(h.states) - 1
			}
		case opCompact:
			if err = s.Compact(); err == nil {
				h.synced = len(h.states) - 1
			}
		case opCheckpoint:
			err = s.Checkpoint()
		case opSnapshot:
			h.states = append(h.states, h.afterSnapshot(op.snap))
			if err = s.SaveSnapshot(op.snap); err == nil {
				h.synced = len(h.states) - 1
			}
		case opReopen:
			if err = s.Close(); err == nil {
				h.synced = len(h.states) - 1
				s, _, err = openWith(fsys, testDir, crashOptions)
			}
			if err == nil {
				requireState(t, s, h.last(), "after a clean reopen")
			}
		}
	}
	if err == nil {
		if err = s.Close(); err == nil {
			h.synced = len(h.states) - 1
		}
	}
	if !fsys.crashed {
		require.NoError(t, err)
		require.Empty(t, fsys.violations)
		return fsys.ops
	}
	if err != nil { // else the crash hit a best-effort step, such as deleting a compacted log
		require.ErrorIs(t, err, errCrashed)
	}
	require.Empty(t, fsys.violations)
	where := fmt.Sprintf("seed %d, crash at operation %d", seed, crashAt)

	// Recover, sometimes crashing again during recovery itself.
	fsys.restart()
	if fsys.rng.IntN(3) == 0 {
		fsys.crashAt = 1 + fsys.rng.IntN(4)
	}
	s, report, err := openWith(fsys, testDir, crashOptions)
	if fsys.crashed {
		fsys.restart()
		s, report, err = openWith(fsys, testDir, crashOptions)
	}
	fsys.crashAt = 0
	require.NoError(t, err, where)
	// A crash is not a loss: the high-water mark never claims what a crash can take.
	require.Nil(t, report.Loss, where)
	require.False(t, report.Recovering, where)
	got := requireOneOf(t, s, h, where)
	if report.TornTail != nil {
		require.Positive(t, report.TornTail.Bytes, where)
	}

	// The recovered store takes new writes and keeps them.
	cur := h.states[got]
	h = &history{states: []durableState{cur}}
	sc.term = max(sc.term, cur.hs.Term)
	for range 5 {
		op := sc.next(cur)
		if op.kind != opSave {
			continue
		}
		require.NoError(t, s.Save(op.hs, op.entries, true), where)
		h.states = append(h.states, h.after(op.hs, op.entries))
		cur = h.last()
	}
	s, _ = reopen(t, s, fsys)
	requireState(t, s, cur, where+", after recovery and more saves")
	require.NoError(t, s.Close())
	require.Empty(t, fsys.violations)
	return fsys.ops
}

// requireOneOf checks that s holds one of the states from h.synced on, and that its
// HardState has not gone back from the synced one; it returns which state it holds.
func requireOneOf(t *testing.T, s *Store, h *history, where string) int {
	t.Helper()
	hs, conf, err := s.InitialState()
	require.NoError(t, err)
	require.Equal(t, testVoters, conf.Voters, where)
	log, snap := readAfterSnapshot(t, s)
	synced := h.states[h.synced].hs
	require.GreaterOrEqual(t, hs.Term, synced.Term, "%s: term went back", where)
	require.GreaterOrEqual(t, hs.Commit, synced.Commit, "%s: commit went back", where)
	if hs.Term == synced.Term && synced.VotedFor != 0 {
		require.Equal(t, synced.VotedFor, hs.VotedFor, "%s: vote changed within term %d", where, hs.Term)
	}
	for i := len(h.states) - 1; i >= h.synced; i-- {
		if h.states[i].hs == hs && equalSnapshots(h.states[i].snap, snap) && equalLogs(h.states[i].log, log) {
			return i
		}
	}
	require.Failf(t, "recovered a state that never existed or was lost",
		"%s: recovered hs %+v, snapshot %s, log %s; the last synced state (%d of %d) is hs %+v, snapshot %s, log %s",
		where, hs, snap.String(), describe(log), h.synced, len(h.states)-1, synced, h.states[h.synced].snap.String(), describe(h.states[h.synced].log))
	return -1
}

// requireState checks that s holds exactly want.
func requireState(t *testing.T, s *Store, want durableState, where string) {
	t.Helper()
	hs, _, err := s.InitialState()
	require.NoError(t, err)
	require.Equal(t, want.hs, hs, where)
	log, snap := readAfterSnapshot(t, s)
	require.True(t, equalSnapshots(want.snap, snap), "%s: snapshot %s, want %s", where, snap.String(), want.snap.String())
	require.True(t, equalLogs(want.log, log), "%s: log %s, want %s", where, describe(log), describe(want.log))
}

// readAfterSnapshot returns the snapshot of s and the log after it, through the
// engine's interfaces.
func readAfterSnapshot(t *testing.T, s *Store) ([]engine.Entry, engine.Snapshot) {
	t.Helper()
	snap, err := s.Snapshot()
	require.NoError(t, err)
	first, err := s.FirstIndex()
	require.NoError(t, err)
	require.Equal(t, snap.Meta.Index+1, first)
	return storetest.ReadAfterSnapshot(t, s), snap
}

func equalSnapshots(a, b engine.Snapshot) bool {
	return a.Meta.Index == b.Meta.Index && a.Meta.Term == b.Meta.Term &&
		slices.Equal(a.Meta.ConfState.Voters, b.Meta.ConfState.Voters) && string(a.Data) == string(b.Data)
}

func equalLogs(a, b []engine.Entry) bool {
	return slices.EqualFunc(a, b, func(x, y engine.Entry) bool {
		return x.Index == y.Index && x.Term == y.Term &&
			string(x.Command) == string(y.Command) && string(x.Context) == string(y.Context)
	})
}

// TestCrashAtEveryStep runs random scenarios of appends, truncations, HardState
// changes, compactions and reopens, and crashes each one at every write, sync,
// truncate, create, rename and remove in turn, tearing the unsynced bytes. After
// recovery: no synced Save is lost, the state is one that existed (an unsynced Save is
// all there or not at all), and the HardState has not gone back.
func TestCrashAtEveryStep(t *testing.T) {
	seeds := uint64(150)
	if testing.Short() {
		seeds = 30
	}
	runs := 0
	for seed := uint64(1); seed <= seeds; seed++ {
		total := runCrashScenario(t, seed, 0)
		for crashAt := 1; crashAt <= total; crashAt++ {
			runCrashScenario(t, seed, crashAt)
			runs++
		}
	}
	t.Logf("%d crash points over %d seeds", runs, seeds)
}

// TestCrashScenarioCompacts makes sure the crash scenarios reach compaction, so that
// crashes land inside it.
func TestCrashScenarioCompacts(t *testing.T) {
	compactions := 0
	for seed := uint64(1); seed <= 5; seed++ {
		fsys := newFaultFS(seed)
		sc := &scenario{rng: rand.New(rand.NewPCG(seed, 7))}
		s, _, err := openWith(fsys, testDir, crashOptions)
		require.NoError(t, err)
		cur := durableState{}
		for range crashSteps {
			op := sc.next(cur)
			if op.kind != opSave {
				continue
			}
			require.NoError(t, s.Save(op.hs, op.entries, op.sync))
			cur = (&history{states: []durableState{cur}}).after(op.hs, op.entries)
		}
		compactions += s.Stats().Compactions
		require.NoError(t, s.Close())
	}
	require.Positive(t, compactions)
}
