// Package lincheck checks that a history of key-value operations, as clients
// saw them, is linearizable: that every operation can be given one instant
// between its call and its return at which it took effect, such that the
// operations, run one at a time in that order, produce exactly the answers
// the clients got (Herlihy & Wing; §6.3 of the Raft dissertation).
//
// The search is done by github.com/anishathalye/porcupine, one key at a time
// (keys are independent, so a history is linearizable if and only if each
// key's history is). This package is separate from kv so the browser
// playground does not link porcupine.
//
// Operations whose outcome the client never learned (a timeout, a crash of
// the server it talked to) are recorded with OutcomeUnknown: such an
// operation may have taken effect at any instant after its call, or never.
package lincheck

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/raftplay/raftplay/kv"
)

// Outcome is what the client learned about an operation.
type Outcome uint8

// The outcomes. The zero value is not an outcome, so a forgotten field is
// reported by Check instead of being read as success.
const (
	// OutcomeOK: the operation completed. A PUT or DELETE took effect, a
	// GET read Found and Result, a CAS matched and swapped.
	OutcomeOK Outcome = iota + 1
	// OutcomeFailed: a CAS that did not match; Found and Result tell what
	// the key held instead. Only CAS can fail.
	OutcomeFailed
	// OutcomeUnknown: no answer came (timed out, gave up). The operation
	// may have taken effect at any time after Call, or not at all.
	OutcomeUnknown
)

// String returns "ok", "failed", "unknown", or "Outcome(7)".
func (o Outcome) String() string {
	switch o {
	case OutcomeOK:
		return "ok"
	case OutcomeFailed:
		return "failed"
	case OutcomeUnknown:
		return "unknown"
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}

// Operation is one client operation of a history. Times may be virtual
// (simulator ticks) or real (nanoseconds); only their order matters, and the
// interval [Call, Return] is closed: two operations that share an instant
// are concurrent.
type Operation struct {
	// ClientID is the client that issued the operation; it only groups
	// operations into rows of the visualization.
	ClientID uint64
	// Op, Key, Value and Expected are the request, as in kv.Command: Value
	// is what PUT and CAS write, Expected what CAS compares against.
	Op       kv.Op
	Key      string
	Value    string
	Expected string
	// Call is when the client sent the request.
	Call int64
	// Return is when the answer arrived, at or after Call. It is ignored
	// when Outcome is OutcomeUnknown.
	Return int64
	// Outcome is what the client learned.
	Outcome Outcome
	// Found reports, for a GET with OutcomeOK and a CAS with OutcomeFailed,
	// whether the key existed. Ignored otherwise.
	Found bool
	// Result is, when Found, the value the GET read or the value that made
	// the CAS fail. Ignored otherwise.
	Result string
	// EffectBy bounds an operation with OutcomeUnknown when nonzero: it took
	// effect at or before this time, or never. A client with a session knows
	// this once a later write of its own has been applied, since the store then
	// ignores the older command. Zero means no bound. Ignored for other outcomes.
	EffectBy int64
}

// FromCommand starts the record of command c, sent at time call. Its outcome
// is OutcomeUnknown until Complete records the answer.
func FromCommand(c kv.Command, call int64) Operation {
	return Operation{
		ClientID: c.ClientID, Op: c.Op, Key: c.Key, Value: c.Value, Expected: c.Expected,
		Call: call, Outcome: OutcomeUnknown,
	}
}

// Complete records the store's answer r, received at time ret. A result
// with an error leaves the outcome unknown: the caller cannot tell from it
// whether an earlier attempt of the same command took effect.
func (o *Operation) Complete(r kv.Result, ret int64) {
	if r.Err != nil {
		o.Outcome = OutcomeUnknown
		return
	}
	o.Return = ret
	o.Outcome = OutcomeOK
	o.Found, o.Result = false, ""
	switch {
	case o.Op == kv.OpGet:
		o.Found, o.Result = r.Found, r.Value
	case o.Op == kv.OpCAS && !r.OK:
		o.Outcome = OutcomeFailed
		o.Found, o.Result = r.Found, r.Value
	}
}

// String describes the operation on one line, such as
// `client 2 [10, 14] CAS x 1 2 -> failed (current "3")`.
func (o Operation) String() string {
	ret := "?"
	if o.Outcome != OutcomeUnknown {
		ret = strconv.FormatInt(o.Return, 10)
	}
	return fmt.Sprintf("client %d [%d, %s] %s", o.ClientID, o.Call, ret, describe(o.input(), o.output()))
}

// validate reports what makes o unusable in a history.
func (o Operation) validate() error {
	switch {
	case o.Op < kv.OpPut || o.Op > kv.OpCAS:
		return fmt.Errorf("unknown op %s", o.Op)
	case o.Outcome < OutcomeOK || o.Outcome > OutcomeUnknown:
		return fmt.Errorf("outcome not set (%s)", o.Outcome)
	case o.Outcome == OutcomeFailed && o.Op != kv.OpCAS:
		return fmt.Errorf("%s cannot fail, only CAS can", o.Op)
	case o.Outcome == OutcomeUnknown && o.EffectBy != 0 && o.EffectBy < o.Call:
		return fmt.Errorf("EffectBy %d is before Call %d", o.EffectBy, o.Call)
	case o.Outcome != OutcomeUnknown && o.Return < o.Call:
		return fmt.Errorf("return %d before call %d", o.Return, o.Call)
	}
	return nil
}

// input is the request part of an operation, as porcupine sees it.
type input struct {
	op                   kv.Op
	key, value, expected string
}

// output is the answer part of an operation, as porcupine sees it.
type output struct {
	outcome Outcome
	found   bool
	result  string
}

func (o Operation) input() input {
	return input{op: o.Op, key: o.Key, value: o.Value, expected: o.Expected}
}

func (o Operation) output() output {
	return output{outcome: o.Outcome, found: o.Found, result: o.Result}
}

// describe renders a request and its answer, for messages and the
// visualization: `GET x -> "3"`, `PUT x 1 -> ok`, `CAS x 1 2 -> unknown`.
func describe(in input, out output) string {
	var b strings.Builder
	b.WriteString(in.op.String())
	b.WriteByte(' ')
	b.WriteString(in.key)
	if in.op == kv.OpCAS {
		b.WriteString(" " + strconv.Quote(in.expected))
	}
	if in.op == kv.OpPut || in.op == kv.OpCAS {
		b.WriteString(" " + strconv.Quote(in.value))
	}
	b.WriteString(" -> ")
	switch {
	case out.outcome == OutcomeUnknown:
		b.WriteString("unknown")
	case in.op == kv.OpGet && out.found:
		b.WriteString(strconv.Quote(out.result))
	case in.op == kv.OpGet:
		b.WriteString("not found")
	case out.outcome == OutcomeFailed && out.found:
		b.WriteString("failed (current " + strconv.Quote(out.result) + ")")
	case out.outcome == OutcomeFailed:
		b.WriteString("failed (not found)")
	default:
		b.WriteString(out.outcome.String())
	}
	return b.String()
}
