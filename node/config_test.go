package node

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/memstore"
)

func validConfig() Config {
	return Config{
		ID:       1,
		Peers:    map[uint64]string{1: "127.0.0.1:7001", 2: "127.0.0.1:7002", 3: "127.0.0.1:7003"},
		PeerHTTP: map[uint64]string{1: "127.0.0.1:8001", 2: "127.0.0.1:8002", 3: "https://node3.example:8003/"},
		HTTPAddr: "127.0.0.1:8001",
		Store:    memstore.New(engine.ConfState{Voters: []uint64{1, 2, 3}}),
	}
}

func TestNewRefusesBadConfigs(t *testing.T) {
	for _, tc := range []struct {
		name  string
		tweak func(c *Config)
		want  string
	}{
		{"no id", func(c *Config) { c.ID = 0 }, "ID must be nonzero"},
		{"no store", func(c *Config) { c.Store = nil }, "Store is required"},
		{"no peers", func(c *Config) { c.Peers = nil }, "Peers is empty"},
		{"own address missing", func(c *Config) { delete(c.Peers, 1) }, "no address for this node"},
		{"peer address missing", func(c *Config) { c.Peers[3] = "" }, "no address for peer 3"},
		{"peer id zero", func(c *Config) { c.Peers[0] = "127.0.0.1:7000" }, "id 0"},
		{"peers differ from the voters", func(c *Config) { c.Peers[4] = "127.0.0.1:7004" }, "the store's voters are [1 2 3]"},
		{"no HTTP address", func(c *Config) { c.HTTPAddr = "" }, "HTTPAddr is required"},
		{"bad peer HTTP address", func(c *Config) { c.PeerHTTP[2] = "nohostport" }, "PeerHTTP for peer 2"},
		{"heartbeat not below election", func(c *Config) { c.ElectionTicks, c.HeartbeatTicks = 3, 3 }, "HeartbeatTicks (3) < ElectionTicks (3)"},
		{"token too long", func(c *Config) { c.Token = string(make([]byte, MaxTokenLen+1)) }, "Token is 1025 bytes"},
		{"body limit above kv's", func(c *Config) { c.MaxBodyBytes = 2 << 20 }, "MaxBodyBytes"},
		{"raft on every interface without token", func(c *Config) { c.Peers[1] = "0.0.0.0:7001" }, `refusing to listen for Raft peers on "0.0.0.0:7001"`},
		{"raft on a LAN address without token", func(c *Config) { c.Peers[1] = "192.168.1.5:7001" }, "not a loopback address, without a cluster token"},
		{"HTTP on a host name without token", func(c *Config) { c.HTTPAddr = "node1.example:8001" }, `listen for HTTP on "node1.example:8001"`},
		{"HTTP on IPv6 any without token", func(c *Config) { c.HTTPAddr = "[::]:8001" }, "listen for HTTP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := validConfig()
			tc.tweak(&cfg)
			_, err := New(cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestNewAcceptsExposureWithTokenOrInsecure(t *testing.T) {
	for _, tc := range []struct {
		name  string
		tweak func(c *Config)
	}{
		{"loopback", func(*Config) {}},
		{"empty host means loopback", func(c *Config) { c.Peers[1], c.HTTPAddr = ":7001", ":8001" }},
		{"localhost and IPv6 loopback", func(c *Config) { c.Peers[1], c.HTTPAddr = "localhost:7001", "[::1]:8001" }},
		{"every interface with a token", func(c *Config) { c.Peers[1], c.HTTPAddr, c.Token = "0.0.0.0:7001", "0.0.0.0:8001", "t" }},
		{"every interface when insecure", func(c *Config) { c.Peers[1], c.HTTPAddr, c.Insecure = "0.0.0.0:7001", "0.0.0.0:8001", true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := validConfig()
			tc.tweak(&cfg)
			n, err := New(cfg)
			require.NoError(t, err)
			assert.Equal(t, uint64(1), n.ID())
		})
	}
}

func TestNewChecksProvidedListeners(t *testing.T) {
	ln := listenLoopback(t)
	defer ln.Close()
	cfg := validConfig()
	cfg.RaftListener = ln
	cfg.Peers[1] = "0.0.0.0:7001" // the listener, not the advertised address, is what is exposed
	_, err := New(cfg)
	require.NoError(t, err)
}

func TestAddressHelpers(t *testing.T) {
	assert.Equal(t, "127.0.0.1:7001", listenAddr(":7001"))
	assert.Equal(t, "0.0.0.0:7001", listenAddr("0.0.0.0:7001"))
	for addr, want := range map[string]string{
		"127.0.0.1:8001":         "http://127.0.0.1:8001",
		":8001":                  "http://127.0.0.1:8001",
		"https://n1.example/":    "https://n1.example",
		"http://10.0.0.1:80/api": "http://10.0.0.1:80/api",
	} {
		got, err := httpBaseURL(addr)
		require.NoError(t, err)
		assert.Equal(t, want, got, addr)
	}
	_, err := httpBaseURL("")
	assert.Error(t, err)
}

func TestDefaults(t *testing.T) {
	cfg := validConfig().withDefaults()
	assert.Equal(t, DefaultTickInterval, cfg.TickInterval)
	assert.Equal(t, DefaultElectionTicks, cfg.ElectionTicks)
	assert.Equal(t, DefaultHeartbeatTicks, cfg.HeartbeatTicks)
	assert.Equal(t, int64(defaultMaxBodyBytes), cfg.MaxBodyBytes)
	assert.NotNil(t, cfg.Logger)
}
