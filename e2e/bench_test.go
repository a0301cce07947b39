package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkPut measures acknowledged PUTs of 128-byte values against three node
// processes with fsync on, sent straight to the leader by 1 and by 64 concurrent
// clients, each over its own keep-alive connection. It reports PUT/s and the p50 and
// p99 latency of a PUT.
func BenchmarkPut(b *testing.B) {
	c := startCluster(b)
	ctx := context.Background()
	waitCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	lead, err := c.WaitLeader(waitCtx)
	if err != nil {
		b.Fatal(err)
	}
	url := c.Node(lead).URL()
	for _, clients := range []int{1, 64} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			res := RunPuts(ctx, PutLoad{URL: url, Clients: clients, Ops: b.N})
			if res.Failed > 0 {
				b.Fatalf("%d of %d PUTs failed; the first: %v", res.Failed, b.N, res.FirstErr)
			}
			b.ReportMetric(res.PerSec, "PUT/s")
			b.ReportMetric(float64(res.P50.Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(res.P99.Microseconds())/1000, "p99-ms")
		})
	}
}
