package bench

import (
	"fmt"
	"testing"
)

// BenchmarkRaftplay measures raftplay's engine: b.N proposals of CommandSize bytes with
// 1 and with 1,024 outstanding, until all three peers applied them.
func BenchmarkRaftplay(b *testing.B) { benchmarkEngine(b, Raftplay) }

// BenchmarkEtcd measures go.etcd.io/raft/v3 driven exactly like BenchmarkRaftplay.
func BenchmarkEtcd(b *testing.B) { benchmarkEngine(b, Etcd) }

func benchmarkEngine(b *testing.B, e Engine) {
	for _, outstanding := range OutstandingLevels {
		b.Run(fmt.Sprintf("outstanding=%d", outstanding), func(b *testing.B) {
			Benchmark(b, e, outstanding)
		})
	}
}

// BenchmarkRaftplayBatches drives raftplay's engine with the batch pattern: B proposals,
// then rounds until nothing moves, with B = 1 and B = 1,024.
func BenchmarkRaftplayBatches(b *testing.B) { benchmarkBatches(b, Raftplay) }

// BenchmarkEtcdBatches drives go.etcd.io/raft/v3 exactly like BenchmarkRaftplayBatches.
func BenchmarkEtcdBatches(b *testing.B) { benchmarkBatches(b, Etcd) }

func benchmarkBatches(b *testing.B, e Engine) {
	for _, batch := range BatchSizes {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			BenchmarkBatches(b, e, batch)
		})
	}
}
