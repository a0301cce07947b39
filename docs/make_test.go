package docs

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMakeHelpListsEveryTarget checks that every phony target of the Makefile has the
// "## description" that `make help` prints, and that the targets the README names
// exist.
func TestMakeHelpListsEveryTarget(t *testing.T) {
	makefile := read(t, "Makefile")
	var phony []string
	for _, m := range regexp.MustCompile(`(?m)^\.PHONY:((?:[^\n\\]|\\\n)*)`).FindAllStringSubmatch(makefile, -1) {
		phony = append(phony, strings.Fields(strings.ReplaceAll(m[1], "\\\n", " "))...)
	}
	require.Contains(t, phony, "help")
	described := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^([a-z][a-z-]*):[^\n#]*## \S`).FindAllStringSubmatch(makefile, -1) {
		described[m[1]] = true
	}
	for _, target := range phony {
		assert.True(t, described[target], "Makefile: target %s has no `## description` for make help", target)
	}
	// `make X` in the text, and make X at the start of a line of a code block.
	for _, m := range regexp.MustCompile("(?m)(?:`|^)make ([a-z][a-z-]*)").FindAllStringSubmatch(read(t, "README.md"), -1) {
		assert.True(t, slices.Contains(phony, m[1]), "README.md names `make %s`, which the Makefile does not have", m[1])
	}
}
