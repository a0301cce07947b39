package kv

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"sort"
)

// Errors a [Result] can carry; test them with errors.Is.
var (
	// ErrStale: the command's Seq is older than the last one applied for its
	// client. It was not applied, and its original result is no longer kept.
	ErrStale = errors.New("kv: stale command")
	// ErrApplyOrder: Apply was called with an index that is not above the
	// applied index. The command was not applied.
	ErrApplyOrder = errors.New("kv: apply out of order")
	// ErrSeqReused: the command's Seq is its client's last applied one, but the
	// command differs from the one applied under it. A retry must repeat its
	// command exactly; a new command needs a new Seq. It was not applied.
	ErrSeqReused = errors.New("kv: sequence number reused for a different command")
)

// DefaultSessionExpiry is how many log entries a client session may stay idle
// before the store forgets it: about a million, minutes of writes at full speed.
// A retry that arrives later than that is applied again.
const DefaultSessionExpiry = 1 << 20

// Result is what applying one command produced. Found and Value always
// describe the key as it was just before the command:
//
//	op      OK                      Found, Value
//	PUT     true                    previous value, if any
//	GET     key found               current value, if any
//	DELETE  true                    deleted value, if any
//	CAS     matched and swapped     value before the CAS (the current value if it failed)
//
// If Err is set, the command changed nothing and only Index, Op and Key are
// meaningful. A Raft no-op entry yields a Result with Op == OpNone.
type Result struct {
	// Index is the log index the command was applied at. A retried
	// command's Result is the original's, so Index is the original's too.
	Index uint64
	// Op and Key repeat the command's (zero when it could not be decoded).
	Op  Op
	Key string
	// OK reports success as the table above defines it.
	OK bool
	// Found reports whether the key existed before the command.
	Found bool
	// Value is the key's value before the command (empty if !Found).
	Value string
	// Err is why the command was not applied: ErrDecode, ErrInvalid,
	// ErrStale or ErrApplyOrder (wrapped).
	Err error
}

// String describes the outcome briefly, for the playground's log.
func (r Result) String() string {
	switch {
	case r.Err != nil:
		return "error: " + r.Err.Error()
	case r.Op == OpNone:
		return "no-op"
	case r.Op == OpGet && r.Found:
		return quoteShort(r.Value)
	case r.Op == OpGet:
		return "not found"
	case r.Op == OpCAS && !r.OK && r.Found:
		return "failed: current value " + quoteShort(r.Value)
	case r.Op == OpCAS && !r.OK:
		return "failed: not found"
	case r.Found:
		return "OK (was " + quoteShort(r.Value) + ")"
	}
	return "OK (was not set)"
}

// session is what the store remembers about one client (§6.3 of the Raft
// dissertation): its last applied sequence number and that command's result.
type session struct {
	seq     uint64
	command uint64 // fingerprint of the command applied under seq
	used    uint64 // log index of the session's last command (a retry counts)
	result  Result
}

// Store is the replicated key-value state machine. Apply it committed
// entries in log order; two stores fed the same entries have equal Digests.
// A Store is not safe for concurrent use.
type Store struct {
	data         map[string]string
	sessions     map[uint64]session // by client id; idle ones expire, see sessionExpiry
	appliedIndex uint64             // index of the last entry passed to Apply

	// A session unused for sessionExpiry log entries is gone (§6.3 of the Raft
	// dissertation: expiry must be decided by the log, never by a replica's clock,
	// or replicas would disagree on which retries to apply). The table is swept
	// every sessionExpiry/8 entries; until then, apply treats such a session as
	// gone anyway, so the outcome of a command depends on log indices alone.
	sessionExpiry uint64
	nextSweep     uint64 // the first index at which the next sweep runs
}

// New returns an empty store that has applied nothing, whose sessions expire
// after DefaultSessionExpiry idle entries.
func New() *Store { return NewWithSessionExpiry(DefaultSessionExpiry) }

// NewWithSessionExpiry is New with sessions that expire after expiry idle log
// entries (at least 1). Every replica of a cluster must use the same expiry.
func NewWithSessionExpiry(expiry uint64) *Store {
	return &Store{data: make(map[string]string), sessions: make(map[uint64]session), sessionExpiry: max(expiry, 1)}
}

// Apply applies the committed entry at index with the given command bytes
// and returns what happened. Indices must increase (gaps are allowed, for
// entries that carry no command). An empty command is a Raft no-op: it
// advances the applied index and nothing else. A malformed command also
// advances the applied index and yields a Result whose Err wraps ErrDecode;
// Apply never panics on bad bytes.
func (s *Store) Apply(index uint64, command []byte) Result {
	if index <= s.appliedIndex {
		return Result{Index: index, Err: fmt.Errorf("%w: index %d is not above applied index %d", ErrApplyOrder, index, s.appliedIndex)}
	}
	s.appliedIndex = index
	s.maybeExpireSessions(index)
	if len(command) == 0 {
		return Result{Index: index}
	}
	c, err := Decode(command)
	if err != nil {
		return Result{Index: index, Err: fmt.Errorf("kv: apply index %d: %w", index, err)}
	}
	return s.apply(index, c)
}

// ApplyCommand is Apply for a command that is already decoded (as the
// simulator holds them). It validates c first.
func (s *Store) ApplyCommand(index uint64, c Command) Result {
	if index <= s.appliedIndex {
		return Result{Index: index, Op: c.Op, Key: c.Key, Err: fmt.Errorf("%w: index %d is not above applied index %d", ErrApplyOrder, index, s.appliedIndex)}
	}
	s.appliedIndex = index
	s.maybeExpireSessions(index)
	if err := c.Validate(); err != nil {
		return Result{Index: index, Op: c.Op, Key: c.Key, Err: fmt.Errorf("kv: apply index %d: %w", index, err)}
	}
	return s.apply(index, c)
}

// apply runs a valid command through the session table, then the store.
func (s *Store) apply(index uint64, c Command) Result {
	if c.ClientID == 0 {
		return s.execute(index, c)
	}
	fingerprint := c.fingerprint()
	last, ok := s.sessions[c.ClientID]
	if ok && s.expired(last, index) {
		ok = false
	}
	if ok && c.Seq <= last.seq {
		switch {
		case c.Seq < last.seq:
			return Result{Index: index, Op: c.Op, Key: c.Key,
				Err: fmt.Errorf("%w: client %d seq %d is older than its last applied seq %d", ErrStale, c.ClientID, c.Seq, last.seq)}
		case fingerprint != last.command:
			return Result{Index: index, Op: c.Op, Key: c.Key,
				Err: fmt.Errorf("%w: client %d seq %d was used for %s %q at index %d, and this %s %q differs from it (op, key, value or expected value); a retry repeats its command exactly, a new command takes a new seq",
					ErrSeqReused, c.ClientID, c.Seq, last.result.Op, clipKey(last.result.Key), last.result.Index, c.Op, clipKey(c.Key))}
		}
		last.used = index
		s.sessions[c.ClientID] = last
		return last.result // a retry: answer it again, apply nothing
	}
	r := s.execute(index, c)
	s.sessions[c.ClientID] = session{seq: c.Seq, command: fingerprint, used: index, result: r}
	return r
}

// expired reports whether sess was idle for sessionExpiry entries at index.
func (s *Store) expired(sess session, index uint64) bool {
	return index-sess.used >= s.sessionExpiry
}

// maybeExpireSessions drops the expired sessions every sessionExpiry/8 entries,
// so the table holds only the clients of about the last sessionExpiry entries.
func (s *Store) maybeExpireSessions(index uint64) {
	if index < s.nextSweep {
		return
	}
	s.nextSweep = index + max(s.sessionExpiry/8, 1)
	for id, sess := range s.sessions {
		if s.expired(sess, index) {
			delete(s.sessions, id)
		}
	}
}

// Sessions is the number of client sessions the store remembers.
func (s *Store) Sessions() int { return len(s.sessions) }

// fingerprint identifies a command within its session: two commands with the
// same fingerprint are, for all practical purposes, the same command.
func (c Command) fingerprint() uint64 {
	return newHasher('c').byte(byte(c.Op)).str(c.Key).str(c.Value).str(c.Expected).sum()
}

// clipKey shortens a long key for an error message.
func clipKey(key string) string {
	if len(key) > 64 {
		return key[:64] + "..."
	}
	return key
}

// execute performs c on the data.
func (s *Store) execute(index uint64, c Command) Result {
	old, found := s.data[c.Key]
	r := Result{Index: index, Op: c.Op, Key: c.Key, Found: found, Value: old}
	switch c.Op {
	case OpPut:
		s.data[c.Key] = c.Value
		r.OK = true
	case OpGet:
		r.OK = found
	case OpDelete:
		delete(s.data, c.Key)
		r.OK = true
	case OpCAS:
		if found && old == c.Expected {
			s.data[c.Key] = c.Value
			r.OK = true
		}
	}
	return r
}

// Get returns the value of key. Use it for reads served locally after
// ReadIndex has confirmed the applied index is recent enough.
func (s *Store) Get(key string) (value string, ok bool) {
	value, ok = s.data[key]
	return value, ok
}

// AppliedIndex is the index of the last entry passed to Apply (0 at first).
func (s *Store) AppliedIndex() uint64 { return s.appliedIndex }

// Len is the number of keys.
func (s *Store) Len() int { return len(s.data) }

// Keys returns the keys in sorted order, for display.
func (s *Store) Keys() []string { return sortedKeys(s.data) }

// sortedKeys returns the keys of m in increasing order. It sorts with sort.Slice, not
// slices.Sorted: each element type of the generic sorts compiles to its own copy of
// pdqsort (10-25 kB of the playground's wasm each), sort.Slice is one for every type.
func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}

// Clone returns an independent copy of s (the playground keeps clones as
// checkpoints to rewind to).
func (s *Store) Clone() *Store {
	c := *s
	c.data, c.sessions = maps.Clone(s.data), maps.Clone(s.sessions)
	return &c
}

// Digest is a hash of the keys, values and the session table; the applied
// index is not included. It does not depend on map order or on the process,
// so replicas (even in different processes) can be compared by digest.
func (s *Store) Digest() uint64 {
	// Sum a strong hash per entry: addition does not care about order.
	var sum uint64
	for k, v := range s.data {
		sum += newHasher('d').str(k).str(v).sum()
	}
	for id, sess := range s.sessions {
		r := sess.result
		h := newHasher('s').u64(id).u64(sess.seq).u64(sess.command).u64(sess.used).u64(r.Index).u64(uint64(r.Op)).str(r.Key)
		h = h.flag(r.OK).flag(r.Found).str(r.Value).flag(r.Err != nil)
		if r.Err != nil {
			h = h.str(r.Err.Error())
		}
		sum += h.sum()
	}
	return sum
}

// hasher is 64-bit FNV-1a with length-prefixed fields, finished with the
// splitmix64 mixer so that summing hashes stays well spread.
type hasher uint64

func newHasher(tag byte) hasher { return hasher(14695981039346656037).byte(tag) }

func (h hasher) byte(b byte) hasher { return (h ^ hasher(b)) * 1099511628211 }

func (h hasher) u64(x uint64) hasher {
	for i := 0; i < 8; i++ {
		h = h.byte(byte(x >> (8 * i)))
	}
	return h
}

func (h hasher) str(s string) hasher {
	h = h.u64(uint64(len(s)))
	for i := 0; i < len(s); i++ {
		h = h.byte(s[i])
	}
	return h
}

func (h hasher) flag(b bool) hasher {
	if b {
		return h.byte(1)
	}
	return h.byte(0)
}

func (h hasher) sum() uint64 {
	x := uint64(h)
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
