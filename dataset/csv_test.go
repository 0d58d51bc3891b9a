package dataset

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/kampbank/kamp/tabular"
)

// rec is a record as read: its line and fields.
type rec struct {
	line   int
	fields []string
}

// gzipBytes compresses data.
func gzipBytes(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// withChunkSize runs f with chunkSize set to size.
func withChunkSize(size int, f func()) {
	old := chunkSize
	chunkSize = size
	defer func() { chunkSize = old }()
	f()
}

// readTabular reads data with package tabular: the records, or the header
// error (fatal) or the read error.
func readTabular(data []byte) (recs []rec, headerErr, readErr error) {
	r, err := tabular.NewCSV(bytes.NewReader(data), "t.csv")
	if err != nil {
		return nil, err, nil
	}
	defer r.Close()
	for r.Next() {
		recs = append(recs, rec{r.Line(), append([]string(nil), r.Record()...)})
	}
	return recs, nil, r.Err()
}

// readFast reads the file at path with the chunked parser, chunks of size
// bytes and the given workers, without the fallback.
func readFast(t testing.TB, path string, size, workers int) ([]rec, error) {
	t.Helper()
	tb, err := openTable(path, nil)
	if err != nil {
		return nil, err
	}
	var out []rec
	withChunkSize(size, func() {
		var parts [][]rec
		parts, err = scanFast(context.Background(), tb, workers, func(_ int, r records) []rec {
			var rs []rec
			for r.next() {
				fs := make([]string, len(r.fields()))
				for i, f := range r.fields() {
					fs[i] = string(f)
				}
				rs = append(rs, rec{r.line(), fs})
			}
			return rs
		})
		for _, p := range parts {
			out = append(out, p...)
		}
	})
	return out, err
}

// checkSame checks that the chunked parser and package tabular agree on
// data: same records and line numbers, or both fail.
func checkSame(t *testing.T, data []byte, size, workers int) {
	t.Helper()
	want, headerErr, readErr := readTabular(data)
	if headerErr != nil {
		return // openTable reports it, through package tabular itself
	}
	path := filepath.Join(t.TempDir(), "t.csv")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	// Plain files are mapped into memory where the system allows it:
	// read them into buffers too.
	for _, mapped := range []bool{true, false} {
		withMapping(mapped, func() {
			got, err := readFast(t, path, size, workers)
			switch {
			case readErr != nil:
				if !errors.Is(err, errSlow) {
					t.Fatalf("%q (chunk %d, mapped %v): tabular fails (%v), the chunked parser gives %v", data, size, mapped, readErr, err)
				}
			case err != nil:
				t.Fatalf("%q (chunk %d, mapped %v): tabular reads it, the chunked parser fails: %v", data, size, mapped, err)
			case !reflect.DeepEqual(got, want) && (len(got) != 0 || len(want) != 0):
				t.Fatalf("%q (chunk %d, mapped %v):\n got %v\nwant %v", data, size, mapped, got, want)
			}
		})
	}
}

// withMapping runs f with mapFiles set to on.
func withMapping(on bool, f func()) {
	old := mapFiles
	mapFiles = on
	defer func() { mapFiles = old }()
	f()
}

var csvCases = []string{
	"id,name\n1,a\n2,b\n",
	"id,name\n1,a\n2,b",
	"id,name\r\n1,\"a,b\"\r\n\r\n2,\"say \"\"hi\"\"\"\r\n",
	"\xef\xbb\xbfid,name\n1,\"line1\nline2\"\n3,c\n",
	"a\n\"\"\n\n\"x\"\n",
	"a,b,c\n1,2\n1,2,3,4\n",
	"id,name\n1,\xb9\xab\xcb\xbe\n",
	"id,name\n1,\"abc\n",
	"id,name\n1,ab\"c\n",
	"id,name\n1,\"ab\"c\n",
	"a,b\nx\ry,z\r\r\n",
	"a,b\n,\n,,\n\r\n\n\n1,\r",
	"a,b\n\"1\r\n2\",\"\"\"\"\n\"\",x\n",
	"a\n" + strings.Repeat("word,", 40) + "\n\"" + strings.Repeat("long\n", 30) + "\"\n",
	"id,名称\n1,中国工商银行股份有限公司\n2,\"上海,浦东\"\n",
	"x\n\n\n\n",
	"x\n\r",
	// Bytes that are not UTF-8: in a quoted field, on the last line
	// without a line feed, a sequence cut short, a line of ASCII after.
	"id,name\n1,\"a\xffb\"\n2,c\n",
	"id,name\n1,a\n2,\xe4\xb8",
	"id,name\n1,\xe4\xb8\n2,abcdefghijk\n",
	"id,name\n1,\xe4\xb8\xad\xe5\x9b\xbd\n2,\xed\xa0\x80\n",
}

func TestChunkedParserMatchesTabular(t *testing.T) {
	for _, c := range csvCases {
		for _, size := range []int{1, 3, 8, 17, 64, 1 << 20} {
			for _, workers := range []int{1, 3} {
				checkSame(t, []byte(c), size, workers)
				checkSame(t, gzipBytes(t, []byte(c)), size, workers)
			}
		}
	}
}

func FuzzChunkedParser(f *testing.F) {
	for _, c := range csvCases {
		f.Add([]byte(c), uint8(5))
	}
	f.Fuzz(func(t *testing.T, data []byte, size uint8) {
		checkSame(t, data, 1+int(size%64), 2)
	})
}

func TestLastBoundary(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int
	}{
		{"", -1},
		{"abc", -1},
		{"a\nb", 2},
		{"a\nb\n", 4},
		{"\"a\nb", -1},
		{"\"a\nb\"\nc", 6},
		{"\"a\"\"\nb\"\nc", 8},
		{"x\n\"a\nb", 2},
	} {
		if got := lastBoundary([]byte(c.in)); got != c.want {
			t.Errorf("lastBoundary(%q) = %d, want %d", c.in, got, c.want)
		}
	}
}

func TestSpecials(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	near := []byte{',', '\n', '"', ',' | 0x80, '\n' | 0x80, '"' | 0x80, ',' + 1, '\n' - 1, '"' ^ 1, 0, 0x7f, 0xff}
	for x := range 256 + 1<<16 {
		var b [8]byte
		for i := range b {
			b[i] = byte(x)
		}
		b[3] = ','
		if x >= 256 {
			// Words of specials, bytes that differ from one in one bit,
			// and any byte.
			for i := range b {
				if r.IntN(3) == 0 {
					b[i] = byte(r.IntN(256))
				} else {
					b[i] = near[r.IntN(len(near))]
				}
			}
		}
		m := specials(uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
			uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56)
		for i := range b {
			want := b[i] == ',' || b[i] == '\n' || b[i] == '"'
			if got := m>>(8*i+7)&1 == 1; got != want {
				t.Fatalf("byte %#x at %d: special %v, want %v", b[i], i, got, want)
			}
		}
	}
}

// TestMappedFileCutShort checks that a file cut short while it is read
// (here, by the first chunk's reader) gives an error, not a crash, where
// files are mapped into memory.
func TestMappedFileCutShort(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.csv")
	data := []byte("id,name\n" + strings.Repeat("1234567,abcdefghijklmnopqrstuvwxyz\n", 8000))
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	tb, err := openTable(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := mapFile(f); !ok {
		f.Close()
		t.Skip("files are not mapped into memory on this system")
	} else {
		unmapFile(m)
		f.Close()
	}
	var once sync.Once
	withChunkSize(4096, func() {
		_, err = scanFast(context.Background(), tb, 2, func(_ int, r records) int {
			once.Do(func() {
				if err := os.Truncate(path, 0); err != nil {
					t.Error(err)
				}
			})
			n := 0
			for r.next() {
				n += len(r.fields())
			}
			return n
		})
	})
	if err == nil || !strings.Contains(err.Error(), "the file changed while it was read") {
		t.Fatalf("got %v, want the error of a file that changed", err)
	}
}

// utf8Cases are texts for validUTF8, long enough for the vector path: good
// ones (ASCII, Chinese, four-byte runes) and bad bytes at every place.
var utf8Cases = []string{
	"",
	"txn_id,date,payer_id,payer_name,payee_id,payee_name,amount,currency\n",
	"T0000000001,2025-11-01,,石家庄市苒磊医疗器械有限公司,E0157903,,22941.05,CNY\n",
	strings.Repeat("中国工商银行股份有限公司,", 9) + "😀𝄞\n",
	strings.Repeat("a", 31) + "\xe4\xb8",                                  // cut short at the end
	strings.Repeat("有限公司", 10) + "\xed\xa0\x80",                           // a surrogate
	strings.Repeat("b", 40) + "\xc0\xaf" + strings.Repeat("c", 40),        // overlong
	strings.Repeat("d", 33) + "\xf4\x90\x80\x80" + strings.Repeat("e", 9), // beyond U+10FFFF
	strings.Repeat("公司", 20) + "\xff",
	"\x80" + strings.Repeat("f", 64),
}

// TestValidUTF8 checks validUTF8 against utf8.Valid on utf8Cases and on
// every one-byte change of a long line of Chinese names.
func TestValidUTF8(t *testing.T) {
	for _, c := range utf8Cases {
		if got, want := validUTF8([]byte(c)), utf8.Valid([]byte(c)); got != want {
			t.Errorf("validUTF8(%q) = %v, utf8.Valid says %v", c, got, want)
		}
	}
	line := []byte(utf8Cases[2] + utf8Cases[3])
	r := rand.New(rand.NewPCG(5, 6))
	for i := range line {
		b := slices.Clone(line)
		b[i] = byte(r.IntN(256))
		if got, want := validUTF8(b), utf8.Valid(b); got != want {
			t.Fatalf("validUTF8(%q) = %v, utf8.Valid says %v", b, got, want)
		}
	}
}

func FuzzValidUTF8(f *testing.F) {
	for _, c := range utf8Cases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := validUTF8(b), utf8.Valid(b); got != want {
			t.Fatalf("validUTF8(%q) = %v, utf8.Valid says %v", b, got, want)
		}
	})
}
