package serve

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A name the disk cannot hold (a NUL byte, a control character) is simply not one of
// the site's files: 404, as for any other missing file, never 500.
func TestNamesNoFileCanHaveAre404(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "index.html"), []byte("<p>hi</p>"), 0o644))
	srv := httptest.NewServer(New(os.DirFS(dir), Options{}))
	t.Cleanup(srv.Close)
	for _, path := range []string{"/index.html%00.js", "/%00", "/index.html%00", "/a%01b.js", "/%5Cindex.html"} {
		res, err := http.Get(srv.URL + path)
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, http.StatusNotFound, res.StatusCode, path)
	}
	res, err := http.Get(srv.URL + "/index.html")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode)
}
