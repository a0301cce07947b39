package lessons

import (
	"bytes"
	"encoding/json"
	"fmt"
)

//go:generate go run ./internal/pagejson

// PageJSON encodes lessons as the WebAssembly build of the page embeds them (see
// page.json): every field the page and the runner use, with the texts as HTML only
// (the Markdown fields are left empty). Lessons decoded from it play and check
// exactly as the parsed ones.
func PageJSON(list []*Lesson) ([]byte, error) {
	out := make([]*Lesson, len(list))
	for i, l := range list {
		c := *l
		c.Intro, c.Outro = "", ""
		c.Steps = make([]*Step, len(l.Steps))
		for j, st := range l.Steps {
			s := *st
			s.Narration = ""
			if st.Action != nil {
				a := *st.Action
				a.Prompt = ""
				s.Action = &a
			}
			s.Quiz = make([]Quiz, len(st.Quiz))
			for k, q := range st.Quiz {
				q.Question, q.Explanation = "", ""
				q.Choices = make([]Choice, len(q.Choices))
				for c, ch := range st.Quiz[k].Choices {
					q.Choices[c] = Choice{TextHTML: ch.TextHTML, WhyHTML: ch.WhyHTML}
				}
				s.Quiz[k] = q
			}
			if len(st.Quiz) == 0 {
				s.Quiz = nil
			}
			c.Steps[j] = &s
		}
		out[i] = &c
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return nil, fmt.Errorf("lessons: encode the page's lessons: %w", err)
	}
	return buf.Bytes(), nil
}
