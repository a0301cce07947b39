package lessons

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMarkdownHTML(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"paragraphs", "one\ntwo\n\nthree", "<p>one\ntwo</p>\n<p>three</p>\n"},
		{"heading", "### Figure 7\ntext", "<h3>Figure 7</h3>\n<p>text</p>\n"},
		{"not a heading", "#hashtag", "<p>#hashtag</p>\n"},
		{"inline", "**bold** and *em* and `a < b`", "<p><strong>bold</strong> and <em>em</em> and <code>a &lt; b</code></p>\n"},
		{"nested", "**very *much***", "<p><strong>very <em>much</em></strong></p>\n"},
		{"unclosed", "a * b and **c", "<p>a * b and **c</p>\n"},
		{"escapes", `\*not em\* and \\`, "<p>*not em* and \\</p>\n"},
		{"bullets", "- one\n- two\n  more\n\nafter", "<ul>\n<li>one</li>\n<li>two more</li>\n</ul>\n<p>after</p>\n"},
		{"numbers", "3. c\n4. d", "<ol start=\"3\">\n<li>c</li>\n<li>d</li>\n</ol>\n"},
		{"quote", "> said\n> twice", "<blockquote><p>said\ntwice</p></blockquote>\n"},
		{"code", "```sh\nkill -9 <pid>\n```", "<pre><code>kill -9 &lt;pid&gt;</code></pre>\n"},
		{"unclosed code", "```\nx", "<pre><code>x</code></pre>\n"},
		{"unicode space", "\u3000\n\ta", "<p>a</p>\n"},
		{"indented list marker", "\t- a", "<ul>\n<li>a</li>\n</ul>\n"},
		{"link", "[the paper](https://raft.github.io/raft.pdf)", "<p><a href=\"https://raft.github.io/raft.pdf\">the paper</a></p>\n"},
		{"relative link", "[lesson](#lesson=reads)", "<p><a href=\"#lesson=reads\">lesson</a></p>\n"},
		{"script link", "[x](javascript:alert(1))", "<p>x</p>\n"},
		{"data link", "[x](data:text/html,hi)", "<p>x</p>\n"},
		{"scheme-relative link", "[x](//evil.example)", "<p>x</p>\n"},
		{"not a link", "[x] (y)", "<p>[x] (y)</p>\n"},
		{"raw html", "<script>alert('x')</script> & \"q\"", "<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &#34;q&#34;</p>\n"},
		{"html in link text", "[<b>](/x)", "<p><a href=\"/x\">&lt;b&gt;</a></p>\n"},
		{"quote in href", "[x](/a\"onmouseover=b)", "<p><a href=\"/a&#34;onmouseover=b\">x</a></p>\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, MarkdownHTML(tc.src))
		})
	}
}

func TestMarkdownText(t *testing.T) {
	src := "## Title\n\nSome **bold** text with `code` and a [link](https://x.example) that goes on for a while.\n\n- item one\n- item two\n\n```\ncode line\n```"
	want := "Title\n=====\n\nSome bold text with `code` and a link\n(https://x.example) that goes on for a\nwhile.\n\n  - item one\n  - item two\n\n    code line\n"
	assert.Equal(t, want, MarkdownText(src, 40))
}

func TestWrapText(t *testing.T) {
	assert.Equal(t, "> aaa bbb\n  ccc\n", WrapText("aaa bbb ccc", 10, "> ", "  "))
	assert.Equal(t, "averyveryverylongword\nx\n", WrapText("averyveryverylongword x", 5, "", ""))
	assert.Equal(t, "\n", WrapText("", 10, "", ""))
}

// tagsOnly reports whether every '<' in html opens or closes one of the renderer's
// tags: the property that no raw HTML passes through.
func tagsOnly(html string) bool {
	allowed := []string{"p>", "/p>", "h1>", "/h1>", "h2>", "/h2>", "h3>", "/h3>", "h4>", "/h4>", "h5>", "/h5>",
		"h6>", "/h6>", "ul>", "/ul>", "ol>", "ol start=\"", "/ol>", "li>", "/li>", "pre>", "/pre>", "code>", "/code>",
		"blockquote>", "/blockquote>", "strong>", "/strong>", "em>", "/em>", "a href=\"", "/a>"}
	for i := strings.IndexByte(html, '<'); i >= 0; i = strings.IndexByte(html, '<') {
		html = html[i+1:]
		ok := false
		for _, a := range allowed {
			if strings.HasPrefix(html, a) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func TestTagsOnly(t *testing.T) {
	assert.True(t, tagsOnly(MarkdownHTML("**a** <b>")))
	assert.False(t, tagsOnly("<p><script></p>"))
}
