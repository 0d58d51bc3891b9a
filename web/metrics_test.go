package web

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kampbank/kamp"
)

// sample is one line of the text exposition format.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

var (
	sampleRE = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$`)
	labelRE  = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)`)
)

// parseExposition parses Prometheus' text format strictly enough to catch
// malformed output: every sample belongs to a family with a TYPE line, and
// label lists parse completely.
func parseExposition(t *testing.T, text string) (map[string]string, []sample) {
	t.Helper()
	types := map[string]string{}
	var samples []sample
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			t.Errorf("empty line in exposition")
			continue
		}
		if strings.HasPrefix(line, "# TYPE ") {
			f := strings.Fields(line)
			if len(f) != 4 {
				t.Errorf("bad TYPE line %q", line)
				continue
			}
			types[f[2]] = f[3]
			continue
		}
		if strings.HasPrefix(line, "# HELP ") {
			continue
		}
		m := sampleRE.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("bad sample line %q", line)
			continue
		}
		s := sample{name: m[1], labels: map[string]string{}}
		if m[3] != "" {
			rest := m[3]
			for rest != "" {
				lm := labelRE.FindStringSubmatch(rest)
				if lm == nil || !strings.HasPrefix(rest, lm[0]) {
					t.Errorf("bad labels in %q", line)
					break
				}
				s.labels[lm[1]] = strings.NewReplacer(`\\`, `\`, `\"`, `"`, `\n`, "\n").Replace(lm[2])
				rest = rest[len(lm[0]):]
			}
		}
		v, err := strconv.ParseFloat(m[4], 64)
		if err != nil {
			t.Errorf("bad value in %q", line)
		}
		s.value = v
		family := s.name
		for _, suf := range []string{"_bucket", "_sum", "_count"} {
			if base, ok := strings.CutSuffix(s.name, suf); ok && types[base] == "histogram" {
				family = base
			}
		}
		if types[family] == "" {
			t.Errorf("sample %q has no TYPE", s.name)
		}
		samples = append(samples, s)
	}
	return types, samples
}

func TestMetrics(t *testing.T) {
	start := time.Date(2026, 11, 28, 8, 0, 0, 500_000_000, time.UTC)
	e := newEnv(t, Config{Now: func() time.Time { return start }})
	c := e.client()
	e.get(c, "/healthz")
	e.get(c, "/healthz")
	e.get(c, "/entities")        // anonymous: 303
	e.get(c, "/no/such/thing")   // 404
	e.get(c, "/api/v1/entities") // 401
	e.srv.metrics.importFinished(kamp.ImportLoaded)
	e.srv.metrics.observeRequest("GET", `/odd"route\`, 200, 20*time.Second) // escaping and +Inf

	resp, body := e.get(c, "/metrics")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("metrics: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	types, samples := parseExposition(t, body)
	wantTypes := map[string]string{
		"http_requests_total": "counter", "http_request_duration_seconds": "histogram",
		"kamp_imports_total": "counter", "go_goroutines": "gauge", "process_start_time_seconds": "gauge",
	}
	for name, typ := range wantTypes {
		if types[name] != typ {
			t.Errorf("TYPE of %s = %q, want %q", name, types[name], typ)
		}
	}
	find := func(name string, labels map[string]string) (float64, bool) {
		for _, s := range samples {
			if s.name != name {
				continue
			}
			match := true
			for k, v := range labels {
				if s.labels[k] != v {
					match = false
				}
			}
			if match {
				return s.value, true
			}
		}
		return 0, false
	}
	counts := []struct {
		labels map[string]string
		want   float64
	}{
		{map[string]string{"method": "GET", "route": "/healthz", "code": "200"}, 2},
		{map[string]string{"method": "GET", "route": "/entities", "code": "303"}, 1},
		{map[string]string{"method": "GET", "route": "unmatched", "code": "404"}, 1},
		{map[string]string{"method": "GET", "route": "/api/v1/entities", "code": "401"}, 1},
		{map[string]string{"method": "GET", "route": `/odd"route\`, "code": "200"}, 1},
	}
	for _, tt := range counts {
		if v, ok := find("http_requests_total", tt.labels); !ok || v != tt.want {
			t.Errorf("http_requests_total%v = %v (found %v), want %v", tt.labels, v, ok, tt.want)
		}
	}
	// Histograms: buckets cumulative and ending in +Inf = count.
	byRoute := map[string][]sample{}
	for _, s := range samples {
		if s.name == "http_request_duration_seconds_bucket" {
			byRoute[s.labels["route"]] = append(byRoute[s.labels["route"]], s)
		}
	}
	if len(byRoute) < 4 {
		t.Errorf("histograms for %d routes", len(byRoute))
	}
	for route, bs := range byRoute {
		if len(bs) != len(durationBuckets)+1 || bs[len(bs)-1].labels["le"] != "+Inf" {
			t.Errorf("%s: %d buckets", route, len(bs))
			continue
		}
		for i := 1; i < len(bs); i++ {
			if bs[i].value < bs[i-1].value {
				t.Errorf("%s: buckets not cumulative: %v", route, bs)
				break
			}
		}
		count, _ := find("http_request_duration_seconds_count", map[string]string{"route": route})
		if bs[len(bs)-1].value != count {
			t.Errorf("%s: +Inf %v != count %v", route, bs[len(bs)-1].value, count)
		}
	}
	if v, _ := find("http_request_duration_seconds_bucket", map[string]string{"route": `/odd"route\`, "le": "10"}); v != 0 {
		t.Errorf("a 20 s request counted in le=10: %v", v)
	}
	if v, _ := find("http_request_duration_seconds_count", map[string]string{"route": "/healthz"}); v != 2 {
		t.Errorf("healthz count %v", v)
	}
	for _, st := range importStatuses {
		want := 0.0
		if st == kamp.ImportLoaded {
			want = 1
		}
		if v, ok := find("kamp_imports_total", map[string]string{"status": st}); !ok || v != want {
			t.Errorf("kamp_imports_total{status=%q} = %v, %v", st, v, ok)
		}
	}
	if v, ok := find("go_goroutines", nil); !ok || v < 1 {
		t.Errorf("go_goroutines %v", v)
	}
	if v, _ := find("process_start_time_seconds", nil); v != float64(start.Unix())+0.5 {
		t.Errorf("process_start_time_seconds %v", v)
	}
}

// TestOpenAPIMatchesRoutes walks the server's registered API routes and
// checks each is in the OpenAPI document, and every documented operation is
// registered.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	e := newEnv(t, Config{})
	raw, err := openapiFS.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI string `json:"openapi"`
		Servers []struct {
			URL string `json:"url"`
		} `json:"servers"`
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if doc.OpenAPI != "3.1.0" || len(doc.Servers) != 1 || doc.Servers[0].URL != "/api/v1" {
		t.Fatalf("openapi %q servers %v", doc.OpenAPI, doc.Servers)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			switch method {
			case "get", "post", "put", "patch", "delete":
				documented[strings.ToUpper(method)+" /api/v1"+path] = true
			case "parameters", "summary", "description":
			default:
				t.Errorf("unexpected key %q under %s", method, path)
			}
		}
	}
	registered := map[string]bool{}
	for _, pattern := range e.srv.routes {
		method, path, ok := strings.Cut(pattern, " ")
		if !ok || !strings.HasPrefix(path, "/api/") {
			continue // pages, or the API's catch-all
		}
		registered[method+" "+path] = true
	}
	if len(registered) < 6 {
		t.Fatalf("only %d API routes registered: %v", len(registered), registered)
	}
	for r := range registered {
		if !documented[r] {
			t.Errorf("route %s is not in openapi.json", r)
		}
	}
	for d := range documented {
		if !registered[d] {
			t.Errorf("openapi.json documents %s, which the server does not serve", d)
		}
	}
	// Every $ref resolves.
	var all map[string]any
	json.Unmarshal(raw, &all)
	for _, ref := range regexp.MustCompile(`"\$ref": ?"#/([^"]+)"`).FindAllStringSubmatch(string(raw), -1) {
		var node any = all
		for _, part := range strings.Split(ref[1], "/") {
			m, ok := node.(map[string]any)
			if !ok {
				node = nil
				break
			}
			node = m[part]
		}
		if node == nil {
			t.Errorf("unresolved $ref %s", ref[1])
		}
	}
	// And the served document is the embedded one.
	resp, body := e.get(e.client(), "/api/v1/openapi.json")
	if resp.StatusCode != http.StatusOK || body != string(raw) {
		t.Errorf("served openapi.json differs: %d", resp.StatusCode)
	}
}

func TestCursor(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{encodeCursor("C1"), "C1", false},
		{encodeCursor("o:50"), "o:50", false},
		{"", "", true},
		{"%%%", "", true},
		{"QzE=", "", true}, // padded: not what encodeCursor makes
	}
	for _, tt := range tests {
		got, err := decodeCursor(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("decodeCursor(%q) = %q, %v", tt.in, got, err)
		}
		if err != nil && kamp.ErrorCode(err) != kamp.EINVALID {
			t.Errorf("decodeCursor(%q) code %s", tt.in, kamp.ErrorCode(err))
		}
	}
}

func FuzzDecodeCursor(f *testing.F) {
	for _, s := range []string{"", encodeCursor("C1"), encodeCursor("o:12"), "!!", "QzE="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		pos, err := decodeCursor(s)
		if err != nil {
			if kamp.ErrorCode(err) != kamp.EINVALID {
				t.Errorf("decodeCursor(%q): code %s", s, kamp.ErrorCode(err))
			}
			return
		}
		if encodeCursor(pos) != s {
			t.Errorf("decodeCursor(%q) = %q does not round-trip", s, pos)
		}
	})
}

func FuzzParseEntityQuery(f *testing.F) {
	f.Add("华能", "company", "1", "BJ01", "cn", "-name", "2")
	f.Add("", "", "", "", "", "", "")
	f.Add("x", "alien", "maybe", "", "", "evil", "0")
	f.Fuzz(func(t *testing.T, q, kind, client, branch, country, sortBy, page string) {
		v := map[string][]string{"q": {q}, "kind": {kind}, "client": {client}, "branch": {branch}, "country": {country}, "sort": {sortBy}, "page": {page}}
		eq, err := parseEntityQuery(v)
		if err != nil {
			if kamp.ErrorCode(err) != kamp.EINVALID {
				t.Errorf("code %s for %v", kamp.ErrorCode(err), v)
			}
			return
		}
		// A parsed query survives its own URL.
		back, err := parseEntityQuery(eq.values())
		if err != nil || fmt.Sprint(back) != fmt.Sprint(eq) {
			t.Errorf("query %+v does not round-trip: %+v, %v", eq, back, err)
		}
	})
}
