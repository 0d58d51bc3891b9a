package check

import (
	"strings"
	"testing"

	"github.com/kampbank/kamp"
)

// checkErr fails the test unless err is nil when want is "", or an EINVALID
// application error whose message contains want otherwise.
func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Errorf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Errorf("no error, want one containing %q", want)
		return
	}
	if code := kamp.ErrorCode(err); code != kamp.EINVALID {
		t.Errorf("error code %s, want %s (%v)", code, kamp.EINVALID, err)
	}
	if msg := kamp.ErrorMessage(err); !strings.Contains(msg, want) {
		t.Errorf("message %q does not contain %q", msg, want)
	}
}

// checkInvalid fails the test unless err is an EINVALID application error
// with a message.
func checkInvalid(t *testing.T, err error) {
	t.Helper()
	if code := kamp.ErrorCode(err); code != kamp.EINVALID {
		t.Fatalf("error code %q, want %s (%v)", code, kamp.EINVALID, err)
	}
	if kamp.ErrorMessage(err) == "" {
		t.Fatalf("error without a message: %v", err)
	}
}
