package main

import (
	"runtime"
	"testing"
)

// TestChainMemoryLimit checks that the memory of a Linux machine is found
// and that the limit of kamp chain is half of it, never below 1792 MiB.
func TestChainMemoryLimit(t *testing.T) {
	mem := physicalMemory()
	if runtime.GOOS == "linux" && mem < 64<<20 {
		t.Fatalf("physicalMemory() = %d on Linux", mem)
	}
	limit := chainMemoryLimit()
	switch {
	case mem == 0 && limit != 0:
		t.Errorf("limit %d without a known memory", limit)
	case mem > 0 && (limit < 1792<<20 || limit < int64(mem/2) || limit > max(1792<<20, int64(mem/2))):
		t.Errorf("limit %d for %d bytes of memory", limit, mem)
	}
}
