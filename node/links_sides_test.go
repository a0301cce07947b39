package node

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A follower that cuts its link to the leader on its own side only is shown not
// connected by the leader too, in the leader's status events (what the live page
// draws) as in its /status, while the leader's own connection to it could still be
// written; healed, both show it connected again. e2e.TestLinkCutOnOneSideShowsOnBoth
// checks the same across processes, in both directions.
func TestFollowerSideCutShowsOnTheLeader(t *testing.T) {
	c := newTestCluster(t, nil)
	lead, f := c.leader(), c.follower()
	resp, closeStream := openEvents(t, c, lead)
	defer closeStream()
	events := readSSE(resp)
	// waitLeaderShows reads the leader's events until a status shows f as connected.
	waitLeaderShows := func(connected bool, what string) {
		t.Helper()
		deadline := time.After(3 * time.Second)
		for {
			select {
			case ev, ok := <-events:
				require.True(t, ok, "the stream ended")
				if ev.name == sseStatus && peersConnected(decodeJSON[Status](t, ev.data))[f] == connected {
					return
				}
			case <-deadline:
				require.FailNow(t, "no status event of the leader showed node "+fmt.Sprint(f)+" "+what)
			}
		}
	}
	waitLeaderShows(true, "connected at the start")

	resp2, body := linkRequest(t, c, f, fmt.Sprintf("/admin/links/%d/cut", lead), "")
	require.Equal(t, http.StatusOK, resp2.StatusCode, body)
	waitLeaderShows(false, "not connected after its cut")
	require.False(t, peersConnected(c.nodes[lead].Status())[f], "the leader's /status")
	require.False(t, peersConnected(c.nodes[f].Status())[lead], "the follower's /status")

	resp2, body = linkRequest(t, c, f, fmt.Sprintf("/admin/links/%d/heal", lead), "")
	require.Equal(t, http.StatusOK, resp2.StatusCode, body)
	require.True(t, peersConnected(c.nodes[f].Status())[lead], "the heal answers once the follower dialed again")
	waitLeaderShows(true, "connected again after the heal")
	require.True(t, peersConnected(c.nodes[lead].Status())[f], "the leader's /status")
}
