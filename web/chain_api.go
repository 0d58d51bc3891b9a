package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/chainrun"
	"github.com/kampbank/kamp/store"
)

// registerChainRoutes adds the chain marketing pages and API to the route
// table.
func (s *Server) registerChainRoutes() {
	s.handle("GET /chain", s.page(s.handleChain))
	s.handle("POST /chain/runs", s.page(s.handleChainRun, chainRunRoles...))
	s.handle("GET /chain/prospects/{key}", s.page(s.handleProspect))
	s.handle("POST /chain/prospects/{key}/assignment", s.page(s.handleProspectWork(false)))
	s.handle("POST /chain/prospects/{key}/dismissal", s.page(s.handleProspectWork(true)))
	s.handle("GET /groups/{id}/chain", s.page(s.handleUnitChain))
	s.handle("GET /entities/{id}/chain", s.page(s.handleUnitChain))

	s.handle("GET /api/v1/chain/prospects", s.api(s.apiProspects))
	s.handle("GET /api/v1/chain/prospects/{key}", s.api(s.apiProspect))
	s.handle("POST /api/v1/chain/prospects/{key}/assignment", s.api(s.apiProspectWork(false)))
	s.handle("POST /api/v1/chain/prospects/{key}/dismissal", s.api(s.apiProspectWork(true)))
	s.handle("GET /api/v1/chain/units/{id}", s.api(s.apiUnitChain))
	s.handle("GET /api/v1/chain/runs", s.api(s.apiChainRuns))
	s.handle("POST /api/v1/chain/runs", s.api(s.apiChainRunCreate, chainRunRoles...))
}

// apiUnitRef is a strategic unit a prospect is linked to.
type apiUnitRef struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	IsGroup bool   `json:"is_group"`
}

// apiProspect is a prospect with its work state.
type apiProspect struct {
	Key          string       `json:"key"`
	Rank         int          `json:"rank"`
	Counterparty string       `json:"counterparty"`
	Known        bool         `json:"known"`
	Name         string       `json:"name"`
	Amount       string       `json:"amount"`
	Currency     string       `json:"currency"`
	Payments     int64        `json:"payments"`
	Units        int          `json:"units"`
	LinkedUnits  []apiUnitRef `json:"linked_units"`
	Direction    string       `json:"direction"`
	Industry     string       `json:"industry,omitempty"`
	Branch       string       `json:"branch,omitempty"`
	Status       string       `json:"status"`
	Assignee     string       `json:"assignee,omitempty"`
	Note         string       `json:"note,omitempty"`
	WorkedBy     string       `json:"worked_by,omitempty"`
	WorkedAt     *time.Time   `json:"worked_at,omitempty"`
}

func toAPIProspect(p store.Prospect) apiProspect {
	out := apiProspect{Key: p.Key, Rank: p.Rank, Counterparty: p.Counterparty, Known: p.Known, Name: p.Name, Amount: p.Amount.String(),
		Currency: kamp.ReportingCurrency, Payments: p.Payments, Units: p.Units, LinkedUnits: []apiUnitRef{}, Direction: p.Direction,
		Industry: p.Industry, Branch: p.Branch, Status: p.Status, Assignee: p.AssigneeLogin, Note: p.Note, WorkedBy: p.WorkedBy}
	if !p.WorkedAt.IsZero() {
		t := p.WorkedAt.UTC()
		out.WorkedAt = &t
	}
	for _, u := range p.LinkedUnits {
		out.LinkedUnits = append(out.LinkedUnits, apiUnitRef{ID: u.ID, Name: u.Name, IsGroup: u.IsGroup})
	}
	return out
}

// apiChainEdge is what a unit exchanged with a counterparty one way.
type apiChainEdge struct {
	UnitID       string `json:"unit_id"`
	UnitName     string `json:"unit_name"`
	Direction    string `json:"direction"`
	Counterparty string `json:"counterparty"`
	Known        bool   `json:"known"`
	Name         string `json:"name"`
	IsClient     bool   `json:"is_client"`
	Prospect     string `json:"prospect,omitempty"`
	Amount       string `json:"amount"`
	Currency     string `json:"currency"`
	Payments     int64  `json:"payments"`
	First        string `json:"first"`
	Last         string `json:"last"`
}

func toAPIChainEdges(es []store.ChainEdge) []apiChainEdge {
	out := make([]apiChainEdge, 0, len(es))
	for _, e := range es {
		out = append(out, apiChainEdge{UnitID: e.UnitID, UnitName: e.UnitName, Direction: e.Direction, Counterparty: e.Counterparty,
			Known: e.Known, Name: e.Name, IsClient: e.IsClient, Prospect: e.Prospect(), Amount: e.Amount.String(), Currency: kamp.ReportingCurrency,
			Payments: e.Payments, First: e.First, Last: e.Last})
	}
	return out
}

// apiProspectWork is one action on a prospect.
type apiProspectWork struct {
	Seq      int       `json:"seq"`
	Status   string    `json:"status"`
	Assignee string    `json:"assignee,omitempty"`
	Note     string    `json:"note,omitempty"`
	By       string    `json:"by"`
	At       time.Time `json:"at"`
}

func toAPIProspectWork(w store.ProspectWork) apiProspectWork {
	return apiProspectWork{Seq: w.Seq, Status: w.Status, Assignee: w.AssigneeLogin, Note: w.Note, By: w.By, At: w.At.UTC()}
}

// apiProspects serves GET /api/v1/chain/prospects: the latest run's
// prospects the caller sees, filtered by industry, branch, min_amount,
// min_units, status, direction and mine, sorted by sort, paged by cursor.
func (s *Server) apiProspects(w http.ResponseWriter, r *http.Request, a *auth) error {
	v := r.URL.Query()
	limit, err := limitParam(v)
	if err != nil {
		return err
	}
	_, f, err := parseChainQuery(url.Values{"industry": {v.Get("industry")}, "branch": {v.Get("branch")}, "min_amount": {v.Get("min_amount")},
		"min_units": {v.Get("min_units")}, "status": {v.Get("status")}, "direction": {v.Get("direction")}, "sort": {v.Get("sort")},
		"mine": {v.Get("mine")}}, a)
	if err != nil {
		if HasMessage(kamp.ErrorMessage(err)) {
			return kamp.Errorf(kamp.EINVALID, "%s", T(LangEN, kamp.ErrorMessage(err)))
		}
		return err
	}
	f.Limit = limit
	if c := v.Get("cursor"); c != "" {
		pos, err := decodeCursor(c)
		if err != nil {
			return err
		}
		n, err := strconv.Atoi(pos)
		if err != nil || n < 0 {
			return kamp.Errorf(kamp.EINVALID, "cursor is not valid: pass next_cursor as it was returned")
		}
		f.Offset = n
	}
	items, _, err := s.db.Prospects(r.Context(), a.Viewer, f)
	if err != nil {
		return err
	}
	out := apiList[apiProspect]{Items: make([]apiProspect, 0, len(items))}
	for _, p := range items {
		out.Items = append(out.Items, toAPIProspect(p))
	}
	if len(items) == limit {
		out.NextCursor = encodeCursor(strconv.Itoa(f.Offset + len(items)))
	}
	s.writeJSON(w, r, http.StatusOK, out)
	return nil
}

// apiProspectDetail is a prospect with its links and history.
type apiProspectDetail struct {
	apiProspect
	Edges   []apiChainEdge    `json:"edges"`
	History []apiProspectWork `json:"history"`
}

// apiProspect serves GET /api/v1/chain/prospects/{key}.
func (s *Server) apiProspect(w http.ResponseWriter, r *http.Request, a *auth) error {
	p, edges, hist, err := s.db.ProspectDetail(r.Context(), a.Viewer, r.PathValue("key"))
	if err != nil {
		return err
	}
	out := apiProspectDetail{apiProspect: toAPIProspect(p), Edges: toAPIChainEdges(edges), History: make([]apiProspectWork, 0, len(hist))}
	for _, h := range hist {
		out.History = append(out.History, toAPIProspectWork(h))
	}
	s.writeJSON(w, r, http.StatusOK, out)
	return nil
}

// apiProspectWorkBody is the body of POST …/assignment (assignee, note)
// and …/dismissal (reason).
type apiProspectWorkBody struct {
	Assignee string `json:"assignee"`
	Note     string `json:"note"`
	Reason   string `json:"reason"`
}

// apiProspectWork serves POST /api/v1/chain/prospects/{key}/assignment
// and …/dismissal: 201 with the action recorded.
func (s *Server) apiProspectWork(dismiss bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, a *auth) error {
		var body apiProspectWorkBody
		if err := readJSON(w, r, &body); err != nil {
			return err
		}
		key := r.PathValue("key")
		var work store.ProspectWork
		var err error
		if dismiss {
			work, err = s.db.DismissProspect(r.Context(), *a.User, key, body.Reason)
		} else {
			work, err = s.db.AssignProspect(r.Context(), *a.User, key, strings.TrimSpace(body.Assignee), body.Note)
		}
		if err != nil {
			return err
		}
		s.log.Info("prospect worked", "request_id", requestID(r.Context()), "prospect", key, "dismiss", dismiss, "by", a.User.Login)
		w.Header().Set("Location", "/api/v1/chain/prospects/"+url.PathEscape(key))
		s.writeJSON(w, r, http.StatusCreated, toAPIProspectWork(work))
		return nil
	}
}

// apiUnitChain is a unit's supply chain.
type apiUnitChain struct {
	UnitID     string         `json:"unit_id"`
	Name       string         `json:"name"`
	IsGroup    bool           `json:"is_group"`
	RunID      string         `json:"run_id"`
	Currency   string         `json:"currency"`
	Upstream   []apiChainEdge `json:"upstream"`
	Downstream []apiChainEdge `json:"downstream"`
	UpCount    int            `json:"upstream_count"`
	DownCount  int            `json:"downstream_count"`
	UpAmount   string         `json:"upstream_amount"`
	DownAmount string         `json:"downstream_amount"`
}

// apiUnitChain serves GET /api/v1/chain/units/{id}: the unit's limit
// largest counterparties each way in the latest run, and the totals.
func (s *Server) apiUnitChain(w http.ResponseWriter, r *http.Request, a *auth) error {
	id := r.PathValue("id")
	limit, err := limitParam(r.URL.Query())
	if err != nil {
		return err
	}
	name, isGroup, err := s.db.UnitName(r.Context(), a.Viewer, id)
	if err != nil {
		return err
	}
	uc, err := s.db.UnitChain(r.Context(), a.Viewer, id, limit)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, apiUnitChain{UnitID: id, Name: name, IsGroup: isGroup, RunID: uc.RunID, Currency: kamp.ReportingCurrency,
		Upstream: toAPIChainEdges(uc.Upstream), Downstream: toAPIChainEdges(uc.Downstream), UpCount: uc.UpCount, DownCount: uc.DownCount,
		UpAmount: uc.UpAmount.String(), DownAmount: uc.DownAmount.String()})
	return nil
}

// apiChainRun is a run of the chain engine.
type apiChainRun struct {
	ID          string     `json:"id"`
	Status      string     `json:"status"`
	StartedAt   time.Time  `json:"started_at"`
	FinishedAt  *time.Time `json:"finished_at,omitempty"`
	From        string     `json:"from,omitempty"`
	To          string     `json:"to,omitempty"`
	Fingerprint string     `json:"fingerprint"`
	MadeBy      string     `json:"made_by"`
	Payments    int64      `json:"payments"`
	Units       int        `json:"units"`
	Edges       int        `json:"edges"`
	Prospects   int        `json:"prospects"`
	Message     string     `json:"message,omitempty"`
}

func toAPIChainRun(r store.ChainRun) apiChainRun {
	out := apiChainRun{ID: r.ID, Status: r.Status, StartedAt: r.StartedAt.UTC(), From: r.From, To: r.To, Fingerprint: r.Fingerprint,
		MadeBy: r.MadeBy, Payments: r.Payments, Units: r.Units, Edges: r.Edges, Prospects: r.Prospects, Message: r.Message}
	if !r.FinishedAt.IsZero() {
		t := r.FinishedAt.UTC()
		out.FinishedAt = &t
	}
	return out
}

// apiChainJob is the state of the background run.
type apiChainJob struct {
	Running bool   `json:"running"`
	Stage   string `json:"stage,omitempty"`
	Percent int    `json:"percent"`
	Failed  string `json:"failed,omitempty"`
}

// apiChainRuns is the answer of GET /api/v1/chain/runs.
type apiChainRuns struct {
	Items      []apiChainRun `json:"items"`
	NextCursor string        `json:"next_cursor"`
	Job        apiChainJob   `json:"job"`
}

func (s *Server) chainJobJSON() apiChainJob {
	st := s.chain.state()
	j := apiChainJob{Running: st.Running, Percent: st.Percent, Failed: st.Failed}
	if st.Running {
		j.Stage = st.Stage
	}
	if st.Internal {
		j.Failed = "internal error"
	}
	return j
}

// apiChainRuns serves GET /api/v1/chain/runs: the runs, newest first,
// paged, and the background run's state.
func (s *Server) apiChainRuns(w http.ResponseWriter, r *http.Request, a *auth) error {
	offset, limit, err := offsetCursor(r.URL.Query())
	if err != nil {
		return err
	}
	runs, more, err := s.db.ChainRuns(r.Context(), offset, limit)
	if err != nil {
		return err
	}
	out := apiChainRuns{Items: make([]apiChainRun, 0, len(runs)), Job: s.chainJobJSON()}
	for _, run := range runs {
		out.Items = append(out.Items, toAPIChainRun(run))
	}
	if more {
		out.NextCursor = encodeCursor("o:" + strconv.Itoa(offset+len(runs)))
	}
	s.writeJSON(w, r, http.StatusOK, out)
	return nil
}

// apiChainRunBody is the body of POST /api/v1/chain/runs.
type apiChainRunBody struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// apiChainRunCreate serves POST /api/v1/chain/runs: start a run in the
// background; 202 with the job's state (poll GET /api/v1/chain/runs). A
// request while a run is going runs once more after it.
func (s *Server) apiChainRunCreate(w http.ResponseWriter, r *http.Request, a *auth) error {
	var body apiChainRunBody
	if r.ContentLength != 0 {
		if err := readJSON(w, r, &body); err != nil {
			return err
		}
	}
	spec := chainrun.Spec{From: strings.TrimSpace(body.From), To: strings.TrimSpace(body.To), By: a.User.Login}
	if err := spec.Check(); err != nil {
		return err
	}
	s.RunChain(spec)
	s.log.Info("chain run started", "request_id", requestID(r.Context()), "by", a.User.Login, "from", spec.From, "to", spec.To)
	w.Header().Set("Location", "/api/v1/chain/runs")
	s.writeJSON(w, r, http.StatusAccepted, s.chainJobJSON())
	return nil
}
