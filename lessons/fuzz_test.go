package lessons

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseLesson feeds Parse arbitrary files: it must return a lesson or an error
// wrapping ErrLesson, never panic; and a lesson it returns must be playable.
func FuzzParseLesson(f *testing.F) {
	dir := os.DirFS(".")
	names, _ := fs.Glob(dir, "*.md")
	for _, name := range names {
		data, _ := fs.ReadFile(dir, name)
		f.Add(data)
	}
	f.Add([]byte(lessonWith(goodStep)))
	f.Add([]byte(lessonWith(`{"observe": true, "check": {"all": [{"not": {"leader": {}}}, {"event": {"kind": "role", "peer": "step_leader"}}]}}`)))
	f.Add([]byte(goodHead + "## S\n\n```step\n{\"observe\": true,\n```\n"))
	f.Add([]byte("# T\n\n```lesson\n{\"summary\": \"s\", \"scenario\": {\"v\": 1, \"start\": {\"peers\": {\"1\": {\"log\": [1, 1]}}}}}\n```\n"))
	f.Add([]byte("```step\n```\n```lesson"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := Parse("01-fuzz.md", data)
		if err != nil {
			if !errors.Is(err, ErrLesson) {
				t.Fatalf("error does not wrap ErrLesson: %v", err)
			}
			return
		}
		if len(l.Steps) == 0 || l.Title == "" {
			t.Fatalf("a parsed lesson without steps or title")
		}
		for _, st := range l.Steps {
			if st.Check == nil || st.Check.Describe() == "" {
				t.Fatalf("step %d: no check", st.Number)
			}
			if !tagsOnly(st.NarrationHTML) {
				t.Fatalf("step %d: raw HTML in the narration: %q", st.Number, st.NarrationHTML)
			}
		}
		// The first step starts and evaluates without error.
		r, err := NewRunner(l)
		if err != nil {
			t.Fatalf("a parsed lesson does not start: %v", err)
		}
		r.Status()
	})
}

// FuzzMarkdown checks that any narration renders without panicking and that its HTML
// holds only the renderer's own tags.
func FuzzMarkdown(f *testing.F) {
	for _, s := range []string{
		"# T\n\n**a** *b* `c` [d](https://e) \\*",
		"- a\n- b\n\n1. c\n> q\n```\n<x>\n```",
		"[x](javascript:alert(1)) <script> **[*a*](b)**",
		"***", "[", "[a](", "`", "\\", "* ", "1. ",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if !utf8.ValidString(src) {
			return
		}
		html := MarkdownHTML(src)
		if !tagsOnly(html) {
			t.Fatalf("raw HTML passed through: %q -> %q", src, html)
		}
		if strings.Contains(html, "javascript:") && strings.Contains(html, `href="javascript`) {
			t.Fatalf("unsafe link: %q", html)
		}
		MarkdownText(src, 40)
		InlineHTML(src)
	})
}
