//go:build !(js && wasm)

package lessons

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// orderedItem is a line the Markdown subset reads as a numbered list item.
var orderedItem = regexp.MustCompile(`^\d+\. `)

// TestNoAccidentalListItems: a wrapped sentence whose next line happens to begin with a
// number and a full stop ("... in term\n1. S3 has ...") becomes a numbered list in the
// page and the terminal, and loses its number. A list item must follow a blank line or
// another item (or the item's own indented continuation).
func TestNoAccidentalListItems(t *testing.T) {
	files, err := fs.Glob(embedded, "*.md")
	require.NoError(t, err)
	for _, name := range files {
		if name == "README.md" {
			continue
		}
		data, err := fs.ReadFile(embedded, name)
		require.NoError(t, err)
		lines := strings.Split(string(data), "\n")
		inList := false
		for i, line := range lines {
			switch {
			case strings.TrimSpace(line) == "":
				inList = false
			case orderedItem.MatchString(line):
				prev := ""
				if i > 0 {
					prev = lines[i-1]
				}
				assert.True(t, inList || strings.TrimSpace(prev) == "", "%s:%d: %q continues a paragraph but renders as a numbered list item: rewrap the sentence", name, i+1, line)
				inList = true
			case strings.HasPrefix(line, "- ") || strings.HasPrefix(line, "* "):
				inList = true
			}
		}
	}
}
