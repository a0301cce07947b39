package lessons

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEveryMoveHasAHighlight: a step that asks the learner for a move outlines where
// on the page to make it. The page's layout brings the highlighted places above the
// Back / Next bar, and the browser test web/test/e2e/layout-lessons.test.mjs checks
// that of every step whose highlight brings a panel up; a step without a highlight
// escapes both (lesson 17 step 4, a partition, had none and its Partition form opened
// under the bar).
func TestEveryMoveHasAHighlight(t *testing.T) {
	all, err := All()
	require.NoError(t, err)
	var missing []string
	for _, l := range all {
		for _, st := range l.Steps {
			if st.Action != nil && strings.TrimSpace(st.Action.Highlight) == "" {
				missing = append(missing, fmt.Sprintf("%s step %d (%s)", l.File, st.Number, st.Title))
			}
		}
	}
	assert.Empty(t, missing, "steps with a move and no highlight")
}

// TestPartitionStepsHighlightTheSplit: a step whose moves cut the network into parts
// highlights the network panel's split form (or the whole panel, or a preset of it),
// so that the page brings the panel up and the learner knows where the split is made.
func TestPartitionStepsHighlightTheSplit(t *testing.T) {
	all, err := All()
	require.NoError(t, err)
	for _, l := range all {
		for _, st := range l.Steps {
			if st.Action == nil {
				continue
			}
			for _, m := range st.Reference {
				if strings.HasPrefix(m.Text, "partition ") {
					assert.Regexp(t, `#net-|#network`, st.Action.Highlight, "%s step %d (%s)", l.File, st.Number, m.Text)
				}
			}
		}
	}
}
