package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// "cluster --web 127.0.0.1:99999" is HOST:PORT in form: the error names the port
// that is out of range, where it said only "expected HOST:PORT", which it is.
func TestLiveAddrNamesAPortOutOfRange(t *testing.T) {
	out, code := runRaftplayBounded(t, []string{"cluster", "--web", "127.0.0.1:99999", "--dist", t.TempDir(), "--data", t.TempDir()})
	assert.Equal(t, 2, code, "output:\n%s", out)
	assert.Contains(t, out, `--web "127.0.0.1:99999": the port 99999 is not a number in 0..65535`)
	out, code = runRaftplayBounded(t, []string{"serve", "--live", "http://127.0.0.1:8001", "--addr", "127.0.0.1:http", "--dist", t.TempDir()})
	assert.Equal(t, 2, code, "output:\n%s", out)
	assert.Contains(t, out, `--addr "127.0.0.1:http": the port "http" is not a number in 0..65535`)
}
