package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/control"
	"github.com/kampbank/kamp/export"
	"github.com/kampbank/kamp/grouping"
	"github.com/kampbank/kamp/store"
)

// groupsPerPage is the page size of the group list and of a group's
// members.
const groupsPerPage = 50

// runsShown is how many runs the groups list shows in its history.
const runsShown = 10

// maxGraphNodes caps the nodes of a group graph; larger groups show their
// members nearest the root.
const maxGraphNodes = 500

// RecomputeGroups recomputes the corporate groups in the background with
// the tier-1 capital and regime of the settings (else of the server's
// configuration), and returns at once; the groups list shows its progress.
// Close stops it.
//
// Pages show the limits of the latest run (runLimits): the figures stored
// were computed with them.
func (s *Server) RecomputeGroups() {
	s.start(s.groups, func(ctx context.Context, progress func(string, int, int)) (string, error) {
		tier1, regime, err := grouping.Limits(ctx, s.db, s.cfg.Tier1, s.cfg.Regime)
		if err != nil {
			return "", err
		}
		return grouping.Recompute(ctx, s.db, tier1, regime, progress)
	})
}

// importAffectsGroups reports whether a finished import loaded data that
// changes the groups.
func importAffectsGroups(b kamp.ImportBatch) bool {
	if b.Status != kamp.ImportLoaded && b.Status != kamp.ImportPartial {
		return false
	}
	for _, f := range b.Files {
		if !f.Skipped && f.Loaded > 0 && grouping.Affects(f.Kind) {
			return true
		}
	}
	return false
}

// groupQuery is the group list's state as it stands in the query string.
type groupQuery struct {
	MinSize, MaxSize, MinDepth, MaxDepth string
	Status, Cycle, Conflict, Sort        string
	Page                                 int
}

// intParam reads an optional whole number from 0 to 10,000,000.
func intParam(name, v string) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 10_000_000 {
		return 0, kamp.Errorf(kamp.EINVALID, "%s must be a whole number from 0, not %q", name, v)
	}
	return n, nil
}

// parseGroupQuery reads and checks the list's query string; names are
// those of the API's filters.
func parseGroupQuery(v url.Values) (groupQuery, store.GroupFilter, error) {
	q := groupQuery{
		MinSize: strings.TrimSpace(v.Get("min_size")), MaxSize: strings.TrimSpace(v.Get("max_size")),
		MinDepth: strings.TrimSpace(v.Get("min_depth")), MaxDepth: strings.TrimSpace(v.Get("max_depth")),
		Status: strings.TrimSpace(v.Get("status")), Cycle: strings.TrimSpace(v.Get("has_cycle")),
		Conflict: strings.TrimSpace(v.Get("has_conflict")), Sort: strings.TrimSpace(v.Get("sort")), Page: 1,
	}
	var f store.GroupFilter
	var err error
	for _, p := range []struct {
		name string
		v    string
		dst  *int
	}{{"min_size", q.MinSize, &f.MinSize}, {"max_size", q.MaxSize, &f.MaxSize}, {"min_depth", q.MinDepth, &f.MinDepth}, {"max_depth", q.MaxDepth, &f.MaxDepth}} {
		if *p.dst, err = intParam(p.name, p.v); err != nil {
			return q, f, err
		}
	}
	if q.Status != "" && !containsString(store.GroupStatuses, q.Status) {
		return q, f, kamp.Errorf(kamp.EINVALID, "status must be one of %s, not %q", strings.Join(store.GroupStatuses, ", "), q.Status)
	}
	f.Status = q.Status
	if f.HasCycle, err = parseBoolParam("has_cycle", q.Cycle); err != nil {
		return q, f, err
	}
	if f.HasConflict, err = parseBoolParam("has_conflict", q.Conflict); err != nil {
		return q, f, err
	}
	if q.Sort != "" && !containsString(store.GroupSorts, q.Sort) {
		return q, f, kamp.Errorf(kamp.EINVALID, "cannot sort by %q: use %s", q.Sort, strings.Join(store.GroupSorts, ", "))
	}
	f.Sort = q.Sort
	if p := v.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 1_000_000 {
			return q, f, kamp.Errorf(kamp.EINVALID, "page must be a number from 1")
		}
		q.Page = n
	}
	return q, f, nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// values returns the query as URL values without empty fields and page 1.
func (q groupQuery) values() url.Values {
	v := url.Values{}
	for _, kv := range [][2]string{{"min_size", q.MinSize}, {"max_size", q.MaxSize}, {"min_depth", q.MinDepth}, {"max_depth", q.MaxDepth},
		{"status", q.Status}, {"has_cycle", q.Cycle}, {"has_conflict", q.Conflict}, {"sort", q.Sort}} {
		if kv[1] != "" {
			v.Set(kv[0], kv[1])
		}
	}
	if q.Page > 1 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	return v
}

// url returns /groups with the query.
func (q groupQuery) url() string {
	if enc := q.values().Encode(); enc != "" {
		return "/groups?" + enc
	}
	return "/groups"
}

// groupsPage is the data of the group list.
type groupsPage struct {
	listNav
	Query    groupQuery
	Items    []store.GroupSummary
	Total    int
	Statuses []string
	Sorts    []string
	Run      *store.GroupRun
	Runs     []store.GroupRun // the latest runs, newest first
	Job      jobState
	Tier1    bool
}

// handleGroups serves GET /groups: filters, sorting, paging, the latest
// run and a recompute's progress; ?format=csv|xlsx exports the limits
// report of everything that matches, and ?fragment=progress returns the
// progress alone for htmx.
func (s *Server) handleGroups(w http.ResponseWriter, r *http.Request, a *auth) error {
	if r.URL.Query().Get("fragment") == "progress" {
		return s.renderTemplate(w, r, a, http.StatusOK, "groups", "group_progress_fragment", s.groups.state())
	}
	q, f, err := parseGroupQuery(r.URL.Query())
	if err != nil {
		return err
	}
	if fm := r.URL.Query().Get("format"); fm != "" {
		format, err := export.ParseFormat(fm)
		if err != nil {
			return err
		}
		return s.exportGroups(w, r, a, q, f, format)
	}
	f.Limit, f.Offset = groupsPerPage, (q.Page-1)*groupsPerPage
	items, total, err := s.db.Groups(r.Context(), a.Viewer, f)
	if err != nil {
		return err
	}
	p := groupsPage{listNav: newListNav("/groups", q.values(), q.Page, total, groupsPerPage), Query: q, Items: items, Total: total,
		Statuses: store.GroupStatuses, Sorts: store.GroupSorts, Job: s.groups.state(), Tier1: s.runLimits(r.Context()).Tier1 > 0}
	if p.Runs, _, err = s.db.GroupRuns(r.Context(), 0, runsShown); err != nil {
		return err
	}
	if run, err := s.db.LatestGroupRun(r.Context()); err == nil {
		p.Run = &run
	} else if kamp.ErrorCode(err) != kamp.ENOTFOUND {
		return err
	}
	return s.renderPage(w, r, a, http.StatusOK, "groups", p)
}

// groupColumns are the columns of the limits report.
var groupColumns = []export.Column{
	{Name: "group_id"}, {Name: "root_name"}, {Name: "members", Numeric: true}, {Name: "clients", Numeric: true},
	{Name: "depth", Numeric: true}, {Name: "cycle_members", Numeric: true}, {Name: "conflicts", Numeric: true},
	{Name: "exposure_cny", Numeric: true}, {Name: "pct_of_tier1", Numeric: true}, {Name: "limit_pct", Numeric: true},
	{Name: "headroom_cny", Numeric: true}, {Name: "status"},
}

// groupRow is one group as a row of the limits report.
func groupRow(g store.GroupSummary, tier1 bool, row []string) []string {
	pct, headroom := "", ""
	if tier1 {
		pct, headroom = strconv.FormatFloat(g.PctOfTier1, 'f', 4, 64), g.Headroom.String()
	}
	return append(row[:0], g.GroupID, g.RootName, strconv.Itoa(g.Members), strconv.Itoa(g.Clients), strconv.Itoa(g.MaxDepth),
		strconv.Itoa(g.Cycles), strconv.Itoa(g.Conflicts), g.Exposure.String(), pct,
		kamp.FormatFixed(int64(g.LimitBP), 2), headroom, g.Status)
}

// exportGroups streams the limits report of every group that matches q,
// in the page's order, a store page at a time.
func (s *Server) exportGroups(w http.ResponseWriter, r *http.Request, a *auth, q groupQuery, f store.GroupFilter, format export.Format) error {
	filter := q.values()
	filter.Del("page")
	tier1 := s.runLimits(r.Context()).Tier1 > 0
	job := exportJob{object: "groups", filter: filter, file: "group-limits-" + s.cfg.Now().UTC().Format("20060102") + format.Extension(),
		sheet: "groups", columns: groupColumns}
	return streamExport(s, w, r, a, format, job, func(offset int) ([]store.GroupSummary, error) {
		f.Limit, f.Offset = exportChunk, offset
		items, _, err := s.db.Groups(r.Context(), a.Viewer, f)
		return items, err
	}, func(g store.GroupSummary, cells []string) []string { return groupRow(g, tier1, cells) })
}

// pathLine is one step of a control path, in words.
type pathLine struct {
	Text string
}

// groupPage is the data of a group's page.
type groupPage struct {
	Group       store.GroupSummary
	Members     []store.EntityGroup
	Total       int
	Page        int
	Pages       int
	PrevURL     string
	NextURL     string
	GraphURL    string
	Tier1       bool
	LimitAmount kamp.Amount
	LimitPct    float64
	Regime      string
	// Indicators are the members' indicators summed for the latest
	// period; IndicatorsNote says why they are missing, if they are.
	Indicators     store.GroupIndicators
	IndicatorsNote string
	// Path is the control path of the member asked for with ?path=.
	PathOf   *store.EntityGroup
	Path     []pathLine
	PathNote string
	// Overrides are the group's manual overrides, active and ended;
	// CanOverride says whether the viewer may propose one, Override is
	// the form (its values and error), Proposed that one was just made.
	Overrides   []store.GroupOverride
	CanOverride bool
	Override    overrideForm
	Proposed    bool
}

// handleGroup serves GET /groups/{id}: headline figures, the graph, the
// members (paged) and, with ?path=ID, that member's control path.
func (s *Server) handleGroup(w http.ResponseWriter, r *http.Request, a *auth) error {
	start := time.Now()
	p, err := s.groupPageData(r, a, overrideForm{})
	if err != nil {
		return err
	}
	err = s.renderPage(w, r, a, http.StatusOK, "group", p)
	s.log.Debug("group page", "request_id", requestID(r.Context()), "id", p.Group.GroupID, "members", p.Total, "elapsed", time.Since(start))
	return err
}

// groupPageData gathers the group page of the group in the path, with the
// override form f.
func (s *Server) groupPageData(r *http.Request, a *auth, f overrideForm) (groupPage, error) {
	ctx := r.Context()
	id := r.PathValue("id")
	g, err := s.db.Group(ctx, a.Viewer, id)
	if err != nil {
		return groupPage{}, err
	}
	page := 1
	if v := r.URL.Query().Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1_000_000 {
			return groupPage{}, kamp.Errorf(kamp.EINVALID, "page must be a number from 1")
		}
		page = n
	}
	members, total, err := s.db.GroupMembers(ctx, a.Viewer, id, (page-1)*groupsPerPage, groupsPerPage)
	if err != nil {
		return groupPage{}, err
	}
	base := "/groups/" + url.PathEscape(id)
	p := groupPage{Group: g, Members: members, Total: total, Page: page, Pages: max(1, (total+groupsPerPage-1)/groupsPerPage),
		GraphURL: base + "/graph.json", LimitPct: float64(g.LimitBP) / 100}
	run := s.runLimits(ctx)
	p.Tier1, p.Regime = run.Tier1 > 0, run.Regime
	if p.Tier1 {
		p.LimitAmount = g.Headroom + g.Exposure
	}
	switch p.Indicators, err = s.db.GroupIndicators(ctx, a.Viewer, id); {
	case kamp.ErrorCode(err) == kamp.EINVALID:
		p.IndicatorsNote = kamp.ErrorMessage(err)
	case err != nil:
		return groupPage{}, err
	}
	if page > 1 {
		p.PrevURL = base + "?page=" + strconv.Itoa(page-1)
	}
	if page < p.Pages {
		p.NextURL = base + "?page=" + strconv.Itoa(page+1)
	}
	if pid := r.URL.Query().Get("path"); pid != "" {
		m, err := s.db.GroupOf(ctx, a.Viewer, pid)
		if err != nil || m.GroupID != id {
			return groupPage{}, kamp.Errorf(kamp.ENOTFOUND, "%s is not a member of group %s", pid, id)
		}
		p.PathOf = &m
		p.Path, p.PathNote, err = s.controlPath(r, a, id, m)
		if err != nil {
			return groupPage{}, err
		}
	}
	if p.Overrides, err = s.db.GroupOverrides(ctx, a.Viewer, id); err != nil {
		return groupPage{}, err
	}
	p.CanOverride, p.Override, p.Proposed = a.User.Can(kamp.ActProposeOverride), f, r.URL.Query().Get("proposed") != ""
	return p, nil
}

// controlPath explains in words, in lang, how member m's immediate
// controller controls it, from the ownership inside the group; note is a
// message when there is nothing to explain.
func (s *Server) controlPath(r *http.Request, a *auth, groupID string, m store.EntityGroup) ([]pathLine, string, error) {
	lang := a.Lang
	if m.ControllerID == "" {
		if m.Conflict {
			return nil, T(lang, "groups.path_conflict"), nil
		}
		return nil, T(lang, "groups.path_none"), nil
	}
	ids, state, err := s.db.GroupMemberKinds(r.Context(), a.Viewer, groupID)
	if err != nil {
		return nil, "", err
	}
	hs, err := s.db.GroupHoldings(r.Context(), a.Viewer, groupID)
	if err != nil {
		return nil, "", err
	}
	in := control.Input{IDs: ids}
	if slices.Contains(state, true) {
		in.State = state
	}
	index := make(map[string]int32, len(ids))
	for i, id := range ids {
		index[id] = int32(i)
	}
	for _, h := range hs {
		in.Edges = append(in.Edges, control.Edge{Holder: index[h.HolderID], Held: index[h.EntityID], Share: h.Share, Agreement: h.Agreement})
	}
	if _, ok := index[m.ControllerID]; !ok {
		// A controller outside the group — a state body above a group
		// root: its direct holdings in the member may explain its control.
		holders, err := s.db.HoldersOf(r.Context(), a.Viewer, m.EntityID)
		if err != nil {
			return nil, "", err
		}
		v := int32(len(in.IDs))
		in.IDs = append(in.IDs, m.ControllerID)
		index[m.ControllerID] = v
		if in.State != nil {
			in.State = append(in.State, false)
		}
		for _, h := range holders {
			if h.HolderID == m.ControllerID {
				in.Edges = append(in.Edges, control.Edge{Holder: v, Held: index[m.EntityID], Share: h.Share, Agreement: h.Agreement})
			}
		}
	}
	res, err := control.Compute(in)
	if err != nil {
		return nil, "", err
	}
	ctrl, ok1 := index[m.ControllerID]
	e, ok2 := index[m.EntityID]
	if !ok1 || !ok2 {
		return nil, T(lang, "groups.path_outside"), nil
	}
	steps, err := control.Explain(in, res, ctrl, e)
	if kamp.ErrorCode(err) == kamp.ENOTFOUND {
		return nil, T(lang, "groups.path_outside"), nil
	}
	if err != nil {
		return nil, "", err
	}
	// Names only for the entities the steps mention; one that cannot be
	// read is named by its id.
	names := map[int32]string{}
	name := func(v int32) string {
		if n, ok := names[v]; ok {
			return n
		}
		n := in.IDs[v]
		if ent, err := s.db.Entity(r.Context(), a.Viewer, n); err == nil && ent.Name != "" {
			n = ent.Name
		}
		names[v] = n
		return n
	}
	var out []pathLine
	for _, st := range steps {
		var parts []string
		for _, h := range st.Holdings {
			var part string
			switch {
			case h.Holder == ctrl && h.Agreement && h.Share == 0:
				part = T(lang, "groups.path_agr_self", name(h.Holder))
			case h.Holder == ctrl:
				part = T(lang, "groups.path_holds_self", name(h.Holder), FormatShare(h.Share))
			case h.Agreement && h.Share == 0:
				part = T(lang, "groups.path_agr_sub", name(h.Holder), name(ctrl))
			default:
				part = T(lang, "groups.path_holds_sub", name(h.Holder), name(ctrl), FormatShare(h.Share))
			}
			if h.Agreement && h.Share != 0 {
				part += T(lang, "groups.path_plus_agr")
			}
			parts = append(parts, part)
		}
		text := T(lang, "groups.path_step", name(ctrl), name(st.Entity), strings.Join(parts, T(lang, "groups.path_and")))
		if len(st.Holdings) > 1 {
			text += T(lang, "groups.path_total", FormatShare(st.Total))
		}
		out = append(out, pathLine{Text: text})
	}
	return out, "", nil
}

// graphNode and graphEdge are the group graph's JSON.
type graphNode struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Client   bool   `json:"client"`
	Depth    int    `json:"depth"`
	Root     bool   `json:"root"`
	InCycle  bool   `json:"in_cycle"`
	Conflict bool   `json:"conflict"`
	Exposure string `json:"exposure"`
}

type graphEdge struct {
	Source    string `json:"source"`
	Target    string `json:"target"`
	SharePct  string `json:"share_pct"`
	Agreement bool   `json:"agreement"`
}

type groupGraph struct {
	GroupID   string      `json:"group_id"`
	Total     int         `json:"total"`
	Truncated bool        `json:"truncated"`
	Nodes     []graphNode `json:"nodes"`
	Edges     []graphEdge `json:"edges"`
	Currency  string      `json:"currency"`
	Labels    graphLabels `json:"labels"`
}

// graphLabels are the chart's words in the person's language.
type graphLabels struct {
	Title      string `json:"title"`
	Root       string `json:"root"`
	Client     string `json:"client"`
	NonClient  string `json:"non_client"`
	Share      string `json:"share"`
	Agreement  string `json:"agreement"`
	Exposure   string `json:"exposure"`
	Truncated  string `json:"truncated"`
	ControlsBy string `json:"controls_by"`
}

// handleGroupGraph serves GET /groups/{id}/graph.json: the members nearest
// the root (at most maxGraphNodes) and the holdings between them.
func (s *Server) handleGroupGraph(w http.ResponseWriter, r *http.Request, a *auth) error {
	ctx := r.Context()
	id := r.PathValue("id")
	g, err := s.db.Group(ctx, a.Viewer, id)
	if err != nil {
		return err
	}
	members, total, err := s.db.GroupMembers(ctx, a.Viewer, id, 0, maxGraphNodes)
	if err != nil {
		return err
	}
	hs, err := s.db.GroupHoldings(ctx, a.Viewer, id)
	if err != nil {
		return err
	}
	out := groupGraph{GroupID: id, Total: total, Truncated: total > len(members), Currency: kamp.ReportingCurrency,
		Nodes: make([]graphNode, 0, len(members)), Edges: []graphEdge{},
		Labels: graphLabels{Title: T(a.Lang, "groups.graph_title", g.RootName), Root: T(a.Lang, "groups.graph_root"),
			Client: T(a.Lang, "groups.graph_client"), NonClient: T(a.Lang, "groups.graph_nonclient"),
			Share: T(a.Lang, "entity.share"), Agreement: T(a.Lang, "entity.agreement"), Exposure: T(a.Lang, "groups.exposure"),
			Truncated: T(a.Lang, "groups.graph_truncated", len(members), total), ControlsBy: T(a.Lang, "groups.controller")}}
	in := make(map[string]bool, len(members))
	for _, m := range members {
		in[m.EntityID] = true
		out.Nodes = append(out.Nodes, graphNode{ID: m.EntityID, Name: m.EntityName, Kind: string(m.Kind), Client: m.IsClient,
			Depth: m.Depth, Root: m.EntityID == id, InCycle: m.InCycle, Conflict: m.Conflict, Exposure: m.Exposure.String()})
	}
	for _, h := range hs {
		if in[h.HolderID] && in[h.EntityID] {
			out.Edges = append(out.Edges, graphEdge{Source: h.HolderID, Target: h.EntityID, SharePct: h.Share.String(), Agreement: h.Agreement})
		}
	}
	s.writeJSON(w, r, http.StatusOK, out)
	return nil
}

// apiGroup is a group as the API shows it; amounts are exact decimals in
// currency, and the limit figures are null without tier-1 capital.
type apiGroup struct {
	GroupID    string  `json:"group_id"`
	RootName   string  `json:"root_name"`
	RootKind   string  `json:"root_kind"`
	Members    int     `json:"members"`
	Clients    int     `json:"clients"`
	Depth      int     `json:"depth"`
	CycleCount int     `json:"cycle_members"`
	Conflicts  int     `json:"conflicts"`
	Currency   string  `json:"currency"`
	Exposure   string  `json:"exposure"`
	PctOfTier1 *string `json:"pct_of_tier1"`
	LimitPct   string  `json:"limit_pct"`
	Headroom   *string `json:"headroom"`
	Status     string  `json:"status"`
}

func (s *Server) toAPIGroup(g store.GroupSummary, tier1 bool) apiGroup {
	out := apiGroup{GroupID: g.GroupID, RootName: g.RootName, RootKind: string(g.RootKind), Members: g.Members, Clients: g.Clients,
		Depth: g.MaxDepth, CycleCount: g.Cycles, Conflicts: g.Conflicts, Currency: kamp.ReportingCurrency, Exposure: g.Exposure.String(),
		LimitPct: kamp.FormatFixed(int64(g.LimitBP), 2), Status: g.Status}
	if tier1 {
		pct, h := strconv.FormatFloat(g.PctOfTier1, 'f', 4, 64), g.Headroom.String()
		out.PctOfTier1, out.Headroom = &pct, &h
	}
	return out
}

// apiMember is a group member as the API shows it.
type apiMember struct {
	EntityID     string `json:"entity_id"`
	Name         string `json:"name"`
	Kind         string `json:"kind"`
	IsClient     bool   `json:"is_client"`
	ControllerID string `json:"controller_id"`
	UltimateID   string `json:"ultimate_id"`
	Depth        int    `json:"depth"`
	InCycle      bool   `json:"in_cycle"`
	Conflict     bool   `json:"conflict"`
	Currency     string `json:"currency"`
	Exposure     string `json:"exposure"`
}

// apiGroups serves GET /api/v1/groups: the filters of the groups list,
// paged with an opaque cursor (an offset in the chosen order).
func (s *Server) apiGroups(w http.ResponseWriter, r *http.Request, a *auth) error {
	v := r.URL.Query()
	limit, err := limitParam(v)
	if err != nil {
		return err
	}
	_, f, err := parseGroupQuery(url.Values{"min_size": {v.Get("min_size")}, "max_size": {v.Get("max_size")},
		"min_depth": {v.Get("min_depth")}, "max_depth": {v.Get("max_depth")}, "status": {v.Get("status")},
		"has_cycle": {v.Get("has_cycle")}, "has_conflict": {v.Get("has_conflict")}, "sort": {v.Get("sort")}})
	if err != nil {
		return err
	}
	f.Limit = limit
	if c := v.Get("cursor"); c != "" {
		pos, err := decodeCursor(c)
		if err != nil {
			return err
		}
		if f.Offset, err = strconv.Atoi(pos); err != nil || f.Offset < 0 {
			return kamp.Errorf(kamp.EINVALID, "cursor is not valid: pass next_cursor as it was returned")
		}
	}
	items, total, err := s.db.Groups(r.Context(), a.Viewer, f)
	if err != nil {
		return err
	}
	out := apiList[apiGroup]{Items: make([]apiGroup, 0, len(items))}
	tier1 := s.runLimits(r.Context()).Tier1 > 0
	for _, g := range items {
		out.Items = append(out.Items, s.toAPIGroup(g, tier1))
	}
	if f.Offset+len(items) < total {
		out.NextCursor = encodeCursor(strconv.Itoa(f.Offset + len(items)))
	}
	s.writeJSON(w, r, http.StatusOK, out)
	return nil
}

// apiGroup serves GET /api/v1/groups/{id}.
func (s *Server) apiGroup(w http.ResponseWriter, r *http.Request, a *auth) error {
	g, err := s.db.Group(r.Context(), a.Viewer, r.PathValue("id"))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, s.toAPIGroup(g, s.runLimits(r.Context()).Tier1 > 0))
	return nil
}

// apiGroupMembers serves GET /api/v1/groups/{id}/members, by depth then
// id, paged with an opaque cursor.
func (s *Server) apiGroupMembers(w http.ResponseWriter, r *http.Request, a *auth) error {
	v := r.URL.Query()
	limit, err := limitParam(v)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, err := s.db.Group(r.Context(), a.Viewer, id); err != nil {
		return err
	}
	offset := 0
	if c := v.Get("cursor"); c != "" {
		pos, err := decodeCursor(c)
		if err != nil {
			return err
		}
		if offset, err = strconv.Atoi(pos); err != nil || offset < 0 {
			return kamp.Errorf(kamp.EINVALID, "cursor is not valid: pass next_cursor as it was returned")
		}
	}
	members, total, err := s.db.GroupMembers(r.Context(), a.Viewer, id, offset, limit)
	if err != nil {
		return err
	}
	out := apiList[apiMember]{Items: make([]apiMember, 0, len(members))}
	for _, m := range members {
		out.Items = append(out.Items, apiMember{EntityID: m.EntityID, Name: m.EntityName, Kind: string(m.Kind), IsClient: m.IsClient,
			ControllerID: m.ControllerID, UltimateID: m.UltimateID, Depth: m.Depth, InCycle: m.InCycle, Conflict: m.Conflict,
			Currency: kamp.ReportingCurrency, Exposure: m.Exposure.String()})
	}
	if offset+len(members) < total {
		out.NextCursor = encodeCursor(strconv.Itoa(offset + len(members)))
	}
	s.writeJSON(w, r, http.StatusOK, out)
	return nil
}

// runLimits returns the latest group run (its tier-1 capital and regime
// are what the stored figures were computed with); a zero run when there
// is none or it cannot be read.
func (s *Server) runLimits(ctx context.Context) store.GroupRun {
	run, err := s.db.LatestGroupRun(ctx)
	if err != nil && kamp.ErrorCode(err) != kamp.ENOTFOUND {
		s.log.Error("cannot read the latest group run", "err", err)
	}
	return run
}
