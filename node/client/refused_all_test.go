package client

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// When every address refuses the connection, the error names all of them, not only the
// last one tried: "raftplay kv get x" against a stopped cluster said only
// "cannot reach a node at http://127.0.0.1:8003", as if 8001 and 8002 had not been tried.
func TestRefusedEverywhereNamesEveryAddress(t *testing.T) {
	a, b, c := deadURL(t), deadURL(t), deadURL(t)
	cl, err := New([]string{a, b, c}, Options{})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = cl.Get(ctx, "k")
	require.Error(t, err)
	for _, u := range []string{a, b, c} {
		assert.Contains(t, err.Error(), u)
	}
	assert.Contains(t, err.Error(), "connection refused; is it running?")
	assert.ErrorIs(t, err, syscall.ECONNREFUSED)
	assert.True(t, NotApplied(err), "a write that reached no node had no effect")
	var unreachable *UnreachableError
	require.ErrorAs(t, err, &unreachable)
}

// With one address the error stays as it was: that node, by its URL.
func TestRefusedByTheOnlyAddress(t *testing.T) {
	a := deadURL(t)
	cl, err := New([]string{a}, Options{})
	require.NoError(t, err)
	_, err = cl.Get(context.Background(), "k")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot reach a node at "+a+": connection refused")
}
