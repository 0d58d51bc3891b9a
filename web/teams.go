package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/store"
)

// teamsPerPage is the page size of the teams list.
const teamsPerPage = 50

// requestsShown is how many change requests a team page lists.
const requestsShown = 100

// maxReason bounds a reason or a note, in bytes.
const maxReason = 2000

// unitURL is the page of a strategic unit: its group's or its client's.
func unitURL(id string, isGroup bool) string {
	if isGroup {
		return "/groups/" + url.PathEscape(id)
	}
	return "/entities/" + url.PathEscape(id)
}

// teamURL is the page of a unit's coverage team.
func teamURL(id string) string { return "/teams/" + url.PathEscape(id) }

// teamRow is a unit with a team, as the teams list and "my clients" show
// it.
type teamRow struct {
	store.TeamUnit
	UnitURL string
	TeamURL string
}

func teamRows(units []store.TeamUnit) []teamRow {
	out := make([]teamRow, 0, len(units))
	for _, t := range units {
		out = append(out, teamRow{TeamUnit: t, UnitURL: unitURL(t.UnitID, t.IsGroup), TeamURL: teamURL(t.UnitID)})
	}
	return out
}

// teamsPage is the data of GET /teams.
type teamsPage struct {
	listNav
	Items []teamRow
	Total int
}

// handleTeams serves GET /teams: the units with a coverage team the viewer
// may see, paged.
func (s *Server) handleTeams(w http.ResponseWriter, r *http.Request, a *auth) error {
	page, err := pageParam(r)
	if err != nil {
		return err
	}
	items, total, err := s.db.Teams(r.Context(), a.Viewer, (page-1)*teamsPerPage, teamsPerPage)
	if err != nil {
		return err
	}
	nav := newListNav("/teams", url.Values{}, page, total, teamsPerPage)
	return s.renderPage(w, r, a, http.StatusOK, "teams", teamsPage{listNav: nav, Items: teamRows(items), Total: total})
}

// myPage is the data of GET /my.
type myPage struct {
	Items []teamRow
}

// handleMy serves GET /my: "my clients", the units whose coverage teams
// the signed-in person is on.
func (s *Server) handleMy(w http.ResponseWriter, r *http.Request, a *auth) error {
	items, err := s.db.MyTeams(r.Context(), *a.User)
	if err != nil {
		return err
	}
	return s.renderPage(w, r, a, http.StatusOK, "my", myPage{Items: teamRows(items)})
}

// requestView is a change request as pages show it.
type requestView struct {
	kamp.ChangeRequest
	UnitName  string
	UnitURL   string
	TeamURL   string
	Link      string // where the change shows: the team page, the group's overrides
	Change    string // the change in words, in the viewer's language
	Login     string // the login of the person added or removed
	Own       bool   // the viewer made it
	CanDecide bool   // the viewer may approve or reject it
}

// requestChange describes what cr changes, in lang, and where it shows.
func requestChange(lang string, cr kamp.ChangeRequest, login, entityName string) (change, link string) {
	switch cr.Kind {
	case kamp.RequestGroup:
		return T(lang, "override.change."+cr.Op, entityName, cr.EntityID), "/groups/" + url.PathEscape(cr.Subject) + "#overrides"
	default:
		return T(lang, "approvals.op."+cr.Op, cr.UserName, login), teamURL(cr.Subject)
	}
}

// requestViews describes requests for a's pages; logins maps user ids to
// logins.
func (s *Server) requestViews(ctx context.Context, a *auth, crs []kamp.ChangeRequest, logins map[string]string) ([]requestView, error) {
	out := make([]requestView, 0, len(crs))
	for _, cr := range crs {
		if v, handled, err := s.listRequestView(ctx, a, cr); err != nil {
			return nil, err
		} else if handled {
			if v != nil {
				out = append(out, *v)
			}
			continue
		}
		name, isGroup, err := s.db.UnitName(ctx, a.Viewer, cr.Subject)
		if kamp.ErrorCode(err) == kamp.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		own := cr.MadeBy == a.User.Login
		v := requestView{ChangeRequest: cr, UnitName: name, UnitURL: unitURL(cr.Subject, isGroup), TeamURL: teamURL(cr.Subject),
			Login: logins[cr.UserID], Own: own, CanDecide: a.User.Can(kamp.ApproveAction(cr.Kind)) && !own && cr.Status == kamp.RequestPending}
		entityName := cr.EntityID
		if cr.EntityID != "" {
			if e, err := s.db.Entity(ctx, a.Viewer, cr.EntityID); err == nil {
				entityName = e.Name
			}
		}
		v.Change, v.Link = requestChange(a.Lang, cr, v.Login, entityName)
		out = append(out, v)
	}
	return out, nil
}

// loginsByID maps every user id to its login.
func (s *Server) loginsByID(ctx context.Context) (map[string]string, []kamp.User, error) {
	users, err := s.db.Users(ctx)
	if err != nil {
		return nil, nil, err
	}
	m := make(map[string]string, len(users))
	for _, u := range users {
		m[u.ID] = u.Login
	}
	return m, users, nil
}

// changeForm is the values and error of a team change form.
type changeForm struct {
	Op     string
	Login  string
	Reason string
	Error  string
}

// teamPage is the data of GET /teams/{unit}.
type teamPage struct {
	UnitID     string
	Name       string
	IsGroup    bool
	UnitURL    string
	Current    []kamp.TeamMember
	History    []kamp.TeamMember // past spells, newest first
	Pending    []requestView
	Decided    []requestView
	UnitNames  map[string]string
	CanPropose bool
	CanApprove bool
	Eligible   []kamp.User // who may be added
	Add        changeForm
	Remove     changeForm
	Proposed   bool // a request was just made
}

// handleTeam serves GET /teams/{unit}.
func (s *Server) handleTeam(w http.ResponseWriter, r *http.Request, a *auth) error {
	return s.renderTeam(w, r, a, http.StatusOK, teamPage{Proposed: r.URL.Query().Get("proposed") == "1"})
}

func (s *Server) renderTeam(w http.ResponseWriter, r *http.Request, a *auth, status int, p teamPage) error {
	ctx := r.Context()
	id := r.PathValue("unit")
	var err error
	if p.Name, p.IsGroup, err = s.db.UnitName(ctx, a.Viewer, id); err != nil {
		return err
	}
	p.UnitID, p.UnitURL = id, unitURL(id, p.IsGroup)
	if p.Current, err = s.db.Team(ctx, a.Viewer, id, false); err != nil {
		return err
	}
	all, err := s.db.Team(ctx, a.Viewer, id, true)
	if err != nil {
		return err
	}
	for _, m := range all {
		if m.Until != "" {
			p.History = append(p.History, m)
		}
	}
	crs, _, err := s.db.ChangeRequests(ctx, a.Viewer, "", id, 0, requestsShown)
	if err != nil {
		return err
	}
	logins, users, err := s.loginsByID(ctx)
	if err != nil {
		return err
	}
	// The team page shows the team's requests, not the group's overrides.
	crs = slices.DeleteFunc(crs, func(cr kamp.ChangeRequest) bool { return cr.Kind != kamp.RequestTeam })
	views, err := s.requestViews(ctx, a, crs, logins)
	if err != nil {
		return err
	}
	for _, v := range views {
		if v.Status == kamp.RequestPending {
			p.Pending = append(p.Pending, v)
		} else {
			p.Decided = append(p.Decided, v)
		}
	}
	units, err := s.db.OrgUnits(ctx)
	if err != nil {
		return err
	}
	p.UnitNames = make(map[string]string, len(units))
	for _, u := range units {
		p.UnitNames[u.Code] = u.Name
	}
	p.CanPropose, p.CanApprove = a.User.Can(kamp.ActProposeTeam), a.User.Can(kamp.ActApproveTeam)
	if p.CanPropose {
		p.Eligible = eligibleStaff(users, p.Current)
	}
	return s.renderPage(w, r, a, status, "team", p)
}

// eligibleStaff are the active people of a team role not on the team, by
// role then login.
func eligibleStaff(users []kamp.User, current []kamp.TeamMember) []kamp.User {
	on := map[string]bool{}
	for _, m := range current {
		on[m.UserID] = true
	}
	var out []kamp.User
	for _, u := range users {
		if !u.Disabled && !on[u.ID] && slices.Contains(kamp.TeamRoles, u.Role) {
			out = append(out, u)
		}
	}
	slices.SortStableFunc(out, func(x, y kamp.User) int {
		return slices.Index(kamp.TeamRoles, x.Role) - slices.Index(kamp.TeamRoles, y.Role)
	})
	return out
}

// checkReason checks a reason or note: at most maxReason bytes.
func checkReason(s string) error {
	if len(s) > maxReason {
		return kamp.Errorf(kamp.EINVALID, "the text is longer than %d bytes", maxReason)
	}
	return nil
}

// handleTeamChange serves POST /teams/{unit}/changes: propose adding a
// person to the team or removing a member; a second person approves it.
func (s *Server) handleTeamChange(w http.ResponseWriter, r *http.Request, a *auth) error {
	id := r.PathValue("unit")
	if _, _, err := s.db.UnitName(r.Context(), a.Viewer, id); err != nil {
		return err
	}
	if err := may(a, kamp.ActProposeTeam); err != nil {
		return err
	}
	f := r.PostForm
	cf := changeForm{Op: f.Get("op"), Login: strings.TrimSpace(f.Get("login")), Reason: strings.TrimSpace(f.Get("reason"))}
	switch {
	case cf.Op != store.TeamAdd && cf.Op != store.TeamRemove:
		return kamp.Errorf(kamp.EINVALID, "op must be add or remove")
	case cf.Login == "":
		cf.Error = T(a.Lang, "team.err.person")
	case cf.Reason == "":
		cf.Error = T(a.Lang, "team.err.reason")
	case checkReason(cf.Reason) != nil:
		cf.Error = T(a.Lang, "team.err.too_long", maxReason)
	}
	if cf.Error == "" {
		_, err := s.db.ProposeTeamChange(r.Context(), *a.User, id, cf.Op, cf.Login, cf.Reason)
		switch {
		case kamp.ErrorCode(err) == kamp.ECONFLICT:
			cf.Error = T(a.Lang, "team.err.conflict")
			if a.Lang == LangEN {
				cf.Error = formMessage(a.Lang, err)
			}
		case formFailure(err):
			cf.Error = formMessage(a.Lang, err)
		case err != nil:
			return err
		}
	}
	if cf.Error != "" {
		p := teamPage{}
		if cf.Op == store.TeamAdd {
			p.Add = cf
		} else {
			p.Remove = cf
		}
		return s.renderTeam(w, r, a, http.StatusBadRequest, p)
	}
	s.log.Info("team change proposed", "request_id", requestID(r.Context()), "unit", id, "op", cf.Op, "login", cf.Login, "by", a.User.Login)
	http.Redirect(w, r, teamURL(id)+"?proposed=1", http.StatusSeeOther)
	return nil
}

// apiTeamUnit is a unit with a team as the API lists it.
type apiTeamUnit struct {
	UnitID  string `json:"unit_id"`
	Name    string `json:"name"`
	IsGroup bool   `json:"is_group"`
	Lead    string `json:"lead"`
	Members int    `json:"members"`
	Role    string `json:"role,omitempty"`
	Since   string `json:"since,omitempty"`
}

func toAPITeamUnit(t store.TeamUnit) apiTeamUnit {
	return apiTeamUnit{UnitID: t.UnitID, Name: t.Name, IsGroup: t.IsGroup, Lead: t.Lead, Members: t.Members, Role: t.Role, Since: t.Since}
}

// apiTeamMember is one person's spell on a team.
type apiTeamMember struct {
	Login     string  `json:"login"`
	Name      string  `json:"name"`
	Role      string  `json:"role"`
	OrgUnit   string  `json:"org_unit"`
	Since     string  `json:"since"`
	Until     *string `json:"until"`
	AddedBy   string  `json:"added_by"`
	RemovedBy string  `json:"removed_by"`
}

func toAPITeamMembers(ms []kamp.TeamMember) []apiTeamMember {
	out := make([]apiTeamMember, 0, len(ms))
	for _, m := range ms {
		am := apiTeamMember{Login: m.Login, Name: m.Name, Role: m.Role, OrgUnit: m.OrgUnit, Since: m.Since, AddedBy: m.AddedBy, RemovedBy: m.RemovedBy}
		if m.Until != "" {
			u := m.Until
			am.Until = &u
		}
		out = append(out, am)
	}
	return out
}

// apiTeamDetail is GET /api/v1/teams/{id}.
type apiTeamDetail struct {
	UnitID  string          `json:"unit_id"`
	Name    string          `json:"name"`
	IsGroup bool            `json:"is_group"`
	Current []apiTeamMember `json:"current"`
	History []apiTeamMember `json:"history"`
}

// apiTeams serves GET /api/v1/teams: the units with a team the caller may
// see, by unit id, paged.
func (s *Server) apiTeams(w http.ResponseWriter, r *http.Request, a *auth) error {
	offset, limit, err := offsetCursor(r.URL.Query())
	if err != nil {
		return err
	}
	items, total, err := s.db.Teams(r.Context(), a.Viewer, offset, limit)
	if err != nil {
		return err
	}
	out := apiList[apiTeamUnit]{Items: make([]apiTeamUnit, 0, len(items)), NextCursor: nextOffsetCursor(offset, len(items), total)}
	for _, t := range items {
		out.Items = append(out.Items, toAPITeamUnit(t))
	}
	s.writeJSON(w, r, http.StatusOK, out)
	return nil
}

// apiTeam serves GET /api/v1/teams/{id}: the current team and every spell,
// newest first.
func (s *Server) apiTeam(w http.ResponseWriter, r *http.Request, a *auth) error {
	id := r.PathValue("id")
	name, isGroup, err := s.db.UnitName(r.Context(), a.Viewer, id)
	if err != nil {
		return err
	}
	cur, err := s.db.Team(r.Context(), a.Viewer, id, false)
	if err != nil {
		return err
	}
	hist, err := s.db.Team(r.Context(), a.Viewer, id, true)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, apiTeamDetail{UnitID: id, Name: name, IsGroup: isGroup,
		Current: toAPITeamMembers(cur), History: toAPITeamMembers(hist)})
	return nil
}

// apiMyTeams serves GET /api/v1/me/teams: the caller's current teams.
func (s *Server) apiMyTeams(w http.ResponseWriter, r *http.Request, a *auth) error {
	items, err := s.db.MyTeams(r.Context(), *a.User)
	if err != nil {
		return err
	}
	out := apiList[apiTeamUnit]{Items: make([]apiTeamUnit, 0, len(items))}
	for _, t := range items {
		out.Items = append(out.Items, toAPITeamUnit(t))
	}
	s.writeJSON(w, r, http.StatusOK, out)
	return nil
}

// apiChangeRequest is a change request as the API shows it.
type apiChangeRequest struct {
	ID        string     `json:"id"`
	Kind      string     `json:"kind"`
	Subject   string     `json:"subject"`
	Op        string     `json:"op"`
	Login     string     `json:"login"`
	Name      string     `json:"name"`
	EntityID  string     `json:"entity_id,omitempty"` // the entity a group override moves
	Detail    string     `json:"detail,omitempty"`    // the tier of a nomination, the run of an adoption
	Reason    string     `json:"reason"`
	Status    string     `json:"status"`
	MadeBy    string     `json:"made_by"`
	MadeAt    time.Time  `json:"made_at"`
	DecidedBy string     `json:"decided_by"`
	DecidedAt *time.Time `json:"decided_at"`
	Note      string     `json:"note"`
}

func toAPIChangeRequest(cr kamp.ChangeRequest, login string) apiChangeRequest {
	out := apiChangeRequest{ID: cr.ID, Kind: cr.Kind, Subject: cr.Subject, Op: cr.Op, Login: login, Name: cr.UserName, EntityID: cr.EntityID, Detail: cr.Detail,
		Reason: cr.Reason, Status: cr.Status, MadeBy: cr.MadeBy, MadeAt: cr.MadeAt.UTC(), DecidedBy: cr.DecidedBy, Note: cr.Note}
	if !cr.DecidedAt.IsZero() {
		t := cr.DecidedAt.UTC()
		out.DecidedAt = &t
	}
	return out
}

// maxJSONBody bounds the JSON body of an API call.
const maxJSONBody = 64 << 10

// readJSON decodes the JSON body of an API call into v, refusing unknown
// fields.
func readJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSONBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return kamp.WrapError(kamp.EINVALID, err, "the body is not the JSON expected")
	}
	if _, err := dec.Token(); err != io.EOF {
		return kamp.Errorf(kamp.EINVALID, "the body holds more than one JSON value")
	}
	return nil
}

// apiTeamChangeBody is the body of POST /api/v1/teams/{id}/changes.
type apiTeamChangeBody struct {
	Op     string `json:"op"`
	Login  string `json:"login"`
	Reason string `json:"reason"`
}

// apiTeamChange serves POST /api/v1/teams/{id}/changes: propose a team
// change; 201 with the pending request. With an Idempotency-Key, a retry
// returns the first attempt's request (200), whatever its status now.
func (s *Server) apiTeamChange(w http.ResponseWriter, r *http.Request, a *auth) error {
	id := r.PathValue("id")
	var body apiTeamChangeBody
	if err := readJSON(w, r, &body); err != nil {
		return err
	}
	body.Login = strings.TrimSpace(body.Login)
	if err := checkReason(body.Reason); err != nil {
		return err
	}
	if body.Op != store.TeamAdd && body.Op != store.TeamRemove {
		return kamp.Errorf(kamp.EINVALID, "op must be add or remove, not %q", body.Op)
	}
	ctx, done, err := s.proposedBefore(w, r, a, "team")
	if err != nil || done {
		return err
	}
	cr, err := s.db.ProposeTeamChange(ctx, *a.User, id, body.Op, body.Login, body.Reason)
	if err != nil {
		return err
	}
	s.log.Info("team change proposed", "request_id", requestID(r.Context()), "unit", id, "op", body.Op, "login", body.Login, "by", a.User.Login)
	w.Header().Set("Location", "/api/v1/change-requests?subject="+url.QueryEscape(id))
	s.writeJSON(w, r, http.StatusCreated, toAPIChangeRequest(cr, body.Login))
	return nil
}
