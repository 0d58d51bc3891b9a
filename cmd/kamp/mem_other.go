//go:build !linux

package main

// physicalMemory returns 0: the memory of the machine is not looked up
// outside Linux.
func physicalMemory() uint64 { return 0 }
