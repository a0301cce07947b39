// Package kv is the example state machine that raftplay replicates: a string
// key-value store with put, get, delete and compare-and-set.
//
// A client turns an operation into a [Command], encodes it with
// [Command.Marshal] and proposes the bytes to Raft. Once the entry is
// committed, every peer feeds it to [Store.Apply] in log order, so every
// replica reaches the same state (compare them with [Store.Digest]).
//
// Each command carries a client id and a sequence number. A client that times
// out and retries sends the same (ClientID, Seq) again; the store applies it
// once and answers the retry with the result it remembered. This is the
// client-session table of the Raft dissertation, §6.3.
//
// The package imports only the standard library: it is compiled into the
// browser playground.
package kv

import (
	"errors"
	"fmt"
	"strconv"
)

// Size limits of a command. They bound what [Decode] will accept, so a
// corrupt length field can never make the decoder allocate more than this.
const (
	// MaxKeyLen is the longest key, in bytes (1 KiB).
	MaxKeyLen = 1 << 10
	// MaxValueLen is the longest value or expected value, in bytes (1 MiB).
	MaxValueLen = 1 << 20
)

// Op says what a command does.
type Op uint8

// The operations. OpNone is the zero value: it is not a valid command, and a
// [Result] carries it for a Raft no-op entry (an empty command).
const (
	OpNone   Op = iota // no command
	OpPut              // set Key to Value
	OpGet              // read Key
	OpDelete           // remove Key
	OpCAS              // set Key to Value if it exists and equals Expected
)

// String returns the operation's name: "PUT", "GET", "DELETE", "CAS", or
// "NONE"; an out-of-range value prints as "Op(9)".
func (o Op) String() string {
	switch o {
	case OpNone:
		return "NONE"
	case OpPut:
		return "PUT"
	case OpGet:
		return "GET"
	case OpDelete:
		return "DELETE"
	case OpCAS:
		return "CAS"
	}
	return "Op(" + strconv.Itoa(int(o)) + ")"
}

// valid reports whether o is one of the four commands.
func (o Op) valid() bool { return o >= OpPut && o <= OpCAS }

// Command is one client request, as replicated through the Raft log.
type Command struct {
	// Op is what to do.
	Op Op
	// ClientID names the client session for duplicate detection. Zero means
	// "no session": the command is applied every time it is seen.
	ClientID uint64
	// Seq numbers the client's commands, starting at 1 and growing by at
	// least one per new command; a retry reuses the Seq of the original.
	// Ignored when ClientID is zero.
	Seq uint64
	// Key is the key the command acts on: 1 to MaxKeyLen bytes.
	Key string
	// Value is the value written by PUT and by a successful CAS; empty for
	// GET and DELETE. At most MaxValueLen bytes.
	Value string
	// Expected is the value CAS compares the current value against; empty
	// for the other operations. At most MaxValueLen bytes.
	Expected string
}

// ErrInvalid is wrapped by every error that reports a command breaking the
// rules documented on [Command] (unknown op, empty or oversized key, ...).
var ErrInvalid = errors.New("kv: invalid command")

// Validate checks the rules documented on [Command]. [Decode] and
// [ParseText] only return valid commands; a caller building a Command by
// hand should validate it before proposing it.
func (c Command) Validate() error {
	if !c.Op.valid() {
		return fmt.Errorf("%w: unknown op %d", ErrInvalid, uint8(c.Op))
	}
	if c.ClientID != 0 && c.Seq == 0 {
		return fmt.Errorf("%w: %s from client %d has seq 0 (sequence numbers start at 1)", ErrInvalid, c.Op, c.ClientID)
	}
	if c.Key == "" {
		return fmt.Errorf("%w: %s has an empty key", ErrInvalid, c.Op)
	}
	if len(c.Key) > MaxKeyLen {
		return fmt.Errorf("%w: %s key is %d bytes, max %d", ErrInvalid, c.Op, len(c.Key), MaxKeyLen)
	}
	if len(c.Value) > MaxValueLen {
		return fmt.Errorf("%w: %s value is %d bytes, max %d", ErrInvalid, c.Op, len(c.Value), MaxValueLen)
	}
	if len(c.Expected) > MaxValueLen {
		return fmt.Errorf("%w: %s expected value is %d bytes, max %d", ErrInvalid, c.Op, len(c.Expected), MaxValueLen)
	}
	if c.Value != "" && !c.Op.writesValue() {
		return fmt.Errorf("%w: %s carries a value", ErrInvalid, c.Op)
	}
	if c.Expected != "" && c.Op != OpCAS {
		return fmt.Errorf("%w: %s carries an expected value", ErrInvalid, c.Op)
	}
	return nil
}

// writesValue reports whether the op carries a Value field.
func (o Op) writesValue() bool { return o == OpPut || o == OpCAS }
