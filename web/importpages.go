package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/export"
	"github.com/kampbank/kamp/store"
)

// Page sizes of the import pages.
const (
	importsPerPage = 20
	errorsPerPage  = 100
)

// pageParam reads ?page=, 1 when absent.
func pageParam(r *http.Request) (int, error) {
	p := r.URL.Query().Get("page")
	if p == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 1_000_000 {
		return 0, kamp.Errorf(kamp.EINVALID, "page must be a number from 1")
	}
	return n, nil
}

// pager is the paging state of a table.
type pager struct {
	Page, Pages, Total int
	PrevURL, NextURL   string
}

// newPager computes the pages of total rows at per rows a page; link
// returns the URL of a page.
func newPager(page, per, total int, link func(int) string) pager {
	p := pager{Page: page, Total: total, Pages: max(1, (total+per-1)/per)}
	if page > 1 {
		p.PrevURL = link(page - 1)
	}
	if page < p.Pages {
		p.NextURL = link(page + 1)
	}
	return p
}

// importsPage is the data of the import page: the upload form and the
// history.
type importsPage struct {
	Batches    []kamp.ImportBatch
	Pager      pager
	Error      string // the upload form's error, already translated
	Quarantine bool
}

// handleImports serves GET /imports.
func (s *Server) handleImports(w http.ResponseWriter, r *http.Request, a *auth) error {
	return s.renderImports(w, r, a, http.StatusOK, importsPage{})
}

func (s *Server) renderImports(w http.ResponseWriter, r *http.Request, a *auth, status int, p importsPage) error {
	page, err := pageParam(r)
	if err != nil {
		return err
	}
	batches, total, err := s.db.Imports(r.Context(), importsPerPage, (page-1)*importsPerPage)
	if err != nil {
		return err
	}
	p.Batches = batches
	p.Pager = newPager(page, importsPerPage, total, func(n int) string { return "/imports?page=" + strconv.Itoa(n) })
	return s.renderPage(w, r, a, status, "imports", p)
}

// handleUpload serves POST /imports: it saves the files, starts the
// import in the background and sends the person to its page at once.
func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request, a *auth) error {
	mr, err := s.multipartReader(w, r)
	if err != nil {
		return err
	}
	id := store.NewID()
	if !s.reserve(id, a.User) {
		return kamp.Errorf(kamp.ECONFLICT, "import %s exists already", id)
	}
	up, err := s.receiveUpload(mr, id)
	if err != nil {
		s.imports.drop(id)
		var ue *uploadError
		switch {
		case errors.As(err, &ue):
			msg := T(a.Lang, ue.Key)
			if ue.Arg != nil {
				msg = T(a.Lang, ue.Key, ue.Arg)
			}
			return s.renderImports(w, r, a, http.StatusBadRequest, importsPage{Error: msg, Quarantine: up.Quarantine})
		case isMaxBytes(err):
			return s.renderImports(w, r, a, http.StatusRequestEntityTooLarge,
				importsPage{Error: T(a.Lang, "imports.too_large", FormatBytes(s.cfg.MaxUploadBytes))})
		}
		return err
	}
	s.launch(up, a.User)
	http.Redirect(w, r, "/imports/"+url.PathEscape(id), http.StatusSeeOther)
	return nil
}

// importPage is the data of an import's page.
type importPage struct {
	Batch      kamp.ImportBatch
	Running    bool
	Progress   *progressView
	Reason     string // why an import could not run, when known
	Errors     []kamp.RowError
	ErrorPager pager
	ReportURL  string
}

// progressView is the progress indicator's data.
type progressView struct {
	ID      string
	URL     string
	File    string
	Rows    int64
	Bytes   int64
	Total   int64
	Percent int // -1 when the size is unknown
	Done    bool
}

// newProgressView builds the indicator of a running import.
func newProgressView(b kamp.ImportBatch, st *importState) *progressView {
	pv := &progressView{ID: b.ID, URL: "/imports/" + url.PathEscape(b.ID) + "/progress", Percent: -1}
	if st != nil {
		p := st.Progress
		pv.File, pv.Rows, pv.Bytes, pv.Total = p.File, p.Rows, p.Bytes, p.Total
		if p.Total > 0 {
			pv.Percent = int(min(100, p.Bytes*100/p.Total))
		}
	}
	pv.Done = b.Status != kamp.ImportRunning
	return pv
}

// handleImport serves GET /imports/{id}: status, files, the paged error
// report, and while the import runs a progress indicator that htmx
// refreshes every second (and that a reload shows again, as it follows the
// URL).
func (s *Server) handleImport(w http.ResponseWriter, r *http.Request, a *auth) error {
	id := r.PathValue("id")
	page, err := pageParam(r)
	if err != nil {
		return err
	}
	b, st, err := s.loadBatch(r.Context(), id)
	if err != nil {
		return err
	}
	p := importPage{Batch: b, Running: b.Status == kamp.ImportRunning}
	if p.Running {
		p.Progress = newProgressView(b, st)
	}
	if st != nil && st.Err != "" {
		p.Reason = st.Err
		if HasMessage(st.Err) {
			p.Reason = T(a.Lang, st.Err)
		}
	}
	errs, total, err := s.db.ImportErrors(r.Context(), id, errorsPerPage, (page-1)*errorsPerPage)
	if err != nil {
		return err
	}
	p.Errors = errs
	base := "/imports/" + url.PathEscape(id)
	p.ErrorPager = newPager(page, errorsPerPage, total, func(n int) string { return base + "?page=" + strconv.Itoa(n) })
	p.ReportURL = base + "/report.csv"
	return s.renderPage(w, r, a, http.StatusOK, "import", p)
}

// handleImportProgress serves GET /imports/{id}/progress, the fragment
// htmx polls. Once the import has finished it asks htmx to reload the page
// (HX-Refresh), which then shows the outcome. Without htmx it redirects to
// the import's page.
func (s *Server) handleImportProgress(w http.ResponseWriter, r *http.Request, a *auth) error {
	id := r.PathValue("id")
	if r.Header.Get("HX-Request") != "true" {
		http.Redirect(w, r, "/imports/"+url.PathEscape(id), http.StatusSeeOther)
		return nil
	}
	b, st, err := s.loadBatch(r.Context(), id)
	if err != nil {
		return err
	}
	pv := newProgressView(b, st)
	if pv.Done {
		w.Header().Set("HX-Refresh", "true")
	}
	return s.renderTemplate(w, r, a, http.StatusOK, "import", "progress_fragment", pv)
}

// reportColumns is the error report's header, as data-formats.md defines it.
var reportColumns = []export.Column{{Name: "file"}, {Name: "line", Numeric: true}, {Name: "column"}, {Name: "value"}, {Name: "reason"}}

// handleImportReport serves GET /imports/{id}/report.csv: every bad row of
// the batch as file,line,column,value,reason, streamed page by page.
func (s *Server) handleImportReport(w http.ResponseWriter, r *http.Request, a *auth) error {
	id := r.PathValue("id")
	if _, _, err := s.loadBatch(r.Context(), id); err != nil {
		return err
	}
	errs, _, err := s.db.ImportErrors(r.Context(), id, store.MaxLimit, 0)
	if err != nil {
		return err
	}
	attachment(w, export.CSV, "import-"+id+"-errors.csv")
	cw, err := export.NewCSV(w, reportColumns)
	if err != nil {
		return s.abortStream(r, err)
	}
	row := make([]string, 5)
	offset := 0
	for {
		for _, e := range errs {
			row[0], row[1], row[2], row[3], row[4] = e.File, strconv.Itoa(e.Line), e.Column, e.Value, e.Reason
			if err := cw.WriteRow(row); err != nil {
				return s.abortStream(r, err)
			}
		}
		if len(errs) < store.MaxLimit {
			break
		}
		offset += len(errs)
		if errs, _, err = s.db.ImportErrors(r.Context(), id, store.MaxLimit, offset); err != nil {
			return s.abortStream(r, err)
		}
	}
	if err := cw.Close(); err != nil {
		return s.abortStream(r, err)
	}
	return nil
}
