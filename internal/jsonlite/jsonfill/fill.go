// Package jsonfill fills Go values at random, for the differential tests that hold the
// hand-written JSON codecs (package jsonlite's users: sim, lessons, wasm/bridge) to
// encoding/json: every exported field that json encodes gets a value, nil or not, empty
// or not, so that a field a codec misses shows as a difference.
package jsonfill

import (
	"math/rand/v2"
	"reflect"
)

// Filler fills values from its random source, drawing strings and numbers from its
// lists (each must be non-empty for the kinds the filled types use).
type Filler struct {
	Rand    *rand.Rand
	Strings []string
	Ints    []int64
	Uints   []uint64
	Floats  []float64
	// MaxDepth, when positive, leaves pointers and slices nested deeper than it zero,
	// for types that contain themselves.
	MaxDepth int
	// Custom, when set, may fill a value itself (a type with a JSON form of its own)
	// and then reports true.
	Custom func(rng *rand.Rand, v reflect.Value) bool
}

// Fill fills v, which must be settable.
func (f *Filler) Fill(v reflect.Value) { f.fill(v, 0) }

func (f *Filler) fill(v reflect.Value, depth int) {
	rng := f.Rand
	if f.Custom != nil && f.Custom(rng, v) {
		return
	}
	deep := f.MaxDepth > 0 && depth > f.MaxDepth
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if field := v.Type().Field(i); field.IsExported() && field.Tag.Get("json") != "-" {
				f.fill(v.Field(i), depth)
			}
		}
	case reflect.Pointer:
		if deep || rng.IntN(3) == 0 {
			v.SetZero()
			return
		}
		v.Set(reflect.New(v.Type().Elem()))
		f.fill(v.Elem(), depth+1)
	case reflect.Slice:
		switch {
		case deep || rng.IntN(4) == 0:
			v.SetZero()
		case rng.IntN(3) == 0:
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
		default:
			n := 1 + rng.IntN(3)
			v.Set(reflect.MakeSlice(v.Type(), n, n))
			for i := range n {
				f.fill(v.Index(i), depth+1)
			}
		}
	case reflect.Array:
		for i := range v.Len() {
			f.fill(v.Index(i), depth+1)
		}
	case reflect.Map:
		if rng.IntN(3) == 0 {
			v.SetZero()
			return
		}
		v.Set(reflect.MakeMap(v.Type()))
		for range rng.IntN(4) {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			f.fill(k, depth+1)
			f.fill(e, depth+1)
			v.SetMapIndex(k, e)
		}
	case reflect.String:
		v.SetString(f.Strings[rng.IntN(len(f.Strings))])
	case reflect.Bool:
		v.SetBool(rng.IntN(2) == 0)
	case reflect.Int, reflect.Int64:
		v.SetInt(f.Ints[rng.IntN(len(f.Ints))])
	case reflect.Uint64:
		v.SetUint(f.Uints[rng.IntN(len(f.Uints))])
	case reflect.Float64:
		v.SetFloat(f.Floats[rng.IntN(len(f.Floats))])
	default:
		panic("jsonfill: no case for " + v.Type().String())
	}
}
