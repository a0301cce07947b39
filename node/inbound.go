package node

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/raftplay/raftplay/engine"
)

// The receiving side of the transport: connections other peers dialed to us. Each one
// must open with a handshake that names a voter of our cluster and carries its
// token; after that its frames become messages for the Ready loop.

// acceptLoop accepts inbound peer connections until the listener is closed.
func (t *transport) acceptLoop() {
	for {
		conn, err := t.ln.Accept()
		if err != nil {
			if t.stopped() || errors.Is(err, net.ErrClosed) {
				return
			}
			t.log.Warn("accept on the Raft port failed", "err", err)
			if !t.sleep(50 * time.Millisecond) {
				return
			}
			continue
		}
		if !t.trackInbound(conn) {
			_ = conn.Close()
			continue
		}
		t.n.wg.Go(func() { t.serveConn(conn) })
	}
}

// trackInbound registers conn so that stop can close it; it refuses when stopped or when
// too many connections are open.
func (t *transport) trackInbound(conn net.Conn) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped() {
		return false
	}
	if len(t.inbound) >= maxInboundConns {
		t.stats.rejected.Add(1)
		if ok, suppressed := t.n.warnLimit.allow("raft-conns", time.Now()); ok {
			t.log.Warn("refused a connection on the Raft port: too many open connections", "remote", conn.RemoteAddr().String(),
				"limit", maxInboundConns, "similar_refused_before", suppressed)
		}
		return false
	}
	t.inbound[conn] = struct{}{}
	return true
}

func (t *transport) untrackInbound(conn net.Conn, peer uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.inbound, conn)
	if t.fromPeer[peer] == conn {
		delete(t.fromPeer, peer)
	}
}

// adoptInbound makes conn the connection of peer, closing the one it replaces: a peer
// that dials again has given up on its old connection.
func (t *transport) adoptInbound(peer uint64, conn net.Conn, addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if old := t.fromPeer[peer]; old != nil {
		_ = old.Close()
	}
	t.fromPeer[peer] = conn
	if addr != "" {
		t.declared[peer] = addr
	}
}

// declaredAddr is where to reach a peer that declared addr in its handshake: with
// its host left empty or unspecified (":7001", "0.0.0.0:7001"), the host the
// connection came from. It returns "" for an address that is not HOST:PORT.
func declaredAddr(addr string, remote net.Addr) string {
	if checkRaftAddr(addr) != nil {
		return ""
	}
	host, port, _ := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		rhost, _, err := net.SplitHostPort(remote.String())
		if err != nil {
			return ""
		}
		return net.JoinHostPort(rhost, port)
	}
	return addr
}

// serveConn authenticates one inbound connection and hands its messages to the loop.
func (t *transport) serveConn(conn net.Conn) {
	var peer uint64
	defer func() { t.untrackInbound(conn, peer) }()
	defer conn.Close()
	remote := conn.RemoteAddr().String()

	_ = conn.SetReadDeadline(time.Now().Add(handshakeTimeout))
	br := bufio.NewReaderSize(conn, connBufferSize)
	h, err := readHandshake(br)
	if err == nil {
		err = t.checkHandshake(h)
	}
	if errors.Is(err, io.EOF) {
		// Closed before its first byte: a reachability check (the leader's, before it
		// adds this server: Node.probeMember), not a peer that failed its handshake.
		t.stats.rejected.Add(1)
		t.log.Debug("a connection closed before its handshake (a reachability check)", "remote", remote)
		return
	}
	if err != nil {
		t.stats.rejected.Add(1)
		// A flood of bad handshakes must not flood the log: one line a minute says how
		// many were refused since the last.
		if ok, suppressed := t.n.warnLimit.allow("raft-handshake", time.Now()); ok {
			t.log.Warn("refused a peer connection", "remote", remote, "err", err, "similar_refused_before", suppressed)
		}
		return
	}
	_ = conn.SetReadDeadline(time.Time{})
	peer = h.From
	t.adoptInbound(peer, conn, declaredAddr(h.Addr, conn.RemoteAddr()))
	t.stats.accepted.Add(1)
	t.log.Info("peer connected", "peer", peer, "remote", remote)

	dropped := 0
	for {
		payload, err := readFrame(br)
		var m engine.Message
		if err == nil {
			m, err = decodeFrame(payload)
		}
		if err != nil {
			t.endConn(peer, remote, err)
			return
		}
		if reason := t.refuseMessage(peer, &m); reason != "" {
			t.stats.framesDropped.Add(1)
			dropped++
			level := slog.LevelDebug
			if dropped == 1 {
				level = slog.LevelWarn
			}
			t.log.Log(t.ctx, level, "dropped a frame", "peer", peer, "remote", remote, "reason", reason, "dropped_on_connection", dropped)
			continue
		}
		if t.links.isCut(peer) {
			t.stats.linkDrops.Add(1)
			continue
		}
		select {
		case t.n.recvc <- m:
			t.stats.framesReceived.Add(1)
		case <-t.ctx.Done():
			return
		}
	}
}

// endConn logs why an accepted connection ended.
func (t *transport) endConn(peer uint64, remote string, err error) {
	var bad *frameError
	switch {
	case t.stopped(), errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
		t.log.Info("peer connection closed", "peer", peer, "remote", remote)
	case errors.As(err, &bad):
		t.stats.closedOnError.Add(1)
		t.log.Warn("closing a peer connection: bad frame", "peer", peer, "remote", remote, "err", err)
	default:
		t.log.Info("peer connection lost", "peer", peer, "remote", remote, "err", err)
	}
}

// checkHandshake decides whether a connection may deliver messages. The token is
// checked first, so that a visitor without it learns nothing from the other checks.
func (t *transport) checkHandshake(h handshake) error {
	cfg := &t.n.cfg
	switch {
	case !tokenMatches(t.n.tokenDigest, h.Token):
		return errors.New("cluster token mismatch")
	case h.ClusterID != cfg.ClusterID:
		return fmt.Errorf("peer %d is in cluster %d, this node serves cluster %d", h.From, h.ClusterID, cfg.ClusterID)
	case h.To != cfg.ID:
		return fmt.Errorf("peer %d dialed peer %d, but this is peer %d: check the Peers addresses", h.From, h.To, cfg.ID)
	case h.From == cfg.ID:
		return fmt.Errorf("the sender claims this node's own id %d", h.From)
	case h.From == engine.None:
		return errors.New("the sender claims the id 0")
	}
	if set := t.peers(); !set.open && set.senders[h.From] == nil {
		return fmt.Errorf("sender id %d is not in the configuration %v", h.From, set.others)
	}
	return nil
}

// refuseMessage says why m, read from the connection of peer, must be dropped, or "".
func (t *transport) refuseMessage(peer uint64, m *engine.Message) string {
	set := t.peers()
	switch {
	case !set.open && set.senders[m.From] == nil:
		return fmt.Sprintf("sender id %d is not in the configuration %v", m.From, set.others)
	case m.From != peer:
		return fmt.Sprintf("message from peer %d on the connection of peer %d", m.From, peer)
	case m.To != t.n.cfg.ID:
		return fmt.Sprintf("message addressed to peer %d, this is peer %d", m.To, t.n.cfg.ID)
	}
	return ""
}
