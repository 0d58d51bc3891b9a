package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/kampbank/kamp"
)

// approvalsShown is how many requests the approvals inbox lists.
const approvalsShown = 200

// requestStatuses are the statuses the inbox and the API filter by.
var requestStatuses = []string{kamp.RequestPending, kamp.RequestApproved, kamp.RequestRejected}

// approvalsPage is the data of GET /approvals.
type approvalsPage struct {
	Status      string
	Statuses    []string
	Items       []requestView
	CanApprove  bool // the viewer's role and level may decide
	ApproveRole bool // the viewer's role may decide at some level
	MinLevel    int
	// The form that came back with an error: its request, note and
	// message.
	ErrorID string
	Note    string
	Error   string
	Decided string // the request just decided
	// ErrorTop: the error's request is not listed, so the message shows
	// above the list.
	ErrorTop bool
}

// handleApprovals serves GET /approvals: the change requests the viewer
// may see, pending ones first (?status= picks another).
func (s *Server) handleApprovals(w http.ResponseWriter, r *http.Request, a *auth) error {
	status := r.URL.Query().Get("status")
	if status == "" {
		status = kamp.RequestPending
	}
	if !containsString(requestStatuses, status) {
		return kamp.Errorf(kamp.EINVALID, "status must be pending, approved or rejected")
	}
	return s.renderApprovals(w, r, a, http.StatusOK, approvalsPage{Status: status, Decided: r.URL.Query().Get("decided")})
}

func (s *Server) renderApprovals(w http.ResponseWriter, r *http.Request, a *auth, code int, p approvalsPage) error {
	crs, _, err := s.db.ChangeRequests(r.Context(), a.Viewer, p.Status, "", 0, approvalsShown)
	if err != nil {
		return err
	}
	logins, _, err := s.loginsByID(r.Context())
	if err != nil {
		return err
	}
	if p.Items, err = s.requestViews(r.Context(), a, crs, logins); err != nil {
		return err
	}
	p.Statuses = requestStatuses
	p.ErrorTop = p.Error != "" && !slices.ContainsFunc(p.Items, func(v requestView) bool { return v.ID == p.ErrorID })
	p.CanApprove = a.User.Can(kamp.ActApproveTeam) || a.User.Can(kamp.ActApproveOverride) || a.User.Can(kamp.ActApproveNomination)
	p.ApproveRole = containsString(kamp.ActionRoles(kamp.ActApproveTeam), a.User.Role) || containsString(kamp.ActionRoles(kamp.ActApproveOverride), a.User.Role)
	p.MinLevel = kamp.ActionLevel(kamp.ActApproveTeam)
	return s.renderPage(w, r, a, code, "approvals", p)
}

// handleDecide serves POST /approvals/{id}: decision=approve|reject with an
// optional note (required to reject) and the confirm box ticked. The
// maker of a request cannot decide it, nor can a person below the level.
func (s *Server) handleDecide(w http.ResponseWriter, r *http.Request, a *auth) error {
	id := r.PathValue("id")
	cr, err := s.db.ChangeRequest(r.Context(), a.Viewer, id)
	if err != nil {
		return err
	}
	f := r.PostForm
	decision, note := f.Get("decision"), strings.TrimSpace(f.Get("note"))
	if decision != "approve" && decision != "reject" {
		return kamp.Errorf(kamp.EINVALID, "decision must be approve or reject")
	}
	back := approvalsPage{Status: kamp.RequestPending, ErrorID: id, Note: note}
	fail := func(code int, msg string) error {
		back.Error = msg
		return s.renderApprovals(w, r, a, code, back)
	}
	switch {
	case !a.User.Can(kamp.ApproveAction(cr.Kind)):
		return fail(http.StatusForbidden, T(a.Lang, "approvals.err.authority", kamp.ActionLevel(kamp.ApproveAction(cr.Kind))))
	case cr.MadeBy == a.User.Login:
		return fail(http.StatusForbidden, T(a.Lang, "approvals.err.self"))
	case cr.Status != kamp.RequestPending:
		return fail(http.StatusConflict, T(a.Lang, "approvals.err.decided"))
	case decision == "reject" && note == "":
		return fail(http.StatusBadRequest, T(a.Lang, "approvals.err.note"))
	case checkReason(note) != nil:
		return fail(http.StatusBadRequest, T(a.Lang, "team.err.too_long", maxReason))
	case f.Get("confirm") != "1":
		return fail(http.StatusBadRequest, T(a.Lang, "approvals.err.confirm"))
	}
	decided, err := s.db.DecideRequest(r.Context(), *a.User, id, decision == "approve", note)
	switch {
	case kamp.ErrorCode(err) == kamp.ECONFLICT:
		// Another person decided first, or the team changed meanwhile.
		msg := T(a.Lang, "approvals.err.decided")
		if a.Lang == LangEN {
			msg = formMessage(a.Lang, err)
		}
		return fail(http.StatusConflict, msg)
	case formFailure(err):
		return fail(statusOf(kamp.ErrorCode(err)), formMessage(a.Lang, err))
	case err != nil:
		return err
	}
	s.log.Info("change request decided", "request_id", requestID(r.Context()), "id", id, "decision", decision, "by", a.User.Login)
	s.afterDecision(decided)
	http.Redirect(w, r, "/approvals?decided="+url.QueryEscape(id), http.StatusSeeOther)
	return nil
}

// apiChangeRequests serves GET /api/v1/change-requests: the requests on
// units the caller may see, newest first, filtered by status and subject,
// paged.
func (s *Server) apiChangeRequests(w http.ResponseWriter, r *http.Request, a *auth) error {
	v := r.URL.Query()
	offset, limit, err := offsetCursor(v)
	if err != nil {
		return err
	}
	status, subject := v.Get("status"), v.Get("subject")
	if status != "" && !containsString(requestStatuses, status) {
		return kamp.Errorf(kamp.EINVALID, "status must be pending, approved or rejected, not %q", status)
	}
	page, more, err := s.db.ChangeRequests(r.Context(), a.Viewer, status, subject, offset, limit)
	if err != nil {
		return err
	}
	logins, _, err := s.loginsByID(r.Context())
	if err != nil {
		return err
	}
	out := apiList[apiChangeRequest]{Items: make([]apiChangeRequest, 0, len(page))}
	for _, cr := range page {
		out.Items = append(out.Items, toAPIChangeRequest(cr, logins[cr.UserID]))
	}
	if more {
		out.NextCursor = encodeCursor("o:" + strconv.Itoa(offset+len(page)))
	}
	s.writeJSON(w, r, http.StatusOK, out)
	return nil
}

// apiApprovalBody is the body of POST /api/v1/change-requests/{id}/approval.
type apiApprovalBody struct {
	Approve *bool  `json:"approve"`
	Note    string `json:"note"`
}

// apiApproval serves POST /api/v1/change-requests/{id}/approval: approve
// or reject a pending request. A retry of a decision the caller already
// made returns the request as decided (200).
func (s *Server) apiApproval(w http.ResponseWriter, r *http.Request, a *auth) error {
	id := r.PathValue("id")
	var body apiApprovalBody
	if err := readJSON(w, r, &body); err != nil {
		return err
	}
	if body.Approve == nil {
		return kamp.Errorf(kamp.EINVALID, `say "approve": true or false`)
	}
	if err := checkReason(body.Note); err != nil {
		return err
	}
	cr, err := s.db.DecideRequest(r.Context(), *a.User, id, *body.Approve, body.Note)
	if err == nil {
		s.afterDecision(cr)
	}
	if kamp.ErrorCode(err) == kamp.ECONFLICT {
		// A retry of the caller's own decision answers as the first time.
		want := kamp.RequestRejected
		if *body.Approve {
			want = kamp.RequestApproved
		}
		if prev, perr := s.db.ChangeRequest(r.Context(), a.Viewer, id); perr == nil && prev.DecidedBy == a.User.Login && prev.Status == want {
			cr, err = prev, nil
		}
	}
	if err != nil {
		return err
	}
	person, err := s.db.User(r.Context(), cr.UserID)
	if err != nil && kamp.ErrorCode(err) != kamp.ENOTFOUND {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, toAPIChangeRequest(cr, person.Login))
	return nil
}

// afterDecision starts what a decided request needs: an approved group
// override takes effect in a new group run.
func (s *Server) afterDecision(cr kamp.ChangeRequest) {
	if cr.Kind == kamp.RequestGroup && cr.Status == kamp.RequestApproved {
		s.RecomputeGroups()
	}
}
