package lessons

import (
	"encoding/json"
	"fmt"
)

// Lesson files written before the role took one name everywhere spelled the "role" of
// an event check and of a peer check as "state". They are still read: the old key is
// renamed before the strict decoding, and giving both is an error.

// legacyRoleKey is the older spelling of the "role" key of event and peer checks.
const legacyRoleKey = "state"

// renameLegacyRole returns body with its "state" key renamed to "role". Bodies that are
// not JSON objects, or have no "state" key, come back unchanged for the strict decoder
// to judge.
func renameLegacyRole(body json.RawMessage) (json.RawMessage, error) {
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil || fields == nil {
		return body, nil
	}
	value, ok := fields[legacyRoleKey]
	if !ok {
		return body, nil
	}
	if _, both := fields["role"]; both {
		return nil, fmt.Errorf("both \"role\" and its older spelling %q are given", legacyRoleKey)
	}
	delete(fields, legacyRoleKey)
	fields["role"] = value
	return json.Marshal(fields)
}
