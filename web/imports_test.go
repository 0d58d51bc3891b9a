package web

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/export"
	"github.com/kampbank/kamp/ingest"
	"github.com/kampbank/kamp/store"
)

// multipartBody builds an upload: fields first (in order), then files.
func multipartBody(t testing.TB, fields [][2]string, files [][2]string) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		if err := mw.WriteField(f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		w, err := mw.CreateFormFile("files", f[0])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, f[1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf, mw.FormDataContentType()
}

// upload posts files to /imports through the page form.
func (e *env) upload(c *http.Client, quarantine bool, files [][2]string) (*http.Response, string) {
	e.t.Helper()
	fields := [][2]string{{"csrf", e.csrf(c, "/imports")}}
	if quarantine {
		fields = append(fields, [2]string{"quarantine", "true"})
	}
	body, ct := multipartBody(e.t, fields, files)
	req, err := http.NewRequest("POST", e.ts.URL+"/imports", body)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	return e.do(c, req)
}

var importLocation = regexp.MustCompile(`^/imports/([0-9a-f]{22})$`)

func TestUploadPage(t *testing.T) {
	e := newEnv(t, Config{})
	e.user("ana", kamp.RoleAnalyst)
	c := e.client()
	e.login(c, "ana")

	// A good file: redirected to the batch at once, which then loads.
	resp, body := e.upload(c, false, [][2]string{{"entities.csv", seedFiles["entities.csv"]}})
	m := importLocation.FindStringSubmatch(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("upload: %d %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	id := m[1]
	b := e.waitImport(id)
	if b.Status != kamp.ImportLoaded || b.By != "ana" || len(b.Files) != 1 || b.Files[0].Loaded != 5 {
		t.Errorf("batch %+v", b)
	}
	saved := filepath.Join(e.srv.cfg.DataDir, "uploads", id, "entities.csv")
	if data, err := os.ReadFile(saved); err != nil || string(data) != seedFiles["entities.csv"] {
		t.Errorf("saved upload %s: %v", saved, err)
	}
	resp, body = e.get(c, "/imports/"+id)
	if resp.StatusCode != 200 || !strings.Contains(body, T(LangZH, "status.loaded")) || !strings.Contains(body, "entities.csv") ||
		!strings.Contains(body, T(LangZH, "import.no_errors")) || strings.Contains(body, "hx-trigger") {
		t.Errorf("import page %d:\n%s", resp.StatusCode, body)
	}
	_, body = e.get(c, "/imports")
	if !strings.Contains(body, `href="/imports/`+id+`"`) {
		t.Error("history lacks the batch")
	}

	// Bad rows: rejected, with the paged error report and its CSV.
	bad := "id,name,kind,country\nX1,好公司,company,CN\nX2,,company,CN\nX3,坏国家,company,ZZ\nX1,重复,company,CN\n"
	resp, _ = e.upload(c, false, [][2]string{{"entities_bad.csv", bad}})
	m = importLocation.FindStringSubmatch(resp.Header.Get("Location"))
	if m == nil {
		t.Fatalf("upload bad: %d", resp.StatusCode)
	}
	b = e.waitImport(m[1])
	if b.Status != kamp.ImportRejected {
		t.Fatalf("bad batch %+v", b)
	}
	errs, total, err := e.db.ImportErrors(context.Background(), b.ID, 1000, 0)
	if err != nil || total < 3 {
		t.Fatalf("errors %v %d %v", errs, total, err)
	}
	_, body = e.get(c, "/imports/"+b.ID)
	for _, want := range []string{T(LangZH, "status.rejected"), "entities_bad.csv", errs[0].Reason, "/imports/" + b.ID + "/report.csv"} {
		if !strings.Contains(body, want) {
			t.Errorf("rejected import page lacks %q", want)
		}
	}
	resp, body = e.get(c, "/imports/"+b.ID+"/report.csv")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("report: %d %v", resp.StatusCode, resp.Header)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, export.BOM))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != "file,line,column,value,reason" || len(recs) != total+1 {
		t.Errorf("report header %v, %d rows for %d errors", recs[0], len(recs)-1, total)
	}
	for i, e := range errs {
		r := recs[i+1]
		if r[0] != e.File || r[1] != FormatInt(int64(e.Line)) || r[2] != e.Column || r[3] != e.Value || r[4] != e.Reason {
			t.Errorf("report row %d = %v, want %+v", i+1, r, e)
		}
	}

	// Form errors are shown next to the field, with status 400.
	tests := []struct {
		name   string
		files  [][2]string
		status int
		want   string
	}{
		{"no file", nil, 400, T(LangZH, "imports.no_files")},
		{"not csv", [][2]string{{"entities.txt", "x"}}, 400, "entities.txt"},
		{"unknown kind", [][2]string{{"customers.csv", "x"}}, 400, "customers.csv"},
		{"path", [][2]string{{"../entities.csv", "x"}}, 400, ""},
		{"twice", [][2]string{{"fx.csv", "date,currency,rate\n"}, {"FX.csv", "date,currency,rate\n"}}, 400, "FX.csv"},
	}
	for _, tt := range tests {
		resp, body := e.upload(c, true, tt.files)
		if resp.StatusCode != tt.status || !strings.Contains(body, `id="files-error"`) || !strings.Contains(body, tt.want) {
			t.Errorf("%s: %d\n%s", tt.name, resp.StatusCode, body)
		}
		if !strings.Contains(body, `id="quarantine" name="quarantine" type="checkbox" value="true" checked`) {
			t.Errorf("%s: the quarantine choice was not kept", tt.name)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(e.srv.cfg.DataDir, "uploads"))
	if len(entries) != 2 {
		t.Errorf("failed uploads left folders: %d entries", len(entries))
	}
}

func TestUploadTooLarge(t *testing.T) {
	e := newEnv(t, Config{MaxUploadBytes: 4096})
	e.user("ana", kamp.RoleAdmin)
	c := e.client()
	e.login(c, "ana")
	resp, body := e.upload(c, false, [][2]string{{"entities.csv", strings.Repeat("x", 10000)}})
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "4.0 KiB") {
		t.Errorf("too large: %d\n%s", resp.StatusCode, body)
	}
}

func TestProgressFragment(t *testing.T) {
	e := newEnv(t, Config{})
	u := e.user("ana", kamp.RoleAnalyst)
	c := e.client()
	e.login(c, "ana")

	// A running import the tracker knows: the page polls.
	id := "0000000000000000000001"
	if !e.srv.reserve(id, &u) {
		t.Fatal("reserve")
	}
	e.srv.imports.setFiles(id, []string{"entities.csv"}, false)
	e.srv.imports.progress(id, ingest.Progress{File: "entities.csv", Rows: 1234, Bytes: 512, Total: 2048})
	_, body := e.get(c, "/imports/"+id)
	for _, want := range []string{`hx-get="/imports/` + id + `/progress"`, `hx-trigger="every 1s"`, `<progress max="100" value="25">`,
		"1,234", `<meta http-equiv="refresh"`, T(LangZH, "status.running")} {
		if !strings.Contains(body, want) {
			t.Errorf("running import page lacks %q", want)
		}
	}
	req, _ := http.NewRequest("GET", e.ts.URL+"/imports/"+id+"/progress", nil)
	req.Header.Set("HX-Request", "true")
	resp, body := e.do(c, req)
	if resp.StatusCode != 200 || resp.Header.Get("HX-Refresh") != "" || !strings.HasPrefix(body, `<div id="progress"`) || strings.Contains(body, "<html") {
		t.Errorf("progress fragment %d %v\n%s", resp.StatusCode, resp.Header, body)
	}
	// Without htmx the fragment URL leads to the page.
	resp, _ = e.get(c, "/imports/"+id+"/progress")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/imports/"+id {
		t.Errorf("progress without htmx: %d", resp.StatusCode)
	}
	// Finished (here: failed before the importer recorded it): htmx reloads.
	e.srv.imports.finish(id, kamp.ImportFailed, "error.internal", false)
	resp, _ = e.do(c, req)
	if resp.Header.Get("HX-Refresh") != "true" {
		t.Error("a finished import does not ask htmx to reload")
	}
	_, body = e.get(c, "/imports/"+id)
	if !strings.Contains(body, T(LangZH, "status.failed")) || !strings.Contains(body, T(LangZH, "error.internal")) || strings.Contains(body, "hx-trigger") {
		t.Errorf("failed import page:\n%s", body)
	}
	// A poll after the session ended sends the whole page to the login.
	anon, _ := http.NewRequest("GET", e.ts.URL+"/imports/"+id+"/progress", nil)
	anon.Header.Set("HX-Request", "true")
	anon.Header.Set("HX-Current-URL", e.ts.URL+"/imports/"+id)
	resp, body = e.do(e.client(), anon)
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("HX-Redirect") != "/login?next=%2Fimports%2F"+id || body != "" {
		t.Errorf("anonymous poll: %d %q %q", resp.StatusCode, resp.Header.Get("HX-Redirect"), body)
	}
	resp, _ = e.get(c, "/imports/nope")
	if resp.StatusCode != 404 {
		t.Errorf("unknown import: %d", resp.StatusCode)
	}
}

func TestAPIUploadIdempotent(t *testing.T) {
	e := newEnv(t, Config{})
	tok := e.bearer("bot", kamp.RoleAnalyst)
	post := func(key string, files [][2]string) (*http.Response, apiBatch) {
		body, ct := multipartBody(t, [][2]string{{"quarantine", "true"}}, files)
		hdr := map[string]string{"Content-Type": ct}
		if key != "" {
			hdr["Idempotency-Key"] = key
		}
		resp, out := e.api(tok, "POST", "/api/v1/imports", body, hdr)
		var b apiBatch
		if resp.StatusCode < 300 {
			if err := json.Unmarshal([]byte(out), &b); err != nil {
				t.Fatalf("%s: %v", out, err)
			}
		} else {
			checkErrorJSON(t, out, kamp.EINVALID)
		}
		return resp, b
	}
	files := [][2]string{{"entities.csv", seedFiles["entities.csv"]}}
	resp, first := post("key-1", files)
	if resp.StatusCode != http.StatusAccepted || first.Status != kamp.ImportRunning || resp.Header.Get("Location") != "/api/v1/imports/"+first.ID ||
		len(first.Files) != 1 || first.Files[0].Kind != "entities" {
		t.Fatalf("first upload: %d %+v", resp.StatusCode, first)
	}
	e.waitImport(first.ID)
	resp, again := post("key-1", [][2]string{{"entities.csv", "id,name\nOTHER,other\n"}})
	if resp.StatusCode != http.StatusOK || again.ID != first.ID || again.Status != kamp.ImportLoaded {
		t.Errorf("retry: %d %+v", resp.StatusCode, again)
	}
	if _, err := e.db.Entity(context.Background(), store.System, "OTHER"); kamp.ErrorCode(err) != kamp.ENOTFOUND {
		t.Error("the retry imported again")
	}
	// Another user's same key is another batch.
	tok2 := e.bearer("bot2", kamp.RoleAdmin)
	body, ct := multipartBody(t, nil, [][2]string{{"fx.csv", seedFiles["fx.csv"]}})
	resp2, out := e.api(tok2, "POST", "/api/v1/imports", body, map[string]string{"Content-Type": ct, "Idempotency-Key": "key-1"})
	var other apiBatch
	json.Unmarshal([]byte(out), &other)
	if resp2.StatusCode != http.StatusAccepted || other.ID == first.ID {
		t.Errorf("other user's key: %d %+v", resp2.StatusCode, other)
	}
	e.waitImport(other.ID)
	// Without a key every call is new.
	resp, b := post("", [][2]string{{"fx_2.csv", "date,currency,rate\n2026-02-01,USD,7.2\n"}})
	if resp.StatusCode != http.StatusAccepted || b.ID == first.ID {
		t.Errorf("no key: %d %+v", resp.StatusCode, b)
	}
	e.waitImport(b.ID)
	// Bad uploads.
	if resp, _ := post("", [][2]string{{"../../etc/passwd.csv", "x"}}); resp.StatusCode != 400 {
		t.Errorf("path upload: %d", resp.StatusCode)
	}
	if resp, _ := post("", nil); resp.StatusCode != 400 {
		t.Errorf("no file: %d", resp.StatusCode)
	}
	if resp, _ := post(strings.Repeat("k", 300), files); resp.StatusCode != 400 {
		t.Errorf("long key: %d", resp.StatusCode)
	}

	// The batch and the list.
	resp, out = e.api(tok, "GET", "/api/v1/imports/"+first.ID, nil, nil)
	var detail struct {
		apiBatch
		ErrorCount int           `json:"error_count"`
		Errors     []apiRowError `json:"errors"`
	}
	if err := json.Unmarshal([]byte(out), &detail); err != nil || resp.StatusCode != 200 || detail.ID != first.ID ||
		detail.FinishedAt == nil || detail.Errors == nil || detail.Files[0].Loaded != 5 {
		t.Errorf("batch: %d %s", resp.StatusCode, out)
	}
	var ids []string
	cursor := ""
	for range 5 {
		path := "/api/v1/imports?limit=2"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		_, out = e.api(tok, "GET", path, nil, nil)
		var page apiList[apiBatch]
		if err := json.Unmarshal([]byte(out), &page); err != nil {
			t.Fatal(err)
		}
		for _, b := range page.Items {
			ids = append(ids, b.ID)
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if len(ids) != 3 {
		t.Errorf("listed %d batches: %v", len(ids), ids)
	}
	if resp, _ := e.api(tok, "GET", "/api/v1/imports?cursor="+encodeCursor("x"), nil, nil); resp.StatusCode != 400 {
		t.Errorf("bad cursor: %d", resp.StatusCode)
	}
}

func TestEntityExport(t *testing.T) {
	e := newEnv(t, Config{})
	e.user("ana", kamp.RoleAnalyst)
	c := e.client()
	e.login(c, "ana")
	e.seed()

	// CSV: exactly the filtered rows, with a byte order mark.
	resp, body := e.get(c, "/entities?client=1&format=csv")
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), ".csv") || !strings.HasPrefix(body, export.BOM) {
		t.Fatalf("csv export: %d %v", resp.StatusCode, resp.Header)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, export.BOM))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range recs[1:] {
		ids = append(ids, r[0])
	}
	if strings.Join(recs[0], ",") != "id,name,kind,uscc,lei,country,industry,branch,is_client" || strings.Join(ids, ",") != "C1,C2,G1" {
		t.Errorf("csv export: %v", recs)
	}
	if recs[2][1] != "Kunlun Energy, Ltd." || recs[2][5] != "HK" || recs[2][8] != "1" {
		t.Errorf("csv row %v", recs[2])
	}

	// XLSX: in id order whatever the page's sort.
	resp, body = e.get(c, "/entities?sort=-name&format=xlsx")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != export.XLSX.ContentType() {
		t.Fatalf("xlsx export: %d %v", resp.StatusCode, resp.Header)
	}
	rows := readSheet(t, []byte(body))
	if len(rows) != 6 || rows[0][0] != "id" || rows[1][0] != "C1" || rows[5][1] != "张三" {
		t.Errorf("xlsx rows %v", rows)
	}
	resp, _ = e.get(c, "/entities?format=pdf")
	if resp.StatusCode != 400 {
		t.Errorf("unknown format: %d", resp.StatusCode)
	}
}

// TestExportManyRows checks that an export walks every page of the store.
func TestExportManyRows(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 2,500 entities")
	}
	e := newEnv(t, Config{})
	e.user("ana", kamp.RoleAnalyst)
	c := e.client()
	e.login(c, "ana")
	var b strings.Builder
	b.WriteString("id,name\n")
	for i := range 2500 {
		fmt.Fprintf(&b, "E%05d,公司%05d\n", i, 2500-i)
	}
	body := b.String()
	res, err := ingest.Run(context.Background(), e.db, writeFiles(t, map[string]string{"entities.csv": body}), ingest.Options{})
	if err != nil || res.Batch.Status != kamp.ImportLoaded {
		t.Fatalf("seed: %v %+v", err, res.Errors)
	}
	for _, sort := range []string{"", "name"} {
		_, out := e.get(c, "/entities?format=csv&sort="+sort)
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, export.BOM))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, r := range recs[1:] {
			seen[r[0]] = true
		}
		if len(recs) != 2501 || len(seen) != 2500 {
			t.Errorf("sort %q: %d rows, %d distinct", sort, len(recs)-1, len(seen))
		}
	}
}

// readSheet reads the cells of an exported workbook's sheet as text.
func readSheet(t *testing.T, data []byte) [][]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name != "xl/worksheets/sheet1.xml" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		var ws struct {
			Rows []struct {
				Cells []struct {
					R string `xml:"r,attr"`
					V string `xml:"v"`
					T string `xml:"is>t"`
				} `xml:"c"`
			} `xml:"sheetData>row"`
		}
		if err := xml.NewDecoder(rc).Decode(&ws); err != nil {
			t.Fatal(err)
		}
		var out [][]string
		for _, r := range ws.Rows {
			row := make([]string, 9)
			for _, c := range r.Cells {
				col := int(c.R[0] - 'A')
				row[col] = c.V + export.UnescapeXString(c.T)
			}
			out = append(out, row)
		}
		return out
	}
	t.Fatal("no sheet")
	return nil
}

func TestCheckUploadName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"entities.csv", true},
		{"ENTITIES.CSV", true},
		{"payments_2026-10.csv.gz", true},
		{"metrics.xlsx", true},
		{"statement.camt053.xml", true},
		{"20261101-gleif-concatenated-file-rr.xml", true},
		{"bods-statements.jsonl", true},
		{"notes.xml", false},
		{"客户.csv", false},
		{"entities.txt", false},
		{"entities.csv.zip", false},
		{".csv", false},
		{".entities.csv", false},
		{"", false},
		{"..", false},
		{"../entities.csv", false},
		{`..\entities.csv`, false},
		{"dir/entities.csv", false},
		{"entities\x00.csv", false},
		{"entities\n.csv", false},
		{strings.Repeat("a", 300) + ".csv", false},
	}
	for _, tt := range tests {
		err := CheckUploadName(tt.name)
		if (err == nil) != tt.ok {
			t.Errorf("CheckUploadName(%q) = %v, want ok=%v", tt.name, err, tt.ok)
		}
		if err != nil && kamp.ErrorCode(err) != kamp.EINVALID {
			t.Errorf("CheckUploadName(%q) code %s", tt.name, kamp.ErrorCode(err))
		}
	}
}

// FuzzCheckUploadName checks that an accepted name is always a plain base
// name inside the upload folder with an accepted suffix.
func FuzzCheckUploadName(f *testing.F) {
	for _, s := range []string{"entities.csv", "../x.csv", "a/b.csv", `a\b.xlsx`, "fx.csv.gz", "..", ".", "e\x00.csv"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if CheckUploadName(name) != nil {
			return
		}
		dir := filepath.Join("uploads", "batch")
		p := filepath.Join(dir, name)
		if filepath.Dir(p) != dir || filepath.Base(p) != name {
			t.Errorf("accepted %q escapes the folder: %s", name, p)
		}
		lower := strings.ToLower(name)
		if !strings.HasSuffix(lower, ".csv") && !strings.HasSuffix(lower, ".csv.gz") && !strings.HasSuffix(lower, ".xlsx") {
			t.Errorf("accepted %q without an allowed suffix", name)
		}
	})
}

func TestIdempotentBatchID(t *testing.T) {
	a := idempotentBatchID("u1", "k")
	if a != idempotentBatchID("u1", "k") || a == idempotentBatchID("u2", "k") || a == idempotentBatchID("u1", "k2") {
		t.Error("the id must depend on exactly the user and the key")
	}
	if len(a) != 25 || !regexp.MustCompile(`^k[0-9a-f]{24}$`).MatchString(a) {
		t.Errorf("id %q", a)
	}
}
