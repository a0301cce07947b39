package chaos

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/raftplay/raftplay/sim"
)

// The heal at the end of a scenario survives shrinking, even when the failure would
// "reproduce" without it: a liveness failure must not shrink to a partition left in
// place.
func TestShrinkKeepsTheFinalHeal(t *testing.T) {
	sc := Generate(7, DefaultConfig())
	last := sc.Actions[len(sc.Actions)-1].At
	tail := sc.Actions[finalBlock(sc.Actions):]
	assert.Len(t, tail, 2, "a heal and a clean network (every peer of seed 7 is up by then)")
	small := Shrink(sc, func(sim.Scenario) bool { return true }, 1000, time.Minute)
	assert.Equal(t, tail, small.Actions, "everything else goes, the final block stays")
	for _, a := range small.Actions {
		assert.Equal(t, last, a.At)
	}
	assert.Zero(t, small.Options.Clients)
}

func TestFinalBlock(t *testing.T) {
	acts := []sim.Action{{At: 1}, {At: 5}, {At: 9}, {At: 9}}
	assert.Equal(t, 2, finalBlock(acts))
	assert.Equal(t, 0, finalBlock(acts[3:]))
	assert.Equal(t, 0, finalBlock(nil))
}
