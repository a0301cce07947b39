package jsonlite

import (
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth is how deeply arrays and objects may nest, as in encoding/json.
const maxDepth = 10000

// Error is a JSON text that is not well formed, or a value of the wrong type for where
// it stands. It says where: the line and column (from 1, in bytes) and, for a value of
// the wrong type, the path of keys to it.
type Error struct {
	Msg    string
	Line   int
	Column int
}

func (e *Error) Error() string {
	return e.Msg + " (line " + strconv.Itoa(e.Line) + ", column " + strconv.Itoa(e.Column) + ")"
}

// Decoder reads one JSON text into Go values, by the callers' own code: Object calls a
// function for each member, with the key; the function reads the value with String,
// Int, Object, Array... or Skip. The text is checked to be well formed first (NewDecoder),
// so that a syntax error anywhere is the error reported, as encoding/json does.
//
// Decoding follows json.Unmarshal's rules: keys match field names exactly or else
// case-insensitively (Fold), null leaves a value as it is (and sets a pointer or slice
// to nil), a number for an integer must be a whole number within range, and invalid
// UTF-8 in strings becomes U+FFFD.
type Decoder struct {
	data []byte
	pos  int
	// Strict makes unknown keys errors (json.Decoder.DisallowUnknownFields); otherwise
	// Unknown skips their value.
	Strict bool
	// path is the keys and indexes down to the value being read, for error messages.
	path []string
	// key is the current member's key as written.
	key string
}

// NewDecoder checks that data holds one JSON value (and only white space besides) and
// returns a decoder positioned on it.
func NewDecoder(data []byte) (*Decoder, error) {
	d := &Decoder{data: data}
	if err := d.Valid(); err != nil {
		return nil, err
	}
	return d, nil
}

// NewStreamDecoder checks that data starts with one JSON value and returns a decoder
// positioned on it, as json.Decoder reads the first value of a stream: what follows
// the value is not looked at; More says whether there is any.
func NewStreamDecoder(data []byte) (*Decoder, error) {
	d := &Decoder{data: data}
	if err := d.skipValue(0); err != nil {
		return nil, err
	}
	d.pos = 0
	return d, nil
}

// Valid checks that the rest of the input is one JSON value and white space.
func (d *Decoder) Valid() error {
	start := d.pos
	if err := d.skipValue(0); err != nil {
		return err
	}
	if d.skipSpace(); d.pos < len(d.data) {
		return d.syntaxError("after top-level value")
	}
	d.pos = start
	return nil
}

// More reports whether another value follows the one read, as json.Decoder.More
// does: anything but white space, ] or }.
func (d *Decoder) More() bool {
	c := d.peek()
	return c != 0 && c != ']' && c != '}'
}

// Path is where the decoder is, as keys and indexes: `actions[2].peer`.
func (d *Decoder) Path() string {
	var b strings.Builder
	for _, p := range d.path {
		if b.Len() > 0 && p[0] != '[' {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}

func (d *Decoder) position(at int) (line, col int) {
	line, col = 1, 1
	for i := 0; i < at && i < len(d.data); i++ {
		if d.data[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

func (d *Decoder) errorAt(at int, msg string) *Error {
	line, col := d.position(at)
	return &Error{Msg: msg, Line: line, Column: col}
}

func (d *Decoder) syntaxError(context string) error {
	if d.pos >= len(d.data) {
		return d.errorAt(d.pos, "unexpected end of JSON input")
	}
	return d.errorAt(d.pos, "invalid character "+quoteChar(d.data[d.pos])+" "+context)
}

// quoteChar spells a byte for a syntax error as encoding/json does: '{', '\n'.
func quoteChar(c byte) string {
	switch c {
	case '\'':
		return `'\''`
	case '"':
		return `'"'`
	}
	s := strconv.Quote(string(rune(c)))
	if c >= utf8.RuneSelf {
		s = strconv.Quote(string([]byte{c}))
	}
	return "'" + s[1:len(s)-1] + "'"
}

func (d *Decoder) skipSpace() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// peek returns the next byte that is not white space, or 0 at the end.
func (d *Decoder) peek() byte {
	d.skipSpace()
	if d.pos < len(d.data) {
		return d.data[d.pos]
	}
	return 0
}

// skipValue skips one value, checking its syntax.
func (d *Decoder) skipValue(depth int) error {
	switch d.peek() {
	case '{':
		return d.skipComposite(depth, '}', "looking for beginning of object key string", "after object key:value pair", true)
	case '[':
		return d.skipComposite(depth, ']', "looking for beginning of value", "after array element", false)
	case '"':
		return d.skipString()
	case 't':
		return d.skipLiteral("true")
	case 'f':
		return d.skipLiteral("false")
	case 'n':
		return d.skipLiteral("null")
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return d.skipNumber()
	}
	return d.syntaxError("looking for beginning of value")
}

func (d *Decoder) skipComposite(depth int, end byte, firstContext, afterContext string, object bool) error {
	if depth >= maxDepth {
		return d.errorAt(d.pos, "exceeded max depth")
	}
	d.pos++ // { or [
	if d.peek() == end {
		d.pos++
		return nil
	}
	for {
		if object {
			if d.peek() != '"' {
				return d.syntaxError(firstContext)
			}
			if err := d.skipString(); err != nil {
				return err
			}
			if d.peek() != ':' {
				return d.syntaxError("after object key")
			}
			d.pos++
		}
		if err := d.skipValue(depth + 1); err != nil {
			return err
		}
		switch d.peek() {
		case ',':
			d.pos++
			if object && d.peek() != '"' {
				return d.syntaxError(firstContext)
			}
		case end:
			d.pos++
			return nil
		default:
			return d.syntaxError(afterContext)
		}
	}
}

func (d *Decoder) skipLiteral(lit string) error {
	for i := 0; i < len(lit); i++ {
		if d.pos >= len(d.data) {
			return d.syntaxError("")
		}
		if d.data[d.pos] != lit[i] {
			if i == 0 {
				return d.syntaxError("looking for beginning of value")
			}
			return d.syntaxError("in literal " + lit + " (expecting " + quoteChar(lit[i]) + ")")
		}
		d.pos++
	}
	return nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func (d *Decoder) digits(context string) error {
	if d.pos >= len(d.data) || !isDigit(d.data[d.pos]) {
		return d.syntaxError(context)
	}
	for d.pos < len(d.data) && isDigit(d.data[d.pos]) {
		d.pos++
	}
	return nil
}

// skipNumber skips -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (d *Decoder) skipNumber() error {
	if d.data[d.pos] == '-' {
		d.pos++
	}
	switch {
	case d.pos >= len(d.data):
		return d.syntaxError("")
	case d.data[d.pos] == '0':
		d.pos++
	case isDigit(d.data[d.pos]):
		_ = d.digits("")
	default:
		return d.syntaxError("in numeric literal")
	}
	if d.pos < len(d.data) && d.data[d.pos] == '.' {
		d.pos++
		if err := d.digits("after decimal point in numeric literal"); err != nil {
			return err
		}
	}
	if d.pos < len(d.data) && (d.data[d.pos] == 'e' || d.data[d.pos] == 'E') {
		d.pos++
		if d.pos < len(d.data) && (d.data[d.pos] == '+' || d.data[d.pos] == '-') {
			d.pos++
		}
		if err := d.digits("in exponent of numeric literal"); err != nil {
			return err
		}
	}
	return nil
}

func isHex(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func (d *Decoder) skipString() error {
	d.pos++ // "
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch {
		case c == '"':
			d.pos++
			return nil
		case c == '\\':
			d.pos++
			if d.pos >= len(d.data) {
				return d.syntaxError("")
			}
			switch d.data[d.pos] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				d.pos++
			case 'u':
				d.pos++
				for range 4 {
					if d.pos >= len(d.data) {
						return d.syntaxError("")
					}
					if !isHex(d.data[d.pos]) {
						return d.syntaxError(`in \u hexadecimal character escape`)
					}
					d.pos++
				}
			default:
				return d.syntaxError("in string escape code")
			}
		case c < 0x20:
			return d.syntaxError("in string literal")
		default:
			d.pos++
		}
	}
	return d.syntaxError("")
}

// kind names the JSON value at the current position for a type error, as
// encoding/json does: "number -1", "string", "object", "array", "bool".
func (d *Decoder) kind() string {
	switch c := d.peek(); c {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	default:
		start := d.pos
		_ = d.skipNumber()
		lit := string(d.data[start:d.pos])
		d.pos = start
		return "number " + lit
	}
}

// TypeError is the error of a value of the wrong JSON type for goType at the current
// position; the value is skipped.
func (d *Decoder) TypeError(goType string) error {
	return d.typeError(d.kind(), goType)
}

func (d *Decoder) typeError(value, goType string) error {
	d.skipSpace()
	msg := "json: cannot unmarshal " + value + " into "
	if p := d.Path(); p != "" {
		msg += "field " + p + " of type " + goType
	} else {
		msg += "Go value of type " + goType
	}
	return d.errorAt(d.pos, msg)
}

// KeyError is the error of an object key that is not of the map's key type (a number,
// for goType uint64).
func (d *Decoder) KeyError(goType string) error {
	d.path = d.path[:len(d.path)-1]
	return d.typeError("number "+d.key, goType)
}

// Skip skips the next value.
func (d *Decoder) Skip() error { return d.skipValue(0) }

// Null reads a null if one comes next, and reports whether it did.
func (d *Decoder) Null() bool {
	if d.peek() == 'n' {
		d.pos += len("null")
		return true
	}
	return false
}

// Unknown handles a key that names no field: an error when Strict (naming the key as
// written), else its value is skipped.
func (d *Decoder) Unknown() error {
	if d.Strict {
		return d.errorAt(d.pos, "json: unknown field "+strconv.Quote(d.key))
	}
	return d.Skip()
}

// Key is the current member's key as written (Object passes it folded).
func (d *Decoder) Key() string { return d.key }

// Object reads an object, calling member with each key, folded (Fold), to read its
// value. A null is no object and leaves everything as it is; any other value is an
// error naming goType.
func (d *Decoder) Object(goType string, member func(key string) error) error {
	switch d.peek() {
	case 'n':
		d.Null()
		return nil
	case '{':
	default:
		return d.TypeError(goType)
	}
	d.pos++
	if d.peek() == '}' {
		d.pos++
		return nil
	}
	for {
		d.peek()
		raw, err := d.readString()
		if err != nil {
			return err
		}
		d.peek() // :
		d.pos++
		d.path = append(d.path, raw)
		d.key = raw
		if err := member(Fold(raw)); err != nil {
			return err
		}
		d.path = d.path[:len(d.path)-1]
		if d.peek() == ',' {
			d.pos++
			continue
		}
		d.pos++ // }
		return nil
	}
}

// Offset is the position of the next value (after white space), for Member.
func (d *Decoder) Offset() int {
	d.skipSpace()
	return d.pos
}

// Member reads the member value at offset (from Offset) with key as its key, as Object
// would; then the decoder is at end, the offset after the object it belongs to. It
// lets a reader take an object's members in an order of its own.
func (d *Decoder) Member(key string, offset, end int, member func(key string) error) error {
	d.pos, d.key = offset, key
	d.path = append(d.path, key)
	if err := member(Fold(key)); err != nil {
		return err
	}
	d.path = d.path[:len(d.path)-1]
	d.pos = end
	return nil
}

// Array reads an array, calling elem for each element (i from 0) to read it; it
// returns how many there were. A null is reported as -1.
func (d *Decoder) Array(goType string, elem func(i int) error) (int, error) {
	switch d.peek() {
	case 'n':
		d.Null()
		return -1, nil
	case '[':
	default:
		return 0, d.TypeError(goType)
	}
	d.pos++
	if d.peek() == ']' {
		d.pos++
		return 0, nil
	}
	for i := 0; ; i++ {
		d.path = append(d.path, "["+strconv.Itoa(i)+"]")
		if err := elem(i); err != nil {
			return 0, err
		}
		d.path = d.path[:len(d.path)-1]
		if d.peek() == ',' {
			d.pos++
			continue
		}
		d.pos++ // ]
		return i + 1, nil
	}
}

// Slice reads an array into *s as json.Unmarshal does, but for a key given twice:
// null sets nil, an empty array gives an empty, non-nil slice, and the elements are
// read by elem into new zero values. (Unmarshal reads a repeated key's elements into
// those of the first, merging them; here the last one is the value, as for every
// other type.)
func Slice[T any](d *Decoder, s *[]T, goType string, elem func(*T) error) error {
	var v []T
	n, err := d.Array(goType, func(int) error {
		var zero T
		v = append(v, zero)
		return elem(&v[len(v)-1])
	})
	switch {
	case n < 0:
		*s = nil
	case n == 0:
		*s = []T{}
	default:
		*s = v
	}
	return err
}

// Uints reads a list of whole numbers, as Slice would.
func (d *Decoder) Uints(s *[]uint64) error {
	var v []uint64
	n, err := d.Array("uint64", func(int) error {
		var x uint64
		err := d.Uint64(&x)
		v = append(v, x)
		return err
	})
	*s = fitList(v, n)
	return err
}

// Ints reads a list of whole numbers, as Slice would.
func (d *Decoder) Ints(s *[]int64) error {
	var v []int64
	n, err := d.Array("int64", func(int) error {
		var x int64
		err := d.Int64(&x)
		v = append(v, x)
		return err
	})
	*s = fitList(v, n)
	return err
}

// fitList is the list Array read n elements of into v: nil for null (n < 0), empty
// and not nil for [].
func fitList[T int64 | uint64](v []T, n int) []T {
	if n == 0 {
		return []T{}
	}
	return v
}

// The optional numbers, strings and booleans: null sets nil; any other value is read
// into a new one.

// UintPtr reads an optional whole number.
func (d *Decoder) UintPtr(p **uint64) error {
	*p = nil
	if d.Null() {
		return nil
	}
	*p = new(uint64)
	return d.Uint64(*p)
}

// IntPtr reads an optional whole number.
func (d *Decoder) IntPtr(p **int) error {
	*p = nil
	if d.Null() {
		return nil
	}
	*p = new(int)
	return d.Int(*p)
}

// FloatPtr reads an optional number.
func (d *Decoder) FloatPtr(p **float64) error {
	*p = nil
	if d.Null() {
		return nil
	}
	*p = new(float64)
	return d.Float64(*p)
}

// BoolPtr reads an optional boolean.
func (d *Decoder) BoolPtr(p **bool) error {
	*p = nil
	if d.Null() {
		return nil
	}
	*p = new(bool)
	return d.Bool(*p)
}

// StringPtr reads an optional string.
func (d *Decoder) StringPtr(p **string) error {
	*p = nil
	if d.Null() {
		return nil
	}
	*p = new(string)
	return d.String(*p)
}

// String reads a string into *v (null leaves it).
func (d *Decoder) String(v *string) error {
	switch d.peek() {
	case 'n':
		d.Null()
		return nil
	case '"':
		s, err := d.readString()
		*v = s
		return err
	}
	return d.TypeError("string")
}

// Bool reads true or false into *v (null leaves it).
func (d *Decoder) Bool(v *bool) error {
	switch d.peek() {
	case 'n':
		d.Null()
		return nil
	case 't':
		d.pos += len("true")
		*v = true
		return nil
	case 'f':
		d.pos += len("false")
		*v = false
		return nil
	}
	return d.TypeError("bool")
}

// number returns the literal of the number that comes next; ok is false (and nothing
// is read) for null, and err is a type error naming goType for any other value.
func (d *Decoder) number(goType string) (lit string, ok bool, err error) {
	switch c := d.peek(); {
	case c == 'n':
		d.Null()
		return "", false, nil
	case c == '-' || isDigit(c):
		start := d.pos
		_ = d.skipNumber()
		return string(d.data[start:d.pos]), true, nil
	}
	return "", false, d.TypeError(goType)
}

func (d *Decoder) numberError(lit, goType string, start int) error {
	d.pos = start
	return d.typeError("number "+lit, goType)
}

// Int64 reads a whole number into *v (null leaves it).
func (d *Decoder) Int64(v *int64) error {
	start := d.pos
	lit, ok, err := d.number("int64")
	if !ok {
		return err
	}
	n, perr := strconv.ParseInt(lit, 10, 64)
	if perr != nil {
		return d.numberError(lit, "int64", start)
	}
	*v = n
	return nil
}

// Int reads a whole number into *v (null leaves it).
func (d *Decoder) Int(v *int) error {
	start := d.pos
	lit, ok, err := d.number("int")
	if !ok {
		return err
	}
	n, perr := strconv.ParseInt(lit, 10, strconv.IntSize)
	if perr != nil {
		return d.numberError(lit, "int", start)
	}
	*v = int(n)
	return nil
}

// Uint64 reads a whole number, not negative, into *v (null leaves it).
func (d *Decoder) Uint64(v *uint64) error {
	start := d.pos
	lit, ok, err := d.number("uint64")
	if !ok {
		return err
	}
	n, perr := strconv.ParseUint(lit, 10, 64)
	if perr != nil {
		return d.numberError(lit, "uint64", start)
	}
	*v = n
	return nil
}

// Float64 reads a number into *v (null leaves it).
func (d *Decoder) Float64(v *float64) error {
	start := d.pos
	lit, ok, err := d.number("float64")
	if !ok {
		return err
	}
	f, perr := strconv.ParseFloat(lit, 64)
	if perr != nil {
		return d.numberError(lit, "float64", start)
	}
	*v = f
	return nil
}

// Raw returns the next value's text as written, and skips it.
func (d *Decoder) Raw() ([]byte, error) {
	d.skipSpace()
	start := d.pos
	if err := d.skipValue(0); err != nil {
		return nil, err
	}
	return d.data[start:d.pos], nil
}

// readString reads a string at the current position, decoding escapes; invalid UTF-8
// and unpaired surrogates become U+FFFD, as in encoding/json.
func (d *Decoder) readString() (string, error) {
	if d.peek() != '"' {
		return "", d.syntaxError("looking for beginning of value")
	}
	d.pos++
	start := d.pos
	// The common case: no escapes, valid UTF-8.
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		if c == '"' {
			s := d.data[start:d.pos]
			if utf8.Valid(s) {
				d.pos++
				return string(s), nil
			}
			break
		}
		if c == '\\' {
			break
		}
		d.pos++
	}
	d.pos = start
	var b []byte
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch {
		case c == '"':
			d.pos++
			return string(b), nil
		case c == '\\':
			d.pos++
			e := d.data[d.pos]
			d.pos++
			switch e {
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r := d.hex4()
				if utf16.IsSurrogate(r) {
					r2 := utf8.RuneError
					if d.pos+6 <= len(d.data) && d.data[d.pos] == '\\' && d.data[d.pos+1] == 'u' {
						save := d.pos
						d.pos += 2
						if dec := utf16.DecodeRune(r, d.hex4()); dec != utf8.RuneError {
							r2 = dec
						} else {
							d.pos = save
						}
					}
					r = r2
				}
				b = utf8.AppendRune(b, r)
			default: // " \ /
				b = append(b, e)
			}
		case c < utf8.RuneSelf:
			b = append(b, c)
			d.pos++
		default:
			r, size := utf8.DecodeRune(d.data[d.pos:])
			d.pos += size
			b = utf8.AppendRune(b, r)
		}
	}
	return "", d.syntaxError("")
}

// hex4 reads the four hex digits of a \u escape (checked by Valid).
func (d *Decoder) hex4() rune {
	var r rune
	for _, c := range d.data[d.pos : d.pos+4] {
		switch {
		case isDigit(c):
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		default:
			c -= 'A' - 10
		}
		r = r<<4 | rune(c)
	}
	d.pos += 4
	return r
}

// Fold returns the form of a key that field names are matched against: encoding/json
// matches a key to a field's name exactly or else case-insensitively, with Unicode's
// simple folding. The formats' names are lower-case ASCII, so a key matches a name
// when Fold(key) equals it: ASCII letters are lowered, and the two other letters that
// fold to ASCII ones (ſ to s, the Kelvin sign K to k) become those. Other letters are
// left as they are: no name can match them. (Not unicode's folding: its tables are
// 4 kB of the page's wasm.)
func Fold(key string) string {
	plain := true
	for i := 0; i < len(key); i++ {
		if c := key[i]; c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			plain = false
			break
		}
	}
	if plain {
		return key
	}
	b := make([]byte, 0, len(key))
	for _, r := range key {
		switch {
		case 'A' <= r && r <= 'Z':
			r += 'a' - 'A'
		case r == '\u017f':
			r = 's'
		case r == '\u212a':
			r = 'k'
		}
		b = utf8.AppendRune(b, r)
	}
	return string(b)
}

// Seek moves the decoder to offset (from Offset).
func (d *Decoder) Seek(offset int) { d.pos = offset }
