package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Scenarios written before the options took the snake_case of every other key of the
// format spelled them in camelCase, and share links and trace files with that spelling
// are out there. Options and Unsafe read either spelling (never both of one option)
// and always write the new one.

// legacyOptionKeys maps each camelCase key of Options to today's.
var legacyOptionKeys = map[string]string{
	"electionTicks": "election_ticks", "heartbeatTicks": "heartbeat_ticks", "preVote": "pre_vote",
	"checkQuorum": "check_quorum", "clientKeys": "client_keys", "clientThink": "client_think",
	"clientLatency": "client_latency", "clientTimeout": "client_timeout", "clientTries": "client_tries",
	"maxMsgBytes": "max_msg_bytes", "maxInflight": "max_inflight",
}

// legacyUnsafeKeys maps each camelCase key of Unsafe to today's.
var legacyUnsafeKeys = map[string]string{
	"skipUpToDateCheck": "skip_up_to_date_check", "commitOldTerms": "commit_old_terms",
	"forgetVoteOnRestart": "forget_vote_on_restart", "readBeforeTermCommit": "read_before_term_commit",
}

// UnmarshalJSON reads the options in today's spelling or the camelCase one. Unknown keys
// are an error, as in the rest of a scenario; fields absent keep their value.
func (o *Options) UnmarshalJSON(data []byte) error {
	type plain Options // without this method
	return decodeRenamed(data, legacyOptionKeys, (*plain)(o))
}

// UnmarshalJSON reads the unsafe switches in today's spelling or the camelCase one.
func (u *Unsafe) UnmarshalJSON(data []byte) error {
	type plain Unsafe
	return decodeRenamed(data, legacyUnsafeKeys, (*plain)(u))
}

// decodeRenamed decodes the JSON object data into v strictly, after renaming the
// legacy keys it holds.
func decodeRenamed(data []byte, legacy map[string]string, v any) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return err
	}
	renamed := false
	for old, key := range legacy {
		value, ok := fields[old]
		if !ok {
			continue
		}
		if _, both := fields[key]; both {
			return fmt.Errorf("both %q and its older spelling %q are given", key, old)
		}
		delete(fields, old)
		fields[key] = value
		renamed = true
	}
	if renamed {
		var err error
		if data, err = json.Marshal(fields); err != nil {
			return err
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}
