package lessons

import (
	"bytes"
	"encoding/json"
	"errors"
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

// DecodePageJSON decodes lessons PageJSON encoded: the page's lessons.json, or the
// page.json the WebAssembly tests embed. An empty list is an error, as is a lesson
// without steps, so that a truncated or wrong file is named rather than shown as an
// empty menu.
func DecodePageJSON(data []byte) ([]*Lesson, error) {
	list, err := readPageLessons(data)
	if err != nil {
		return nil, fmt.Errorf("lessons: decode the lessons JSON: %w", err)
	}
	if len(list) == 0 {
		return nil, errors.New("lessons: the lessons JSON holds no lessons")
	}
	for i, l := range list {
		if l == nil || len(l.Steps) == 0 {
			return nil, fmt.Errorf("lessons: the lessons JSON: lesson %d has no steps", i+1)
		}
		for j, st := range l.Steps {
			if st == nil {
				return nil, fmt.Errorf("lessons: the lessons JSON: lesson %d (%s): step %d is null", i+1, l.ID, j+1)
			}
		}
	}
	return list, nil
}
