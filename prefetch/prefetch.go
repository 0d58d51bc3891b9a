// Package prefetch asks the processor to bring memory into its caches
// before it is read: random reads into tables larger than the cache then
// wait for memory side by side, while other work goes on, instead of one
// after the other.
package prefetch

// Addrs asks for the cache line of every address in addrs. The addresses
// are never read from, so any value is safe; on processors without an
// instruction for it (other than amd64 and arm64) Addrs does nothing.
func Addrs(addrs []uintptr) { addrsArch(addrs) }
