package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/store"
)

// overrideForm is the values and error of the group override form.
type overrideForm struct {
	Op     string
	Entity string
	Reason string
	Error  string
}

// overrideOps are the operations the form offers.
var overrideOps = []string{store.OverrideAdd, store.OverrideRemove, store.OverrideClear}

// handleOverride serves POST /groups/{id}/overrides: a proposal to add an
// entity to the group, remove one from it or clear an entity's override,
// with a reason. A second person approves it in the approvals inbox; a
// refused proposal shows the group page again with the error next to the
// form and the values kept.
func (s *Server) handleOverride(w http.ResponseWriter, r *http.Request, a *auth) error {
	id := r.PathValue("id")
	f := overrideForm{Op: r.PostForm.Get("op"), Entity: strings.TrimSpace(r.PostForm.Get("entity")), Reason: strings.TrimSpace(r.PostForm.Get("reason"))}
	if _, err := s.db.Group(r.Context(), a.Viewer, id); err != nil {
		return err
	}
	var err error
	switch {
	case !containsString(overrideOps, f.Op):
		err = kamp.Errorf(kamp.EINVALID, "override.err.op")
	case f.Entity == "":
		err = kamp.Errorf(kamp.EINVALID, "override.err.entity")
	case f.Reason == "":
		err = kamp.Errorf(kamp.EINVALID, "override.err.reason")
	case checkReason(f.Reason) != nil:
		err = kamp.Errorf(kamp.EINVALID, "team.err.too_long")
	default:
		_, err = s.db.ProposeGroupOverride(r.Context(), *a.User, id, f.Op, f.Entity, f.Reason)
	}
	if formFailure(err) {
		f.Error = formMessage(a.Lang, err)
		if kamp.ErrorMessage(err) == "team.err.too_long" {
			f.Error = T(a.Lang, "team.err.too_long", maxReason)
		}
		p, perr := s.groupPageData(r, a, f)
		if perr != nil {
			return perr
		}
		return s.renderPage(w, r, a, statusOf(kamp.ErrorCode(err)), "group", p)
	}
	if err != nil {
		return err
	}
	s.log.Info("group override proposed", "request_id", requestID(r.Context()), "group", id, "op", f.Op, "entity", f.Entity, "by", a.User.Login)
	http.Redirect(w, r, "/groups/"+url.PathEscape(id)+"?proposed=1#overrides", http.StatusSeeOther)
	return nil
}

// apiOverride is a group override as the API shows it.
type apiOverride struct {
	ID         string     `json:"id"`
	EntityID   string     `json:"entity_id"`
	EntityName string     `json:"entity_name"`
	GroupID    string     `json:"group_id"`
	Op         string     `json:"op"`
	Reason     string     `json:"reason"`
	RequestID  string     `json:"request_id"`
	MadeBy     string     `json:"made_by"`
	ApprovedBy string     `json:"approved_by"`
	CreatedAt  time.Time  `json:"created_at"`
	EndedAt    *time.Time `json:"ended_at"`
	EndedBy    string     `json:"ended_by,omitempty"`
}

// apiOverrides serves GET /api/v1/groups/{id}/overrides: the group's
// overrides, active and ended, newest first.
func (s *Server) apiOverrides(w http.ResponseWriter, r *http.Request, a *auth) error {
	ovs, err := s.db.GroupOverrides(r.Context(), a.Viewer, r.PathValue("id"))
	if err != nil {
		return err
	}
	out := apiList[apiOverride]{Items: make([]apiOverride, 0, len(ovs))}
	for _, o := range ovs {
		v := apiOverride{ID: o.ID, EntityID: o.EntityID, EntityName: o.EntityName, GroupID: o.GroupID, Op: o.Op, Reason: o.Reason,
			RequestID: o.RequestID, MadeBy: o.MadeBy, ApprovedBy: o.ApprovedBy, CreatedAt: o.CreatedAt.UTC(), EndedBy: o.EndedBy}
		if !o.EndedAt.IsZero() {
			e := o.EndedAt.UTC()
			v.EndedAt = &e
		}
		out.Items = append(out.Items, v)
	}
	s.writeJSON(w, r, http.StatusOK, out)
	return nil
}

// apiOverrideBody is the body of POST /api/v1/groups/{id}/overrides.
type apiOverrideBody struct {
	Op       string `json:"op"`
	EntityID string `json:"entity_id"`
	Reason   string `json:"reason"`
}

// apiProposeOverride serves POST /api/v1/groups/{id}/overrides: a
// proposal, answered 201 with the change request that now waits for a
// second person's approval (POST /api/v1/change-requests/{id}/approval).
// With an Idempotency-Key, a retry returns the first attempt's request
// (200), whatever its status now.
func (s *Server) apiProposeOverride(w http.ResponseWriter, r *http.Request, a *auth) error {
	id := r.PathValue("id")
	var body apiOverrideBody
	if err := readJSON(w, r, &body); err != nil {
		return err
	}
	if err := checkReason(body.Reason); err != nil {
		return err
	}
	ctx, done, err := s.proposedBefore(w, r, a, "override")
	if err != nil || done {
		return err
	}
	cr, err := s.db.ProposeGroupOverride(ctx, *a.User, id, body.Op, body.EntityID, body.Reason)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/change-requests?subject="+url.QueryEscape(id))
	s.writeJSON(w, r, http.StatusCreated, toAPIChangeRequest(cr, ""))
	return nil
}
