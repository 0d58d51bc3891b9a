package web

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/store"
)

// auditEvents returns the whole trail, newest first.
func (e *env) auditEvents(f store.AuditFilter) []kamp.AuditEvent {
	e.t.Helper()
	evs, _, err := e.db.AuditEvents(context.Background(), f, store.MaxLimit, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return evs
}

func TestAuditAccess(t *testing.T) {
	e := newEnv(t, Config{})
	tests := []struct {
		role   string
		status int
		nav    bool
	}{
		{kamp.RoleAdmin, http.StatusOK, true},
		{kamp.RoleAuditor, http.StatusOK, true},
		{kamp.RoleAnalyst, http.StatusForbidden, false},
		{kamp.RoleBranchRM, http.StatusForbidden, false},
		{kamp.RoleRisk, http.StatusForbidden, false},
	}
	for _, tt := range tests {
		login := "u-" + tt.role
		tok := e.bearer(login, tt.role)
		c := e.client()
		e.login(c, login)
		resp, body := e.get(c, "/audit")
		if resp.StatusCode != tt.status {
			t.Errorf("%s: GET /audit %d, want %d", tt.role, resp.StatusCode, tt.status)
		}
		if tt.status == http.StatusForbidden && !strings.Contains(body, T(LangZH, "error.forbidden")) {
			t.Errorf("%s: the 403 page does not say why", tt.role)
		}
		_, home := e.get(c, "/")
		nav := regexp.MustCompile(`<nav class="rail"[\s\S]*?</nav>`).FindString(home)
		if strings.Contains(nav, `href="/audit"`) != tt.nav {
			t.Errorf("%s: audit entry in the navigation = %v, want %v", tt.role, !tt.nav, tt.nav)
		}
		if tt.nav && strings.Index(nav, "审计") < strings.Index(nav, "工作台") {
			t.Errorf("%s: audit entry out of order: %s", tt.role, nav)
		}
		resp, body = e.api(tok, "GET", "/api/v1/audit", nil, nil)
		if resp.StatusCode != tt.status {
			t.Errorf("%s: GET /api/v1/audit %d, want %d", tt.role, resp.StatusCode, tt.status)
		}
		if tt.status == http.StatusForbidden {
			checkErrorJSON(t, body, kamp.EFORBIDDEN)
		}
	}
	resp, body := e.get(e.client(), "/api/v1/audit")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous API: %d", resp.StatusCode)
	}
	checkErrorJSON(t, body, kamp.EUNAUTHORIZED)
	if resp, _ := e.get(e.client(), "/audit"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("anonymous page: %d", resp.StatusCode)
	}
}

func TestSignInsAudited(t *testing.T) {
	e := newEnv(t, Config{})
	ana := e.user("ana", kamp.RoleAnalyst)
	c := e.client()
	token := e.csrf(c, "/login")
	for _, login := range []string{"ana", "nobody\x00\xff"} {
		resp, _ := e.postForm(c, "/login", url.Values{"csrf": {token}, "login": {login}, "password": {"wrong password"}})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("bad login %q: %d", login, resp.StatusCode)
		}
	}
	e.login(c, "ana")
	resp, _ := e.postForm(c, "/logout", url.Values{"csrf": {e.csrf(c, "/")}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	evs := e.auditEvents(store.AuditFilter{Action: "user."})
	want := []struct{ action, actor, object string }{
		{kamp.AuditLogout, "ana", ana.ID},
		{kamp.AuditLogin, "ana", ana.ID},
		{kamp.AuditLoginFailed, "nobody\uFFFD\uFFFD", ""},
		{kamp.AuditLoginFailed, "ana", ""},
		{kamp.AuditUserCreated, kamp.ActorSystem, ana.ID},
	}
	if len(evs) != len(want) {
		t.Fatalf("%d events, want %d: %+v", len(evs), len(want), evs)
	}
	for i, w := range want {
		ev := evs[i]
		if ev.Action != w.action || ev.Actor != w.actor || ev.ObjectID != w.object {
			t.Errorf("event %d: %s by %q on %q; want %s by %q on %q", i, ev.Action, ev.Actor, ev.ObjectID, w.action, w.actor, w.object)
		}
		if w.action != kamp.AuditUserCreated && !strings.Contains(ev.After, `"remote_addr":"127.0.0.1"`) {
			t.Errorf("event %d: no remote address in %s", i, ev.After)
		}
		if strings.Contains(ev.After, "wrong password") || strings.Contains(ev.After, testPassword) {
			t.Errorf("event %d records a password: %s", i, ev.After)
		}
	}
}

func TestExportAudited(t *testing.T) {
	e := newEnv(t, Config{})
	e.seed()
	e.user("ana", kamp.RoleAnalyst)
	c := e.client()
	e.login(c, "ana")
	for _, format := range []string{"csv", "xlsx"} {
		resp, _ := e.get(c, "/entities?q=%E5%8D%8E%E8%83%BD&kind=company&page=2&format="+format)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("export %s: %d", format, resp.StatusCode)
		}
	}
	evs := e.auditEvents(store.AuditFilter{Action: kamp.AuditExport})
	if len(evs) != 2 {
		t.Fatalf("%d export events, want 2", len(evs))
	}
	for i, format := range []string{"xlsx", "csv"} {
		var after map[string]string
		if err := json.Unmarshal([]byte(evs[i].After), &after); err != nil {
			t.Fatal(err)
		}
		if evs[i].Actor != "ana" || evs[i].ObjectType != "entities" || after["format"] != format ||
			after["filter"] != "kind=company&q=%E5%8D%8E%E8%83%BD" {
			t.Errorf("export event %d: %+v, after %v", i, evs[i], after)
		}
	}
	// A failed query sends no file and records no export.
	if resp, _ := e.get(c, "/entities?sort=evil&format=csv"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad export: %d", resp.StatusCode)
	}
	if n := len(e.auditEvents(store.AuditFilter{Action: kamp.AuditExport})); n != 2 {
		t.Errorf("%d export events after a refused export, want 2", n)
	}
}

func TestAuditPage(t *testing.T) {
	e := newEnv(t, Config{})
	e.user("aud", kamp.RoleAuditor) // event 1
	ctx := context.Background()
	for i := 0; i < 55; i++ {
		after := fmt.Sprintf(`{"i":%d}`, i)
		if i == 7 {
			after = `{"files":[{"name":"entities.csv","sha256":"` + strings.Repeat("ab", 32) + `"}]}`
		}
		if err := e.db.Audit(ctx, kamp.AuditEvent{Actor: fmt.Sprintf("rm%d", i%2), Action: kamp.AuditImportLoaded,
			ObjectType: "import", ObjectID: fmt.Sprintf("B%d", i), After: after}); err != nil {
			t.Fatal(err)
		}
	}
	c := e.client()
	e.login(c, "aud") // event 57
	tests := []struct {
		path     string
		status   int
		contains []string
		absent   []string
	}{
		{"/audit", 200, []string{"共 57 个事件", "导入完成", "导入批次", "<code>B54</code>", `href="/audit?actor=rm0"`, "第 1 / 2 页", "登录",
			`href="/audit?page=2"`, `href="/audit?verify=1"`}, []string{`href="/imports/B54"`}},
		{"/audit?page=2", 200, []string{"<code>B0</code>", "新增用户"}, []string{"<code>B54</code>"}},
		{"/audit?actor=rm1", 200, []string{"共 27 个事件", "<code>B53</code>"}, []string{"<code>B54</code>"}},
		{"/audit?action=user.login", 200, []string{"共 1 个事件", `<option value="user.login" selected>`}, []string{"<code>B1</code>"}},
		{"/audit?action=user.", 200, []string{"共 2 个事件"}, nil},
		{"/audit?actor=nobody", 200, []string{T(LangZH, "audit.empty")}, nil},
		{"/audit?actor=rm0&verify=1", 200, []string{"哈希链完整：57 个事件均未被篡改。", "共 28 个事件"}, nil},
		{"/audit?page=0", 400, nil, nil},
		{"/audit?verify=yes", 400, nil, nil},
		{"/audit?actor=" + url.QueryEscape("a\x01b"), 400, nil, nil},
	}
	for _, tt := range tests {
		resp, body := e.get(c, tt.path)
		if resp.StatusCode != tt.status {
			t.Errorf("%s: status %d, want %d", tt.path, resp.StatusCode, tt.status)
		}
		for _, s := range tt.contains {
			if !strings.Contains(body, s) {
				t.Errorf("%s lacks %q", tt.path, s)
			}
		}
		for _, s := range tt.absent {
			if strings.Contains(body, s) {
				t.Errorf("%s has %q", tt.path, s)
			}
		}
	}
	// A long after folds, indented.
	_, body := e.get(c, "/audit?actor=rm1")
	if !strings.Contains(body, "<details><summary>展开（") || !strings.Contains(body, "\n  &#34;files&#34;: [") {
		t.Errorf("long JSON is not folded and indented")
	}
}

// auditEnv is a server over a SQLite file the test can also edit directly.
func auditEnv(t *testing.T) (*env, string) {
	t.Helper()
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "kamp.db")
	db, err := store.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	srv, err := New(Config{DataDir: filepath.Join(dir, "data"), Version: "test"}, db, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		ts.Close()
		srv.Close()
	})
	return &env{t: t, db: db, srv: srv, ts: ts, logs: &syncBuffer{}, dir: dir}, path
}

// TestAuditPageShowsTampering edits the trail behind kamp's back and
// checks that the page's verification names the event, in both languages.
func TestAuditPageShowsTampering(t *testing.T) {
	e, path := auditEnv(t)
	e.user("adm", kamp.RoleAdmin) // event 1
	e.user("x1", kamp.RoleAnalyst)
	e.user("x2", kamp.RoleAnalyst)
	c := e.client()
	e.login(c, "adm") // event 4
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE audit_events SET after = '{"login":"mallory"}' WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	_, body := e.get(c, "/audit?verify=1")
	if !strings.Contains(body, "哈希链在第 2 号事件处断开："+T(LangZH, "audit.broken.hash")) || !strings.Contains(body, "此前的 1 个事件完好") {
		t.Errorf("verification does not name event 2:\n%s", body)
	}
	if _, err := raw.Exec(`DELETE FROM audit_events WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	e.postForm(c, "/lang", url.Values{"csrf": {e.csrf(c, "/audit")}, "lang": {LangEN}, "next": {"/audit"}})
	_, body = e.get(c, "/audit?verify=1")
	if !strings.Contains(body, "The chain is broken at event 2: the event is missing (deleted).") {
		t.Errorf("English verification does not name event 2:\n%s", body)
	}
}

func TestAPIAudit(t *testing.T) {
	e := newEnv(t, Config{})
	tok := e.bearer("aud", kamp.RoleAuditor) // events 1, 2
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		if err := e.db.Audit(ctx, kamp.AuditEvent{Actor: "li.na", Action: kamp.AuditExport, ObjectType: "entities",
			Before: map[bool]string{true: "", false: `{"b":1}`}[i%2 == 0], After: fmt.Sprintf(`{"n":%d}`, i)}); err != nil {
			t.Fatal(err)
		}
	}
	// Page through everything two at a time.
	var seqs []int64
	cursor := ""
	for page := 0; page < 10; page++ {
		path := "/api/v1/audit?limit=2"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		resp, body := e.api(tok, "GET", path, nil, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
		var out struct {
			Items []struct {
				Seq       int64           `json:"seq"`
				At        string          `json:"at"`
				Action    string          `json:"action"`
				Before    json.RawMessage `json:"before"`
				After     json.RawMessage `json:"after"`
				Hash      string          `json:"hash"`
				PrevHash  string          `json:"prev_hash"`
				ObjectTyp string          `json:"object_type"`
			} `json:"items"`
			NextCursor *string `json:"next_cursor"`
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil || out.NextCursor == nil {
			t.Fatalf("%s: %v\n%s", path, err, body)
		}
		for _, it := range out.Items {
			seqs = append(seqs, it.Seq)
			if len(it.Hash) != 64 || !strings.HasSuffix(it.At, "Z") || len(it.At) != len("2006-01-02T15:04:05.000000Z") {
				t.Errorf("item %d: hash %q at %q", it.Seq, it.Hash, it.At)
			}
			if it.Action == kamp.AuditExport && (string(it.After) == "null" || (string(it.Before) != "null" && string(it.Before) != `{"b":1}`)) {
				t.Errorf("item %d: before %s after %s", it.Seq, it.Before, it.After)
			}
		}
		cursor = *out.NextCursor
		if cursor == "" {
			break
		}
	}
	if !reflect.DeepEqual(seqs, []int64{7, 6, 5, 4, 3, 2, 1}) {
		t.Errorf("paged seqs %v", seqs)
	}
	tests := []struct {
		query  string
		status int
		count  int
	}{
		{"action=export", 200, 5},
		{"action=token.", 200, 1},
		{"actor=li.na&object_type=entities", 200, 5},
		{"object_type=user", 200, 1},
		{"actor=nobody", 200, 0},
		{"limit=0", 400, 0},
		{"limit=1001", 400, 0},
		{"cursor=bm9wZQ", 400, 0},
		{"cursor=" + encodeCursor("s:0"), 400, 0},
		{"actor=" + url.QueryEscape("a\nb"), 400, 0},
	}
	for _, tt := range tests {
		resp, body := e.api(tok, "GET", "/api/v1/audit?"+tt.query, nil, nil)
		if resp.StatusCode != tt.status {
			t.Errorf("%s: %d, want %d: %s", tt.query, resp.StatusCode, tt.status, body)
			continue
		}
		if tt.status != 200 {
			checkErrorJSON(t, body, kamp.EINVALID)
			continue
		}
		var out struct {
			Items []json.RawMessage `json:"items"`
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil || len(out.Items) != tt.count {
			t.Errorf("%s: %d items, want %d (%v)", tt.query, len(out.Items), tt.count, err)
		}
	}
}

func TestAttemptedLogin(t *testing.T) {
	tests := []struct{ in, want string }{
		{"li.na", "li.na"},
		{"王伟", "王伟"},
		{"a\x00b", "a\uFFFDb"},
		{"bad\xffutf8", "bad\uFFFDutf8"},
		{"tab\there", "tab\uFFFDhere"},
		{strings.Repeat("a", 200), strings.Repeat("a", 128) + "…"},
		{strings.Repeat("中", 50), strings.Repeat("中", 42) + "…"},
	}
	for _, tt := range tests {
		if got := attemptedLogin(tt.in); got != tt.want {
			t.Errorf("attemptedLogin(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseAuditQuery(t *testing.T) {
	tests := []struct {
		raw  string
		want auditQuery
		ok   bool
	}{
		{"", auditQuery{Page: 1}, true},
		{"action=user.login&actor=+li.na+&page=3&verify=1", auditQuery{Action: "user.login", Actor: "li.na", Page: 3, Verify: true}, true},
		{"page=0", auditQuery{}, false},
		{"page=x", auditQuery{}, false},
		{"verify=2", auditQuery{}, false},
		{"actor=" + strings.Repeat("a", 201), auditQuery{}, false},
		{"action=%FF", auditQuery{}, false},
	}
	for _, tt := range tests {
		v, _ := url.ParseQuery(tt.raw)
		got, err := parseAuditQuery(v)
		if (err == nil) != tt.ok {
			t.Errorf("%q: error %v, want ok=%v", tt.raw, err, tt.ok)
			continue
		}
		if tt.ok && got != tt.want {
			t.Errorf("%q: %+v, want %+v", tt.raw, got, tt.want)
		}
		if !tt.ok && kamp.ErrorCode(err) != kamp.EINVALID {
			t.Errorf("%q: code %s", tt.raw, kamp.ErrorCode(err))
		}
	}
}

// FuzzParseAuditQuery checks that any query string either fails with
// EINVALID or parses to a query whose URL parses back to the same query.
func FuzzParseAuditQuery(f *testing.F) {
	for _, s := range []string{"", "action=user.&actor=li.na&page=2&verify=1", "page=-1", "actor=%00", "action=" + strings.Repeat("x", 300),
		"actor=%E4%B8%AD&page=1000000", "verify=1&verify=0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := parseAuditQuery(v)
		if err != nil {
			if kamp.ErrorCode(err) != kamp.EINVALID {
				t.Fatalf("%q: %v", raw, err)
			}
			return
		}
		if !utf8.ValidString(q.Actor) || len(q.Actor) > maxAuditParam || q.Page < 1 {
			t.Fatalf("%q: accepted %+v", raw, q)
		}
		u, err := url.Parse(q.url())
		if err != nil {
			t.Fatalf("%q: url %q: %v", raw, q.url(), err)
		}
		back, err := parseAuditQuery(u.Query())
		if err != nil || back != q {
			t.Fatalf("%q: %+v → %q → %+v, %v", raw, q, q.url(), back, err)
		}
	})
}

// FuzzAuditCursor checks that no cursor but one made from a positive seq is
// accepted.
func FuzzAuditCursor(f *testing.F) {
	for _, s := range []string{encodeCursor("s:12"), encodeCursor("s:0"), encodeCursor("o:5"), "", "!!", encodeCursor("s:-3")} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, c string) {
		n, err := auditCursor(c)
		if err != nil {
			if kamp.ErrorCode(err) != kamp.EINVALID {
				t.Fatalf("%q: %v", c, err)
			}
			return
		}
		if n < 1 || encodeCursor(fmt.Sprintf("s:%d", n)) != c {
			t.Fatalf("%q accepted as %d", c, n)
		}
	})
}
