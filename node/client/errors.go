package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/raftplay/raftplay/node"
)

// Error is a node's answer that is not a success (nor a 404 of Get, which is an
// absent key).
type Error struct {
	URL    string // the base URL of the node that answered
	Status int    // the HTTP status
	// Body is the node's ErrorBody; from something that is not a node, its Code is ""
	// and its Error the answer's text.
	Body node.ErrorBody
	// AfterOutcomeUnknown: an earlier attempt of the same call was answered 503
	// node.CodeOutcomeUnknown, so what the call asked for may have happened then. A
	// membership change is not deduplicated by a session: its retry may find the
	// change done ("unknown-member" for a removal that took effect).
	AfterOutcomeUnknown bool
	// noText: the answer had no text to quote (an empty body, an HTML page) and
	// Body.Error describes it instead.
	noText bool
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s answered %d %s%s", e.URL, e.Status, http.StatusText(e.Status), e.Reason())
}

// Reason is what Error says after the status: ": " and the answer's error text, or
// " with " and what the body was when it had no text to quote ("an empty body", "an
// HTML page titled ..."), so that a message reads cleanly whatever answered.
func (e *Error) Reason() string {
	switch {
	case e.noText:
		return " with " + e.Body.Error
	case e.Body.Error == "":
		return " with an empty body"
	}
	return ": " + e.Body.Error
}

// maxQuoted bounds how much of an answer that is not a node's an error quotes.
const maxQuoted = 200

// describeBody is what an error says of a body that is not a node's ErrorBody: its
// text on one line, clipped to maxQuoted bytes, with noText false; or, with noText
// true, what it is: "an empty body", or "an HTML page" (with its title when it has
// one), since the markup of a page says nothing in a terminal.
func describeBody(body []byte) (text string, noText bool) {
	trimmed := strings.TrimSpace(string(body))
	if trimmed == "" {
		return "an empty body", true
	}
	lower := strings.ToLower(trimmed)
	if strings.HasPrefix(lower, "<!doctype html") || strings.HasPrefix(lower, "<html") {
		if start := strings.Index(lower, "<title>"); start >= 0 {
			if end := strings.Index(lower[start:], "</title>"); end >= 0 {
				title := strings.Join(strings.Fields(trimmed[start+len("<title>"):start+end]), " ")
				if title != "" {
					return fmt.Sprintf("an HTML page titled %q", clipText(title)), true
				}
			}
		}
		return "an HTML page", true
	}
	return clipText(strings.Join(strings.Fields(trimmed), " ")), false
}

// clipText shortens s to maxQuoted bytes, on a rune boundary, marking the cut.
func clipText(s string) string {
	if len(s) <= maxQuoted {
		return s
	}
	cut := maxQuoted
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// Code is the machine-readable code of err's answer (node.ErrorBody.Code), or "" when
// err is not an answer or the answer has none.
func Code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Body.Code
	}
	return ""
}

// NotApplied reports whether err says for certain that a write had no effect: the node
// asked (or the leader it redirected to) refused the connection, or answered 503 with
// a code other than node.CodeOutcomeUnknown. Any other failure leaves the outcome
// unknown.
func NotApplied(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return e.Status == http.StatusServiceUnavailable && e.Body.Code != "" && e.Body.Code != node.CodeOutcomeUnknown
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}

// UnreachableError is a request that got no answer, explained: it names the node that
// did not answer (the one asked, or the one it redirected to). The cause stays
// reachable with errors.Is and errors.As.
type UnreachableError struct {
	Node string // base URL
	msg  string
	err  error
}

func (e *UnreachableError) Error() string { return e.msg }

// Unwrap returns the cause.
func (e *UnreachableError) Unwrap() error { return e.err }

// reachError explains err, which the request to base ended with.
func reachError(base string, err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		if u, perr := url.Parse(urlErr.URL); perr == nil && u.Host != "" {
			base = u.Scheme + "://" + u.Host
		}
	}
	var msg string
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		msg = fmt.Sprintf("cannot reach a node at %s: connection refused; is it running? ('raftplay cluster' starts three nodes; --addr points at others)", base)
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		msg = fmt.Sprintf("no answer from %s in time: %v; is a majority of the nodes running? ('raftplay status' shows them)", base, err)
	case urlErr != nil && urlErr.Timeout():
		msg = fmt.Sprintf("no answer from %s in time; is a majority of the nodes running? ('raftplay status' shows them)", base)
	default:
		msg = fmt.Sprintf("request to %s failed: %v", base, err)
	}
	return &UnreachableError{Node: base, msg: msg, err: err}
}

// refusedAll explains a round in which every node of order refused the connection:
// the error names them all, since the last one alone reads as if it were the only one
// tried. err, the last refusal, stays reachable with errors.Is and errors.As.
func refusedAll(order []string, err error) error {
	if len(order) < 2 {
		return err
	}
	msg := fmt.Sprintf("cannot reach a node at any of %s: connection refused; is it running? ('raftplay cluster' starts three nodes; --addr points at others)",
		strings.Join(order, ", "))
	return &UnreachableError{Node: order[len(order)-1], msg: msg, err: err}
}
