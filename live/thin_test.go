package live

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestThinnerPassesOneMessagePerLinkAndWindow(t *testing.T) {
	th := newThinner()
	t0 := time.Unix(1000, 0)
	assert.True(t, th.allow(1, 2, t0), "the first message on a link goes out")
	assert.False(t, th.allow(1, 2, t0.Add(10*time.Millisecond)), "a second one in the same window is counted, not sent")
	assert.True(t, th.allow(2, 1, t0.Add(10*time.Millisecond)), "the other direction has its own budget")
	assert.True(t, th.allow(1, 3, t0.Add(10*time.Millisecond)), "so has another link")
	assert.False(t, th.allow(1, 2, t0.Add(linkWindow-time.Millisecond)))
	assert.True(t, th.allow(1, 2, t0.Add(linkWindow)), "a new window, a new budget")
	assert.True(t, th.allow(1, 2, t0), "a clock that went back starts a window again")
}

func TestStatusKeyUrgency(t *testing.T) {
	base := statusKey{Role: "follower", Term: 3, Leader: 1, Last: 40}
	moved := base
	moved.Last = 90
	assert.False(t, moved.urgent(base), "only the indices moved: it may wait")
	for name, k := range map[string]statusKey{
		"role":      {Role: "candidate", Term: 3, Leader: 1, Last: 40},
		"term":      {Role: "follower", Term: 4, Leader: 1, Last: 40},
		"leader":    {Role: "follower", Term: 3, Leader: 2, Last: 40},
		"cut links": {Role: "follower", Term: 3, Leader: 1, Last: 40, CutLinks: []uint64{2}},
		"removed":   {Role: "follower", Term: 3, Leader: 1, Last: 40, Removed: true},
		"truncated": {Role: "follower", Term: 3, Leader: 1, Last: 39},
	} {
		assert.True(t, k.urgent(base), name)
	}
	cut := statusKey{CutLinks: []uint64{2}}
	assert.True(t, statusKey{CutLinks: []uint64{3}}.urgent(cut), "another link cut")
	assert.False(t, statusKey{CutLinks: []uint64{2}}.urgent(cut))
}

func TestThinnerHoldsTheLastRoutineEventOfABurst(t *testing.T) {
	th := newThinner()
	t0 := time.Unix(1000, 0)
	pass, earlier, replaced := th.event(1, "entries-appended", t0, []byte("a"))
	assert.True(t, pass)
	assert.Nil(t, earlier)
	assert.False(t, replaced)
	pass, _, replaced = th.event(1, "entries-appended", t0.Add(time.Millisecond), []byte("b"))
	assert.False(t, pass, "over the budget: held")
	assert.False(t, replaced)
	pass, _, replaced = th.event(1, "entries-appended", t0.Add(2*time.Millisecond), []byte("c"))
	assert.False(t, pass)
	assert.True(t, replaced, "b is lost (counted as sampled), c is held")
	pass, _, _ = th.event(2, "entries-appended", t0, []byte("other node"))
	assert.True(t, pass, "each node has its own budget")
	pass, _, _ = th.event(1, "commit-advanced", t0, []byte("other kind"))
	assert.True(t, pass, "so has each kind")
	for range 3 {
		pass, _, _ = th.event(1, "vote-granted", t0, []byte("v"))
		assert.True(t, pass, "events that are not routine always pass")
	}

	assert.Empty(t, th.flush(t0.Add(linkWindow/2)), "its window is not over")
	held := th.flush(t0.Add(linkWindow))
	require.Len(t, held, 1, "the last of the burst comes out")
	assert.Equal(t, heldEvent{id: 1, item: []byte("c")}, held[0])
	assert.Empty(t, th.flush(t0.Add(2*linkWindow)))

	// A new window's event brings the held one out first.
	t1 := t0.Add(10 * linkWindow)
	th.event(3, "commit-advanced", t1, []byte("x"))
	th.event(3, "commit-advanced", t1, []byte("y"))
	pass, earlier, _ = th.event(3, "commit-advanced", t1.Add(linkWindow), []byte("z"))
	assert.True(t, pass)
	assert.Equal(t, []byte("y"), earlier)
	assert.True(t, th.allow(3, 1, t1), "messages do not share the events' budget")
}
