package main

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestModuleIsCurrent checks that web/js/vocab.gen.js, what the page imports, is the
// vocabulary of engine and sim as it is now.
func TestModuleIsCurrent(t *testing.T) {
	got, err := os.ReadFile("../../../web/js/vocab.gen.js")
	require.NoError(t, err)
	require.True(t, string(Module()) == string(got), "web/js/vocab.gen.js is stale: run `make generate`")
}
