package chaos

import (
	"cmp"
	"fmt"
	"slices"
	"sync"

	"github.com/raftplay/raftplay/sim"
)

// Summary adds up a run of many seeds.
type Summary struct {
	Seeds     int
	Failed    []Result // the failing seeds, in seed order
	Ops       int      // client operations checked for linearizability
	Delivered int64    // simulated messages delivered
	// SnapshotSeeds counts the seeds that ran with snapshots on; Snapshots adds up
	// their snapshots and the transfers a crash interrupted.
	SnapshotSeeds int
	Snapshots     sim.SnapshotStats
	// Patterns counts the seeds that played each directed pattern, by name.
	Patterns map[string]int
}

// RunSeeds generates and runs the scenarios of seeds from, from+1, ..., from+n-1 on
// workers goroutines (each simulation is single-threaded and deterministic, so the
// verdict of a seed never depends on the others). done is called, from one goroutine at
// a time, after each seed.
func RunSeeds(from uint64, n, workers int, cfg Config, done func(Result)) (Summary, error) {
	if n <= 0 {
		return Summary{}, fmt.Errorf("chaos: the number of seeds must be positive, got %d", n)
	}
	workers = max(1, min(workers, n))
	seeds := make(chan uint64)
	type outcome struct {
		res Result
		err error
	}
	results := make(chan outcome)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seed := range seeds {
				res, err := Run(Generate(seed, cfg), cfg)
				results <- outcome{res, err}
			}
		}()
	}
	go func() {
		for i := range n {
			seeds <- from + uint64(i)
		}
		close(seeds)
		wg.Wait()
		close(results)
	}()

	sum := Summary{Seeds: n, Patterns: map[string]int{}}
	var firstErr error
	for out := range results {
		if out.err != nil {
			if firstErr == nil {
				firstErr = out.err
			}
			continue
		}
		if name := PatternOf(out.res.Seed, cfg); name != "" {
			sum.Patterns[name]++
		}
		sum.Ops += out.res.Ops
		sum.Delivered += out.res.Delivered
		if st := out.res.Snapshots; st != (sim.SnapshotStats{}) {
			sum.SnapshotSeeds++
			sum.Snapshots.Taken += st.Taken
			sum.Snapshots.Installed += st.Installed
			sum.Snapshots.Interrupted += st.Interrupted
		}
		if out.res.Failed() {
			sum.Failed = append(sum.Failed, out.res)
		}
		if done != nil {
			done(out.res)
		}
	}
	sortBySeed(sum.Failed)
	return sum, firstErr
}

func sortBySeed(rs []Result) {
	slices.SortFunc(rs, func(a, b Result) int { return cmp.Compare(a.Seed, b.Seed) })
}
