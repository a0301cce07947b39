package lincheck

import (
	"strconv"

	"github.com/anishathalye/porcupine"

	"github.com/raftplay/raftplay/kv"
)

// register is the state of one key: its value, if it exists. Comparable, so
// porcupine's default == is the right equality.
type register struct {
	exists bool
	value  string
}

// kvModel is the sequential specification of one key of the store, with the
// history partitioned by key.
//
// It is nondeterministic in one place: an operation with an unknown outcome
// may have taken effect where it is placed, or never. Both next states are
// kept (porcupine's power-set construction merges them), so such an operation
// needs no Return after every other: it can be bounded by EffectBy, which keeps
// the search small. Unknown GETs are dropped before the check.
var kvModel = (&porcupine.NondeterministicModel{
	Partition:         partitionByKey,
	Init:              func() []any { return []any{register{}} },
	Step:              stepAll,
	Equal:             func(a, b any) bool { return a.(register) == b.(register) },
	Hash:              hashRegister,
	DescribeOperation: func(in, out any) string { return describe(in.(input), out.(output)) },
	DescribeState:     describeRegister,
}).ToModel()

// stepAll returns every state the operation can lead to from state.
func stepAll(state, in, out any) []any {
	ok, next := step(state, in, out)
	switch {
	case !ok:
		return nil
	case out.(output).outcome == OutcomeUnknown && next != state:
		return []any{next, state} // it took effect here, or it never did
	}
	return []any{next}
}

// step applies one operation to a key's state and reports whether the
// answer the client got is the one the state gives.
func step(state, in, out any) (bool, any) {
	s, req, ans := state.(register), in.(input), out.(output)
	unknown := ans.outcome == OutcomeUnknown
	switch req.op {
	case kv.OpGet:
		if !ans.found {
			return !s.exists, s
		}
		return s.exists && s.value == ans.result, s
	case kv.OpPut:
		return true, register{exists: true, value: req.value}
	case kv.OpDelete:
		return true, register{}
	case kv.OpCAS:
		matches := s.exists && s.value == req.expected
		switch {
		case matches && (unknown || ans.outcome == OutcomeOK):
			return true, register{exists: true, value: req.value}
		case unknown:
			return true, s
		case ans.outcome == OutcomeFailed:
			// The failure must report the state that made it fail.
			return !matches && ans.found == s.exists && (!s.exists || ans.result == s.value), s
		}
	}
	return false, s
}

// partitionByKey splits a history into one history per key, keys in order
// of first appearance.
func partitionByKey(history []porcupine.Operation) [][]porcupine.Operation {
	index := make(map[string]int)
	var parts [][]porcupine.Operation
	for _, op := range history {
		key := op.Input.(input).key
		i, ok := index[key]
		if !ok {
			i = len(parts)
			index[key] = i
			parts = append(parts, nil)
		}
		parts[i] = append(parts[i], op)
	}
	return parts
}

// hashRegister is FNV-1a over the state, so porcupine's cache of visited
// states compares few candidates.
func hashRegister(state any) uint64 {
	s := state.(register)
	h := uint64(14695981039346656037)
	if s.exists {
		h = (h ^ 1) * 1099511628211
	}
	for i := 0; i < len(s.value); i++ {
		h = (h ^ uint64(s.value[i])) * 1099511628211
	}
	return h
}

func describeRegister(state any) string {
	s := state.(register)
	if !s.exists {
		return "(not set)"
	}
	return strconv.Quote(s.value)
}
