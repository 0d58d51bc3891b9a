package web

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/export"
	"github.com/kampbank/kamp/store"
)

// auditRoles may read the audit trail.
var auditRoles = []string{kamp.RoleAdmin, kamp.RoleAuditor}

// auditPerPage is the page size of the audit page.
const auditPerPage = 50

// maxAuditParam bounds the action and actor filters, in bytes.
const maxAuditParam = 200

// auditShortJSON is how long a before/after may be to show in full in its
// cell; longer ones fold.
const auditShortJSON = 80

// auditQuery is the audit page's state in its query string.
type auditQuery struct {
	Action string
	Actor  string
	Page   int
	Verify bool
}

// checkAuditParam checks a filter value: printable text of at most
// maxAuditParam bytes.
func checkAuditParam(name, v string) error {
	if len(v) > maxAuditParam {
		return kamp.Errorf(kamp.EINVALID, "%s is longer than %d bytes", name, maxAuditParam)
	}
	if !utf8.ValidString(v) {
		return kamp.Errorf(kamp.EINVALID, "%s is not valid UTF-8", name)
	}
	for _, r := range v {
		if !unicode.IsPrint(r) {
			return kamp.Errorf(kamp.EINVALID, "%s holds a character that cannot be shown", name)
		}
	}
	return nil
}

// parseAuditQuery reads the page's query string: action, actor, page and
// verify=1.
func parseAuditQuery(v url.Values) (auditQuery, error) {
	q := auditQuery{Action: strings.TrimSpace(v.Get("action")), Actor: strings.TrimSpace(v.Get("actor")), Page: 1}
	if err := checkAuditParam("action", q.Action); err != nil {
		return q, err
	}
	if err := checkAuditParam("actor", q.Actor); err != nil {
		return q, err
	}
	if p := v.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 1_000_000 {
			return q, kamp.Errorf(kamp.EINVALID, "page must be a number from 1")
		}
		q.Page = n
	}
	switch v.Get("verify") {
	case "":
	case "1":
		q.Verify = true
	default:
		return q, kamp.Errorf(kamp.EINVALID, "verify must be 1 or absent")
	}
	return q, nil
}

// values returns the query as URL parameters, leaving out defaults.
func (q auditQuery) values() url.Values {
	v := url.Values{}
	if q.Action != "" {
		v.Set("action", q.Action)
	}
	if q.Actor != "" {
		v.Set("actor", q.Actor)
	}
	if q.Page > 1 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	if q.Verify {
		v.Set("verify", "1")
	}
	return v
}

// url returns /audit with the query.
func (q auditQuery) url() string {
	if enc := q.values().Encode(); enc != "" {
		return "/audit?" + enc
	}
	return "/audit"
}

// auditJSONView is a before or after as the page shows it.
type auditJSONView struct {
	Text   string // compact JSON, "" when none
	Pretty string // indented, for the folded view of long values
	Long   bool
}

func newAuditJSONView(s string) auditJSONView {
	v := auditJSONView{Text: s}
	if utf8.RuneCountInString(s) > auditShortJSON {
		v.Long = true
		var b bytes.Buffer
		if json.Indent(&b, []byte(s), "", "  ") == nil {
			v.Pretty = b.String()
		} else {
			v.Pretty = s
		}
	}
	return v
}

// auditRow is one event as the page shows it.
type auditRow struct {
	Seq         int64
	Time        string // UTC, to the second
	TimeExact   string // RFC 3339 with microseconds
	Actor       string
	ActorURL    string // the page filtered by this actor
	Action      string
	ActionLabel string
	ObjectType  string
	ObjectLabel string
	ObjectID    string
	ObjectURL   string // the object's page, when the viewer may open it
	Before      auditJSONView
	After       auditJSONView
	Hash        string
}

// auditOption is an entry of the action filter.
type auditOption struct {
	Value, Label string
	Selected     bool
}

// auditVerdict is the outcome of a verification shown on the page.
type auditVerdict struct {
	Intact  bool
	Checked int
	Seq     int64
	Message string // why the chain is broken, translated
}

// auditPage is the data of the audit page.
type auditPage struct {
	Query     auditQuery
	Rows      []auditRow
	Total     int
	Pager     pager
	Actions   []auditOption
	VerifyURL string
	Verdict   *auditVerdict
}

// auditLabel returns the translation of prefix+value, or value itself when
// the catalogue has none.
func auditLabel(lang, prefix, value string) string {
	if value != "" && HasMessage(prefix+value) {
		return T(lang, prefix+value)
	}
	return value
}

// handleAudit serves GET /audit: the audit trail, newest first, filtered by
// action and actor, and with ?verify=1 the verification of the whole chain.
func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request, a *auth) error {
	q, err := parseAuditQuery(r.URL.Query())
	if err != nil {
		return err
	}
	evs, total, err := s.db.AuditEvents(r.Context(), store.AuditFilter{Action: q.Action, Actor: q.Actor},
		auditPerPage, (q.Page-1)*auditPerPage)
	if err != nil {
		return err
	}
	p := auditPage{Query: q, Total: total, Rows: make([]auditRow, 0, len(evs))}
	canImports := allowed(a.User, importRoles)
	for _, e := range evs {
		row := auditRow{
			Seq: e.Seq, Time: e.At.UTC().Format(time.DateTime), TimeExact: e.At.UTC().Format(kamp.AuditTimeFormat),
			Actor: e.Actor, ActorURL: auditQuery{Actor: e.Actor}.url(),
			Action: e.Action, ActionLabel: auditLabel(a.Lang, "audit.action.", e.Action),
			ObjectType: e.ObjectType, ObjectLabel: auditLabel(a.Lang, "audit.object.", e.ObjectType), ObjectID: e.ObjectID,
			Before: newAuditJSONView(e.Before), After: newAuditJSONView(e.After), Hash: e.Hash,
		}
		if e.ObjectType == "import" && e.ObjectID != "" && canImports {
			row.ObjectURL = "/imports/" + url.PathEscape(e.ObjectID)
		}
		p.Rows = append(p.Rows, row)
	}
	p.Pager = newPager(q.Page, auditPerPage, total, func(n int) string {
		next := q
		next.Page, next.Verify = n, false
		return next.url()
	})
	for _, act := range kamp.AuditActions {
		p.Actions = append(p.Actions, auditOption{Value: act, Label: T(a.Lang, "audit.action."+act), Selected: act == q.Action})
	}
	vq := q
	vq.Verify = true
	p.VerifyURL = vq.url()
	if q.Verify {
		checked, broken, err := s.db.VerifyAudit(r.Context())
		if err != nil {
			return err
		}
		p.Verdict = &auditVerdict{Intact: broken == nil, Checked: checked}
		if broken != nil {
			p.Verdict.Seq = broken.Seq
			p.Verdict.Message = brokenMessage(a.Lang, broken)
			s.log.Warn("audit chain broken", "request_id", requestID(r.Context()), "seq", broken.Seq, "reason", broken.Reason)
		}
	}
	return s.renderPage(w, r, a, http.StatusOK, "audit", p)
}

// brokenMessage says in lang what is wrong with the first broken event.
func brokenMessage(lang string, b *store.BrokenLink) string {
	switch b.Kind {
	case store.BrokenMissing:
		return T(lang, "audit.broken.missing")
	case store.BrokenPrevHash:
		return T(lang, "audit.broken.prev_hash", b.Seq-1)
	case store.BrokenHead:
		return T(lang, "audit.broken.head")
	}
	return T(lang, "audit.broken.hash")
}

// apiAuditEvent is an audit event as the API shows it: before and after are
// the recorded JSON, or null.
type apiAuditEvent struct {
	Seq        int64           `json:"seq"`
	ID         string          `json:"id"`
	At         string          `json:"at"`
	Actor      string          `json:"actor"`
	Action     string          `json:"action"`
	ObjectType string          `json:"object_type"`
	ObjectID   string          `json:"object_id"`
	Before     json.RawMessage `json:"before"`
	After      json.RawMessage `json:"after"`
	PrevHash   string          `json:"prev_hash"`
	Hash       string          `json:"hash"`
}

// rawJSON returns recorded JSON for the API, null when there is none or it
// is not JSON (a trail edited by hand).
func rawJSON(s string) json.RawMessage {
	if s == "" || !json.Valid([]byte(s)) {
		return json.RawMessage("null")
	}
	return json.RawMessage(s)
}

// apiAudit serves GET /api/v1/audit: events newest first, filtered by
// action, actor, object_type and object_id. The cursor holds the seq to
// continue below.
func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request, a *auth) error {
	v := r.URL.Query()
	limit, err := limitParam(v)
	if err != nil {
		return err
	}
	f := store.AuditFilter{Action: v.Get("action"), Actor: v.Get("actor"), ObjectType: v.Get("object_type"), ObjectID: v.Get("object_id")}
	for _, p := range []struct{ name, v string }{{"action", f.Action}, {"actor", f.Actor}, {"object_type", f.ObjectType}, {"object_id", f.ObjectID}} {
		if err := checkAuditParam(p.name, p.v); err != nil {
			return err
		}
	}
	if c := v.Get("cursor"); c != "" {
		if f.BelowSeq, err = auditCursor(c); err != nil {
			return err
		}
	}
	evs, _, err := s.db.AuditEvents(r.Context(), f, limit, 0)
	if err != nil {
		return err
	}
	out := apiList[apiAuditEvent]{Items: make([]apiAuditEvent, 0, len(evs))}
	for _, e := range evs {
		out.Items = append(out.Items, apiAuditEvent{Seq: e.Seq, ID: e.ID, At: e.At.UTC().Format(kamp.AuditTimeFormat),
			Actor: e.Actor, Action: e.Action, ObjectType: e.ObjectType, ObjectID: e.ObjectID,
			Before: rawJSON(e.Before), After: rawJSON(e.After), PrevHash: e.PrevHash, Hash: e.Hash})
	}
	if len(evs) == limit && evs[len(evs)-1].Seq > 1 {
		out.NextCursor = encodeCursor("s:" + strconv.FormatInt(evs[len(evs)-1].Seq, 10))
	}
	s.writeJSON(w, r, http.StatusOK, out)
	return nil
}

// auditCursor reads a cursor of apiAudit: the seq to continue below.
func auditCursor(c string) (int64, error) {
	pos, err := decodeCursor(c)
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(strings.TrimPrefix(pos, "s:"), 10, 64)
	if err != nil || n < 1 || !strings.HasPrefix(pos, "s:") {
		return 0, kamp.Errorf(kamp.EINVALID, "cursor is not valid: pass next_cursor as it was returned")
	}
	return n, nil
}

// maxAuditLogin bounds the login recorded for a failed sign-in, in bytes.
const maxAuditLogin = 128

// attemptedLogin makes what someone typed as a login fit to record as the
// actor of a failed sign-in: valid UTF-8, printable, at most maxAuditLogin
// bytes.
func attemptedLogin(login string) string {
	login = strings.ToValidUTF8(login, "\uFFFD")
	login = strings.Map(func(r rune) rune {
		if !unicode.IsPrint(r) {
			return '\uFFFD'
		}
		return r
	}, login)
	if len(login) > maxAuditLogin {
		cut := maxAuditLogin
		for cut > 0 && !utf8.RuneStart(login[cut]) {
			cut--
		}
		login = login[:cut] + "…"
	}
	return login
}

// remoteHost is the address a request came from, without its port.
func remoteHost(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// audit records an event of a page or API action. The store appends it in a
// transaction of its own.
func (s *Server) audit(r *http.Request, e kamp.AuditEvent) error {
	if err := s.db.Audit(r.Context(), e); err != nil {
		return kamp.WrapError(kamp.EINTERNAL, err, "cannot record the audit event %s", e.Action)
	}
	return nil
}

// auditExport records an export of objectType: by whom, in which format,
// with which filter. It is called before the first byte is sent, so that no
// data leaves without its event.
func (s *Server) auditExport(r *http.Request, a *auth, objectType string, format export.Format, filter url.Values) error {
	after, err := json.Marshal(map[string]string{"format": string(format), "filter": filter.Encode()})
	if err != nil {
		return kamp.WrapError(kamp.EINTERNAL, err, "cannot describe the export")
	}
	return s.audit(r, kamp.AuditEvent{Actor: a.User.Login, Action: kamp.AuditExport, ObjectType: objectType, After: string(after)})
}

// auditSignIn records a sign-in, a failed sign-in or a sign-out. An event
// that cannot be recorded is logged; the person's sign-in or sign-out is not
// undone for it.
func (s *Server) auditSignIn(r *http.Request, action, actor, userID string) {
	after, _ := json.Marshal(map[string]string{"remote_addr": remoteHost(r), "user_agent": attemptedLogin(r.UserAgent())})
	e := kamp.AuditEvent{Actor: actor, Action: action, ObjectType: "user", ObjectID: userID, After: string(after)}
	if err := s.audit(r, e); err != nil {
		s.log.Error("audit event lost", "request_id", requestID(r.Context()), "action", action, "actor", actor, "err", err)
	}
}
