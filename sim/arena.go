package sim

import "slices"

// arena keeps values at stable indices that queued events refer to, reusing the
// indices of released values so that a long run does not grow it. It never allocates
// per value in the steady state.
type arena[T any] struct {
	items []T
	free  []uint32
}

// alloc returns the index of an unused item: a released one if any (the caller resets
// what it needs), else a new zero one.
func (a *arena[T]) alloc() uint32 {
	if k := len(a.free); k > 0 {
		i := a.free[k-1]
		a.free = a.free[:k-1]
		return i
	}
	var zero T
	a.items = append(a.items, zero)
	return uint32(len(a.items) - 1)
}

// release makes item i available to alloc again.
func (a *arena[T]) release(i uint32) { a.free = append(a.free, i) }

// clone returns an arena with its own copies of the items and the free list.
func (a arena[T]) clone() arena[T] {
	return arena[T]{items: slices.Clone(a.items), free: slices.Clone(a.free)}
}
