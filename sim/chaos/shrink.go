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
//
// The actions at the scenario's last time (the heal that ends a generated scenario:
// links restored, network clean, every peer up) are never removed: without them a
// liveness failure would "reproduce" with any partition left in place.
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
	end := finalBlock(sc.Actions) // actions from end on stay
	for chunk := max(end/2, 1); chunk >= 1; chunk /= 2 {
		for start := 0; start < end; {
			candidate := sc
			candidate.Actions = slices.Delete(slices.Clone(sc.Actions), start, min(start+chunk, end))
			if try(candidate) {
				sc = candidate // keep the removal; the next chunk now starts here
				end -= min(start+chunk, end) - start
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

// finalBlock returns the index of the first of the actions at the last action's time.
func finalBlock(actions []sim.Action) int {
	end := len(actions)
	for end > 0 && actions[end-1].At == actions[len(actions)-1].At {
		end--
	}
	return end
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
