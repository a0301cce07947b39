package engine_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the expected outputs of the scripts in testdata/")

// A script is a scenario written as text, in the format of etcd's datadriven tests
// (github.com/cockroachdb/datadriven): each command is one line, optionally followed by
// input lines, then a line "----" and the output the command must produce, ended by a
// blank line. Output that itself holds blank lines is fenced by a second "----" after
// the first one and "----\n----" after the output. Lines starting with '#' before a
// command are comments. The parser is our own (this file) rather than the datadriven
// module because that module pulls cockroachdb/errors and its dependencies into
// go.mod, and because our own parser rewrites outputs on the package's -update flag.
// testdata/README.md lists the commands.

// scriptCommand is one command of a script with the output it expects.
type scriptCommand struct {
	pos   string       // file:line of the command, for messages
	name  string       // the first word
	args  []scriptArg  // the words after it
	input []string     // the lines between the command and "----"
	want  string       // the expected output
	out   [2]int       // the lines [from, to) holding the output and its fences, for -update
	file  *scriptLines // the file it was read from
}

// scriptArg is one word after a command: a bare value ("1") or key=value, where the
// value may be a list in parentheses, "log=(1, 2, 2)", or a quoted string.
type scriptArg struct {
	key  string
	vals []string
}

type scriptLines struct {
	path  string
	lines []string
}

const scriptSep = "----"

// parseScript reads the commands of one script file.
func parseScript(path, text string) ([]*scriptCommand, error) {
	file := &scriptLines{path: path, lines: strings.Split(strings.TrimSuffix(text, "\n"), "\n")}
	lines := file.lines
	var cmds []*scriptCommand
	for i := 0; i < len(lines); {
		line := strings.TrimSpace(lines[i])
		if line == "" || strings.HasPrefix(line, "#") {
			i++
			continue
		}
		c := &scriptCommand{pos: fmt.Sprintf("%s:%d", path, i+1), file: file}
		words, err := splitScriptWords(line)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.pos, err)
		}
		c.name = words[0]
		for _, w := range words[1:] {
			c.args = append(c.args, parseScriptArg(w))
		}
		for i++; i < len(lines) && lines[i] != scriptSep; i++ {
			if strings.TrimSpace(lines[i]) == "" {
				return nil, fmt.Errorf("%s: command %q has no %q line before its output", c.pos, c.name, scriptSep)
			}
			c.input = append(c.input, lines[i])
		}
		if i == len(lines) {
			return nil, fmt.Errorf("%s: command %q has no %q line before its output", c.pos, c.name, scriptSep)
		}
		i++ // the separator
		c.out[0] = i
		var want []string
		if i < len(lines) && lines[i] == scriptSep {
			// Fenced output: runs to "----" followed by "----".
			for i++; i+1 < len(lines) && !(lines[i] == scriptSep && lines[i+1] == scriptSep); i++ {
				want = append(want, lines[i])
			}
			if i+1 >= len(lines) {
				return nil, fmt.Errorf("%s: fenced output of %q does not end with two %q lines", c.pos, c.name, scriptSep)
			}
			i += 2
		} else {
			for ; i < len(lines) && lines[i] != ""; i++ {
				want = append(want, lines[i])
			}
		}
		c.out[1] = i
		if len(want) > 0 {
			c.want = strings.Join(want, "\n") + "\n"
		}
		cmds = append(cmds, c)
	}
	return cmds, nil
}

// splitScriptWords splits a command line at spaces outside quotes and parentheses.
func splitScriptWords(line string) ([]string, error) {
	var words []string
	var word strings.Builder
	depth, quoted := 0, false
	for _, r := range line {
		switch {
		case r == '"':
			quoted = !quoted
		case quoted:
		case r == '(':
			depth++
		case r == ')':
			depth--
			if depth < 0 {
				return nil, fmt.Errorf("unbalanced ')' in %q", line)
			}
		case r == ' ' && depth == 0:
			if word.Len() > 0 {
				words = append(words, word.String())
				word.Reset()
			}
			continue
		}
		word.WriteRune(r)
	}
	if quoted || depth != 0 {
		return nil, fmt.Errorf("unclosed quote or parenthesis in %q", line)
	}
	if word.Len() > 0 {
		words = append(words, word.String())
	}
	return words, nil
}

func parseScriptArg(word string) scriptArg {
	key, val, ok := strings.Cut(word, "=")
	if !ok {
		return scriptArg{vals: []string{unquote(word)}}
	}
	if strings.HasPrefix(val, "(") && strings.HasSuffix(val, ")") {
		var vals []string
		for v := range strings.SplitSeq(val[1:len(val)-1], ",") {
			if v = strings.TrimSpace(v); v != "" {
				vals = append(vals, unquote(v))
			}
		}
		return scriptArg{key: key, vals: vals}
	}
	return scriptArg{key: key, vals: []string{unquote(val)}}
}

func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

// formatScriptOutput writes an output as it appears after "----", fenced when it holds
// a blank line.
func formatScriptOutput(out string) []string {
	if out == "" {
		return nil
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			return append(append([]string{scriptSep}, lines...), scriptSep, scriptSep)
		}
	}
	return lines
}

// rewriteScript returns the file with each command's output replaced by got[i].
func rewriteScript(cmds []*scriptCommand, got []string) string {
	lines := cmds[0].file.lines
	var out []string
	next := 0
	for i, c := range cmds {
		out = append(out, lines[next:c.out[0]]...)
		out = append(out, formatScriptOutput(got[i])...)
		next = c.out[1]
	}
	out = append(out, lines[next:]...)
	return strings.Join(out, "\n") + "\n"
}

// TestScripts runs every script in testdata/ against a fresh network (script_cmds_test.go)
// and compares each command's output; -update rewrites the outputs instead.
func TestScripts(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "*.txt"))
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	for _, path := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txt"), func(t *testing.T) {
			runScript(t, path)
		})
	}
}

func runScript(t *testing.T, path string) {
	text, err := os.ReadFile(path)
	require.NoError(t, err)
	cmds, err := parseScript(path, string(text))
	require.NoError(t, err)
	require.NotEmpty(t, cmds, "%s holds no command", path)
	d := &scriptDriver{t: t}
	got := make([]string, len(cmds))
	for i, c := range cmds {
		got[i], err = d.run(c)
		require.NoError(t, err, "%s: %s", c.pos, c.name)
		if !*update {
			assert.Equal(t, c.want, got[i], "%s: output of %q differs (rerun with -update if the change is intended)", c.pos, c.name)
		}
	}
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(rewriteScript(cmds, got)), 0o644))
	}
}

// arg returns the values of key=..., or nil.
func (c *scriptCommand) arg(key string) []string {
	for _, a := range c.args {
		if a.key == key {
			return a.vals
		}
	}
	return nil
}

// bare returns the values given without a key ("campaign 1 2": 1 and 2).
func (c *scriptCommand) bare() []string {
	var out []string
	for _, a := range c.args {
		if a.key == "" {
			out = append(out, a.vals...)
		}
	}
	return out
}

// checkArgs reports an argument the command does not take, so a typo is an error
// rather than silently ignored.
func (c *scriptCommand) checkArgs(bare bool, keys ...string) error {
	for _, a := range c.args {
		if a.key == "" && !bare {
			return fmt.Errorf("%s takes no bare argument, got %q", c.name, a.vals[0])
		}
		if a.key != "" && !slices.Contains(keys, a.key) {
			return fmt.Errorf("%s has no argument %q (it takes %s)", c.name, a.key, strings.Join(keys, ", "))
		}
	}
	return nil
}

// uintArg parses key=N, or returns def when it is absent.
func (c *scriptCommand) uintArg(key string, def uint64) (uint64, error) {
	vals := c.arg(key)
	if vals == nil {
		return def, nil
	}
	if len(vals) != 1 {
		return 0, fmt.Errorf("%s: %s wants one number, got %v", c.name, key, vals)
	}
	v, err := strconv.ParseUint(vals[0], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: %s: %w", c.name, key, err)
	}
	return v, nil
}

// boolArg parses key=true|false, or returns def when it is absent.
func (c *scriptCommand) boolArg(key string, def bool) (bool, error) {
	vals := c.arg(key)
	if vals == nil {
		return def, nil
	}
	if len(vals) != 1 {
		return false, fmt.Errorf("%s: %s wants true or false, got %v", c.name, key, vals)
	}
	v, err := strconv.ParseBool(vals[0])
	if err != nil {
		return false, fmt.Errorf("%s: %s wants true or false: %w", c.name, key, err)
	}
	return v, nil
}
