package live

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
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
