//go:build !litejson

package sim

import (
	"bytes"
	"encoding/json"
)

// withStdSyntaxError adds to err, jsonlite's report that data is not well-formed JSON,
// the *json.SyntaxError encoding/json gives for it: the share service tells a body that
// is not JSON (400) from an invalid scenario (422) by that type (share.Canonical). The
// page's build (tag litejson) leaves it out (jsonsyntax_lite.go), and with it
// encoding/json's scanner.
func withStdSyntaxError(data []byte, err error) error {
	var out bytes.Buffer
	if stdErr := json.Compact(&out, data); stdErr != nil {
		return &syntaxError{err: err, std: stdErr}
	}
	return err
}

// syntaxError reads as jsonlite's error (which says where) and wraps both.
type syntaxError struct {
	err, std error
}

func (e *syntaxError) Error() string   { return e.err.Error() }
func (e *syntaxError) Unwrap() []error { return []error{e.err, e.std} }
