package node

import (
	"bufio"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/raftplay/raftplay/engine"
)

// The peer-to-peer wire format. A connection carries one direction of traffic: the
// dialing peer writes, the accepting peer reads. It starts with one handshake and
// continues with frames until either side closes it. Integers are big-endian.
//
//	handshake  magic "RPLY" (4 bytes), version (1 byte, 2),
//	           sender id (8), recipient id (8), cluster id (8),
//	           token length (2, at most MaxTokenLen), token bytes,
//	           address length (1), the sender's Raft address (HOST:PORT, may be empty)
//
// Version 2 added the sender's Raft address: a node that joins a cluster knows no
// member until it learns the configuration, and answers the leader that adds it at
// the address the leader declared. A version 1 handshake (without it) is still read,
// as are format 1 messages; this node writes only version 2, which a version 1 node
// refuses, so between the two versions messages flow one way only (a partition, as
// far as Raft is concerned). Another version is refused with an error naming it.
//	frame      length (4, 1..MaxFrameSize), then that many bytes: one
//	           engine.Message encoded by Message.MarshalAppend
//
// The handshake is checked field by field before anything else is read, so a client
// that is not a raftplay peer (an HTTP request sent to the Raft port, say) is refused
// on its first bytes. The token travels in the clear: it keeps nodes of different
// clusters, and casual visitors, apart; it does not protect against an eavesdropper.
// Use a private network or a tunnel between machines you do not trust the path to.

const (
	// MaxFrameSize is the largest frame payload a peer accepts: 64 MiB. The engine's
	// AppendEntries are bounded by MaxSizePerMsg (1 MiB of commands, at least one entry,
	// and a kv command is at most about 2 MiB), so a larger length field means a broken
	// or hostile sender; the connection is closed.
	MaxFrameSize = 64 << 20
	// MaxTokenLen is the longest cluster token, in bytes.
	MaxTokenLen = 1024

	// wireMagic opens every handshake.
	wireMagic = "RPLY"
	// wireVersion is the handshake and framing version this package speaks;
	// wireVersionNoAddr, the one before it, is still accepted.
	wireVersion       = 2
	wireVersionNoAddr = 1
	// handshakeFixedLen is the handshake without its token bytes.
	handshakeFixedLen = 4 + 1 + 8 + 8 + 8 + 2
	// frameHeaderLen is the length prefix of a frame.
	frameHeaderLen = 4
	// frameReadChunk is how much of a frame is allocated before its bytes arrive: a
	// length field alone never costs more memory than this, the rest grows with the
	// bytes actually received.
	frameReadChunk = 1 << 20
)

// frameError is a frame that breaks the format: empty, larger than MaxFrameSize, or not
// a message. The connection that carried it is closed. Errors of the connection itself
// (a reset, an early end) are not frameErrors.
type frameError struct{ err error }

func (e *frameError) Error() string { return e.err.Error() }
func (e *frameError) Unwrap() error { return e.err }

func badFrame(format string, args ...any) error {
	return &frameError{err: fmt.Errorf(format, args...)}
}

// handshake is the first thing a dialing peer sends on a connection.
type handshake struct {
	From      uint64 // the sender's peer id
	To        uint64 // the peer id the sender believes it dialed
	ClusterID uint64 // the Raft cluster both belong to
	Token     []byte // the cluster token, empty when none is set
	Addr      string // the sender's Raft address, as it is configured ("" when unknown)
}

// appendHandshake appends the encoding of h to b. The token must be at most
// MaxTokenLen bytes (Config.Validate checks it).
func appendHandshake(b []byte, h handshake) []byte {
	b = append(b, wireMagic...)
	b = append(b, wireVersion)
	b = binary.BigEndian.AppendUint64(b, h.From)
	b = binary.BigEndian.AppendUint64(b, h.To)
	b = binary.BigEndian.AppendUint64(b, h.ClusterID)
	b = binary.BigEndian.AppendUint16(b, uint16(len(h.Token)))
	b = append(b, h.Token...)
	addr := h.Addr
	if len(addr) > maxMemberAddrLen {
		addr = "" // Config.validate refuses such an address; never a truncated one
	}
	b = append(b, byte(len(addr)))
	return append(b, addr...)
}

// readHandshake reads and decodes one handshake from r. It checks the magic and the
// version before it trusts any other byte.
func readHandshake(r io.Reader) (handshake, error) {
	var fixed [handshakeFixedLen]byte
	// Magic and version first: a stranger that sends a few bytes and waits (an HTTP
	// client at the wrong port) is refused at once, not at the handshake timeout.
	if n, err := io.ReadFull(r, fixed[:5]); err != nil {
		return handshake{}, fmt.Errorf("read handshake: got %d of %d bytes: %w", n, handshakeFixedLen, err)
	}
	if string(fixed[:4]) != wireMagic {
		return handshake{}, fmt.Errorf("read handshake: bad magic %q, want %q: not a raftplay peer", fixed[:4], wireMagic)
	}
	version := fixed[4]
	if version != wireVersion && version != wireVersionNoAddr {
		return handshake{}, fmt.Errorf("read handshake: unsupported version %d: this node speaks wire version %d and also reads version %d", version, wireVersion, wireVersionNoAddr)
	}
	if n, err := io.ReadFull(r, fixed[5:]); err != nil {
		return handshake{}, fmt.Errorf("read handshake: got %d of %d bytes: %w", 5+n, handshakeFixedLen, err)
	}
	h := handshake{
		From:      binary.BigEndian.Uint64(fixed[5:]),
		To:        binary.BigEndian.Uint64(fixed[13:]),
		ClusterID: binary.BigEndian.Uint64(fixed[21:]),
	}
	tokenLen := int(binary.BigEndian.Uint16(fixed[29:]))
	if tokenLen > MaxTokenLen {
		return handshake{}, fmt.Errorf("read handshake: token length %d exceeds the limit of %d bytes", tokenLen, MaxTokenLen)
	}
	if tokenLen > 0 {
		h.Token = make([]byte, tokenLen)
		if n, err := io.ReadFull(r, h.Token); err != nil {
			return handshake{}, fmt.Errorf("read handshake: got %d of %d token bytes: %w", n, tokenLen, err)
		}
	}
	if version == wireVersionNoAddr {
		return h, nil
	}
	var addrLen [1]byte
	if _, err := io.ReadFull(r, addrLen[:]); err != nil {
		return handshake{}, fmt.Errorf("read handshake: no address length: %w", err)
	}
	if addrLen[0] > 0 {
		addr := make([]byte, addrLen[0])
		if n, err := io.ReadFull(r, addr); err != nil {
			return handshake{}, fmt.Errorf("read handshake: got %d of %d address bytes: %w", n, addrLen[0], err)
		}
		h.Addr = string(addr)
	}
	return h, nil
}

// tokenDigest is what tokens are compared by: comparing fixed-size digests in constant
// time reveals neither the token's bytes nor its length through timing.
func tokenDigest(token []byte) [sha256.Size]byte { return sha256.Sum256(token) }

// tokenMatches reports whether got is the token whose digest is want.
func tokenMatches(want [sha256.Size]byte, got []byte) bool {
	d := tokenDigest(got)
	return subtle.ConstantTimeCompare(want[:], d[:]) == 1
}

// appendFrame appends one frame holding m to b.
func appendFrame(b []byte, m *engine.Message) []byte {
	at := len(b)
	b = append(b, 0, 0, 0, 0)
	b = m.MarshalAppend(b)
	binary.BigEndian.PutUint32(b[at:], uint32(len(b)-at-frameHeaderLen))
	return b
}

// readFrame reads one frame from r and returns its payload in a fresh buffer, which
// nothing else refers to: messages decoded from it alias it (engine.UnmarshalMessage),
// so it must never be reused. At a clean end of stream it returns io.EOF.
func readFrame(r *bufio.Reader) ([]byte, error) {
	hdr, err := r.Peek(frameHeaderLen)
	if err != nil {
		if errors.Is(err, io.EOF) && len(hdr) > 0 {
			err = io.ErrUnexpectedEOF
		}
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("read frame header: %w", err)
	}
	n := binary.BigEndian.Uint32(hdr)
	if _, err := r.Discard(frameHeaderLen); err != nil {
		return nil, fmt.Errorf("read frame header: %w", err)
	}
	switch {
	case n == 0:
		return nil, badFrame("read frame: empty frame (length 0)")
	case n > MaxFrameSize:
		return nil, badFrame("read frame: length %d exceeds the limit of %d bytes", n, MaxFrameSize)
	}
	// Allocate as the bytes arrive, doubling, so that a large length field costs memory
	// only once its bytes are actually sent.
	buf := make([]byte, min(int(n), frameReadChunk))
	got := 0
	for {
		k, err := io.ReadFull(r, buf[got:])
		got += k
		if err != nil {
			return nil, fmt.Errorf("read frame: got %d of %d bytes: %w", got, n, noEOF(err))
		}
		if got == int(n) {
			return buf, nil
		}
		grown := make([]byte, min(int(n), 2*len(buf)))
		copy(grown, buf)
		buf = grown
	}
}

// noEOF turns io.EOF inside a frame into io.ErrUnexpectedEOF: the stream ended early.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// decodeFrame decodes the message a frame carries.
func decodeFrame(payload []byte) (engine.Message, error) {
	m, err := engine.UnmarshalMessage(payload)
	if err != nil {
		return engine.Message{}, badFrame("decode frame of %d bytes: %w", len(payload), err)
	}
	return m, nil
}
