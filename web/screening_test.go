package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/control"
	"github.com/kampbank/kamp/grouping"
	"github.com/kampbank/kamp/ingest"
	"github.com/kampbank/kamp/screen"
	"github.com/kampbank/kamp/screening"
	"github.com/kampbank/kamp/store"
	"github.com/kampbank/kamp/store/storetest"
)

// screeningEnv is orgEnv with metrics that make the weights matter: group
// G1 (C1, BJ01) has the deposits, P1's group (C2, SH02) the revenue; the
// groups are computed. chief is a level-4 analyst who may approve the
// strategic list (as may admin).
func screeningEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	e := orgEnv(t, db)
	ctx := kamp.WithActor(context.Background(), "test")
	files := writeFiles(t, map[string]string{"metrics.csv": "client_id,period,currency,deposits_avg,loans_avg,revenue,fee_income\n" +
		"C2,2026-01,CNY,1,,900000000,5\n"})
	if _, err := ingest.Run(ctx, db, files, ingest.Options{By: "test"}); err != nil {
		t.Fatal(err)
	}
	if _, err := grouping.Recompute(ctx, db, 0, control.CN2018, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateUser(ctx, kamp.User{Login: "chief", Name: "Name of chief", Role: kamp.RoleAnalyst, OrgUnit: "SCD", Level: kamp.LevelExecutive}, testPassword); err != nil {
		t.Fatal(err)
	}
	return e
}

// untranslatedRE finds a screening message key shown as such.
var untranslatedRE = regexp.MustCompile(`>[^<]*\b(screening|list)\.[a-z_.\-]+[^<]*<`)

// rowTier returns the tier of unit's row in a tier table (the
// workspace's own table when the page has one), "" when absent.
func rowTier(body, unit string) string {
	if i := strings.Index(body, `id="table-h"`); i >= 0 {
		body = body[i:]
		if j := strings.Index(body, "</section>"); j >= 0 {
			body = body[:j]
		}
	}
	re := regexp.MustCompile(`<code class="muted">` + regexp.QuoteMeta(unit) + `</code></td>\s*<td><span class="tag tier-([a-z]+)">`)
	if m := re.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}

func TestScreeningWorkspace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := screeningEnv(t, db)
		ana, bj := e.signedIn("ana"), e.signedIn("bjrm")

		resp, body := e.get(ana, "/screening")
		if resp.StatusCode != 200 || !strings.Contains(body, T(LangZH, "screening.none")) {
			t.Fatalf("empty workspace: %d\n%s", resp.StatusCode, body)
		}
		// Weights that do not sum to 100 are refused next to the form.
		form := url.Values{"w_revenue": {"50"}, "w_deposits_avg": {"30"}, "w_loans_avg": {"0"}, "w_fee_income": {"0"}}
		resp, body = e.postWithCSRF(ana, "/screening", "/screening/runs", form)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, T(LangZH, "screening.err.sum")) || !strings.Contains(body, `value="50"`) {
			t.Errorf("bad sum: %d\n%s", resp.StatusCode, body)
		}
		// Store a run weighted on deposits: G1 is core, P1 general; the
		// rule would make G1 (industry D44) key.
		form = url.Values{"w_revenue": {"0"}, "w_deposits_avg": {"100"}, "w_loans_avg": {"0"}, "w_fee_income": {"0"}, "rules": {"key: industry in D"}}
		resp, body = e.postWithCSRF(ana, "/screening", "/screening/runs", form)
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/screening?started=") {
			t.Fatalf("store a run: %d %s\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
		}
		e.srv.wg.Wait() // the run is stored in the background
		run, err := db.LatestScreeningRun(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(resp.Header.Get("Location"), "="+run.ID) {
			t.Errorf("started %s, stored %s", resp.Header.Get("Location"), run.ID)
		}
		resp, body = e.get(ana, "/screening?fragment=progress")
		if resp.StatusCode != 200 || !strings.Contains(body, T(LangZH, "screening.finished", run.ID)) || strings.Contains(body, "hx-trigger") {
			t.Errorf("progress after the run: %d\n%s", resp.StatusCode, body)
		}
		// Bad rules are refused before anything starts.
		// The rules' proposal, and the nomination form it prefills.
		resp, body = e.get(ana, "/screening?run="+run.ID)
		prefill := "/screening?action=include_key&amp;nominate=G1&amp;run=" + run.ID + "#nominate-h"
		if !strings.Contains(body, T(LangZH, "screening.proposals", 1)) || !strings.Contains(body, prefill) {
			t.Errorf("rule proposals: %d\n%s", resp.StatusCode, body)
		}
		if _, body := e.get(ana, "/screening?action=include_key&nominate=G1&run="+run.ID); !strings.Contains(body, `id="unit" name="unit" type="text" required maxlength="200" value="G1"`) ||
			!strings.Contains(body, `<option value="include_key" selected>`) {
			t.Errorf("the nomination form is not prefilled:\n%s", body)
		}
		form.Set("rules", "core: rank <= nonsense")
		if resp, body := e.postWithCSRF(ana, "/screening", "/screening/runs", form); resp.StatusCode != http.StatusBadRequest ||
			!strings.Contains(body, "rank") {
			t.Errorf("bad rules: %d\n%s", resp.StatusCode, body)
		}
		form.Del("rules")
		resp, body = e.get(ana, "/screening")
		if resp.StatusCode != 200 || !strings.Contains(body, run.ID) || rowTier(body, "G1") != "core" || rowTier(body, "P1") != "general" {
			t.Fatalf("workspace after a run: %d G1=%q P1=%q\n%s", resp.StatusCode, rowTier(body, "G1"), rowTier(body, "P1"), body)
		}
		for _, want := range []string{`href="/groups/G1"`, `id="pareto-chart"`, `data-chart-url="/screening/chart.json?run=` + run.ID + `"`, `type="range"`, T(LangZH, "screening.gini")} {
			if !strings.Contains(body, want) {
				t.Errorf("the workspace lacks %s", want)
			}
		}
		if m := untranslatedRE.FindString(body); m != "" {
			t.Errorf("untranslated key: %s", m)
		}
		if m := inlineCodeRE.FindString(body); m != "" {
			t.Errorf("inline code the CSP would block: %s", m)
		}
		resp, body = e.get(ana, "/screening?run="+run.ID+"&tier=general")
		if resp.StatusCode != 200 || rowTier(body, "G1") != "" || rowTier(body, "P1") != "general" {
			t.Errorf("tier filter: %d\n%s", resp.StatusCode, body)
		}
		if resp, _ := e.get(ana, "/screening?tier=gold"); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("bad tier: %d", resp.StatusCode)
		}
		// The chart data: ids for the analyst, none for a branch RM.
		resp, body = e.get(ana, "/screening/chart.json?run="+run.ID)
		var cd chartData
		if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &cd) != nil || len(cd.Ranks) != 2 || len(cd.IDs) != 2 || cd.IDs[0] != "G1" ||
			cd.Cum[1] != 100 || len(cd.Lorenz) == 0 || cd.Tiers[0] != "core" {
			t.Errorf("chart: %d %s", resp.StatusCode, body)
		}
		resp, body = e.get(bj, "/screening/chart.json?run="+run.ID)
		cd = chartData{}
		if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &cd) != nil || len(cd.IDs) != 0 || len(cd.Ranks) != 2 {
			t.Errorf("chart for a branch RM shows ids: %s", body)
		}

		// Need to know: the BJ01 RM sees G1, not P1 (SH02); no what-if.
		resp, body = e.get(bj, "/screening")
		if resp.StatusCode != 200 || rowTier(body, "G1") != "core" || strings.Contains(body, ">P1<") {
			t.Errorf("branch RM workspace: %d\n%s", resp.StatusCode, body)
		}
		if strings.Contains(body, `action="/screening/runs"`) || strings.Contains(body, `action="/screening/nominations"`) {
			t.Error("a branch RM is offered the analysts' forms")
		}
		resp, _ = e.postWithCSRF(bj, "/screening", "/screening/what-if", url.Values{"w_revenue": {"100"}})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("branch RM what-if: %d", resp.StatusCode)
		}

		// What-if: revenue alone puts P1 in core, live, nothing stored.
		form = url.Values{"w_revenue": {"100"}, "w_deposits_avg": {"0"}, "w_loans_avg": {"0"}, "w_fee_income": {"0"}, "run": {run.ID}}
		form.Set("csrf", e.csrf(ana, "/screening"))
		req, _ := http.NewRequest("POST", e.ts.URL+"/screening/what-if", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("HX-Request", "true")
		resp, body = e.do(ana, req)
		if resp.StatusCode != 200 || strings.Contains(body, "<html") || rowTier(body, "P1") != "core" || rowTier(body, "G1") != "general" ||
			!strings.Contains(body, `data-chart="`) || !strings.Contains(body, T(LangZH, "screening.moved", "deposits_avg=1", "2")) {
			t.Errorf("what-if fragment: %d\n%s", resp.StatusCode, body)
		}
		// Another period, and a period that is not one.
		form.Set("period", "2025-12")
		resp, body = e.postForm(ana, "/screening/what-if", form)
		if resp.StatusCode != 200 || !strings.Contains(body, "权重 revenue=1，2025-12 期") {
			t.Errorf("what-if of 2025-12: %d\n%s", resp.StatusCode, body)
		}
		form.Set("period", "2026-13")
		if resp, body := e.postForm(ana, "/screening/what-if", form); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, T(LangZH, "screening.err.period")) {
			t.Errorf("bad period: %d", resp.StatusCode)
		}
		form.Del("period")
		// Without htmx the same form gives the whole page.
		resp, body = e.postForm(ana, "/screening/what-if", form)
		if resp.StatusCode != 200 || !strings.Contains(body, "<html") || !strings.Contains(body, T(LangZH, "screening.whatif")) {
			t.Errorf("what-if page: %d", resp.StatusCode)
		}
		if runs, _, _ := db.ScreeningRuns(context.Background(), 0, 10); len(runs) != 1 {
			t.Errorf("%d runs after what-ifs, want 1", len(runs))
		}

		// Export, audited.
		resp, body = e.get(ana, "/screening?format=csv&run="+run.ID)
		if resp.StatusCode != 200 || !strings.HasPrefix(strings.TrimPrefix(body, "\ufeff"), "rank,unit_id,name") || !strings.Contains(body, "G1") {
			t.Errorf("export: %d\n%s", resp.StatusCode, body)
		}
		evs, _, err := db.AuditEvents(context.Background(), store.AuditFilter{Action: kamp.AuditExport, ObjectType: "screening"}, 10, 0)
		if err != nil || len(evs) != 1 {
			t.Errorf("export audit events: %d (%v)", len(evs), err)
		}
		resp, body = e.get(bj, "/screening?format=csv&run="+run.ID)
		if strings.Contains(body, "P1") {
			t.Errorf("a branch RM exports P1: %d\n%s", resp.StatusCode, body)
		}

		// A second run and the comparison: P1 entered core.
		form = url.Values{"w_revenue": {"100"}, "w_deposits_avg": {"0"}, "w_loans_avg": {"0"}, "w_fee_income": {"0"}}
		if resp, body := e.postWithCSRF(ana, "/screening", "/screening/runs", form); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("second run: %d\n%s", resp.StatusCode, body)
		}
		e.srv.wg.Wait()
		resp, body = e.get(ana, "/screening/compare")
		if resp.StatusCode != 200 || !strings.Contains(body, `href="/groups/P1"`) || !strings.Contains(body, T(LangZH, "screening.ind.revenue")) {
			t.Errorf("compare: %d\n%s", resp.StatusCode, body)
		}
		if m := untranslatedRE.FindString(body); m != "" {
			t.Errorf("compare: untranslated key: %s", m)
		}
		// The same pages in English.
		if resp, _ := e.postWithCSRF(ana, "/screening", "/lang", url.Values{"lang": {LangEN}, "next": {"/screening"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("switch to English: %d", resp.StatusCode)
		}
		for _, path := range []string{"/screening", "/screening/compare", "/screening/list"} {
			resp, body := e.get(ana, path)
			if resp.StatusCode != 200 || !strings.Contains(body, `lang="en"`) {
				t.Errorf("%s in English: %d", path, resp.StatusCode)
			}
			if m := untranslatedRE.FindString(body); m != "" {
				t.Errorf("%s in English: untranslated key: %s", path, m)
			}
		}
	})
}

// screeningRunFor stores a run with the default weights and returns its id.
func screeningRunFor(t *testing.T, e *env) (string, error) {
	t.Helper()
	return screening.Run(context.Background(), e.db, e.srv.workspace(), screening.Spec{Weights: screen.DefaultWeights(), By: "test"}, nil)
}

func TestNominationApproved(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := screeningEnv(t, db)
		ana2, ana, admin, bj := e.signedIn("ana2"), e.signedIn("ana"), e.signedIn("admin"), e.signedIn("bjrm")
		resp, body := e.get(ana, "/screening/list")
		if resp.StatusCode != 200 || !strings.Contains(body, T(LangZH, "list.empty")) {
			t.Fatalf("empty list: %d\n%s", resp.StatusCode, body)
		}
		// A reason is required; then ana2 nominates P1 as key.
		form := url.Values{"unit": {"P1"}, "action": {"include_key"}, "reason": {""}, "confirm": {"1"}}
		resp, body = e.postWithCSRF(ana2, "/screening", "/screening/nominations", form)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, T(LangZH, "screening.err.reason")) {
			t.Errorf("no reason: %d", resp.StatusCode)
		}
		form.Set("reason", "战略性新兴产业，成长潜力大")
		resp, body = e.postWithCSRF(ana2, "/screening", "/screening/nominations", form)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("nominate: %d\n%s", resp.StatusCode, body)
		}
		crs, _, err := db.ChangeRequests(context.Background(), store.System, kamp.RequestPending, "P1", 0, 10)
		if err != nil || len(crs) != 1 || crs[0].Kind != kamp.RequestNomination || crs[0].Detail != "key" {
			t.Fatalf("pending = %+v (%v)", crs, err)
		}
		id := crs[0].ID
		// The approvals inbox shows it, with a form for the admin only.
		_, body = e.get(admin, "/approvals")
		if !strings.Contains(body, T(LangZH, "approvals.op.include", T(LangZH, "screening.tier.key"))) || !strings.Contains(body, `action="/approvals/`+id+`"`) ||
			!strings.Contains(body, `href="/screening/list?unit=P1"`) {
			t.Errorf("the inbox does not show the nomination:\n%s", body)
		}
		if ids := e.pendingIDs(ana); slices.Contains(ids, id) {
			t.Error("a level-3 analyst is offered to decide the nomination")
		}
		decide := url.Values{"decision": {"approve"}, "confirm": {"1"}}
		// Self-approval and a level-3 analyst are refused.
		if resp, body := e.postWithCSRF(ana2, "/approvals", "/approvals/"+id, decide); resp.StatusCode != http.StatusForbidden {
			t.Errorf("self-approval: %d\n%s", resp.StatusCode, body)
		}
		if resp, _ := e.postWithCSRF(ana, "/approvals", "/approvals/"+id, decide); resp.StatusCode != http.StatusForbidden {
			t.Errorf("level-3 approval: %d", resp.StatusCode)
		}
		if resp, body := e.get(ana, "/screening/list"); !strings.Contains(body, T(LangZH, "list.empty")) {
			t.Errorf("the nomination counts before approval: %d", resp.StatusCode)
		}
		// The admin (level 4) approves: P1 is on the list as key.
		if resp, body := e.postWithCSRF(admin, "/approvals", "/approvals/"+id, decide); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("approval: %d\n%s", resp.StatusCode, body)
		}
		resp, body = e.get(ana, "/screening/list")
		if resp.StatusCode != 200 || rowTier(body, "P1") != "key" || !strings.Contains(body, "战略性新兴产业") {
			t.Errorf("list after approval: %d\n%s", resp.StatusCode, body)
		}
		resp, body = e.get(ana, "/screening/list?unit=P1")
		if resp.StatusCode != 200 || !strings.Contains(body, T(LangZH, "list.history_of", "张三")) || !strings.Contains(body, T(LangZH, "list.source.nomination")) {
			t.Errorf("history: %d\n%s", resp.StatusCode, body)
		}
		if m := untranslatedRE.FindString(body); m != "" {
			t.Errorf("untranslated key: %s", m)
		}
		// The BJ01 RM does not see P1 on the list nor its history.
		if _, body := e.get(bj, "/screening/list"); strings.Contains(body, ">P1<") {
			t.Error("a branch RM sees P1 on the list")
		}
		if resp, _ := e.get(bj, "/screening/list?unit=P1"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("branch RM history of P1: %d", resp.StatusCode)
		}
		// An adoption shows in the inbox of bank-wide people only.
		run, err := screeningRunFor(t, e)
		if err != nil {
			t.Fatal(err)
		}
		resp, body = e.postWithCSRF(ana2, "/screening", "/screening/runs/"+run+"/adoption", url.Values{"reason": {"年度名单"}, "confirm": {"1"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("propose adoption: %d\n%s", resp.StatusCode, body)
		}
		if _, body := e.get(admin, "/approvals"); !strings.Contains(body, T(LangZH, "approvals.op.adopt", run)) {
			t.Errorf("the inbox does not show the adoption:\n%s", body)
		}
		if _, body := e.get(bj, "/approvals"); strings.Contains(body, run) {
			t.Error("a branch RM sees the adoption")
		}
		// The API shows the same list.
		resp, body = e.api(e.token("ana"), "GET", "/api/v1/strategic-list", nil, nil)
		var list apiList[apiListEntry]
		if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &list) != nil || len(list.Items) != 1 || list.Items[0].UnitID != "P1" ||
			list.Items[0].Tier != "key" || list.Items[0].Source != store.SourceNomination || list.Items[0].EffectiveTo != nil {
			t.Errorf("API list: %d %s", resp.StatusCode, body)
		}
	})
}

func TestScreeningAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := screeningEnv(t, db)
		ana, bj, chief := e.token("ana"), e.token("bjrm"), e.token("chief")
		json1 := map[string]string{"Content-Type": "application/json", "Idempotency-Key": "run-1"}
		body := `{"weights":{"deposits_avg":0.5,"revenue":0.5}}`
		resp, out := e.api(ana, "POST", "/api/v1/screenings", strings.NewReader(body), json1)
		var run apiScreeningRun
		if resp.StatusCode != http.StatusCreated || json.Unmarshal([]byte(out), &run) != nil || run.Status != store.ScreeningDone || run.Units != 2 ||
			run.Weights != "deposits_avg=0.5,revenue=0.5" || run.Concentration.Tiers.Core+run.Concentration.Tiers.Key+run.Concentration.Tiers.General != 2 {
			t.Fatalf("create: %d %s", resp.StatusCode, out)
		}
		resp, out = e.api(ana, "POST", "/api/v1/screenings", strings.NewReader(body), json1)
		var again apiScreeningRun
		if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(out), &again) != nil || again.ID != run.ID {
			t.Errorf("retry: %d %s", resp.StatusCode, out)
		}
		if resp, out := e.api(ana, "POST", "/api/v1/screenings", strings.NewReader(`{"weights":{"revenue":0.7}}`), nil); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("weights summing to 0.7: %d %s", resp.StatusCode, out)
		}
		if resp, _ := e.api(bj, "POST", "/api/v1/screenings", strings.NewReader(body), nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("branch RM creates a run: %d", resp.StatusCode)
		}
		resp, out = e.api(ana, "GET", "/api/v1/screenings", nil, nil)
		var runs apiList[apiScreeningRun]
		if resp.StatusCode != 200 || json.Unmarshal([]byte(out), &runs) != nil || len(runs.Items) != 1 || runs.Items[0].ID != run.ID {
			t.Errorf("list: %d %s", resp.StatusCode, out)
		}
		if resp, _ := e.api(ana, "GET", "/api/v1/screenings/"+run.ID, nil, nil); resp.StatusCode != 200 {
			t.Errorf("get: %d", resp.StatusCode)
		}
		if resp, _ := e.api(ana, "GET", "/api/v1/screenings/nope", nil, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("get unknown: %d", resp.StatusCode)
		}
		// Results: both units for the analyst, G1 only for the BJ01 RM.
		for tok, want := range map[string]int{ana: 2, bj: 1} {
			resp, out = e.api(tok, "GET", "/api/v1/screenings/"+run.ID+"/results?limit=1", nil, nil)
			var res apiList[apiScreeningResult]
			if resp.StatusCode != 200 || json.Unmarshal([]byte(out), &res) != nil || len(res.Items) != 1 || (want == 2) != (res.NextCursor != "") {
				t.Errorf("results (%d visible): %d %s", want, resp.StatusCode, out)
			}
			if want == 1 && res.Items[0].UnitID != "G1" {
				t.Errorf("the BJ01 RM sees %s", res.Items[0].UnitID)
			}
		}
		// What-if moves the units between tiers.
		for weights, core := range map[string]string{`{"revenue":1}`: "P1", `{"deposits_avg":1}`: "G1"} {
			resp, out = e.api(ana, "POST", "/api/v1/screenings/what-if", strings.NewReader(`{"weights":`+weights+`}`), nil)
			var wi apiWhatIfResult
			if resp.StatusCode != 200 || json.Unmarshal([]byte(out), &wi) != nil || len(wi.Top) != 2 || wi.Top[0].UnitID != core || wi.Top[0].Tier != "core" ||
				wi.Top[1].Tier != "general" || wi.Concentration.Tiers.Core != 1 {
				t.Errorf("what-if %s: %d %s", weights, resp.StatusCode, out)
			}
		}
		// Nomination by API, approved by a second person through the
		// change-request API; self-approval refused.
		hdr := map[string]string{"Content-Type": "application/json", "Idempotency-Key": "nom-1"}
		nom := `{"unit_id":"G1","op":"include","tier":"core","reason":"总行战略合作"}`
		resp, out = e.api(ana, "POST", "/api/v1/nominations", strings.NewReader(nom), hdr)
		var cr apiChangeRequest
		if resp.StatusCode != http.StatusCreated || json.Unmarshal([]byte(out), &cr) != nil || cr.Kind != kamp.RequestNomination || cr.Status != kamp.RequestPending || cr.Detail != "core" {
			t.Fatalf("nominate: %d %s", resp.StatusCode, out)
		}
		resp, out = e.api(ana, "POST", "/api/v1/nominations", strings.NewReader(nom), hdr)
		var cr2 apiChangeRequest
		if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(out), &cr2) != nil || cr2.ID != cr.ID {
			t.Errorf("nomination retry: %d %s", resp.StatusCode, out)
		}
		if resp, _ := e.api(bj, "POST", "/api/v1/nominations", strings.NewReader(nom), nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("branch RM nominates: %d", resp.StatusCode)
		}
		resp, out = e.api(chief, "POST", "/api/v1/screenings/"+run.ID+"/adoption", strings.NewReader(`{"reason":"年度名单"}`), nil)
		var adopt apiChangeRequest
		if resp.StatusCode != http.StatusCreated || json.Unmarshal([]byte(out), &adopt) != nil || adopt.Kind != kamp.RequestAdoption {
			t.Fatalf("adoption: %d %s", resp.StatusCode, out)
		}
		if resp, _ := e.api(chief, "POST", "/api/v1/change-requests/"+adopt.ID+"/approval", strings.NewReader(`{"approve":true}`), nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("self-approval of the adoption: %d", resp.StatusCode)
		}
		for _, id := range []string{cr.ID, adopt.ID} {
			approver := chief
			if id == adopt.ID {
				approver = e.token("admin")
			}
			if resp, out := e.api(approver, "POST", "/api/v1/change-requests/"+id+"/approval", strings.NewReader(`{"approve":true}`), nil); resp.StatusCode != 200 {
				t.Errorf("approve %s: %d %s", id, resp.StatusCode, out)
			}
		}
		resp, out = e.api(ana, "GET", "/api/v1/strategic-list", nil, nil)
		var list apiList[apiListEntry]
		if resp.StatusCode != 200 || json.Unmarshal([]byte(out), &list) != nil || len(list.Items) == 0 || list.Items[0].UnitID != "G1" || list.Items[0].Source != store.SourceNomination {
			t.Errorf("list: %d %s", resp.StatusCode, out)
		}
		resp, out = e.api(ana, "GET", "/api/v1/strategic-list?unit=G1", nil, nil)
		if resp.StatusCode != 200 || !strings.Contains(out, `"source":"nomination"`) {
			t.Errorf("history: %d %s", resp.StatusCode, out)
		}
		if resp, _ := e.api(bj, "GET", "/api/v1/strategic-list?unit=P1", nil, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("branch RM history of P1: %d", resp.StatusCode)
		}
	})
}

func FuzzParseSliders(f *testing.F) {
	f.Add("40", "30", "20", "10")
	f.Add("100", "", "", "")
	f.Add("-1", "101", "x", "0")
	f.Fuzz(func(t *testing.T, a, b, c, d string) {
		form := url.Values{"w_revenue": {a}, "w_deposits_avg": {b}, "w_loans_avg": {c}, "w_fee_income": {d}}
		w, sl, err := parseSliders(form)
		if err != nil {
			if kamp.ErrorCode(err) != kamp.EINVALID || !HasMessage(kamp.ErrorMessage(err)) {
				t.Fatalf("error %v is not a catalogued EINVALID", err)
			}
			return
		}
		if verr := w.Validate(); verr != nil {
			t.Fatalf("accepted weights %v are invalid: %v", w, verr)
		}
		sum := 0
		for _, s := range sl {
			sum += s.Percent
		}
		if sum != 100 || len(sl) != 4 {
			t.Fatalf("sliders %v do not sum to 100", sl)
		}
	})
}

func FuzzParseScreeningQuery(f *testing.F) {
	f.Add("run=R1&tier=core&sort=-revenue&page=3")
	f.Add("tier=gold&page=0")
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := parseScreeningQuery(v)
		if err != nil {
			if kamp.ErrorCode(err) != kamp.EINVALID {
				t.Fatalf("error %v is not EINVALID", err)
			}
			return
		}
		again, err := parseScreeningQuery(q.values())
		if err != nil || again != q {
			t.Fatalf("query %+v does not survive its URL: %+v, %v", q, again, err)
		}
	})
}
