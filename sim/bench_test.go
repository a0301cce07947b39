package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// BenchmarkDeliver measures simulated messages delivered per second of wall time in a
// healthy three-peer cluster with clients, tracing off (as chaos runs use it).
func BenchmarkDeliver(b *testing.B) {
	sc := NewScenario(7)
	sc.Options.Clients = 4
	c, err := NewWithConfig(sc, RunConfig{})
	require.NoError(b, err)
	c.RunUntil(1000) // past the first election
	b.ReportAllocs()
	b.ResetTimer()
	start, from := time.Now(), c.Delivered()
	for c.Delivered()-from < int64(b.N) {
		if !c.Step() {
			b.Fatal("the simulation ran out of events")
		}
	}
	elapsed := time.Since(start)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	require.Zero(b, c.ViolationCount())
}
