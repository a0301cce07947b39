package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/raftplay/raftplay/sim/chaos"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// --switches prints one row per unsafe switch and a last line with the count caught.
func TestChaosSwitchesReport(t *testing.T) {
	out, code := execute("chaos", "--switches", "--seeds", "20", "--workers", "2")
	require.Equal(t, 0, code, out)
	for _, sw := range chaos.Switches {
		assert.Contains(t, out, "| `--unsafe-"+sw.Name+"` | "+sw.Rule+" | ")
	}
	assert.Contains(t, out, "| `--unsafe-commit-old-terms` | §5.4.2, Figure 8: a leader counts replicas only of entries of its own term | ")
	n := len(chaos.Switches)
	assert.Contains(t, out, fmt.Sprintf("switches=%d caught=%d\n", n, n))
}

// A switch that no seed catches is a failure, named in the error.
func TestChaosSwitchesReportNamesAMiss(t *testing.T) {
	var w bytes.Buffer
	missed := printCatches(&w, []chaos.Catch{
		{Switch: chaos.Switches[0], Seeds: 10, Caught: 4, First: 2, By: map[string]int{"leader-completeness": 4}},
		{Switch: chaos.Switches[1], Seeds: 10},
	})
	assert.Equal(t, []string{chaos.Switches[1].Name}, missed)
	lines := strings.Split(strings.TrimSpace(w.String()), "\n")
	require.Len(t, lines, 4)
	assert.Equal(t, "| `--unsafe-skip-up-to-date-check` | "+chaos.Switches[0].Rule+" | 4 of 10 (40.0%) | 2 | leader-completeness 4 |", lines[2])
	assert.Equal(t, "| `--unsafe-commit-old-terms` | "+chaos.Switches[1].Rule+" | 0 of 10 (0.0%) | none |  |", lines[3])
}

func TestChaosSwitchesRefusesAnUnsafeFlag(t *testing.T) {
	out, code := execute("chaos", "--switches", "--seeds", "1", "--unsafe-commit-old-terms")
	assert.Equal(t, 2, code)
	assert.Contains(t, out, "--switches turns each unsafe switch on in turn: leave out --unsafe-commit-old-terms")
}
