package e2e

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/filestore"
	"github.com/raftplay/raftplay/kv"
	"github.com/raftplay/raftplay/lincheck"
	"github.com/raftplay/raftplay/node"
	"github.com/raftplay/raftplay/node/client"
)

// The shape of TestEndToEnd's run.
const (
	e2eClients  = 8
	e2eKeys     = 5
	e2eDuration = 10 * time.Second
	e2eDowntime = time.Second // how long a killed leader stays down
)

// e2eKillsAt are the times into the run at which the leader is killed.
var e2eKillsAt = []time.Duration{2500 * time.Millisecond, 6 * time.Second}

var (
	buildOnce sync.Once
	buildDir  string
	buildBin  string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// raftplayBinary builds cmd/raftplay once per test binary; $RAFTPLAY_BIN overrides it.
func raftplayBinary(t testing.TB) string {
	t.Helper()
	if bin := os.Getenv("RAFTPLAY_BIN"); bin != "" {
		return bin
	}
	buildOnce.Do(func() {
		if buildDir, buildErr = os.MkdirTemp("", "raftplay-e2e-bin-"); buildErr == nil {
			buildBin, buildErr = Build(buildDir)
		}
	})
	require.NoError(t, buildErr)
	return buildBin
}

// startCluster starts three nodes in a temporary directory; they are killed when the
// test ends, and their logs are shown if it failed.
func startCluster(t testing.TB, nodeArgs ...string) *Cluster {
	t.Helper()
	c, err := NewCluster(Options{Bin: raftplayBinary(t), Dir: t.TempDir(), NodeArgs: nodeArgs})
	require.NoError(t, err)
	t.Cleanup(func() {
		c.Close()
		if t.Failed() {
			for _, n := range c.Nodes {
				logs, _ := os.ReadFile(n.LogFile)
				t.Logf("log of node %d (%s), last 4 KiB:\n%s", n.ID, n.LogFile, tail(logs, 4096))
			}
		}
	})
	return c
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// ackedWrite is a write the cluster acknowledged: it must be in every log at index.
type ackedWrite struct {
	key, value string
	index      uint64
}

// e2eClient is one client of the checked workload. It sends each operation once, to a
// random node, and records what came of it: retrying is the client's business, and a
// history with unknown outcomes checks more of the cluster.
type e2eClient struct {
	id     uint64
	api    *client.Client // Options.Once
	rng    *rand.Rand
	start  time.Time
	seq    int
	seen   map[string]string // the last value this client saw for each key
	ops    []lincheck.Operation
	acked  []ackedWrite
	errors []error // answers that no run of a correct cluster gives
}

func newE2EClient(id uint64, urls []string, start time.Time) (*e2eClient, error) {
	api, err := client.New(urls, client.Options{Once: true, Timeout: 3 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 4}})
	if err != nil {
		return nil, err
	}
	return &e2eClient{
		id: id, api: api, start: start, seen: make(map[string]string),
		rng: rand.New(rand.NewPCG(id, uint64(start.UnixNano()))),
	}, nil
}

func (c *e2eClient) now() int64 { return time.Since(c.start).Nanoseconds() }

// run does operations until ctx is done.
func (c *e2eClient) run(ctx context.Context) {
	defer c.api.CloseIdleConnections()
	for ctx.Err() == nil {
		key := fmt.Sprintf("k%d", c.rng.IntN(e2eKeys))
		at := c.api.At(c.rng.IntN(len(c.api.Addrs())))
		var ok bool
		switch r := c.rng.IntN(10); {
		case r < 4:
			ok = c.get(at, key)
		case r < 7:
			ok = c.write(at, key, false)
		default:
			ok = c.write(at, key, true)
		}
		if !ok {
			time.Sleep(time.Duration(20+c.rng.IntN(30)) * time.Millisecond)
		}
	}
}

// get records a linearizable read; one that fails is dropped (a read changes nothing).
func (c *e2eClient) get(at *client.Client, key string) bool {
	call := c.now()
	v, err := at.Get(context.Background(), key)
	ret := c.now()
	var apiErr *client.Error
	switch {
	case errors.As(err, &apiErr) && apiErr.Status != http.StatusServiceUnavailable:
		c.errors = append(c.errors, fmt.Errorf("GET %s: %w", key, err))
		return false
	case err != nil:
		return false
	}
	op := lincheck.Operation{ClientID: c.id, Op: kv.OpGet, Key: key, Call: call, Return: ret,
		Outcome: lincheck.OutcomeOK, Found: v.Found, Result: v.Value}
	if v.Found {
		c.seen[key] = v.Value
	}
	c.ops = append(c.ops, op)
	return true
}

// write records a PUT, or a compare-and-set from the value this client last saw.
func (c *e2eClient) write(at *client.Client, key string, cas bool) bool {
	c.seq++
	op := lincheck.Operation{ClientID: c.id, Op: kv.OpPut, Key: key, Value: fmt.Sprintf("c%d.%d", c.id, c.seq)}
	if cas {
		op.Op, op.Expected = kv.OpCAS, c.seen[key]
	}
	op.Call = c.now()
	var res node.WriteResult
	var err error
	if cas {
		res, err = at.CAS(context.Background(), key, op.Expected, op.Value)
	} else {
		res, err = at.Put(context.Background(), key, op.Value)
	}
	op.Return = c.now()
	var apiErr *client.Error
	switch {
	case err == nil && res.Index == 0:
		c.errors = append(c.errors, fmt.Errorf("PUT %s answered 200 with index 0", key))
		return false
	case err == nil:
		op.Outcome = lincheck.OutcomeOK
		c.acked = append(c.acked, ackedWrite{key: key, value: op.Value, index: res.Index})
		c.seen[key] = op.Value
	case cas && errors.As(err, &apiErr) && apiErr.Body.Code == node.CodeCASFailed:
		op.Outcome, op.Found, op.Result = lincheck.OutcomeFailed, apiErr.Body.Found, apiErr.Body.Current
		if apiErr.Body.Found {
			c.seen[key] = apiErr.Body.Current
		}
	case client.NotApplied(err):
		// No node took the request (a dead node, or one that knew no leader and refused
		// it before proposing): it did not happen.
		return false
	case errors.As(err, &apiErr) && apiErr.Status != http.StatusServiceUnavailable:
		c.errors = append(c.errors, fmt.Errorf("PUT %s: %w", key, err))
		return false
	default:
		op.Outcome = lincheck.OutcomeUnknown // a 503 whose outcome is unknown, or no answer
	}
	c.ops = append(c.ops, op)
	return op.Outcome != lincheck.OutcomeUnknown
}

// TestEndToEnd runs three node processes, concurrent clients doing put, get and
// compare-and-set, and kills the leader with SIGKILL and restarts it, twice. Then it
// checks the history for linearizability and every node's log on disk for every
// acknowledged write. Snapshots are off here, so that every acknowledged write can be
// found in the logs on disk; TestFollowerCatchesUpBySnapshot covers them.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("the end-to-end test runs real node processes for about 15 s")
	}
	c := startCluster(t, "--snapshot-entries", "0", "--snapshot-bytes", "0")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := c.WaitLeader(ctx)
	require.NoError(t, err, "the cluster elected no leader")

	start := time.Now()
	loadCtx, stopLoad := context.WithTimeout(ctx, e2eDuration)
	defer stopLoad()
	clients := make([]*e2eClient, e2eClients)
	var wg sync.WaitGroup
	for i := range clients {
		clients[i], err = newE2EClient(uint64(i+1), c.URLs(), start)
		require.NoError(t, err)
		wg.Go(func() { clients[i].run(loadCtx) })
	}
	var killed []uint64
	for _, at := range e2eKillsAt {
		time.Sleep(time.Until(start.Add(at)))
		lead, err := c.WaitLeader(ctx)
		require.NoError(t, err, "no leader to kill at %v", at)
		require.NoError(t, c.Kill(lead))
		killed = append(killed, lead)
		t.Logf("%v: killed the leader, node %d, with SIGKILL", time.Since(start).Round(time.Millisecond), lead)
		time.Sleep(e2eDowntime)
		require.NoError(t, c.Start(lead), "restart node %d", lead)
		t.Logf("%v: restarted node %d", time.Since(start).Round(time.Millisecond), lead)
	}
	wg.Wait()
	require.Len(t, killed, len(e2eKillsAt))

	acked := checkHistory(t, clients)
	checkDurable(t, ctx, c, acked)
}

// checkHistory gathers the clients' histories and checks them: no client got an answer
// a correct cluster never gives, some write was acknowledged, and the history is
// linearizable. It returns the acknowledged writes, for a check of the logs.
func checkHistory(t *testing.T, clients []*e2eClient) []ackedWrite {
	t.Helper()
	var ops []lincheck.Operation
	var acked []ackedWrite
	for _, cl := range clients {
		assert.Empty(t, cl.errors, "client %d got answers a correct cluster never gives", cl.id)
		ops = append(ops, cl.ops...)
		acked = append(acked, cl.acked...)
	}
	summarize(t, ops, len(acked))
	require.NotEmpty(t, acked, "no write was acknowledged")
	checkLinearizable(t, ops)
	return acked
}

func summarize(t *testing.T, ops []lincheck.Operation, acked int) {
	counts := map[string]int{}
	for _, op := range ops {
		counts[op.Op.String()+" "+op.Outcome.String()]++
	}
	t.Logf("%d operations, %d acknowledged writes; by kind and outcome: %v", len(ops), acked, counts)
}

// checkLinearizable checks the history with porcupine; on failure it writes porcupine's
// view of the history to a file and names it.
func checkLinearizable(t *testing.T, ops []lincheck.Operation) {
	t.Helper()
	start := time.Now()
	res, err := lincheck.Check(ops, time.Minute)
	require.NoError(t, err)
	t.Logf("linearizability: %v in %v", res.Linearizable, time.Since(start).Round(time.Millisecond))
	if res.Linearizable == porcupine.Ok {
		checkNotVacuous(t, ops)
		return
	}
	file, ferr := os.CreateTemp("", "raftplay-e2e-history-*.html")
	if ferr == nil {
		_ = file.Close()
		if verr := lincheck.Visualize(ops, file.Name()); verr == nil {
			t.Logf("porcupine's view of the history: %s", file.Name())
		}
	}
	require.Fail(t, "the history is not linearizable (or the check ran out of time)", "%s\nillegal keys: %v", res.Description, res.IllegalKeys)
}

// checkNotVacuous makes sure the history could have failed: the same history with one
// read changed to a value nobody wrote is not linearizable.
func checkNotVacuous(t *testing.T, ops []lincheck.Operation) {
	t.Helper()
	for i, op := range ops {
		if op.Op != kv.OpGet || op.Outcome != lincheck.OutcomeOK || !op.Found {
			continue
		}
		broken := append([]lincheck.Operation(nil), ops...)
		broken[i].Result = "a value nobody wrote"
		res, err := lincheck.Check(broken, time.Minute)
		require.NoError(t, err)
		require.Equal(t, porcupine.Illegal, res.Linearizable, "a read of a value nobody wrote must fail the check")
		return
	}
	require.Fail(t, "the history has no successful read of a present key")
}

// checkDurable waits for every node to apply every acknowledged write, stops them,
// and reads each node's log from disk: every acknowledged write must be there, at the
// index it was acknowledged at and below the saved commit index, and the three logs
// must agree wherever all three are committed.
func checkDurable(t *testing.T, ctx context.Context, c *Cluster, acked []ackedWrite) {
	t.Helper()
	maxIndex := lastAcked(acked)
	require.NoError(t, c.WaitApplied(ctx, maxIndex))
	require.NoError(t, c.StopAll(10*time.Second), "the nodes did not all stop cleanly")

	logs := make([][]engine.Entry, len(c.Nodes))
	minCommit := uint64(math.MaxUint64)
	for i, n := range c.Nodes {
		entries, hs := readLog(t, n.DataDir, len(c.Nodes))
		require.GreaterOrEqual(t, hs.Commit, maxIndex, "node %d's saved commit index", n.ID)
		logs[i] = entries
		minCommit = min(minCommit, hs.Commit)
		checkLogHolds(t, n.ID, entries, acked)
	}
	for index := uint64(1); index <= minCommit; index++ {
		want := logs[0][index-1]
		for i := 1; i < len(logs); i++ {
			got := logs[i][index-1]
			if got.Term != want.Term || string(got.Command) != string(want.Command) {
				require.Failf(t, "committed logs differ", "index %d: node 1 has term %d, node %d has term %d", index, want.Term, i+1, got.Term)
			}
		}
	}
	t.Logf("all %d acknowledged writes are in the logs of all %d nodes; the logs agree up to index %d", len(acked), len(c.Nodes), minCommit)
}

// lastAcked is the highest index of an acknowledged write.
func lastAcked(acked []ackedWrite) uint64 {
	var index uint64
	for _, w := range acked {
		index = max(index, w.index)
	}
	return index
}

// checkLogHolds fails the test for every acknowledged write that node id's log, read
// from its disk, lacks (naming the first five): a lost write.
func checkLogHolds(t *testing.T, id uint64, entries []engine.Entry, acked []ackedWrite) {
	t.Helper()
	missing := 0
	for _, w := range acked {
		if !holdsWrite(entries, w) {
			if missing++; missing <= 5 {
				t.Errorf("node %d's log lacks the acknowledged write %s=%s at index %d", id, w.key, w.value, w.index)
			}
		}
	}
	assert.Zero(t, missing, "acknowledged writes missing from node %d's log", id)
}

func readLog(t *testing.T, dir string, voters int) ([]engine.Entry, engine.HardState) {
	t.Helper()
	ids := make([]uint64, voters)
	for i := range ids {
		ids[i] = uint64(i + 1)
	}
	store, _, err := filestore.Open(dir, filestore.Options{Voters: ids})
	require.NoError(t, err, "open the store in %s", dir)
	defer func() { require.NoError(t, store.Close()) }()
	hs, _, err := store.InitialState()
	require.NoError(t, err)
	last, err := store.LastIndex()
	require.NoError(t, err)
	if last == 0 {
		return nil, hs
	}
	var entries []engine.Entry
	for next := uint64(1); next <= last; {
		batch, err := store.Entries(next, last+1, math.MaxUint64)
		require.NoError(t, err, "read the entries of %s from index %d", dir, next)
		entries = append(entries, batch...)
		next += uint64(len(batch))
	}
	require.Equal(t, int(last), len(entries), "entries of %s", dir)
	return entries, hs
}

func holdsWrite(entries []engine.Entry, w ackedWrite) bool {
	if w.index == 0 || w.index > uint64(len(entries)) {
		return false
	}
	cmd, err := kv.Decode(entries[w.index-1].Command)
	return err == nil && (cmd.Op == kv.OpPut || cmd.Op == kv.OpCAS) && cmd.Key == w.key && cmd.Value == w.value
}

// TestClusterHelpers checks the harness itself: a node stopped with SIGTERM exits
// cleanly, and a restarted node rejoins with its data.
func TestClusterHelpers(t *testing.T) {
	if testing.Short() {
		t.Skip("starts node processes")
	}
	c := startCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	lead, err := c.WaitLeader(ctx)
	require.NoError(t, err)
	res := RunPuts(ctx, PutLoad{URL: c.Node(lead).URL(), Clients: 2, Ops: 20})
	require.Equal(t, 20, res.Acked, "first error: %v", res.FirstErr)
	follower := lead%3 + 1
	require.NoError(t, c.Stop(follower, 10*time.Second))
	require.False(t, c.Running(follower))
	require.NoError(t, c.Start(follower))
	st, err := c.Status(ctx, lead)
	require.NoError(t, err)
	require.NoError(t, c.WaitApplied(ctx, st.CommitIndex))
	logs, err := os.ReadFile(filepath.Join(filepath.Dir(c.Node(follower).DataDir), "node"+strconv.FormatUint(follower, 10)+".log"))
	require.NoError(t, err)
	assert.Contains(t, string(logs), "stopped", "the node logged its clean shutdown")
}
