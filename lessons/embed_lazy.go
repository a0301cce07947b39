//go:build js && wasm && lazylessons

package lessons

import "errors"

// The page's WebAssembly build (`make dist`, tag lazylessons) carries no lessons: they
// are about 30 kB of the page's 1 MB brotli budget that first paint does not need. The
// page fetches dist/lessons.json (PageJSON's output) when the learner first opens a
// lesson or follows a lesson link, and hands it to the bridge (loadLessons), which
// decodes it with DecodePageJSON. All is left with nothing to load.

// errNotEmbedded is All's error in this build.
var errNotEmbedded = errors.New("lessons: this build carries no lessons; load lessons.json first (the bridge's loadLessons)")

func loadEmbedded() ([]*Lesson, error) { return nil, errNotEmbedded }
