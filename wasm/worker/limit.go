//go:build js && wasm

package main

import (
	"fmt"
	"net/http"
	"syscall/js"
	"time"

	"github.com/raftplay/raftplay/share"
)

// Cloudflare's rate limiting binding for POST /api/share, as wrangler.toml declares
// it ([[ratelimits]]). The Worker keeps nothing between requests, so the count lives
// with Cloudflare: a fixed window of sharePeriod in which one client may share
// sharesPerPeriod scenarios. The two numbers here are the ones wrangler.toml gives the
// binding; web/test/worker-e2e.mjs checks that they agree.
const (
	limitBinding    = "SHARE_LIMIT"
	sharesPerPeriod = 10
	sharePeriod     = time.Minute
)

// rateGate is a share.Gate that asks the rate limiting binding, keyed by the client's
// address as Cloudflare reports it (CF-Connecting-IP, which Cloudflare sets and a
// client cannot forge through it).
type rateGate struct {
	ns js.Value // the binding; undefined when it is missing
}

// Take counts one share for r's client.
func (g rateGate) Take(r *http.Request) (bool, time.Duration, error) {
	if g.ns.IsUndefined() || g.ns.IsNull() {
		return false, 0, fmt.Errorf("the Worker has no %s binding (wrangler.toml [[ratelimits]])", limitBinding)
	}
	opts := js.Global().Get("Object").New()
	opts.Set("key", r.Header.Get("CF-Connecting-IP"))
	v, err := await(r.Context(), g.ns.Call("limit", opts))
	if err != nil {
		return false, 0, fmt.Errorf("%s.limit: %w", limitBinding, err)
	}
	if v.Type() != js.TypeObject || v.Get("success").Type() != js.TypeBoolean {
		return false, 0, fmt.Errorf("%s.limit answered %s, not {success: boolean}", limitBinding, v.Type())
	}
	// The binding does not say when its window ends: at most a whole period away.
	return v.Get("success").Bool(), sharePeriod, nil
}

// PerMinute is the binding's limit, per minute.
func (rateGate) PerMinute() int { return sharesPerPeriod * int(time.Minute/sharePeriod) }

var _ share.Gate = rateGate{}
