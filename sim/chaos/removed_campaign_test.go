package chaos

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Membership seeds that once stalled for good: C_new reached only servers it removes,
// which did not stand for election, while C_new's own voters, with older logs, could
// not win their votes. A server that is not part of its latest configuration must
// still campaign until that entry is committed (dissertation §4.2.2); with that rule
// each of these seeds elects a leader again and passes.
func TestRemovedServersCampaignUntilTheirRemovalCommits(t *testing.T) {
	for _, seed := range []uint64{4483, 7165, 9179, 13640, 33023, 38721} {
		sum, err := RunSeeds(seed, 1, 1, DefaultConfig(), nil)
		require.NoError(t, err)
		assert.Empty(t, sum.Failed, "seed %d", seed)
	}
}
