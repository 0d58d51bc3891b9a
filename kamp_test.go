package kamp_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/kampbank/kamp"
)

func TestFormatFixed(t *testing.T) {
	cases := []struct {
		v     int64
		scale int
		want  string
	}{
		{0, 4, "0"}, {2300000, 4, "230"}, {12345000, 4, "1234.5"}, {-1, 4, "-0.0001"},
		{50_000_000, 6, "50"}, {33_333_333, 6, "33.333333"}, {-9223372036854775808, 4, "-922337203685477.5808"},
		{71234000000, 10, "7.1234"}, {7, 0, "7"}, {5, 4, "0.0005"}, {10000, 4, "1"}, {100000, 4, "10"}, {-10000, 4, "-1"},
		{-120, 4, "-0.012"}, {9223372036854775807, 4, "922337203685477.5807"}, {1, 10, "0.0000000001"}, {-7, 0, "-7"}, {0, 0, "0"},
	}
	for _, c := range cases {
		if got := kamp.FormatFixed(c.v, c.scale); got != c.want {
			t.Errorf("FormatFixed(%d, %d) = %q, want %q", c.v, c.scale, got, c.want)
		}
		if got := string(kamp.AppendFixed([]byte("x="), c.v, c.scale)); got != "x="+c.want {
			t.Errorf("AppendFixed(%d, %d) = %q, want %q", c.v, c.scale, got, "x="+c.want)
		}
	}
	if got := kamp.Amount(125000).String(); got != "12.5" {
		t.Errorf("Amount.String = %q", got)
	}
}

func TestErrorCodes(t *testing.T) {
	base := kamp.Errorf(kamp.ENOTFOUND, "no entity %q", "E1")
	wrapped := fmt.Errorf("loading: %w", base)
	if kamp.ErrorCode(wrapped) != kamp.ENOTFOUND || kamp.ErrorMessage(wrapped) != `no entity "E1"` {
		t.Errorf("wrapped: %q %q", kamp.ErrorCode(wrapped), kamp.ErrorMessage(wrapped))
	}
	plain := errors.New("driver: connection reset")
	if kamp.ErrorCode(plain) != kamp.EINTERNAL || kamp.ErrorMessage(plain) != "internal error" {
		t.Errorf("plain error leaks: %q %q", kamp.ErrorCode(plain), kamp.ErrorMessage(plain))
	}
	if kamp.ErrorCode(nil) != "" {
		t.Error("nil error has a code")
	}
	cause := errors.New("cause")
	if w := kamp.WrapError(kamp.EINVALID, cause, "bad"); !errors.Is(w, cause) {
		t.Error("WrapError does not unwrap to its cause")
	}
}
