//go:build js && wasm

package lessons

import (
	_ "embed" // page.json
	"encoding/json"
	"fmt"
)

// The WebAssembly build of the page embeds the lessons already parsed, as PageJSON
// writes them: page.json, generated from the lesson files by `go generate ./lessons`
// (TestPageJSONIsCurrent fails when it is stale; `make dist` embeds a fresh copy through
// a build overlay instead, so building never rewrites it). The page then downloads neither
// the parser nor the Markdown renderer, nor the file-system interfaces an embed.FS
// brings (and the time package's formatting with them): about 50 kB less of the
// playground's 1 MB budget. The Markdown fields of these lessons are empty; the HTML
// ones hold the narration.
//
//go:embed page.json
var pageJSON []byte

// loadEmbedded decodes the embedded lessons.
func loadEmbedded() ([]*Lesson, error) {
	var list []*Lesson
	if err := json.Unmarshal(pageJSON, &list); err != nil {
		return nil, fmt.Errorf("lessons: decode the embedded page.json: %w", err)
	}
	return list, nil
}
