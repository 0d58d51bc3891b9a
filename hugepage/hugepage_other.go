//go:build !linux

package hugepage

// Advise does nothing where madvise(2) is not available.
func Advise[T any](b []T) {}
