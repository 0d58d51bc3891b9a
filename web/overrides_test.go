package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/store"
)

// waitGroups waits for the background group run to finish.
func (e *env) waitGroups() {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for e.srv.groups.state().Running {
		if time.Now().After(deadline) {
			e.t.Fatal("the group run did not finish")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if st := e.srv.groups.state(); st.Failed != "" {
		e.t.Fatalf("group run failed: %s", st.Failed)
	}
}

// TestGroupOverrideFlow: an analyst proposes on the group page to add N1 to
// G1's group; she cannot approve it herself; a risk officer of level 3
// approves it in the inbox; the group run that follows puts N1 in the group,
// and the page and the API list the override.
func TestGroupOverrideFlow(t *testing.T) {
	e := newEnv(t, Config{})
	e.seed()
	e.srv.RecomputeGroups()
	e.waitGroups()
	e.user("ana", kamp.RoleAnalyst)
	if _, err := e.db.CreateUser(context.Background(), kamp.User{Login: "rita", Name: "Rita", Role: kamp.RoleRisk, Level: kamp.LevelManager}, testPassword); err != nil {
		t.Fatal(err)
	}
	e.user("aud", kamp.RoleAuditor)
	ana, rita, aud := e.client(), e.client(), e.client()
	e.login(ana, "ana")
	e.login(rita, "rita")
	e.login(aud, "aud")

	// An auditor sees the group but no override form.
	if _, body := e.get(aud, "/groups/G1"); !strings.Contains(body, `id="overrides"`) || strings.Contains(body, `action="/groups/G1/overrides`) {
		t.Errorf("auditor: overrides section without the form expected")
	}
	// A proposal without a reason comes back with the error and the values.
	token := e.csrf(ana, "/groups/G1")
	resp, body := e.postForm(ana, "/groups/G1/overrides", url.Values{"csrf": {token}, "op": {"add"}, "entity": {"N1"}, "reason": {""}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "请说明理由") || !strings.Contains(body, `value="N1"`) {
		t.Errorf("no reason: %d", resp.StatusCode)
	}
	resp, _ = e.postForm(ana, "/groups/G1/overrides", url.Values{"csrf": {token}, "op": {"add"}, "entity": {"N1"}, "reason": {"同一实际控制人，经授信审批认定"}})
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "proposed=1") {
		t.Fatalf("propose: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	pending, _, err := e.db.ChangeRequests(context.Background(), store.System, kamp.RequestPending, "G1", 0, 0)
	if err != nil || len(pending) != 1 || pending[0].Kind != kamp.RequestGroup || pending[0].EntityID != "N1" {
		t.Fatalf("pending = %+v, %v", pending, err)
	}
	id := pending[0].ID
	// The inbox describes it; the maker cannot decide it.
	if _, body := e.get(ana, "/approvals"); !strings.Contains(body, "将 非客户公司（N1）加入集团") || strings.Contains(body, `action="/approvals/`+id+`"`) {
		t.Errorf("maker's inbox: %.2000s", body)
	}
	token = e.csrf(rita, "/approvals")
	resp, body = e.postForm(rita, "/approvals/"+id, url.Values{"csrf": {token}, "decision": {"approve"}, "confirm": {"1"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d %.500s", resp.StatusCode, body)
	}
	e.waitGroups()
	m, err := e.db.GroupOf(context.Background(), store.System, "N1")
	if err != nil || m.GroupID != "G1" {
		t.Fatalf("N1 after the override: %+v, %v", m, err)
	}
	_, body = e.get(ana, "/groups/G1")
	if !strings.Contains(body, `href="/entities/N1"`) || !strings.Contains(body, "同一实际控制人") || !strings.Contains(body, "rita") {
		t.Errorf("group page lacks the override or the member")
	}
	tok := e.bearer("bot", kamp.RoleAnalyst)
	resp, body = e.api(tok, "GET", "/api/v1/groups/G1/overrides", nil, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `"entity_id":"N1"`) || !strings.Contains(body, `"approved_by":"rita"`) || !strings.Contains(body, `"ended_at":null`) {
		t.Errorf("API overrides: %d %s", resp.StatusCode, body)
	}
	// Through the API: a proposal to clear it, retried with the same key.
	hdr := map[string]string{"Content-Type": "application/json", "Idempotency-Key": "clear-n1"}
	resp, body = e.api(tok, "POST", "/api/v1/groups/G1/overrides", strings.NewReader(`{"op":"clear","entity_id":"N1","reason":"解除"}`), hdr)
	if resp.StatusCode != http.StatusCreated || !strings.Contains(body, `"kind":"group"`) {
		t.Fatalf("API propose: %d %s", resp.StatusCode, body)
	}
	if resp, _ = e.api(tok, "POST", "/api/v1/groups/G1/overrides", strings.NewReader(`{"op":"clear","entity_id":"N1","reason":"解除"}`), hdr); resp.StatusCode != http.StatusOK {
		t.Errorf("API retry: %d", resp.StatusCode)
	}
	if resp, body = e.api(tok, "POST", "/api/v1/groups/G1/overrides", strings.NewReader(`{"op":"move","entity_id":"N1","reason":"x"}`), map[string]string{"Content-Type": "application/json"}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("API bad op: %d %s", resp.StatusCode, body)
	}
}
