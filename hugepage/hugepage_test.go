package hugepage

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"unsafe"
)

func TestMake(t *testing.T) {
	for _, n := range []int{0, 1, 1000, 3 << 20} {
		b := Make[uint64](n)
		if len(b) != n {
			t.Fatalf("Make(%d): len %d", n, len(b))
		}
		for i, v := range b {
			if v != 0 {
				t.Fatalf("Make(%d)[%d] = %d", n, i, v)
			}
		}
		c := MakeCap[byte](n)
		if len(c) != 0 || cap(c) < n {
			t.Fatalf("MakeCap(%d): len %d cap %d", n, len(c), cap(c))
		}
	}
}

// TestAdviseLinux checks that the kernel took the advice: the mapping of a
// large table is marked for huge pages ("hg" in its VmFlags).
func TestAdviseLinux(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("madvise(2) is used on Linux only")
	}
	if _, err := os.Stat("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil {
		t.Skip("this kernel has no transparent huge pages:", err)
	}
	b := Make[byte](16 << 20)
	addr := uintptr(unsafe.Pointer(&b[8<<20]))
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	in := false
	for sc.Scan() {
		line := sc.Text()
		var lo, hi uintptr
		if n, _ := fmt.Sscanf(line, "%x-%x", &lo, &hi); n == 2 && strings.Contains(line, " ") {
			in = lo <= addr && addr < hi
			continue
		}
		if in && strings.HasPrefix(line, "VmFlags:") {
			if !strings.Contains(line+" ", " hg ") {
				t.Fatalf("the middle of a 16 MiB table is not advised: %s", line)
			}
			runtime.KeepAlive(b)
			return
		}
	}
	t.Fatalf("no mapping holds %#x", addr)
}
