package bridge

import (
	"fmt"

	"github.com/raftplay/raftplay/internal/jsonlite"
	"github.com/raftplay/raftplay/lessons"
)

// The bridge's answers are JSON written by hand (internal/jsonlite), not by
// encoding/json: the page's wasm then carries no reflection-based JSON at all (about
// 90 kB of its brotli size), and a state snapshot, the answer the page asks for every
// frame, is written without reflection. Each view keeps its json tags: json_test.go
// compares these writers with json.Marshal of the same values, byte for byte.

// view is an answer the bridge writes as JSON.
type view interface {
	writeJSON(e *jsonlite.Encoder)
}

// encode returns v's JSON text.
func encode(v view) (any, error) {
	e := jsonlite.NewEncoder(make([]byte, 0, 256))
	v.writeJSON(e)
	b, err := e.Bytes()
	if err != nil {
		return nil, fmt.Errorf("encode the result: %w", err)
	}
	return string(b), nil
}

// errorJSON is the {"error": ...} answer.
func errorJSON(err error) string {
	return `{"error":` + string(jsonlite.AppendString(nil, err.Error())) + `}`
}

func (p *position) writeJSON(e *jsonlite.Encoder) {
	e.Object()
	p.writeFields(e)
	e.EndObject()
}

func (p *position) writeFields(e *jsonlite.Encoder) {
	e.BoolField("ok", p.OK)
	e.IntField("time", p.Time)
	e.IntField("steps", p.Steps)
	if p.Replayed != nil {
		e.IntField("replayed", *p.Replayed)
	}
}

func (a *addedServer) writeJSON(e *jsonlite.Encoder) {
	e.Object()
	a.position.writeFields(e)
	e.UintField("peer", a.Peer)
	e.OptBool("grown", a.Grown)
	e.EndObject()
}

func (t *timelineInfo) writeJSON(e *jsonlite.Encoder) {
	e.Object()
	e.IntField("end_time", t.EndTime)
	e.IntField("end_steps", t.EndSteps)
	e.IntField("checkpoints", int64(t.Checkpoints))
	e.IntField("spacing", t.Spacing)
	e.IntField("trace_len", int64(t.TraceLen))
	e.EndObject()
}

// okView is lessonClose's answer.
type okView struct {
	OK bool `json:"ok"`
}

func (o *okView) writeJSON(e *jsonlite.Encoder) {
	e.Object()
	e.BoolField("ok", o.OK)
	e.EndObject()
}

// outlines is lessons()'s answer.
type outlines []lessonOutline

func (list outlines) writeJSON(e *jsonlite.Encoder) {
	if list == nil {
		e.Null()
		return
	}
	e.Array()
	for i := range list {
		o := &list[i]
		e.Object()
		e.IntField("number", int64(o.Number))
		e.StringField("id", o.ID)
		e.StringField("title", o.Title)
		e.StringField("summary", o.Summary)
		e.StringsField("steps", o.Steps)
		e.EndObject()
	}
	e.EndArray()
}

func (v *lessonView) writeJSON(e *jsonlite.Encoder) {
	e.Object()
	e.IntField("number", int64(v.Number))
	e.StringField("id", v.ID)
	e.StringField("title", v.Title)
	e.StringField("summary", v.Summary)
	e.StringField("intro_html", v.IntroHTML)
	e.StringField("outro_html", v.OutroHTML)
	e.Key("steps")
	if v.Steps == nil {
		e.Null()
	} else {
		e.Array()
		for i := range v.Steps {
			v.Steps[i].writeJSON(e)
		}
		e.EndArray()
	}
	e.Key("status")
	v.Status.writeJSON(e)
	e.EndObject()
}

func (s *stepView) writeJSON(e *jsonlite.Encoder) {
	e.Object()
	e.IntField("number", int64(s.Number))
	e.StringField("title", s.Title)
	e.StringField("narration_html", s.NarrationHTML)
	e.OptString("prompt_html", s.PromptHTML)
	e.OptString("highlight", s.Highlight)
	e.OptBool("observe", s.Observe)
	e.StringField("check", s.Check)
	e.StringsField("reference", s.Reference)
	e.IntField("within_ticks", int64(s.WithinTicks))
	if len(s.Quiz) > 0 {
		e.Key("quiz")
		e.Array()
		for i := range s.Quiz {
			q := &s.Quiz[i]
			e.Object()
			e.StringField("question_html", q.QuestionHTML)
			e.Key("choices")
			if q.Choices == nil {
				e.Null()
			} else {
				e.Array()
				for _, c := range q.Choices {
					e.Object()
					e.StringField("text_html", c.TextHTML)
					e.StringField("why_html", c.WhyHTML)
					e.EndObject()
				}
				e.EndArray()
			}
			e.IntField("correct", int64(q.Correct))
			e.StringField("explanation_html", q.ExplanationHTML)
			e.EndObject()
		}
		e.EndArray()
	}
	e.EndObject()
}

func (s *statusView) writeJSON(e *jsonlite.Encoder) {
	e.Object()
	writeStatusFields(e, &s.Status)
	e.IntField("index", int64(s.Index))
	e.IntField("start_time", s.StartTime)
	e.IntField("start_steps", s.StartSteps)
	e.OptBool("replaced", s.Replaced)
	e.EndObject()
}

// writeStatusFields writes the members of a lessons.Status.
func writeStatusFields(e *jsonlite.Encoder, s *lessons.Status) {
	e.StringField("lesson", s.Lesson)
	e.IntField("step", int64(s.Step))
	e.IntField("steps", int64(s.Steps))
	e.BoolField("passed", s.Passed)
	e.BoolField("failed", s.Failed)
	e.Key("parts")
	if s.Parts == nil {
		e.Null()
	} else {
		e.Array()
		for _, p := range s.Parts {
			e.Object()
			e.StringField("text", p.Text)
			e.BoolField("passed", p.Passed)
			e.BoolField("failed", p.Failed)
			e.EndObject()
		}
		e.EndArray()
	}
	e.StringField("detail", s.Detail)
	e.IntField("ticks_since_move", int64(s.TicksSinceMove))
	e.IntField("within_ticks", int64(s.WithinTicks))
	e.IntField("allowed_ticks", int64(s.AllowedTicks))
	e.BoolField("overdue", s.Overdue)
	e.BoolField("last", s.Last)
	e.IntField("time", s.Time)
}
