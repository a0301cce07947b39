// Package localcluster lays out a cluster of raftplay nodes on one machine, the way
// `raftplay cluster` and the end-to-end tests start them: each node's Raft and HTTP
// address on 127.0.0.1, its data directory, and its `raftplay node` command line. The
// command line is written here once, so that both start the nodes alike.
package localcluster

import (
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
)

// Member is one node of a local cluster.
type Member struct {
	ID       uint64
	RaftAddr string // 127.0.0.1:PORT, where its peers reach it
	HTTPAddr string // 127.0.0.1:PORT, its HTTP API
	DataDir  string // its log and state files
}

// URL is the base URL of the member's HTTP API.
func (m Member) URL() string { return "http://" + m.HTTPAddr }

// Ports are one node's two ports.
type Ports struct {
	Raft int // where its peers reach it
	HTTP int // its HTTP API
}

// Layout places one node per entry of ports: node i (from 1) listens on ports[i-1], on
// 127.0.0.1, and keeps its data in dataDir/nodeI.
func Layout(ports []Ports, dataDir string) []Member {
	members := make([]Member, len(ports))
	for i, p := range ports {
		id := uint64(i + 1)
		members[i] = Member{
			ID:       id,
			RaftAddr: net.JoinHostPort("127.0.0.1", strconv.Itoa(p.Raft)),
			HTTPAddr: net.JoinHostPort("127.0.0.1", strconv.Itoa(p.HTTP)),
			DataDir:  filepath.Join(dataDir, fmt.Sprintf("node%d", id)),
		}
	}
	return members
}

// NodeArgs is the command line, after the binary, that runs m as a member of members:
// `node --id ID --peers (every Raft address) --http ADDR --peer-http (every HTTP
// address, for redirects to the leader) --data DIR`. Callers append their own flags
// (--tick, --token-file, ...).
func NodeArgs(members []Member, m Member) []string {
	peers := make([]string, len(members))
	peerHTTP := make([]string, len(members))
	for i, p := range members {
		peers[i] = fmt.Sprintf("%d=%s", p.ID, p.RaftAddr)
		peerHTTP[i] = fmt.Sprintf("%d=%s", p.ID, p.HTTPAddr)
	}
	return []string{"node", "--id", strconv.FormatUint(m.ID, 10),
		"--peers", strings.Join(peers, ","), "--http", m.HTTPAddr,
		"--peer-http", strings.Join(peerHTTP, ","), "--data", m.DataDir}
}
