package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/store"
)

// TestLoginLockout checks that the sign-in page refuses a login after too
// many failures, with the right password too, and says so.
func TestLoginLockout(t *testing.T) {
	e := newEnv(t, Config{})
	e.user("bo", kamp.RoleBranchRM)
	c := e.client()
	token := e.csrf(c, "/login")
	for i := 0; i < store.MaxLoginFailures; i++ {
		resp, _ := e.postForm(c, "/login", url.Values{"csrf": {token}, "login": {"bo"}, "password": {"wrong password"}})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d", i+1, resp.StatusCode)
		}
	}
	resp, body := e.postForm(c, "/login", url.Values{"csrf": {token}, "login": {"bo"}, "password": {testPassword}})
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, T(LangZH, "login.locked")) {
		t.Errorf("locked login: status %d, locked message shown: %v", resp.StatusCode, strings.Contains(body, T(LangZH, "login.locked")))
	}
}
