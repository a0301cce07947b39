package node

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
)

func TestHandshakeRoundTrip(t *testing.T) {
	for _, h := range []handshake{
		{From: 1, To: 2, ClusterID: 1},
		{From: 3, To: 1, ClusterID: 7, Token: []byte("s3cret")},
		{From: 4, To: 1, ClusterID: 1, Addr: "127.0.0.1:7004"},
		{From: ^uint64(0), To: ^uint64(0), ClusterID: ^uint64(0), Token: bytes.Repeat([]byte{0xff}, MaxTokenLen)},
	} {
		got, err := readHandshake(bytes.NewReader(appendHandshake(nil, h)))
		require.NoError(t, err)
		assert.Equal(t, h, got)
	}
}

func TestReadHandshakeRejects(t *testing.T) {
	valid := appendHandshake(nil, handshake{From: 1, To: 2, ClusterID: 1, Token: []byte("tok")})
	tooLongToken := bytes.Clone(valid[:handshakeFixedLen])
	binary.BigEndian.PutUint16(tooLongToken[29:], MaxTokenLen+1)
	for _, tc := range []struct {
		name  string
		input []byte
		want  string
	}{
		{"empty", nil, "got 0 of 31 bytes"},
		{"http request", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), `bad magic "GET "`},
		{"other version", append([]byte("RPLY\x03"), valid[5:]...), "unsupported version 3"},
		{"token too long", tooLongToken, "token length 1025 exceeds the limit of 1024"},
		{"token cut short", valid[:len(valid)-2], "got 2 of 3 token bytes"},
		{"address length missing", valid[:len(valid)-1], "no address length"},
		{"header cut short", valid[:20], "got 20 of 31 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readHandshake(bytes.NewReader(tc.input))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestTokenMatches(t *testing.T) {
	want := tokenDigest([]byte("secret"))
	assert.True(t, tokenMatches(want, []byte("secret")))
	assert.False(t, tokenMatches(want, []byte("secreT")))
	assert.False(t, tokenMatches(want, nil))
	assert.True(t, tokenMatches(tokenDigest(nil), []byte{}), "no token on either side")
}

func sampleMessages() []engine.Message {
	return []engine.Message{
		{Type: engine.MsgHeartbeat, From: 1, To: 2, Term: 3, Commit: 9},
		{Type: engine.MsgVoteResp, From: 2, To: 1, Term: 4, Reject: true},
		{Type: engine.MsgApp, From: 1, To: 3, Term: 5, Index: 10, LogTerm: 4, Commit: 10, Entries: []engine.Entry{
			{Index: 11, Term: 5, Command: []byte("put x 1")},
			{Index: 12, Term: 5, Command: []byte("put y 2"), Context: []byte("ctx")},
		}},
	}
}

func TestFramesRoundTripIntoFreshBuffers(t *testing.T) {
	var stream []byte
	msgs := sampleMessages()
	for i := range msgs {
		stream = appendFrame(stream, &msgs[i])
	}
	br := bufio.NewReader(bytes.NewReader(stream))
	var payloads [][]byte
	for i := range msgs {
		payload, err := readFrame(br)
		require.NoError(t, err)
		m, err := decodeFrame(payload)
		require.NoError(t, err)
		assert.Equal(t, msgs[i].Describe(), m.Describe())
		payloads = append(payloads, payload)
	}
	_, err := readFrame(br)
	assert.Equal(t, io.EOF, err, "a clean end between frames is io.EOF")

	// Decoded commands alias their frame, so each frame must own its buffer.
	m, err := decodeFrame(payloads[2])
	require.NoError(t, err)
	for _, p := range payloads[:2] {
		clear(p)
	}
	assert.Equal(t, []byte("put x 1"), m.Entries[0].Command)
}

func TestReadFrameGrowsWithTheBytes(t *testing.T) {
	big := engine.Message{Type: engine.MsgApp, From: 1, To: 2, Term: 1, Entries: []engine.Entry{
		{Index: 1, Term: 1, Command: bytes.Repeat([]byte("v"), 3*frameReadChunk+17)},
	}}
	payload, err := readFrame(bufio.NewReader(bytes.NewReader(appendFrame(nil, &big))))
	require.NoError(t, err)
	m, err := decodeFrame(payload)
	require.NoError(t, err)
	assert.Equal(t, big.Entries[0].Command, m.Entries[0].Command)
}

func TestReadFrameRejects(t *testing.T) {
	header := func(n uint32) []byte { return binary.BigEndian.AppendUint32(nil, n) }
	heartbeat := appendFrame(nil, &engine.Message{Type: engine.MsgHeartbeat, From: 1, To: 2, Term: 1})
	for _, tc := range []struct {
		name     string
		input    []byte
		badFrame bool // the format is broken (the connection is closed as a bad frame)
		want     string
	}{
		{"empty frame", header(0), true, "empty frame"},
		{"oversized", header(MaxFrameSize + 1), true, "length 67108865 exceeds the limit of 67108864 bytes"},
		{"largest length", header(^uint32(0)), true, "exceeds the limit"},
		{"header cut short", []byte{0, 0}, false, "unexpected EOF"},
		{"payload cut short", heartbeat[:len(heartbeat)-1], false, "unexpected EOF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readFrame(bufio.NewReader(bytes.NewReader(tc.input)))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			var bad *frameError
			assert.Equal(t, tc.badFrame, errors.As(err, &bad))
		})
	}
	_, err := decodeFrame([]byte{1, 99})
	var bad *frameError
	require.ErrorAs(t, err, &bad)
	assert.Contains(t, err.Error(), "unknown message type 99")
}

// FuzzPeerStream feeds arbitrary bytes to the reading side of a peer connection: the
// handshake, then frames. Nothing may panic, and whatever decodes must encode back to
// the same value.
func FuzzPeerStream(f *testing.F) {
	hello := appendHandshake(nil, handshake{From: 2, To: 1, ClusterID: 1, Token: []byte("tok")})
	stream := bytes.Clone(hello)
	msgs := sampleMessages()
	for i := range msgs {
		stream = appendFrame(stream, &msgs[i])
	}
	f.Add(stream)
	f.Add(hello)
	f.Add(append(bytes.Clone(hello), 0, 0, 0, 0))
	f.Add(append(bytes.Clone(hello), 0xff, 0xff, 0xff, 0xff))
	f.Add(append(bytes.Clone(hello), 0, 0, 0, 3, 1, 7, 0))
	f.Add([]byte("GET /status HTTP/1.1\r\n\r\n"))
	f.Add([]byte(strings.Repeat("RPLY\x01", 8)))
	f.Fuzz(func(t *testing.T, data []byte) {
		br := bufio.NewReader(bytes.NewReader(data))
		h, err := readHandshake(br)
		if err != nil {
			return
		}
		again, err := readHandshake(bytes.NewReader(appendHandshake(nil, h)))
		require.NoError(t, err)
		require.Equal(t, h, again)
		for range 64 {
			payload, err := readFrame(br)
			if err != nil {
				return
			}
			m, err := decodeFrame(payload)
			if err != nil {
				continue
			}
			reencoded := appendFrame(nil, &m)
			require.Equal(t, len(reencoded)-frameHeaderLen, int(binary.BigEndian.Uint32(reencoded)))
			again, err := decodeFrame(reencoded[frameHeaderLen:])
			require.NoError(t, err, "a decoded message encodes to a valid frame")
			require.Equal(t, m, again)
		}
	})
}

func BenchmarkAppendFrame(b *testing.B) {
	msgs := sampleMessages()
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		for i := range msgs {
			buf = appendFrame(buf[:0], &msgs[i])
		}
	}
}

func BenchmarkReadFrame(b *testing.B) {
	msgs := sampleMessages()
	frame := appendFrame(nil, &msgs[2])
	r := bytes.NewReader(frame)
	br := bufio.NewReader(r)
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		r.Reset(frame)
		br.Reset(r)
		payload, err := readFrame(br)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := decodeFrame(payload); err != nil {
			b.Fatal(err)
		}
	}
}

// A version 1 handshake (before the sender's address was added) is still read.
func TestReadHandshakeVersion1(t *testing.T) {
	h := handshake{From: 2, To: 1, ClusterID: 1, Token: []byte("tok")}
	v2 := appendHandshake(nil, h)
	v1 := bytes.Clone(v2[:len(v2)-1]) // without the address length (0)
	v1[4] = 1
	got, err := readHandshake(bytes.NewReader(v1))
	require.NoError(t, err)
	assert.Equal(t, h, got)
}
