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

// Run makes a fresh cluster of engine e, elects a leader, makes n proposals with at
// most outstanding of them in flight, and checks that every peer applied all n in order.
func Run(e Engine, n, outstanding int) error {
	c, err := e.newCluster()
	if err != nil {
		return fmt.Errorf("%s: new cluster: %w", e.Name, err)
	}
	if err := c.elect(); err != nil {
		return fmt.Errorf("%s: %w", e.Name, err)
	}
	if err := c.run(n, outstanding); err != nil {
		return fmt.Errorf("%s: %d proposals, %d outstanding: %w", e.Name, n, outstanding, err)
	}
	if err := c.verify(n); err != nil {
		return fmt.Errorf("%s: %d proposals, %d outstanding: wrong result: %w", e.Name, n, outstanding, err)
	}
	return nil
}

// Benchmark measures b.N proposals on engine e with at most outstanding of them in
// flight. Electing the leader and checking the result are not timed. It reports
// allocations and an ops/s metric.
func Benchmark(b *testing.B, e Engine, outstanding int) {
	b.ReportAllocs()
	c, err := e.newCluster()
	if err != nil {
		b.Fatalf("%s: new cluster: %v", e.Name, err)
	}
	if err := c.elect(); err != nil {
		b.Fatalf("%s: %v", e.Name, err)
	}
	b.ResetTimer()
	err = c.run(b.N, outstanding)
	b.StopTimer()
	if err != nil {
		b.Fatalf("%s: %d proposals, %d outstanding: %v", e.Name, b.N, outstanding, err)
	}
	if elapsed := b.Elapsed(); elapsed > 0 {
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), "ops/s")
	}
	if err := c.verify(b.N); err != nil {
		b.Fatalf("%s: %d proposals, %d outstanding: wrong result: %v", e.Name, b.N, outstanding, err)
	}
}

// RunBatches is Run with the batch driving pattern: propose batch commands, run the
// cluster until nothing moves, repeat until n were proposed; then check the result.
func RunBatches(e Engine, n, batch int) error {
	c, err := e.newCluster()
	if err != nil {
		return fmt.Errorf("%s: new cluster: %w", e.Name, err)
	}
	if err := c.elect(); err != nil {
		return fmt.Errorf("%s: %w", e.Name, err)
	}
	if err := c.runBatches(n, batch); err != nil {
		return fmt.Errorf("%s: %d proposals in batches of %d: %w", e.Name, n, batch, err)
	}
	if err := c.verify(n); err != nil {
		return fmt.Errorf("%s: %d proposals in batches of %d: wrong result: %w", e.Name, n, batch, err)
	}
	return nil
}

// BenchmarkBatches measures b.N proposals on engine e driven in batches of batch (see
// RunBatches). Electing the leader and checking the result are not timed.
func BenchmarkBatches(b *testing.B, e Engine, batch int) {
	b.ReportAllocs()
	c, err := e.newCluster()
	if err != nil {
		b.Fatalf("%s: new cluster: %v", e.Name, err)
	}
	if err := c.elect(); err != nil {
		b.Fatalf("%s: %v", e.Name, err)
	}
	b.ResetTimer()
	err = c.runBatches(b.N, batch)
	b.StopTimer()
	if err != nil {
		b.Fatalf("%s: %d proposals in batches of %d: %v", e.Name, b.N, batch, err)
	}
	if elapsed := b.Elapsed(); elapsed > 0 {
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), "ops/s")
	}
	if err := c.verify(b.N); err != nil {
		b.Fatalf("%s: %d proposals in batches of %d: wrong result: %v", e.Name, b.N, batch, err)
	}
}
