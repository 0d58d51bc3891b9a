// Package directio writes large result files past the page cache when the
// file system allows it. A buffered write copies every byte into the page
// cache, and on a machine whose memory is full of the input files that
// copy costs far more than the disk does: writing chain-edges.csv of the
// demo bank of size L (4.8 GB) took 8-12 s of system CPU that way, and
// well under a second with O_DIRECT. Where O_DIRECT is not available (not
// Linux, or a file system without it) the writes are plain.
package directio

import (
	"os"
	"unsafe"
)

// align is the alignment O_DIRECT asks of buffers, offsets and lengths:
// 4096 covers the logical block sizes of common disks (512 and 4096).
const align = 4096

// blockSize is the size of the writes: large enough that the disk, not
// the system call, sets the pace.
const blockSize = 4 << 20

// Writer buffers what is written to a file and writes it in aligned blocks,
// bypassing the page cache where it can. Close writes the rest; it does
// not close the file. A Writer is not safe for concurrent use.
type Writer struct {
	f      *os.File
	direct bool // the file has O_DIRECT set
	buf    []byte
	n      int // bytes in buf
	err    error
}

// NewWriter returns a Writer for f, an empty file open for writing at its
// start, and sets O_DIRECT on f when it can.
func NewWriter(f *os.File) *Writer {
	w := &Writer{f: f, direct: setDirect(f, true)}
	// An aligned buffer: Go gives no alignment, so take a little more.
	raw := make([]byte, blockSize+align)
	off := int(-uintptr(unsafe.Pointer(unsafe.SliceData(raw)))) & (align - 1)
	w.buf = raw[off : off+blockSize : off+blockSize]
	return w
}

// Direct reports whether the writes bypass the page cache.
func (w *Writer) Direct() bool { return w.direct }

// Write buffers p, writing the buffer out each time it fills.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	written := 0
	for len(p) > 0 {
		k := copy(w.buf[w.n:], p)
		w.n += k
		p = p[k:]
		written += k
		if w.n == len(w.buf) {
			if err := w.flush(w.buf); err != nil {
				return written, err
			}
			w.n = 0
		}
	}
	return written, nil
}

// flush writes b, a multiple of align long, falling back to plain writes
// for good if the file system refuses a direct one.
func (w *Writer) flush(b []byte) error {
	_, err := w.f.Write(b)
	if err != nil && w.direct && setDirect(w.f, false) {
		// Some file systems accept O_DIRECT on open but refuse the
		// write (EINVAL); nothing was written, so write it again.
		w.direct = false
		_, err = w.f.Write(b)
	}
	if err != nil {
		w.err = err
	}
	return err
}

// Close writes what is buffered, the last part of it without O_DIRECT (its
// length is not a multiple of the block size), and clears O_DIRECT on the
// file. It does not close the file.
func (w *Writer) Close() error {
	if w.err != nil {
		return w.err
	}
	whole := w.n &^ (align - 1)
	if whole > 0 {
		if err := w.flush(w.buf[:whole]); err != nil {
			return err
		}
	}
	if w.direct {
		setDirect(w.f, false)
		w.direct = false
	}
	if w.n > whole {
		if _, err := w.f.Write(w.buf[whole:w.n]); err != nil {
			w.err = err
			return err
		}
	}
	w.n = 0
	return nil
}
