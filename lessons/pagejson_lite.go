package lessons

import (
	"fmt"
	"strconv"

	"github.com/raftplay/raftplay/internal/jsonlite"
	"github.com/raftplay/raftplay/sim"
)

// DecodePageJSON's reading of the lessons, by hand on internal/jsonlite rather than by
// encoding/json: the page's wasm decodes lessons.json with it and so carries no
// reflection-based JSON. It reads as json.Unmarshal does (unknown keys are skipped,
// keys match case-insensitively, null leaves a value be); pagejson_lite_test.go holds
// the two to the same lessons on page.json and on values with every field filled. A
// field added to one of these types must be added here too, which that test catches.

// readPageLessons reads the lessons' JSON.
func readPageLessons(data []byte) ([]*Lesson, error) {
	d, err := jsonlite.NewDecoder(data)
	if err != nil {
		return nil, err
	}
	var list []*Lesson
	err = jsonlite.Slice(d, &list, "lessons.Lesson", func(l **Lesson) error {
		*l = nil
		if d.Null() {
			return nil
		}
		*l = new(Lesson)
		return (*l).read(d)
	})
	return list, err
}

func (l *Lesson) read(d *jsonlite.Decoder) error {
	return d.Object("lessons.Lesson", func(key string) error {
		switch key {
		case "number":
			return d.Int(&l.Number)
		case "id":
			return d.String(&l.ID)
		case "file":
			return d.String(&l.File)
		case "title":
			return d.String(&l.Title)
		case "summary":
			return d.String(&l.Summary)
		case "intro":
			return d.String(&l.Intro)
		case "intro_html":
			return d.String(&l.IntroHTML)
		case "outro":
			return d.String(&l.Outro)
		case "outro_html":
			return d.String(&l.OutroHTML)
		case "scenario":
			return sim.ReadScenario(d, &l.Scenario)
		case "steps":
			return jsonlite.Slice(d, &l.Steps, "lessons.Step", func(st **Step) error {
				*st = nil
				if d.Null() {
					return nil
				}
				*st = new(Step)
				return (*st).read(d)
			})
		}
		return d.Unknown()
	})
}

func (st *Step) read(d *jsonlite.Decoder) error {
	return d.Object("lessons.Step", func(key string) error {
		switch key {
		case "number":
			return d.Int(&st.Number)
		case "title":
			return d.String(&st.Title)
		case "narration":
			return d.String(&st.Narration)
		case "narration_html":
			return d.String(&st.NarrationHTML)
		case "action":
			st.Action = nil
			if d.Null() {
				return nil
			}
			st.Action = new(Action)
			return st.Action.read(d)
		case "observe":
			return d.Bool(&st.Observe)
		case "reference":
			return jsonlite.Slice(d, &st.Reference, "lessons.Move", func(m *Move) error { return m.read(d) })
		case "check":
			st.Check = nil
			if d.Null() {
				return nil
			}
			st.Check = new(Check)
			return st.Check.read(d)
		case "within_ticks":
			return d.Int(&st.WithinTicks)
		case "quiz":
			return jsonlite.Slice(d, &st.Quiz, "lessons.Quiz", func(q *Quiz) error { return q.read(d) })
		case "start":
			st.Start = nil
			if d.Null() {
				return nil
			}
			st.Start = new(sim.Scenario)
			return sim.ReadScenario(d, st.Start)
		}
		return d.Unknown()
	})
}

func (a *Action) read(d *jsonlite.Decoder) error {
	return d.Object("lessons.Action", func(key string) error {
		switch key {
		case "prompt":
			return d.String(&a.Prompt)
		case "prompt_html":
			return d.String(&a.PromptHTML)
		case "highlight":
			return d.String(&a.Highlight)
		}
		return d.Unknown()
	})
}

func (q *Quiz) read(d *jsonlite.Decoder) error {
	return d.Object("lessons.Quiz", func(key string) error {
		switch key {
		case "question":
			return d.String(&q.Question)
		case "choices":
			return jsonlite.Slice(d, &q.Choices, "lessons.Choice", func(c *Choice) error {
				return d.Object("lessons.Choice", func(key string) error {
					switch key {
					case "text":
						return d.String(&c.Text)
					case "why":
						return d.String(&c.Why)
					case "text_html":
						return d.String(&c.TextHTML)
					case "why_html":
						return d.String(&c.WhyHTML)
					}
					return d.Unknown()
				})
			})
		case "correct":
			return d.Int(&q.Correct)
		case "explanation":
			return d.String(&q.Explanation)
		case "question_html":
			return d.String(&q.QuestionHTML)
		case "explanation_html":
			return d.String(&q.ExplanationHTML)
		}
		return d.Unknown()
	})
}

func (m *Move) read(d *jsonlite.Decoder) error {
	return d.Object("lessons.Move", func(key string) error {
		switch key {
		case "text":
			return d.String(&m.Text)
		case "action":
			m.Action = nil
			if d.Null() {
				return nil
			}
			m.Action = new(sim.Action)
			return sim.ReadAction(d, m.Action)
		case "to_leader":
			return d.Bool(&m.ToLeader)
		case "wait":
			return d.Int(&m.Wait)
		case "pick":
			m.Pick = nil
			if d.Null() {
				return nil
			}
			m.Pick = new(MessagePick)
			return m.Pick.read(d)
		}
		return d.Unknown()
	})
}

func (p *MessagePick) read(d *jsonlite.Decoder) error {
	return d.Object("lessons.MessagePick", func(key string) error {
		switch key {
		case "type":
			return d.String(&p.Type)
		case "from":
			return d.Uint64(&p.From)
		case "to":
			return d.Uint64(&p.To)
		}
		return d.Unknown()
	})
}

// readPeerRef reads a peer id or name as PeerRef.UnmarshalJSON does (null is the zero
// PeerRef there too).
func readPeerRef(d *jsonlite.Decoder, r *PeerRef) error {
	raw, err := d.Raw()
	if err != nil {
		return err
	}
	text := string(raw)
	switch {
	case text == "null":
		*r = PeerRef{}
	case text[0] == '"':
		sub, _ := jsonlite.NewDecoder(raw)
		var name string
		if err := sub.String(&name); err != nil {
			return err
		}
		*r = PeerRef{Name: name}
	default:
		id, err := strconv.ParseUint(text, 10, 64)
		if err != nil {
			return fmt.Errorf("a peer must be an id (a number) or a name such as \"leader\", got %s", clip(text))
		}
		*r = PeerRef{ID: id}
	}
	return nil
}

// peerRefPtr reads an optional peer: null sets nil.
func peerRefPtr(d *jsonlite.Decoder, r **PeerRef) error {
	*r = nil
	if d.Null() {
		return nil
	}
	*r = new(PeerRef)
	return readPeerRef(d, *r)
}

func (c *Check) read(d *jsonlite.Decoder) error {
	return d.Object("lessons.Check", func(key string) error {
		switch key {
		case "label":
			return d.String(&c.Label)
		case "event":
			c.Event = nil
			if d.Null() {
				return nil
			}
			c.Event = new(EventCheck)
			return c.Event.read(d)
		case "peer":
			c.Peer = nil
			if d.Null() {
				return nil
			}
			c.Peer = new(PeerCheck)
			return c.Peer.read(d)
		case "leader":
			c.Leader = nil
			if d.Null() {
				return nil
			}
			c.Leader = new(LeaderCheck)
			return c.Leader.read(d)
		case "log":
			c.Log = nil
			if d.Null() {
				return nil
			}
			c.Log = new(LogCheck)
			return c.Log.read(d)
		case "commit":
			c.Commit = nil
			if d.Null() {
				return nil
			}
			c.Commit = new(CommitCheck)
			return c.Commit.read(d)
		case "kv":
			c.KV = nil
			if d.Null() {
				return nil
			}
			c.KV = new(KVCheck)
			return c.KV.read(d)
		case "client":
			c.Client = nil
			if d.Null() {
				return nil
			}
			c.Client = new(ClientCheck)
			return c.Client.read(d)
		case "violation":
			c.Violation = nil
			if d.Null() {
				return nil
			}
			c.Violation = new(ViolationCheck)
			return c.Violation.read(d)
		case "before":
			c.Before = nil
			if d.Null() {
				return nil
			}
			c.Before = new(OrderCheck)
			return c.Before.read(d)
		case "all":
			return readChecks(d, &c.All)
		case "any":
			return readChecks(d, &c.Any)
		case "not":
			c.Not = nil
			if d.Null() {
				return nil
			}
			c.Not = new(Check)
			return c.Not.read(d)
		}
		return d.Unknown()
	})
}

func readChecks(d *jsonlite.Decoder, list *[]*Check) error {
	return jsonlite.Slice(d, list, "lessons.Check", func(c **Check) error {
		*c = nil
		if d.Null() {
			return nil
		}
		*c = new(Check)
		return (*c).read(d)
	})
}

func (e *EventCheck) read(d *jsonlite.Decoder) error {
	return d.Object("lessons.EventCheck", func(key string) error {
		switch key {
		case "kind":
			return d.String(&e.Kind)
		case "peer":
			return peerRefPtr(d, &e.Peer)
		case "from":
			return peerRefPtr(d, &e.From)
		case "to":
			return peerRefPtr(d, &e.To)
		case "term":
			return d.UintPtr(&e.Term)
		case "index":
			return d.UintPtr(&e.Index)
		case "min_index":
			return d.UintPtr(&e.MinIndex)
		case "log_term":
			return d.UintPtr(&e.LogTerm)
		case "reason":
			return d.String(&e.Reason)
		case "role":
			return d.String(&e.Role)
		case "pre_vote":
			return d.BoolPtr(&e.PreVote)
		case "msg_type":
			return d.String(&e.MsgType)
		case "entries":
			return d.IntPtr(&e.Entries)
		case "reject":
			return d.BoolPtr(&e.Reject)
		case "client":
			return d.UintPtr(&e.Client)
		case "count":
			return d.Int(&e.Count)
		}
		return d.Unknown()
	})
}

func (o *OrderCheck) read(d *jsonlite.Decoder) error {
	return d.Object("lessons.OrderCheck", func(key string) error {
		var side **EventCheck
		switch key {
		case "first":
			side = &o.First
		case "then":
			side = &o.Then
		default:
			return d.Unknown()
		}
		*side = nil
		if d.Null() {
			return nil
		}
		*side = new(EventCheck)
		return (*side).read(d)
	})
}

func (p *PeerCheck) read(d *jsonlite.Decoder) error {
	return d.Object("lessons.PeerCheck", func(key string) error {
		switch key {
		case "id":
			return readPeerRef(d, &p.ID)
		case "role":
			return d.String(&p.Role)
		case "term":
			return d.UintPtr(&p.Term)
		case "min_term_rise":
			return d.UintPtr(&p.MinTermRise)
		case "max_term_rise":
			return d.UintPtr(&p.MaxTermRise)
		case "vote":
			return d.UintPtr(&p.Vote)
		case "lead":
			return peerRefPtr(d, &p.Lead)
		case "voters":
			return d.Uints(&p.Voters)
		}
		return d.Unknown()
	})
}

func (l *LeaderCheck) read(d *jsonlite.Decoder) error {
	return d.Object("lessons.LeaderCheck", func(key string) error {
		switch key {
		case "exists":
			return d.BoolPtr(&l.Exists)
		case "is":
			return peerRefPtr(d, &l.Is)
		case "is_not":
			return peerRefPtr(d, &l.IsNot)
		case "min_term_rise":
			return d.UintPtr(&l.MinTermRise)
		case "max_term_rise":
			return d.UintPtr(&l.MaxTermRise)
		}
		return d.Unknown()
	})
}

func (l *LogCheck) read(d *jsonlite.Decoder) error {
	return d.Object("lessons.LogCheck", func(key string) error {
		switch key {
		case "peer":
			return readPeerRef(d, &l.Peer)
		case "equals_peer":
			return peerRefPtr(d, &l.EqualsPeer)
		case "contains":
			return d.String(&l.Contains)
		case "lacks":
			return d.String(&l.Lacks)
		case "committed":
			return d.BoolPtr(&l.Committed)
		case "terms":
			return d.Uints(&l.Terms)
		}
		return d.Unknown()
	})
}

func (c *CommitCheck) read(d *jsonlite.Decoder) error {
	return d.Object("lessons.CommitCheck", func(key string) error {
		switch key {
		case "peer":
			return readPeerRef(d, &c.Peer)
		case "at_least":
			return d.UintPtr(&c.AtLeast)
		case "at_most":
			return d.UintPtr(&c.AtMost)
		}
		return d.Unknown()
	})
}

func (k *KVCheck) read(d *jsonlite.Decoder) error {
	return d.Object("lessons.KVCheck", func(key string) error {
		switch key {
		case "peer":
			return readPeerRef(d, &k.Peer)
		case "key":
			return d.String(&k.Key)
		case "value":
			return d.StringPtr(&k.Value)
		case "absent":
			return d.Bool(&k.Absent)
		}
		return d.Unknown()
	})
}

func (c *ClientCheck) read(d *jsonlite.Decoder) error {
	return d.Object("lessons.ClientCheck", func(key string) error {
		switch key {
		case "op":
			return d.String(&c.Op)
		case "key":
			return d.String(&c.Key)
		case "peer":
			return peerRefPtr(d, &c.Peer)
		case "outcome":
			return d.String(&c.Outcome)
		case "result":
			return d.StringPtr(&c.Result)
		case "count":
			return d.Int(&c.Count)
		}
		return d.Unknown()
	})
}

func (v *ViolationCheck) read(d *jsonlite.Decoder) error {
	return d.Object("lessons.ViolationCheck", func(key string) error {
		switch key {
		case "invariant":
			return d.String(&v.Invariant)
		case "count":
			return d.Int(&v.Count)
		}
		return d.Unknown()
	})
}
