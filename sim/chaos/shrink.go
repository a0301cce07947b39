package chaos

import (
	"slices"
	"time"

	"github.com/raftplay/raftplay/sim"
)

// Shrink looks for a shorter scenario that still fails the same way: it removes
// chunks of actions (halves, then quarters, down to single actions) and then clients,
// keeping each removal after which fails(candidate) still holds. The result is small
// enough to read and to replay in the playground. maxRuns bounds the runs it tries and
// budget the wall-clock time it spends (0: no limit).
func Shrink(sc sim.Scenario, fails func(sim.Scenario) bool, maxRuns int, budget time.Duration) sim.Scenario {
	runs := 0
	var deadline time.Time
	if budget > 0 {
		deadline = time.Now().Add(budget)
	}
	try := func(candidate sim.Scenario) bool {
		if runs >= maxRuns || (!deadline.IsZero() && time.Now().After(deadline)) {
			return false
		}
		runs++
		return fails(candidate)
	}
	for chunk := max(len(sc.Actions)/2, 1); chunk >= 1; chunk /= 2 {
		for start := 0; start < len(sc.Actions); {
			candidate := sc
			candidate.Actions = slices.Delete(slices.Clone(sc.Actions), start, min(start+chunk, len(sc.Actions)))
			if try(candidate) {
				sc = candidate // keep the removal; the next chunk now starts here
			} else {
				start += chunk
			}
		}
	}
	for sc.Options.Clients > 0 {
		candidate := sc
		candidate.Options.Clients--
		if !try(candidate) {
			break
		}
		sc = candidate
	}
	return sc
}

// SameFailure returns a predicate for Shrink: the scenario, run with cfg, fails the
// invariant named by want.
func SameFailure(cfg Config, want string) func(sim.Scenario) bool {
	return func(sc sim.Scenario) bool {
		res, err := Run(sc, cfg)
		if err != nil {
			return false
		}
		for _, v := range res.Violations {
			if v.Invariant == want {
				return true
			}
		}
		return false
	}
}
