//go:build !(js && wasm)

package lessons

import (
	"embed"
	"fmt"
)

// The native binary embeds the lesson files themselves and parses them when All is
// first called. (The WebAssembly build embeds them parsed: embed_wasm.go.)
//
//go:embed [0-9][0-9]-*.md
var embedded embed.FS

// loadEmbedded parses the embedded files.
func loadEmbedded() ([]*Lesson, error) {
	entries, err := embedded.ReadDir(".")
	if err != nil {
		return nil, fmt.Errorf("lessons: list the embedded lessons: %w", err)
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	return parseFiles(names, embedded.ReadFile)
}
