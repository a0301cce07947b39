package engine

import "sort"

// sortIDs sorts ids in increasing order. The engine sorts with sort.Slice rather than
// slices.Sort and slices.SortFunc because each element type of those generic functions
// compiles to its own copy of pdqsort (10-25 kB of wasm each), and the playground's
// wasm is most of what its page downloads; sort.Slice is one copy for every type.
func sortIDs(ids []uint64) {
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
}

// sortContexts sorts member contexts by member id (see sortIDs for why not slices).
func sortContexts(cs []MemberContext) {
	sort.Slice(cs, func(i, j int) bool { return cs[i].ID < cs[j].ID })
}
