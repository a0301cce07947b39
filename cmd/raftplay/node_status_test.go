package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/filestore"
	"github.com/raftplay/raftplay/node"
)

// /status's storage summary names the store's files under the data directory's own
// name, never the absolute path: the summary reaches pages and exported traces, which
// have no business learning where on the machine the data lives.
func TestStatusStorageSummaryHidesTheDataPath(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "node1")
	summary := func() string {
		var got string
		runOneNode(t, dir, func(url string) {
			resp, err := http.Get(url + "/status")
			require.NoError(t, err)
			defer resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode)
			var st node.Status
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&st))
			require.NotNil(t, st.Storage)
			got = st.Storage.Summary
		})
		return got
	}
	created := summary()
	assert.Contains(t, created, "created a new store in node1"+string(filepath.Separator)+"log-")
	assert.NotContains(t, created, parent)
	replayed := summary()
	assert.Contains(t, replayed, "records of node1"+string(filepath.Separator)+"log-")
	assert.NotContains(t, replayed, parent)
}

// Every path of the report is named under the data directory's name, whether the data
// directory was given absolute, relative or as ".".
func TestPublicReportNamesFilesUnderTheDataDirectory(t *testing.T) {
	work, err := os.Getwd()
	require.NoError(t, err)
	for _, dataDir := range []string{"/srv/raft/node2", "node2", "node2/", "."} {
		abs, err := filepath.Abs(dataDir)
		require.NoError(t, err)
		name := filepath.Base(abs)
		report := filestore.RecoveryReport{
			LogFile: filepath.Join(abs, "log-2"), Removed: []string{filepath.Join(abs, "log-1"), filepath.Join(abs, "state.tmp")},
			TornTail: &filestore.TornTail{File: filepath.Join(abs, "log-2"), Offset: 10, Bytes: 3, Reason: "short"},
		}
		public := publicReport(report, dataDir)
		assert.Equal(t, filepath.Join(name, "log-2"), public.LogFile, dataDir)
		assert.Equal(t, []string{filepath.Join(name, "log-1"), filepath.Join(name, "state.tmp")}, public.Removed, dataDir)
		assert.Equal(t, filepath.Join(name, "log-2"), public.TornTail.File, dataDir)
		assert.Equal(t, filepath.Join(abs, "log-2"), report.TornTail.File, "the report itself is left as it was")
		assert.NotContains(t, public.String(), filepath.Dir(abs), dataDir)
	}
	assert.Equal(t, filepath.Base(work), filepath.Dir(publicReport(filestore.RecoveryReport{LogFile: "log-1"}, ".").LogFile))
}
