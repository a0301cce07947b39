package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An address that is not HOST:PORT is named as such: "cluster --web nonsense" said
// "which is not a loopback address", and --insecure would only have moved the error.
func TestLiveAddrWithoutAPortIsAUsageMistake(t *testing.T) {
	for _, addr := range []string{"nonsense", "127.0.0.1", "http://127.0.0.1:8080", "127.0.0.1:http80", "127.0.0.1:70000"} {
		for _, insecure := range []bool{false, true} {
			err := checkLiveAddr("--web", addr, insecure)
			require.Error(t, err, "%q insecure=%v", addr, insecure)
			assert.Contains(t, err.Error(), `--web "`+addr+`"`)
			assert.Contains(t, err.Error(), "HOST:PORT")
			assert.NotContains(t, err.Error(), "loopback address")
		}
	}
	assert.NoError(t, checkLiveAddr("--web", "127.0.0.1:8080", false))
	assert.NoError(t, checkLiveAddr("--web", "localhost:0", false))
	assert.NoError(t, checkLiveAddr("--web", "0.0.0.0:8080", true))
	assert.ErrorContains(t, checkLiveAddr("--web", "0.0.0.0:8080", false), "not a loopback address")
}
