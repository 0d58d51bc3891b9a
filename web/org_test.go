package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/store"
	"github.com/kampbank/kamp/store/storetest"
)

// newEnvOn starts a server over db, like newEnv.
func newEnvOn(t *testing.T, db *store.DB) *env {
	t.Helper()
	dir := t.TempDir()
	logs := &syncBuffer{}
	srv, err := New(Config{DataDir: filepath.Join(dir, "data"), Version: "test"}, db,
		slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		ts.Close()
		srv.Close()
	})
	return &env{t: t, db: db, srv: srv, ts: ts, logs: logs, dir: dir}
}

// orgEnv is a small bank with an organisation: the head office HO with
// its strategic-client department SCD, branches BJ01 and SH02 (the seed
// clients' branches), and people:
//
//	admin  administrator, HO, level 4
//	ana    analyst, SCD, level 3 (may approve)
//	ana2   analyst, SCD, level 2 (may propose, not approve)
//	lead   lead account manager, SCD, level 2, on the team of C1
//	bjrm   branch RM of BJ01; shrm branch RM of SH02
//
// C2 (a SH02 client) has a team led by lead2.
func orgEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	e := newEnvOn(t, db)
	e.seed()
	ctx := kamp.WithActor(context.Background(), "test")
	units := []kamp.OrgUnit{
		{Code: "HO", Name: "总行", Kind: kamp.UnitHeadOffice},
		{Code: "SCD", Name: "战略客户部", Kind: kamp.UnitDepartment, Parent: "HO"},
		{Code: "BJ01", Name: "北京分行", Kind: kamp.UnitBranch, Parent: "HO"},
		{Code: "SH02", Name: "上海分行", Kind: kamp.UnitBranch, Parent: "HO"},
	}
	if err := db.SaveOrgUnits(ctx, units); err != nil {
		t.Fatal(err)
	}
	for _, u := range []kamp.User{
		{Login: "admin", Role: kamp.RoleAdmin, OrgUnit: "HO", Level: kamp.LevelExecutive},
		{Login: "ana", Role: kamp.RoleAnalyst, OrgUnit: "SCD", Level: kamp.LevelManager},
		{Login: "ana2", Role: kamp.RoleAnalyst, OrgUnit: "SCD", Level: kamp.LevelSenior},
		{Login: "lead", Role: kamp.RoleLeadRM, OrgUnit: "SCD", Level: kamp.LevelSenior},
		{Login: "lead2", Role: kamp.RoleLeadRM, OrgUnit: "SCD", Level: kamp.LevelManager},
		{Login: "bjrm", Role: kamp.RoleBranchRM, OrgUnit: "BJ01", Level: kamp.LevelStaff},
		{Login: "shrm", Role: kamp.RoleBranchRM, OrgUnit: "SH02", Level: kamp.LevelStaff},
	} {
		u.Name = "Name of " + u.Login
		if _, err := db.CreateUser(ctx, u, testPassword); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.SeedTeam(ctx, "C1", []string{"lead"}); err != nil {
		t.Fatal(err)
	}
	if err := db.SeedTeam(ctx, "C2", []string{"lead2"}); err != nil {
		t.Fatal(err)
	}
	return e
}

// signedIn returns a client signed in as login.
func (e *env) signedIn(login string) *http.Client {
	c := e.client()
	e.login(c, login)
	return c
}

// token returns an API token of an existing user.
func (e *env) token(login string) string {
	e.t.Helper()
	u, err := e.db.UserByLogin(context.Background(), login)
	if err != nil {
		e.t.Fatal(err)
	}
	tok, err := e.db.CreateAPIToken(context.Background(), u.ID, "test")
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// postWithCSRF posts form to path with the CSRF token of the page at from.
func (e *env) postWithCSRF(c *http.Client, from, path string, form url.Values) (*http.Response, string) {
	e.t.Helper()
	form.Set("csrf", e.csrf(c, from))
	return e.postForm(c, path, form)
}

// messageKeyRE finds a message key of this feature shown untranslated.
var messageKeyRE = regexp.MustCompile(`>[^<]*\b(org|team|teams|approvals|my|request|level|unitkind|form)\.[a-z_.]+[^<]*<`)

// inlineCodeRE finds what the CSP would block (as in TestNoInlineCode).
var inlineCodeRE = regexp.MustCompile(`(?i)<script(\s[^>]*)?>\s*[^<\s]|\sstyle=|<style|\son[a-z]+=|hx-on`)

var requestIDRE = regexp.MustCompile(`action="/approvals/([^"]+)"`)

// pendingIDs returns the ids of the requests c may decide on /approvals.
func (e *env) pendingIDs(c *http.Client) []string {
	e.t.Helper()
	_, body := e.get(c, "/approvals")
	var ids []string
	for _, m := range requestIDRE.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

func TestOrgPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := orgEnv(t, db)
		admin, rm := e.signedIn("admin"), e.signedIn("bjrm")

		// Everyone signed in sees the tree and the people; only the
		// administrator gets the forms.
		for _, c := range []*http.Client{admin, rm} {
			for _, path := range []string{"/org", "/org?unit=BJ01&role=branch_rm", "/teams", "/approvals", "/my", "/org/people/bjrm", "/teams/C1"} {
				resp, body := e.get(c, path)
				if resp.StatusCode != 200 {
					t.Fatalf("%s: %d\n%s", path, resp.StatusCode, body)
				}
				if m := messageKeyRE.FindString(body); m != "" {
					t.Errorf("%s shows the message key %q", path, m)
				}
				if m := inlineCodeRE.FindString(body); m != "" {
					t.Errorf("%s has inline code %q", path, m)
				}
			}
		}
		_, body := e.get(admin, "/org")
		for _, want := range []string{"北京分行", "战略客户部", `action="/org/units"`, `action="/org/people"`, "/org/people/shrm", T(LangZH, "nav.organisation")} {
			if !strings.Contains(body, want) {
				t.Errorf("admin /org lacks %q", want)
			}
		}
		_, body = e.get(rm, "/org")
		if strings.Contains(body, `action="/org/units"`) || strings.Contains(body, `action="/org/people"`) {
			t.Error("a branch RM gets the administrator's forms")
		}
		// The unit filter takes the subtree.
		_, body = e.get(rm, "/org?unit=BJ01")
		if !strings.Contains(body, "/org/people/bjrm") || strings.Contains(body, "/org/people/shrm") {
			t.Error("/org?unit=BJ01 does not list exactly the BJ01 people")
		}
		_, body = e.get(rm, "/org?unit=HO&role=branch_rm")
		if !strings.Contains(body, "/org/people/bjrm") || !strings.Contains(body, "/org/people/shrm") || strings.Contains(body, "/org/people/ana\"") {
			t.Error("/org?unit=HO&role=branch_rm is not the branch RMs of the whole bank")
		}

		// A branch RM may not change the org.
		resp, _ := e.postWithCSRF(rm, "/org", "/org/units", url.Values{"code": {"GZ03"}, "name": {"广州分行"}, "kind": {"branch"}, "parent": {"HO"}})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("branch RM adds a unit: %d", resp.StatusCode)
		}
		// The administrator adds a unit, a person in it, edits and
		// deletes.
		resp, body = e.postWithCSRF(admin, "/org", "/org/units", url.Values{"code": {"GZ03"}, "name": {"广州分行"}, "kind": {"branch"}, "parent": {"HO"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("add unit: %d\n%s", resp.StatusCode, body)
		}
		resp, body = e.postWithCSRF(admin, "/org", "/org/units", url.Values{"code": {"GZ04"}, "name": {"x"}, "kind": {"sub_branch"}, "parent": {"HO"}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `class="form-error"`) || !strings.Contains(body, `value="GZ04"`) {
			t.Errorf("a sub-branch under the head office: %d, no error next to the form or values lost", resp.StatusCode)
		}
		resp, body = e.postWithCSRF(admin, "/org", "/org/people", url.Values{"login": {"gzrm"}, "name": {"广州客户经理"}, "role": {"branch_rm"},
			"org_unit": {"GZ03"}, "level": {"1"}, "password": {"initial password 1"}})
		if resp.StatusCode != http.StatusSeeOther || strings.Contains(body, "initial password 1") {
			t.Fatalf("add person: %d\n%s", resp.StatusCode, body)
		}
		if strings.Contains(e.logs.String(), "initial password 1") {
			t.Error("the initial password is in the log")
		}
		resp, body = e.postWithCSRF(admin, "/org", "/org/people", url.Values{"login": {"gzrm"}, "name": {"x"}, "role": {"branch_rm"},
			"org_unit": {"GZ03"}, "level": {"1"}, "password": {"another password"}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, T(LangZH, "org.err.login_taken", "gzrm")) || strings.Contains(body, "another password") {
			t.Errorf("a taken login: %d", resp.StatusCode)
		}
		// Deleting a unit with staff is refused; with the confirmation
		// unticked too.
		resp, _ = e.postWithCSRF(admin, "/org", "/org/units/GZ03/delete", url.Values{"confirm": {"1"}})
		if resp.StatusCode != http.StatusConflict {
			t.Errorf("delete a unit with staff: %d", resp.StatusCode)
		}
		resp, body = e.postWithCSRF(admin, "/org/people/gzrm", "/org/people/gzrm", url.Values{"name": {"广州客户经理"}, "role": {"branch_rm"},
			"org_unit": {"BJ01"}, "level": {"2"}, "disabled": {"1"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("edit person: %d\n%s", resp.StatusCode, body)
		}
		u, err := db.UserByLogin(context.Background(), "gzrm")
		if err != nil || u.OrgUnit != "BJ01" || u.Level != 2 || !u.Disabled {
			t.Errorf("after the edit: %+v %v", u, err)
		}
		resp, _ = e.postWithCSRF(admin, "/org", "/org/units/GZ03/delete", url.Values{})
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("delete without confirmation: %d", resp.StatusCode)
		}
		resp, _ = e.postWithCSRF(admin, "/org", "/org/units/GZ03/delete", url.Values{"confirm": {"1"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("delete: %d", resp.StatusCode)
		}
		units, _ := db.OrgUnits(context.Background())
		for _, u := range units {
			if u.Code == "GZ03" {
				t.Error("GZ03 survived its deletion")
			}
		}
		// Without the CSRF token nothing changes.
		resp, _ = e.postForm(admin, "/org/units", url.Values{"code": {"XX"}, "name": {"x"}, "kind": {"branch"}, "parent": {"HO"}})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("add unit without CSRF: %d", resp.StatusCode)
		}

		// The people export is audited and holds what is filtered.
		resp, body = e.get(rm, "/org?unit=SH02&format=csv")
		if resp.StatusCode != 200 || !strings.Contains(body, "shrm") || strings.Contains(body, "bjrm") {
			t.Fatalf("people export: %d\n%s", resp.StatusCode, body)
		}
		evs := e.auditEvents(store.AuditFilter{Action: kamp.AuditExport, Actor: "bjrm"})
		if len(evs) != 1 || evs[0].ObjectType != "staff" || !strings.Contains(evs[0].After, "SH02") {
			t.Errorf("people export audit: %+v", evs)
		}
	})
}

// requestOf returns the only pending change request on unit.
func requestOf(t *testing.T, db *store.DB, unit string) kamp.ChangeRequest {
	t.Helper()
	crs, _, err := db.ChangeRequests(context.Background(), store.System, kamp.RequestPending, unit, 0, 10)
	if err != nil || len(crs) != 1 {
		t.Fatalf("pending requests on %s: %+v %v", unit, crs, err)
	}
	return crs[0]
}

func TestTeamChangeApproved(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := orgEnv(t, db)
		lead, ana, ana2, sh := e.signedIn("lead"), e.signedIn("ana"), e.signedIn("ana2"), e.signedIn("shrm")

		// shrm (SH02) cannot see C1 (BJ01) yet.
		if resp, _ := e.get(sh, "/teams/C1"); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("shrm sees the team of C1 before joining: %d", resp.StatusCode)
		}
		// The lead proposes adding shrm; the picker offers shrm.
		_, body := e.get(lead, "/teams/C1")
		if !strings.Contains(body, `<option value="shrm"`) || !strings.Contains(body, "Name of lead") {
			t.Fatalf("team page of C1 for its lead lacks the picker or the lead\n%s", body)
		}
		resp, body := e.postWithCSRF(lead, "/teams/C1", "/teams/C1/changes", url.Values{"op": {"add"}, "login": {"shrm"}, "reason": {""}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, T(LangZH, "team.err.reason")) {
			t.Errorf("a proposal without a reason: %d", resp.StatusCode)
		}
		resp, body = e.postWithCSRF(lead, "/teams/C1", "/teams/C1/changes", url.Values{"op": {"add"}, "login": {"shrm"}, "reason": {"上海分行负责 C2 的配套服务"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("propose: %d\n%s", resp.StatusCode, body)
		}
		cr := requestOf(t, db, "C1")
		// The lead cannot decide it (their own, and below the level).
		if ids := e.pendingIDs(lead); len(ids) != 0 {
			t.Errorf("the maker gets decision buttons: %v", ids)
		}
		// A low-level analyst is refused.
		resp, body = e.postWithCSRF(ana2, "/approvals", "/approvals/"+cr.ID, url.Values{"decision": {"approve"}, "confirm": {"1"}})
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, T(LangZH, "approvals.err.authority", kamp.LevelManager)) {
			t.Errorf("a level-2 analyst approves: %d", resp.StatusCode)
		}
		// Without the CSRF token nothing is decided.
		resp, _ = e.postForm(ana, "/approvals/"+cr.ID, url.Values{"decision": {"approve"}, "confirm": {"1"}})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("approve without CSRF: %d", resp.StatusCode)
		}
		// Without the confirmation neither.
		resp, _ = e.postWithCSRF(ana, "/approvals", "/approvals/"+cr.ID, url.Values{"decision": {"approve"}})
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("approve without confirmation: %d", resp.StatusCode)
		}
		if got := requestOf(t, db, "C1"); got.Status != kamp.RequestPending {
			t.Fatalf("refused decisions changed the request: %+v", got)
		}
		// ana has the buttons and approves.
		if ids := e.pendingIDs(ana); len(ids) != 1 || ids[0] != cr.ID {
			t.Fatalf("ana's inbox: %v", ids)
		}
		resp, body = e.postWithCSRF(ana, "/approvals", "/approvals/"+cr.ID, url.Values{"decision": {"approve"}, "confirm": {"1"}, "note": {"同意"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("approve: %d\n%s", resp.StatusCode, body)
		}
		// shrm is on the team, sees it and has C1 among their clients.
		resp, body = e.get(sh, "/teams/C1")
		if resp.StatusCode != 200 || !strings.Contains(body, "/org/people/shrm") {
			t.Fatalf("shrm's view of the team of C1: %d", resp.StatusCode)
		}
		_, body = e.get(sh, "/my")
		if !strings.Contains(body, `href="/teams/C1"`) || !strings.Contains(body, "华能国际电力股份有限公司") {
			t.Errorf("/my of shrm lacks C1\n%s", body)
		}
		resp, body = e.api(e.token("shrm"), "GET", "/api/v1/me/teams", nil, nil)
		var mine apiList[apiTeamUnit]
		if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &mine) != nil || len(mine.Items) != 1 || mine.Items[0].UnitID != "C1" ||
			mine.Items[0].Role != kamp.RoleBranchRM {
			t.Errorf("/api/v1/me/teams of shrm: %d %s", resp.StatusCode, body)
		}
		// The trail has the request, the decision and the team change.
		for _, act := range []string{kamp.AuditRequestMade, kamp.AuditRequestApproved, kamp.AuditTeamChanged} {
			evs := e.auditEvents(store.AuditFilter{Action: act})
			found := false
			for _, ev := range evs {
				if (ev.ObjectID == cr.ID || ev.ObjectID == "C1") && strings.Contains(ev.After, "shrm") || (act != kamp.AuditTeamChanged && ev.ObjectID == cr.ID) {
					found = true
				}
			}
			if !found {
				t.Errorf("no %s event for the change: %+v", act, evs)
			}
		}

		// Self-approval is refused, on the page and through the API.
		resp, _ = e.postWithCSRF(ana, "/teams/C1", "/teams/C1/changes", url.Values{"op": {"remove"}, "login": {"shrm"}, "reason": {"调岗"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("ana proposes: %d", resp.StatusCode)
		}
		own := requestOf(t, db, "C1")
		resp, body = e.postWithCSRF(ana, "/approvals", "/approvals/"+own.ID, url.Values{"decision": {"approve"}, "confirm": {"1"}})
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, T(LangZH, "approvals.err.self")) {
			t.Errorf("self-approval on the page: %d", resp.StatusCode)
		}
		resp, body = e.api(e.token("ana"), "POST", "/api/v1/change-requests/"+own.ID+"/approval", strings.NewReader(`{"approve":true}`), nil)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("self-approval through the API: %d %s", resp.StatusCode, body)
		}
		// A rejection needs a note.
		admin := e.signedIn("admin")
		resp, _ = e.postWithCSRF(admin, "/approvals", "/approvals/"+own.ID, url.Values{"decision": {"reject"}, "confirm": {"1"}})
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("reject without a note: %d", resp.StatusCode)
		}
		if got := requestOf(t, db, "C1"); got.ID != own.ID || got.Status != kamp.RequestPending {
			t.Errorf("refused decisions changed the request: %+v", got)
		}
	})
}

func TestTeamScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := orgEnv(t, db)
		rm := e.signedIn("bjrm")
		tok := e.token("bjrm")
		// C2 lies in SH02: a BJ01 branch RM gets 404, page and API.
		for _, path := range []string{"/teams/C2"} {
			if resp, _ := e.get(rm, path); resp.StatusCode != http.StatusNotFound {
				t.Errorf("bjrm GET %s: %d", path, resp.StatusCode)
			}
		}
		resp, body := e.api(tok, "GET", "/api/v1/teams/C2", nil, nil)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("bjrm GET /api/v1/teams/C2: %d", resp.StatusCode)
		}
		checkErrorJSON(t, body, kamp.ENOTFOUND)
		resp, _ = e.api(tok, "GET", "/api/v1/teams/NOSUCH", nil, nil)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("a missing unit: %d", resp.StatusCode)
		}
		resp, _ = e.postWithCSRF(rm, "/teams/C1", "/teams/C2/changes", url.Values{"op": {"add"}, "login": {"bjrm"}, "reason": {"x"}})
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("bjrm proposes on C2: %d", resp.StatusCode)
		}
		// C1 lies in BJ01: visible, read-only for a branch RM.
		resp, body = e.get(rm, "/teams/C1")
		if resp.StatusCode != 200 || strings.Contains(body, `action="/teams/C1/changes"`) {
			t.Errorf("bjrm's view of C1: %d (or with the proposal form)", resp.StatusCode)
		}
		// Lists show only what is in scope.
		resp, body = e.api(tok, "GET", "/api/v1/teams", nil, nil)
		var teams apiList[apiTeamUnit]
		if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &teams) != nil || len(teams.Items) != 1 || teams.Items[0].UnitID != "C1" {
			t.Errorf("bjrm's teams: %s", body)
		}
		_, body = e.get(rm, "/teams")
		if !strings.Contains(body, `href="/teams/C1"`) || strings.Contains(body, `href="/teams/C2"`) {
			t.Error("the teams page of bjrm is not C1 alone")
		}
		// Anonymous API calls get 401.
		r2, _ := e.api("nonsense", "GET", "/api/v1/teams", nil, nil)
		if r2.StatusCode != http.StatusUnauthorized {
			t.Errorf("bad token: %d", r2.StatusCode)
		}
	})
}

func TestTeamAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := orgEnv(t, db)
		lead, ana := e.token("lead"), e.token("ana")
		hdr := map[string]string{"Content-Type": "application/json", "Idempotency-Key": "k-1"}
		body := `{"op":"add","login":"bjrm","reason":"北京分行协办"}`
		resp, out := e.api(lead, "POST", "/api/v1/teams/C1/changes", strings.NewReader(body), hdr)
		var first apiChangeRequest
		if resp.StatusCode != http.StatusCreated || json.Unmarshal([]byte(out), &first) != nil || first.Status != kamp.RequestPending ||
			first.Login != "bjrm" || first.MadeBy != "lead" {
			t.Fatalf("propose: %d %s", resp.StatusCode, out)
		}
		// A retry with the key returns the same request.
		resp, out = e.api(lead, "POST", "/api/v1/teams/C1/changes", strings.NewReader(body), hdr)
		var again apiChangeRequest
		if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(out), &again) != nil || again.ID != first.ID {
			t.Errorf("retry: %d %s", resp.StatusCode, out)
		}
		// Without the key the duplicate is a conflict.
		resp, out = e.api(lead, "POST", "/api/v1/teams/C1/changes", strings.NewReader(body), map[string]string{"Content-Type": "application/json"})
		if resp.StatusCode != http.StatusConflict {
			t.Errorf("duplicate: %d %s", resp.StatusCode, out)
		}
		checkErrorJSON(t, out, kamp.ECONFLICT)
		resp, out = e.api(lead, "POST", "/api/v1/teams/C1/changes", strings.NewReader(`{"op":"move","login":"bjrm","reason":"x"}`), nil)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("bad op: %d %s", resp.StatusCode, out)
		}
		// The pending list.
		resp, out = e.api(ana, "GET", "/api/v1/change-requests?status=pending", nil, nil)
		var list apiList[apiChangeRequest]
		if resp.StatusCode != 200 || json.Unmarshal([]byte(out), &list) != nil || len(list.Items) != 1 || list.Items[0].ID != first.ID {
			t.Fatalf("pending list: %d %s", resp.StatusCode, out)
		}
		if resp, _ := e.api(ana, "GET", "/api/v1/change-requests?status=maybe", nil, nil); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("bad status: %d", resp.StatusCode)
		}
		// A low-level analyst is refused; ana approves; a retry answers the
		// same.
		resp, _ = e.api(e.token("ana2"), "POST", "/api/v1/change-requests/"+first.ID+"/approval", strings.NewReader(`{"approve":true}`), nil)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("level-2 approval: %d", resp.StatusCode)
		}
		for i := 0; i < 2; i++ {
			resp, out = e.api(ana, "POST", "/api/v1/change-requests/"+first.ID+"/approval", strings.NewReader(`{"approve":true,"note":"ok"}`), nil)
			var got apiChangeRequest
			if resp.StatusCode != 200 || json.Unmarshal([]byte(out), &got) != nil || got.Status != kamp.RequestApproved || got.DecidedBy != "ana" || got.DecidedAt == nil {
				t.Fatalf("approval %d: %d %s", i, resp.StatusCode, out)
			}
		}
		// Rejecting it now is a conflict.
		resp, _ = e.api(ana, "POST", "/api/v1/change-requests/"+first.ID+"/approval", strings.NewReader(`{"approve":false,"note":"no"}`), nil)
		if resp.StatusCode != http.StatusConflict {
			t.Errorf("reject an approved request: %d", resp.StatusCode)
		}
		// A late retry of the proposal, with its key, answers with the
		// approved request: no second proposal, no conflict.
		resp, out = e.api(lead, "POST", "/api/v1/teams/C1/changes", strings.NewReader(body), hdr)
		var late apiChangeRequest
		if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(out), &late) != nil || late.ID != first.ID || late.Status != kamp.RequestApproved || late.Login != "bjrm" {
			t.Errorf("late retry: %d %s", resp.StatusCode, out)
		}
		// The same key from someone else is theirs: a new proposal.
		other := map[string]string{"Content-Type": "application/json", "Idempotency-Key": "k-1"}
		resp, out = e.api(ana, "POST", "/api/v1/teams/C1/changes", strings.NewReader(`{"op":"remove","login":"bjrm","reason":"moved"}`), other)
		var theirs apiChangeRequest
		if resp.StatusCode != http.StatusCreated || json.Unmarshal([]byte(out), &theirs) != nil || theirs.ID == first.ID || theirs.MadeBy != "ana" {
			t.Errorf("another person's key: %d %s", resp.StatusCode, out)
		}
		// The team has bjrm now, and the history keeps every spell.
		resp, out = e.api(ana, "GET", "/api/v1/teams/C1", nil, nil)
		var team apiTeamDetail
		if resp.StatusCode != 200 || json.Unmarshal([]byte(out), &team) != nil || len(team.Current) != 2 || len(team.History) != 2 {
			t.Fatalf("team: %d %s", resp.StatusCode, out)
		}
		logins := []string{team.Current[0].Login, team.Current[1].Login}
		if logins[0] != "lead" || logins[1] != "bjrm" || team.Current[1].AddedBy != "ana" || team.Current[1].Until != nil {
			t.Errorf("current team %+v", team.Current)
		}

		// Org units and staff, paged.
		var seen []string
		cursor := ""
		for i := 0; i < 5; i++ {
			path := "/api/v1/org-units?limit=3"
			if cursor != "" {
				path += "&cursor=" + url.QueryEscape(cursor)
			}
			resp, out = e.api(ana, "GET", path, nil, nil)
			var units apiList[apiOrgUnit]
			if resp.StatusCode != 200 || json.Unmarshal([]byte(out), &units) != nil {
				t.Fatalf("%s: %d %s", path, resp.StatusCode, out)
			}
			for _, u := range units.Items {
				seen = append(seen, u.Code)
			}
			if cursor = units.NextCursor; cursor == "" {
				break
			}
		}
		if strings.Join(seen, ",") != "BJ01,HO,SCD,SH02" {
			t.Errorf("org units %v", seen)
		}
		resp, out = e.api(ana, "GET", "/api/v1/staff?org_unit=SCD&role=analyst", nil, nil)
		var staff apiList[apiStaff]
		if resp.StatusCode != 200 || json.Unmarshal([]byte(out), &staff) != nil || len(staff.Items) != 2 || staff.Items[0].Login != "ana" ||
			staff.Items[0].Level != kamp.LevelManager {
			t.Errorf("staff: %d %s", resp.StatusCode, out)
		}
		if strings.Contains(out, "password") || strings.Contains(out, "$argon2") {
			t.Error("the staff list leaks a password hash")
		}
	})
}

func TestPeopleFilter(t *testing.T) {
	units := []kamp.OrgUnit{{Code: "HO", Kind: kamp.UnitHeadOffice}, {Code: "B", Parent: "HO", Kind: kamp.UnitBranch},
		{Code: "S", Parent: "B", Kind: kamp.UnitSubBranch}, {Code: "D", Parent: "HO", Kind: kamp.UnitDepartment}}
	users := []kamp.User{{Login: "a", OrgUnit: "HO", Role: kamp.RoleAdmin}, {Login: "b", OrgUnit: "B", Role: kamp.RoleBranchRM},
		{Login: "s", OrgUnit: "S", Role: kamp.RoleBranchRM}, {Login: "d", OrgUnit: "D", Role: kamp.RoleLeadRM}, {Login: "x", Role: kamp.RoleAuditor}}
	for _, tc := range []struct{ unit, role, want string }{
		{"", "", "a,b,s,d,x"}, {"HO", "", "a,b,s,d"}, {"B", "", "b,s"}, {"S", "", "s"}, {"B", kamp.RoleLeadRM, ""},
		{"", kamp.RoleBranchRM, "b,s"}, {"NONE", "", ""},
	} {
		var got []string
		for _, u := range filterPeople(users, units, tc.unit, tc.role) {
			got = append(got, u.Login)
		}
		if strings.Join(got, ",") != tc.want {
			t.Errorf("unit %q role %q: %v, want %s", tc.unit, tc.role, got, tc.want)
		}
	}
	tree := buildOrgTree(units, map[string]int{"B": 2}, "S")
	if len(tree) != 1 || tree[0].Code != "HO" || len(tree[0].Children) != 2 || tree[0].Children[0].Staff != 2 ||
		!tree[0].Children[0].Children[0].Selected {
		t.Errorf("tree %+v", tree)
	}
}

// uploadOrgFile posts an org-units file to /org/units/import; csrf "" leaves
// the token out.
func (e *env) uploadOrgFile(c *http.Client, csrf, name, content string) (*http.Response, string) {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if csrf != "" {
		if err := mw.WriteField("csrf", csrf); err != nil {
			e.t.Fatal(err)
		}
	}
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		e.t.Fatal(err)
	}
	io.WriteString(fw, content)
	if err := mw.Close(); err != nil {
		e.t.Fatal(err)
	}
	req, err := http.NewRequest("POST", e.ts.URL+"/org/units/import", &buf)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return e.do(c, req)
}

func TestOrgImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := orgEnv(t, db)
		admin, rm := e.signedIn("admin"), e.signedIn("bjrm")
		good, err := os.ReadFile("../org/testdata/org-units.csv")
		if err != nil {
			t.Fatal(err)
		}
		bad, err := os.ReadFile("../org/testdata/bad.csv")
		if err != nil {
			t.Fatal(err)
		}
		count := func() int {
			units, err := db.OrgUnits(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			return len(units)
		}
		before := count()
		// Refused: without the token, by a branch RM, a bad name, a bad file.
		if resp, _ := e.uploadOrgFile(admin, "", "org-units.csv", string(good)); resp.StatusCode != http.StatusForbidden {
			t.Errorf("without CSRF: %d", resp.StatusCode)
		}
		if resp, _ := e.uploadOrgFile(rm, e.csrf(rm, "/org"), "org-units.csv", string(good)); resp.StatusCode != http.StatusForbidden {
			t.Errorf("by a branch RM: %d", resp.StatusCode)
		}
		if resp, _ := e.uploadOrgFile(admin, e.csrf(admin, "/org"), "org-units.txt", string(good)); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("a bad file name: %d", resp.StatusCode)
		}
		resp, body := e.uploadOrgFile(admin, e.csrf(admin, "/org"), "bad.csv", string(bad))
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "<td class=\"num\">5</td><td>code</td><td>BJ</td>") {
			t.Errorf("a bad file: %d, or its rows are not listed\n%s", resp.StatusCode, body)
		}
		if count() != before {
			t.Fatal("a refused file changed the org")
		}
		resp, body = e.uploadOrgFile(admin, e.csrf(admin, "/org"), "org-units.csv", string(good))
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("import: %d\n%s", resp.StatusCode, body)
		}
		if count() <= before {
			t.Error("the import added no unit")
		}
		_, body = e.get(admin, resp.Header.Get("Location"))
		if !strings.Contains(body, "战略客户一处") {
			t.Error("the imported units are not in the tree")
		}
		if evs := e.auditEvents(store.AuditFilter{Action: kamp.AuditOrgChanged, Actor: "admin"}); len(evs) != 1 {
			t.Errorf("org.changed events by admin: %d", len(evs))
		}
	})
}
