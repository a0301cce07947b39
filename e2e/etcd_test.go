package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The etcd side of putbench: three real etcd members, and PutLoad speaking etcd's JSON
// gateway stores what it says it stored. Skipped where no etcd is installed.
func TestPutLoadAgainstEtcd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three etcd processes")
	}
	bin, err := exec.LookPath("etcd")
	if err != nil {
		t.Skip("no etcd binary on the PATH (Debian: apt-get install etcd-server)")
	}
	c, err := StartEtcd(bin, t.TempDir())
	require.NoError(t, err)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	lead, err := c.WaitLeader(ctx)
	require.NoError(t, err)

	res := RunPuts(ctx, PutLoad{URL: lead.URL(), Clients: 2, Ops: 20, Keys: 4, API: APIEtcd})
	require.NoError(t, res.FirstErr)
	assert.Equal(t, 20, res.Acked)
	assert.Zero(t, res.Failed)

	b64 := base64.StdEncoding.EncodeToString
	resp, err := http.Post(lead.URL()+"/v3/kv/range", "application/json",
		strings.NewReader(`{"key":"`+b64([]byte("k1"))+`"}`))
	require.NoError(t, err)
	defer resp.Body.Close()
	var answer struct {
		KVs []struct{ Value string } `json:"kvs"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&answer))
	require.Len(t, answer.KVs, 1)
	assert.Equal(t, b64([]byte(strings.Repeat("v", 128))), answer.KVs[0].Value)
	assert.NoError(t, c.StopAll(10*time.Second))
}
