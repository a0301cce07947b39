package lessons

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// The narration of a lesson is Markdown, of a small subset that this file renders
// to HTML for the page and to plain text for the terminal:
//
//	# to ###### headings        paragraphs (lines joined)     > quotes
//	- or * bullet lists         1. numbered lists              ``` fenced code
//	**bold**   *emphasis*   `code`   [text](link)   \* (a literal *)
//
// Everything else is text. Every character of the input is escaped in the HTML: no
// raw HTML passes through, and a link whose target is not http(s), mailto, a fragment
// or a relative path is shown as its text only.

type blockKind uint8

const (
	blockPara blockKind = iota
	blockHeading
	blockList
	blockCode
	blockQuote
)

// mdBlock is one block of a Markdown text.
type mdBlock struct {
	kind    blockKind
	level   int      // heading level
	ordered bool     // numbered list
	start   int      // number of a numbered list's first item
	lines   []string // paragraph, quote and code lines; list items, one string each
}

// parseMarkdown splits Markdown text into blocks. Every branch consumes at least one
// line, so the loop always ends.
func parseMarkdown(src string) []mdBlock {
	var blocks []mdBlock
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	trimmed := func(i int) string { return strings.TrimSpace(lines[i]) }
	for i := 0; i < len(lines); {
		t := trimmed(i)
		if t == "" {
			i++
			continue
		}
		if strings.HasPrefix(t, "```") {
			b := mdBlock{kind: blockCode}
			for i++; i < len(lines) && trimmed(i) != "```"; i++ {
				b.lines = append(b.lines, strings.TrimRight(lines[i], " \t"))
			}
			blocks = append(blocks, b)
			i++ // the closing fence
			continue
		}
		if level, text, ok := heading(t); ok {
			blocks = append(blocks, mdBlock{kind: blockHeading, level: level, lines: []string{text}})
			i++
			continue
		}
		var b mdBlock
		switch ordered, text, isItem := listItem(t); {
		case strings.HasPrefix(t, ">"):
			b.kind = blockQuote
			for ; i < len(lines) && strings.HasPrefix(trimmed(i), ">"); i++ {
				b.lines = append(b.lines, strings.TrimSpace(strings.TrimPrefix(trimmed(i), ">")))
			}
		case isItem:
			b = mdBlock{kind: blockList, ordered: ordered >= 0, start: ordered, lines: []string{text}}
			for i++; i < len(lines); i++ {
				t := trimmed(i)
				if t == "" || isBlockStart(t) && !isListStart(t) {
					break
				}
				if _, text, ok := listItem(t); ok {
					b.lines = append(b.lines, text)
				} else {
					b.lines[len(b.lines)-1] += " " + t
				}
			}
		default:
			b = mdBlock{kind: blockPara, lines: []string{t}}
			for i++; i < len(lines); i++ {
				t := trimmed(i)
				if t == "" || isBlockStart(t) {
					break
				}
				b.lines = append(b.lines, t)
			}
		}
		blocks = append(blocks, b)
	}
	return blocks
}

func isListStart(t string) bool {
	_, _, ok := listItem(t)
	return ok
}

// isBlockStart reports whether a line begins a block other than a paragraph.
func isBlockStart(t string) bool {
	_, _, heading := heading(t)
	return heading || strings.HasPrefix(t, "```") || strings.HasPrefix(t, ">") || isListStart(t)
}

// heading reads "## Title".
func heading(t string) (level int, text string, ok bool) {
	for level < len(t) && t[level] == '#' {
		level++
	}
	if level == 0 || level > 6 || level >= len(t) || t[level] != ' ' {
		return 0, "", false
	}
	return level, strings.TrimSpace(t[level:]), true
}

// listItem reads "- item", "* item" or "3. item"; ordered is the number, or -1 for a
// bullet.
func listItem(t string) (ordered int, text string, ok bool) {
	if len(t) >= 2 && (t[0] == '-' || t[0] == '*') && t[1] == ' ' {
		return -1, strings.TrimSpace(t[2:]), true
	}
	digits := 0
	for digits < len(t) && digits < 9 && t[digits] >= '0' && t[digits] <= '9' {
		digits++
	}
	if digits == 0 || digits+1 >= len(t) || t[digits] != '.' || t[digits+1] != ' ' {
		return 0, "", false
	}
	n, _ := strconv.Atoi(t[:digits])
	return n, strings.TrimSpace(t[digits+2:]), true
}

// escapeHTML escapes the characters that are special in HTML text and attribute
// values. (html.EscapeString would do the same, but brings its table of entities into
// the WebAssembly build; so would a package-level strings.Replacer, built at start-up
// whether or not anything renders Markdown, with its generic replacement machinery.)
func escapeHTML(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&#34;")
		case '\'':
			b.WriteString("&#39;")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// MarkdownHTML renders Markdown narration as HTML (see the subset above).
func MarkdownHTML(src string) string {
	var b strings.Builder
	for _, bl := range parseMarkdown(src) {
		switch bl.kind {
		case blockHeading:
			tag := "h" + strconv.Itoa(bl.level)
			b.WriteString("<" + tag + ">" + inlineHTML(bl.lines[0]) + "</" + tag + ">\n")
		case blockPara:
			b.WriteString("<p>" + inlineHTML(strings.Join(bl.lines, "\n")) + "</p>\n")
		case blockQuote:
			b.WriteString("<blockquote><p>" + inlineHTML(strings.Join(bl.lines, "\n")) + "</p></blockquote>\n")
		case blockCode:
			b.WriteString("<pre><code>" + escapeHTML(strings.Join(bl.lines, "\n")) + "</code></pre>\n")
		case blockList:
			tag := "ul"
			if bl.ordered {
				tag = "ol"
			}
			b.WriteString("<" + tag)
			if bl.ordered && bl.start != 1 {
				b.WriteString(` start="` + strconv.Itoa(bl.start) + `"`)
			}
			b.WriteString(">\n")
			for _, item := range bl.lines {
				b.WriteString("<li>" + inlineHTML(item) + "</li>\n")
			}
			b.WriteString("</" + tag + ">\n")
		}
	}
	return b.String()
}

// InlineHTML renders one line of Markdown (a prompt, a quiz question) as HTML without
// a surrounding paragraph.
func InlineHTML(src string) string { return inlineHTML(src) }

// InlineText renders one line of Markdown as plain text: emphasis marks dropped, code
// kept in backquotes, links as "text (target)".
func InlineText(src string) string { return inlineText(src) }

// WrapText breaks text into lines of at most width columns, the first prefixed with
// first and the others with rest (a word longer than a line gets a line of its own).
func WrapText(text string, width int, first, rest string) string {
	return wrap(text, width, first, rest)
}

// MarkdownText renders Markdown narration as plain text for a terminal, wrapped at
// width columns.
func MarkdownText(src string, width int) string {
	var b strings.Builder
	for i, bl := range parseMarkdown(src) {
		if i > 0 {
			b.WriteString("\n")
		}
		switch bl.kind {
		case blockHeading:
			t := inlineText(bl.lines[0])
			b.WriteString(t + "\n")
			if bl.level <= 2 {
				b.WriteString(strings.Repeat("=", min(utf8.RuneCountInString(t), width)) + "\n")
			}
		case blockPara:
			b.WriteString(wrap(inlineText(strings.Join(bl.lines, " ")), width, "", ""))
		case blockQuote:
			b.WriteString(wrap(inlineText(strings.Join(bl.lines, " ")), width, "  | ", "  | "))
		case blockCode:
			for _, l := range bl.lines {
				b.WriteString("    " + l + "\n")
			}
		case blockList:
			for j, item := range bl.lines {
				marker := "  - "
				if bl.ordered {
					marker = "  " + strconv.Itoa(bl.start+j) + ". "
				}
				b.WriteString(wrap(inlineText(item), width, marker, strings.Repeat(" ", len(marker))))
			}
		}
	}
	return b.String()
}

// wrap breaks text into lines of at most width columns (a longer word gets a line of
// its own), the first prefixed with first and the others with rest.
func wrap(text string, width int, first, rest string) string {
	var b strings.Builder
	line, cols, empty := first, utf8.RuneCountInString(first), true
	for _, word := range strings.Fields(text) {
		n := utf8.RuneCountInString(word)
		if !empty && cols+1+n > width {
			b.WriteString(line + "\n")
			line, cols, empty = rest, utf8.RuneCountInString(rest), true
		}
		if !empty {
			line += " "
			cols++
		}
		line, cols, empty = line+word, cols+n, false
	}
	b.WriteString(line + "\n")
	return b.String()
}

// inlineHTML renders the inline Markdown of s as escaped HTML.
func inlineHTML(s string) string {
	var b strings.Builder
	renderInline(&b, s, true, 0)
	return b.String()
}

// inlineText renders the inline Markdown of s as plain text.
func inlineText(s string) string {
	var b strings.Builder
	renderInline(&b, s, false, 0)
	return b.String()
}

const maxInlineDepth = 8

// renderInline writes s, turning code spans, emphasis and links into HTML tags (or
// into plain text) and escaping everything else.
func renderInline(b *strings.Builder, s string, asHTML bool, depth int) {
	text := func(t string) {
		if asHTML {
			b.WriteString(escapeHTML(t))
		} else {
			b.WriteString(t)
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && strings.IndexByte("\\`*_[]()#-.!>", s[i+1]) >= 0:
			text(s[i+1 : i+2])
			i += 2
			continue
		case c == '`':
			if end := strings.IndexByte(s[i+1:], '`'); end >= 0 {
				code := s[i+1 : i+1+end]
				if asHTML {
					b.WriteString("<code>" + escapeHTML(code) + "</code>")
				} else {
					b.WriteString("`" + code + "`")
				}
				i += end + 2
				continue
			}
		case c == '*' && depth < maxInlineDepth:
			delim := "*"
			tag := "em"
			if strings.HasPrefix(s[i:], "**") {
				delim, tag = "**", "strong"
			}
			rest := s[i+len(delim):]
			if end := closingDelim(rest, delim); end > 0 {
				if asHTML {
					b.WriteString("<" + tag + ">")
				}
				renderInline(b, rest[:end], asHTML, depth+1)
				if asHTML {
					b.WriteString("</" + tag + ">")
				}
				i += len(delim) + end + len(delim)
				continue
			}
		case c == '[' && depth < maxInlineDepth:
			if label, target, n, ok := link(s[i:]); ok {
				switch {
				case asHTML && safeLink(target):
					b.WriteString(`<a href="` + escapeHTML(target) + `">`)
					renderInline(b, label, true, depth+1)
					b.WriteString("</a>")
				case asHTML:
					renderInline(b, label, true, depth+1)
				default:
					renderInline(b, label, false, depth+1)
					b.WriteString(" (" + target + ")")
				}
				i += n
				continue
			}
		}
		// Copy a run of ordinary characters at once.
		j := i + 1
		for j < len(s) && strings.IndexByte("\\`*[", s[j]) < 0 {
			j++
		}
		text(s[i:j])
		i = j
	}
}

// closingDelim finds the delimiter that closes an emphasis opened just before s: not
// at the start, and not preceded by a space.
func closingDelim(s, delim string) int {
	if s == "" || s[0] == ' ' {
		return -1
	}
	for i := 1; i+len(delim) <= len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if s[i] == '`' {
			if end := strings.IndexByte(s[i+1:], '`'); end >= 0 {
				i += end + 1
				continue
			}
		}
		if strings.HasPrefix(s[i:], delim) && s[i-1] != ' ' {
			switch {
			case delim == "**" && strings.HasPrefix(s[i:], "***"):
				return i + 1 // "*much***": the emphasis inside closes first
			case delim == "*" && strings.HasPrefix(s[i:], "**"):
				i++ // part of a strong delimiter inside the emphasis
				continue
			}
			return i
		}
	}
	return -1
}

// link reads "[label](target)" at the start of s and returns how many bytes it took.
func link(s string) (label, target string, n int, ok bool) {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '[':
			depth++
		case ']':
			depth--
			if depth == 0 {
				if i+1 >= len(s) || s[i+1] != '(' {
					return "", "", 0, false
				}
				end := closingParen(s[i+2:])
				if end < 0 {
					return "", "", 0, false
				}
				target = strings.TrimSpace(s[i+2 : i+2+end])
				if target == "" || strings.ContainsAny(target, " \t\n") {
					return "", "", 0, false
				}
				return s[1:i], target, i + 3 + end, true
			}
		}
	}
	return "", "", 0, false
}

// closingParen finds the ')' that closes a link target, allowing balanced parentheses
// inside it.
func closingParen(s string) int {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			if depth == 0 {
				return i
			}
			depth--
		}
	}
	return -1
}

// safeLink reports whether a link target may become an href: web and mail links,
// fragments and relative paths, never "javascript:" or another scheme.
func safeLink(target string) bool {
	lower := strings.ToLower(target)
	for _, p := range []string{"https://", "http://", "mailto:", "#", "/", "./", "../", "?"} {
		if strings.HasPrefix(lower, p) {
			return !strings.HasPrefix(lower, "//") // no scheme-relative links
		}
	}
	colon := strings.IndexByte(lower, ':')
	return colon < 0 || strings.ContainsAny(lower[:colon], "/?#")
}
