//go:build !linux

package dataset

import "os"

// mapFile maps nothing: files are read into buffers on systems other than
// Linux.
func mapFile(f *os.File) ([]byte, bool) { return nil, false }

// unmapFile does nothing.
func unmapFile(data []byte) {}

// releaseMapped does nothing.
func releaseMapped(b []byte) {}
