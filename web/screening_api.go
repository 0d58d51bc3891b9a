package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/screen"
	"github.com/kampbank/kamp/screening"
	"github.com/kampbank/kamp/store"
)

// registerScreeningRoutes adds the screening pages and API to the route
// table.
func (s *Server) registerScreeningRoutes() {
	s.handle("GET /screening", s.page(s.handleScreening))
	s.handle("GET /screening/chart.json", s.page(s.handleScreeningChart))
	s.handle("POST /screening/what-if", s.page(s.handleWhatIf, screenRoles...))
	s.handle("POST /screening/runs", s.page(s.handleScreeningRun, screenRoles...))
	s.handle("POST /screening/runs/{id}/adoption", s.page(s.handleAdopt, screenRoles...))
	s.handle("POST /screening/nominations", s.page(s.handleNominate, screenRoles...))
	s.handle("GET /screening/compare", s.page(s.handleScreeningCompare))
	s.handle("GET /screening/list", s.page(s.handleStrategicList))

	s.handle("GET /api/v1/screenings", s.api(s.apiScreenings))
	s.handle("POST /api/v1/screenings", s.api(s.apiScreeningCreate, screenRoles...))
	s.handle("POST /api/v1/screenings/what-if", s.api(s.apiWhatIf, screenRoles...))
	s.handle("GET /api/v1/screenings/{id}", s.api(s.apiScreening))
	s.handle("GET /api/v1/screenings/{id}/results", s.api(s.apiScreeningResults))
	s.handle("POST /api/v1/screenings/{id}/adoption", s.api(s.apiAdoption, screenRoles...))
	s.handle("GET /api/v1/strategic-list", s.api(s.apiStrategicList))
	s.handle("POST /api/v1/nominations", s.api(s.apiNomination, screenRoles...))
}

// apiTierCounts are the units per tier.
type apiTierCounts struct {
	Core    int `json:"core"`
	Key     int `json:"key"`
	General int `json:"general"`
}

// apiConcentration is a run's concentration report.
type apiConcentration struct {
	Units      int           `json:"units"`
	TotalScore float64       `json:"total_score"`
	Top5Units  int           `json:"top5_units"`
	Top5Share  float64       `json:"top5_share"`
	Top20Units int           `json:"top20_units"`
	Top20Share float64       `json:"top20_share"`
	Gini       float64       `json:"gini"`
	Tiers      apiTierCounts `json:"tiers"`
	Lorenz     [][2]float64  `json:"lorenz"`
}

func toAPIConcentration(c screen.Concentration) apiConcentration {
	out := apiConcentration{Units: c.Units, TotalScore: c.TotalScore, Top5Units: c.Top5Units, Top5Share: c.Top5Share, Top20Units: c.Top20Units,
		Top20Share: c.Top20Share, Gini: c.Gini, Tiers: apiTierCounts{c.Tiers.Core, c.Tiers.Key, c.Tiers.General}, Lorenz: make([][2]float64, 0, len(c.Lorenz))}
	for _, p := range c.Lorenz {
		out.Lorenz = append(out.Lorenz, [2]float64{p.X, p.Y})
	}
	return out
}

// apiScreeningRun is a stored run.
type apiScreeningRun struct {
	ID            string           `json:"id"`
	Status        string           `json:"status"`
	StartedAt     time.Time        `json:"started_at"`
	FinishedAt    *time.Time       `json:"finished_at"`
	Period        string           `json:"period"`
	Weights       string           `json:"weights"`
	Rules         string           `json:"rules"`
	Fingerprint   string           `json:"fingerprint"`
	MadeBy        string           `json:"made_by"`
	Units         int              `json:"units"`
	Concentration apiConcentration `json:"concentration"`
	Message       string           `json:"message"`
}

func toAPIScreeningRun(r store.ScreeningRun) apiScreeningRun {
	out := apiScreeningRun{ID: r.ID, Status: r.Status, StartedAt: r.StartedAt.UTC(), Period: r.Period, Weights: r.Weights, Rules: r.Rules,
		Fingerprint: r.Fingerprint, MadeBy: r.MadeBy, Units: r.Units, Concentration: toAPIConcentration(r.Concentration), Message: r.Message}
	if !r.FinishedAt.IsZero() {
		t := r.FinishedAt.UTC()
		out.FinishedAt = &t
	}
	return out
}

// apiIndicators are a unit's standard indicators as exact decimals.
type apiIndicators struct {
	DepositsAvg string `json:"deposits_avg"`
	LoansAvg    string `json:"loans_avg"`
	Revenue     string `json:"revenue"`
	FeeIncome   string `json:"fee_income"`
}

// apiScreeningResult is one ranked unit.
type apiScreeningResult struct {
	Rank       int           `json:"rank"`
	UnitID     string        `json:"unit_id"`
	Name       string        `json:"name"`
	IsGroup    bool          `json:"is_group"`
	Members    int           `json:"members"`
	Score      float64       `json:"score"`
	CumShare   float64       `json:"cum_share"`
	Tier       string        `json:"tier"`
	Indicators apiIndicators `json:"indicators"`
	Currency   string        `json:"currency"`
}

func toAPIScreeningResult(x store.ScreeningResult) apiScreeningResult {
	in := x.Indicators
	return apiScreeningResult{Rank: x.Rank, UnitID: x.UnitID, Name: x.Name, IsGroup: x.IsGroup, Members: x.Members, Score: x.Score, CumShare: x.CumShare,
		Tier: x.Tier, Currency: kamp.ReportingCurrency,
		Indicators: apiIndicators{DepositsAvg: in[0].String(), LoansAvg: in[1].String(), Revenue: in[2].String(), FeeIncome: in[3].String()}}
}

// apiScreenings serves GET /api/v1/screenings: the stored runs, newest
// first, paged.
func (s *Server) apiScreenings(w http.ResponseWriter, r *http.Request, a *auth) error {
	offset, limit, err := offsetCursor(r.URL.Query())
	if err != nil {
		return err
	}
	runs, more, err := s.db.ScreeningRuns(r.Context(), offset, limit)
	if err != nil {
		return err
	}
	out := apiList[apiScreeningRun]{Items: make([]apiScreeningRun, 0, len(runs))}
	for _, run := range runs {
		out.Items = append(out.Items, toAPIScreeningRun(run))
	}
	if more {
		out.NextCursor = encodeCursor("o:" + strconv.Itoa(offset+len(runs)))
	}
	s.writeJSON(w, r, http.StatusOK, out)
	return nil
}

// apiScreening serves GET /api/v1/screenings/{id}.
func (s *Server) apiScreening(w http.ResponseWriter, r *http.Request, a *auth) error {
	run, err := s.db.ScreeningRun(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, toAPIScreeningRun(run))
	return nil
}

// apiScreeningResults serves GET /api/v1/screenings/{id}/results: the
// run's ranked units the caller may see, filtered by tier, sorted, paged.
func (s *Server) apiScreeningResults(w http.ResponseWriter, r *http.Request, a *auth) error {
	v := r.URL.Query()
	offset, limit, err := offsetCursor(v)
	if err != nil {
		return err
	}
	f := store.ScreeningFilter{Tier: v.Get("tier"), Sort: v.Get("sort"), Offset: offset, Limit: limit}
	items, total, err := s.db.ScreeningResults(r.Context(), a.Viewer, r.PathValue("id"), f)
	if err != nil {
		return err
	}
	out := apiList[apiScreeningResult]{Items: make([]apiScreeningResult, 0, len(items))}
	for _, x := range items {
		out.Items = append(out.Items, toAPIScreeningResult(x))
	}
	if offset+len(items) < total && len(items) > 0 {
		out.NextCursor = encodeCursor("o:" + strconv.Itoa(offset+len(items)))
	}
	s.writeJSON(w, r, http.StatusOK, out)
	return nil
}

// apiScreeningBody is the body of POST /api/v1/screenings and of the
// what-if.
type apiScreeningBody struct {
	// Weights by indicator; none: the default weights.
	Weights map[string]float64 `json:"weights"`
	Period  string             `json:"period"`
	Rules   string             `json:"rules"`
	// Top is how many top units the what-if returns (default 20).
	Top int `json:"top"`
}

// weights returns the body's weights, checked.
func (b apiScreeningBody) weights() (screen.Weights, error) {
	if len(b.Weights) == 0 {
		return screen.DefaultWeights(), nil
	}
	w := screen.Weights{}
	for k, v := range b.Weights {
		w[strings.ToLower(strings.TrimSpace(k))] = v
	}
	if err := w.Validate(); err != nil {
		return nil, err
	}
	return w, nil
}

// apiScreeningCreate serves POST /api/v1/screenings: screen the stored
// data with the weights and rules and store the run; 201 with the run.
// With an Idempotency-Key a retry returns the first attempt's run (200).
func (s *Server) apiScreeningCreate(w http.ResponseWriter, r *http.Request, a *auth) error {
	key := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	if err := checkIdempotencyKey(key); err != nil {
		return err
	}
	var body apiScreeningBody
	if err := readJSON(w, r, &body); err != nil {
		return err
	}
	weights, err := body.weights()
	if err != nil {
		return err
	}
	if len(body.Rules) > maxReason {
		return kamp.Errorf(kamp.EINVALID, "rules are longer than %d bytes", maxReason)
	}
	spec := screening.Spec{Period: strings.TrimSpace(body.Period), Weights: weights, Rules: strings.TrimSpace(body.Rules), By: a.User.Login}
	if key != "" {
		spec.ID = idempotentID("s", "screening", a.User.ID, key)
		if run, err := s.db.ScreeningRun(r.Context(), spec.ID); err == nil {
			w.Header().Set("Location", "/api/v1/screenings/"+url.PathEscape(run.ID))
			s.writeJSON(w, r, http.StatusOK, toAPIScreeningRun(run))
			return nil
		} else if kamp.ErrorCode(err) != kamp.ENOTFOUND {
			return err
		}
	}
	id, err := screening.Run(r.Context(), s.db, s.workspace(), spec, nil)
	if err != nil {
		return err
	}
	run, err := s.db.ScreeningRun(r.Context(), id)
	if err != nil {
		return err
	}
	s.log.Info("screening run stored", "request_id", requestID(r.Context()), "run", id, "by", a.User.Login)
	w.Header().Set("Location", "/api/v1/screenings/"+url.PathEscape(id))
	s.writeJSON(w, r, http.StatusCreated, toAPIScreeningRun(run))
	return nil
}

// apiWhatIfResult is the answer of a what-if.
type apiWhatIfResult struct {
	Period        string               `json:"period"`
	Weights       string               `json:"weights"`
	Concentration apiConcentration     `json:"concentration"`
	Top           []apiScreeningResult `json:"top"`
}

// apiWhatIf serves POST /api/v1/screenings/what-if: the stored data
// rescored with the weights in memory, nothing stored; the tier summary
// and the top units the caller may see.
func (s *Server) apiWhatIf(w http.ResponseWriter, r *http.Request, a *auth) error {
	var body apiScreeningBody
	if err := readJSON(w, r, &body); err != nil {
		return err
	}
	weights, err := body.weights()
	if err != nil {
		return err
	}
	top := body.Top
	switch {
	case top == 0:
		top = 20
	case top < 0 || top > store.MaxLimit:
		return kamp.Errorf(kamp.EINVALID, "top must be between 1 and %d", store.MaxLimit)
	}
	in, res, err := s.workspace().WhatIf(r.Context(), strings.TrimSpace(body.Period), weights)
	if err != nil {
		return err
	}
	n := min(top, len(res.Order))
	ids := make([]string, n)
	for rank := range n {
		ids[rank] = in.Data.UnitID(res.Order[rank])
	}
	names, err := s.db.UnitNames(r.Context(), a.Viewer, ids)
	if err != nil {
		return err
	}
	out := apiWhatIfResult{Period: in.Period, Weights: weights.String(), Concentration: toAPIConcentration(res.Concentration), Top: []apiScreeningResult{}}
	for rank := range n {
		u := res.Order[rank]
		ref, ok := names[ids[rank]]
		if !ok {
			continue
		}
		out.Top = append(out.Top, toAPIScreeningResult(store.ScreeningResult{UnitID: ids[rank], Name: ref.Name, IsGroup: ref.IsGroup, Rank: rank + 1,
			Score: res.Score[u], CumShare: res.CumShare[u], Tier: res.Tier[u].String(), Members: int(in.Data.Members(u)), Indicators: in.Amounts[u]}))
	}
	s.writeJSON(w, r, http.StatusOK, out)
	return nil
}

// apiListEntry is a spell of the official strategic list.
type apiListEntry struct {
	UnitID        string  `json:"unit_id"`
	Name          string  `json:"name"`
	IsGroup       bool    `json:"is_group"`
	Tier          string  `json:"tier"`
	EffectiveFrom string  `json:"effective_from"`
	EffectiveTo   *string `json:"effective_to"`
	Source        string  `json:"source"`
	RunID         string  `json:"run_id"`
	RequestID     string  `json:"request_id"`
	Reason        string  `json:"reason"`
}

func toAPIListEntry(e store.ListEntry) apiListEntry {
	out := apiListEntry{UnitID: e.UnitID, Name: e.Name, IsGroup: e.IsGroup, Tier: e.Tier, EffectiveFrom: e.From, Source: e.Source,
		RunID: e.RunID, RequestID: e.RequestID, Reason: e.Reason}
	if e.To != "" {
		to := e.To
		out.EffectiveTo = &to
	}
	return out
}

// apiStrategicList serves GET /api/v1/strategic-list: the official list in
// force (core, then key) of units the caller may see, paged; with
// ?unit=ID that unit's whole history instead, and with ?excluded=true the
// standing exclusions.
func (s *Server) apiStrategicList(w http.ResponseWriter, r *http.Request, a *auth) error {
	v := r.URL.Query()
	offset, limit, err := offsetCursor(v)
	if err != nil {
		return err
	}
	out := apiList[apiListEntry]{Items: []apiListEntry{}}
	if unit := strings.TrimSpace(v.Get("unit")); unit != "" {
		hist, err := s.db.UnitListHistory(r.Context(), a.Viewer, unit)
		if err != nil {
			return err
		}
		for _, e := range pageOf(hist, offset, limit) {
			out.Items = append(out.Items, toAPIListEntry(e))
		}
		if offset+limit < len(hist) {
			out.NextCursor = encodeCursor("o:" + strconv.Itoa(offset+limit))
		}
		s.writeJSON(w, r, http.StatusOK, out)
		return nil
	}
	excluded := false
	switch x := v.Get("excluded"); x {
	case "", "false", "0":
	case "true", "1":
		excluded = true
	default:
		return kamp.Errorf(kamp.EINVALID, "excluded must be true or false, not %q", x)
	}
	items, total, err := s.db.StrategicList(r.Context(), a.Viewer, excluded, offset, limit)
	if err != nil {
		return err
	}
	for _, e := range items {
		out.Items = append(out.Items, toAPIListEntry(e))
	}
	if len(items) > 0 && offset+len(items) < total {
		out.NextCursor = encodeCursor("o:" + strconv.Itoa(offset+len(items)))
	}
	s.writeJSON(w, r, http.StatusOK, out)
	return nil
}

// apiNominationBody is the body of POST /api/v1/nominations.
type apiNominationBody struct {
	UnitID string `json:"unit_id"`
	Op     string `json:"op"`   // include or exclude
	Tier   string `json:"tier"` // core or key, for include
	Reason string `json:"reason"`
}

// apiNomination serves POST /api/v1/nominations: propose to include a unit
// in the strategic list at a tier or to exclude it; 201 with the pending
// change request, which a second person approves through
// /api/v1/change-requests/{id}/approval. With an Idempotency-Key, a retry
// returns the first attempt's request (200), whatever its status now.
func (s *Server) apiNomination(w http.ResponseWriter, r *http.Request, a *auth) error {
	var body apiNominationBody
	if err := readJSON(w, r, &body); err != nil {
		return err
	}
	body.UnitID = strings.TrimSpace(body.UnitID)
	if err := checkReason(body.Reason); err != nil {
		return err
	}
	ctx, done, err := s.proposedBefore(w, r, a, "nomination")
	if err != nil || done {
		return err
	}
	cr, err := s.db.ProposeNomination(ctx, *a.User, body.UnitID, body.Op, body.Tier, body.Reason)
	if err != nil {
		return err
	}
	s.log.Info("nomination proposed", "request_id", requestID(r.Context()), "unit", body.UnitID, "op", body.Op, "by", a.User.Login)
	w.Header().Set("Location", "/api/v1/change-requests?subject="+url.QueryEscape(body.UnitID))
	s.writeJSON(w, r, http.StatusCreated, toAPIChangeRequest(cr, ""))
	return nil
}

// apiAdoptionBody is the body of POST /api/v1/screenings/{id}/adoption.
type apiAdoptionBody struct {
	Reason string `json:"reason"`
}

// apiAdoption serves POST /api/v1/screenings/{id}/adoption: propose the
// run's tiers as the official strategic list; 201 with the pending change
// request. With an Idempotency-Key, a retry returns the first attempt's
// request (200), whatever its status now.
func (s *Server) apiAdoption(w http.ResponseWriter, r *http.Request, a *auth) error {
	var body apiAdoptionBody
	if err := readJSON(w, r, &body); err != nil {
		return err
	}
	if err := checkReason(body.Reason); err != nil {
		return err
	}
	ctx, done, err := s.proposedBefore(w, r, a, "adoption")
	if err != nil || done {
		return err
	}
	cr, err := s.db.ProposeAdoption(ctx, *a.User, r.PathValue("id"), body.Reason)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/change-requests?status=pending")
	s.writeJSON(w, r, http.StatusCreated, toAPIChangeRequest(cr, ""))
	return nil
}
