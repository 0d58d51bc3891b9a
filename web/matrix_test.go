package web

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/control"
	"github.com/kampbank/kamp/grouping"
	"github.com/kampbank/kamp/ingest"
	"github.com/kampbank/kamp/store"
	"github.com/kampbank/kamp/store/storetest"
)

// The authorisation matrix: every role × every page and API route that
// shows or changes a record × a record in the person's scope and one out of
// it, with the expected answer generated from one table of what each role
// may do and see. It runs on both database engines.

// matrixFiles is a small bank: group G (root in branch B1, M1 in
// sub-branch B101, M2 in branch B2) and group H (H and H1, both in B2).
var matrixFiles = map[string]string{
	"entities.csv": "id,name,branch\n" +
		"G,环球集团,B1\nM1,环球物流,B101\nM2,环球能源,B2\nH,海川集团,B2\nH1,海川港务,B2\n",
	"ownership.csv": "holder_id,entity_id,share_pct\nG,M1,80\nG,M2,51\nH,H1,70\n",
	"exposures.csv": "client_id,facility_id,amount\nM1,F1,100\nH1,F2,200\n",
}

var matrixUnits = []kamp.OrgUnit{
	{Code: "HO", Name: "总行", Kind: kamp.UnitHeadOffice},
	{Code: "SCD", Name: "战略客户部", Kind: kamp.UnitDepartment, Parent: "HO"},
	{Code: "OPS", Name: "运营部", Kind: kamp.UnitDepartment, Parent: "HO"},
	{Code: "B1", Name: "一分行", Kind: kamp.UnitBranch, Parent: "HO"},
	{Code: "B101", Name: "一支行", Kind: kamp.UnitSubBranch, Parent: "B1"},
	{Code: "B2", Name: "二分行", Kind: kamp.UnitBranch, Parent: "HO"},
}

// matrixRole is one person of the matrix and what the rules let them do,
// written out by hand (not derived from the code under test).
type matrixRole struct {
	user kamp.User
	// in and out are an entity and a group in and out of the person's
	// scope; "" when there is none (a bank-wide role sees everything, a
	// person on no team and in a unit without clients sees nothing).
	inEntity, inGroup, outEntity, outGroup string
	imports, audit                         bool // the import and audit pages
	propose, approve                       bool // team changes
}

var matrixRoles = []matrixRole{
	{user: kamp.User{Login: "admin", Role: kamp.RoleAdmin, OrgUnit: "HO", Level: 9},
		inEntity: "H1", inGroup: "H", imports: true, audit: true, propose: true, approve: true},
	{user: kamp.User{Login: "analyst", Role: kamp.RoleAnalyst, OrgUnit: "SCD", Level: 3},
		inEntity: "M2", inGroup: "G", imports: true, propose: true, approve: true},
	{user: kamp.User{Login: "junior", Role: kamp.RoleAnalyst, OrgUnit: "SCD", Level: 1},
		inEntity: "M2", inGroup: "G", imports: true, propose: true},
	{user: kamp.User{Login: "lead", Role: kamp.RoleLeadRM, OrgUnit: "SCD", Level: 3}, // on G's team
		inEntity: "M2", inGroup: "G", outEntity: "H1", outGroup: "H", propose: true, approve: true},
	{user: kamp.User{Login: "rm1", Role: kamp.RoleBranchRM, OrgUnit: "B1", Level: 3},
		inEntity: "M1", inGroup: "G", outEntity: "M2", outGroup: "H"},
	{user: kamp.User{Login: "rm2", Role: kamp.RoleBranchRM, OrgUnit: "B2"},
		inEntity: "H1", inGroup: "H", outEntity: "M1"},
	{user: kamp.User{Login: "product", Role: kamp.RoleProduct, OrgUnit: "SCD"}, // on G's team
		inEntity: "M1", inGroup: "G", outEntity: "H", outGroup: "H"},
	{user: kamp.User{Login: "support", Role: kamp.RoleSupport, OrgUnit: "OPS"},
		outEntity: "G", outGroup: "G"},
	{user: kamp.User{Login: "risk", Role: kamp.RoleRisk, OrgUnit: "HO", Level: 4},
		inEntity: "M1", inGroup: "H"},
	{user: kamp.User{Login: "auditor", Role: kamp.RoleAuditor, OrgUnit: "HO", Level: 4},
		inEntity: "G", inGroup: "G", audit: true},
}

// matrixRoute is a route that shows or changes one record.
type matrixRoute struct {
	method, path string // path with {E} (an entity) or {G} (a group)
	api          bool
	body         string // for POSTs; {R} is the id of a pending request on the group
	// ok is the status of an allowed request; gate is the role's right to
	// the route at all (nil: everyone signed in).
	ok   int
	gate func(matrixRole) bool
}

var matrixRoutes = []matrixRoute{
	{method: "GET", path: "/entities/{E}", ok: 200},
	{method: "GET", path: "/groups/{G}", ok: 200},
	{method: "GET", path: "/groups/{G}/graph.json", ok: 200},
	{method: "GET", path: "/teams/{G}", ok: 200},
	{method: "GET", path: "/groups/{G}/chain", ok: 200},
	{method: "GET", path: "/entities/{E}/chain", ok: 200},
	{method: "GET", path: "/api/v1/chain/units/{G}", api: true, ok: 200},
	{method: "GET", path: "/api/v1/groups/{G}/overrides", api: true, ok: 200},
	// An override proposal of an entity already in the group passes the
	// role and scope checks and then conflicts: 409 is "allowed".
	{method: "POST", path: "/api/v1/groups/{G}/overrides", api: true, body: `{"op":"add","entity_id":"{G}","reason":"matrix"}`,
		ok: 409, gate: func(r matrixRole) bool {
			return r.user.Role == kamp.RoleAdmin || r.user.Role == kamp.RoleAnalyst || r.user.Role == kamp.RoleRisk
		}},
	{method: "GET", path: "/api/v1/entities/{E}", api: true, ok: 200},
	{method: "GET", path: "/api/v1/groups/{G}", api: true, ok: 200},
	{method: "GET", path: "/api/v1/groups/{G}/members", api: true, ok: 200},
	{method: "GET", path: "/api/v1/teams/{G}", api: true, ok: 200},
	// A proposal to remove someone who is not on the team passes the role
	// and scope checks and then fails as a conflict: so 409 is "allowed".
	{method: "POST", path: "/api/v1/teams/{G}/changes", api: true, body: `{"op":"remove","login":"support","reason":"matrix"}`,
		ok: 409, gate: func(r matrixRole) bool { return r.propose }},
	// Rejecting without a note passes the role, scope and maker checks and
	// then fails as invalid: so 400 is "allowed". The admin made the
	// requests, so they may not decide them.
	{method: "POST", path: "/api/v1/change-requests/{R}/approval", api: true, body: `{"approve":false,"note":""}`,
		ok: 400, gate: func(r matrixRole) bool { return r.approve && r.user.Login != "admin" }},
}

// matrixLists are list routes: an allowed person gets 200 and sees the
// record exactly when it is in scope.
var matrixLists = []struct {
	path string // {Q} is the record's name
	api  bool
}{
	{path: "/entities?q={Q}"},
	{path: "/entities?q={Q}&format=csv"},
	{path: "/groups"},
	{path: "/api/v1/entities?q={Q}", api: true},
	{path: "/api/v1/groups", api: true},
	{path: "/teams"},
	{path: "/api/v1/teams", api: true},
	{path: "/approvals"},
	{path: "/api/v1/change-requests", api: true},
}

// matrixGated are routes only some roles may use at all.
var matrixGated = []struct {
	path string
	api  bool
	gate func(matrixRole) bool
}{
	{path: "/imports", gate: func(r matrixRole) bool { return r.imports }},
	{path: "/api/v1/imports", api: true, gate: func(r matrixRole) bool { return r.imports }},
	{path: "/audit", gate: func(r matrixRole) bool { return r.audit }},
	{path: "/api/v1/audit", api: true, gate: func(r matrixRole) bool { return r.audit }},
	{path: "/org", gate: func(matrixRole) bool { return true }},
	{path: "/my", gate: func(matrixRole) bool { return true }},
	{path: "/api/v1/org-units", api: true, gate: func(matrixRole) bool { return true }},
	{path: "/api/v1/staff", api: true, gate: func(matrixRole) bool { return true }},
	{path: "/api/v1/me/teams", api: true, gate: func(matrixRole) bool { return true }},
	{path: "/chain", gate: func(matrixRole) bool { return true }},
	{path: "/screening", gate: func(matrixRole) bool { return true }},
	{path: "/screening/list", gate: func(matrixRole) bool { return true }},
	{path: "/api/v1/screenings", api: true, gate: func(matrixRole) bool { return true }},
	{path: "/api/v1/strategic-list", api: true, gate: func(matrixRole) bool { return true }},
	{path: "/settings", gate: func(r matrixRole) bool { return r.user.Role == kamp.RoleAdmin }},
	{path: "/api/v1/settings", api: true, gate: func(matrixRole) bool { return true }},
	{path: "/api/v1/chain/prospects", api: true, gate: func(matrixRole) bool { return true }},
	{path: "/api/v1/chain/runs", api: true, gate: func(matrixRole) bool { return true }},
}

var matrixNames = map[string]string{"G": "环球集团", "M1": "环球物流", "M2": "环球能源", "H": "海川集团", "H1": "海川港务"}

// matrixSetup loads the bank, computes its groups, creates everyone with
// an API token and a browser session, puts lead and product on G's team,
// and has the admin propose a change on each group.
func matrixSetup(t *testing.T, e *env) (tokens map[string]string, clients map[string]*http.Client, requests map[string]string) {
	t.Helper()
	ctx := kamp.WithActor(context.Background(), "test")
	if err := e.db.SaveOrgUnits(ctx, matrixUnits); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, body := range matrixFiles {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if res, err := ingest.Run(ctx, e.db, []string{dir}, ingest.Options{}); err != nil || res.ErrorCount > 0 {
		t.Fatalf("import: %v %+v", err, res.Errors)
	}
	if _, err := grouping.Recompute(ctx, e.db, 0, control.CN2018, nil); err != nil {
		t.Fatal(err)
	}
	tokens, clients, requests = map[string]string{}, map[string]*http.Client{}, map[string]string{}
	users := map[string]kamp.User{}
	for _, r := range matrixRoles {
		u, err := e.db.CreateUser(ctx, r.user, testPassword)
		if err != nil {
			t.Fatal(err)
		}
		users[u.Login] = u
		if tokens[u.Login], err = e.db.CreateAPIToken(ctx, u.ID, "matrix"); err != nil {
			t.Fatal(err)
		}
		clients[u.Login] = e.client()
		e.login(clients[u.Login], u.Login)
	}
	if err := e.db.SeedTeam(ctx, "G", []string{"lead", "product"}); err != nil {
		t.Fatal(err)
	}
	for _, g := range []string{"G", "H"} {
		cr, err := e.db.ProposeTeamChange(ctx, users["admin"], g, store.TeamAdd, "support", "matrix")
		if err != nil {
			t.Fatal(err)
		}
		requests[g] = cr.ID
	}
	return tokens, clients, requests
}

func TestAuthorisationMatrix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnvDB(t, Config{}, db)
		tokens, clients, requests := matrixSetup(t, e)
		call := func(r matrixRole, api bool, method, path, body string) (*http.Response, string) {
			if api {
				var rd *strings.Reader
				if body != "" {
					rd = strings.NewReader(body)
				} else {
					rd = strings.NewReader("")
				}
				return e.api(tokens[r.user.Login], method, path, rd, map[string]string{"Content-Type": "application/json"})
			}
			return e.get(clients[r.user.Login], path)
		}
		checked := 0
		for _, r := range matrixRoles {
			for _, rt := range matrixRoutes {
				for _, in := range []bool{true, false} {
					ent, grp := r.inEntity, r.inGroup
					if !in {
						ent, grp = r.outEntity, r.outGroup
					}
					if (strings.Contains(rt.path, "{E}") && ent == "") || (!strings.Contains(rt.path, "{E}") && grp == "") {
						continue // no such record for this person
					}
					path := strings.NewReplacer("{E}", ent, "{G}", grp, "{R}", requests[grp]).Replace(rt.path)
					want := rt.ok
					switch {
					case !in: // scope first: out of scope is missing, whatever the role
						want = http.StatusNotFound
					case rt.gate != nil && !rt.gate(r):
						want = http.StatusForbidden
					}
					resp, body := call(r, rt.api, rt.method, path, strings.ReplaceAll(rt.body, "{G}", grp))
					checked++
					if resp.StatusCode != want {
						t.Errorf("%s (%s) %s %s: %d, want %d\n%.300s", r.user.Login, r.user.Role, rt.method, path, resp.StatusCode, want, body)
						continue
					}
					if want == http.StatusNotFound {
						// Exactly as a record that does not exist.
						missing := strings.NewReplacer("{E}", "NOPE", "{G}", "NOPE", "{R}", "NOPE").Replace(rt.path)
						resp2, body2 := call(r, rt.api, rt.method, missing, strings.ReplaceAll(rt.body, "{G}", "NOPE"))
						if resp2.StatusCode != http.StatusNotFound || (rt.api && errorCodeOf(body2) != errorCodeOf(body)) {
							t.Errorf("%s %s: out of scope answers %d %q, missing %d %q", r.user.Login, path, resp.StatusCode, errorCodeOf(body), resp2.StatusCode, errorCodeOf(body2))
						}
						for _, id := range []string{ent, grp} {
							if n := matrixNames[id]; n != "" && id != "" && strings.Contains(body, n) {
								t.Errorf("%s %s: the 404 names %s", r.user.Login, path, n)
							}
						}
					}
				}
			}
			for _, l := range matrixLists {
				for _, in := range []bool{true, false} {
					id := r.inEntity
					if strings.Contains(l.path, "group") || strings.Contains(l.path, "teams") || strings.Contains(l.path, "approvals") || strings.Contains(l.path, "change-requests") {
						id = r.inGroup
						if !in {
							id = r.outGroup
						}
					} else if !in {
						id = r.outEntity
					}
					if id == "" {
						continue
					}
					path := strings.ReplaceAll(l.path, "{Q}", matrixNames[id])
					resp, body := call(r, l.api, "GET", path, "")
					checked++
					if resp.StatusCode != http.StatusOK {
						t.Errorf("%s %s: %d\n%.300s", r.user.Login, path, resp.StatusCode, body)
						continue
					}
					// Teams exist for G only, requests for G and H.
					expect := in
					if strings.Contains(l.path, "teams") && id != "G" {
						expect = false
					}
					if got := strings.Contains(body, listMarker(path, l.api, id)); got != expect {
						t.Errorf("%s %s: lists %s = %v, want %v", r.user.Login, path, id, got, expect)
					}
				}
			}
			for _, g := range matrixGated {
				want := http.StatusOK
				if !g.gate(r) {
					want = http.StatusForbidden
				}
				resp, body := call(r, g.api, "GET", g.path, "")
				checked++
				if resp.StatusCode != want {
					t.Errorf("%s (%s) GET %s: %d, want %d\n%.300s", r.user.Login, r.user.Role, g.path, resp.StatusCode, want, body)
				}
			}
		}
		// The dashboard counts what a person sees: rm1 sees G and M1, and
		// no bank-wide volumes.
		_, body := e.get(clients["rm1"], "/")
		if !strings.Contains(body, `<span class="figure-value">2</span>`) || strings.Contains(body, T(LangZH, "dash.payments")) {
			t.Errorf("rm1's dashboard is not scoped")
		}
		if _, body := e.get(clients["analyst"], "/"); !strings.Contains(body, `<span class="figure-value">5</span>`) || !strings.Contains(body, T(LangZH, "dash.payments")) {
			t.Errorf("the analyst's dashboard is not bank-wide")
		}
		// Anonymous: pages redirect to the sign-in, the API answers 401.
		for _, rt := range matrixRoutes {
			path := strings.NewReplacer("{E}", "G", "{G}", "G", "{R}", requests["G"]).Replace(rt.path)
			if rt.api {
				resp, _ := e.api("", rt.method, path, strings.NewReader(rt.body), map[string]string{"Content-Type": "application/json"})
				if resp.StatusCode != http.StatusUnauthorized {
					t.Errorf("anonymous %s %s: %d, want 401", rt.method, path, resp.StatusCode)
				}
			} else if resp, _ := e.get(e.client(), path); resp.StatusCode != http.StatusSeeOther {
				t.Errorf("anonymous GET %s: %d, want 303", path, resp.StatusCode)
			}
			checked++
		}
		if checked < 250 {
			t.Errorf("only %d cases checked", checked)
		}
		t.Logf("%d cases", checked)
	})
}

// listMarker is what shows that a list at path holds the record id: its
// link on a page, its row in a CSV export, its id in JSON.
func listMarker(path string, api bool, id string) string {
	switch {
	case api:
		return `"` + id + `"`
	case strings.Contains(path, "format=csv"):
		return "\n" + id + ","
	case strings.HasPrefix(path, "/entities"):
		return `href="/entities/` + id + `"`
	case strings.HasPrefix(path, "/groups"):
		return `href="/groups/` + id + `"`
	default: // teams, approvals: the unit's team page
		return `href="/teams/` + id + `"`
	}
}

// errorCodeOf returns the code of a JSON error body, or "".
func errorCodeOf(body string) string {
	var code string
	if i := strings.Index(body, `"code":"`); i >= 0 {
		code = body[i+8:]
		if j := strings.IndexByte(code, '"'); j >= 0 {
			code = code[:j]
		}
	}
	return fmt.Sprint(code)
}
