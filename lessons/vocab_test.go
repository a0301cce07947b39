package lessons

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/sim"
)

// TestReadmeNamesTheWholeVocabulary checks that the format's documentation lists every
// event kind, reason, role and message type a check may name, as engine and sim
// define them.
func TestReadmeNamesTheWholeVocabulary(t *testing.T) {
	data, err := os.ReadFile("README.md")
	require.NoError(t, err)
	readme := string(data)
	words := append(append(names(engine.EventKinds()), sim.TraceKinds()...), voteReasons...)
	words = append(append(words, roleNames...), messageTypes...)
	for _, w := range words {
		assert.True(t, strings.Contains(readme, "`"+w+"`"), "lessons/README.md does not name `%s`", w)
	}
}

// TestEventChecksTakeTheEnginesNames checks that an event check accepts every name of
// the vocabulary and refuses one that is not in it.
func TestEventChecksTakeTheEnginesNames(t *testing.T) {
	for _, r := range engine.Reasons() {
		require.NoError(t, (&EventCheck{Kind: "vote-refused", Reason: r.String()}).validate(3), r.String())
	}
	for _, k := range engine.EventKinds() {
		require.NoError(t, (&EventCheck{Kind: k.String()}).validate(3), k.String())
	}
	for _, k := range sim.TraceKinds() {
		require.NoError(t, (&EventCheck{Kind: k}).validate(3), k)
	}
	assert.ErrorContains(t, (&EventCheck{Kind: "vote-refused", Reason: "tired"}).validate(3), `reason "tired" is not known`)
	assert.ErrorContains(t, (&EventCheck{Kind: "elected"}).validate(3), `kind "elected" is not an engine or simulator event`)
}
