//go:build !linux

package directio

import "os"

// setDirect does nothing: O_DIRECT is Linux's.
func setDirect(f *os.File, on bool) bool { return false }
