package web

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/check"
	"github.com/kampbank/kamp/export"
	"github.com/kampbank/kamp/org"
	"github.com/kampbank/kamp/store"
)

// peoplePerPage is the page size of the people table.
const peoplePerPage = 50

// minPassword is the shortest initial password the store accepts.
const minPassword = 8

// may returns EFORBIDDEN unless the signed-in person may do act (role and
// authority level).
func may(a *auth, act kamp.Action) error {
	if a.User == nil || !a.User.Can(act) {
		return kamp.Errorf(kamp.EFORBIDDEN, "error.forbidden")
	}
	return nil
}

// formMessage says in lang what is wrong with a form whose store call
// failed: the catalogue's message when the error names one, else a message
// by error code; English pages add the store's own words, which are
// English.
func formMessage(lang string, err error) string {
	msg := kamp.ErrorMessage(err)
	if HasMessage(msg) {
		return T(lang, msg)
	}
	code := kamp.ErrorCode(err)
	key := "form.err.invalid"
	switch code {
	case kamp.ECONFLICT:
		key = "form.err.conflict"
	case kamp.EFORBIDDEN:
		key = "form.err.forbidden"
	case kamp.ENOTFOUND:
		key = "form.err.notfound"
	}
	if lang == LangEN && msg != "" {
		return T(lang, key) + " " + msg + "."
	}
	return T(lang, key)
}

// formFailure reports whether err is one a form shows next to its fields
// (the person can fix it) rather than as an error page.
func formFailure(err error) bool {
	switch kamp.ErrorCode(err) {
	case kamp.EINVALID, kamp.ECONFLICT, kamp.EFORBIDDEN, kamp.ENOTFOUND:
		return true
	}
	return false
}

// orgNode is one unit of the org tree as the page shows it.
type orgNode struct {
	kamp.OrgUnit
	Staff    int // people whose org unit this is
	Selected bool
	Children []*orgNode
}

// buildOrgTree nests units under their parents; staff counts each unit's
// people.
func buildOrgTree(units []kamp.OrgUnit, staff map[string]int, selected string) []*orgNode {
	nodes := make(map[string]*orgNode, len(units))
	for _, u := range units {
		nodes[u.Code] = &orgNode{OrgUnit: u, Staff: staff[u.Code], Selected: u.Code == selected}
	}
	// Children by kind (branches before departments), then code.
	units = slices.Clone(units)
	slices.SortStableFunc(units, func(x, y kamp.OrgUnit) int {
		if d := slices.Index(kamp.UnitKinds, x.Kind) - slices.Index(kamp.UnitKinds, y.Kind); d != 0 {
			return d
		}
		return strings.Compare(x.Code, y.Code)
	})
	var roots []*orgNode
	for _, u := range units {
		n := nodes[u.Code]
		if p, ok := nodes[u.Parent]; ok && u.Parent != "" {
			p.Children = append(p.Children, n)
		} else {
			roots = append(roots, n)
		}
	}
	return roots
}

// peopleQuery is the people table's filter as it stands in the query
// string.
type peopleQuery struct {
	Unit string
	Role string
	Page int
}

func parsePeopleQuery(v url.Values) (peopleQuery, error) {
	q := peopleQuery{Unit: strings.TrimSpace(v.Get("unit")), Role: strings.TrimSpace(v.Get("role")), Page: 1}
	if q.Unit != "" {
		if err := check.ID(q.Unit); err != nil {
			return q, kamp.WrapError(kamp.EINVALID, err, "unit")
		}
	}
	if q.Role != "" && !slices.Contains(kamp.Roles, q.Role) {
		return q, kamp.Errorf(kamp.EINVALID, "role must be one of %s, not %q", strings.Join(kamp.Roles, ", "), q.Role)
	}
	if p := v.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 1_000_000 {
			return q, kamp.Errorf(kamp.EINVALID, "page must be a number from 1")
		}
		q.Page = n
	}
	return q, nil
}

func (q peopleQuery) values() url.Values {
	v := url.Values{}
	if q.Unit != "" {
		v.Set("unit", q.Unit)
	}
	if q.Role != "" {
		v.Set("role", q.Role)
	}
	if q.Page > 1 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	return v
}

// filterPeople returns the users in unit's subtree (all when "") with role
// (all when "").
func filterPeople(users []kamp.User, units []kamp.OrgUnit, unit, role string) []kamp.User {
	var in map[string]bool
	if unit != "" {
		in = map[string]bool{}
		for _, c := range kamp.Subtree(units, unit) {
			in[c] = true
		}
	}
	out := []kamp.User{}
	for _, u := range users {
		if (in == nil || in[u.OrgUnit]) && (role == "" || u.Role == role) {
			out = append(out, u)
		}
	}
	return out
}

// unitForm is the add/edit unit form's values and error.
type unitForm struct {
	Code, Name, Kind, Parent string
	Editing                  bool // the code names an existing unit
	Error                    string
}

// personForm is the add-person form's values and error. The password is
// never sent back.
type personForm struct {
	Login, Name, Role, OrgUnit string
	Level                      int
	Error                      string
}

// orgPage is the data of GET /org.
type orgPage struct {
	listNav
	Tree        []*orgNode
	Units       []kamp.OrgUnit
	UnitNames   map[string]string
	Query       peopleQuery
	People      []kamp.User
	Total       int
	Roles       []string
	Kinds       []string
	Levels      []int
	CanManage   bool
	UnitForm    unitForm
	PersonForm  personForm
	DeleteError string
	Deleted     string // the unit just deleted
	// Imported is how many units an org-units file just added or updated;
	// ImportError and ImportRows say what is wrong with one refused.
	Imported    int
	ImportError string
	ImportRows  []kamp.RowError
}

// handleOrg serves GET /org: the org tree and the people table (filtered
// by ?unit= subtree and ?role=, paged; ?format=csv|xlsx exports it), and
// for administrators the forms that change them.
func (s *Server) handleOrg(w http.ResponseWriter, r *http.Request, a *auth) error {
	q, err := parsePeopleQuery(r.URL.Query())
	if err != nil {
		return err
	}
	if fm := r.URL.Query().Get("format"); fm != "" {
		format, err := export.ParseFormat(fm)
		if err != nil {
			return err
		}
		return s.exportPeople(w, r, a, q, format)
	}
	p := orgPage{PersonForm: personForm{Level: kamp.LevelStaff}}
	if code := strings.TrimSpace(r.URL.Query().Get("edit")); code != "" {
		p.UnitForm.Code = code
	}
	p.Deleted = strings.TrimSpace(r.URL.Query().Get("deleted"))
	if n, err := strconv.Atoi(r.URL.Query().Get("imported")); err == nil && n > 0 {
		p.Imported = n
	}
	return s.renderOrg(w, r, a, http.StatusOK, q, p)
}

// renderOrg fills in the tree and the people of q and writes the page.
func (s *Server) renderOrg(w http.ResponseWriter, r *http.Request, a *auth, status int, q peopleQuery, p orgPage) error {
	units, users, staff, err := s.orgUnitsAndStaff(r.Context())
	if err != nil {
		return err
	}
	p.Tree = buildOrgTree(units, staff, q.Unit)
	p.Units = units
	p.UnitNames = make(map[string]string, len(units))
	for _, u := range units {
		p.UnitNames[u.Code] = u.Name
	}
	// A unit opened for editing takes its stored values, unless the form
	// comes back with an error and the values typed.
	if p.UnitForm.Code != "" && p.UnitForm.Error == "" {
		if i := slices.IndexFunc(units, func(u kamp.OrgUnit) bool { return u.Code == p.UnitForm.Code }); i >= 0 {
			u := units[i]
			p.UnitForm = unitForm{Code: u.Code, Name: u.Name, Kind: u.Kind, Parent: u.Parent, Editing: true}
		} else {
			p.UnitForm = unitForm{}
		}
	}
	people := filterPeople(users, units, q.Unit, q.Role)
	p.Query, p.Total = q, len(people)
	p.listNav = newListNav("/org", q.values(), q.Page, len(people), peoplePerPage)
	from := min((q.Page-1)*peoplePerPage, len(people))
	p.People = people[from:min(from+peoplePerPage, len(people))]
	p.Roles, p.Kinds = kamp.Roles, kamp.UnitKinds
	for l := kamp.LevelStaff; l <= kamp.LevelExecutive; l++ {
		p.Levels = append(p.Levels, l)
	}
	p.CanManage = a.User.Can(kamp.ActManageOrg)
	return s.renderPage(w, r, a, status, "org", p)
}

// peopleColumns are the columns of the people export.
var peopleColumns = []export.Column{
	{Name: "login"}, {Name: "name"}, {Name: "role"}, {Name: "org_unit"}, {Name: "org_unit_name"},
	{Name: "level", Numeric: true}, {Name: "disabled"},
}

// exportPeople writes every person the filter selects, audited.
func (s *Server) exportPeople(w http.ResponseWriter, r *http.Request, a *auth, q peopleQuery, format export.Format) error {
	units, err := s.db.OrgUnits(r.Context())
	if err != nil {
		return err
	}
	users, err := s.db.Users(r.Context())
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, u := range units {
		names[u.Code] = u.Name
	}
	filter := q.values()
	filter.Del("page")
	if err := s.auditExport(r, a, "staff", format, filter); err != nil {
		return err
	}
	attachment(w, format, "staff-"+s.cfg.Now().UTC().Format("20060102")+format.Extension())
	ew, err := export.New(format, w, "staff", peopleColumns)
	if err != nil {
		return s.abortStream(r, err)
	}
	row := make([]string, 0, len(peopleColumns))
	for _, u := range filterPeople(users, units, q.Unit, q.Role) {
		row = append(row[:0], u.Login, u.Name, u.Role, u.OrgUnit, names[u.OrgUnit], strconv.Itoa(u.Level), strconv.FormatBool(u.Disabled))
		if err := ew.WriteRow(row); err != nil {
			return s.abortStream(r, err)
		}
	}
	if err := ew.Close(); err != nil {
		return s.abortStream(r, err)
	}
	return nil
}

// handleOrgUnitSave serves POST /org/units: add a unit, or change the
// name, kind or parent of one (administrators).
func (s *Server) handleOrgUnitSave(w http.ResponseWriter, r *http.Request, a *auth) error {
	if err := may(a, kamp.ActManageOrg); err != nil {
		return err
	}
	f := r.PostForm
	uf := unitForm{Code: strings.TrimSpace(f.Get("code")), Name: strings.TrimSpace(f.Get("name")),
		Kind: strings.TrimSpace(f.Get("kind")), Parent: strings.TrimSpace(f.Get("parent")), Editing: f.Get("editing") == "1"}
	fail := func(msg string) error {
		uf.Error = msg
		return s.renderOrg(w, r, a, http.StatusBadRequest, peopleQuery{Page: 1}, orgPage{UnitForm: uf, PersonForm: personForm{Level: kamp.LevelStaff}})
	}
	switch {
	case check.ID(uf.Code) != nil:
		return fail(T(a.Lang, "org.err.code"))
	case uf.Name == "":
		return fail(T(a.Lang, "org.err.name"))
	case !slices.Contains(kamp.UnitKinds, uf.Kind):
		return fail(T(a.Lang, "org.err.kind"))
	case uf.Kind != kamp.UnitHeadOffice && uf.Parent == "":
		return fail(T(a.Lang, "org.err.parent"))
	case uf.Parent == uf.Code:
		return fail(T(a.Lang, "org.err.parent_self"))
	}
	if uf.Kind == kamp.UnitHeadOffice {
		uf.Parent = ""
	}
	err := s.db.SaveOrgUnits(r.Context(), []kamp.OrgUnit{{Code: uf.Code, Name: uf.Name, Kind: uf.Kind, Parent: uf.Parent}})
	if formFailure(err) {
		return fail(formMessage(a.Lang, err))
	}
	if err != nil {
		return err
	}
	s.log.Info("org unit saved", "request_id", requestID(r.Context()), "code", uf.Code, "by", a.User.Login)
	http.Redirect(w, r, "/org?unit="+url.QueryEscape(uf.Code), http.StatusSeeOther)
	return nil
}

// handleOrgUnitDelete serves POST /org/units/{code}/delete: remove a unit
// with nothing under it and no staff, once the confirm box is ticked.
func (s *Server) handleOrgUnitDelete(w http.ResponseWriter, r *http.Request, a *auth) error {
	if err := may(a, kamp.ActManageOrg); err != nil {
		return err
	}
	code := r.PathValue("code")
	back := orgPage{UnitForm: unitForm{Code: code}, PersonForm: personForm{Level: kamp.LevelStaff}}
	if r.PostForm.Get("confirm") != "1" {
		back.DeleteError = T(a.Lang, "org.err.confirm_delete")
		return s.renderOrg(w, r, a, http.StatusBadRequest, peopleQuery{Page: 1}, back)
	}
	err := s.db.DeleteOrgUnit(r.Context(), code)
	if kamp.ErrorCode(err) == kamp.ECONFLICT {
		back.DeleteError = T(a.Lang, "org.err.delete_busy")
		if a.Lang == LangEN {
			back.DeleteError = formMessage(a.Lang, err)
		}
		return s.renderOrg(w, r, a, http.StatusConflict, peopleQuery{Page: 1}, back)
	}
	if err != nil {
		return err
	}
	s.log.Info("org unit deleted", "request_id", requestID(r.Context()), "code", code, "by", a.User.Login)
	http.Redirect(w, r, "/org?deleted="+url.QueryEscape(code), http.StatusSeeOther)
	return nil
}

// readPersonFields reads role, org unit and level from a person form and
// checks them against the org; the message is "" when they are right.
func readPersonFields(lang string, f url.Values, units []kamp.OrgUnit) (role, unit string, level int, msg string) {
	role, unit = strings.TrimSpace(f.Get("role")), strings.TrimSpace(f.Get("org_unit"))
	level, err := strconv.Atoi(strings.TrimSpace(f.Get("level")))
	switch {
	case !slices.Contains(kamp.Roles, role):
		return role, unit, level, T(lang, "org.err.role")
	case err != nil || level < kamp.LevelStaff || level > kamp.MaxLevel:
		return role, unit, level, T(lang, "org.err.level", kamp.MaxLevel)
	case unit == "" && !kamp.BankWide(role):
		return role, unit, level, T(lang, "org.err.unit_required")
	case unit != "" && !slices.ContainsFunc(units, func(u kamp.OrgUnit) bool { return u.Code == unit }):
		return role, unit, level, T(lang, "org.err.unit")
	}
	return role, unit, level, ""
}

// handlePersonAdd serves POST /org/people: add a person with the initial
// password the administrator typed (administrators). Nothing secret is
// shown back or logged.
func (s *Server) handlePersonAdd(w http.ResponseWriter, r *http.Request, a *auth) error {
	if err := may(a, kamp.ActManageOrg); err != nil {
		return err
	}
	units, err := s.db.OrgUnits(r.Context())
	if err != nil {
		return err
	}
	f := r.PostForm
	pf := personForm{Login: strings.TrimSpace(f.Get("login")), Name: strings.TrimSpace(f.Get("name"))}
	var msg string
	pf.Role, pf.OrgUnit, pf.Level, msg = readPersonFields(a.Lang, f, units)
	password := f.Get("password")
	switch {
	case check.ID(pf.Login) != nil:
		msg = T(a.Lang, "org.err.login")
	case pf.Name == "":
		msg = T(a.Lang, "org.err.person_name")
	case msg != "":
	case len(password) < minPassword:
		msg = T(a.Lang, "org.err.password", minPassword)
	}
	if msg == "" {
		_, err = s.db.CreateUser(r.Context(), kamp.User{Login: pf.Login, Name: pf.Name, Role: pf.Role, OrgUnit: pf.OrgUnit, Level: pf.Level}, password)
		if kamp.ErrorCode(err) == kamp.ECONFLICT {
			msg = T(a.Lang, "org.err.login_taken", pf.Login)
		} else if formFailure(err) {
			msg = formMessage(a.Lang, err)
		} else if err != nil {
			return err
		}
	}
	if msg != "" {
		if pf.Level == 0 {
			pf.Level = kamp.LevelStaff
		}
		pf.Error = msg
		return s.renderOrg(w, r, a, http.StatusBadRequest, peopleQuery{Page: 1}, orgPage{PersonForm: pf})
	}
	s.log.Info("person added", "request_id", requestID(r.Context()), "login", pf.Login, "by", a.User.Login)
	http.Redirect(w, r, "/org/people/"+url.PathEscape(pf.Login)+"?saved=1", http.StatusSeeOther)
	return nil
}

// personPage is the data of a person's page.
type personPage struct {
	Person    kamp.User
	UnitName  string
	Units     []kamp.OrgUnit
	Roles     []string
	Levels    []int
	CanManage bool
	Saved     bool
	Error     string
	// Teams are the person's current coverage teams the viewer may see.
	Teams []store.TeamUnit
}

// handlePerson serves GET /org/people/{login}: a person's record, teams
// and, for administrators, the form that changes them.
func (s *Server) handlePerson(w http.ResponseWriter, r *http.Request, a *auth) error {
	u, err := s.db.UserByLogin(r.Context(), r.PathValue("login"))
	if err != nil {
		return err
	}
	return s.renderPerson(w, r, a, http.StatusOK, personPage{Person: u, Saved: r.URL.Query().Get("saved") == "1"})
}

func (s *Server) renderPerson(w http.ResponseWriter, r *http.Request, a *auth, status int, p personPage) error {
	units, err := s.db.OrgUnits(r.Context())
	if err != nil {
		return err
	}
	p.Units, p.Roles, p.CanManage = units, kamp.Roles, a.User.Can(kamp.ActManageOrg)
	for _, u := range units {
		if u.Code == p.Person.OrgUnit {
			p.UnitName = u.Name
		}
	}
	for l := kamp.LevelStaff; l <= kamp.LevelExecutive; l++ {
		p.Levels = append(p.Levels, l)
	}
	if p.Person.Level > kamp.LevelExecutive {
		p.Levels = append(p.Levels, p.Person.Level)
	}
	// The person's teams, as far as the viewer may see the units.
	teams, err := s.db.MyTeams(r.Context(), p.Person)
	if err != nil {
		return err
	}
	for _, t := range teams {
		if _, _, err := s.db.UnitName(r.Context(), a.Viewer, t.UnitID); err == nil {
			p.Teams = append(p.Teams, t)
		} else if kamp.ErrorCode(err) != kamp.ENOTFOUND {
			return err
		}
	}
	return s.renderPage(w, r, a, status, "person", p)
}

// handlePersonSave serves POST /org/people/{login}: change a person's
// name, role, org unit, level and disabled flag (administrators).
func (s *Server) handlePersonSave(w http.ResponseWriter, r *http.Request, a *auth) error {
	if err := may(a, kamp.ActManageOrg); err != nil {
		return err
	}
	before, err := s.db.UserByLogin(r.Context(), r.PathValue("login"))
	if err != nil {
		return err
	}
	units, err := s.db.OrgUnits(r.Context())
	if err != nil {
		return err
	}
	f := r.PostForm
	u := before
	var msg string
	u.Role, u.OrgUnit, u.Level, msg = readPersonFields(a.Lang, f, units)
	u.Name, u.Disabled = strings.TrimSpace(f.Get("name")), f.Get("disabled") == "1"
	switch {
	case msg != "":
	case u.Name == "":
		msg = T(a.Lang, "org.err.person_name")
	case u.ID == a.User.ID && (u.Disabled || u.Role != a.User.Role):
		msg = T(a.Lang, "org.err.self")
	}
	if msg == "" {
		_, err = s.db.UpdateUser(r.Context(), u)
		if formFailure(err) {
			msg = formMessage(a.Lang, err)
		} else if err != nil {
			return err
		}
	}
	if msg != "" {
		if u.Level < kamp.LevelStaff {
			u.Level = before.Level
		}
		return s.renderPerson(w, r, a, http.StatusBadRequest, personPage{Person: u, Error: msg})
	}
	s.log.Info("person changed", "request_id", requestID(r.Context()), "login", u.Login, "by", a.User.Login)
	http.Redirect(w, r, "/org/people/"+url.PathEscape(u.Login)+"?saved=1", http.StatusSeeOther)
	return nil
}

// apiOrgUnit is an org unit as the API shows it.
type apiOrgUnit struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	Parent string `json:"parent"`
	Staff  int    `json:"staff"`
}

// apiStaff is a person as the API shows it.
type apiStaff struct {
	Login    string `json:"login"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	OrgUnit  string `json:"org_unit"`
	Level    int    `json:"level"`
	Disabled bool   `json:"disabled"`
}

// offsetCursor reads ?limit= and ?cursor= of a list paged by offset.
func offsetCursor(v url.Values) (offset, limit int, err error) {
	if limit, err = limitParam(v); err != nil {
		return 0, 0, err
	}
	if c := v.Get("cursor"); c != "" {
		pos, err := decodeCursor(c)
		if err != nil {
			return 0, 0, err
		}
		n, err := strconv.Atoi(strings.TrimPrefix(pos, "o:"))
		if err != nil || n < 0 || !strings.HasPrefix(pos, "o:") {
			return 0, 0, kamp.Errorf(kamp.EINVALID, "cursor is not valid: pass next_cursor as it was returned")
		}
		offset = n
	}
	return offset, limit, nil
}

// nextOffsetCursor is the cursor after offset+n of total, "" at the end.
func nextOffsetCursor(offset, n, total int) string {
	if n > 0 && offset+n < total {
		return encodeCursor("o:" + strconv.Itoa(offset+n))
	}
	return ""
}

// pageOf returns items[offset:offset+limit], bounded.
func pageOf[T any](items []T, offset, limit int) []T {
	from := min(offset, len(items))
	return items[from:min(from+limit, len(items))]
}

// apiOrgUnits serves GET /api/v1/org-units: every unit by code, paged.
func (s *Server) apiOrgUnits(w http.ResponseWriter, r *http.Request, a *auth) error {
	offset, limit, err := offsetCursor(r.URL.Query())
	if err != nil {
		return err
	}
	units, _, staff, err := s.orgUnitsAndStaff(r.Context())
	if err != nil {
		return err
	}
	page := pageOf(units, offset, limit)
	out := apiList[apiOrgUnit]{Items: make([]apiOrgUnit, 0, len(page)), NextCursor: nextOffsetCursor(offset, len(page), len(units))}
	for _, u := range page {
		out.Items = append(out.Items, apiOrgUnit{Code: u.Code, Name: u.Name, Kind: u.Kind, Parent: u.Parent, Staff: staff[u.Code]})
	}
	s.writeJSON(w, r, http.StatusOK, out)
	return nil
}

// apiStaffList serves GET /api/v1/staff: people by login, filtered by
// org_unit (its subtree) and role, paged.
func (s *Server) apiStaffList(w http.ResponseWriter, r *http.Request, a *auth) error {
	v := r.URL.Query()
	offset, limit, err := offsetCursor(v)
	if err != nil {
		return err
	}
	q, err := parsePeopleQuery(url.Values{"unit": {v.Get("org_unit")}, "role": {v.Get("role")}})
	if err != nil {
		return err
	}
	units, err := s.db.OrgUnits(r.Context())
	if err != nil {
		return err
	}
	users, err := s.db.Users(r.Context())
	if err != nil {
		return err
	}
	people := filterPeople(users, units, q.Unit, q.Role)
	page := pageOf(people, offset, limit)
	out := apiList[apiStaff]{Items: make([]apiStaff, 0, len(page)), NextCursor: nextOffsetCursor(offset, len(page), len(people))}
	for _, u := range page {
		out.Items = append(out.Items, apiStaff{Login: u.Login, Name: u.Name, Role: u.Role, OrgUnit: u.OrgUnit, Level: u.Level, Disabled: u.Disabled})
	}
	s.writeJSON(w, r, http.StatusOK, out)
	return nil
}

// maxOrgFile bounds an uploaded org-units file, in bytes.
const maxOrgFile = 64 << 20

// orgFileName checks the name of an uploaded org-units file: a base name
// ending in .csv, .csv.gz or .xlsx.
func orgFileName(name string) bool {
	lower := strings.ToLower(name)
	return name != "" && name == filepath.Base(name) && !strings.ContainsAny(name, `/\`+"\x00") && name != "." && name != ".." &&
		(strings.HasSuffix(lower, ".csv") || strings.HasSuffix(lower, ".csv.gz") || strings.HasSuffix(lower, ".xlsx"))
}

// handleOrgImport serves POST /org/units/import: an org-units file (the
// field "file": org-units.csv, .csv.gz or .xlsx) whose units are added or
// updated, keeping the units it does not name (administrators). A file
// with any bad row changes nothing and comes back with every problem.
func (s *Server) handleOrgImport(w http.ResponseWriter, r *http.Request, a *auth) error {
	if err := may(a, kamp.ActManageOrg); err != nil {
		return err
	}
	mr, err := s.multipartReader(w, r)
	if err != nil {
		return err
	}
	back := orgPage{PersonForm: personForm{Level: kamp.LevelStaff}}
	fail := func(status int, msg string, rows []kamp.RowError) error {
		back.ImportError, back.ImportRows = msg, rows
		return s.renderOrg(w, r, a, status, peopleQuery{Page: 1}, back)
	}
	var path string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			if isMaxBytes(err) {
				return fail(http.StatusRequestEntityTooLarge, T(a.Lang, "imports.too_large", FormatBytes(s.cfg.MaxUploadBytes)), nil)
			}
			return kamp.WrapError(kamp.EINVALID, err, "the upload is not a valid multipart form")
		}
		if p.FormName() != "file" || path != "" {
			continue
		}
		name := p.FileName()
		if !orgFileName(name) {
			return fail(http.StatusBadRequest, T(a.Lang, "org.err.file_name", name), nil)
		}
		dir, err := os.MkdirTemp(filepath.Join(s.cfg.DataDir, "uploads"), "org-")
		if err != nil {
			return kamp.WrapError(kamp.EINTERNAL, err, "cannot keep the org-units file")
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, name)
		if err := saveLimited(p, path, maxOrgFile); err != nil {
			if kamp.ErrorCode(err) == kamp.EINVALID || isMaxBytes(err) {
				return fail(http.StatusRequestEntityTooLarge, T(a.Lang, "imports.too_large", FormatBytes(maxOrgFile)), nil)
			}
			return err
		}
	}
	if path == "" {
		return fail(http.StatusBadRequest, T(a.Lang, "org.err.no_file"), nil)
	}
	units, rows, err := org.ReadFile(path)
	if err != nil {
		if formFailure(err) {
			return fail(http.StatusBadRequest, formMessage(a.Lang, err), nil)
		}
		return err
	}
	if len(rows) > 0 {
		return fail(http.StatusBadRequest, T(a.Lang, "org.err.file_rows", len(rows)), rows)
	}
	if len(units) == 0 {
		return fail(http.StatusBadRequest, T(a.Lang, "org.err.file_empty"), nil)
	}
	if err := s.db.SaveOrgUnits(r.Context(), units); err != nil {
		if formFailure(err) {
			return fail(http.StatusBadRequest, formMessage(a.Lang, err), nil)
		}
		return err
	}
	s.log.Info("org units imported", "request_id", requestID(r.Context()), "units", len(units), "by", a.User.Login)
	http.Redirect(w, r, "/org?imported="+strconv.Itoa(len(units)), http.StatusSeeOther)
	return nil
}

// saveLimited copies src to a new file at path, refusing (EINVALID) more
// than max bytes.
func saveLimited(src io.Reader, path string, max int64) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return kamp.WrapError(kamp.EINTERNAL, err, "cannot keep the uploaded file")
	}
	n, err := io.Copy(f, io.LimitReader(src, max+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if isMaxBytes(err) {
			return err
		}
		return kamp.WrapError(kamp.EINTERNAL, err, "cannot keep the uploaded file")
	}
	if n > max {
		return kamp.Errorf(kamp.EINVALID, "the file is larger than %d bytes", max)
	}
	return nil
}

// orgUnitsAndStaff returns the org units, the people, and how many people
// each unit has.
func (s *Server) orgUnitsAndStaff(ctx context.Context) ([]kamp.OrgUnit, []kamp.User, map[string]int, error) {
	units, err := s.db.OrgUnits(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	users, err := s.db.Users(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	staff := map[string]int{}
	for _, u := range users {
		staff[u.OrgUnit]++
	}
	return units, users, staff, nil
}
