package sim

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// The playground's preset "Figure 10 (unsafe)" is web/presets/figure10.json: with
// unsafe.direct_config_change, leader S3 adds learners S4 and S5, is cut off with them
// from S1 and S2 and switches straight to C_new = {S1…S5}. Election timeouts are long
// (600 ms or more) and pre-vote and check-quorum are off, so the only elections are the
// two the preset forces: S4 with S3 and S5 (3 of C_new's 5) and S1 with S2 (2 of
// C_old's 3), both for term 2 (§6, Figure 10). The situation comes from the actions
// alone, so every seed shows it.
const figure10Preset = "../web/presets/figure10.json"

func TestFigure10PresetBreaksElectionSafetyForEverySeed(t *testing.T) {
	data, err := os.ReadFile(figure10Preset)
	require.NoError(t, err)
	preset, err := ParseScenario(data)
	require.NoError(t, err, "the preset must be a valid scenario")
	for seed := uint64(1); seed <= 200; seed++ {
		sc := preset
		sc.Seed = seed
		c := newCluster(t, sc)
		c.RunUntil(1000)
		require.Empty(t, c.ActionErrors(), "seed %d: every action of the preset applies", seed)
		var caught *Violation
		for _, v := range c.Violations() {
			if v.Invariant == InvElectionSafety {
				caught = &v
				break
			}
		}
		require.NotNil(t, caught, "seed %d: two leaders in one term must break election safety", seed)
		require.Less(t, caught.Time, int64(600), "seed %d: caught right after the two forced elections", seed)
	}
}
