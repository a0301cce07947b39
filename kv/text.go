package kv

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// verb is one word of the text form.
type verb struct {
	word  string // canonical spelling, as Text writes it
	alias string // also accepted by ParseText
	op    Op
	args  string // what the arguments are, for error messages
	nargs int
}

var verbs = [...]verb{
	{word: "SET", alias: "PUT", op: OpPut, args: "key, value", nargs: 2},
	{word: "GET", op: OpGet, args: "key", nargs: 1},
	{word: "DEL", alias: "DELETE", op: OpDelete, args: "key", nargs: 1},
	{word: "CAS", op: OpCAS, args: "key, expected, new", nargs: 3},
}

// ParseText parses the playground's short text form of a command:
//
//	SET key value      (PUT is accepted too)
//	GET key
//	DEL key            (DELETE is accepted too)
//	CAS key expected new
//
// The verb is case-insensitive; keys and values are tokens without spaces.
// The command has no client session (ClientID and Seq are zero).
func ParseText(s string) (Command, error) {
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return Command{}, fmt.Errorf("kv: empty command (want SET, GET, DEL or CAS)")
	}
	v, ok := lookupVerb(fields[0])
	if !ok {
		return Command{}, fmt.Errorf("kv: unknown command %s in %s (want SET, GET, DEL or CAS)", quoteShort(fields[0]), quoteShort(s))
	}
	if args := len(fields) - 1; args != v.nargs {
		plural := "s"
		if v.nargs == 1 {
			plural = ""
		}
		return Command{}, fmt.Errorf("kv: %s needs %d argument%s (%s), got %d", quoteShort(s), v.nargs, plural, v.args, args)
	}
	c := Command{Op: v.op, Key: fields[1]}
	switch v.op {
	case OpPut:
		c.Value = fields[2]
	case OpCAS:
		c.Expected, c.Value = fields[2], fields[3]
	}
	if err := c.Validate(); err != nil {
		return Command{}, fmt.Errorf("%w (in %s)", err, quoteShort(s))
	}
	return c, nil
}

func lookupVerb(word string) (verb, bool) {
	for _, v := range verbs {
		if strings.EqualFold(word, v.word) || (v.alias != "" && strings.EqualFold(word, v.alias)) {
			return v, true
		}
	}
	return verb{}, false
}

// Text returns the short text form of c, such as "CAS x 3 4"; ParseText
// reads it back. A key or value that is not a token (empty, or containing
// white space) is shown Go-quoted: readable, but not parseable. Client id
// and sequence number are not part of the text form.
func (c Command) Text() string {
	var b strings.Builder
	for _, v := range verbs {
		if v.op == c.Op {
			b.WriteString(v.word)
		}
	}
	if b.Len() == 0 {
		b.WriteString(c.Op.String())
	}
	b.WriteByte(' ')
	b.WriteString(token(c.Key))
	if c.Op == OpCAS {
		b.WriteByte(' ')
		b.WriteString(token(c.Expected))
	}
	if c.Op.writesValue() {
		b.WriteByte(' ')
		b.WriteString(token(c.Value))
	}
	return b.String()
}

// token returns s as is if ParseText would read it back as one field.
func token(s string) string {
	if s == "" || strings.ContainsFunc(s, unicode.IsSpace) {
		return strconv.Quote(s)
	}
	return s
}

// quoteShort quotes s for an error message, cut to a readable length.
func quoteShort(s string) string {
	const limit = 40
	if len(s) <= limit {
		return strconv.Quote(s)
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + fmt.Sprintf("... (%d bytes)", len(s))
}
