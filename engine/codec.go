package engine

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"slices"
)

// The binary wire format, used by the TCP transport and the file store. Integers are
// unsigned varints (encoding/binary's Uvarint); byte strings are a uvarint length and
// the bytes.
//
//	Message   version byte (2), type byte (MsgVote..MsgSnapResp),
//	          From, To, Term, Index, LogTerm, Commit,
//	          flags byte (bit 0: Reject, bit 1: Restarted, bit 2: Recovering,
//	          bit 3: Tail, bit 4: Done; the other bits must be 0),
//	          RejectHint, ReadID,
//	          entry count, then that many Entries,
//	          then for InstallSnapshot and its reply only:
//	          Offset, ConfState, Data
//	Snapshot  Index, Term, ConfState, Data (SnapshotMeta then the bytes; AppendSnapshot)
//	Entry     Index, Term, type byte (EntryType), Command, Context (at least 5 bytes)
//	HardState Term, VotedFor, Commit
//	ConfState voter count, voter ids, learner count, learner ids, outgoing voter
//	          count, outgoing voter ids, context count, then per context its member
//	          id and its bytes
//
// Format 1, before membership changes (§6), had no entry type byte (every entry was a
// normal one) and a ConfState of the voters only (count and ids). Messages of version 1
// are still decoded, and the Legacy decoders read that form where a store kept it.
//
// Decoders check every length and count against the bytes that remain before they
// allocate, so a corrupt or hostile length costs an error, not memory. A nil or empty
// byte string decodes as nil, as does an empty list.
//
// Decoded Command and Context bytes alias the input (each capped to its own length, so
// appending to one cannot overwrite its neighbour): decoding copies no payload, and a
// message of 64 entries costs one allocation. Do not reuse the input buffer while
// anything decoded from it is in use; a transport reads each frame into a fresh buffer.

// wireVersion is the format version byte that leads an encoded Message; version
// wireLegacyVersion (untyped entries, voters-only ConfState) is still decoded.
const (
	wireVersion       = 2
	wireLegacyVersion = 1
)

// wireMinEntrySize is the fewest bytes an encoded entry takes: four one-byte uvarints
// and the type byte (one less in the legacy form).
const wireMinEntrySize = 5

// The flags bits of Message's booleans.
const (
	wireReject     = 1 << 0
	wireRestarted  = 1 << 1
	wireRecovering = 1 << 2
	wireTail       = 1 << 3
	wireDone       = 1 << 4
	wireFlags      = wireReject | wireRestarted | wireRecovering | wireTail | wireDone
)

// ErrTruncatedInput is matched (with errors.Is) by decode errors caused by input that
// ends before the value it announces, as a torn write at the end of a file does.
var ErrTruncatedInput = errors.New("input ends early")

// wireError is a decode error: its text names the value, the field and the offset.
type wireError struct {
	msg       string
	truncated bool
}

func (e *wireError) Error() string { return e.msg }

// Is makes errors.Is(err, ErrTruncatedInput) true for input that ends early.
func (e *wireError) Is(target error) bool { return e.truncated && target == ErrTruncatedInput }

// MarshalAppend appends the encoding of m to b and returns the extended slice. It grows
// b at most once, so encoding into a reused buffer does not allocate. It does not
// validate m: a message of an unknown type encodes, and UnmarshalMessage rejects it.
func (m *Message) MarshalAppend(b []byte) []byte {
	b = slices.Grow(b, m.wireSize())
	b = append(b, wireVersion, byte(m.Type))
	b = binary.AppendUvarint(b, m.From)
	b = binary.AppendUvarint(b, m.To)
	b = binary.AppendUvarint(b, m.Term)
	b = binary.AppendUvarint(b, m.Index)
	b = binary.AppendUvarint(b, m.LogTerm)
	b = binary.AppendUvarint(b, m.Commit)
	var flags byte
	if m.Reject {
		flags |= wireReject
	}
	if m.Restarted {
		flags |= wireRestarted
	}
	if m.Recovering {
		flags |= wireRecovering
	}
	if m.Tail {
		flags |= wireTail
	}
	if m.Done {
		flags |= wireDone
	}
	b = append(b, flags)
	b = binary.AppendUvarint(b, m.RejectHint)
	b = binary.AppendUvarint(b, m.ReadID)
	b = binary.AppendUvarint(b, uint64(len(m.Entries)))
	for i := range m.Entries {
		b = AppendEntry(b, &m.Entries[i])
	}
	if m.Type.isSnapshot() {
		b = binary.AppendUvarint(b, m.Offset)
		b = AppendConfState(b, m.Conf)
		b = binary.AppendUvarint(b, uint64(len(m.Data)))
		b = append(b, m.Data...)
	}
	return b
}

// isSnapshot reports whether messages of type t carry the InstallSnapshot fields.
func (t MessageType) isSnapshot() bool { return t == MsgSnap || t == MsgSnapResp }

// wireSize is the length of m's encoding.
func (m *Message) wireSize() int {
	n := 3 + uvarintSize(m.From) + uvarintSize(m.To) + uvarintSize(m.Term) +
		uvarintSize(m.Index) + uvarintSize(m.LogTerm) + uvarintSize(m.Commit) +
		uvarintSize(m.RejectHint) + uvarintSize(m.ReadID) + uvarintSize(uint64(len(m.Entries)))
	for i := range m.Entries {
		e := &m.Entries[i]
		n += uvarintSize(e.Index) + uvarintSize(e.Term) + 1 +
			uvarintSize(uint64(len(e.Command))) + len(e.Command) +
			uvarintSize(uint64(len(e.Context))) + len(e.Context)
	}
	if m.Type.isSnapshot() {
		n += uvarintSize(m.Offset) + confStateSize(m.Conf) + uvarintSize(uint64(len(m.Data))) + len(m.Data)
	}
	return n
}

// uvarintSize is the length of x encoded as a uvarint.
func uvarintSize(x uint64) int { return (bits.Len64(x|1) + 6) / 7 }

// UnmarshalMessage decodes a message encoded by MarshalAppend; b must hold exactly one.
// The entries' Command and Context alias b (see the format notes above). On error it
// returns the zero Message and an error naming the field and its offset in b.
func UnmarshalMessage(b []byte) (Message, error) {
	d := wireDecoder{b: b, what: "message", entry: -1}
	var m Message
	version := d.readByte("format version")
	if d.err == nil && version != wireVersion && version != wireLegacyVersion {
		d.fail(false, "unsupported format version %d at offset 0 (this build reads %d and %d)", version, wireLegacyVersion, wireVersion)
	}
	d.legacy = version == wireLegacyVersion
	m.Type = MessageType(d.readByte("type"))
	if d.err == nil && (m.Type == MsgInvalid || m.Type >= msgTypeCount) {
		d.fail(false, "unknown message type %d at offset 1", uint8(m.Type))
	}
	m.From = d.readUvarint("from")
	m.To = d.readUvarint("to")
	m.Term = d.readUvarint("term")
	m.Index = d.readUvarint("index")
	m.LogTerm = d.readUvarint("log term")
	m.Commit = d.readUvarint("commit")
	flagsAt := d.off
	flags := d.readByte("flags")
	if d.err == nil && flags&^wireFlags != 0 {
		d.fail(false, "flags 0x%02x have unknown bits set at offset %d", flags, flagsAt)
	}
	m.Reject = flags&wireReject != 0
	m.Restarted = flags&wireRestarted != 0
	m.Recovering = flags&wireRecovering != 0
	m.Tail = flags&wireTail != 0
	m.Done = flags&wireDone != 0
	m.RejectHint = d.readUvarint("reject hint")
	m.ReadID = d.readUvarint("read id")
	countAt := d.off
	count := d.readUvarint("entries count")
	if d.err == nil && count > uint64(len(b)-d.off)/d.minEntrySize() {
		d.fail(true, "entries count %d exceeds remaining %d bytes at offset %d", count, len(b)-d.off, countAt)
	}
	if d.err == nil && count > 0 {
		m.Entries = make([]Entry, count)
		for i := 0; i < len(m.Entries) && d.err == nil; i++ {
			d.entry = i
			d.readEntry(&m.Entries[i])
		}
		d.entry = -1
	}
	if m.Type.isSnapshot() {
		m.Offset = d.readUvarint("offset")
		m.Conf = d.readConfState()
		m.Data = d.readBytes("data length")
	}
	if d.err == nil && d.off != len(b) {
		d.fail(false, "%d trailing bytes at offset %d", len(b)-d.off, d.off)
	}
	if d.err != nil {
		return Message{}, d.err
	}
	return m, nil
}

// AppendEntry appends the encoding of e to b and returns the extended slice.
func AppendEntry(b []byte, e *Entry) []byte {
	b = binary.AppendUvarint(b, e.Index)
	b = binary.AppendUvarint(b, e.Term)
	b = append(b, byte(e.Type))
	b = binary.AppendUvarint(b, uint64(len(e.Command)))
	b = append(b, e.Command...)
	b = binary.AppendUvarint(b, uint64(len(e.Context)))
	return append(b, e.Context...)
}

// DecodeEntry decodes the entry at the start of b and returns it with the number of
// bytes it took; the bytes after it are left alone. Command and Context alias b.
func DecodeEntry(b []byte) (Entry, int, error) {
	return decodeEntry(b, false)
}

// DecodeEntryLegacy decodes an entry of format 1, written before entries had a type
// (see the format notes): it is an EntryNormal.
func DecodeEntryLegacy(b []byte) (Entry, int, error) {
	return decodeEntry(b, true)
}

func decodeEntry(b []byte, legacy bool) (Entry, int, error) {
	d := wireDecoder{b: b, what: "entry", entry: -1, legacy: legacy}
	var e Entry
	d.readEntry(&e)
	if d.err != nil {
		return Entry{}, 0, d.err
	}
	return e, d.off, nil
}

// AppendHardState appends the encoding of hs to b and returns the extended slice.
func AppendHardState(b []byte, hs HardState) []byte {
	b = binary.AppendUvarint(b, hs.Term)
	b = binary.AppendUvarint(b, hs.VotedFor)
	return binary.AppendUvarint(b, hs.Commit)
}

// DecodeHardState decodes the HardState at the start of b and returns it with the
// number of bytes it took.
func DecodeHardState(b []byte) (HardState, int, error) {
	d := wireDecoder{b: b, what: "hard state", entry: -1}
	hs := HardState{Term: d.readUvarint("term"), VotedFor: d.readUvarint("voted for"), Commit: d.readUvarint("commit")}
	if d.err != nil {
		return HardState{}, 0, d.err
	}
	return hs, d.off, nil
}

// AppendConfState appends the encoding of cs to b and returns the extended slice.
func AppendConfState(b []byte, cs ConfState) []byte {
	for _, ids := range [][]uint64{cs.Voters, cs.Learners, cs.VotersOutgoing} {
		b = binary.AppendUvarint(b, uint64(len(ids)))
		for _, id := range ids {
			b = binary.AppendUvarint(b, id)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(cs.Contexts)))
	for _, c := range cs.Contexts {
		b = binary.AppendUvarint(b, c.ID)
		b = binary.AppendUvarint(b, uint64(len(c.Context)))
		b = append(b, c.Context...)
	}
	return b
}

// confStateSize is the length of cs's encoding.
func confStateSize(cs ConfState) int {
	n := 0
	for _, ids := range [][]uint64{cs.Voters, cs.Learners, cs.VotersOutgoing} {
		n += uvarintSize(uint64(len(ids)))
		for _, id := range ids {
			n += uvarintSize(id)
		}
	}
	n += uvarintSize(uint64(len(cs.Contexts)))
	for _, c := range cs.Contexts {
		n += uvarintSize(c.ID) + uvarintSize(uint64(len(c.Context))) + len(c.Context)
	}
	return n
}

// DecodeConfState decodes the ConfState at the start of b and returns it with the
// number of bytes it took. The id lists are fresh slices; context bytes alias b. It
// checks the encoding, not the configuration's rules (ConfState.Validate does).
func DecodeConfState(b []byte) (ConfState, int, error) {
	return decodeConfState(b, false)
}

// DecodeConfStateLegacy decodes a ConfState of format 1, the voters only (see the
// format notes), as state files of version 3 and older and snapshot files of version 1
// hold it.
func DecodeConfStateLegacy(b []byte) (ConfState, int, error) {
	return decodeConfState(b, true)
}

func decodeConfState(b []byte, legacy bool) (ConfState, int, error) {
	d := wireDecoder{b: b, what: "conf state", entry: -1, legacy: legacy}
	cs := d.readConfState()
	if d.err != nil {
		return ConfState{}, 0, d.err
	}
	return cs, d.off, nil
}

// readConfState reads a ConfState in the decoder's format.
func (d *wireDecoder) readConfState() ConfState {
	var cs ConfState
	cs.Voters = d.readIDs("voters")
	if d.legacy {
		return cs
	}
	cs.Learners = d.readIDs("learners")
	cs.VotersOutgoing = d.readIDs("outgoing voters")
	at := d.off
	count := d.readUvarint("contexts count")
	if d.err == nil && count > uint64(len(d.b)-d.off)/2 { // each context takes at least two bytes
		d.fail(true, "contexts count %d exceeds remaining %d bytes at offset %d", count, len(d.b)-d.off, at)
	}
	if d.err != nil || count == 0 {
		return cs
	}
	cs.Contexts = make([]MemberContext, count)
	for i := range cs.Contexts {
		cs.Contexts[i].ID = d.readUvarint("context member")
		cs.Contexts[i].Context = d.readBytes("context length")
	}
	return cs
}

// readIDs reads a count and that many ids into a fresh slice (nil if none); what
// names the list ("voters").
func (d *wireDecoder) readIDs(what string) []uint64 {
	at := d.off
	count := d.readUvarint(what + " count")
	if d.err == nil && count > uint64(len(d.b)-d.off) { // each id takes at least a byte
		d.fail(true, "%s count %d exceeds remaining %d bytes at offset %d", what, count, len(d.b)-d.off, at)
	}
	if d.err != nil || count == 0 {
		return nil
	}
	ids := make([]uint64, count)
	for i := range ids {
		ids[i] = d.readUvarint(what[:len(what)-1])
	}
	return ids
}

// AppendSnapshot appends the encoding of snap to b and returns the extended slice: the
// form in which a store may keep a snapshot.
func AppendSnapshot(b []byte, snap *Snapshot) []byte {
	b = binary.AppendUvarint(b, snap.Meta.Index)
	b = binary.AppendUvarint(b, snap.Meta.Term)
	b = AppendConfState(b, snap.Meta.ConfState)
	b = binary.AppendUvarint(b, uint64(len(snap.Data)))
	return append(b, snap.Data...)
}

// DecodeSnapshot decodes the Snapshot at the start of b and returns it with the number
// of bytes it took. Data and context bytes alias b; the id lists are fresh slices.
func DecodeSnapshot(b []byte) (Snapshot, int, error) {
	return decodeSnapshot(b, false)
}

// DecodeSnapshotLegacy decodes a Snapshot of format 1, whose ConfState holds the voters
// only (see the format notes), as snapshot files of version 1 hold it.
func DecodeSnapshotLegacy(b []byte) (Snapshot, int, error) {
	return decodeSnapshot(b, true)
}

func decodeSnapshot(b []byte, legacy bool) (Snapshot, int, error) {
	d := wireDecoder{b: b, what: "snapshot", entry: -1, legacy: legacy}
	var snap Snapshot
	snap.Meta.Index = d.readUvarint("index")
	snap.Meta.Term = d.readUvarint("term")
	snap.Meta.ConfState = d.readConfState()
	snap.Data = d.readBytes("data length")
	if d.err != nil {
		return Snapshot{}, 0, d.err
	}
	return snap, d.off, nil
}

// wireDecoder reads the fields of one value from b. The first failure sticks in err;
// later reads return zero values, so a decoder checks err once at the end.
type wireDecoder struct {
	b     []byte
	off   int    // offset of the next unread byte
	what  string // the value being decoded, for errors: "message", "entry", ...
	entry int    // position of the entry being decoded within a message, or -1
	// legacy: the input is of format 1 (no entry types, voters-only ConfState).
	legacy bool
	err    error
}

// minEntrySize is the fewest bytes an entry takes in the decoder's format.
func (d *wireDecoder) minEntrySize() uint64 {
	if d.legacy {
		return wireMinEntrySize - 1
	}
	return wireMinEntrySize
}

// fail records the first error, prefixed with what is being decoded.
func (d *wireDecoder) fail(truncated bool, format string, args ...any) {
	if d.err != nil {
		return
	}
	detail := fmt.Sprintf(format, args...)
	if d.entry >= 0 {
		detail = fmt.Sprintf("entry %d: %s", d.entry, detail)
	}
	d.err = &wireError{msg: "engine: decode " + d.what + ": " + detail, truncated: truncated}
}

func (d *wireDecoder) readByte(field string) byte {
	if d.err != nil {
		return 0
	}
	if d.off >= len(d.b) {
		d.fail(true, "%s: input ends at offset %d", field, d.off)
		return 0
	}
	v := d.b[d.off]
	d.off++
	return v
}

func (d *wireDecoder) readUvarint(field string) uint64 {
	if d.err != nil {
		return 0
	}
	if d.off < len(d.b) && d.b[d.off] < 0x80 { // one byte: the common case
		v := uint64(d.b[d.off])
		d.off++
		return v
	}
	v, n := binary.Uvarint(d.b[d.off:])
	switch {
	case n == 0:
		d.fail(true, "%s: input ends at offset %d", field, d.off)
		return 0
	case n < 0:
		d.fail(false, "%s: uvarint overflows 64 bits at offset %d", field, d.off)
		return 0
	}
	d.off += n
	return v
}

// readBytes reads a length-prefixed byte string; lengthField names the length ("command
// length"). The result aliases the input, capped to its length; empty is nil.
func (d *wireDecoder) readBytes(lengthField string) []byte {
	at := d.off
	n := d.readUvarint(lengthField)
	if d.err != nil || n == 0 {
		return nil
	}
	if remaining := uint64(len(d.b) - d.off); n > remaining {
		d.fail(true, "%s %d exceeds remaining %d bytes at offset %d", lengthField, n, remaining, at)
		return nil
	}
	end := d.off + int(n)
	v := d.b[d.off:end:end]
	d.off = end
	return v
}

func (d *wireDecoder) readEntry(e *Entry) {
	e.Index = d.readUvarint("index")
	e.Term = d.readUvarint("term")
	if !d.legacy {
		at := d.off
		e.Type = EntryType(d.readByte("entry type"))
		if d.err == nil && e.Type >= entryTypeCount {
			d.fail(false, "unknown entry type %d at offset %d", uint8(e.Type), at)
		}
	}
	e.Command = d.readBytes("command length")
	e.Context = d.readBytes("context length")
}
