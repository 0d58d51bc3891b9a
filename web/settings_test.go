package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kampbank/kamp"
)

// TestSettings: an administrator sets the tier-1 capital in the app; it
// takes precedence over the server's, a group run starts with it, and the
// group page shows the limits. A bad value is refused next to the field;
// other roles may not change settings.
func TestSettings(t *testing.T) {
	e := newEnv(t, Config{})
	e.seed()
	e.srv.RecomputeGroups()
	e.waitGroups()
	e.user("root", kamp.RoleAdmin)
	e.user("ana", kamp.RoleAnalyst)
	admin, ana := e.client(), e.client()
	e.login(admin, "root")
	e.login(ana, "ana")
	if resp, _ := e.get(ana, "/settings"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("analyst GET /settings: %d", resp.StatusCode)
	}
	token := e.csrf(admin, "/settings")
	resp, body := e.postForm(admin, "/settings", url.Values{"csrf": {token}, "tier1": {"1,000"}, "regime": {""}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "不带千分位") || !strings.Contains(body, `value="1,000"`) {
		t.Errorf("bad tier-1: %d", resp.StatusCode)
	}
	resp, _ = e.postForm(admin, "/settings", url.Values{"csrf": {token}, "tier1": {"100000000"}, "regime": {"basel-lex"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", resp.StatusCode)
	}
	e.waitGroups()
	run := e.srv.runLimits(t.Context())
	if run.Tier1 != kamp.Amount(100_000_000*10_000) || run.Regime != "basel-lex" {
		t.Errorf("latest run: tier1 %s, regime %s", run.Tier1, run.Regime)
	}
	if _, body := e.get(admin, "/settings"); !strings.Contains(body, "basel-lex") || !strings.Contains(body, `value="100000000"`) {
		t.Errorf("settings page does not show the saved values")
	}
	if _, body := e.get(ana, "/groups/G1"); !strings.Contains(body, "basel-lex") {
		t.Errorf("the group page does not show the regime of the run")
	}
	tok := e.bearer("bot", kamp.RoleAnalyst)
	resp, body = e.api(tok, "GET", "/api/v1/settings", nil, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `"tier1_capital":"100000000"`) || !strings.Contains(body, `"large_exposure_regime":"basel-lex"`) {
		t.Errorf("API settings: %d %s", resp.StatusCode, body)
	}
	if resp, _ = e.api(tok, "PUT", "/api/v1/settings", strings.NewReader(`{"tier1_capital_setting":""}`), map[string]string{"Content-Type": "application/json"}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("analyst PUT settings: %d", resp.StatusCode)
	}
	root := e.bearer("rootbot", kamp.RoleAdmin)
	resp, body = e.api(root, "PUT", "/api/v1/settings", strings.NewReader(`{"tier1_capital_setting":"-5"}`), map[string]string{"Content-Type": "application/json"})
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("PUT a negative capital: %d %s", resp.StatusCode, body)
	}
	resp, body = e.api(root, "PUT", "/api/v1/settings", strings.NewReader(`{"tier1_capital_setting":""}`), map[string]string{"Content-Type": "application/json"})
	if resp.StatusCode != 200 || !strings.Contains(body, `"tier1_capital":""`) || !strings.Contains(body, `"large_exposure_regime_setting":"basel-lex"`) {
		t.Errorf("PUT unset: %d %s", resp.StatusCode, body)
	}
	e.waitGroups()
}
