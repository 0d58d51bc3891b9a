package web

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/kampbank/kamp"
)

// sessionCookieOf returns the value of c's session cookie for the server.
func (e *env) sessionCookieOf(c *http.Client) string {
	u, _ := url.Parse(e.ts.URL)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == sessionCookie {
			return ck.Value
		}
	}
	return ""
}

func TestSessionFixation(t *testing.T) {
	e := newEnv(t, Config{})
	e.user("ana", kamp.RoleAnalyst)
	e.user("bo", kamp.RoleAnalyst)

	// An attacker plants a session id of their choosing: it is not a
	// session, and signing in does not adopt it.
	c := e.client()
	u, _ := url.Parse(e.ts.URL)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: "attacker-chosen", Path: "/"}})
	if resp, _ := e.get(c, "/"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a planted session id was accepted: %d", resp.StatusCode)
	}
	e.login(c, "ana")
	first := e.sessionCookieOf(c)
	if first == "" || first == "attacker-chosen" {
		t.Fatalf("session after sign-in = %q", first)
	}

	// A second sign-in in the same browser gets a new session and ends the
	// old one: a copy of the old cookie no longer works.
	token := e.csrf(c, "/")
	resp, body := e.postForm(c, "/login", url.Values{"csrf": {token}, "login": {"bo"}, "password": {testPassword}, "next": {"/"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("second sign-in: %d %s", resp.StatusCode, body)
	}
	second := e.sessionCookieOf(c)
	if second == "" || second == first {
		t.Fatalf("second sign-in kept session %q", second)
	}
	old := e.client()
	old.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: first, Path: "/"}})
	if resp, _ := e.get(old, "/"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the session before the second sign-in still works: %d", resp.StatusCode)
	}

	// Signing out ends the session on the server, not only in the browser.
	token = e.csrf(c, "/")
	if resp, _ := e.postForm(c, "/logout", url.Values{"csrf": {token}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	replay := e.client()
	replay.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: second, Path: "/"}})
	if resp, _ := e.get(replay, "/"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a signed-out session still works: %d", resp.StatusCode)
	}
}

func TestTokenRevocation(t *testing.T) {
	e := newEnv(t, Config{})
	tok := e.bearer("bot", kamp.RoleAnalyst)
	other := e.bearer("bot2", kamp.RoleAnalyst)
	if resp, body := e.api(tok, "GET", "/api/v1/entities", nil, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("fresh token: %d %s", resp.StatusCode, body)
	}
	if err := e.db.RevokeAPIToken(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	resp, body := e.api(tok, "GET", "/api/v1/entities", nil, nil)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("revoked token: %d %s", resp.StatusCode, body)
	}
	checkErrorJSON(t, body, kamp.EUNAUTHORIZED)
	if resp, _ := e.api(other, "GET", "/api/v1/entities", nil, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("revoking one token broke another: %d", resp.StatusCode)
	}
	// Disabling a person revokes their tokens too.
	u, err := e.db.UserByLogin(context.Background(), "bot2")
	if err != nil {
		t.Fatal(err)
	}
	u.Disabled = true
	if _, err := e.db.UpdateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	if resp, _ := e.api(other, "GET", "/api/v1/entities", nil, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a disabled person's token: %d", resp.StatusCode)
	}
}
