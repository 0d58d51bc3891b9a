package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/kampbank/kamp"
)

//go:embed templates
var templateFS embed.FS

// engine holds the parsed templates: for each language, one set per page,
// each set being the shared layout and partials plus that page's file
// (Miniflux style). Language-bound functions (t, amount) are parsed into
// each set, so templates call {{t "key"}} without passing the language.
type engine struct {
	sets map[string]map[string]*template.Template // lang → page → set
}

// newEngine parses every page template once for every language.
func newEngine(assetURL func(string) string) (*engine, error) {
	common, err := fs.Glob(templateFS, "templates/common/*.html")
	if err != nil {
		return nil, fmt.Errorf("list common templates: %w", err)
	}
	pages, err := fs.Glob(templateFS, "templates/pages/*.html")
	if err != nil {
		return nil, fmt.Errorf("list page templates: %w", err)
	}
	e := &engine{sets: map[string]map[string]*template.Template{}}
	for _, lang := range Languages {
		e.sets[lang] = map[string]*template.Template{}
		funcs := templateFuncs(lang, assetURL)
		for _, p := range pages {
			name := strings.TrimSuffix(path.Base(p), ".html")
			files := append(append([]string{}, common...), p)
			t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, files...)
			if err != nil {
				return nil, fmt.Errorf("parse page %s: %w", name, err)
			}
			e.sets[lang][name] = t
		}
	}
	return e, nil
}

// render executes template name ("layout" for a whole page, or a fragment
// it defines) of page in lang into a buffer, so that a template error never
// sends half a page.
func (e *engine) render(lang, page, name string, data any) ([]byte, error) {
	set, ok := e.sets[lang][page]
	if !ok {
		return nil, fmt.Errorf("no page template %q", page)
	}
	var buf bytes.Buffer
	if err := set.ExecuteTemplate(&buf, name, data); err != nil {
		return nil, fmt.Errorf("render %s/%s: %w", page, name, err)
	}
	return buf.Bytes(), nil
}

// templateFuncs are the functions templates of language lang may call.
func templateFuncs(lang string, assetURL func(string) string) template.FuncMap {
	return template.FuncMap{
		"t":     func(key string, args ...any) string { return T(lang, key, args...) },
		"asset": assetURL,
		"amount": func(u Unit, a kamp.Amount, currency string) template.HTML {
			return amountHTML(lang, u, a, currency)
		},
		"namount": func(u Unit, a kamp.NullAmount, currency string) template.HTML {
			if !a.Valid {
				return template.HTML(`<span class="muted">–</span>`)
			}
			return amountHTML(lang, u, a.Amount, currency)
		},
		"share":    FormatShare,
		"percent":  FormatPercent,
		"int":      formatAnyInt,
		"date":     FormatDate,
		"datetime": FormatDateTime,
		"bytes":    FormatBytes,
		"lower":    strings.ToLower,
	}
}

// amountHTML renders an amount for a table cell: the scaled figure and unit,
// with the exact value in the title tooltip.
func amountHTML(lang string, u Unit, a kamp.Amount, currency string) template.HTML {
	if currency == "" {
		currency = kamp.ReportingCurrency
	}
	digits, used := FormatAmount(a, u)
	exact := a.String() + " " + currency
	return template.HTML(`<span class="amt" title="` + html.EscapeString(exact) + `">` +
		html.EscapeString(digits) + ` <span class="unit">` + html.EscapeString(UnitLabel(lang, used, currency)) + `</span></span>`)
}

// formatAnyInt formats the integer types templates meet.
func formatAnyInt(v any) string {
	switch n := v.(type) {
	case int:
		return FormatInt(int64(n))
	case int64:
		return FormatInt(n)
	case int32:
		return FormatInt(int64(n))
	}
	return fmt.Sprint(v)
}

// view is what every page template gets.
type view struct {
	Lang      string
	Langs     []string
	User      *kamp.User
	CSRF      string
	Nav       []navLink
	Path      string // the request URI, where the language switch returns
	RequestID string
	Version   string
	Unit      Unit
	Status    int
	Data      any // the page's own data
}

// newView fills the common part of a page's data.
func (s *Server) newView(r *http.Request, a *auth, data any) *view {
	return &view{
		Lang:      a.Lang,
		Langs:     Languages,
		User:      a.User,
		CSRF:      a.CSRF,
		Nav:       navFor(a.User, r.URL.Path),
		Path:      r.URL.RequestURI(),
		RequestID: requestID(r.Context()),
		Version:   s.cfg.Version,
		Unit:      unitParam(r),
		Data:      data,
	}
}

// unitParam reads the ?unit= switch: "yuan" for full 元, otherwise automatic
// 万元/亿元.
func unitParam(r *http.Request) Unit {
	if r.URL.Query().Get("unit") == "yuan" {
		return UnitYuan
	}
	return UnitAuto
}

// renderPage writes a whole page with status.
func (s *Server) renderPage(w http.ResponseWriter, r *http.Request, a *auth, status int, page string, data any) error {
	return s.renderTemplate(w, r, a, status, page, "layout", data)
}

// renderTemplate writes template name of page (a whole page or a
// fragment).
func (s *Server) renderTemplate(w http.ResponseWriter, r *http.Request, a *auth, status int, page, name string, data any) error {
	v := s.newView(r, a, data)
	v.Status = status
	body, err := s.pages.render(a.Lang, page, name, v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, err = w.Write(body)
	if err != nil {
		s.log.Debug("write page", "request_id", requestID(r.Context()), "err", err)
	}
	return nil
}

// statusOf maps an application error code to an HTTP status.
func statusOf(code string) int {
	switch code {
	case kamp.EINVALID:
		return http.StatusBadRequest
	case kamp.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case kamp.EFORBIDDEN:
		return http.StatusForbidden
	case kamp.ENOTFOUND:
		return http.StatusNotFound
	case kamp.ECONFLICT:
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}

// errorPage is the data of the error page.
type errorPage struct {
	Message string
}

// pageError shows err as an error page. Internal errors are logged with the
// request id and shown as a generic message; nothing of their text, stack or
// SQL reaches the page.
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, a *auth, err error) {
	code := kamp.ErrorCode(err)
	status := statusOf(code)
	if isMaxBytes(err) {
		status = http.StatusRequestEntityTooLarge
	}
	var msg string
	switch {
	case code == kamp.EINTERNAL:
		s.log.Error("internal error", "request_id", requestID(r.Context()), "method", r.Method, "path", r.URL.Path, "err", err)
		msg = T(a.Lang, "error.internal")
	case HasMessage(kamp.ErrorMessage(err)):
		msg = T(a.Lang, kamp.ErrorMessage(err))
	case code == kamp.ENOTFOUND:
		msg = T(a.Lang, "error.notfound")
	case code == kamp.EFORBIDDEN:
		msg = T(a.Lang, "error.forbidden")
	case code == kamp.EUNAUTHORIZED:
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	default:
		s.log.Info("request error", "request_id", requestID(r.Context()), "path", r.URL.Path, "err", err)
		msg = T(a.Lang, "error.invalid")
	}
	if status == http.StatusRequestEntityTooLarge {
		msg = T(a.Lang, "imports.too_large", FormatBytes(s.cfg.MaxUploadBytes))
	}
	if a.User == nil {
		// The anonymous page's language switch needs a token.
		s.ensureAnonCSRF(w, a)
	}
	if rerr := s.renderPage(w, r, a, status, "error", errorPage{Message: msg}); rerr != nil {
		s.log.Error("render error page", "request_id", requestID(r.Context()), "err", rerr)
		http.Error(w, http.StatusText(status)+" (request "+requestID(r.Context())+")", status)
	}
}

// isMaxBytes reports whether err comes from an http.MaxBytesReader limit.
func isMaxBytes(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

// apiErrorBody is the JSON shape of every API error.
type apiErrorBody struct {
	Error apiErrorDetail `json:"error"`
}

type apiErrorDetail struct {
	Code    string   `json:"code"`
	Message string   `json:"message"`
	Details []string `json:"details"`
}

// apiError writes err as {"error": {...}} with the status of its code.
// Internal errors are logged and reported with a generic message.
func (s *Server) apiError(w http.ResponseWriter, r *http.Request, err error) {
	code := kamp.ErrorCode(err)
	status := statusOf(code)
	body := apiErrorDetail{Code: code, Message: kamp.ErrorMessage(err), Details: []string{}}
	var ke *kamp.Error
	if errors.As(err, &ke) && ke.Details != nil {
		body.Details = ke.Details
	}
	if isMaxBytes(err) {
		status = http.StatusRequestEntityTooLarge
		body = apiErrorDetail{Code: kamp.EINVALID, Message: "the upload is larger than " + FormatBytes(s.cfg.MaxUploadBytes), Details: []string{}}
	}
	if code == kamp.EINTERNAL {
		s.log.Error("internal error", "request_id", requestID(r.Context()), "method", r.Method, "path", r.URL.Path, "err", err)
		body.Message = "internal error; quote request id " + requestID(r.Context())
		body.Details = []string{}
	}
	if HasMessage(body.Message) {
		body.Message = T(LangEN, body.Message)
	}
	s.writeJSON(w, r, status, apiErrorBody{Error: body})
}

// writeJSON writes v as JSON with status.
func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		s.log.Error("encode json", "request_id", requestID(r.Context()), "err", err)
		status = http.StatusInternalServerError
		body = []byte(`{"error":{"code":"EINTERNAL","message":"internal error","details":[]}}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}
