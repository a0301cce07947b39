package share

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newDir(t *testing.T) *Dir {
	t.Helper()
	d, err := NewDir(filepath.Join(t.TempDir(), "raftplay-data", "share"))
	require.NoError(t, err)
	return d
}

// files lists the names in a folder.
func files(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestDirPutGet(t *testing.T) {
	ctx := context.Background()
	d := newDir(t)
	c, id := canonicalOf(t, withActions)

	_, err := d.Get(ctx, id)
	require.ErrorIs(t, err, ErrNotFound)
	assert.Contains(t, err.Error(), id)

	require.NoError(t, d.Put(ctx, id, c))
	got, err := d.Get(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, c, got)
	assert.Equal(t, []string{id + ".json"}, files(t, d.Path()), "one file, no temporary file left")

	// Putting the same scenario again replaces the file with the same bytes.
	require.NoError(t, d.Put(ctx, id, c))
	got, err = d.Get(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, c, got)
	assert.Equal(t, []string{id + ".json"}, files(t, d.Path()))
}

func TestDirConcurrentPutsOfOneID(t *testing.T) {
	ctx := context.Background()
	d := newDir(t)
	c, id := canonicalOf(t, minimal)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { errs[i] = d.Put(ctx, id, c) })
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	got, err := d.Get(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, c, got)
	assert.Equal(t, []string{id + ".json"}, files(t, d.Path()))
}

func TestDirRejectsMalformedIDs(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	d, err := NewDir(filepath.Join(root, "share"))
	require.NoError(t, err)
	for _, id := range []string{"", "../escaped", "../" + strings.Repeat("a", IDLen-3), "/etc/passwd", strings.Repeat("A", IDLen), "a/b"} {
		err := d.Put(ctx, id, []byte(minimal))
		assert.ErrorIs(t, err, ErrID, "Put %q", id)
		_, err = d.Get(ctx, id)
		assert.ErrorIs(t, err, ErrID, "Get %q", id)
	}
	assert.Equal(t, []string{"share"}, files(t, root), "nothing written beside the folder")
	assert.Empty(t, files(t, d.Path()), "nothing written in it")
}

func TestDirErrors(t *testing.T) {
	_, err := NewDir("")
	assert.ErrorContains(t, err, "folder for shared scenarios is empty")

	file := filepath.Join(t.TempDir(), "a-file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	_, err = NewDir(filepath.Join(file, "share"))
	assert.ErrorContains(t, err, "create folder")

	d := newDir(t)
	c, id := canonicalOf(t, minimal)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, d.Put(cancelled, id, c), context.Canceled)
	_, err = d.Get(cancelled, id)
	assert.ErrorIs(t, err, context.Canceled)

	// A file that this store did not write: too large to be a scenario.
	require.NoError(t, os.WriteFile(filepath.Join(d.Path(), id+".json"), make([]byte, MaxBody+1), 0o644))
	_, err = d.Get(context.Background(), id)
	assert.ErrorContains(t, err, "larger than 65536 bytes")

	// A folder where the file should be cannot be read or replaced.
	_, id2 := canonicalOf(t, withActions)
	require.NoError(t, os.Mkdir(filepath.Join(d.Path(), id2+".json"), 0o755))
	_, err = d.Get(context.Background(), id2)
	assert.ErrorContains(t, err, "share: read "+id2)
	assert.ErrorContains(t, d.Put(context.Background(), id2, c), "share: store "+id2)
	for _, name := range files(t, d.Path()) {
		assert.False(t, strings.HasSuffix(name, ".tmp"), "temporary file %s left after a failed Put", name)
	}
}

func BenchmarkDirPut(b *testing.B) {
	d, err := NewDir(b.TempDir())
	require.NoError(b, err)
	c, id, err := Canonical([]byte(withActions))
	require.NoError(b, err)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := d.Put(ctx, id, c); err != nil {
			b.Fatal(err)
		}
	}
}
