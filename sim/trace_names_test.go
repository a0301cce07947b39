package sim

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTraceNamesPeersAsDrawnAndCarriesNumbers runs an election, a client command and a
// cut link, and checks the exported trace: engine sentences and client texts name
// peers S1, S2, …; a block event carries its link as numbers; every kind is one of the
// vocabulary's; and an engine event's JSON has the keys of engine.EventJSON.
func TestTraceNamesPeersAsDrawnAndCarriesNumbers(t *testing.T) {
	sc := NewScenario(3)
	sc.Actions = []Action{{At: 400, Type: ActBlock, From: 1, To: 2}}
	c, err := NewWithConfig(sc, RunConfig{KeepTrace: true})
	require.NoError(t, err)
	c.RunUntil(300)
	lead := c.State().Leader
	require.NotZero(t, lead)
	act(t, c, Action{Type: ActClient, Peer: lead, Cmd: "SET x 1"})
	c.RunUntil(600)

	kinds := map[string]bool{}
	for _, k := range TraceKinds() {
		kinds[k] = true
	}
	var granted, block, client bool
	for _, e := range c.Events(0) {
		if !e.Engine {
			assert.True(t, kinds[e.Kind], "%s is one of TraceKinds", e.Kind)
		}
		switch e.Kind {
		case "vote-granted":
			granted = true
			assert.Regexp(t, `^S\d granted its (pre-)?vote to S\d for term \d+$`, e.Text)
			data, err := json.Marshal(e)
			require.NoError(t, err)
			assert.Contains(t, string(data), `"kind":"vote-granted","peer":`)
		case "block":
			block = true
			assert.Equal(t, [2]uint64{1, 2}, [2]uint64{e.From, e.To})
		case "client-request":
			client = true
			assert.Contains(t, e.Text, "submitted to "+PeerName(lead))
		}
		assert.False(t, e.Engine && strings.Contains(e.Text, "peer "), "an engine sentence names peers as drawn: %q", e.Text)
	}
	assert.True(t, granted && block && client, "the run had votes, a cut link and a command")
	assert.Equal(t, "nobody", PeerName(0))
}
