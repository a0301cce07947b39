package kv

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The binary form of a whole store, as a Raft snapshot carries it (§7 of the Raft
// paper: the state machine's state after applying every entry up to an index):
//
//	magic         "KVSNAP"
//	version       1 byte (snapshotVersion)
//	appliedIndex  uvarint
//	sessionExpiry uvarint
//	nextSweep     uvarint
//	key count     uvarint, then per key in ascending order: key, value
//	session count uvarint, then per client in ascending id order:
//	              client id, seq, command fingerprint, last used index,
//	              result: index, op byte, key, flags byte (bit 0 OK, bit 1 Found), value
//
// Strings are a uvarint length and the bytes. Keys and sessions are sorted, so the same
// state always gives the same bytes, on every replica and in every process: two
// replicas' snapshots at one index can be compared byte for byte.
//
// The session table is part of the state (§6.3 of the Raft dissertation): a replica
// restored from a snapshot must answer a retried command as the others do, and expire
// the same sessions at the same log index (sessionExpiry and nextSweep come along).
// A session's result never holds an error: only commands that were executed are
// remembered.
const (
	snapshotMagic   = "KVSNAP"
	snapshotVersion = 1
)

// ErrSnapshot is wrapped by every error Restore returns.
var ErrSnapshot = errors.New("kv: restore snapshot")

// Snapshot returns the whole state of the store (data, sessions, applied index, and
// session expiry bookkeeping) in the deterministic form described above.
func (s *Store) Snapshot() ([]byte, error) {
	b := make([]byte, 0, 64+32*(len(s.data)+len(s.sessions)))
	b = append(b, snapshotMagic...)
	b = append(b, snapshotVersion)
	b = binary.AppendUvarint(b, s.appliedIndex)
	b = binary.AppendUvarint(b, s.sessionExpiry)
	b = binary.AppendUvarint(b, s.nextSweep)
	b = binary.AppendUvarint(b, uint64(len(s.data)))
	for _, k := range sortedKeys(s.data) {
		b = appendString(b, k)
		b = appendString(b, s.data[k])
	}
	b = binary.AppendUvarint(b, uint64(len(s.sessions)))
	for _, id := range sortedKeys(s.sessions) {
		sess := s.sessions[id]
		if sess.result.Err != nil {
			return nil, fmt.Errorf("kv: snapshot: session of client %d holds an error result (%v); only executed commands are remembered", id, sess.result.Err)
		}
		b = binary.AppendUvarint(b, id)
		b = binary.AppendUvarint(b, sess.seq)
		b = binary.AppendUvarint(b, sess.command)
		b = binary.AppendUvarint(b, sess.used)
		r := sess.result
		b = binary.AppendUvarint(b, r.Index)
		b = append(b, byte(r.Op))
		b = appendString(b, r.Key)
		var flags byte
		if r.OK {
			flags |= 1
		}
		if r.Found {
			flags |= 2
		}
		b = append(b, flags)
		b = appendString(b, r.Value)
	}
	return b, nil
}

// Restore replaces the whole state of the store with a snapshot made by Snapshot. On
// any error (bytes that are not such a snapshot, or one made with another session
// expiry than this store's: every replica must use the same) it returns an error
// wrapping ErrSnapshot that names the problem and its offset, and changes nothing.
func (s *Store) Restore(b []byte) error {
	d := snapshotDecoder{b: b}
	if len(b) < len(snapshotMagic) || string(b[:len(snapshotMagic)]) != snapshotMagic {
		return fmt.Errorf("%w: the bytes do not start with %q: not a kv snapshot", ErrSnapshot, snapshotMagic)
	}
	d.off = len(snapshotMagic)
	if v := d.byte("version"); d.err == nil && v != snapshotVersion {
		d.fail("unsupported version %d at offset %d", v, d.off-1)
	}
	applied := d.uvarint("applied index")
	expiry := d.uvarint("session expiry")
	nextSweep := d.uvarint("next sweep")
	if d.err == nil && expiry != s.sessionExpiry {
		d.fail("session expiry %d differs from this store's %d; every replica must use the same", expiry, s.sessionExpiry)
	}
	keys := d.count("key count", 2)
	data := make(map[string]string, keys)
	prev := ""
	for i := range keys {
		at := d.off
		k, v := d.str("key"), d.str("value")
		if d.err == nil && i > 0 && k <= prev {
			d.fail("key at offset %d is not above the key before it: keys must be sorted and distinct", at)
		}
		data[k], prev = v, k
	}
	count := d.count("session count", 9)
	sessions := make(map[uint64]session, count)
	var prevID uint64
	for i := range count {
		at := d.off
		id := d.uvarint("client id")
		sess := session{seq: d.uvarint("seq"), command: d.uvarint("command fingerprint"), used: d.uvarint("last used index")}
		sess.result.Index = d.uvarint("result index")
		opAt := d.off
		sess.result.Op = Op(d.byte("result op"))
		sess.result.Key = d.str("result key")
		flags := d.byte("result flags")
		sess.result.Value = d.str("result value")
		switch {
		case d.err != nil:
		case id == 0 || (i > 0 && id <= prevID):
			d.fail("client id %d at offset %d: ids must be nonzero, sorted and distinct", id, at)
		case !sess.result.Op.valid():
			d.fail("result op %d at offset %d is not an operation", sess.result.Op, opAt)
		case flags&^3 != 0:
			d.fail("result flags 0x%02x have unknown bits set", flags)
		case sess.used > applied || sess.result.Index > sess.used:
			d.fail("session of client %d used at index %d (result at %d), beyond the applied index %d", id, sess.used, sess.result.Index, applied)
		}
		sess.result.OK, sess.result.Found = flags&1 != 0, flags&2 != 0
		sessions[id], prevID = sess, id
	}
	if d.err == nil && d.off != len(b) {
		d.fail("%d trailing bytes at offset %d", len(b)-d.off, d.off)
	}
	if d.err != nil {
		return d.err
	}
	s.data, s.sessions = data, sessions
	s.appliedIndex, s.nextSweep = applied, nextSweep
	return nil
}

// snapshotDecoder reads a snapshot's fields; the first failure sticks in err, and
// later reads return zero values.
type snapshotDecoder struct {
	b   []byte
	off int
	err error
}

func (d *snapshotDecoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", ErrSnapshot, fmt.Sprintf(format, args...))
	}
}

func (d *snapshotDecoder) byte(field string) byte {
	if d.err != nil {
		return 0
	}
	if d.off >= len(d.b) {
		d.fail("%s: input ends at offset %d", field, d.off)
		return 0
	}
	d.off++
	return d.b[d.off-1]
}

func (d *snapshotDecoder) uvarint(field string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.off:])
	switch {
	case n == 0:
		d.fail("%s: input ends at offset %d", field, d.off)
		return 0
	case n < 0:
		d.fail("%s: uvarint overflows 64 bits at offset %d", field, d.off)
		return 0
	case n != uvarintLen(v):
		// One state, one form: padded varints would give two snapshots of one state.
		d.fail("%s: uvarint at offset %d is not in its shortest form", field, d.off)
		return 0
	}
	d.off += n
	return v
}

// count reads a count of items that take at least minSize bytes each, checked against
// the bytes that remain before anything is allocated.
func (d *snapshotDecoder) count(field string, minSize int) int {
	if d.err != nil {
		return 0
	}
	at := d.off
	n := d.uvarint(field)
	if d.err == nil && n > uint64(len(d.b)-d.off)/uint64(minSize) {
		d.fail("%s %d at offset %d exceeds what the remaining %d bytes can hold", field, n, at, len(d.b)-d.off)
	}
	if d.err != nil {
		return 0
	}
	return int(n)
}

func (d *snapshotDecoder) str(field string) string {
	at := d.off
	n := d.uvarint(field + " length")
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.b)-d.off) {
		d.fail("%s length %d at offset %d exceeds the remaining %d bytes", field, n, at, len(d.b)-d.off)
		return ""
	}
	v := string(d.b[d.off : d.off+int(n)])
	d.off += int(n)
	return v
}
