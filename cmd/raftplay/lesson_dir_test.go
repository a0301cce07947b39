package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A mistyped --dir used to answer "no lesson files (NN-id.md) found", naming neither
// the folder nor that it does not exist; a folder without lessons did not say which
// folder was read. Each is named now, in its own process as a user runs it.
func TestLessonDirMistakesNameTheFolder(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-folder")
	out, code := runRaftplayBounded(t, []string{"lesson", "list", "--dir", missing})
	assert.Equal(t, 2, code, "output:\n%s", out)
	assert.Contains(t, out, "--dir "+missing+": no such folder")

	file := filepath.Join(t.TempDir(), "01-a.md")
	require.NoError(t, os.WriteFile(file, []byte("# A\n"), 0o644))
	out, code = runRaftplayBounded(t, []string{"lesson", "check", "--dir", file})
	assert.Equal(t, 2, code, "output:\n%s", out)
	assert.Contains(t, out, "--dir "+file+": not a folder")

	empty := t.TempDir()
	out, code = runRaftplayBounded(t, []string{"lesson", "run", "1", "--dir", empty})
	assert.Equal(t, 1, code, "output:\n%s", out)
	assert.Contains(t, out, "--dir "+empty+": lessons: no lesson files (NN-id.md) found")
}
