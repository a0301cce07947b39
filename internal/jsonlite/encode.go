// Package jsonlite writes and reads JSON without reflection, for the playground's
// WebAssembly build: encoding/json brings reflect's whole decoding and encoding
// machinery into the wasm (about 90 kB of its 905 kB brotli), while the formats the page
// exchanges with the simulator are few and fixed (state snapshots, trace events,
// scenarios, actions, lessons). Their encoders and decoders are written by hand on top
// of this package, and tests compare them with encoding/json on many values: the
// encoders' output must be byte for byte what json.Marshal writes, the decoders must
// accept and reject what json.Unmarshal does and fill the same values.
package jsonlite

import (
	"errors"
	"math"
	"strconv"
	"unicode/utf8"
)

// Encoder appends JSON to a buffer. Objects and arrays are written by Object or Array,
// then their members (Key then a value, for objects), then End; commas go where they
// belong by themselves. The first error (only a NaN or infinite float can cause one)
// sticks, and Bytes reports it.
type Encoder struct {
	buf []byte
	// comma is set when the next value or key follows a sibling.
	comma bool
	err   error
}

// NewEncoder returns an encoder that appends to buf (which may be nil).
func NewEncoder(buf []byte) *Encoder { return &Encoder{buf: buf} }

// Bytes returns the JSON written, or the first error.
func (e *Encoder) Bytes() ([]byte, error) { return e.buf, e.err }

func (e *Encoder) sep() {
	if e.comma {
		e.buf = append(e.buf, ',')
	}
	e.comma = true
}

// Object starts an object.
func (e *Encoder) Object() {
	e.sep()
	e.buf = append(e.buf, '{')
	e.comma = false
}

// Array starts an array.
func (e *Encoder) Array() {
	e.sep()
	e.buf = append(e.buf, '[')
	e.comma = false
}

// EndObject ends the object Object started.
func (e *Encoder) EndObject() {
	e.buf = append(e.buf, '}')
	e.comma = true
}

// EndArray ends the array Array started.
func (e *Encoder) EndArray() {
	e.buf = append(e.buf, ']')
	e.comma = true
}

// Key writes an object member's name. Names are the formats' own: plain ASCII that
// needs no escaping.
func (e *Encoder) Key(name string) {
	e.sep()
	e.buf = append(e.buf, '"')
	e.buf = append(e.buf, name...)
	e.buf = append(e.buf, '"', ':')
	e.comma = false
}

// Null writes null.
func (e *Encoder) Null() {
	e.sep()
	e.buf = append(e.buf, "null"...)
}

// Bool writes true or false.
func (e *Encoder) Bool(v bool) {
	e.sep()
	e.buf = strconv.AppendBool(e.buf, v)
}

// Int writes a whole number.
func (e *Encoder) Int(v int64) {
	e.sep()
	e.buf = strconv.AppendInt(e.buf, v, 10)
}

// Uint writes a whole number.
func (e *Encoder) Uint(v uint64) {
	e.sep()
	e.buf = strconv.AppendUint(e.buf, v, 10)
}

// Uints writes a list of whole numbers; nil is null, as encoding/json writes it.
func (e *Encoder) Uints(v []uint64) {
	if v == nil {
		e.Null()
		return
	}
	e.Array()
	for _, x := range v {
		e.Uint(x)
	}
	e.EndArray()
}

// Ints writes a list of whole numbers; nil is null.
func (e *Encoder) Ints(v []int64) {
	if v == nil {
		e.Null()
		return
	}
	e.Array()
	for _, x := range v {
		e.Int(x)
	}
	e.EndArray()
}

// Strings writes a list of strings; nil is null.
func (e *Encoder) Strings(v []string) {
	if v == nil {
		e.Null()
		return
	}
	e.Array()
	for _, x := range v {
		e.String(x)
	}
	e.EndArray()
}

// Float writes a float64 as encoding/json does: the shortest decimal that reads back
// to the same number, in exponent form below 1e-6 and from 1e21 on. NaN and the
// infinities have no JSON form; they are an error.
func (e *Encoder) Float(v float64) {
	e.sep()
	if math.IsNaN(v) || math.IsInf(v, 0) {
		if e.err == nil {
			e.err = errors.New("json: unsupported value: " + strconv.FormatFloat(v, 'g', -1, 64))
		}
		e.buf = append(e.buf, '0')
		return
	}
	format := byte('f')
	if a := math.Abs(v); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	start := len(e.buf)
	e.buf = strconv.AppendFloat(e.buf, v, format, -1, 64)
	if format == 'e' {
		// strconv writes two exponent digits at least (1e-07); JSON's convention, and
		// encoding/json's, is as few as needed (1e-7).
		b := e.buf[start:]
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			e.buf = e.buf[:len(e.buf)-1]
		}
	}
}

// String writes a string as json.Marshal does: with <, > and & escaped (\u003c...), so
// that the JSON is safe inside HTML, U+2028 and U+2029 escaped (JavaScript reads them
// as line ends), and each byte of invalid UTF-8 as \ufffd.
func (e *Encoder) String(s string) {
	e.sep()
	e.buf = AppendString(e.buf, s)
}

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string, escaped as String describes.
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	done := 0 // s[:done] is in b
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[done:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			done = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[done:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[done:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		done = i
	}
	b = append(b, s[done:]...)
	return append(b, '"')
}

// StringKey writes an object member's name that is data (a map's key): escaped as
// String escapes strings.
func (e *Encoder) StringKey(name string) {
	e.sep()
	e.buf = AppendString(e.buf, name)
	e.buf = append(e.buf, ':')
	e.comma = false
}

// The members of an object, each a key and its value in one call: a call site costs a
// good deal of code in Go's WebAssembly, and the formats have hundreds of members.

// IntField writes the member key: v.
func (e *Encoder) IntField(key string, v int64) {
	e.Key(key)
	e.Int(v)
}

// UintField writes the member key: v.
func (e *Encoder) UintField(key string, v uint64) {
	e.Key(key)
	e.Uint(v)
}

// StringField writes the member key: v.
func (e *Encoder) StringField(key, v string) {
	e.Key(key)
	e.String(v)
}

// BoolField writes the member key: v.
func (e *Encoder) BoolField(key string, v bool) {
	e.Key(key)
	e.Bool(v)
}

// FloatField writes the member key: v.
func (e *Encoder) FloatField(key string, v float64) {
	e.Key(key)
	e.Float(v)
}

// UintsField writes the member key: v (null when nil).
func (e *Encoder) UintsField(key string, v []uint64) {
	e.Key(key)
	e.Uints(v)
}

// IntsField writes the member key: v (null when nil).
func (e *Encoder) IntsField(key string, v []int64) {
	e.Key(key)
	e.Ints(v)
}

// StringsField writes the member key: v (null when nil).
func (e *Encoder) StringsField(key string, v []string) {
	e.Key(key)
	e.Strings(v)
}

// The omitempty members: left out when the value is zero or empty.

// OptInt writes the member key: v unless v is 0.
func (e *Encoder) OptInt(key string, v int64) {
	if v != 0 {
		e.IntField(key, v)
	}
}

// OptUint writes the member key: v unless v is 0.
func (e *Encoder) OptUint(key string, v uint64) {
	if v != 0 {
		e.UintField(key, v)
	}
}

// OptString writes the member key: v unless v is empty.
func (e *Encoder) OptString(key, v string) {
	if v != "" {
		e.StringField(key, v)
	}
}

// OptBool writes the member key: true when v is.
func (e *Encoder) OptBool(key string, v bool) {
	if v {
		e.BoolField(key, true)
	}
}

// OptUints writes the member key: v unless v is empty.
func (e *Encoder) OptUints(key string, v []uint64) {
	if len(v) > 0 {
		e.UintsField(key, v)
	}
}

// OptInts writes the member key: v unless v is empty.
func (e *Encoder) OptInts(key string, v []int64) {
	if len(v) > 0 {
		e.IntsField(key, v)
	}
}
