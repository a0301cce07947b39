package node

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
)

// v1Handshake is a handshake as a version 1 node writes it: no address at its end.
func v1Handshake(h handshake) []byte {
	b := appendHandshake(nil, handshake{From: h.From, To: h.To, ClusterID: h.ClusterID, Token: h.Token})
	b = b[:len(b)-1] // the address length byte (0) that version 2 added
	b[4] = wireVersionNoAddr
	return b
}

// v1AppendFrame is a frame holding an AppendEntries in message format 1, as a version
// 1 node encodes it: untyped entries. Leader 2, term 5, appends entry 1@5 "x" to an
// empty log and says it is committed.
func v1AppendFrame() []byte {
	msg := []byte{
		1,                   // message format 1
		byte(engine.MsgApp), // type
		2, 1, 5, 0, 0, 1,    // From, To, Term, Index (prevLogIndex), LogTerm, Commit
		0,    // flags
		0, 0, // RejectHint, ReadID
		1,               // one entry:
		1, 5, 1, 'x', 0, // Index, Term, Command "x", no Context (no type byte in format 1)
	}
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(msg))), msg...)
}

// A node of this version meets a peer of the previous one (wire version 1: a handshake
// without the sender's address, messages of format 1). It reads the peer's handshake
// and message, takes the entry, and answers in its own version, on its own connection
// to the peer's configured address: a version 2 handshake and a format 2 message. (A
// version 1 node refuses that handshake, naming both versions: see docs/DESIGN.md, "The
// wire protocol".)
func TestNodeReadsAPeerOfWireVersion1(t *testing.T) {
	ln := startLoneNode(t, "tok")
	conn := ln.dialAs(t, nil)
	_, err := conn.Write(v1Handshake(handshake{From: 2, To: 1, ClusterID: 1, Token: []byte("tok")}))
	require.NoError(t, err)
	_, err = conn.Write(v1AppendFrame())
	require.NoError(t, err)

	require.NoError(t, ln.fake2.(*net.TCPListener).SetDeadline(time.Now().Add(10*time.Second)))
	back, err := ln.fake2.Accept()
	require.NoError(t, err, "node 1 never dialed peer 2 to answer")
	defer back.Close()
	require.NoError(t, back.SetReadDeadline(time.Now().Add(10*time.Second)))
	r := bufio.NewReader(back)
	first, err := r.Peek(5)
	require.NoError(t, err)
	assert.Equal(t, byte(wireVersion), first[4], "it answers with its own handshake version")
	h, err := readHandshake(r)
	require.NoError(t, err)
	assert.Equal(t, handshake{From: 1, To: 2, ClusterID: 1, Token: []byte("tok"), Addr: ln.addr}, h)
	var resp engine.Message
	for resp.Type != engine.MsgAppResp {
		payload, err := readFrame(r)
		require.NoError(t, err)
		assert.Equal(t, byte(2), payload[0], "message format 2")
		resp, err = decodeFrame(payload)
		require.NoError(t, err)
	}
	assert.Equal(t, engine.Message{Type: engine.MsgAppResp, From: 1, To: 2, Term: 5, Index: 1}, resp,
		"it stored entry 1 of the version 1 leader")
	st := ln.n.Status()
	assert.Equal(t, uint64(5), st.Term)
	assert.Equal(t, uint64(2), st.Leader)
	assert.Equal(t, uint64(1), st.CommitIndex)
	assert.Equal(t, uint64(1), ln.n.TransportStats().Accepted)
}

// A peer of a version this node does not read (a later one, 3) is refused on its
// handshake, with an error that names its version and the ones this node speaks and
// reads; a message of an unknown format closes the connection with the same clarity.
func TestNodeRefusesAnUnknownWireVersion(t *testing.T) {
	v3 := appendHandshake(nil, handshake{From: 2, To: 1, ClusterID: 1})
	v3[4] = 3
	_, err := readHandshake(bytes.NewReader(v3))
	require.Error(t, err)
	assert.Equal(t, "read handshake: unsupported version 3: this node speaks wire version 2 and also reads version 1", err.Error())

	ln := startLoneNode(t, "")
	conn := ln.dialAs(t, nil)
	_, err = conn.Write(v3)
	require.NoError(t, err)
	requireClosed(t, conn)
	assert.Equal(t, uint64(1), ln.n.TransportStats().Rejected)

	frame := heartbeatFrame(2, 1)
	frame[frameHeaderLen] = 3 // the message format byte
	_, err = decodeFrame(frame[frameHeaderLen:])
	require.Error(t, err)
	assert.Contains(t, err.Error(), "unsupported format version 3 at offset 0 (this build reads 1 and 2)")
	conn = ln.dialAs(t, &handshake{From: 2, To: 1, ClusterID: 1})
	_, err = conn.Write(frame)
	require.NoError(t, err)
	requireClosed(t, conn)
	assert.Equal(t, uint64(1), ln.n.TransportStats().ClosedOnError)
}
