package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"syscall"

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
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s answered %d %s: %s", e.URL, e.Status, http.StatusText(e.Status), e.Body.Error)
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
