package localcluster

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLayoutAndNodeArgs(t *testing.T) {
	members := Layout([]Ports{{7001, 8001}, {7002, 8002}, {7003, 8003}}, "data")
	require.Len(t, members, 3)
	assert.Equal(t, Member{ID: 2, RaftAddr: "127.0.0.1:7002", HTTPAddr: "127.0.0.1:8002", DataDir: filepath.Join("data", "node2")}, members[1])
	assert.Equal(t, "http://127.0.0.1:8003", members[2].URL())
	assert.Equal(t, []string{"node", "--id", "2",
		"--peers", "1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003", "--http", "127.0.0.1:8002",
		"--peer-http", "1=127.0.0.1:8001,2=127.0.0.1:8002,3=127.0.0.1:8003", "--data", filepath.Join("data", "node2")},
		NodeArgs(members, members[1]))
	assert.Empty(t, Layout(nil, "data"))
}
