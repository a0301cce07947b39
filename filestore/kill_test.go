package filestore

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/engine/storetest"
)

// The SIGKILL test runs a writer in a child process: this test binary, started again
// with these variables set.
const (
	writerDirEnv  = "FILESTORE_KILL_WRITER_DIR"
	writerSeedEnv = "FILESTORE_KILL_WRITER_SEED"
	// killRunsEnv overrides how many times TestKill9 kills the writer.
	killRunsEnv = "FILESTORE_KILL_RUNS"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(writerDirEnv); dir != "" {
		seed, _ := strconv.ParseUint(os.Getenv(writerSeedEnv), 10, 64)
		if err := runWriter(dir, seed); err != nil {
			fmt.Printf("error %v\n", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// payload is the command of entry index in term: the checker recomputes it, so a
// damaged or misplaced entry is caught.
func payload(index, term uint64) []byte {
	b := fmt.Appendf(nil, "%d/%d/", index, term)
	return append(b, bytes.Repeat([]byte{byte('a' + (index*7+term)%26)}, int(index%61))...)
}

// runWriter saves synced batches to the store in dir until it is killed. Before each
// Save it prints "save FIRST LAST TERM COMMIT", after it "ack"; "compact" and "done"
// frame a compaction. Now and then it saves a snapshot of a committed prefix, printing
// "snapshot INDEX TERM" before and "ack" after.
func runWriter(dir string, seed uint64) error {
	s, _, err := Open(dir, Options{Voters: testVoters, CompactMinDeadBytes: 32 << 10, CompactDeadRatio: 0.5})
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(seed, 9))
	hs, _, _ := s.InitialState()
	last, _ := s.LastIndex()
	term, _ := s.Term(last)
	term = max(term, hs.Term, 1)
	out := os.Stdout
	for {
		if rng.IntN(10) == 0 {
			// As a node does every second: a kill in the middle of it is no loss either.
			if err := s.Checkpoint(); err != nil {
				return err
			}
		}
		if snap, _ := s.Snapshot(); rng.IntN(30) == 0 && hs.Commit > snap.Meta.Index {
			index := snap.Meta.Index + 1 + rng.Uint64N(hs.Commit-snap.Meta.Index)
			t, err := s.Term(index)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "snapshot %d %d\n", index, t)
			next := engine.Snapshot{Meta: engine.SnapshotMeta{Index: index, Term: t, ConfState: engine.ConfState{Voters: testVoters}},
				Data: payload(index, t)}
			if err := s.SaveSnapshot(next); err != nil {
				return err
			}
			fmt.Fprintln(out, "ack")
			continue
		}
		if rng.IntN(40) == 0 {
			fmt.Fprintln(out, "compact")
			if err := s.Compact(); err != nil {
				return err
			}
			fmt.Fprintln(out, "done")
			continue
		}
		first := last + 1
		if last > hs.Commit && rng.IntN(8) == 0 { // a new leader overwrites an uncommitted suffix
			first = hs.Commit + 1 + rng.Uint64N(last-hs.Commit)
			term++
		}
		batch := make([]engine.Entry, 1+rng.IntN(8))
		for i := range batch {
			index := first + uint64(i)
			batch[i] = engine.Entry{Index: index, Term: term, Command: payload(index, term)}
		}
		hs = engine.HardState{Term: term, VotedFor: 1, Commit: max(hs.Commit, min(first-1, hs.Commit+uint64(rng.IntN(6))))}
		last = first + uint64(len(batch)) - 1
		fmt.Fprintf(out, "save %d %d %d %d\n", first, last, term, hs.Commit)
		if err := s.Save(hs, batch, true); err != nil {
			return err
		}
		fmt.Fprintln(out, "ack")
	}
}

// killModel is what the writer has acknowledged: the log's terms, the HardState and
// the snapshot's index (the entries up to it are compacted).
type killModel struct {
	terms  []uint64 // term of entry i at terms[i-1]
	term   uint64
	commit uint64
	snap   uint64
}

// killSave is a Save, or with snapshot set a SaveSnapshot at first.
type killSave struct {
	first, last, term, commit uint64
	snapshot                  bool
}

func (m killModel) apply(sv killSave) killModel {
	if sv.snapshot {
		m.snap = sv.first
		return m
	}
	terms := append([]uint64(nil), m.terms[:sv.first-1]...)
	for i := sv.first; i <= sv.last; i++ {
		terms = append(terms, sv.term)
	}
	return killModel{terms: terms, term: sv.term, commit: sv.commit, snap: m.snap}
}

// TestKill9 starts a writer process that appends synced batches (with truncations and
// compactions) and prints each acknowledgement, kills it with SIGKILL at a random
// moment, reopens the store and checks that every acknowledged entry is there and
// intact, again and again on the same directory.
func TestKill9(t *testing.T) {
	runs := 200
	if testing.Short() {
		runs = 30
	}
	if v := os.Getenv(killRunsEnv); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(t, err, "%s=%q", killRunsEnv, v)
		runs = n
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	var model killModel
	var acks, torn, compactions, snapshots int
	for run := range runs {
		seed := rng.Uint64()
		lines := runAndKill(t, dir, seed, time.Duration(rng.IntN(40_000))*time.Microsecond)
		var pending *killSave
		for _, line := range lines {
			fields := strings.Fields(line)
			switch {
			case fields[0] == "error":
				require.Fail(t, "the writer failed", "run %d: %s", run, line)
			case fields[0] == "save" && len(fields) == 5:
				var sv killSave
				for i, p := range []*uint64{&sv.first, &sv.last, &sv.term, &sv.commit} {
					v, err := strconv.ParseUint(fields[i+1], 10, 64)
					require.NoError(t, err, "line %q", line)
					*p = v
				}
				pending = &sv
			case fields[0] == "snapshot" && len(fields) == 3:
				sv := killSave{snapshot: true}
				for i, p := range []*uint64{&sv.first, &sv.term} {
					v, err := strconv.ParseUint(fields[i+1], 10, 64)
					require.NoError(t, err, "line %q", line)
					*p = v
				}
				pending = &sv
				snapshots++
			case fields[0] == "ack":
				require.NotNil(t, pending, "run %d: ack without save", run)
				model = model.apply(*pending)
				pending = nil
				acks++
			case fields[0] == "done":
				compactions++
			}
		}
		model = checkAfterKill(t, dir, model, pending, fmt.Sprintf("run %d (writer seed %d)", run, seed), &torn)
	}
	t.Logf("%d kills, %d acknowledged saves and snapshots, %d compactions, %d snapshots begun, %d torn tails cut, final log of %d entries after the snapshot at %d",
		runs, acks, compactions, snapshots, torn, len(model.terms), model.snap)
}

// runAndKill starts the writer on dir, kills it after delay and returns the complete
// lines it printed.
func runAndKill(t *testing.T, dir string, seed uint64, delay time.Duration) []string {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), writerDirEnv+"="+dir, writerSeedEnv+"="+strconv.FormatUint(seed, 10))
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	done := make(chan []string)
	go func() {
		var lines []string
		r := bufio.NewReader(stdout)
		for {
			line, err := r.ReadString('\n')
			if err != nil { // a line cut short by the kill does not count
				done <- lines
				return
			}
			lines = append(lines, strings.TrimSuffix(line, "\n"))
		}
	}()
	time.Sleep(delay)
	require.NoError(t, cmd.Process.Kill())
	lines := <-done
	_ = cmd.Wait() // "signal: killed", or the writer's own exit status if it failed first
	return lines
}

// checkAfterKill reopens the store and checks it holds what was acknowledged, plus
// possibly the save in flight at the kill; it returns the model of what it holds.
func checkAfterKill(t *testing.T, dir string, acked killModel, pending *killSave, where string, torn *int) killModel {
	s, report, err := Open(dir, Options{Voters: testVoters})
	require.NoError(t, err, where)
	defer func() { require.NoError(t, s.Close()) }()
	if report.TornTail != nil {
		*torn++
	}
	require.Nil(t, report.Loss, "%s: a kill is not a loss", where)
	require.False(t, report.Recovering, where)
	hs, _, err := s.InitialState()
	require.NoError(t, err)
	snap, err := s.Snapshot()
	require.NoError(t, err)
	if !snap.IsEmpty() {
		require.Equal(t, string(payload(snap.Meta.Index, snap.Meta.Term)), string(snap.Data), "%s: snapshot %s damaged", where, snap.String())
	}
	log := storetest.ReadAfterSnapshot(t, s)
	for _, e := range log {
		require.Equal(t, string(payload(e.Index, e.Term)), string(e.Command), "%s: entry %d@%d damaged", where, e.Index, e.Term)
	}
	got := killModel{term: hs.Term, commit: hs.Commit, snap: snap.Meta.Index}
	candidates := []killModel{acked}
	if pending != nil {
		candidates = append(candidates, acked.apply(*pending))
	}
	for _, want := range candidates {
		if want.snap != got.snap || want.term != got.term || want.commit != got.commit || uint64(len(want.terms)) < want.snap {
			continue
		}
		if want.snap > 0 && want.terms[want.snap-1] != snap.Meta.Term {
			continue
		}
		after := want.terms[want.snap:]
		if len(after) == len(log) && slices.EqualFunc(after, log, func(term uint64, e engine.Entry) bool { return term == e.Term }) {
			// Keep the model's terms before the snapshot: the store no longer has them.
			got.terms = want.terms
			return got
		}
	}
	got.terms = make([]uint64, len(log))
	for i, e := range log {
		got.terms[i] = e.Term
	}
	require.Failf(t, "acknowledged data lost", "%s: recovered %d entries, hs term %d commit %d; acknowledged %d entries, term %d, commit %d (in flight: %+v)",
		where, len(got.terms), got.term, got.commit, len(acked.terms), acked.term, acked.commit, pending)
	return got
}
