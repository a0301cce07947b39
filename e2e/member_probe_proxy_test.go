package e2e

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The leader's check of a server to add (its /status, node/member_probe.go) goes
// straight to the address given, never through the proxy that the node's environment
// names (HTTP_PROXY): the addresses of a cluster are internal ones, which a proxy for
// the outside world cannot reach, and a probe sent there fails, so that the add is
// refused with member-unreachable and needs --force.
//
// Go's proxy rule already exempts "localhost" and loopback IPs, which is all a test may
// listen on; so the new server's HTTP address is given as http://0.0.0.0:PORT, which
// Linux connects to the local host (its 127.0.0.1 listener) and which the proxy rule,
// as for any cluster-internal name or address, does not exempt.
func TestMemberAddProbeGoesAroundTheEnvironmentsProxy(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real node processes")
	}
	if runtime.GOOS != "linux" {
		t.Skip("relies on Linux connecting 0.0.0.0 to the local host")
	}
	bin := raftplayBinary(t) // built before the proxy is set: go build may need the network
	var mu sync.Mutex
	var proxied []string
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		proxied = append(proxied, r.Method+" "+r.URL.String())
		mu.Unlock()
		http.Error(w, "this proxy reaches no cluster-internal address", http.StatusBadGateway)
	}))
	defer proxy.Close()
	for _, name := range []string{"HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"} {
		t.Setenv(name, proxy.URL)
	}
	t.Setenv("NO_PROXY", "")
	t.Setenv("no_proxy", "")

	c := startCluster(t) // the nodes inherit the environment
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, err := c.WaitLeader(ctx)
	require.NoError(t, err)
	joiner, err := c.AddJoiner()
	require.NoError(t, err)
	require.NoError(t, c.Start(joiner.ID))
	require.Eventually(t, func() bool {
		_, err := c.Status(ctx, joiner.ID)
		return err == nil
	}, 30*time.Second, 20*time.Millisecond, "the new node does not answer")

	_, port, err := net.SplitHostPort(joiner.HTTPAddr)
	require.NoError(t, err)
	out, err := exec.CommandContext(ctx, bin, "member", "add", "4", "--raft", joiner.RaftAddr,
		"--http-addr", "http://0.0.0.0:"+port, "--addr", strings.Join(c.URLs()[:3], ","), "--timeout", "60s").CombinedOutput()
	mu.Lock()
	defer mu.Unlock()
	require.NoError(t, err, "raftplay member add (requests the proxy got: %q):\n%s", proxied, out)
	assert.Contains(t, string(out), "server 4 is a voter")
	assert.Empty(t, proxied, "requests went through the environment's proxy")
}
