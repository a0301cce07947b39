package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// EtcdCluster is three etcd members on 127.0.0.1, started the way a Cluster starts
// raftplay nodes (one process each, data on disk, fsync on), for measuring the same
// load against both. It needs an etcd binary (Debian's etcd-server: etcd 3.4).
type EtcdCluster struct {
	Members []*EtcdMember
	client  *http.Client
}

// EtcdMember is one etcd process.
type EtcdMember struct {
	Name       string
	ClientAddr string // HOST:PORT of its client API (gRPC and the HTTP/JSON gateway)
	PeerAddr   string
	DataDir    string
	LogFile    string

	process
}

// URL is the base URL of the member's HTTP/JSON gateway.
func (m *EtcdMember) URL() string { return "http://" + m.ClientAddr }

// StartEtcd starts three etcd members from bin with their data and logs in dir.
func StartEtcd(bin, dir string) (*EtcdCluster, error) {
	const size = 3
	ports, err := freePorts(2 * size)
	if err != nil {
		return nil, err
	}
	c := &EtcdCluster{client: &http.Client{Timeout: 2 * time.Second}}
	var initial []string
	for i := range size {
		m := &EtcdMember{
			Name:       fmt.Sprintf("etcd%d", i+1),
			ClientAddr: net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[2*i])),
			PeerAddr:   net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[2*i+1])),
		}
		m.DataDir = filepath.Join(dir, m.Name)
		m.LogFile = filepath.Join(dir, m.Name+".log")
		c.Members = append(c.Members, m)
		initial = append(initial, m.Name+"=http://"+m.PeerAddr)
	}
	for _, m := range c.Members {
		args := []string{
			"--name", m.Name, "--data-dir", m.DataDir,
			"--listen-client-urls", m.URL(), "--advertise-client-urls", m.URL(),
			"--listen-peer-urls", "http://" + m.PeerAddr, "--initial-advertise-peer-urls", "http://" + m.PeerAddr,
			"--initial-cluster", strings.Join(initial, ","), "--initial-cluster-state", "new",
			"--initial-cluster-token", "putbench", "--logger", "zap", "--log-level", "warn",
		}
		if err := m.start(bin, args); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

func (m *EtcdMember) start(bin string, args []string) error {
	if err := m.spawn(m.LogFile, "", bin, args); err != nil {
		return fmt.Errorf("e2e: start etcd member %s: %w", m.Name, err)
	}
	return nil
}

// etcdStatus is the part of etcd's /v3/maintenance/status answer used here. etcd's
// gateway encodes 64-bit numbers as JSON strings.
type etcdStatus struct {
	Header struct {
		MemberID string `json:"member_id"`
	} `json:"header"`
	Leader string `json:"leader"`
}

// WaitLeader waits until a member says it leads and returns it.
func (c *EtcdCluster) WaitLeader(ctx context.Context) (*EtcdMember, error) {
	for {
		for _, m := range c.Members {
			st, err := c.status(ctx, m)
			if err == nil && st.Leader != "" && st.Leader != "0" && st.Leader == st.Header.MemberID {
				return m, nil
			}
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("e2e: no etcd leader: %w (logs in %s)", ctx.Err(), filepath.Dir(c.Members[0].LogFile))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (c *EtcdCluster) status(ctx context.Context, m *EtcdMember) (etcdStatus, error) {
	var st etcdStatus
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.URL()+"/v3/maintenance/status", bytes.NewReader([]byte("{}")))
	if err != nil {
		return st, err
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return st, fmt.Errorf("status of %s: %s", m.Name, resp.Status)
	}
	return st, json.NewDecoder(resp.Body).Decode(&st)
}

// StopAll stops every member with SIGTERM and waits for them. etcd exits non-zero on
// SIGTERM in some versions: only a member that does not stop is a failure.
func (c *EtcdCluster) StopAll(timeout time.Duration) error {
	procs := make([]*process, len(c.Members))
	for i, m := range c.Members {
		procs[i] = &m.process
	}
	results := terminateAll(procs, timeout)
	errs := make([]error, len(c.Members))
	for i, m := range c.Members {
		if m.running() {
			m.release("")
		}
		if results[i].timedOut {
			errs[i] = fmt.Errorf("e2e: etcd member %s: %w", m.Name, results[i].err(timeout))
		}
	}
	return errors.Join(errs...)
}

// Close kills every member still running.
func (c *EtcdCluster) Close() {
	for _, m := range c.Members {
		if m.running() {
			m.kill()
			m.release("")
		}
	}
	c.client.CloseIdleConnections()
}
