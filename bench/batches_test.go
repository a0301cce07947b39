package bench

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestBatchPatternAppliesEveryProposal runs both engines with the batch driving pattern
// and relies on RunBatches' check: every peer applied exactly the proposals made, in
// order, with their bytes intact, and the cluster was quiet after each batch.
func TestBatchPatternAppliesEveryProposal(t *testing.T) {
	for _, e := range Engines {
		for _, batch := range append([]int{7}, BatchSizes...) {
			t.Run(fmt.Sprintf("%s/batch=%d", e.Name, batch), func(t *testing.T) {
				assert.NoError(t, RunBatches(e, 2000, batch))
			})
		}
	}
	assert.ErrorContains(t, RunBatches(Raftplay, 10, 0), "batch must be at least 1")
}
