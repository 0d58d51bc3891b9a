package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/chainrun"
	"github.com/kampbank/kamp/control"
	"github.com/kampbank/kamp/grouping"
	"github.com/kampbank/kamp/ingest"
	"github.com/kampbank/kamp/store"
	"github.com/kampbank/kamp/store/storetest"
)

// chainFiles is the matrix bank with two non-clients and payments: M1
// (group G) pays S1 100 and a name known to no entity 30, H1 (group H)
// pays S1 10, S2 pays H1 50.
var chainFiles = map[string]string{
	"entities.csv": "id,name,branch,industry,is_client\n" +
		"G,环球集团,B1,C,1\nM1,环球物流,B101,G,1\nM2,环球能源,B2,D,1\nH,海川集团,B2,G,1\nH1,海川港务,B2,G,1\n" +
		"S1,精工配件厂,B101,C36,0\nS2,远洋百货,B2,F,0\n",
	"ownership.csv": "holder_id,entity_id,share_pct\nG,M1,80\nG,M2,51\nH,H1,70\n",
	"payments.csv": "txn_id,date,payer_id,payer_name,payee_id,payee_name,amount\n" +
		"T1,2026-01-05,M1,,S1,,100\n" +
		"T2,2026-01-06,H1,,S1,,10\n" +
		"T3,2026-01-07,S2,,H1,,50\n" +
		"T4,2026-01-08,M1,,,新客户贸易有限责任公司,30\n" +
		"T5,2026-01-09,M1,,M2,,999\n",
}

const chainNameKey = "n:新客户贸易有限公司"

// chainSetup loads the bank, puts G and H on the strategic list as core
// (proposed by the analyst, approved by the chief), and runs chain
// discovery.
func chainSetup(t *testing.T, e *env) map[string]kamp.User {
	t.Helper()
	ctx := kamp.WithActor(context.Background(), "test")
	if err := e.db.SaveOrgUnits(ctx, matrixUnits); err != nil {
		t.Fatal(err)
	}
	if res, err := ingest.Run(ctx, e.db, writeFiles(t, chainFiles), ingest.Options{By: "test"}); err != nil || res.ErrorCount > 0 {
		t.Fatalf("import: %v %+v", err, res.Errors)
	}
	if _, err := grouping.Recompute(ctx, e.db, 0, control.CN2018, nil); err != nil {
		t.Fatal(err)
	}
	users := map[string]kamp.User{}
	for _, u := range []kamp.User{
		{Login: "analyst", Name: "分析员", Role: kamp.RoleAnalyst, OrgUnit: "SCD", Level: kamp.LevelManager},
		{Login: "chief", Role: kamp.RoleAnalyst, OrgUnit: "SCD", Level: kamp.LevelExecutive},
		{Login: "rm1", Name: "一分行经理", Role: kamp.RoleBranchRM, OrgUnit: "B1"},
		{Login: "rm2", Role: kamp.RoleBranchRM, OrgUnit: "B2"},
		{Login: "product", Role: kamp.RoleProduct, OrgUnit: "SCD"},
	} {
		created, err := e.db.CreateUser(ctx, u, testPassword)
		if err != nil {
			t.Fatal(err)
		}
		users[u.Login] = created
	}
	for _, g := range []string{"G", "H"} {
		cr, err := e.db.ProposeNomination(ctx, users["analyst"], g, store.NominationInclude, "core", "chain test")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.db.DecideRequest(ctx, users["chief"], cr.ID, true, "ok"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := chainrun.Run(ctx, e.db, chainrun.Spec{By: "analyst"}, nil); err != nil {
		t.Fatal(err)
	}
	return users
}

func TestChainPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnvDB(t, Config{}, db)
		chainSetup(t, e)
		ana, rm1, prod := e.client(), e.client(), e.client()
		e.login(ana, "analyst")
		e.login(rm1, "rm1")
		e.login(prod, "product")
		s1, s2, name := "精工配件厂", "远洋百货", "新客户贸易有限公司"

		check := func(c *http.Client, path string, status int, contains, absent []string) string {
			t.Helper()
			resp, body := e.get(c, path)
			if resp.StatusCode != status {
				t.Errorf("GET %s: %d, want %d\n%.500s", path, resp.StatusCode, status, body)
			}
			for _, s := range contains {
				if !strings.Contains(body, s) {
					t.Errorf("GET %s lacks %q", path, s)
				}
			}
			for _, s := range absent {
				if strings.Contains(body, s) {
					t.Errorf("GET %s has %q", path, s)
				}
			}
			return body
		}
		// The bank-wide list, ranked by amount, with the row forms.
		body := check(ana, "/chain", 200, []string{T(LangZH, "chain.total", "3"), s1, s2, name, `title="110 CNY"`,
			`href="/chain/prospects/S1"`, `href="/groups/G"`, `href="/groups/H"`, `action="/chain/prospects/S1/assignment"`, `value="rm1"`,
			T(LangZH, "chain.run_now"), `href="/chain"`}, nil)
		if strings.Index(body, s1) > strings.Index(body, s2) || strings.Index(body, s2) > strings.Index(body, name) {
			t.Error("the list is not ranked by amount")
		}
		check(ana, "/chain?min_units=2", 200, []string{T(LangZH, "chain.total", "1"), s1}, []string{s2})
		check(ana, "/chain?industry=F", 200, []string{T(LangZH, "chain.total", "1"), s2}, []string{s1})
		check(ana, "/chain?branch=B1", 200, []string{T(LangZH, "chain.total", "1"), s1}, []string{s2})
		check(ana, "/chain?direction=downstream", 200, []string{s2}, []string{s1})
		check(ana, "/chain?min_amount=abc", 400, []string{T(LangZH, "chain.err.min_amount")}, nil)
		check(ana, "/chain?sort=evil", 400, nil, nil)
		// A branch RM sees the prospects of the units in scope (G, not H),
		// and no work forms.
		check(rm1, "/chain", 200, []string{T(LangZH, "chain.total", "2"), s1, name, `href="/groups/G"`}, []string{s2, `href="/groups/H"`, "/assignment", T(LangZH, "chain.run_now")})
		check(prod, "/chain", 200, []string{T(LangZH, "chain.total", "0")}, []string{s1, s2})
		check(rm1, "/chain/prospects/S2", 404, nil, []string{s2})
		check(rm1, "/chain/prospects/"+url.PathEscape(chainNameKey), 200, []string{name, "环球集团", T(LangZH, "chain.prospect.no_history")}, []string{"海川集团"})
		check(ana, "/chain/prospects/S1", 200, []string{s1, "环球集团", "海川集团", `href="/entities/S1"`}, nil)

		// Assign S2 to rm1: rm1 sees it then, with its history.
		csrf := e.csrf(ana, "/chain/prospects/S2")
		resp, body := e.postForm(ana, "/chain/prospects/S2/assignment", url.Values{"csrf": {csrf}, "assignee": {"rm1"}, "note": {"请联系"}, "return": {"/chain?status=open"}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/chain?status=open" {
			t.Fatalf("assign: %d %s\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
		}
		check(rm1, "/chain/prospects/S2", 200, []string{s2, T(LangZH, "chain.assigned_to", "一分行经理"), "请联系"}, nil)
		check(rm1, "/chain?mine=1", 200, []string{T(LangZH, "chain.total", "1"), s2}, []string{s1})
		// Mistakes come back next to the form, the values kept.
		resp, body = e.postForm(ana, "/chain/prospects/S2/assignment", url.Values{"csrf": {csrf}, "assignee": {"product"}, "note": {"保留的备注"}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `class="form-error"`) || !strings.Contains(body, "保留的备注") {
			t.Errorf("assign to a non-RM: %d\n%.500s", resp.StatusCode, body)
		}
		resp, body = e.postForm(ana, "/chain/prospects/S2/dismissal", url.Values{"csrf": {csrf}, "note": {" "}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `class="form-error"`) {
			t.Errorf("dismiss without a reason: %d\n%.500s", resp.StatusCode, body)
		}
		resp, _ = e.postForm(ana, "/chain/prospects/S2/dismissal", url.Values{"csrf": {csrf}, "note": {"已是他行客户"}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/chain/prospects/S2" {
			t.Errorf("dismiss: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		body = check(ana, "/chain/prospects/S2", 200, []string{"已是他行客户", "请联系", T(LangZH, "chain.status.dismissed")}, nil)
		if strings.Index(body, "已是他行客户") > strings.Index(body, "请联系") {
			t.Error("the history is not newest first")
		}
		check(ana, "/chain?status=dismissed", 200, []string{T(LangZH, "chain.total", "1"), s2}, nil)
		// A branch RM may not work prospects; out of scope is missing.
		csrf1 := e.csrf(rm1, "/chain")
		if resp, _ := e.postForm(rm1, "/chain/prospects/S1/dismissal", url.Values{"csrf": {csrf1}, "note": {"x"}}); resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusForbidden {
			t.Errorf("rm1 dismisses: %d", resp.StatusCode)
		}
		if resp, _ := e.postForm(rm1, "/chain/prospects/S2/dismissal", url.Values{"csrf": {csrf1}, "note": {"x"}}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("rm1 dismisses S2 (dismissed, out of scope): %d", resp.StatusCode)
		}

		// Export exactly what is filtered, exact amounts, audited.
		_, csv := e.get(ana, "/chain?format=csv&min_units=1")
		csv = strings.TrimPrefix(csv, "\ufeff")
		if lines := strings.Split(strings.TrimSpace(csv), "\n"); len(lines) != 4 || !strings.HasPrefix(lines[0], "rank,prospect_key") ||
			!strings.HasPrefix(lines[1], "1,S1,S1,1,精工配件厂,110,2,2,G H,upstream,C36,B101,open") {
			t.Errorf("export:\n%s", csv)
		}
		_, csv = e.get(rm1, "/chain?format=csv")
		if strings.Contains(csv, "S2") || !strings.Contains(csv, "\n1,S1,S1,1,精工配件厂,110,2,2,G,") {
			t.Errorf("rm1's export:\n%s", csv)
		}
		if resp, _ := e.get(ana, "/chain?format=xlsx"); resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "spreadsheet") {
			t.Errorf("xlsx export: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		evs, _, err := e.db.AuditEvents(context.Background(), store.AuditFilter{Action: kamp.AuditExport}, 10, 0)
		if err != nil || len(evs) != 3 || evs[0].ObjectType != "prospects" {
			t.Errorf("export audit %+v %v", evs, err)
		}

		// The unit's chain page and its chart data.
		check(rm1, "/groups/G/chain", 200, []string{T(LangZH, "chain.unit.title", "环球集团"), s1, name, `data-graph="/groups/G/chain?format=json"`,
			`href="/chain/prospects/S1"`}, []string{s2})
		check(rm1, "/groups/H/chain", 404, nil, []string{"海川"})
		check(ana, "/groups/G", 200, []string{`href="/groups/G/chain"`}, nil)
		resp, body = e.get(rm1, "/groups/G/chain?format=json")
		var g chainGraph
		if err := json.Unmarshal([]byte(body), &g); err != nil || resp.StatusCode != 200 || len(g.Upstream) != 2 || g.Upstream[0].ID != "S1" ||
			g.Upstream[0].Amount != "100" || g.Upstream[0].Client || g.Upstream[1].ID != chainNameKey || len(g.Downstream) != 0 || g.Labels["title"] == "" {
			t.Errorf("graph %d %+v %v", resp.StatusCode, g, err)
		}
		check(ana, "/entities/S1/chain", 200, []string{T(LangZH, "chain.unit.empty")}, nil)

		// The run button: analysts only; the run goes on in the background.
		if resp, _ := e.postForm(rm1, "/chain/runs", url.Values{"csrf": {csrf1}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("rm1 runs: %d", resp.StatusCode)
		}
		csrfA := e.csrf(ana, "/chain")
		if resp, _ := e.postForm(ana, "/chain/runs", url.Values{"csrf": {csrfA}, "from": {"2026-01-07"}}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("run: %d", resp.StatusCode)
		}
		waitChain(t, e)
		check(ana, "/chain", 200, []string{T(LangZH, "chain.run_range", "2026-01-07", "…"), s2, name}, []string{"精工配件厂</a>"})
		// The work survives the new run.
		check(ana, "/chain/prospects/S2", 200, []string{"已是他行客户"}, nil)
		if resp, body := e.postForm(ana, "/chain/runs", url.Values{"csrf": {csrfA}, "from": {"2026-02-01"}, "to": {"2026-01-01"}}); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("from after to: %d\n%.300s", resp.StatusCode, body)
		}
	})
}

// waitChain waits for the server's background chain run to end.
func waitChain(t *testing.T, e *env) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for e.srv.chain.state().Running {
		if time.Now().After(deadline) {
			t.Fatal("the chain run did not end")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if st := e.srv.chain.state(); st.Failed != "" {
		t.Fatalf("the chain run failed: %s", st.Failed)
	}
}

func TestChainAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnvDB(t, Config{}, db)
		users := chainSetup(t, e)
		tok := map[string]string{}
		for _, login := range []string{"analyst", "rm1", "product"} {
			var err error
			if tok[login], err = e.db.CreateAPIToken(context.Background(), users[login].ID, "test"); err != nil {
				t.Fatal(err)
			}
		}
		jsonHdr := map[string]string{"Content-Type": "application/json"}
		call := func(login, method, path, body string) (int, string) {
			resp, out := e.api(tok[login], method, path, strings.NewReader(body), jsonHdr)
			return resp.StatusCode, out
		}
		var list apiList[apiProspect]
		st, body := call("analyst", "GET", "/api/v1/chain/prospects?limit=2", "")
		if err := json.Unmarshal([]byte(body), &list); err != nil || st != 200 || len(list.Items) != 2 || list.Items[0].Key != "S1" ||
			list.Items[0].Amount != "110" || list.Items[0].Currency != "CNY" || len(list.Items[0].LinkedUnits) != 2 || list.NextCursor == "" {
			t.Fatalf("page 1: %d %+v %v", st, list, err)
		}
		st, body = call("analyst", "GET", "/api/v1/chain/prospects?limit=2&cursor="+list.NextCursor, "")
		list = apiList[apiProspect]{}
		if err := json.Unmarshal([]byte(body), &list); err != nil || st != 200 || len(list.Items) != 1 || list.Items[0].Key != chainNameKey || list.NextCursor != "" {
			t.Errorf("page 2: %d %+v %v", st, list, err)
		}
		if st, body := call("rm1", "GET", "/api/v1/chain/prospects", ""); st != 200 || strings.Contains(body, `"S2"`) || !strings.Contains(body, `"S1"`) {
			t.Errorf("rm1's list: %d %s", st, body)
		}
		if st, _ := call("analyst", "GET", "/api/v1/chain/prospects?status=bogus", ""); st != 400 {
			t.Errorf("bad status: %d", st)
		}
		if st, body := call("rm1", "GET", "/api/v1/chain/prospects/S2", ""); st != 404 || errorCodeOf(body) != kamp.ENOTFOUND {
			t.Errorf("rm1 S2: %d %s", st, body)
		}
		key := "/api/v1/chain/prospects/" + url.PathEscape(chainNameKey)
		if st, body := call("rm1", "POST", key+"/assignment", `{"assignee":"rm1"}`); st != 403 {
			t.Errorf("rm1 assigns: %d %s", st, body)
		}
		if st, body := call("analyst", "POST", key+"/assignment", `{"assignee":"rm2","note":"名称客户"}`); st != 201 || !strings.Contains(body, `"assignee":"rm2"`) {
			t.Errorf("assign: %d %s", st, body)
		}
		if st, _ := call("analyst", "POST", key+"/assignment", `{"assignee":"rm2"}`); st != 409 {
			t.Errorf("assign twice: %d", st)
		}
		if st, _ := call("analyst", "POST", key+"/dismissal", `{"reason":""}`); st != 400 {
			t.Errorf("dismiss without a reason: %d", st)
		}
		if st, _ := call("analyst", "POST", key+"/dismissal", `{"reason":"重复"}`); st != 201 {
			t.Errorf("dismiss: %d", st)
		}
		var d apiProspectDetail
		st, body = call("analyst", "GET", key, "")
		if err := json.Unmarshal([]byte(body), &d); err != nil || st != 200 || d.Status != "dismissed" || len(d.History) != 2 || d.History[1].Assignee != "rm2" ||
			len(d.Edges) != 1 || d.Edges[0].UnitID != "G" || d.Edges[0].Amount != "30" {
			t.Errorf("detail %d %+v %v", st, d, err)
		}
		var uc apiUnitChain
		st, body = call("rm1", "GET", "/api/v1/chain/units/G", "")
		if err := json.Unmarshal([]byte(body), &uc); err != nil || st != 200 || uc.UpCount != 2 || uc.UpAmount != "130" || uc.Upstream[0].Prospect != "S1" || uc.RunID == "" {
			t.Errorf("G's chain %d %+v %v", st, uc, err)
		}
		if st, _ := call("rm1", "GET", "/api/v1/chain/units/H", ""); st != 404 {
			t.Errorf("rm1 H: %d", st)
		}
		if st, _ := call("rm1", "POST", "/api/v1/chain/runs", `{}`); st != 403 {
			t.Errorf("rm1 runs: %d", st)
		}
		if st, body := call("analyst", "POST", "/api/v1/chain/runs", `{"to":"2026-01-06"}`); st != 202 {
			t.Errorf("run: %d %s", st, body)
		}
		waitChain(t, e)
		var runs apiChainRuns
		st, body = call("product", "GET", "/api/v1/chain/runs", "")
		if err := json.Unmarshal([]byte(body), &runs); err != nil || st != 200 || len(runs.Items) != 2 || runs.Items[0].To != "2026-01-06" ||
			runs.Items[0].Status != "done" || runs.Items[0].MadeBy != "analyst" || runs.Job.Running {
			t.Errorf("runs %d %+v %v", st, runs, err)
		}
	})
}
