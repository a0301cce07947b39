package e2e

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/filestore"
	"github.com/raftplay/raftplay/node/client"
)

// The disk fault tests of issue 11: real node processes whose files are damaged while
// they are down, as a bad disk or an operator's `raftplay repair --truncate` would.

// diskFaultRoundsEnv sets the rounds of TestDiskFaults; `make diskfaults` runs 30.
const diskFaultRoundsEnv = "RAFTPLAY_DISKFAULT_ROUNDS"

// defaultDiskFaultRounds is the short slice `make test` runs.
const defaultDiskFaultRounds = 3

// putAll waits for a leader, then writes count keys prefix0..prefixN, retrying through
// elections and dead nodes (node/client's retry policy), and returns them with their
// values.
func putAll(t *testing.T, ctx context.Context, c *Cluster, prefix string, count int) map[string]string {
	t.Helper()
	// The client gives up at once when no node accepts connections: wait for nodes just
	// started to listen and elect.
	_, err := c.WaitLeader(ctx)
	require.NoError(t, err)
	written := make(map[string]string, count)
	for i := range count {
		key, value := fmt.Sprintf("%s%d", prefix, i), fmt.Sprintf("v%d-%d", i, time.Now().UnixNano())
		_, err := c.Client().Put(ctx, key, value)
		require.NoError(t, err, "PUT %s", key)
		written[key] = value
	}
	return written
}

// requireReadable checks that every write reads back with its value (a linearizable
// read, retried through elections for up to 30 s).
func requireReadable(t *testing.T, ctx context.Context, c *Cluster, written map[string]string) {
	t.Helper()
	_, err := c.WaitLeader(ctx) // see putAll
	require.NoError(t, err)
	lost := 0
	for key, want := range written {
		readCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		got, err := c.Client().Get(readCtx, key)
		cancel()
		require.NoError(t, err, "read %s", key)
		if !got.Found || got.Value != want {
			if lost++; lost <= 5 {
				t.Errorf("acknowledged write %s=%s reads back as found=%v %q", key, want, got.Found, got.Value)
			}
		}
	}
	require.Zero(t, lost, "acknowledged writes lost, of %d", len(written))
}

// logFilePath returns the path of the (one) log file in a node's data directory.
func logFilePath(t *testing.T, dir string) string {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(dir, "log-????????????????"))
	require.NoError(t, err)
	require.Len(t, matches, 1, "log files in %s", dir)
	return matches[0]
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	info, err := os.Stat(path)
	require.NoError(t, err)
	return info.Size()
}

// waitCaughtUp waits until every running node has applied at least the leader's
// commit index as it is now and none is recovering.
func waitCaughtUp(ctx context.Context, c *Cluster) error {
	lead, err := c.WaitLeader(ctx)
	if err != nil {
		return err
	}
	st, err := c.Status(ctx, lead)
	if err != nil {
		return err
	}
	for {
		done := true
		for _, n := range c.Nodes {
			if !c.Running(n.ID) {
				continue
			}
			s, err := c.Status(ctx, n.ID)
			done = done && err == nil && s.LastApplied >= st.CommitIndex && !s.Recovering
		}
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("e2e: the nodes did not all catch up to index %d: %w", st.CommitIndex, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// startDiskFaultRun is the prologue of every test here: three node processes, a
// context of budget for the whole test, and the leader they elect.
func startDiskFaultRun(t *testing.T, budget time.Duration) (*Cluster, context.Context, uint64) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts node processes")
	}
	c := startCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	t.Cleanup(cancel)
	lead, err := c.WaitLeader(ctx)
	require.NoError(t, err)
	return c, ctx, lead
}

// writeAndMeasure writes count keys, waits until every node has applied them, and
// returns the keys written with the path and size of node id's log file then: the
// point a test later cuts that log back to.
func writeAndMeasure(t *testing.T, ctx context.Context, c *Cluster, id uint64, prefix string, count int) (map[string]string, string, int64) {
	t.Helper()
	written := putAll(t, ctx, c, prefix, count)
	require.NoError(t, waitCaughtUp(ctx, c))
	path := logFilePath(t, c.Node(id).DataDir)
	return written, path, fileSize(t, path)
}

func nodeLog(t *testing.T, c *Cluster, id uint64) string {
	t.Helper()
	data, err := os.ReadFile(c.Node(id).LogFile)
	require.NoError(t, err)
	return string(data)
}

// A follower whose log lost its tail on disk catches up from the leader, and the
// leader's view of it (Match) follows: issue 11, bug 1. When the high-water mark
// covered the lost entries (the node ran a checkpoint after writing them) it says
// plainly that it lost data; when it did not, the loss looks like a crash's torn
// write, and the follower catches up all the same.
func TestFollowerWithDamagedTailCatchesUp(t *testing.T) {
	for _, tc := range []struct {
		damage     string
		checkpoint bool
	}{{"cut", true}, {"zeroed", true}, {"cut", false}} {
		damage := tc.damage
		t.Run(fmt.Sprintf("%s checkpointed=%v", damage, tc.checkpoint), func(t *testing.T) {
			c, ctx, lead := startDiskFaultRun(t, time.Minute)
			follower := lead%3 + 1
			written, path, early := writeAndMeasure(t, ctx, c, follower, "early", 10)
			for key, value := range putAll(t, ctx, c, "late", 40) {
				written[key] = value
			}
			require.NoError(t, waitCaughtUp(ctx, c))
			if tc.checkpoint {
				time.Sleep(1500 * time.Millisecond) // the node's checkpoint interval is a second
			}
			require.NoError(t, c.Kill(follower))
			end := fileSize(t, path)
			if damage == "cut" {
				require.NoError(t, os.Truncate(path, early+5))
			} else {
				f, err := os.OpenFile(path, os.O_WRONLY, 0)
				require.NoError(t, err)
				_, err = f.WriteAt(make([]byte, end-early-5), early+5)
				require.NoError(t, err)
				require.NoError(t, f.Close())
			}
			require.NoError(t, c.Start(follower))

			st, err := c.Status(ctx, lead)
			require.NoError(t, err)
			require.NoError(t, c.WaitApplied(ctx, st.LastIndex), "the damaged follower catches up")
			require.Eventually(t, func() bool {
				st, err := c.Status(ctx, lead)
				if err != nil {
					return false
				}
				for _, p := range st.Peers {
					if p.ID == follower {
						return p.MatchIndex == st.LastIndex && p.Mode == "replicate" && !p.Recovering
					}
				}
				return false
			}, 10*time.Second, 100*time.Millisecond, "the leader's view of the follower is true again")
			if tc.checkpoint {
				assert.Contains(t, nodeLog(t, c, follower), "DATA LOST", "the follower says plainly that it lost data")
			}
			requireReadable(t, ctx, c, written)
		})
	}
}

// The scenario of issue 11: A leads while C is down and 50 writes are acknowledged
// by A and B; B's log is cut back to before them (plus 5 bytes); A stops cleanly; B
// and C start. They must not elect a leader without the writes; once A returns, every
// write reads back.
func TestLostTailDoesNotLoseAcknowledgedWrites(t *testing.T) {
	c, ctx, a := startDiskFaultRun(t, time.Minute)
	b, cc := a%3+1, (a+1)%3+1
	_, bLog, sizeBefore := writeAndMeasure(t, ctx, c, b, "before", 5)
	require.NoError(t, c.Kill(cc))
	written := putAll(t, ctx, c, "acked", 50)

	bStatus, err := c.Status(ctx, b)
	require.NoError(t, err)
	require.NoError(t, c.Stop(b, 10*time.Second))
	require.NoError(t, os.Truncate(bLog, sizeBefore+5))
	require.NoError(t, c.Stop(a, 10*time.Second))
	require.NoError(t, c.Start(b))
	require.NoError(t, c.Start(cc))

	// Many election timeouts: B refuses to vote, so C cannot win, and B never runs.
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		for _, id := range []uint64{b, cc} {
			if st, err := c.Status(ctx, id); err == nil {
				require.NotEqual(t, "leader", st.Role, "node %d led without the acknowledged writes", id)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	if st, err := c.Status(ctx, b); assert.NoError(t, err) {
		assert.GreaterOrEqual(t, st.Term, bStatus.Term, "B's term did not go back with its log")
		assert.True(t, st.Recovering)
	}
	bOut := nodeLog(t, c, b)
	assert.Contains(t, bOut, "DATA LOST")
	assert.Contains(t, bOut, "it will neither vote nor count toward any quorum until it has caught up from a leader")
	assert.NotContains(t, bOut, "no acknowledged write was in it")

	require.NoError(t, c.Start(a))
	requireReadable(t, ctx, c, written)
	require.NoError(t, waitCaughtUp(ctx, c), "B catches up and recovers")
	assert.Contains(t, nodeLog(t, c, b), "caught up from the leader after losing entries")
}

// Three nodes killed at once, with their disks intact, elect a leader again and keep
// every acknowledged write.
func TestAllKilledAtOnceRecover(t *testing.T) {
	c, ctx, _ := startDiskFaultRun(t, time.Minute)
	written := putAll(t, ctx, c, "k", 30)
	var wg sync.WaitGroup
	for _, n := range c.Nodes {
		wg.Go(func() { _ = c.Kill(n.ID) })
	}
	wg.Wait()
	for _, n := range c.Nodes {
		require.NoError(t, c.Start(n.ID))
	}
	requireReadable(t, ctx, c, written)
	for key, value := range putAll(t, ctx, c, "after", 5) {
		written[key] = value
	}
	requireReadable(t, ctx, c, written)
	for _, n := range c.Nodes {
		assert.NotContains(t, nodeLog(t, c, n.ID), "DATA LOST", "node %d", n.ID)
	}
}

// diskFault damages the files of a stopped node.
type diskFault struct {
	name  string
	apply func(t *testing.T, rng *rand.Rand, dir string)
}

var diskFaults = []diskFault{
	{"truncate", func(t *testing.T, rng *rand.Rand, dir string) {
		path := logFilePath(t, dir)
		size := fileSize(t, path)
		cut := 1 + rng.Int64N(min(size-logHeaderBytes, 256<<10))
		require.NoError(t, os.Truncate(path, size-cut))
	}},
	{"zero a tail", func(t *testing.T, rng *rand.Rand, dir string) {
		path := logFilePath(t, dir)
		size := fileSize(t, path)
		n := 1 + rng.Int64N(min(size-logHeaderBytes, 256<<10))
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		require.NoError(t, err)
		_, err = f.WriteAt(make([]byte, n), size-n)
		require.NoError(t, err)
		require.NoError(t, f.Close())
	}},
	{"flip a byte", func(t *testing.T, rng *rand.Rand, dir string) {
		path := logFilePath(t, dir)
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		data[logHeaderBytes+rng.IntN(len(data)-logHeaderBytes)] ^= byte(1 + rng.IntN(255))
		require.NoError(t, os.WriteFile(path, data, 0o644))
	}},
	{"delete the state file", func(t *testing.T, _ *rand.Rand, dir string) {
		require.NoError(t, os.Remove(filepath.Join(dir, "state")))
	}},
	{"delete the log file", func(t *testing.T, _ *rand.Rand, dir string) {
		require.NoError(t, os.Remove(logFilePath(t, dir)))
	}},
}

// logHeaderBytes is the size of a log file's header, which the faults leave alone:
// a node whose header is gone has no log to repair.
const logHeaderBytes = 28

// repairIfNeeded runs `raftplay repair` on a stopped node as an operator would, and
// `repair --truncate --voters` when it says the node cannot start.
func repairIfNeeded(t *testing.T, dir string, voters int) string {
	t.Helper()
	bin := raftplayBinary(t)
	out, err := exec.Command(bin, "repair", "--data", dir).CombinedOutput()
	if err == nil {
		return "none needed"
	}
	var exit *exec.ExitError
	require.True(t, errors.As(err, &exit), "repair --data %s: %v\n%s", dir, err, out)
	ids := make([]string, voters)
	for i := range ids {
		ids[i] = strconv.Itoa(i + 1)
	}
	fixed, err := exec.Command(bin, "repair", "--data", dir, "--truncate", "--voters", strings.Join(ids, ",")).CombinedOutput()
	require.NoError(t, err, "repair --truncate:\n%s\n%s", out, fixed)
	return "repair --truncate"
}

// faultWriter writes fresh keys through random nodes until ctx is done, and records
// those acknowledged.
type faultWriter struct {
	id    int
	mu    sync.Mutex
	acked map[string]string
}

// run writes each key once, through a random node (following its redirect to the
// leader), without retrying: a write that fails is not counted as acknowledged.
// api is a client with Options.Once, the writer's own.
func (w *faultWriter) run(ctx context.Context, api *client.Client) {
	rng := rand.New(rand.NewPCG(uint64(w.id), uint64(time.Now().UnixNano())))
	defer api.CloseIdleConnections()
	nodes := len(api.Addrs())
	for seq := 0; ctx.Err() == nil; seq++ {
		key, value := fmt.Sprintf("w%d-%d", w.id, seq), fmt.Sprintf("value-%d-%d", w.id, seq)
		if res, err := api.At(rng.IntN(nodes)).Put(ctx, key, value); err != nil || res.Index == 0 {
			time.Sleep(time.Duration(10+rng.IntN(20)) * time.Millisecond)
			continue
		}
		w.mu.Lock()
		w.acked[key] = value
		w.mu.Unlock()
	}
}

func (w *faultWriter) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.acked)
}

// TestDiskFaults: rounds of SIGKILL plus one random disk fault on one node, under
// concurrent writers. Between rounds every node catches up; at the end every
// acknowledged write reads back and is in every node's log. The rounds are
// $RAFTPLAY_DISKFAULT_ROUNDS (`make diskfaults` runs 30), 3 by default.
func TestDiskFaults(t *testing.T) {
	rounds := defaultDiskFaultRounds
	if v := os.Getenv(diskFaultRoundsEnv); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(t, err, "$%s", diskFaultRoundsEnv)
		rounds = n
	}
	c, ctx, _ := startDiskFaultRun(t, time.Duration(rounds)*20*time.Second+time.Minute)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 11))

	loadCtx, stopLoad := context.WithCancel(ctx)
	defer stopLoad()
	writers := make([]*faultWriter, 4)
	var wg sync.WaitGroup
	for i := range writers {
		api, err := c.NewClient(client.Options{Once: true, Timeout: 3 * time.Second}) // a session per writer
		require.NoError(t, err)
		writers[i] = &faultWriter{id: i + 1, acked: map[string]string{}}
		wg.Go(func() { writers[i].run(loadCtx, api) })
	}
	acked := func() int {
		n := 0
		for _, w := range writers {
			n += w.count()
		}
		return n
	}

	for round := 1; round <= rounds; round++ {
		victim := uint64(1 + rng.IntN(len(c.Nodes)))
		fault := diskFaults[rng.IntN(len(diskFaults))]
		before := acked()
		const nonVoter = "neither vote nor count toward any quorum"
		losses := strings.Count(nodeLog(t, c, victim), nonVoter)
		time.Sleep(time.Duration(100+rng.IntN(400)) * time.Millisecond) // writes in flight
		require.NoError(t, c.Kill(victim))
		atKill := acked()
		fault.apply(t, rng, c.Node(victim).DataDir)
		time.Sleep(time.Duration(100+rng.IntN(300)) * time.Millisecond)
		require.Eventually(t, func() bool { return acked() > atKill }, 15*time.Second, 10*time.Millisecond,
			"round %d: the two healthy nodes serve writes while node %d is down", round, victim)
		repair := repairIfNeeded(t, c.Node(victim).DataDir, len(c.Nodes))
		whileDown := acked() - atKill
		require.NoError(t, c.Start(victim))
		require.NoError(t, waitCaughtUp(ctx, c), "round %d: node %d after %q", round, victim, fault.name)
		served := acked() - before
		detected := "no loss proven (a crash looks the same)"
		if strings.Count(nodeLog(t, c, victim), nonVoter) > losses {
			detected = "rejoined as a non-voter"
		}
		t.Logf("round %d: killed node %d, %s, repair: %s, %s; %d writes acknowledged in the round, %d of them while it was down",
			round, victim, fault.name, repair, detected, served, whileDown)
	}
	stopLoad()
	wg.Wait()

	written := map[string]string{}
	for _, w := range writers {
		for key, value := range w.acked {
			written[key] = value
		}
	}
	t.Logf("%d rounds, %d acknowledged writes", rounds, len(written))
	require.NoError(t, waitCaughtUp(ctx, c))
	requireReadable(t, ctx, c, written)
}

// A log cut back to before an election does not take the term and vote of that
// election with it: the node restarts in the same term, with the same vote, and says
// that its log lost synced records.
func TestCutTailKeepsTermAndVote(t *testing.T) {
	c, ctx, a := startDiskFaultRun(t, time.Minute)
	b := a%3 + 1
	_, bLog, sizeBefore := writeAndMeasure(t, ctx, c, b, "k", 5)

	require.NoError(t, c.Kill(a)) // B takes part in the next election, as voter or winner
	lead, err := c.WaitLeader(ctx)
	require.NoError(t, err)
	putAll(t, ctx, c, "after", 5)
	voted := readHardState(t, c.Node(b).DataDir)
	before, err := c.Status(ctx, b)
	require.NoError(t, err)
	require.Greater(t, voted.Term, uint64(1))
	require.NotZero(t, voted.VotedFor)
	t.Logf("node %d leads term %d; node %d voted for %d", lead, before.Term, b, voted.VotedFor)

	require.NoError(t, c.Stop(b, 10*time.Second))
	require.NoError(t, os.Truncate(bLog, sizeBefore))
	require.NoError(t, c.Start(b))
	require.Eventually(t, func() bool {
		st, err := c.Status(ctx, b)
		return err == nil && st.Role != ""
	}, 10*time.Second, 50*time.Millisecond)
	st, err := c.Status(ctx, b)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, st.Term, before.Term, "the term did not go back")
	out := nodeLog(t, c, b)
	assert.Contains(t, out, "DATA LOST")
	assert.Contains(t, out, fmt.Sprintf("but the state file says term %d", voted.Term))
	require.NoError(t, c.Start(a))
	require.NoError(t, waitCaughtUp(ctx, c))
	require.NoError(t, c.StopAll(10*time.Second))
	after := readHardState(t, c.Node(b).DataDir)
	if after.Term == voted.Term {
		assert.Equal(t, voted.VotedFor, after.VotedFor, "one vote in term %d", voted.Term)
	}
}

// readHardState reads the HardState a node's store holds (the node may be running:
// the state file and the log are only read).
func readHardState(t *testing.T, dir string) engine.HardState {
	t.Helper()
	report, err := filestore.Inspect(dir)
	require.NoError(t, err)
	hs := report.HardState
	if report.Term > hs.Term {
		hs.Term, hs.VotedFor = report.Term, report.VotedFor
	}
	return hs
}
