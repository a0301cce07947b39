//go:build js && wasm

// Command wasm is the playground's simulator compiled to WebAssembly. It sets
// globalThis.raftplayWasm to an object of functions, one per function of the bridge
// package (load, step, act, state, rewindTo, ...), then waits forever so that
// JavaScript can keep calling them. web/js/bridge.js is the only caller.
package main

import (
	"syscall/js"

	"github.com/raftplay/raftplay/wasm/bridge"
)

func main() {
	b := bridge.New()
	api := js.Global().Get("Object").New()
	for _, name := range bridge.Names() {
		api.Set(name, js.FuncOf(func(_ js.Value, jsArgs []js.Value) any {
			return b.Call(name, convert(jsArgs))
		}))
	}
	js.Global().Set("raftplayWasm", api)
	select {}
}

// convert turns JavaScript arguments into the Go values bridge.Call takes.
func convert(in []js.Value) []any {
	out := make([]any, len(in))
	for i, v := range in {
		switch v.Type() {
		case js.TypeString:
			out[i] = v.String()
		case js.TypeNumber:
			out[i] = v.Float()
		case js.TypeBoolean:
			out[i] = v.Bool()
		case js.TypeUndefined, js.TypeNull:
			out[i] = nil
		default:
			out[i] = bridge.Unsupported(v.Type().String())
		}
	}
	return out
}
