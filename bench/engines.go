package bench

import (
	"fmt"
	"testing"
)

// Engine is a Raft implementation the harness can drive.
type Engine struct {
	// Name is how tables and benchmark names call the engine.
	Name       string
	newCluster func() (runner, error)
}

// runner is a cluster of one engine, with the message type hidden.
type runner interface {
	elect() error
	run(n, outstanding int) error
	runBatches(n, batch int) error
	verify(n int) error
}

// The engines compared.
var (
	// Raftplay is github.com/raftplay/raftplay/engine with memstore.
	Raftplay = Engine{Name: "raftplay", newCluster: newRaftplayCluster}
	// Etcd is go.etcd.io/raft/v3's RawNode with raft.MemoryStorage.
	Etcd = Engine{Name: "etcd", newCluster: newEtcdCluster}
)

// Engines lists every engine, raftplay first.
var Engines = []Engine{Raftplay, Etcd}

// OutstandingLevels are the numbers of outstanding proposals the issue asks about.
var OutstandingLevels = []int{1, 1024}

// BatchSizes are the batch sizes B of the batch driving pattern (RunBatches).
var BatchSizes = []int{1, 1024}

// pattern is one way of driving a cluster: n proposals with a parameter k (the
// proposals outstanding, or the batch size), and the words that describe a run of it.
type pattern struct {
	drive func(c runner, n, k int) error
	what  string // a format of n and k, such as "%d proposals, %d outstanding"
}

var (
	// outstandingPattern keeps at most k proposals in flight.
	outstandingPattern = pattern{func(c runner, n, k int) error { return c.run(n, k) }, "%d proposals, %d outstanding"}
	// batchPattern proposes k commands, runs the cluster until nothing moves, and repeats.
	batchPattern = pattern{func(c runner, n, k int) error { return c.runBatches(n, k) }, "%d proposals in batches of %d"}
)

// Run makes a fresh cluster of engine e, elects a leader, makes n proposals with at
// most outstanding of them in flight, and checks that every peer applied all n in order.
func Run(e Engine, n, outstanding int) error {
	return runPattern(e, outstandingPattern, n, outstanding)
}

// RunBatches is Run with the batch driving pattern: propose batch commands, run the
// cluster until nothing moves, repeat until n were proposed; then check the result.
func RunBatches(e Engine, n, batch int) error { return runPattern(e, batchPattern, n, batch) }

// Benchmark measures b.N proposals on engine e with at most outstanding of them in
// flight. Electing the leader and checking the result are not timed. It reports
// allocations and an ops/s metric.
func Benchmark(b *testing.B, e Engine, outstanding int) {
	benchmarkPattern(b, e, outstandingPattern, outstanding)
}

// BenchmarkBatches measures b.N proposals on engine e driven in batches of batch (see
// RunBatches). Electing the leader and checking the result are not timed.
func BenchmarkBatches(b *testing.B, e Engine, batch int) { benchmarkPattern(b, e, batchPattern, batch) }

func runPattern(e Engine, p pattern, n, k int) error {
	c, err := e.newCluster()
	if err != nil {
		return fmt.Errorf("%s: new cluster: %w", e.Name, err)
	}
	if err := c.elect(); err != nil {
		return fmt.Errorf("%s: %w", e.Name, err)
	}
	what := fmt.Sprintf(p.what, n, k)
	if err := p.drive(c, n, k); err != nil {
		return fmt.Errorf("%s: %s: %w", e.Name, what, err)
	}
	if err := c.verify(n); err != nil {
		return fmt.Errorf("%s: %s: wrong result: %w", e.Name, what, err)
	}
	return nil
}

func benchmarkPattern(b *testing.B, e Engine, p pattern, k int) {
	b.ReportAllocs()
	c, err := e.newCluster()
	if err != nil {
		b.Fatalf("%s: new cluster: %v", e.Name, err)
	}
	if err := c.elect(); err != nil {
		b.Fatalf("%s: %v", e.Name, err)
	}
	b.ResetTimer()
	err = p.drive(c, b.N, k)
	b.StopTimer()
	what := fmt.Sprintf(p.what, b.N, k)
	if err != nil {
		b.Fatalf("%s: %s: %v", e.Name, what, err)
	}
	if elapsed := b.Elapsed(); elapsed > 0 {
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), "ops/s")
	}
	if err := c.verify(b.N); err != nil {
		b.Fatalf("%s: %s: wrong result: %v", e.Name, what, err)
	}
}
