package hugepage

import (
	"syscall"
	"unsafe"
)

// madvHugepage is MADV_HUGEPAGE of madvise(2).
const madvHugepage = 14

// Advise asks the kernel to back the memory of b with transparent huge
// pages where the system allows it (transparent_hugepage set to madvise or
// always). Large tables are written at random, and with 4 KiB pages every
// page's first touch is a page fault (two, when it is read first), which
// costs more than the work itself; a 2 MiB page faults once. Call it before
// b is first touched. It is advice: any failure is ignored.
func Advise[T any](b []T) {
	const huge = 2 << 20
	if len(b) == 0 {
		return
	}
	size := uintptr(len(b)) * unsafe.Sizeof(b[0])
	if size < 2*huge {
		return
	}
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	lo := (huge - start%huge) % huge
	hi := size - (start+size)%huge
	if hi <= lo {
		return
	}
	mem := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(b))), size)
	_ = syscall.Madvise(mem[lo:hi], madvHugepage)
}
