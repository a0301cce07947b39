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
		return jsonlite.Ptr(d, l, func(l *Lesson) error { return l.read(d) })
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
				return jsonlite.Ptr(d, st, func(st *Step) error { return st.read(d) })
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
			return jsonlite.Ptr(d, &st.Action, func(a *Action) error { return a.read(d) })
		case "observe":
			return d.Bool(&st.Observe)
		case "reference":
			return jsonlite.Slice(d, &st.Reference, "lessons.Move", func(m *Move) error { return m.read(d) })
		case "check":
			return jsonlite.Ptr(d, &st.Check, func(c *Check) error { return c.read(d) })
		case "within_ticks":
			return d.Int(&st.WithinTicks)
		case "quiz":
			return jsonlite.Slice(d, &st.Quiz, "lessons.Quiz", func(q *Quiz) error { return q.read(d) })
		case "start":
			return jsonlite.Ptr(d, &st.Start, func(sc *sim.Scenario) error { return sim.ReadScenario(d, sc) })
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
			return jsonlite.Ptr(d, &m.Action, func(a *sim.Action) error { return sim.ReadAction(d, a) })
		case "to_leader":
			return d.Bool(&m.ToLeader)
		case "wait":
			return d.Int(&m.Wait)
		case "pick":
			return jsonlite.Ptr(d, &m.Pick, func(p *MessagePick) error {
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
			})
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
	return jsonlite.Ptr(d, r, func(r *PeerRef) error { return readPeerRef(d, r) })
}

func uintPtr(d *jsonlite.Decoder, p **uint64) error { return jsonlite.Ptr(d, p, d.Uint64) }
func boolPtr(d *jsonlite.Decoder, p **bool) error   { return jsonlite.Ptr(d, p, d.Bool) }

func readUints(d *jsonlite.Decoder, s *[]uint64) error {
	return jsonlite.Slice(d, s, "uint64", d.Uint64)
}

func (c *Check) read(d *jsonlite.Decoder) error {
	return d.Object("lessons.Check", func(key string) error {
		switch key {
		case "label":
			return d.String(&c.Label)
		case "event":
			return jsonlite.Ptr(d, &c.Event, func(e *EventCheck) error { return e.read(d) })
		case "peer":
			return jsonlite.Ptr(d, &c.Peer, func(p *PeerCheck) error { return p.read(d) })
		case "leader":
			return jsonlite.Ptr(d, &c.Leader, func(l *LeaderCheck) error { return l.read(d) })
		case "log":
			return jsonlite.Ptr(d, &c.Log, func(l *LogCheck) error { return l.read(d) })
		case "commit":
			return jsonlite.Ptr(d, &c.Commit, func(cc *CommitCheck) error { return cc.read(d) })
		case "kv":
			return jsonlite.Ptr(d, &c.KV, func(k *KVCheck) error { return k.read(d) })
		case "client":
			return jsonlite.Ptr(d, &c.Client, func(cc *ClientCheck) error { return cc.read(d) })
		case "violation":
			return jsonlite.Ptr(d, &c.Violation, func(v *ViolationCheck) error {
				return d.Object("lessons.ViolationCheck", func(key string) error {
					switch key {
					case "invariant":
						return d.String(&v.Invariant)
					case "count":
						return d.Int(&v.Count)
					}
					return d.Unknown()
				})
			})
		case "all":
			return readChecks(d, &c.All)
		case "any":
			return readChecks(d, &c.Any)
		case "not":
			return jsonlite.Ptr(d, &c.Not, func(n *Check) error { return n.read(d) })
		}
		return d.Unknown()
	})
}

func readChecks(d *jsonlite.Decoder, list *[]*Check) error {
	return jsonlite.Slice(d, list, "lessons.Check", func(c **Check) error {
		return jsonlite.Ptr(d, c, func(c *Check) error { return c.read(d) })
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
			return uintPtr(d, &e.Term)
		case "index":
			return uintPtr(d, &e.Index)
		case "log_term":
			return uintPtr(d, &e.LogTerm)
		case "reason":
			return d.String(&e.Reason)
		case "role":
			return d.String(&e.Role)
		case "pre_vote":
			return boolPtr(d, &e.PreVote)
		case "msg_type":
			return d.String(&e.MsgType)
		case "entries":
			return jsonlite.Ptr(d, &e.Entries, d.Int)
		case "reject":
			return boolPtr(d, &e.Reject)
		case "client":
			return uintPtr(d, &e.Client)
		case "count":
			return d.Int(&e.Count)
		}
		return d.Unknown()
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
			return uintPtr(d, &p.Term)
		case "min_term_rise":
			return uintPtr(d, &p.MinTermRise)
		case "max_term_rise":
			return uintPtr(d, &p.MaxTermRise)
		case "vote":
			return uintPtr(d, &p.Vote)
		case "lead":
			return peerRefPtr(d, &p.Lead)
		case "voters":
			return readUints(d, &p.Voters)
		}
		return d.Unknown()
	})
}

func (l *LeaderCheck) read(d *jsonlite.Decoder) error {
	return d.Object("lessons.LeaderCheck", func(key string) error {
		switch key {
		case "exists":
			return boolPtr(d, &l.Exists)
		case "is":
			return peerRefPtr(d, &l.Is)
		case "is_not":
			return peerRefPtr(d, &l.IsNot)
		case "min_term_rise":
			return uintPtr(d, &l.MinTermRise)
		case "max_term_rise":
			return uintPtr(d, &l.MaxTermRise)
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
			return boolPtr(d, &l.Committed)
		case "terms":
			return readUints(d, &l.Terms)
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
			return uintPtr(d, &c.AtLeast)
		case "at_most":
			return uintPtr(d, &c.AtMost)
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
			return jsonlite.Ptr(d, &k.Value, d.String)
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
			return jsonlite.Ptr(d, &c.Result, d.String)
		case "count":
			return d.Int(&c.Count)
		}
		return d.Unknown()
	})
}
