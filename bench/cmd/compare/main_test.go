package main

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCPUModel(t *testing.T) {
	tests := []struct {
		name    string
		cpuinfo string
		want    string
	}{
		{"x86", "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\nflags\t\t: fpu\n", "AMD EPYC 7B13"},
		{"arm with a model line", "processor\t: 0\nBogoMIPS\t: 108.00\nModel\t\t: Raspberry Pi 4 Model B Rev 1.4\n", "Raspberry Pi 4 Model B Rev 1.4"},
		{"first non-empty name wins", "model name\t:\nmodel name\t: Second\n", "Second"},
		{"no model", "processor\t: 0\nflags\t\t: fpu\n", ""},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "cpuinfo")
			require.NoError(t, os.WriteFile(path, []byte(tt.cpuinfo), 0o600))
			assert.Equal(t, tt.want, cpuModel(path))
		})
	}
}

func TestCPUModelUnreadable(t *testing.T) {
	assert.Empty(t, cpuModel(filepath.Join(t.TempDir(), "missing")))
}

func TestMedian(t *testing.T) {
	tests := []struct {
		name   string
		values []float64
		want   float64
	}{
		{"one", []float64{3}, 3},
		{"odd", []float64{5, 1, 3}, 3},
		{"even", []float64{4, 1, 3, 2}, 2.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			values := append([]float64(nil), tt.values...)
			assert.Equal(t, tt.want, median(values))
			assert.Equal(t, tt.values, values, "median must not reorder its input")
		})
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	assert.ErrorContains(t, run(io.Discard, 0, "1x"), "-rounds must be at least 1")
	assert.ErrorContains(t, run(io.Discard, 1, "soon"), `-benchtime "soon"`)
}
