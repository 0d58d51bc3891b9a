//go:build !linux

package dataset

// adviseHuge does nothing where madvise(2) is not available.
func adviseHuge[T any](b []T) {}
