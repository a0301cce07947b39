package lincheck

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/raftplay/raftplay/kv"
)

// Result is the verdict on a history.
type Result struct {
	// Linearizable is porcupine.Ok, porcupine.Illegal, or porcupine.Unknown
	// when the check ran out of time before deciding.
	Linearizable porcupine.CheckResult
	// IllegalKeys lists, sorted, the keys whose histories are not
	// linearizable (when Illegal). It may miss some if time ran out while
	// looking for them, but never is empty when Illegal.
	IllegalKeys []string
	// Description is a short human-readable account: the verdict, and for
	// an illegal history the first illegal key's operations.
	Description string
}

// describedOps caps how many operations a Description lists.
const describedOps = 12

// Check decides whether ops is a linearizable history of a key-value store.
// A timeout of zero means no limit; otherwise a check that runs out of time
// returns porcupine.Unknown. An error means an operation is malformed (such
// as an unknown op, or a Return before its Call); it names the operation.
func Check(ops []Operation, timeout time.Duration) (Result, error) {
	history, err := toPorcupine(ops)
	if err != nil {
		return Result{}, err
	}
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	keys := len(partitionByKey(history))
	summary := fmt.Sprintf("%d operations on %d %s", len(ops), keys, plural(keys, "key"))
	verdict := porcupine.CheckOperationsTimeout(kvModel, history, timeout)
	switch verdict {
	case porcupine.Ok:
		return Result{Linearizable: verdict, Description: "linearizable: " + summary}, nil
	case porcupine.Unknown:
		return Result{Linearizable: verdict, Description: fmt.Sprintf("unknown: the check ran out of time after %v (%s)", timeout, summary)}, nil
	}
	illegal := illegalKeys(history, deadline)
	return Result{Linearizable: verdict, IllegalKeys: illegal, Description: describeIllegal(ops, illegal)}, nil
}

// toPorcupine validates ops and converts them. Unknown GETs are dropped (a
// read nobody saw constrains nothing); other unknown operations get their
// EffectBy as Return, or one after every other timestamp when unbounded, so
// they may be placed anywhere in that window (where the model lets them take
// effect or not).
func toPorcupine(ops []Operation) ([]porcupine.Operation, error) {
	var last int64 = math.MinInt64
	for i, op := range ops {
		if err := op.validate(); err != nil {
			return nil, fmt.Errorf("lincheck: operation %d (%s): %w", i, op, err)
		}
		last = max(last, op.Call)
		if op.Outcome != OutcomeUnknown {
			last = max(last, op.Return)
		} else {
			last = max(last, op.EffectBy)
		}
	}
	never := last
	if never < math.MaxInt64 {
		never++
	}

	// porcupine wants client ids numbered from zero.
	clients := make(map[uint64]int)
	history := make([]porcupine.Operation, 0, len(ops))
	for _, op := range ops {
		ret := op.Return
		if op.Outcome == OutcomeUnknown {
			if op.Op == kv.OpGet {
				continue
			}
			ret = never
			if op.EffectBy != 0 {
				ret = op.EffectBy
			}
		}
		client, ok := clients[op.ClientID]
		if !ok {
			client = len(clients)
			clients[op.ClientID] = client
		}
		history = append(history, porcupine.Operation{
			ClientId: client, Input: op.input(), Call: op.Call, Output: op.output(), Return: ret,
		})
	}
	return history, nil
}

// illegalKeys checks each key's history alone, until the deadline (if any),
// and returns the keys that fail, sorted.
func illegalKeys(history []porcupine.Operation, deadline time.Time) []string {
	var illegal, undecided []string
	for _, part := range partitionByKey(history) {
		key := part[0].Input.(input).key
		var remaining time.Duration
		if !deadline.IsZero() {
			remaining = time.Until(deadline)
			if remaining <= 0 {
				undecided = append(undecided, key)
				continue
			}
		}
		switch porcupine.CheckOperationsTimeout(kvModel, part, remaining) {
		case porcupine.Illegal:
			illegal = append(illegal, key)
		case porcupine.Unknown:
			undecided = append(undecided, key)
		}
	}
	if len(illegal) == 0 {
		// The whole check failed, so some key is illegal: blame the ones
		// we could not decide rather than report none.
		illegal = undecided
	}
	slices.Sort(illegal)
	return illegal
}

// describeIllegal names the illegal keys and lists the first one's history.
func describeIllegal(ops []Operation, illegal []string) string {
	var b strings.Builder
	if len(illegal) == 0 {
		return "not linearizable"
	}
	key := illegal[0]
	var keyOps []Operation
	for _, op := range ops {
		if op.Key == key {
			keyOps = append(keyOps, op)
		}
	}
	slices.SortStableFunc(keyOps, func(a, b Operation) int { return cmp.Compare(a.Call, b.Call) })
	fmt.Fprintf(&b, "not linearizable: key %q (%d operations)", key, len(keyOps))
	if len(illegal) > 1 {
		fmt.Fprintf(&b, "; %d keys in all: %s", len(illegal), quoteAll(illegal))
	}
	for i, op := range keyOps {
		if i == describedOps {
			fmt.Fprintf(&b, "\n  ... and %d more", len(keyOps)-describedOps)
			break
		}
		b.WriteString("\n  " + op.String())
	}
	return b.String()
}

// plural returns word, with an s unless n is 1.
func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

func quoteAll(keys []string) string {
	quoted := make([]string, len(keys))
	for i, k := range keys {
		quoted[i] = fmt.Sprintf("%q", k)
	}
	return strings.Join(quoted, ", ")
}

// Visualize checks ops and writes porcupine's interactive HTML view of the
// history and its (partial) linearizations to the file at path. It runs the
// check without a time limit, so call it on a history Check has decided.
func Visualize(ops []Operation, path string) error {
	history, err := toPorcupine(ops)
	if err != nil {
		return err
	}
	_, info := porcupine.CheckOperationsVerbose(kvModel, history, 0)
	if err := porcupine.VisualizePath(kvModel, info, path); err != nil {
		return fmt.Errorf("lincheck: write visualization to %s: %w", path, err)
	}
	return nil
}
