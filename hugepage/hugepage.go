// Package hugepage allocates the large tables of the engines, which are
// read and written at random, so that the kernel may back them with
// transparent huge pages: with 4 KiB pages a random access to a table of
// hundreds of megabytes misses the TLB as well as the cache, and every
// page's first touch is a page fault. Linux's default setting
// (transparent_hugepage "madvise") gives huge pages only to memory that
// asks for them, and the Go heap does not ask.
package hugepage

// Make returns a new slice of n elements, advised as Advise does.
func Make[T any](n int) []T {
	b := make([]T, n)
	Advise(b)
	return b
}

// MakeCap returns a new empty slice with room for n elements, advised as
// Advise does.
func MakeCap[T any](n int) []T {
	b := make([]T, 0, n)
	Advise(b[:n])
	return b
}
