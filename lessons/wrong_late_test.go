package lessons

import (
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lateTicks is how long a learner is assumed to let a wrong run go on, on the page,
// after `lesson check` has stopped playing it: the page evaluates the check for as long
// as the step is open.
const lateTicks = 300

// TestWrongPathsPassingLate plays every wrong path `lesson check` refuses on and on, as
// the page would, and requires that none passes after all: the page and the check agree
// on every wrong move. Two kinds did pass late: lesson 19's learner promoted before it
// caught up (S4 catches up later and C_new commits all the same), and a forced timeout
// left out or forced on another server, which the server's own election timer makes
// later (§5.2: lessons 10 and 20). Their checks now order the events ("before"), so the
// wrong order fails for good.
func TestWrongPathsPassingLate(t *testing.T) {
	if runtime.GOOS == "js" {
		t.Skip("plays every wrong path for 300 ticks: too slow under GOOS=js, and the same code natively")
	}
	all, err := All()
	require.NoError(t, err)
	var late []string
	for _, l := range all {
		r, err := NewRunner(l)
		require.NoError(t, err)
		for i, st := range l.Steps {
			start := r.Cluster()
			for _, w := range wrongPaths(st.Reference, start.Scenario().Options.Peers) {
				if st.Observe {
					break
				}
				c := start.Clone()
				if _, outcome := playWrong(c, st, w); outcome != wrongFailed {
					continue
				}
				ev := NewEvaluator(st.Check, MarkOf(start))
				for range lateTicks {
					c.RunTicks(1)
					if res := ev.Evaluate(c); res.Passed || res.Failed {
						if res.Passed {
							late = append(late, l.ID+" step "+strconv.Itoa(st.Number)+": "+w.What)
						}
						break
					}
				}
			}
			_, err := r.TakeReference()
			require.NoError(t, err)
			if i+1 < len(l.Steps) {
				require.NoError(t, r.Advance())
			}
		}
	}
	assert.Empty(t, late, "wrong paths the page passes late:\n%s", strings.Join(late, "\n"))
}
