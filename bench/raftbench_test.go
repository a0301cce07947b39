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
