package node

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// clusterHTTPClient returns the client a node uses for the HTTP APIs of the other
// servers of its cluster: the probe of a server to add (probeMember) and the removal
// fallback's GET /members (watchRemoval). Unlike http.DefaultClient it takes no proxy
// from the environment (HTTP_PROXY, HTTPS_PROXY): a cluster's addresses are internal
// ones, which a proxy for the outside world cannot reach (it exempts only "localhost"
// and loopback IPs). Each request, dial and TLS handshake included, is bounded by
// timeout. https URLs are checked against the system's roots, as before. keepAlive
// false closes each connection after its request: the probe talks to a server once.
func clusterHTTPClient(timeout time.Duration, keepAlive bool) *http.Client {
	dialer := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           dialer.DialContext,
			ForceAttemptHTTP2:     true,
			TLSHandshakeTimeout:   timeout,
			ResponseHeaderTimeout: timeout,
			DisableKeepAlives:     !keepAlive,
			MaxIdleConnsPerHost:   1,
			IdleConnTimeout:       30 * time.Second,
		},
	}
}

// probeMember checks, before the leader proposes adding server id at addrs, that the
// server answers there: its Raft address takes a TCP connection (the leader will
// replicate to it there) and its HTTP API's /status says it is server id of this
// cluster. Each step is bounded by memberProbeTimeout, and the HTTP request goes
// straight to the address (clusterHTTPClient: no proxy from the environment). Adding
// a server that does not answer would commit a learner that never catches up (§6: a
// new server joins with no log entries, and only the leader's replication brings it
// up to date), left in the configuration until someone removes it. The error names
// the address and what failed.
func (n *Node) probeMember(ctx context.Context, id uint64, addrs MemberAddrs) error {
	dialCtx, cancel := context.WithTimeout(ctx, memberProbeTimeout)
	d := net.Dialer{}
	conn, err := d.DialContext(dialCtx, "tcp", addrs.Raft)
	cancel()
	if err != nil {
		return fmt.Errorf("server %d: its Raft address %s takes no connection: %v", id, addrs.Raft, err)
	}
	// Closed before any byte: the server logs a probe, not a bad handshake.
	_ = conn.Close()

	ctx, cancel = context.WithTimeout(ctx, memberProbeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, addrs.HTTP+"/status", nil)
	if err != nil {
		return fmt.Errorf("server %d: its HTTP address %s: %v", id, addrs.HTTP, err)
	}
	if n.cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+n.cfg.Token)
	}
	httpc := clusterHTTPClient(memberProbeTimeout, false)
	defer httpc.CloseIdleConnections()
	resp, err := httpc.Do(req)
	if err != nil {
		return fmt.Errorf("server %d: its HTTP API %s does not answer GET /status: %v", id, addrs.HTTP, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		hint := ""
		if resp.StatusCode == http.StatusUnauthorized {
			hint = " (does it use this cluster's token?)"
		}
		return fmt.Errorf("server %d: its HTTP API %s answered GET /status with %s%s", id, addrs.HTTP, resp.Status, hint)
	}
	var st Status
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&st); err != nil {
		return fmt.Errorf("server %d: its HTTP API %s answered GET /status with no raftplay status: %v", id, addrs.HTTP, err)
	}
	switch {
	case st.ClusterID != n.cfg.ClusterID:
		return fmt.Errorf("server %d: %s is a node of cluster %d, not of this cluster %d", id, addrs.HTTP, st.ClusterID, n.cfg.ClusterID)
	case st.ID != id:
		return fmt.Errorf("server %d: %s answers as server %d, not %d (start it with --id %d, or add it under id %d)", id, addrs.HTTP, st.ID, id, id, st.ID)
	}
	return nil
}
