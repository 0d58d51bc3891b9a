package screen

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// ratFloat rounds r to the nearest float64 (ties to even).
func ratFloat(r *big.Rat) float64 {
	f, _ := r.Float64()
	return f
}

func sumFromBig(t *testing.T, v *big.Int) Sum {
	t.Helper()
	m := new(big.Int).Lsh(big.NewInt(1), 128)
	u := new(big.Int).Mod(v, m)
	lo := new(big.Int).And(u, new(big.Int).SetUint64(math.MaxUint64)).Uint64()
	hi := new(big.Int).Rsh(u, 64).Uint64()
	s := Sum{hi: int64(hi), lo: lo}
	if s.bigInt().Cmp(v) != 0 {
		t.Fatalf("%v does not fit in a Sum", v)
	}
	return s
}

func TestSumString(t *testing.T) {
	tests := []struct {
		v    string // integer in 1e-14 units
		want string
	}{
		{"0", "0"},
		{"1", "0.00000000000001"},
		{"-1", "-0.00000000000001"},
		{"100000000000000", "1"},
		{"17123456789100000", "171.234567891"},
		{"-250000000000000", "-2.5"},
		{"170141183460469231731687303715884105727", "1701411834604692317316873.03715884105727"},
		{"-170141183460469231731687303715884105728", "-1701411834604692317316873.03715884105728"},
	}
	for _, tt := range tests {
		v, _ := new(big.Int).SetString(tt.v, 10)
		s := sumFromBig(t, v)
		if got := s.String(); got != tt.want {
			t.Errorf("Sum(%s).String() = %q, want %q", tt.v, got, tt.want)
		}
		if got, want := s.Rat(), new(big.Rat).SetFrac(v, big.NewInt(1e14)); got.Cmp(want) != 0 {
			t.Errorf("Sum(%s).Rat() = %v, want %v", tt.v, got, want)
		}
		if got := s.Sign(); got != v.Sign() {
			t.Errorf("Sum(%s).Sign() = %d, want %d", tt.v, got, v.Sign())
		}
	}
}

// TestSumArithmetic checks add, mulRate, float and Cmp against math/big on
// random values of all magnitudes, overflow included.
func TestSumArithmetic(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	limit := new(big.Int).Lsh(big.NewInt(1), 127)
	minV := new(big.Int).Neg(limit)
	fits := func(v *big.Int) bool { return v.Cmp(minV) >= 0 && v.Cmp(limit) < 0 }
	randSum := func() (*big.Int, Sum) {
		bitsN := uint(rng.IntN(128))
		v := new(big.Int).Lsh(new(big.Int).SetUint64(rng.Uint64()), 64)
		v.Or(v, new(big.Int).SetUint64(rng.Uint64()))
		v.Rsh(v, 128-bitsN)
		if rng.IntN(2) == 0 {
			v.Neg(v)
		}
		return v, sumFromBig(t, v)
	}
	for i := 0; i < 20000; i++ {
		a, sa := randSum()
		b, sb := randSum()
		sum := new(big.Int).Add(a, b)
		got, ok := sa.add(sb)
		if ok != fits(sum) || (ok && got.bigInt().Cmp(sum) != 0) {
			t.Fatalf("%v + %v = %v ok=%v, want %v fits=%v", a, b, got.bigInt(), ok, sum, fits(sum))
		}
		r := rng.Int64N(math.MaxInt64) + 1
		if rng.IntN(3) == 0 {
			r = rng.Int64N(1e11) + 1
		}
		prod := new(big.Int).Mul(a, big.NewInt(r))
		gotP, ok := sa.mulRate(r)
		if ok != fits(prod) || (ok && gotP.bigInt().Cmp(prod) != 0) {
			t.Fatalf("%v * %d = %v ok=%v, want %v fits=%v", a, r, gotP.bigInt(), ok, prod, fits(prod))
		}
		v := int64(rng.Uint64())
		if i == 0 {
			v = math.MinInt64
		}
		if got, want := mulInt64(v, r), new(big.Int).Mul(big.NewInt(v), big.NewInt(r)); got.bigInt().Cmp(want) != 0 {
			t.Fatalf("mulInt64(%d, %d) = %v, want %v", v, r, got.bigInt(), want)
		}
		if got, want := sa.float(), ratFloat(new(big.Rat).SetInt(a)); got != want {
			t.Fatalf("float(%v) = %v, want %v", a, got, want)
		}
		if got, want := sa.Cmp(sb), a.Cmp(b); got != want {
			t.Fatalf("Cmp(%v, %v) = %d, want %d", a, b, got, want)
		}
	}
	// The extremes.
	minS := sumFromBig(t, minV)
	if _, ok := minS.mulRate(1); !ok {
		t.Errorf("min * 1 overflowed")
	}
	if _, ok := minS.mulRate(2); ok {
		t.Errorf("min * 2 did not overflow")
	}
	if got, want := minS.float(), -0x1p127; got != want {
		t.Errorf("float(min) = %v, want %v", got, want)
	}
}

// TestUint128FloatRounding checks halfway cases of the 128-bit conversion.
func TestUint128FloatRounding(t *testing.T) {
	tests := []struct {
		hi, lo uint64
	}{
		{1, 0},
		{1, 1 << 63},            // 2^64 + 2^63: exact
		{1 << 52, 1 << 63},      // halfway, even below: rounds down
		{1<<52 | 1, 1 << 63},    // halfway, odd below: rounds up
		{1 << 52, 1<<63 | 1},    // just above halfway: up
		{1<<53 - 1, ^uint64(0)}, // rounds up to a power of two
		{^uint64(0), ^uint64(0)},
	}
	for _, tt := range tests {
		v := new(big.Int).Lsh(new(big.Int).SetUint64(tt.hi), 64)
		v.Or(v, new(big.Int).SetUint64(tt.lo))
		if got, want := uint128Float(tt.hi, tt.lo), ratFloat(new(big.Rat).SetInt(v)); got != want {
			t.Errorf("uint128Float(%#x, %#x) = %v, want %v", tt.hi, tt.lo, got, want)
		}
	}
}

// randFloat returns a random non-negative float64 from any binade,
// subnormals and zero included.
func randFloat(rng *rand.Rand) float64 {
	switch rng.IntN(10) {
	case 0:
		return 0
	case 1:
		return math.Float64frombits(rng.Uint64N(1 << 52)) // subnormal
	case 2:
		return float64(rng.IntN(4)) * 0.25
	}
	return math.Float64frombits(rng.Uint64N(0x7FF0000000000000))
}

func TestExactAcc(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 300; trial++ {
		var acc exactAcc
		want := new(big.Rat)
		n := rng.IntN(50)
		narrow := rng.IntN(2) == 0 // values in [0, 1] like scores
		for i := 0; i < n; i++ {
			f := randFloat(rng)
			if narrow {
				f = rng.Float64()
				if rng.IntN(5) == 0 {
					f = math.Ldexp(f, -rng.IntN(80))
				}
			}
			acc.add(f)
			want.Add(want, new(big.Rat).SetFloat64(f))
			if got := acc.rat(); got.Cmp(want) != 0 {
				t.Fatalf("trial %d: sum %v, want %v", trial, got.FloatString(20), want.FloatString(20))
			}
			wf := ratFloat(want)
			if math.IsInf(wf, 0) {
				continue
			}
			got := acc.float()
			if wf >= 0x1p-1022 && got != wf {
				t.Fatalf("trial %d: float = %v, want %v", trial, got, wf)
			}
			if wf < 0x1p-1022 && math.Abs(got-wf) > 0x1p-1074 {
				t.Fatalf("trial %d: subnormal float = %v, want %v", trial, got, wf)
			}
		}
		var other exactAcc
		half := new(big.Rat)
		for i := 0; i < n/2; i++ {
			f := rng.Float64()
			other.add(f)
			half.Add(half, new(big.Rat).SetFloat64(f))
		}
		for _, c := range [][2]uint64{{2, 1}, {5, 4}, {1, 1}, {1, 2}} {
			l := new(big.Rat).Mul(big.NewRat(int64(c[0]), 1), want)
			r := new(big.Rat).Mul(big.NewRat(int64(c[1]), 1), half)
			if got, want := acc.cmpScaled(c[0], &other, c[1]), l.Cmp(r); got != want {
				t.Fatalf("trial %d: cmpScaled(%d, %d) = %d, want %d", trial, c[0], c[1], got, want)
			}
		}
		if want.Cmp(half) >= 0 {
			d := acc.diff(&other)
			if got, w := d.rat(), new(big.Rat).Sub(want, half); got.Cmp(w) != 0 {
				t.Fatalf("trial %d: diff = %v, want %v", trial, got, w)
			}
		}
	}
}

// TestExactAccTies checks the sticky bit far below the top of the window.
func TestExactAccTies(t *testing.T) {
	tests := []struct {
		name string
		xs   []float64
	}{
		{"halfway to even", []float64{1, 0x1p-53}},
		{"halfway plus a tiny bit", []float64{1, 0x1p-53, 0x1p-1000}},
		{"halfway plus a subnormal", []float64{1, 0x1p-53, 0x1p-1074}},
		{"odd plus halfway", []float64{1 + 0x1p-52, 0x1p-53}},
		{"carry into a new word", []float64{math.MaxFloat64, math.MaxFloat64, math.MaxFloat64}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var acc exactAcc
			want := new(big.Rat)
			for _, x := range tt.xs {
				acc.add(x)
				want.Add(want, new(big.Rat).SetFloat64(x))
			}
			if got := acc.rat(); got.Cmp(want) != 0 {
				t.Fatalf("sum = %v, want %v", got, want)
			}
			wf, _ := new(big.Float).SetPrec(53).SetRat(want).Float64()
			if got := acc.float(); got != wf {
				t.Errorf("float = %v, want %v", got, wf)
			}
		})
	}
}
