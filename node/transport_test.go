package node

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/memstore"
)

// loneNode runs node 1 of a three-voter cluster whose peers 2 and 3 are listeners the
// test holds, so the test can play them over raw connections.
type loneNode struct {
	n            *Node
	addr         string // node 1's Raft address
	fake2, fake3 net.Listener
}

func startLoneNode(t *testing.T, token string) *loneNode {
	t.Helper()
	raftLn, httpLn := listenLoopback(t), listenLoopback(t)
	ln := &loneNode{addr: raftLn.Addr().String(), fake2: listenLoopback(t), fake3: listenLoopback(t)}
	t.Cleanup(func() { _ = ln.fake2.Close(); _ = ln.fake3.Close() })
	n, err := New(Config{
		ID:    1,
		Peers: map[uint64]string{1: ln.addr, 2: ln.fake2.Addr().String(), 3: ln.fake3.Addr().String()},
		Store: memstore.New(engine.ConfState{Voters: []uint64{1, 2, 3}}), RaftListener: raftLn, HTTPListener: httpLn,
		Token:  token,
		Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	require.NoError(t, err)
	ln.n = n
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	return ln
}

// dialAs opens a connection to node 1 and sends the handshake h (unless nil).
func (ln *loneNode) dialAs(t *testing.T, h *handshake) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", ln.addr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	if h != nil {
		_, err = conn.Write(appendHandshake(nil, *h))
		require.NoError(t, err)
	}
	return conn
}

// requireClosed waits for the node to close conn.
func requireClosed(t *testing.T, conn net.Conn) {
	t.Helper()
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, err := conn.Read(make([]byte, 1))
	var netErr net.Error
	require.Error(t, err)
	require.False(t, errors.As(err, &netErr) && netErr.Timeout(), "the connection is still open: %v", err)
}

func heartbeatFrame(from, to uint64) []byte {
	return appendFrame(nil, &engine.Message{Type: engine.MsgHeartbeatResp, From: from, To: to, Term: 1})
}

func TestTransportRefusesBadHandshakes(t *testing.T) {
	ln := startLoneNode(t, "tok")
	good := handshake{From: 2, To: 1, ClusterID: 1, Token: []byte("tok")}
	for i, tc := range []struct {
		name  string
		tweak func(h *handshake)
		raw   []byte
	}{
		{name: "token mismatch", tweak: func(h *handshake) { h.Token = []byte("tok2") }},
		{name: "no token", tweak: func(h *handshake) { h.Token = nil }},
		{name: "unknown sender id", tweak: func(h *handshake) { h.From = 9 }},
		{name: "own id", tweak: func(h *handshake) { h.From = 1 }},
		{name: "other cluster", tweak: func(h *handshake) { h.ClusterID = 2 }},
		{name: "other recipient", tweak: func(h *handshake) { h.To = 3 }},
		{name: "not a raftplay peer", raw: []byte("GET /status HTTP/1.1\r\nHost: x\r\n\r\n")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var conn net.Conn
			if tc.raw != nil {
				conn = ln.dialAs(t, nil)
				_, err := conn.Write(tc.raw)
				require.NoError(t, err)
			} else {
				h := good
				tc.tweak(&h)
				conn = ln.dialAs(t, &h)
			}
			requireClosed(t, conn)
			assert.Equal(t, uint64(i+1), ln.n.TransportStats().Rejected)
		})
	}
	assert.Zero(t, ln.n.TransportStats().Accepted)
}

func TestTransportDropsFramesOfUnknownIDs(t *testing.T) {
	ln := startLoneNode(t, "")
	conn := ln.dialAs(t, &handshake{From: 2, To: 1, ClusterID: 1})
	for _, frame := range [][]byte{
		heartbeatFrame(9, 1), // an id outside the configuration
		heartbeatFrame(3, 1), // a voter, but not the one that connected
		heartbeatFrame(2, 3), // addressed to another peer
		heartbeatFrame(2, 1), // fine
	} {
		_, err := conn.Write(frame)
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool {
		st := ln.n.TransportStats()
		return st.FramesDropped == 3 && st.FramesReceived == 1
	}, 5*time.Second, 5*time.Millisecond, "%+v", ln.n.TransportStats())
	st := ln.n.TransportStats()
	assert.Equal(t, uint64(1), st.Accepted)
	assert.Zero(t, st.ClosedOnError, "dropping a frame keeps the connection")
}

func TestTransportClosesOnBadFrames(t *testing.T) {
	ln := startLoneNode(t, "")
	for i, tc := range []struct {
		name  string
		frame []byte
	}{
		{"oversized", binary.BigEndian.AppendUint32(nil, MaxFrameSize+1)},
		{"empty", binary.BigEndian.AppendUint32(nil, 0)},
		{"malformed message", append(binary.BigEndian.AppendUint32(nil, 3), 1, 42, 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn := ln.dialAs(t, &handshake{From: 2, To: 1, ClusterID: 1})
			_, err := conn.Write(append(heartbeatFrame(2, 1), tc.frame...))
			require.NoError(t, err)
			requireClosed(t, conn)
			st := ln.n.TransportStats()
			assert.Equal(t, uint64(i+1), st.ClosedOnError)
			assert.Equal(t, uint64(i+1), st.FramesReceived, "the frame before the bad one was delivered")
		})
	}
}

func TestTransportDialsWithHandshakeAndRedials(t *testing.T) {
	ln := startLoneNode(t, "tok")
	accept := func() (net.Conn, *bufio.Reader) {
		conn, err := ln.fake2.Accept()
		require.NoError(t, err)
		t.Cleanup(func() { _ = conn.Close() })
		br := bufio.NewReader(conn)
		h, err := readHandshake(br)
		require.NoError(t, err)
		assert.Equal(t, handshake{From: 1, To: 2, ClusterID: 1, Token: []byte("tok"), Addr: ln.addr}, h)
		return conn, br
	}
	conn, br := accept()
	// Alone, node 1 times out and asks for (pre-)votes.
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	payload, err := readFrame(br)
	require.NoError(t, err)
	m, err := decodeFrame(payload)
	require.NoError(t, err)
	assert.Equal(t, engine.MsgPreVote, m.Type)
	assert.Equal(t, uint64(2), m.To)

	require.NoError(t, conn.Close())
	conn, _ = accept() // the node noticed and dialed again
	require.Eventually(t, func() bool { return ln.n.TransportStats().Dials >= 2 }, 5*time.Second, 5*time.Millisecond)
	_ = conn
}

func TestSendQueueDropsWhenFull(t *testing.T) {
	for _, tc := range []struct {
		name               string
		queueLen           int
		queueBytes         int64
		wantQueued, wanted int
	}{
		{"frame count bound", 4, 1 << 20, 4, 10},
		{"byte bound", 100, 3 * int64(len(heartbeatFrame(1, 2))), 3, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := New(Config{
				ID:    1,
				Peers: map[uint64]string{1: "127.0.0.1:1", 2: "127.0.0.1:2", 3: "127.0.0.1:3"}, HTTPAddr: "127.0.0.1:0",
				Store:        memstore.New(engine.ConfState{Voters: []uint64{1, 2, 3}}),
				SendQueueLen: tc.queueLen, SendQueueBytes: tc.queueBytes,
			})
			require.NoError(t, err)
			m := engine.Message{Type: engine.MsgHeartbeatResp, From: 1, To: 2, Term: 1}
			for range tc.wanted {
				n.trans.send(&m) // never blocks: nothing drains the queue
			}
			assert.Len(t, n.trans.peers().senders[2].queue, tc.wantQueued)
			assert.Equal(t, uint64(tc.wanted-tc.wantQueued), n.TransportStats().SendDrops)
		})
	}
}

func TestBackoffIsCappedAndJittered(t *testing.T) {
	var b backoff
	step := minBackoff
	for range 12 {
		d := b.next()
		assert.GreaterOrEqual(t, d, step/2)
		assert.LessOrEqual(t, d, step)
		step = min(2*step, maxBackoff)
	}
	assert.Equal(t, maxBackoff, b.step)
	b.reset()
	assert.LessOrEqual(t, b.next(), minBackoff)
}

func TestReadFrameFromConnectionEndsWithEOF(t *testing.T) {
	client, server := net.Pipe()
	go func() {
		_, _ = client.Write(heartbeatFrame(2, 1))
		_ = client.Close()
	}()
	br := bufio.NewReader(server)
	_, err := readFrame(br)
	require.NoError(t, err)
	_, err = readFrame(br)
	assert.ErrorIs(t, err, io.EOF)
}
