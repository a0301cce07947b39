package kv

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The binary form of a command, as stored in a Raft log entry:
//
//	header   1 byte: encodingVersion<<4 | op
//	clientID uvarint
//	seq      uvarint
//	key      uvarint length, then the bytes
//	expected uvarint length, then the bytes (CAS only)
//	value    uvarint length, then the bytes (PUT and CAS only)
//
// Example: PUT x=3 from client 7, seq 2 is the 7 bytes 11 07 02 01 78 01 33
// (header, client, seq, key length, 'x', value length, '3').
const encodingVersion = 1

// ErrDecode is wrapped by every error [Decode] returns.
var ErrDecode = errors.New("kv: decode command")

// Marshal returns the binary form of c. It does not validate c: a command
// that breaks the rules on [Command] encodes, but [Decode] refuses it.
func (c Command) Marshal() []byte {
	return c.AppendBinary(make([]byte, 0, c.encodedLen()))
}

// AppendBinary appends the binary form of c to b and returns the extended
// slice. With enough capacity in b it does not allocate.
func (c Command) AppendBinary(b []byte) []byte {
	op := byte(c.Op)
	if op > 0x0f {
		op = byte(OpNone) // keep an out-of-range op from aliasing a real one
	}
	b = append(b, encodingVersion<<4|op)
	b = binary.AppendUvarint(b, c.ClientID)
	b = binary.AppendUvarint(b, c.Seq)
	b = appendString(b, c.Key)
	if c.Op == OpCAS {
		b = appendString(b, c.Expected)
	}
	if c.Op.writesValue() {
		b = appendString(b, c.Value)
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// encodedLen is the exact size of c's binary form.
func (c Command) encodedLen() int {
	n := 1 + uvarintLen(c.ClientID) + uvarintLen(c.Seq) + uvarintLen(uint64(len(c.Key))) + len(c.Key)
	if c.Op == OpCAS {
		n += uvarintLen(uint64(len(c.Expected))) + len(c.Expected)
	}
	if c.Op.writesValue() {
		n += uvarintLen(uint64(len(c.Value))) + len(c.Value)
	}
	return n
}

func uvarintLen(x uint64) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}

// Decode parses the binary form of a command. It returns an error wrapping
// [ErrDecode] that names the problem for anything [Command.Marshal] would not
// produce from a valid command: an unknown version or op, a truncated field, a
// length larger than the bytes that remain or than the limits (MaxKeyLen,
// MaxValueLen), an empty key, seq 0 with a client id, or trailing bytes.
// The strings of the result share one allocation of at most len(b) bytes.
func Decode(b []byte) (Command, error) {
	if len(b) == 0 {
		return Command{}, fmt.Errorf("%w: empty input", ErrDecode)
	}
	var c Command
	if version := b[0] >> 4; version != encodingVersion {
		return Command{}, fmt.Errorf("%w: unsupported encoding version %d (want %d)", ErrDecode, version, encodingVersion)
	}
	c.Op = Op(b[0] & 0x0f)
	if !c.Op.valid() {
		return Command{}, fmt.Errorf("%w: unknown op %d", ErrDecode, uint8(c.Op))
	}
	d := decoder{buf: b, pos: 1}
	var err error
	if c.ClientID, err = d.uvarint("client id", ""); err != nil {
		return Command{}, err
	}
	if c.Seq, err = d.uvarint("seq", ""); err != nil {
		return Command{}, err
	}
	if c.ClientID != 0 && c.Seq == 0 {
		return Command{}, fmt.Errorf("%w: %s from client %d has seq 0", ErrDecode, c.Op, c.ClientID)
	}

	// Find the strings' positions first, then copy the tail once.
	tail := d.pos
	key, err := d.span("key", MaxKeyLen)
	if err != nil {
		return Command{}, err
	}
	if key.end == key.start {
		return Command{}, fmt.Errorf("%w: %s has an empty key", ErrDecode, c.Op)
	}
	var expected, value span
	if c.Op == OpCAS {
		if expected, err = d.span("expected value", MaxValueLen); err != nil {
			return Command{}, err
		}
	}
	if c.Op.writesValue() {
		if value, err = d.span("value", MaxValueLen); err != nil {
			return Command{}, err
		}
	}
	if extra := len(b) - d.pos; extra > 0 {
		return Command{}, fmt.Errorf("%w: %d trailing bytes after %s command", ErrDecode, extra, c.Op)
	}
	strs := string(b[tail:])
	c.Key = key.of(strs, tail)
	c.Expected = expected.of(strs, tail)
	c.Value = value.of(strs, tail)
	return c, nil
}

// decoder reads fields from buf, starting at pos.
type decoder struct {
	buf []byte
	pos int
}

// span is the byte range [start, end) of a string field in the input.
type span struct{ start, end int }

// of returns the span's text from strs, a copy of the input from offset on.
func (s span) of(strs string, offset int) string {
	if s.end == s.start {
		return ""
	}
	return strs[s.start-offset : s.end-offset]
}

// uvarint reads the uvarint field named field (plus suffix, kept apart so
// that the name is only built for an error).
func (d *decoder) uvarint(field, suffix string) (uint64, error) {
	x, n := binary.Uvarint(d.buf[d.pos:])
	if n <= 0 {
		return 0, fmt.Errorf("%w: %s%s: truncated or overlong uvarint at byte %d", ErrDecode, field, suffix, d.pos)
	}
	d.pos += n
	return x, nil
}

// span reads a length-prefixed string field of at most limit bytes.
func (d *decoder) span(field string, limit int) (span, error) {
	n, err := d.uvarint(field, " length")
	if err != nil {
		return span{}, err
	}
	remaining := len(d.buf) - d.pos
	if n > uint64(remaining) {
		return span{}, fmt.Errorf("%w: %s length %d exceeds remaining %d bytes", ErrDecode, field, n, remaining)
	}
	if n > uint64(limit) {
		return span{}, fmt.Errorf("%w: %s length %d exceeds max %d", ErrDecode, field, n, limit)
	}
	s := span{start: d.pos, end: d.pos + int(n)}
	d.pos = s.end
	return s, nil
}
