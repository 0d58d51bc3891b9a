package dataset

import (
	"os"
	"syscall"
)

// mapFile maps the regular file f into memory, read only, and reports
// whether it could. Reading a mapped file copies nothing: at size L the
// read system calls took as much CPU as a tenth of kamp chain.
func mapFile(f *os.File) ([]byte, bool) {
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() || st.Size() <= 0 || st.Size() != int64(int(st.Size())) {
		return nil, false
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(st.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, false
	}
	// Read ahead more, and let the kernel reclaim the pages read first.
	_ = syscall.Madvise(data, syscall.MADV_SEQUENTIAL)
	return data, true
}

// unmapFile undoes mapFile.
func unmapFile(data []byte) { _ = syscall.Munmap(data) }

// releaseMapped drops the whole pages of b, a part of a mapped file that
// has been read, from the process's memory: they stay in the page cache,
// but no longer count in its resident size, which so stays bounded by the
// chunks in flight, as when the file is read into buffers.
func releaseMapped(b []byte) {
	page := os.Getpagesize()
	off := 0
	if r := addr(b) % uintptr(page); r != 0 {
		off = page - int(r)
	}
	if off >= len(b) {
		return
	}
	b = b[off:]
	if n := len(b) &^ (page - 1); n > 0 {
		_ = syscall.Madvise(b[:n], syscall.MADV_DONTNEED)
	}
}
