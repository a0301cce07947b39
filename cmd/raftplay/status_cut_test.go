package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/node/nodetest"
)

// After `raftplay link cut`, `raftplay status` shows the leader's cut link as not
// connected, and says it is cut (not down); healed, it is connected again.
func TestStatusTableShowsACutLink(t *testing.T) {
	c := nodetest.Start(t, nil)
	lead := c.Leader()
	follower := uint64((lead+1)%3 + 1) // another node's id (ids are index+1)
	table := func() string {
		var out bytes.Buffer
		require.NoError(t, runStatus(context.Background(), &out, statusFlags{addrs: c.URLs, timeout: 2 * time.Second}))
		return out.String()
	}
	row := fmt.Sprintf(`(?m)^%d\s+127\.0\.0\.1:\d+\s+http://\S+\s+%%s\s+\d+\s+\d+\s+\S+`, follower)
	link := func(action string) {
		resp, err := http.Post(fmt.Sprintf("%s/admin/links/%d/%s", c.URLs[lead], follower, action), "", nil)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
	}
	link("cut")
	assert.Regexp(t, fmt.Sprintf(row, `no \(link cut\)`), table())
	link("heal")
	assert.Regexp(t, fmt.Sprintf(row, `yes`), table())
}
