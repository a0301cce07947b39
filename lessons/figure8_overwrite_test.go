package lessons

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFigure8UnsafeStepWaitsForTheOverwrite: lesson 8 step 2 is about the committed
// entry being overwritten, so its check must not pass when S3 is merely elected (the
// Leader Completeness violation comes then), only once S2 has truncated its entry 2.
// Before, the step passed at the election and the learner went on without seeing the
// overwrite.
func TestFigure8UnsafeStepWaitsForTheOverwrite(t *testing.T) {
	l, err := Get("old-terms-figure-8")
	require.NoError(t, err)
	r, err := NewRunner(l)
	require.NoError(t, err)
	require.NoError(t, r.GoTo(1))
	m, err := ParseMove("restart 3", 3)
	require.NoError(t, err)
	require.NoError(t, r.Do(m))

	// Event by event until S2 truncates its entry 2: the check must not pass before,
	// although S3 is elected and Leader Completeness is violated well before that.
	overwritten := func() bool {
		for _, ev := range r.Cluster().Events(r.Mark().Trace) {
			if ev.Kind == "suffix-truncated" && ev.Peer == 2 && ev.Index == 2 {
				return true
			}
		}
		return false
	}
	elected := false
	for !overwritten() {
		passed, detail := r.Check()
		require.False(t, passed, "the check passed at %d ms, before the overwrite: %s", r.Cluster().Now(), detail)
		elected = elected || r.Cluster().Leader() == 3
		require.True(t, r.Timeline().StepUntil(2000), "S2 did not truncate its entry 2 within 2 s")
	}
	assert.True(t, elected, "S3 was elected before the overwrite")
	_, passed := r.RunUntilPassed(r.Step().WithinTicks)
	assert.True(t, passed, "the check does not pass once the entry is overwritten")
}
