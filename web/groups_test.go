package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/control"
	"github.com/kampbank/kamp/grouping"
	"github.com/kampbank/kamp/ingest"
	"github.com/kampbank/kamp/store"
)

// seedTier1 is the tier-1 capital of the group tests: 3,000万元, so that
// the seed bank's group G1 (exposure 5,007,100.0007 yuan against a 20%
// limit of 6,000,000) is a large exposure with 992,899.9993 of headroom.
const seedTier1 = kamp.Amount(30_000_000 * 10_000)

// groupEnv is a server over the seed bank with its groups computed.
func groupEnv(t *testing.T) (*env, *http.Client) {
	e := newEnv(t, Config{Tier1: seedTier1})
	e.seed()
	if _, err := grouping.Recompute(context.Background(), e.db, seedTier1, control.CN2018, nil); err != nil {
		t.Fatal(err)
	}
	e.user("ana", kamp.RoleAnalyst)
	c := e.client()
	e.login(c, "ana")
	return e, c
}

func TestGroupsList(t *testing.T) {
	e, c := groupEnv(t)
	cases := []struct {
		name, query string
		status      int
		want, not   []string
	}{
		{"all", "", 200, []string{"华能集团有限公司", "张三", "共 2 个集团", `href="/groups/G1"`, "大额风险暴露"}, nil},
		{"by status", "?status=large", 200, []string{"华能集团有限公司", "共 1 个集团"}, []string{`href="/groups/P1"`}},
		{"not checked", "?status=none", 200, []string{"共 0 个集团", "没有符合筛选条件的集团"}, nil},
		{"min size", "?min_size=3", 200, []string{"共 0 个集团"}, nil},
		{"depth and sort", "?max_depth=1&sort=-exposure", 200, []string{"共 2 个集团"}, nil},
		{"no cycles", "?has_cycle=0&has_conflict=false", 200, []string{"共 2 个集团"}, nil},
		{"bad size", "?min_size=x", 400, nil, nil},
		{"bad status", "?status=red", 400, nil, nil},
		{"bad sort", "?sort=name", 400, nil, nil},
		{"bad flag", "?has_cycle=maybe", 400, nil, nil},
	}
	for _, tc := range cases {
		resp, body := e.get(c, "/groups"+tc.query)
		if resp.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, resp.StatusCode, tc.status)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: page lacks %q", tc.name, w)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(body, n) {
				t.Errorf("%s: page has %q", tc.name, n)
			}
		}
	}
	// The progress fragment of a recompute that is not running is empty.
	resp, body := e.get(c, "/groups?fragment=progress")
	if resp.StatusCode != 200 || !strings.Contains(body, `id="group-progress"`) || strings.Contains(body, "hx-get") {
		t.Errorf("progress fragment: %d %s", resp.StatusCode, body)
	}
	// The navigation has 集团 right after 客户.
	_, page := e.get(c, "/groups")
	if i, j := strings.Index(page, ">客户</a>"), strings.Index(page, ">集团</a>"); i < 0 || j < i {
		t.Errorf("navigation: 集团 is not after 客户")
	}
}

func TestControlPathWords(t *testing.T) {
	cases := []struct {
		lang, key string
		args      []any
		want      string
	}{
		{LangEN, "groups.path_holds_sub", []any{"B", "A", "30%"}, "B, which A controls, holds 30%"},
		{LangZH, "groups.path_holds_sub", []any{"B", "A", "30%"}, "A 控制的 B 持有 30%"},
		{LangEN, "groups.path_step", []any{"A", "C", "A holds 30% and B, which A controls, holds 30%"}, "A controls C: A holds 30% and B, which A controls, holds 30%"},
		{LangEN, "groups.path_agr_sub", []any{"B", "A"}, "B, which A controls, controls it by agreement"},
		{LangZH, "groups.path_total", []any{"60%"}, "，合计 60%"},
	}
	for _, c := range cases {
		if got := T(c.lang, c.key, c.args...); got != c.want {
			t.Errorf("T(%s, %s) = %q, want %q", c.lang, c.key, got, c.want)
		}
	}
}

func TestGroupsExport(t *testing.T) {
	e, c := groupEnv(t)
	resp, body := e.get(c, "/groups?status=large&format=csv")
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "csv") {
		t.Fatalf("csv export: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	lines := strings.Split(strings.TrimSpace(strings.TrimPrefix(body, "\ufeff")), "\n")
	if len(lines) != 2 {
		t.Fatalf("csv export has %d lines, want a header and 1 group:\n%s", len(lines), body)
	}
	if !strings.HasPrefix(lines[0], "group_id,root_name,members,clients,depth") {
		t.Errorf("header %q", lines[0])
	}
	want := "G1,华能集团有限公司,2,2,1,0,0,5007100.0007,16.6903,20,992899.9993,large"
	if strings.TrimSpace(lines[1]) != want {
		t.Errorf("row %q, want %q", lines[1], want)
	}
	resp, body = e.get(c, "/groups?format=xlsx")
	if resp.StatusCode != 200 || !strings.HasPrefix(body, "PK") {
		t.Errorf("xlsx export: %d, starts %q", resp.StatusCode, body[:min(4, len(body))])
	}
	if resp, _ := e.get(c, "/groups?format=pdf"); resp.StatusCode != 400 {
		t.Errorf("pdf export: %d, want 400", resp.StatusCode)
	}
}

func TestGroupPage(t *testing.T) {
	e, c := groupEnv(t)
	resp, body := e.get(c, "/groups/G1")
	if resp.StatusCode != 200 {
		t.Fatalf("group page: %d", resp.StatusCode)
	}
	for _, w := range []string{"<h1>华能集团有限公司</h1>", "<code>G1</code>", "华能国际电力股份有限公司", `data-graph="/groups/G1/graph.json"`,
		"大额风险暴露", "16.7%", "20.0%", `title="992899.9993 CNY"`, `href="/groups/G1?path=C1#path"`, "echarts.min.js", "groups.js",
		"2026-01 期，1 个成员有数据", `title="1234568600.5 CNY"`, `title="20000000 CNY"`} {
		if !strings.Contains(body, w) {
			t.Errorf("group page lacks %q", w)
		}
	}
	cases := []struct{ group, path, want string }{
		{"G1", "C1", "华能集团有限公司 控制 华能国际电力股份有限公司：华能集团有限公司 持有 50.1235%"},
		{"P1", "C2", "张三 控制 Kunlun Energy, Ltd.：张三 通过协议控制"},
		{"G1", "G1", "该主体没有控制人"},
	}
	for _, tc := range cases {
		resp, body := e.get(c, "/groups/"+tc.group+"?path="+tc.path)
		if resp.StatusCode != 200 || !strings.Contains(body, tc.want) {
			t.Errorf("path of %s: %d, lacks %q", tc.path, resp.StatusCode, tc.want)
		}
	}
	for path, status := range map[string]int{"/groups/NOPE": 404, "/groups/C1": 404, "/groups/G1?path=C2": 404, "/groups/G1?page=0": 400} {
		if resp, _ := e.get(c, path); resp.StatusCode != status {
			t.Errorf("GET %s: %d, want %d", path, resp.StatusCode, status)
		}
	}
	// In English.
	if _, err := e.db.CreateUser(context.Background(), kamp.User{Login: "eng", Name: "English reader", Role: kamp.RoleRisk, Lang: LangEN}, testPassword); err != nil {
		t.Fatal(err)
	}
	en := e.client()
	e.login(en, "eng")
	_, body = e.get(en, "/groups/G1?path=C1")
	for _, w := range []string{"华能集团有限公司 controls 华能国际电力股份有限公司: 华能集团有限公司 holds 50.1235%", "Large exposure", "Headroom"} {
		if !strings.Contains(body, w) {
			t.Errorf("English group page lacks %q", w)
		}
	}
	// The entity page names the group.
	if _, body := e.get(c, "/entities/C1"); !strings.Contains(body, `<a href="/groups/G1">华能集团有限公司</a>`) {
		t.Errorf("entity page of C1 does not link its group")
	}
	if _, body := e.get(c, "/entities/N1"); strings.Contains(body, `href="/groups/`) {
		t.Errorf("entity page of N1 links a group")
	}
}

func TestGroupGraph(t *testing.T) {
	e, c := groupEnv(t)
	resp, body := e.get(c, "/groups/G1/graph.json")
	if resp.StatusCode != 200 {
		t.Fatalf("graph: %d %s", resp.StatusCode, body)
	}
	var g groupGraph
	if err := json.Unmarshal([]byte(body), &g); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, n := range g.Nodes {
		ids = append(ids, n.ID)
	}
	if g.Total != 2 || g.Truncated || !slices.Equal(ids, []string{"G1", "C1"}) || !g.Nodes[0].Root || g.Nodes[1].Exposure != "5007100.0007" {
		t.Errorf("graph nodes %+v", g)
	}
	if len(g.Edges) != 1 || g.Edges[0] != (graphEdge{Source: "G1", Target: "C1", SharePct: "50.123456"}) {
		t.Errorf("graph edges %+v", g.Edges)
	}
	if g.Labels.Title == "" || g.Labels.Client == "" {
		t.Errorf("graph labels %+v", g.Labels)
	}
	if resp, _ := e.get(e.client(), "/groups/G1/graph.json"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("anonymous graph: %d, want a redirect to sign in", resp.StatusCode)
	}
}

func TestAPIGroups(t *testing.T) {
	e, _ := groupEnv(t)
	tok := e.bearer("bot", kamp.RoleRisk)
	get := func(path string, v any) int {
		t.Helper()
		resp, body := e.api(tok, "GET", path, nil, nil)
		if resp.StatusCode == 200 && v != nil {
			if err := json.Unmarshal([]byte(body), v); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
		}
		return resp.StatusCode
	}
	var list apiList[apiGroup]
	if st := get("/api/v1/groups?limit=1", &list); st != 200 || len(list.Items) != 1 || list.NextCursor == "" {
		t.Fatalf("first page: %d %+v", st, list)
	}
	first := list.Items[0]
	if first.GroupID != "G1" || first.Exposure != "5007100.0007" || first.Headroom == nil || *first.Headroom != "992899.9993" ||
		first.Status != "large" || first.LimitPct != "20" || first.Currency != "CNY" || first.Members != 2 {
		t.Errorf("G1 in the list: %+v", first)
	}
	if st := get("/api/v1/groups?limit=1&cursor="+url.QueryEscape(list.NextCursor), &list); st != 200 || len(list.Items) != 1 || list.Items[0].GroupID != "P1" || list.NextCursor != "" {
		t.Errorf("second page: %d %+v", st, list)
	}
	if st := get("/api/v1/groups?status=breach", &list); st != 200 || len(list.Items) != 0 {
		t.Errorf("breaches: %d %+v", st, list)
	}
	var g apiGroup
	if st := get("/api/v1/groups/P1", &g); st != 200 || g.RootKind != "person" || g.Exposure != "0" || g.Status != "ok" {
		t.Errorf("P1: %d %+v", st, g)
	}
	var members apiList[apiMember]
	if st := get("/api/v1/groups/G1/members?limit=1", &members); st != 200 || len(members.Items) != 1 || members.Items[0].EntityID != "G1" || members.NextCursor == "" {
		t.Fatalf("members page 1: %d %+v", st, members)
	}
	if st := get("/api/v1/groups/G1/members?cursor="+url.QueryEscape(members.NextCursor), &members); st != 200 || len(members.Items) != 1 ||
		members.Items[0] != (apiMember{EntityID: "C1", Name: "华能国际电力股份有限公司", Kind: "company", IsClient: true, ControllerID: "G1", UltimateID: "G1", Depth: 1, Currency: "CNY", Exposure: "5007100.0007"}) {
		t.Errorf("members page 2: %d %+v", st, members)
	}
	for path, status := range map[string]int{"/api/v1/groups/NOPE": 404, "/api/v1/groups/NOPE/members": 404, "/api/v1/groups?cursor=@@": 400,
		"/api/v1/groups?limit=5000": 400, "/api/v1/groups?max_size=-1": 400} {
		if st := get(path, nil); st != status {
			t.Errorf("GET %s: %d, want %d", path, st, status)
		}
	}
	if resp, _ := e.get(e.client(), "/api/v1/groups"); resp.StatusCode != 401 {
		t.Errorf("anonymous: %d, want 401", resp.StatusCode)
	}
}

// TestRecomputeInBackground checks the server's background recompute: it
// runs, the list shows its result, and a request while it runs queues one
// more.
func TestRecomputeInBackground(t *testing.T) {
	e := newEnv(t, Config{})
	e.seed()
	e.srv.RecomputeGroups()
	e.srv.RecomputeGroups()
	deadline := time.Now().Add(20 * time.Second)
	for e.srv.groups.state().Running {
		if time.Now().After(deadline) {
			t.Fatal("the recompute did not finish")
		}
		time.Sleep(10 * time.Millisecond)
	}
	runs, _, err := e.db.GroupRuns(context.Background(), 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) < 1 || len(runs) > 2 || runs[0].Status != "done" || runs[0].Tier1 != 0 {
		t.Errorf("runs %+v", runs)
	}
	if st := e.srv.groups.state(); st.Failed != "" {
		t.Errorf("failed: %s", st.Failed)
	}
	e.user("ana", kamp.RoleAnalyst)
	c := e.client()
	e.login(c, "ana")
	_, body := e.get(c, "/groups")
	if !strings.Contains(body, "计算批次记录") || !strings.Contains(body, "<td>完成</td>") {
		t.Errorf("list lacks the run history")
	}
	if !strings.Contains(body, "最近一次计算") || !strings.Contains(body, "未配置一级资本净额") || !strings.Contains(body, "未判断") {
		t.Errorf("list after a recompute without tier-1 capital lacks the run or the note")
	}
}

func TestImportAffectsGroups(t *testing.T) {
	f := func(kind string, loaded int, skipped bool) kamp.ImportFile {
		return kamp.ImportFile{Kind: kind, Loaded: loaded, Skipped: skipped}
	}
	cases := []struct {
		name string
		b    kamp.ImportBatch
		want bool
	}{
		{"ownership", kamp.ImportBatch{Status: kamp.ImportLoaded, Files: []kamp.ImportFile{f("ownership", 3, false)}}, true},
		{"partial exposures", kamp.ImportBatch{Status: kamp.ImportPartial, Files: []kamp.ImportFile{f("exposures", 1, false)}}, true},
		{"metrics only", kamp.ImportBatch{Status: kamp.ImportLoaded, Files: []kamp.ImportFile{f("metrics", 3, false)}}, false},
		{"skipped", kamp.ImportBatch{Status: kamp.ImportLoaded, Files: []kamp.ImportFile{f("entities", 3, true)}}, false},
		{"rejected", kamp.ImportBatch{Status: kamp.ImportRejected, Files: []kamp.ImportFile{f("entities", 3, false)}}, false},
	}
	for _, c := range cases {
		if got := importAffectsGroups(c.b); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// TestUploadRecomputesGroups checks that a web import of ownership starts a
// recompute whose results appear without any other step.
func TestUploadRecomputesGroups(t *testing.T) {
	e := newEnv(t, Config{Tier1: seedTier1})
	e.user("ana", kamp.RoleAnalyst)
	c := e.client()
	e.login(c, "ana")
	resp, body := e.upload(c, false, [][2]string{{"entities.csv", seedFiles["entities.csv"]}, {"ownership.csv", seedFiles["ownership.csv"]}})
	m := importLocation.FindStringSubmatch(resp.Header.Get("Location"))
	if m == nil {
		t.Fatalf("upload: %d\n%s", resp.StatusCode, body)
	}
	if b := e.waitImport(m[1]); b.Status != kamp.ImportLoaded {
		t.Fatalf("import %+v", b)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		run, err := e.db.LatestGroupRun(context.Background())
		if err == nil {
			if run.Groups != 2 || run.Tier1 != seedTier1 {
				t.Errorf("run %+v", run)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no group run after the import: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if resp, _ := e.get(c, "/groups/G1"); resp.StatusCode != 200 {
		t.Errorf("group page after the import: %d", resp.StatusCode)
	}
}

// FuzzParseGroupQuery checks that any query string either fails with
// EINVALID or gives a query whose URL parses back to the same filter.
func FuzzParseGroupQuery(f *testing.F) {
	for _, s := range []string{"", "min_size=2&max_size=10", "status=breach&has_cycle=1&sort=-exposure&page=3",
		"min_depth=x", "has_conflict=maybe", "sort=name", "page=0", "max_depth=99999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, filter, err := parseGroupQuery(v)
		if err != nil {
			if kamp.ErrorCode(err) != kamp.EINVALID {
				t.Fatalf("%q: %v is not EINVALID", raw, err)
			}
			return
		}
		u, err := url.Parse(q.url())
		if err != nil {
			t.Fatalf("%q: url %q: %v", raw, q.url(), err)
		}
		q2, filter2, err := parseGroupQuery(u.Query())
		if err != nil || q2 != q || !sameFilter(filter, filter2) {
			t.Fatalf("%q: round trip %+v → %+v (%v)", raw, q, q2, err)
		}
	})
}

func sameFilter(a, b store.GroupFilter) bool {
	eq := func(x, y *bool) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return eq(a.HasCycle, b.HasCycle) && eq(a.HasConflict, b.HasConflict) &&
		a.MinSize == b.MinSize && a.MaxSize == b.MaxSize && a.MinDepth == b.MinDepth && a.MaxDepth == b.MaxDepth &&
		a.Status == b.Status && a.Sort == b.Sort
}

// TestControlPathFromStateBody checks the control path of a group root
// whose controller is a state body outside the group.
func TestControlPathFromStateBody(t *testing.T) {
	e := newEnv(t, Config{})
	files := map[string]string{
		"entities.csv":  "id,name,kind,country,is_client\nS,某省国资委,state,CN,0\nR,能源集团,company,CN,1\nX,电力公司,company,CN,1\nY,煤业公司,company,CN,1\n",
		"ownership.csv": "holder_id,entity_id,share_pct,control\nS,R,100,\nR,X,60,\nR,Y,30,\nX,Y,25,\n",
	}
	if res, err := ingest.Run(context.Background(), e.db, writeFiles(t, files), ingest.Options{By: "test"}); err != nil || res.Batch.Status != kamp.ImportLoaded {
		t.Fatalf("import: %v %+v", err, res.Errors)
	}
	if _, err := grouping.Recompute(context.Background(), e.db, 0, control.CN2018, nil); err != nil {
		t.Fatal(err)
	}
	e.user("ana", kamp.RoleAnalyst)
	c := e.client()
	e.login(c, "ana")
	for path, want := range map[string]string{
		"/groups/R?path=R": "某省国资委 控制 能源集团：某省国资委 持有 100%",
		"/groups/R?path=Y": "能源集团 控制 煤业公司：能源集团 持有 30%，能源集团 控制的 电力公司 持有 25%，合计 55%",
		"/groups/R?path=X": "能源集团 控制 电力公司：能源集团 持有 60%",
	} {
		resp, body := e.get(c, path)
		if resp.StatusCode != 200 || !strings.Contains(body, want) {
			t.Errorf("GET %s: %d, lacks %q", path, resp.StatusCode, want)
		}
	}
}
