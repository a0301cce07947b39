//go:build js && wasm && !lazylessons

package lessons

import (
	_ "embed" // page.json
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
// The page's own build (`make dist`) sets the lazylessons tag and leaves them out
// (embed_lazy.go): the page fetches the same file, dist/lessons.json, when the learner
// first opens a lesson. This build is the one the wasm tests run.
//
//go:embed page.json
var pageJSON []byte

// loadEmbedded decodes the embedded lessons.
func loadEmbedded() ([]*Lesson, error) {
	list, err := DecodePageJSON(pageJSON)
	if err != nil {
		return nil, fmt.Errorf("lessons: the embedded page.json: %w", err)
	}
	return list, nil
}
