//go:build js && wasm

package main

import (
	"context"
	"fmt"
	"syscall/js"

	"github.com/raftplay/raftplay/share"
)

// kvStore is a share.Store in a Workers KV namespace: one key per id, the scenario's
// canonical JSON as a text value, kept for good (no expiration).
type kvStore struct {
	name string   // the binding's name, for messages
	ns   js.Value // the KVNamespace; undefined when the binding is missing
}

func newKVStore(name string, ns js.Value) kvStore { return kvStore{name: name, ns: ns} }

// check reports a missing binding, which is a deployment mistake.
func (k kvStore) check() error {
	if k.ns.IsUndefined() || k.ns.IsNull() {
		return fmt.Errorf("the Worker has no %s binding (wrangler.toml [[kv_namespaces]])", k.name)
	}
	return nil
}

// Put stores data under id.
func (k kvStore) Put(ctx context.Context, id string, data []byte) error {
	if err := k.check(); err != nil {
		return err
	}
	if _, err := await(ctx, k.ns.Call("put", id, string(data))); err != nil {
		return fmt.Errorf("share: KV put %s: %w", id, err)
	}
	return nil
}

// Get returns the value under id; KV answers null for a missing key.
func (k kvStore) Get(ctx context.Context, id string) ([]byte, error) {
	if err := k.check(); err != nil {
		return nil, err
	}
	v, err := await(ctx, k.ns.Call("get", id, "text"))
	if err != nil {
		return nil, fmt.Errorf("share: KV get %s: %w", id, err)
	}
	if v.IsNull() || v.IsUndefined() {
		return nil, fmt.Errorf("%w: %s", share.ErrNotFound, id)
	}
	if v.Type() != js.TypeString {
		return nil, fmt.Errorf("share: KV get %s: the value is a %s, not text", id, v.Type())
	}
	return []byte(v.String()), nil
}

// await waits for a JavaScript promise and returns its value, or its rejection as an
// error. The callbacks are released once the promise settles; a done ctx stops the
// wait, and the callbacks then stay until the promise settles (the instance ends with
// the request anyway).
func await(ctx context.Context, promise js.Value) (js.Value, error) {
	type settled struct {
		value js.Value
		err   error
	}
	done := make(chan settled, 1)
	var onResolve, onReject js.Func
	release := func() {
		onResolve.Release()
		onReject.Release()
	}
	onResolve = js.FuncOf(func(_ js.Value, args []js.Value) any {
		v := js.Undefined()
		if len(args) > 0 {
			v = args[0]
		}
		done <- settled{value: v}
		release()
		return nil
	})
	onReject = js.FuncOf(func(_ js.Value, args []js.Value) any {
		reason := "rejected"
		if len(args) > 0 {
			reason = args[0].Call("toString").String()
		}
		done <- settled{err: fmt.Errorf("%s", reason)}
		release()
		return nil
	})
	promise.Call("then", onResolve, onReject)
	select {
	case s := <-done:
		return s.value, s.err
	case <-ctx.Done():
		return js.Value{}, ctx.Err()
	}
}

var _ share.Store = kvStore{}
