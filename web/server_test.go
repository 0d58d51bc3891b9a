package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/ingest"
	"github.com/kampbank/kamp/store"
	"github.com/kampbank/kamp/store/storetest"
)

// testPassword is every test user's password.
const testPassword = "correct horse battery"

// syncBuffer is a log sink tests can read.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// env is a running server over a fresh SQLite store.
type env struct {
	t    testing.TB
	db   *store.DB
	srv  *Server
	ts   *httptest.Server
	logs *syncBuffer
	dir  string
}

// newEnv starts a server for a test and marks the test parallel: every env
// has its own database and folders.
func newEnv(t testing.TB, cfg Config) *env {
	t.Helper()
	if tt, ok := t.(*testing.T); ok {
		tt.Parallel()
	}
	return newEnvDB(t, cfg, storetest.SQLite(t))
}

// newEnvDB is newEnv over db, for tests that run on both engines.
func newEnvDB(t testing.TB, cfg Config, db *store.DB) *env {
	t.Helper()
	dir := t.TempDir()
	if cfg.DataDir == "" {
		cfg.DataDir = filepath.Join(dir, "data")
	}
	if cfg.Version == "" {
		cfg.Version = "test"
	}
	logs := &syncBuffer{}
	srv, err := New(cfg, db, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
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

// user creates a user with role.
func (e *env) user(login, role string) kamp.User {
	e.t.Helper()
	u, err := e.db.CreateUser(context.Background(), kamp.User{Login: login, Name: "Name of " + login, Role: role}, testPassword)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// client returns a browser-like client with a cookie jar that does not
// follow redirects.
func (e *env) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// do sends a request and returns the response with its body read.
func (e *env) do(c *http.Client, req *http.Request) (*http.Response, string) {
	e.t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, string(body)
}

func (e *env) get(c *http.Client, path string) (*http.Response, string) {
	e.t.Helper()
	req, err := http.NewRequest("GET", e.ts.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.do(c, req)
}

func (e *env) postForm(c *http.Client, path string, form url.Values) (*http.Response, string) {
	e.t.Helper()
	req, err := http.NewRequest("POST", e.ts.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return e.do(c, req)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf returns the CSRF token of the forms on the page at path.
func (e *env) csrf(c *http.Client, path string) string {
	e.t.Helper()
	resp, body := e.get(c, path)
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		e.t.Fatalf("GET %s (%d): no csrf field in\n%s", path, resp.StatusCode, body)
	}
	return m[1]
}

// login signs c in as login and checks that it worked.
func (e *env) login(c *http.Client, login string) {
	e.t.Helper()
	token := e.csrf(c, "/login")
	resp, body := e.postForm(c, "/login", url.Values{"csrf": {token}, "login": {login}, "password": {testPassword}, "next": {"/"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		e.t.Fatalf("login %s: %d %s\n%s", login, resp.StatusCode, resp.Header.Get("Location"), body)
	}
}

// writeFiles writes files into a new folder and returns their paths.
func writeFiles(t testing.TB, files map[string]string) []string {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

// seedFiles is a small bank: a group with two companies, a person and a
// non-client, with holdings, metrics in two currencies and exposures.
var seedFiles = map[string]string{
	"fx.csv": "date,currency,rate\n2026-01-01,USD,7.1\n",
	"entities.csv": "id,name,kind,country,industry,branch,is_client\n" +
		"G1,华能集团有限公司,company,CN,D44,BJ01,1\n" +
		"C1,华能国际电力股份有限公司,company,CN,D4411,BJ01,1\n" +
		"C2,\"Kunlun Energy, Ltd.\",company,HK,C,SH02,1\n" +
		"P1,张三,person,CN,,,0\n" +
		"N1,非客户公司,company,CN,C3612,SH02,0\n",
	"ownership.csv": "holder_id,entity_id,share_pct,control,as_of\n" +
		"G1,C1,50.123456,,2025-12-31\n" +
		"P1,C1,10,,\n" +
		"P1,C2,,agreement,\n",
	"metrics.csv": "client_id,period,currency,deposits_avg,loans_avg,revenue,fee_income,esg_score\n" +
		"C1,2026-01,,1234567890.5,20000000,-1234.5678,100,88.5\n" +
		"C1,2025-12,CNY,5000,,,,\n" +
		"C1,2026-01,USD,100,,,,\n",
	"exposures.csv": "client_id,facility_id,product,currency,amount,as_of\n" +
		"C1,FAC-1,loan,,5000000,2026-01-31\n" +
		"C1,FAC-2,bond,USD,1000.0001,2026-01-31\n",
}

// seed imports seedFiles.
func (e *env) seed() {
	e.t.Helper()
	res, err := ingest.Run(context.Background(), e.db, writeFiles(e.t, seedFiles), ingest.Options{By: "test"})
	if err != nil {
		e.t.Fatal(err)
	}
	if res.Batch.Status != kamp.ImportLoaded {
		e.t.Fatalf("seed import %s: %+v", res.Batch.Status, res.Errors)
	}
}

func TestHealthz(t *testing.T) {
	e := newEnv(t, Config{})
	resp, body := e.get(http.DefaultClient, "/healthz")
	if resp.StatusCode != 200 || strings.TrimSpace(body) != "ok" {
		t.Errorf("healthz: %d %q", resp.StatusCode, body)
	}
	e.db.Close()
	resp, body = e.get(http.DefaultClient, "/healthz")
	if resp.StatusCode != http.StatusServiceUnavailable || strings.Contains(body, "sql") {
		t.Errorf("healthz with a closed database: %d %q", resp.StatusCode, body)
	}
}

func TestSecureHeaders(t *testing.T) {
	e := newEnv(t, Config{SecureCookies: true})
	for _, path := range []string{"/login", "/healthz", "/entities", "/api/v1/entities", "/no/such/page", e.srv.assets.URL("app.css")} {
		resp, _ := e.get(e.client(), path)
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP allows inline code: %q", path, csp)
		}
		checks := map[string]string{
			"X-Content-Type-Options":    "nosniff",
			"X-Frame-Options":           "DENY",
			"Referrer-Policy":           "same-origin",
			"Strict-Transport-Security": "max-age=31536000",
		}
		for k, v := range checks {
			if h.Get(k) != v {
				t.Errorf("%s: %s = %q, want %q", path, k, h.Get(k), v)
			}
		}
		if len(h.Get("X-Request-Id")) != 12 {
			t.Errorf("%s: X-Request-Id %q", path, h.Get("X-Request-Id"))
		}
	}
}

// TestNoInlineCode checks that no template has inline scripts, style
// attributes or style elements, which the CSP would block.
func TestNoInlineCode(t *testing.T) {
	re := regexp.MustCompile(`(?i)<script(\s[^>]*)?>\s*[^<\s]|\sstyle=|<style|\son[a-z]+=|hx-on`)
	e := newEnv(t, Config{})
	e.user("ana", kamp.RoleAdmin)
	c := e.client()
	e.login(c, "ana")
	e.seed()
	for _, path := range []string{"/login", "/", "/entities", "/entities/C1", "/imports"} {
		cl := c
		if path == "/login" {
			cl = e.client()
		}
		_, body := e.get(cl, path)
		if m := re.FindString(body); m != "" {
			t.Errorf("%s has inline code %q", path, m)
		}
	}
}

func TestLoginLogout(t *testing.T) {
	e := newEnv(t, Config{SecureCookies: false})
	e.user("ana", kamp.RoleAnalyst)
	c := e.client()

	// Anonymous pages redirect to the login with the way back.
	resp, _ := e.get(c, "/entities?q=x")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next="+url.QueryEscape("/entities?q=x") {
		t.Fatalf("anonymous page: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}

	token := e.csrf(c, "/login")
	// Wrong password and unknown login read the same.
	var bodies []string
	for _, login := range []string{"ana", "nobody"} {
		resp, body := e.postForm(c, "/login", url.Values{"csrf": {token}, "login": {login}, "password": {"wrong password"}})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("bad login %s: status %d", login, resp.StatusCode)
		}
		if !strings.Contains(body, T(LangZH, "login.failed")) {
			t.Errorf("bad login %s: no failure message", login)
		}
		bodies = append(bodies, strings.ReplaceAll(body, `value="`+login+`"`, ""))
	}
	strip := regexp.MustCompile(`<code>[0-9a-f]{12}</code>`)
	if strip.ReplaceAllString(bodies[0], "") != strip.ReplaceAllString(bodies[1], "") {
		t.Error("the failure page tells an unknown login from a wrong password")
	}
	// Missing fields.
	resp, _ = e.postForm(c, "/login", url.Values{"csrf": {token}, "login": {"ana"}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("missing password: %d", resp.StatusCode)
	}

	// Success goes to next, and only to a local next.
	resp, _ = e.postForm(c, "/login", url.Values{"csrf": {token}, "login": {"ana"}, "password": {testPassword}, "next": {"//evil.example/x"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("login: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	var sess *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie {
			sess = ck
		}
	}
	if sess == nil || !sess.HttpOnly || sess.SameSite != http.SameSiteLaxMode || sess.Secure || sess.Path != "/" {
		t.Fatalf("session cookie %+v", sess)
	}
	resp, body := e.get(c, "/")
	if resp.StatusCode != 200 || !strings.Contains(body, "Name of ana") {
		t.Fatalf("dashboard after login: %d", resp.StatusCode)
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("signed-in page Cache-Control %q", resp.Header.Get("Cache-Control"))
	}
	// Signed in, /login goes on.
	resp, _ = e.get(c, "/login?next=/entities")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/entities" {
		t.Errorf("login page when signed in: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}

	// Logout needs the session's CSRF token.
	resp, _ = e.postForm(c, "/logout", url.Values{"csrf": {"forged"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("logout without CSRF: %d", resp.StatusCode)
	}
	resp, _ = e.postForm(c, "/logout", url.Values{"csrf": {e.csrf(c, "/")}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Errorf("logout: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// The old session token no longer works, even when replayed.
	replay := e.client()
	u, _ := url.Parse(e.ts.URL)
	replay.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: sess.Value}})
	resp, _ = e.get(replay, "/")
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("replayed session after logout: %d", resp.StatusCode)
	}
}

func TestSecureSessionCookie(t *testing.T) {
	e := newEnv(t, Config{SecureCookies: true})
	e.user("ana", kamp.RoleAnalyst)
	c := e.client()
	token := e.csrf(c, "/login")
	resp, _ := e.postForm(c, "/login", url.Values{"csrf": {token}, "login": {"ana"}, "password": {testPassword}})
	var found bool
	for _, ck := range resp.Cookies() {
		if ck.Name == secureSessionCookie {
			found = ck.Secure && ck.HttpOnly && ck.SameSite == http.SameSiteLaxMode
		}
	}
	if !found {
		t.Errorf("no Secure __Host- session cookie in %v", resp.Header.Values("Set-Cookie"))
	}
}

func TestCSRF(t *testing.T) {
	e := newEnv(t, Config{})
	e.user("ana", kamp.RoleAnalyst)

	// The login form needs the token of its cookie.
	c := e.client()
	e.csrf(c, "/login")
	resp, body := e.postForm(c, "/login", url.Values{"csrf": {"forged"}, "login": {"ana"}, "password": {testPassword}})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, T(LangZH, "csrf.failed")) {
		t.Errorf("login with a forged token: %d", resp.StatusCode)
	}
	fresh := e.client()
	resp, _ = e.postForm(fresh, "/login", url.Values{"login": {"ana"}, "password": {testPassword}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("login without a token: %d", resp.StatusCode)
	}

	e.login(c, "ana")
	// Forms of a session need the session's token.
	resp, _ = e.postForm(c, "/lang", url.Values{"lang": {"en"}, "csrf": {"forged"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("lang with a forged token: %d", resp.StatusCode)
	}
	// Uploads need it as the first field, before any file.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("files", "entities.csv")
	fw.Write([]byte("id,name\nX1,x\n"))
	mw.WriteField("csrf", e.csrf(c, "/imports"))
	mw.Close()
	req, _ := http.NewRequest("POST", e.ts.URL+"/imports", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, _ = e.do(c, req)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("upload with the token after the file: %d", resp.StatusCode)
	}
	entries, _ := os.ReadDir(filepath.Join(e.srv.cfg.DataDir, "uploads"))
	if len(entries) != 0 {
		t.Errorf("a forged upload left files: %v", entries)
	}
	// API calls by session cookie need the header.
	req, _ = http.NewRequest("POST", e.ts.URL+"/api/v1/imports", strings.NewReader(""))
	resp, body = e.do(c, req)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, `"EFORBIDDEN"`) {
		t.Errorf("API write by cookie without X-CSRF-Token: %d %s", resp.StatusCode, body)
	}
}

func TestAnonymousAPI(t *testing.T) {
	e := newEnv(t, Config{})
	for _, path := range []string{"/api/v1/entities", "/api/v1/entities/C1", "/api/v1/imports", "/api/v1/nothing"} {
		resp, body := e.get(e.client(), path)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: status %d", path, resp.StatusCode)
		}
		checkErrorJSON(t, body, kamp.EUNAUTHORIZED)
	}
	req, _ := http.NewRequest("GET", e.ts.URL+"/api/v1/entities", nil)
	req.Header.Set("Authorization", "Bearer kamp_not_a_token")
	resp, body := e.do(e.client(), req)
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("bad bearer token: %d", resp.StatusCode)
	}
	checkErrorJSON(t, body, kamp.EUNAUTHORIZED)
	// The OpenAPI document is public.
	resp, _ = e.get(e.client(), "/api/v1/openapi.json")
	if resp.StatusCode != 200 {
		t.Errorf("openapi.json: %d", resp.StatusCode)
	}
}

// checkErrorJSON checks the API error shape.
func checkErrorJSON(t *testing.T, body, code string) {
	t.Helper()
	var v map[string]map[string]any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("error body is not JSON: %v\n%s", err, body)
	}
	e, ok := v["error"]
	if !ok || len(v) != 1 {
		t.Fatalf("error body %s", body)
	}
	if e["code"] != code {
		t.Errorf("code %v, want %s", e["code"], code)
	}
	if msg, _ := e["message"].(string); msg == "" {
		t.Errorf("no message in %s", body)
	}
	if _, ok := e["details"].([]any); !ok {
		t.Errorf("details is not a list in %s", body)
	}
	for _, leak := range []string{"goroutine", "SELECT", "sql:", ".go:"} {
		if strings.Contains(body, leak) {
			t.Errorf("error body leaks %q: %s", leak, body)
		}
	}
}

// bearer returns an API token for a new user with role.
func (e *env) bearer(login, role string) string {
	u := e.user(login, role)
	tok, err := e.db.CreateAPIToken(context.Background(), u.ID, "test")
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

func (e *env) api(token, method, path string, body io.Reader, hdr map[string]string) (*http.Response, string) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.ts.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	return e.do(e.client(), req)
}

func TestAPIEntitiesPaging(t *testing.T) {
	e := newEnv(t, Config{})
	e.seed()
	tok := e.bearer("bot", kamp.RoleRisk)

	var ids []string
	cursor := ""
	for page := 0; page < 10; page++ {
		path := "/api/v1/entities?limit=2"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		resp, body := e.api(tok, "GET", path, nil, nil)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
		var out struct {
			Items      []apiEntity `json:"items"`
			NextCursor *string     `json:"next_cursor"`
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatal(err)
		}
		if out.NextCursor == nil {
			t.Fatal("next_cursor missing")
		}
		for _, it := range out.Items {
			ids = append(ids, it.ID)
		}
		cursor = *out.NextCursor
		if cursor == "" {
			break
		}
	}
	if got := strings.Join(ids, ","); got != "C1,C2,G1,N1,P1" {
		t.Errorf("paged ids %s", got)
	}

	tests := []struct {
		query  string
		status int
		ids    string
	}{
		{"q=%E5%8D%8E%E8%83%BD", 200, "C1,G1"},
		{"kind=person", 200, "P1"},
		{"is_client=false", 200, "N1,P1"},
		{"is_client=1&country=hk", 200, "C2"},
		{"branch=SH02", 200, "C2,N1"},
		{"q=C2", 200, "C2"},
		{"limit=0", 400, ""},
		{"limit=1001", 400, ""},
		{"limit=x", 400, ""},
		{"cursor=%25%25", 400, ""},
		{"kind=alien", 400, ""},
		{"is_client=maybe", 400, ""},
	}
	for _, tt := range tests {
		resp, body := e.api(tok, "GET", "/api/v1/entities?"+tt.query, nil, nil)
		if resp.StatusCode != tt.status {
			t.Errorf("%s: status %d, want %d: %s", tt.query, resp.StatusCode, tt.status, body)
			continue
		}
		if tt.status != 200 {
			checkErrorJSON(t, body, kamp.EINVALID)
			continue
		}
		var out apiList[apiEntity]
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, it := range out.Items {
			got = append(got, it.ID)
		}
		if strings.Join(got, ",") != tt.ids {
			t.Errorf("%s: ids %v, want %s", tt.query, got, tt.ids)
		}
	}
}

func TestAPIEntity(t *testing.T) {
	e := newEnv(t, Config{})
	e.seed()
	tok := e.bearer("bot", kamp.RoleRisk)
	resp, body := e.api(tok, "GET", "/api/v1/entities/C1", nil, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	if out["id"] != "C1" || out["name"] != "华能国际电力股份有限公司" || out["is_client"] != true {
		t.Errorf("entity fields: %v", out)
	}
	holders := out["holders"].([]any)
	if len(holders) != 2 {
		t.Fatalf("holders: %v", holders)
	}
	h0 := holders[0].(map[string]any)
	if h0["holder_id"] != "G1" || h0["share_pct"] != "50.123456" || h0["holder_name"] != "华能集团有限公司" {
		t.Errorf("holder: %v", h0)
	}
	metrics := out["metrics"].([]any)
	var jan map[string]any
	for _, m := range metrics {
		mm := m.(map[string]any)
		if mm["period"] == "2026-01" && mm["currency"] == "CNY" {
			jan = mm
		}
	}
	if jan == nil || jan["deposits_avg"] != "1234567890.5" || jan["revenue"] != "-1234.5678" || jan["fee_income"] != "100" ||
		jan["custom"].(map[string]any)["esg_score"] != "88.5" {
		t.Errorf("metric 2026-01 CNY: %v", jan)
	}
	exposures := out["exposures"].([]any)
	if len(exposures) != 2 {
		t.Fatalf("exposures: %v", exposures)
	}
	found := false
	for _, x := range exposures {
		xm := x.(map[string]any)
		if xm["facility_id"] == "FAC-2" {
			found = xm["amount"] == "1000.0001" && xm["currency"] == "USD"
		}
	}
	if !found {
		t.Errorf("USD exposure not exact: %v", exposures)
	}
	// Agreement control without a share: share_pct is null.
	_, body = e.api(tok, "GET", "/api/v1/entities/C2", nil, nil)
	if !strings.Contains(body, `"share_pct":null`) || !strings.Contains(body, `"control":"agreement"`) {
		t.Errorf("agreement holding: %s", body)
	}
	resp, body = e.api(tok, "GET", "/api/v1/entities/NOPE", nil, nil)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("missing entity: %d", resp.StatusCode)
	}
	checkErrorJSON(t, body, kamp.ENOTFOUND)
}

func TestAPIErrorStatuses(t *testing.T) {
	e := newEnv(t, Config{})
	tok := e.bearer("rm", kamp.RoleBranchRM)
	// A role without import rights is forbidden.
	resp, body := e.api(tok, "GET", "/api/v1/imports", nil, nil)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("branch RM on imports: %d", resp.StatusCode)
	}
	checkErrorJSON(t, body, kamp.EFORBIDDEN)
	resp, body = e.api(tok, "GET", "/api/v1/no/such/route", nil, nil)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown route: %d", resp.StatusCode)
	}
	checkErrorJSON(t, body, kamp.ENOTFOUND)

	tests := []struct {
		err    error
		status int
		code   string
		msg    string
	}{
		{kamp.Errorf(kamp.EINVALID, "bad %s", "x"), 400, kamp.EINVALID, "bad x"},
		{kamp.Errorf(kamp.EUNAUTHORIZED, "who"), 401, kamp.EUNAUTHORIZED, "who"},
		{kamp.Errorf(kamp.EFORBIDDEN, "no"), 403, kamp.EFORBIDDEN, "no"},
		{kamp.Errorf(kamp.ENOTFOUND, "none"), 404, kamp.ENOTFOUND, "none"},
		{kamp.Errorf(kamp.ECONFLICT, "taken"), 409, kamp.ECONFLICT, "taken"},
		{&kamp.Error{Code: kamp.EINVALID, Message: "rows", Details: []string{"a", "b"}}, 400, kamp.EINVALID, "rows"},
		{io.ErrUnexpectedEOF, 500, kamp.EINTERNAL, "internal error; quote request id "},
		{kamp.WrapError(kamp.EINTERNAL, io.EOF, "SELECT * FROM secrets failed"), 500, kamp.EINTERNAL, "internal error; quote request id "},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/api/v1/x", nil)
		req = req.WithContext(context.WithValue(req.Context(), keyRequestID, "rid"))
		e.srv.apiError(rec, req, tt.err)
		if rec.Code != tt.status {
			t.Errorf("%v: status %d, want %d", tt.err, rec.Code, tt.status)
		}
		var out apiErrorBody
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatal(err)
		}
		if out.Error.Code != tt.code || !strings.HasPrefix(out.Error.Message, tt.msg) || out.Error.Details == nil {
			t.Errorf("%v: body %s", tt.err, rec.Body.String())
		}
		if strings.Contains(rec.Body.String(), "SELECT") {
			t.Errorf("internal detail leaked: %s", rec.Body.String())
		}
	}
	if !strings.Contains(e.logs.String(), "SELECT * FROM secrets failed") {
		t.Error("the internal error was not logged")
	}
}

func TestPagesRender(t *testing.T) {
	e := newEnv(t, Config{})
	e.user("ana", kamp.RoleAnalyst)
	c := e.client()
	e.login(c, "ana")

	// Empty state before any data.
	_, body := e.get(c, "/")
	if !strings.Contains(body, T(LangZH, "dash.empty.body")) || !strings.Contains(body, "kamp serve --demo") {
		t.Error("dashboard lacks the empty state")
	}
	e.seed()
	_, body = e.get(c, "/")
	if strings.Contains(body, T(LangZH, "dash.empty.body")) || !strings.Contains(body, `<span class="figure-value">5</span>`) {
		t.Errorf("dashboard figures missing:\n%s", body)
	}
	// Navigation in order; analysts see imports.
	nav := regexp.MustCompile(`<nav class="rail"[\s\S]*?</nav>`).FindString(body)
	iDash, iEnt, iImp := strings.Index(nav, "工作台"), strings.Index(nav, "客户"), strings.Index(nav, "数据导入")
	if iDash < 0 || iEnt < iDash || iImp < iEnt {
		t.Errorf("navigation order: %s", nav)
	}
	if !strings.Contains(nav, `href="/" aria-current="page"`) {
		t.Errorf("dashboard not marked current: %s", nav)
	}

	tests := []struct {
		path     string
		status   int
		contains []string
		absent   []string
	}{
		{"/entities", 200, []string{"共 5 条", "华能国际电力股份有限公司", `href="/entities/C1"`, `aria-sort="ascending"`}, nil},
		{"/entities?q=%E5%8D%8E%E8%83%BD", 200, []string{"共 2 条", "华能集团有限公司"}, []string{"张三"}},
		{"/entities?kind=person", 200, []string{"共 1 条", "张三"}, []string{"华能"}},
		{"/entities?client=0&branch=SH02", 200, []string{"共 1 条", "非客户公司"}, nil},
		{"/entities?country=hk", 200, []string{"Kunlun Energy, Ltd."}, []string{"张三"}},
		{"/entities?sort=-name", 200, []string{`aria-sort="descending"`}, nil},
		{"/entities?q=nothing-matches", 200, []string{T(LangZH, "entities.empty")}, nil},
		{"/entities?sort=evil", 400, []string{T(LangZH, "error.invalid")}, []string{"cannot sort"}},
		{"/entities?page=0", 400, nil, nil},
		{"/entities/C1", 200, []string{
			"华能国际电力股份有限公司", "<code>C1</code>",
			`title="50.123456%"`, "50.1235%", // share with four decimals, exact in the tooltip
			`href="/entities/G1"`, "华能集团有限公司",
			`title="1234567890.5 CNY">12.35 <span class="unit">亿元</span>`, // deposits in 亿元
			`title="-1234.5678 CNY">-0.12 <span class="unit">万元</span>`,   // negative revenue
			`title="1000.0001 USD">0.10 <span class="unit">万 USD</span>`,  // USD exposure
			"esg_score", "2025-12",
		}, nil},
		{"/entities/C1?unit=yuan", 200, []string{`title="1234567890.5 CNY">1,234,567,890.50 <span class="unit">元</span>`}, nil},
		{"/entities/G1", 200, []string{`href="/entities/C1"`, T(LangZH, "entity.none_holders")}, nil},
		{"/entities/P1", 200, []string{T(LangZH, "entity.agreement")}, nil},
		{"/entities/NOPE", 404, []string{T(LangZH, "error.notfound"), T(LangZH, "error.request")}, nil},
		{"/no/such/page", 404, []string{T(LangZH, "error.404")}, nil},
		{"/imports", 200, []string{T(LangZH, "imports.upload"), `enctype="multipart/form-data"`}, nil},
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
}

func TestRoleNavigationAndAccess(t *testing.T) {
	e := newEnv(t, Config{})
	e.user("rm", kamp.RoleBranchRM)
	c := e.client()
	e.login(c, "rm")
	_, body := e.get(c, "/")
	if strings.Contains(body, `href="/imports"`) {
		t.Error("a branch RM sees the imports entry")
	}
	resp, body := e.get(c, "/imports")
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, T(LangZH, "error.forbidden")) {
		t.Errorf("branch RM on /imports: %d", resp.StatusCode)
	}
}

func TestLanguageSwitch(t *testing.T) {
	e := newEnv(t, Config{})
	u := e.user("ana", kamp.RoleAnalyst)

	// Anonymous: kept in a cookie.
	anon := e.client()
	token := e.csrf(anon, "/login")
	resp, _ := e.postForm(anon, "/lang", url.Values{"csrf": {token}, "lang": {"en"}, "next": {"/login"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Fatalf("lang: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body := e.get(anon, "/login")
	if !strings.Contains(body, `<html lang="en">`) || !strings.Contains(body, "Sign in") {
		t.Error("the login page is not in English after the switch")
	}
	resp, _ = e.postForm(anon, "/lang", url.Values{"csrf": {token}, "lang": {"fr"}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown language: %d", resp.StatusCode)
	}

	// Signed in: kept on the person.
	c := e.client()
	e.login(c, "ana")
	_, body = e.get(c, "/")
	if !strings.Contains(body, `<html lang="zh-CN">`) || !strings.Contains(body, "暂无数据——请导入 entities.csv，或使用演示银行启动（kamp serve --demo）。") {
		t.Error("the dashboard is not in Chinese by default")
	}
	resp, _ = e.postForm(c, "/lang", url.Values{"csrf": {e.csrf(c, "/")}, "lang": {"en"}, "next": {"/entities?q=x"}})
	if resp.Header.Get("Location") != "/entities?q=x" {
		t.Errorf("lang next: %q", resp.Header.Get("Location"))
	}
	_, body = e.get(c, "/")
	if !strings.Contains(body, "No data yet — import entities.csv or start with the demo bank (kamp serve --demo).") {
		t.Error("the dashboard is not in English after the switch")
	}
	if strings.Contains(body, "工作台") {
		t.Error("an English page shows Chinese navigation")
	}
	_, sess, err := e.db.SessionUser(context.Background(), sessionToken(t, e, c))
	if err != nil {
		t.Fatal(err)
	}
	_ = sess
	got, err := e.db.Authenticate(context.Background(), "ana", testPassword)
	if err != nil || got.Lang != LangEN || got.ID != u.ID {
		t.Errorf("the language was not kept on the person: %+v %v", got, err)
	}
}

// sessionToken returns c's session token.
func sessionToken(t *testing.T, e *env, c *http.Client) string {
	u, _ := url.Parse(e.ts.URL)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == sessionCookie {
			return ck.Value
		}
	}
	t.Fatal("no session cookie")
	return ""
}

func TestStaticAssets(t *testing.T) {
	e := newEnv(t, Config{})
	for _, name := range []string{"app.css", "vendor/htmx.min.js", "vendor/echarts.min.js", "vendor/htmx.LICENSE", "vendor/echarts.LICENSE", "vendor/VERSIONS"} {
		u := e.srv.assets.URL(name)
		if !regexp.MustCompile(`^/static/[0-9a-f]{12}/`).MatchString(u) {
			t.Errorf("%s: URL %s has no content hash", name, u)
		}
		resp, body := e.get(e.client(), u)
		if resp.StatusCode != 200 || len(body) == 0 {
			t.Errorf("%s: %d", u, resp.StatusCode)
		}
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") || !strings.Contains(cc, "max-age=31536000") {
			t.Errorf("%s: Cache-Control %q", u, cc)
		}
	}
	// gzip when asked.
	req, _ := http.NewRequest("GET", e.ts.URL+e.srv.assets.URL("vendor/htmx.min.js"), nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("Content-Type") != "text/javascript; charset=utf-8" {
		t.Errorf("htmx: encoding %q type %q", resp.Header.Get("Content-Encoding"), resp.Header.Get("Content-Type"))
	}
	// An old hash still serves, without the year of caching.
	resp, _ = e.get(e.client(), "/static/000000000000/app.css")
	if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-cache" {
		t.Errorf("old hash: %d %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	resp, _ = e.get(e.client(), "/static/000000000000/nothing.js")
	if resp.StatusCode != 404 {
		t.Errorf("missing asset: %d", resp.StatusCode)
	}
	versions, err := staticFS.ReadFile("static/vendor/VERSIONS")
	if err != nil || !regexp.MustCompile(`(?m)^htmx\.org 2\.`).Match(versions) || !regexp.MustCompile(`(?m)^echarts 5\.`).Match(versions) {
		t.Errorf("VERSIONS does not pin htmx 2.x and echarts 5.x: %s", versions)
	}
}

func TestPanicIsContained(t *testing.T) {
	e := newEnv(t, Config{})
	h := e.srv.recoverer(e.srv.withRequestID(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("boom in SELECT")
	})))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "boom") || strings.Contains(rec.Body.String(), "goroutine") {
		t.Errorf("panic response %d %q", rec.Code, rec.Body.String())
	}
	if !strings.Contains(e.logs.String(), "boom in SELECT") {
		t.Error("the panic was not logged")
	}
}

func TestInternalErrorPage(t *testing.T) {
	e := newEnv(t, Config{})
	e.user("ana", kamp.RoleAnalyst)
	c := e.client()
	e.login(c, "ana")
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/x", nil)
	req = req.WithContext(context.WithValue(req.Context(), keyRequestID, "abcdef123456"))
	e.srv.pageError(rec, req, &auth{Lang: LangEN}, kamp.WrapError(kamp.EINTERNAL, io.EOF, "SELECT password_hash FROM users"))
	body := rec.Body.String()
	if rec.Code != 500 || strings.Contains(body, "SELECT") || !strings.Contains(body, "abcdef123456") ||
		!strings.Contains(body, T(LangEN, "error.internal")) {
		t.Errorf("internal error page %d:\n%s", rec.Code, body)
	}
	if !strings.Contains(e.logs.String(), "SELECT password_hash") || !strings.Contains(e.logs.String(), "abcdef123456") {
		t.Error("internal error not logged with its request id")
	}
}

func TestSafeNext(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "/"}, {"/", "/"}, {"/entities?q=1", "/entities?q=1"}, {"//evil.example", "/"}, {"/\\evil.example", "/"},
		{"https://evil.example/", "/"}, {"entities", "/"}, {"/a\r\nSet-Cookie: x", "/"}, {"javascript:alert(1)", "/"},
	}
	for _, tt := range tests {
		if got := safeNext(tt.in); got != tt.want {
			t.Errorf("safeNext(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/", "//x", "/\\x", "http://x", "/a?b=c", "/%2F%2Fx", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := safeNext(s)
		u, err := url.Parse(got)
		if err != nil || u.Host != "" || u.Scheme != "" || !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.HasPrefix(got, "/\\") {
			t.Errorf("safeNext(%q) = %q leaves the site", s, got)
		}
	})
}

// waitImport waits until batch id is no longer running.
func (e *env) waitImport(id string) kamp.ImportBatch {
	e.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		b, err := e.db.ImportBatch(context.Background(), id)
		if err == nil && b.Status != kamp.ImportRunning {
			return b
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.t.Fatalf("import %s did not finish", id)
	return kamp.ImportBatch{}
}

// BenchmarkPages measures the server side of the main pages on the small
// seeded bank, through the whole handler chain.
func BenchmarkPages(b *testing.B) {
	e := newEnv(b, Config{})
	e.user("ana", kamp.RoleAnalyst)
	c := e.client()
	e.login(c, "ana")
	e.seed()
	u, _ := url.Parse(e.ts.URL)
	cookies := c.Jar.Cookies(u)
	h := e.srv.Handler()
	for _, path := range []string{"/", "/entities", "/entities?q=%E5%8D%8E%E8%83%BD&sort=-name", "/entities/C1", "/api/v1/entities/C1"} {
		b.Run(path, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest("GET", path, nil)
				for _, ck := range cookies {
					req.AddCookie(ck)
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatalf("%s: %d", path, rec.Code)
				}
			}
		})
	}
}
