package docs

import (
	"regexp"
	"testing"

	"github.com/raftplay/raftplay/sim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDesignScenariosParse checks that every JSON example of DESIGN.md is a scenario the
// simulator accepts, so the documented format cannot drift from the parser.
func TestDesignScenariosParse(t *testing.T) {
	blocks := regexp.MustCompile("(?s)```json\n(.*?)```").FindAllStringSubmatch(read(t, "docs/DESIGN.md"), -1)
	require.NotEmpty(t, blocks, "DESIGN.md shows a scenario")
	for _, b := range blocks {
		sc, err := sim.ParseScenario([]byte(b[1]))
		if assert.NoError(t, err, "DESIGN.md's example:\n%s", b[1]) {
			assert.Equal(t, 1, sc.V)
			assert.NotEmpty(t, sc.Actions)
		}
	}
}
