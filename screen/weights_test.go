package screen

import (
	"maps"
	"math"
	"strings"
	"testing"

	"github.com/kampbank/kamp"
)

func TestParseWeights(t *testing.T) {
	tests := []struct {
		in   string
		want Weights
	}{
		{"revenue=0.4,deposits_avg=0.3,loans_avg=0.2,fee_income=0.1", DefaultWeights()},
		{" revenue = 0.4 , deposits_avg=0.3,loans_avg=0.2,\tfee_income=0.1 ", DefaultWeights()},
		{"Revenue=1", Weights{"revenue": 1}},
		{"revenue=1,deposits_avg=0", Weights{"revenue": 1, "deposits_avg": 0}},
		{"green_loans=0.25,revenue=0.75", Weights{"green_loans": 0.25, "revenue": 0.75}},
		{"绿色贷款=0.5,revenue=0.5", Weights{"绿色贷款": 0.5, "revenue": 0.5}},
		{"a=0.3333333333,b=0.3333333333,c=0.3333333334", Weights{"a": 0.3333333333, "b": 0.3333333333, "c": 0.3333333334}},
		{"a=0.9999999995", Weights{"a": 0.9999999995}}, // within 1e-9
		{"net income=1", Weights{"net income": 1}},
		{"a=01.000", Weights{"a": 1}},
	}
	for _, tt := range tests {
		got, err := ParseWeights(tt.in)
		if err != nil {
			t.Errorf("ParseWeights(%q): %v", tt.in, err)
			continue
		}
		if !maps.Equal(got, tt.want) {
			t.Errorf("ParseWeights(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestParseWeightsErrors(t *testing.T) {
	tests := []struct {
		in   string
		want string // in the message
	}{
		{"", "none given"},
		{"   ", "none given"},
		{"revenue", "has no '='"},
		{"revenue=0.5,,deposits_avg=0.5", "item 2 at column 13 is empty"},
		{"revenue=0.5,", "item 2 at column 13 is empty"},
		{"=1", "bad indicator name"},
		{"revenue=-0.5,deposits_avg=1.5", "negative"},
		{"revenue=abc", `weight "abc" is not valid`},
		{"revenue=1e0", "not valid"},
		{"revenue=.5,loans_avg=.5", "not valid"},
		{"revenue=1.", "not valid"},
		{"revenue=1.0.0", "not valid"},
		{"revenue=+1", "not valid"},
		{"revenue=NaN", "not valid"},
		{"revenue=", "not valid"},
		{"revenue=1,000", "item 2"},
		{"revenue=0.5, revenue=0.5", "revenue at column 14 is given twice"},
		{"revenue=0.5,REVENUE=0.5", "given twice"},
		{"revenue=0.4,deposits_avg=0.3", "sum to 0.7, not 1"},
		{"revenue=0.5,deposits_avg=0.6", "sum to 1.1, not 1"},
		{"a=0.999999998", "not 1"},
		{"a=1" + string(rune(0)) + "=1", "not valid"},
		{"a\x01=1", "control character"},
		{"revenue=1" + strings.Repeat("0", 400), "out of range"},
		{"a=1" + strings.Repeat("0", 300), "sum to 1e+300, not 1"},
	}
	for _, tt := range tests {
		_, err := ParseWeights(tt.in)
		wantCode(t, err, kamp.EINVALID, tt.want)
	}
}

func TestWeightsValidate(t *testing.T) {
	tests := []struct {
		name string
		w    Weights
		want string // "" for valid
	}{
		{"default", DefaultWeights(), ""},
		{"empty", Weights{}, "none given"},
		{"nil", nil, "none given"},
		{"NaN", Weights{"a": math.NaN()}, "not a finite number"},
		{"Inf", Weights{"a": math.Inf(1), "b": 0}, "not a finite number"},
		{"negative", Weights{"a": 1.5, "b": -0.5}, "negative"},
		{"comma in name", Weights{"a,b": 1}, "bad indicator name"},
		{"spaces around name", Weights{" a": 1}, "white space"},
		{"short", Weights{"a": 0.5}, "sum to 0.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.w.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			wantCode(t, err, kamp.EINVALID, tt.want)
		})
	}
}

func TestWeightsString(t *testing.T) {
	if got, want := DefaultWeights().String(), "deposits_avg=0.3,fee_income=0.1,loans_avg=0.2,revenue=0.4"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	w := Weights{"a": 1e-7, "b": 1 - 1e-7}
	back, err := ParseWeights(w.String())
	if err != nil {
		t.Fatalf("ParseWeights(%q): %v", w.String(), err)
	}
	if !maps.Equal(back, w) {
		t.Errorf("round trip of %v gave %v", w, back)
	}
}

func FuzzParseWeights(f *testing.F) {
	for _, s := range []string{
		"revenue=0.4,deposits_avg=0.3,loans_avg=0.2,fee_income=0.1",
		"revenue=1",
		" a = 0.5 , b = 0.5 ",
		"绿色贷款=0.5,revenue=0.5",
		"revenue=0.5,,x=0.5",
		"revenue=-1,x=2",
		"a=1,a=0",
		"a=0.3333333333,b=0.3333333333,c=0.3333333334",
		"=",
		",",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, err := ParseWeights(s)
		if err != nil {
			if kamp.ErrorCode(err) != kamp.EINVALID {
				t.Fatalf("ParseWeights(%q): error code %s: %v", s, kamp.ErrorCode(err), err)
			}
			return
		}
		if err := w.Validate(); err != nil {
			t.Fatalf("ParseWeights(%q) = %v, which does not validate: %v", s, w, err)
		}
		back, err := ParseWeights(w.String())
		if err != nil {
			t.Fatalf("ParseWeights(%q) = %v, whose String %q does not parse: %v", s, w, w.String(), err)
		}
		if !maps.Equal(back, w) {
			t.Fatalf("round trip of %q: %v, then %v", s, w, back)
		}
	})
}
