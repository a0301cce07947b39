package chaos

import (
	"fmt"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/raftplay/raftplay/kv"
	"github.com/raftplay/raftplay/lincheck"
	"github.com/raftplay/raftplay/sim"
)

// Result is the verdict on one scenario.
type Result struct {
	Seed uint64
	// Violations lists every failed check, empty when the run passed.
	Violations []sim.Violation
	// Ops is the number of client operations checked for linearizability.
	Ops int
	// Delivered counts the messages the simulator delivered.
	Delivered int64
	// EndTime is the virtual time the run ended at, in ms.
	EndTime int64
	// Snapshots counts the snapshots taken and installed, and the transfers a crash
	// interrupted (zero in runs without snapshots).
	Snapshots sim.SnapshotStats
}

// Failed reports whether any check failed.
func (r Result) Failed() bool { return len(r.Violations) > 0 }

// InvLinearizability names a client history that no sequential execution explains.
const InvLinearizability = "linearizability"

// linearizabilityTimeout bounds the porcupine search for one history. A history the
// checker cannot decide within it is reported, not passed.
const linearizabilityTimeout = 20 * time.Second

// Run runs one scenario and checks it: invariants after every event (the run stops at
// the first violation), then, once the last action has applied, liveness, the
// durability of every acknowledged write, and the linearizability of the client
// history.
func Run(sc sim.Scenario, cfg Config) (Result, error) {
	c, err := sim.NewWithConfig(sc, sim.RunConfig{StopOnViolation: true})
	if err != nil {
		return Result{}, fmt.Errorf("chaos: seed %d: %w", sc.Seed, err)
	}
	c.RunUntil(lastActionTime(sc) + 1)
	res := Result{Seed: sc.Seed}
	if len(c.Violations()) == 0 {
		// A liveness failure is recorded as a violation by CheckLiveness itself; with
		// fewer than a quorum of peers up (a shrunk scenario may leave them down) no
		// leader is expected, and ErrNoQuorum is not a failure.
		_ = c.CheckLiveness(cfg.LivenessTicks)
	}
	if len(c.Violations()) == 0 {
		c.CheckAckedWrites()
	}
	res.Violations = append(res.Violations, c.Violations()...)
	res.Delivered, res.EndTime, res.Snapshots = c.Delivered(), c.Now(), c.SnapshotStats()
	if len(res.Violations) == 0 {
		v, ops, err := checkHistory(c.History(), c.Now())
		if err != nil {
			return res, fmt.Errorf("chaos: seed %d: %w", sc.Seed, err)
		}
		res.Ops = ops
		if v != nil {
			res.Violations = append(res.Violations, *v)
		}
	}
	return res, nil
}

func lastActionTime(sc sim.Scenario) int64 {
	if n := len(sc.Actions); n > 0 {
		return sc.Actions[n-1].At
	}
	return 0
}

// checkHistory checks the client history for linearizability and returns a violation
// when it is not linearizable (or the checker could not decide).
func checkHistory(history []sim.ClientOp, now int64) (*sim.Violation, int, error) {
	ops := make([]lincheck.Operation, 0, len(history))
	for i, h := range history {
		op := lincheck.Operation{ClientID: h.ClientID, Op: h.Kind, Key: h.Key, Value: h.Value,
			Expected: h.Expected, Call: h.Call, Return: h.Return}
		switch h.Outcome {
		case sim.OutcomeOK:
			op.Outcome = lincheck.OutcomeOK
			op.Found, op.Result = h.Found, h.Result
			if h.Kind == kv.OpCAS && !h.OK {
				op.Outcome = lincheck.OutcomeFailed
			}
		case sim.OutcomeUnknown:
			op.Outcome = lincheck.OutcomeUnknown
			if end, ok := sessionEnd(history, i); ok {
				op.EffectBy = end
			}
		default:
			// A read that got no answer observed nothing: leave it out.
			continue
		}
		ops = append(ops, op)
	}
	res, err := lincheck.Check(ops, linearizabilityTimeout)
	if err != nil {
		return nil, len(ops), fmt.Errorf("check linearizability: %w", err)
	}
	switch res.Linearizable {
	case porcupine.Ok:
		return nil, len(ops), nil
	case porcupine.Unknown:
		return &sim.Violation{Time: now, Invariant: InvLinearizability,
			Description: fmt.Sprintf("the checker could not decide within %s", linearizabilityTimeout)}, len(ops), nil
	}
	return &sim.Violation{Time: now, Invariant: InvLinearizability, Description: res.Description}, len(ops), nil
}

// sessionEnd bounds an unknown write: the kv session of its client ignores every
// command older than the last one applied, so once a later write of the same client
// has been applied, the unknown one can no longer take effect. It returns the Return
// time of the client's next write that is known to have applied.
func sessionEnd(history []sim.ClientOp, i int) (int64, bool) {
	h := history[i]
	if h.ClientID == 0 || h.Kind == kv.OpGet {
		return 0, false // no session, or a read (reads change nothing)
	}
	for _, later := range history[i+1:] {
		if later.ClientID == h.ClientID && later.Seq > h.Seq && later.Kind != kv.OpGet && later.Outcome == sim.OutcomeOK {
			return later.Return, true
		}
	}
	return 0, false
}
