package web

import (
	"cmp"
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/check"
	"github.com/kampbank/kamp/export"
	"github.com/kampbank/kamp/screen"
	"github.com/kampbank/kamp/screening"
	"github.com/kampbank/kamp/store"
)

// The screening workspace (战略客户): the latest stored run's headline
// figures, the Pareto and Lorenz charts and the tier table; weight sliders
// that recompute live from the data cached in memory (what-if); storing a
// run; comparing runs; nominations, exclusions and adoptions, which wait
// for a second person's approval; and the official strategic list.

// resultsPerPage is the page size of the tier table.
const resultsPerPage = 50

// paretoPoints is how many top ranks the Pareto chart draws.
const paretoPoints = 100

// whatIfTop is how many top units a what-if lists.
const whatIfTop = 50

// screeningRunsShown is how many runs the workspace lists.
const screeningRunsShown = 20

// screenRoles may run screenings, what-ifs and propose nominations.
var screenRoles = kamp.ActionRoles(kamp.ActProposeNomination)

// screenState is a server's screening workspace (the cached engine
// input) and the run it is storing in the background.
type screenState struct {
	ws  *screening.Workspace
	job *job
}

// newScreenState returns the screening state of a server over db.
func newScreenState(db *store.DB) *screenState {
	return &screenState{ws: screening.NewWorkspace(db),
		job: &job{name: "screening run", firstStage: screening.StageLoad, url: "/screening?fragment=progress"}}
}

// screenState returns s's screening state.
func (s *Server) screenState() *screenState { return s.screen }

// workspace returns the screening workspace of s's database.
func (s *Server) workspace() *screening.Workspace { return s.screenState().ws }

// screenJob returns s's background run tracker.
func (s *Server) screenJob() *job { return s.screenState().job }

// headline is the row of headline figures of a run or a what-if.
type headline struct {
	Units                       int
	Top5Units, Top20Units       int
	Top5Share, Top20Share       float64 // percent
	Gini                        float64
	Core, Key, General          int
	CorePct, KeyPct, GeneralPct float64 // percent of units
}

func newHeadline(c screen.Concentration) headline {
	h := headline{Units: c.Units, Top5Units: c.Top5Units, Top20Units: c.Top20Units, Top5Share: 100 * c.Top5Share, Top20Share: 100 * c.Top20Share,
		Gini: c.Gini, Core: c.Tiers.Core, Key: c.Tiers.Key, General: c.Tiers.General}
	if c.Units > 0 {
		n := float64(c.Units)
		h.CorePct, h.KeyPct, h.GeneralPct = 100*float64(h.Core)/n, 100*float64(h.Key)/n, 100*float64(h.General)/n
	}
	return h
}

// weightSlider is one indicator's weight as the form shows it, in percent.
type weightSlider struct {
	Name    string
	Percent int
}

// sliders returns the standard indicators' weights of w in percent.
func sliders(w screen.Weights) []weightSlider {
	out := make([]weightSlider, 0, len(kamp.StandardIndicators))
	for _, name := range []string{"revenue", "deposits_avg", "loans_avg", "fee_income"} {
		out = append(out, weightSlider{Name: name, Percent: int(math.Round(100 * w[name]))})
	}
	return out
}

// parseSliders reads the weights form: w_<indicator> in whole percent,
// summing to 100.
func parseSliders(f url.Values) (screen.Weights, []weightSlider, error) {
	w := screen.Weights{}
	var out []weightSlider
	sum := 0
	for _, name := range []string{"revenue", "deposits_avg", "loans_avg", "fee_income"} {
		v := strings.TrimSpace(f.Get("w_" + name))
		n := 0
		if v != "" {
			var err error
			if n, err = strconv.Atoi(v); err != nil || n < 0 || n > 100 {
				return nil, nil, kamp.Errorf(kamp.EINVALID, "screening.err.weight")
			}
		}
		out = append(out, weightSlider{Name: name, Percent: n})
		sum += n
		if n > 0 {
			w[name] = float64(n) / 100
		}
	}
	if sum != 100 {
		return nil, out, kamp.Errorf(kamp.EINVALID, "screening.err.sum")
	}
	return w, out, nil
}

// parsePeriod reads the form's optional period: "" for the latest.
func parsePeriod(f url.Values) (string, error) {
	p := strings.TrimSpace(f.Get("period"))
	if p != "" && check.Period(p) != nil {
		return p, kamp.Errorf(kamp.EINVALID, "screening.err.period")
	}
	return p, nil
}

// resultRow is one ranked unit of the tier table.
type resultRow struct {
	store.ScreeningResult
	URL string
	// NominateURL prefills the nomination form with what the run's rules
	// propose for the unit.
	NominateURL string
	ScorePct    float64 // the score in percent of the total
	CumPct      float64
}

func resultRows(rs []store.ScreeningResult, total float64) []resultRow {
	out := make([]resultRow, 0, len(rs))
	for _, r := range rs {
		pct := 0.0
		if total > 0 {
			pct = 100 * r.Score / total
		}
		out = append(out, resultRow{ScreeningResult: r, URL: unitURL(r.UnitID, r.IsGroup), ScorePct: pct, CumPct: 100 * r.CumShare})
	}
	return out
}

// screeningQuery is the tier table's state in the query string.
type screeningQuery struct {
	Run, Tier, Sort string
	Page            int
}

func parseScreeningQuery(v url.Values) (screeningQuery, error) {
	q := screeningQuery{Run: strings.TrimSpace(v.Get("run")), Tier: strings.TrimSpace(v.Get("tier")), Sort: strings.TrimSpace(v.Get("sort")), Page: 1}
	if q.Tier != "" && !containsString(store.Tiers, q.Tier) {
		return q, kamp.Errorf(kamp.EINVALID, "tier must be core, key or general, not %q", q.Tier)
	}
	if q.Sort != "" && !containsString(store.ScreeningSorts, q.Sort) {
		return q, kamp.Errorf(kamp.EINVALID, "cannot sort by %q: use %s", q.Sort, strings.Join(store.ScreeningSorts, ", "))
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

func (q screeningQuery) values() url.Values {
	v := url.Values{}
	for _, kv := range [][2]string{{"run", q.Run}, {"tier", q.Tier}, {"sort", q.Sort}} {
		if kv[1] != "" {
			v.Set(kv[0], kv[1])
		}
	}
	if q.Page > 1 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	return v
}

// lorenzRow is one point of the Lorenz curve, in percent.
type lorenzRow struct{ X, Y float64 }

// formState is a workspace form that came back: its values and error.
type formState struct {
	Unit, Action, Reason, Rules string
	Period                      string
	Error                       string
	// Field is the form the error belongs to: "weights", "run",
	// "nominate" or "adopt".
	Field string
}

// tableView is a tier table with the amount unit it shows amounts in.
type tableView struct {
	U     Unit
	Items []resultRow
}

// screeningPage is the data of GET /screening.
type screeningPage struct {
	Table   tableView
	Actions []string // the nomination form's choices
	// Proposals are units whose tier the run's rules would change.
	Proposals []resultRow
	listNav
	Query      screeningQuery
	Run        *store.ScreeningRun
	Head       headline
	Items      []resultRow
	Total      int
	Tiers      []string
	Sorts      []string
	Runs       []store.ScreeningRun
	Sliders    []weightSlider
	Lorenz     []lorenzRow
	ChartURL   string
	CanRun     bool // may store runs, what-if and propose
	WhatIf     *whatIfView
	Form       formState
	Job        jobState
	Proposed   string // a request just proposed
	BankWide   bool
	LatestData string // the latest metrics period
}

// handleScreening serves GET /screening: the workspace over a stored run
// (?run=, else the latest) with the tier table filtered, sorted and paged;
// ?format=csv|xlsx exports the filtered table.
func (s *Server) handleScreening(w http.ResponseWriter, r *http.Request, a *auth) error {
	q, err := parseScreeningQuery(r.URL.Query())
	if err != nil {
		return err
	}
	if fm := r.URL.Query().Get("format"); fm != "" {
		format, err := export.ParseFormat(fm)
		if err != nil {
			return err
		}
		return s.exportScreening(w, r, a, q, format)
	}
	if r.URL.Query().Get("fragment") == "progress" {
		return s.renderTemplate(w, r, a, http.StatusOK, "screening", "screening_progress_fragment", s.screenJob().state())
	}
	p := screeningPage{Query: q, Proposed: r.URL.Query().Get("proposed")}
	if unit := strings.TrimSpace(r.URL.Query().Get("nominate")); unit != "" {
		p.Form.Unit, p.Form.Action = unit, r.URL.Query().Get("action")
	}
	return s.renderScreening(w, r, a, http.StatusOK, &p)
}

// loadRun fills p with its run, headline, charts and table.
func (s *Server) loadRun(ctx context.Context, a *auth, p *screeningPage) error {
	var run store.ScreeningRun
	var err error
	if p.Query.Run != "" {
		run, err = s.db.ScreeningRun(ctx, p.Query.Run)
	} else {
		run, err = s.db.LatestScreeningRun(ctx)
		if kamp.ErrorCode(err) == kamp.ENOTFOUND {
			return nil
		}
	}
	if err != nil {
		return err
	}
	p.Run = &run
	p.Head = newHeadline(run.Concentration)
	p.ChartURL = "/screening/chart.json?run=" + url.QueryEscape(run.ID)
	for _, pt := range run.Concentration.Lorenz {
		p.Lorenz = append(p.Lorenz, lorenzRow{X: 100 * pt.X, Y: 100 * pt.Y})
	}
	if run.Status != store.ScreeningDone {
		return nil
	}
	f := store.ScreeningFilter{Tier: p.Query.Tier, Sort: p.Query.Sort, Offset: (p.Query.Page - 1) * resultsPerPage, Limit: resultsPerPage}
	items, total, err := s.db.ScreeningResults(ctx, a.Viewer, run.ID, f)
	if err != nil {
		return err
	}
	p.Items, p.Total = resultRows(items, run.Concentration.TotalScore), total
	p.Table.Items = p.Items
	if strings.TrimSpace(run.Rules) != "" {
		props, _, err := s.db.ScreeningResults(ctx, a.Viewer, run.ID, store.ScreeningFilter{Proposals: true, Limit: resultsPerPage})
		if err != nil {
			return err
		}
		p.Proposals = resultRows(props, run.Concentration.TotalScore)
		for i := range p.Proposals {
			action := "include_" + p.Proposals[i].RuleTier
			if p.Proposals[i].RuleTier == "general" {
				action = "exclude"
			}
			p.Proposals[i].NominateURL = "/screening?" + url.Values{"run": {run.ID}, "nominate": {p.Proposals[i].UnitID}, "action": {action}}.Encode() + "#nominate-h"
		}
	}
	q := p.Query
	q.Run = run.ID
	p.listNav = newListNav("/screening", q.values(), p.Query.Page, total, resultsPerPage)
	return nil
}

// renderScreening renders the workspace with p's forms and what-if.
func (s *Server) renderScreening(w http.ResponseWriter, r *http.Request, a *auth, status int, p *screeningPage) error {
	ctx := r.Context()
	if err := s.loadRun(ctx, a, p); err != nil {
		return err
	}
	var err error
	if p.Runs, _, err = s.db.ScreeningRuns(ctx, 0, screeningRunsShown); err != nil {
		return err
	}
	p.Tiers, p.Sorts = store.Tiers, store.ScreeningSorts
	p.Actions = []string{"include_core", "include_key", "exclude"}
	p.Table.U = unitParam(r)
	if p.WhatIf != nil {
		p.WhatIf.Table.U = p.Table.U
	}
	p.CanRun = a.User.Can(kamp.ActProposeNomination)
	p.Job = s.screenJob().state()
	p.BankWide = a.Viewer.All()
	if p.Sliders == nil {
		weights := screen.DefaultWeights()
		if p.Run != nil {
			if rw, err := screen.ParseWeights(p.Run.Weights); err == nil {
				weights = rw
			}
		}
		p.Sliders = sliders(weights)
	}
	if p.Form.Rules == "" && p.Run != nil {
		p.Form.Rules = p.Run.Rules
	}
	if p.LatestData, err = s.db.LatestPeriod(ctx); err != nil {
		return err
	}
	return s.renderPage(w, r, a, status, "screening", p)
}

// chartData is the JSON the charts draw: the Pareto bars and cumulative
// line over the top ranks, and the Lorenz curve, with the labels in the
// viewer's language.
type chartData struct {
	Labels map[string]string `json:"labels"`
	Units  int               `json:"units"`
	// Ranks, Scores (percent of the total score) and Cum (cumulative
	// percent) of the top ranks; IDs only for bank-wide viewers.
	Ranks  []int       `json:"ranks"`
	Scores []float64   `json:"scores"`
	Cum    []float64   `json:"cum"`
	Tiers  []string    `json:"tiers"`
	IDs    []string    `json:"ids,omitempty"`
	Lorenz [][]float64 `json:"lorenz"`
}

func chartLabels(lang string) map[string]string {
	out := map[string]string{}
	for _, k := range []string{"pareto_title", "lorenz_title", "rank", "score", "cum", "mark50", "mark80", "units_pct", "share_pct", "equality", "lorenz"} {
		out[k] = T(lang, "screening.chart."+k)
	}
	return out
}

// newChartData builds the chart JSON from the top ranks (score and
// cumulative share by rank, ids when shown) and the concentration.
func newChartData(lang string, c screen.Concentration, scores, cums []float64, tiers, ids []string) chartData {
	d := chartData{Labels: chartLabels(lang), Units: c.Units, IDs: ids, Ranks: []int{}, Scores: []float64{}, Cum: []float64{}, Tiers: tiers, Lorenz: [][]float64{}}
	if d.Tiers == nil {
		d.Tiers = []string{}
	}
	for i := range scores {
		d.Ranks = append(d.Ranks, i+1)
		sc := 0.0
		if c.TotalScore > 0 {
			sc = 100 * scores[i] / c.TotalScore
		}
		d.Scores = append(d.Scores, round4(sc))
		d.Cum = append(d.Cum, round4(100*cums[i]))
	}
	for _, pt := range c.Lorenz {
		d.Lorenz = append(d.Lorenz, []float64{round4(100 * pt.X), round4(100 * pt.Y)})
	}
	return d
}

// round4 rounds to four decimals for the chart JSON.
func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

// handleScreeningChart serves GET /screening/chart.json?run=ID: the chart
// data of a stored run.
func (s *Server) handleScreeningChart(w http.ResponseWriter, r *http.Request, a *auth) error {
	run, err := s.db.ScreeningRun(r.Context(), r.URL.Query().Get("run"))
	if err != nil {
		return err
	}
	top, _, err := s.db.ScreeningResults(r.Context(), store.System, run.ID, store.ScreeningFilter{Limit: paretoPoints})
	if err != nil {
		return err
	}
	var scores, cums []float64
	var ids, tiers []string
	for _, x := range top {
		scores, cums = append(scores, x.Score), append(cums, x.CumShare)
		ids, tiers = append(ids, x.UnitID), append(tiers, x.Tier)
	}
	if !a.Viewer.All() {
		ids = nil
	}
	s.writeJSON(w, r, http.StatusOK, newChartData(a.Lang, run.Concentration, scores, cums, tiers, ids))
	return nil
}

// whatIfView is the outcome of a what-if as the fragment shows it.
type whatIfView struct {
	Weights string
	Period  string
	Head    headline
	// Moved counts the units whose tier differs from the base (the shown
	// run's weights on the same data); Base names those weights.
	Moved int
	Base  string
	Chart chartData
	// ChartJSON is Chart encoded, for the fragment's data attribute.
	ChartJSON string
	Table     tableView
	// Elapsed is the recompute time, for the person's information.
	Elapsed string
}

// handleWhatIf serves POST /screening/what-if: the weight sliders rescored
// on the cached data, nothing stored. An htmx request gets the fragment;
// a plain form post the whole workspace.
func (s *Server) handleWhatIf(w http.ResponseWriter, r *http.Request, a *auth) error {
	weights, sl, err := parseSliders(r.PostForm)
	period, perr := parsePeriod(r.PostForm)
	p := &screeningPage{Sliders: sl, Query: screeningQuery{Run: strings.TrimSpace(r.PostForm.Get("run")), Page: 1},
		Form: formState{Rules: strings.TrimSpace(r.PostForm.Get("rules")), Period: period}}
	if err = cmp.Or(err, perr); err != nil {
		p.Form.Field, p.Form.Error = "weights", T(a.Lang, kamp.ErrorMessage(err))
		return s.screeningResponse(w, r, a, http.StatusBadRequest, p)
	}
	if p.WhatIf, err = s.whatIf(r.Context(), a, weights, p.Query.Run, period); err != nil {
		if !formFailure(err) {
			return err
		}
		p.Form.Field, p.Form.Error = "weights", formMessage(a.Lang, err)
		return s.screeningResponse(w, r, a, statusOf(kamp.ErrorCode(err)), p)
	}
	return s.screeningResponse(w, r, a, http.StatusOK, p)
}

// screeningResponse answers a workspace form: the what-if fragment to
// htmx, else the whole page.
func (s *Server) screeningResponse(w http.ResponseWriter, r *http.Request, a *auth, status int, p *screeningPage) error {
	if r.Header.Get("HX-Request") == "true" {
		if p.WhatIf != nil {
			p.WhatIf.Table.U = unitParam(r)
		}
		return s.renderTemplate(w, r, a, status, "screening", "screening_whatif_fragment", p)
	}
	return s.renderScreening(w, r, a, status, p)
}

// whatIf rescores the cached data with weights and compares with the
// weights of run base ("" for the latest run; none when there is none), on
// the data of period ("" for the latest).
func (s *Server) whatIf(ctx context.Context, a *auth, weights screen.Weights, base, period string) (*whatIfView, error) {
	start := time.Now()
	ws := s.workspace()
	in, res, err := ws.WhatIf(ctx, period, weights)
	if err != nil {
		return nil, err
	}
	v := &whatIfView{Weights: weights.String(), Period: in.Period, Head: newHeadline(res.Concentration)}
	var run store.ScreeningRun
	if base != "" {
		run, err = s.db.ScreeningRun(ctx, base)
	} else {
		run, err = s.db.LatestScreeningRun(ctx)
	}
	if err == nil {
		if bw, perr := screen.ParseWeights(run.Weights); perr == nil {
			if b, serr := in.Data.Score(bw); serr == nil {
				for u := range res.Tier {
					if res.Tier[u] != b.Tier[u] {
						v.Moved++
					}
				}
				v.Base = run.Weights
			}
		}
	} else if kamp.ErrorCode(err) != kamp.ENOTFOUND {
		return nil, err
	}
	n := min(whatIfTop, len(res.Order))
	ids := make([]string, 0, max(n, paretoPoints))
	var scores, cums []float64
	var tiers []string
	for rank := 0; rank < min(paretoPoints, len(res.Order)); rank++ {
		u := res.Order[rank]
		ids, tiers = append(ids, in.Data.UnitID(u)), append(tiers, res.Tier[u].String())
		scores, cums = append(scores, res.Score[u]), append(cums, res.CumShare[u])
	}
	names, err := s.db.UnitNames(ctx, a.Viewer, ids[:n])
	if err != nil {
		return nil, err
	}
	for rank := range n {
		u := res.Order[rank]
		id := in.Data.UnitID(u)
		ref, ok := names[id]
		if !ok {
			continue // out of the viewer's scope
		}
		x := store.ScreeningResult{UnitID: id, Name: ref.Name, IsGroup: ref.IsGroup, Rank: rank + 1, Score: res.Score[u], CumShare: res.CumShare[u],
			Tier: res.Tier[u].String(), Members: int(in.Data.Members(u)), Indicators: in.Amounts[u]}
		v.Table.Items = append(v.Table.Items, resultRows([]store.ScreeningResult{x}, res.Concentration.TotalScore)...)
	}
	if !a.Viewer.All() {
		ids = nil
	}
	v.Chart = newChartData(a.Lang, res.Concentration, scores, cums, tiers, ids)
	b, err := json.Marshal(v.Chart)
	if err != nil {
		return nil, kamp.WrapError(kamp.EINTERNAL, err, "cannot encode the chart")
	}
	v.ChartJSON = string(b)
	v.Elapsed = time.Since(start).Round(time.Millisecond).String()
	return v, nil
}

// startScreeningRun stores a run as spec says in the background and
// returns its id at once; ECONFLICT when a run is being stored. Close
// stops it (the run is then recorded as failed).
func (s *Server) startScreeningRun(spec screening.Spec) (string, error) {
	if spec.ID == "" {
		spec.ID = store.NewID()
	}
	ok := s.startAlone(s.screenJob(), spec.ID, func(ctx context.Context, progress func(string, int, int)) (string, error) {
		return screening.Run(ctx, s.db, s.workspace(), spec, progress)
	})
	if !ok {
		return "", kamp.Errorf(kamp.ECONFLICT, "screening.err.busy")
	}
	return spec.ID, nil
}

// handleScreeningRun serves POST /screening/runs: store a run with the
// sliders' weights and the rules in the background; the workspace shows
// its progress and then the run.
func (s *Server) handleScreeningRun(w http.ResponseWriter, r *http.Request, a *auth) error {
	weights, sl, err := parseSliders(r.PostForm)
	rules := strings.TrimSpace(r.PostForm.Get("rules"))
	period, perr := parsePeriod(r.PostForm)
	err = cmp.Or(err, perr)
	p := &screeningPage{Sliders: sl, Query: screeningQuery{Page: 1}, Form: formState{Rules: rules, Period: period, Field: "run"}}
	fail := func(err error) error {
		p.Form.Error = formMessage(a.Lang, err)
		if kamp.ErrorCode(err) == kamp.EINVALID && !HasMessage(kamp.ErrorMessage(err)) {
			p.Form.Error = T(a.Lang, "screening.err.rules", kamp.ErrorMessage(err))
		}
		return s.renderScreening(w, r, a, statusOf(kamp.ErrorCode(err)), p)
	}
	switch {
	case err != nil:
		return fail(err)
	case len(rules) > maxReason:
		p.Form.Error = T(a.Lang, "team.err.too_long", maxReason)
		return s.renderScreening(w, r, a, http.StatusBadRequest, p)
	case rules != "":
		if _, err := screen.ParseRules(rules); err != nil {
			return fail(err)
		}
	}
	id, err := s.startScreeningRun(screening.Spec{Weights: weights, Period: period, Rules: rules, By: a.User.Login})
	if err != nil {
		return fail(err)
	}
	http.Redirect(w, r, "/screening?started="+url.QueryEscape(id), http.StatusSeeOther)
	return nil
}

// nominationActions are the choices of the nomination form: action →
// (op, tier).
var nominationActions = map[string][2]string{
	"include_core": {store.NominationInclude, "core"},
	"include_key":  {store.NominationInclude, "key"},
	"exclude":      {store.NominationExclude, ""},
}

// handleNominate serves POST /screening/nominations: propose to include a
// unit as core or key, or to exclude it, with a reason; a second person
// approves it in the approvals inbox.
func (s *Server) handleNominate(w http.ResponseWriter, r *http.Request, a *auth) error {
	f := r.PostForm
	st := formState{Unit: strings.TrimSpace(f.Get("unit")), Action: f.Get("action"), Reason: strings.TrimSpace(f.Get("reason")), Field: "nominate"}
	p := &screeningPage{Query: screeningQuery{Run: strings.TrimSpace(f.Get("run")), Page: 1}, Form: st}
	fail := func(status int, msg string) error {
		p.Form.Error = msg
		return s.renderScreening(w, r, a, status, p)
	}
	act, ok := nominationActions[st.Action]
	switch {
	case st.Unit == "":
		return fail(http.StatusBadRequest, T(a.Lang, "screening.err.unit"))
	case !ok:
		return fail(http.StatusBadRequest, T(a.Lang, "screening.err.action"))
	case st.Reason == "":
		return fail(http.StatusBadRequest, T(a.Lang, "screening.err.reason"))
	case checkReason(st.Reason) != nil:
		return fail(http.StatusBadRequest, T(a.Lang, "team.err.too_long", maxReason))
	case f.Get("confirm") != "1":
		return fail(http.StatusBadRequest, T(a.Lang, "approvals.err.confirm"))
	}
	cr, err := s.db.ProposeNomination(r.Context(), *a.User, st.Unit, act[0], act[1], st.Reason)
	if formFailure(err) {
		return fail(statusOf(kamp.ErrorCode(err)), formMessage(a.Lang, err))
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/screening?proposed="+url.QueryEscape(cr.ID), http.StatusSeeOther)
	return nil
}

// handleAdopt serves POST /screening/runs/{id}/adoption: propose the run's
// tiers as the official strategic list, with a reason.
func (s *Server) handleAdopt(w http.ResponseWriter, r *http.Request, a *auth) error {
	id := r.PathValue("id")
	reason := strings.TrimSpace(r.PostForm.Get("reason"))
	p := &screeningPage{Query: screeningQuery{Run: id, Page: 1}, Form: formState{Reason: reason, Field: "adopt"}}
	fail := func(status int, msg string) error {
		p.Form.Error = msg
		return s.renderScreening(w, r, a, status, p)
	}
	switch {
	case reason == "":
		return fail(http.StatusBadRequest, T(a.Lang, "screening.err.reason"))
	case checkReason(reason) != nil:
		return fail(http.StatusBadRequest, T(a.Lang, "team.err.too_long", maxReason))
	case r.PostForm.Get("confirm") != "1":
		return fail(http.StatusBadRequest, T(a.Lang, "approvals.err.confirm"))
	}
	cr, err := s.db.ProposeAdoption(r.Context(), *a.User, id, reason)
	if kamp.ErrorCode(err) == kamp.ENOTFOUND {
		return err
	}
	if formFailure(err) {
		return fail(statusOf(kamp.ErrorCode(err)), formMessage(a.Lang, err))
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/screening?run="+url.QueryEscape(id)+"&proposed="+url.QueryEscape(cr.ID), http.StatusSeeOther)
	return nil
}

// screeningColumns are the columns of the tier table export.
var screeningColumns = []export.Column{
	{Name: "rank", Numeric: true}, {Name: "unit_id"}, {Name: "name"}, {Name: "members", Numeric: true},
	{Name: "score", Numeric: true}, {Name: "cum_share", Numeric: true}, {Name: "tier"},
	{Name: "deposits_avg_cny", Numeric: true}, {Name: "loans_avg_cny", Numeric: true}, {Name: "revenue_cny", Numeric: true}, {Name: "fee_income_cny", Numeric: true},
}

// exportScreening streams the tier table of a run as filtered (every
// page), exact values, audited like every export.
func (s *Server) exportScreening(w http.ResponseWriter, r *http.Request, a *auth, q screeningQuery, format export.Format) error {
	ctx := r.Context()
	var run store.ScreeningRun
	var err error
	if q.Run != "" {
		run, err = s.db.ScreeningRun(ctx, q.Run)
	} else {
		run, err = s.db.LatestScreeningRun(ctx)
	}
	if err != nil {
		return err
	}
	filter := q.values()
	filter.Del("page")
	filter.Set("run", run.ID)
	job := exportJob{object: "screening", filter: filter, file: "screening-" + run.ID + format.Extension(), sheet: "tiers", columns: screeningColumns}
	return streamExport(s, w, r, a, format, job, func(offset int) ([]store.ScreeningResult, error) {
		items, _, err := s.db.ScreeningResults(ctx, a.Viewer, run.ID, store.ScreeningFilter{Tier: q.Tier, Sort: q.Sort, Limit: exportChunk, Offset: offset})
		return items, err
	}, func(x store.ScreeningResult, cells []string) []string {
		return append(cells, strconv.Itoa(x.Rank), x.UnitID, x.Name, strconv.Itoa(x.Members),
			strconv.FormatFloat(x.Score, 'g', -1, 64), strconv.FormatFloat(x.CumShare, 'g', -1, 64), x.Tier,
			x.Indicators[0].String(), x.Indicators[1].String(), x.Indicators[2].String(), x.Indicators[3].String())
	})
}

// changeRow is a tier change as the compare page shows it.
type changeRow struct {
	store.TierChange
	URL string
}

// comparePage is the data of GET /screening/compare.
type comparePage struct {
	From, To string
	Runs     []store.ScreeningRun
	Cmp      *store.RunComparison
	Rows     []changeRow
	Tiers    []string
}

// handleScreeningCompare serves GET /screening/compare?from=A&to=B: the
// units that entered or left each tier between two runs, and the
// indicator that moved each most.
func (s *Server) handleScreeningCompare(w http.ResponseWriter, r *http.Request, a *auth) error {
	ctx := r.Context()
	p := comparePage{From: r.URL.Query().Get("from"), To: r.URL.Query().Get("to"), Tiers: store.Tiers}
	var err error
	if p.Runs, _, err = s.db.ScreeningRuns(ctx, 0, screeningRunsShown); err != nil {
		return err
	}
	if p.From == "" && p.To == "" && len(p.Runs) >= 2 {
		p.From, p.To = p.Runs[1].ID, p.Runs[0].ID
	}
	if p.From != "" && p.To != "" {
		cmp, err := s.db.CompareScreeningRuns(ctx, a.Viewer, p.From, p.To, store.MaxLimit)
		if err != nil {
			return err
		}
		p.Cmp = &cmp
		for _, c := range cmp.Changes {
			p.Rows = append(p.Rows, changeRow{TierChange: c, URL: unitURL(c.UnitID, c.IsGroup)})
		}
	}
	return s.renderPage(w, r, a, http.StatusOK, "screening_compare", p)
}

// listRow is a spell of the official list as pages show it.
type listRow struct {
	store.ListEntry
	URL string
}

func listRows(es []store.ListEntry) []listRow {
	out := make([]listRow, 0, len(es))
	for _, e := range es {
		out = append(out, listRow{ListEntry: e, URL: unitURL(e.UnitID, e.IsGroup)})
	}
	return out
}

// listPage is the data of GET /screening/list.
type listPage struct {
	listNav
	Items    []listRow
	Total    int
	Excluded []listRow
	Changes  []listRow
	// Unit is the unit whose history ?unit= asks for, with its spells.
	Unit     string
	UnitName string
	UnitURL  string
	History  []listRow
}

// handleStrategicList serves GET /screening/list: the official strategic
// list in force with its effective dates (paged), the standing exclusions,
// the latest changes, and with ?unit=ID that unit's tier history.
func (s *Server) handleStrategicList(w http.ResponseWriter, r *http.Request, a *auth) error {
	ctx := r.Context()
	page, err := pageParam(r)
	if err != nil {
		return err
	}
	items, total, err := s.db.StrategicList(ctx, a.Viewer, false, (page-1)*resultsPerPage, resultsPerPage)
	if err != nil {
		return err
	}
	p := listPage{Items: listRows(items), Total: total}
	v := url.Values{}
	if unit := strings.TrimSpace(r.URL.Query().Get("unit")); unit != "" {
		v.Set("unit", unit)
		name, isGroup, err := s.db.UnitName(ctx, a.Viewer, unit)
		if err != nil {
			return err
		}
		hist, err := s.db.UnitListHistory(ctx, a.Viewer, unit)
		if err != nil {
			return err
		}
		p.Unit, p.UnitName, p.UnitURL, p.History = unit, name, unitURL(unit, isGroup), listRows(hist)
	}
	p.listNav = newListNav("/screening/list", v, page, total, resultsPerPage)
	excl, _, err := s.db.StrategicList(ctx, a.Viewer, true, 0, resultsPerPage)
	if err != nil {
		return err
	}
	p.Excluded = listRows(excl)
	changes, err := s.db.ListChanges(ctx, a.Viewer, resultsPerPage)
	if err != nil {
		return err
	}
	p.Changes = listRows(changes)
	return s.renderPage(w, r, a, http.StatusOK, "screening_list", p)
}

func init() {
	for k, m := range screeningMessages {
		catalogue[k] = m
	}
}

// screeningMessages are the screening pages' messages, merged into the
// catalogue.
var screeningMessages = map[string]message{
	"screening.title":                     {"战略客户筛选", "Strategic-client screening"},
	"screening.list_title":                {"战略客户名单", "Strategic client list"},
	"screening.compare_title":             {"批次比较", "Compare runs"},
	"screening.run_of":                    {"批次 %s：%s 期，%s 个客户单元，权重 %s，%s 由 %s 保存", "Run %s: period %s, %s units, weights %s, stored %s by %s"},
	"screening.none":                      {"尚无筛选批次。用下方权重保存一个批次；若还没有数据，请先导入 entities.csv、ownership.csv 和 metrics.csv，或从演示银行开始。", "No screening run yet. Store one with the weights below; without data, import entities.csv, ownership.csv and metrics.csv first, or start with the demo bank."},
	"screening.no_data":                   {"尚无指标数据：请先导入 metrics.csv。", "No metrics yet: import metrics.csv first."},
	"screening.data_period":               {"当前数据最新期次：%s", "Latest period in the data: %s"},
	"screening.units":                     {"客户单元", "Units"},
	"screening.top5":                      {"前 5% 份额", "Top 5% share"},
	"screening.top5_hint":                 {"前 %s 个单元", "the top %s units"},
	"screening.top20":                     {"前 20% 份额", "Top 20% share"},
	"screening.gini":                      {"基尼系数", "Gini coefficient"},
	"screening.tier_counts":               {"层级分布", "Tiers"},
	"screening.tier.core":                 {"核心", "Core"},
	"screening.tier.key":                  {"重点", "Key"},
	"screening.tier.general":              {"一般", "General"},
	"screening.tier.excluded":             {"排除", "Excluded"},
	"screening.tier.":                     {"—", "—"},
	"screening.weights":                   {"指标权重（%）", "Indicator weights (%)"},
	"screening.weights_help":              {"四项权重之和须为 100%。拖动滑块即时预览（不保存）；保存后形成可追溯的批次。", "The four weights sum to 100%. Move a slider to preview at once (nothing stored); store a run to keep it, traceably."},
	"screening.ind.revenue":               {"营业收入", "Revenue"},
	"screening.ind.deposits_avg":          {"日均存款", "Average deposits"},
	"screening.ind.loans_avg":             {"日均贷款", "Average loans"},
	"screening.ind.fee_income":            {"中间业务收入", "Fee income"},
	"screening.preview":                   {"预览", "Preview"},
	"screening.store":                     {"保存为批次", "Store as a run"},
	"screening.rules":                     {"定性规则（可选，每行一条）", "Qualitative rules (optional, one per line)"},
	"screening.rules_help":                {"例如：core: industry in C36, C37 and rank <= 500。规则随批次保存，用于认定，不改变计算层级。", "For example: core: industry in C36, C37 and rank <= 500. Rules are stored with the run for nominations; they never change the computed tiers."},
	"screening.whatif":                    {"试算结果（未保存）", "What-if (not stored)"},
	"screening.whatif_of":                 {"权重 %s，%s 期，用时 %s", "Weights %s, period %s, computed in %s"},
	"screening.moved":                     {"与批次权重 %s 相比，%s 个单元改变层级。", "Against the weights %s, %s units change tier."},
	"screening.whatif_top":                {"试算排名前 %d 的单元", "The top %d units of the what-if"},
	"screening.pareto":                    {"帕累托图", "Pareto chart"},
	"screening.lorenz":                    {"洛伦兹曲线", "Lorenz curve"},
	"screening.lorenz_table":              {"洛伦兹曲线数据", "Lorenz curve data"},
	"screening.lorenz_x":                  {"客户单元累计占比", "Cumulative share of units"},
	"screening.lorenz_y":                  {"得分累计占比", "Cumulative share of the score"},
	"screening.chart.pareto_title":        {"帕累托图：前 100 名得分与累计占比", "Pareto: the top 100 scores and cumulative share"},
	"screening.chart.lorenz_title":        {"洛伦兹曲线：得分集中度", "Lorenz curve: concentration of the score"},
	"screening.chart.rank":                {"排名", "Rank"},
	"screening.chart.score":               {"得分占比（%）", "Score (% of total)"},
	"screening.chart.cum":                 {"累计占比（%）", "Cumulative share (%)"},
	"screening.chart.mark50":              {"50%（核心）", "50% (core)"},
	"screening.chart.mark80":              {"80%（重点）", "80% (key)"},
	"screening.chart.units_pct":           {"客户单元累计占比（%）", "Cumulative share of units (%)"},
	"screening.chart.share_pct":           {"得分累计占比（%）", "Cumulative share of the score (%)"},
	"screening.chart.equality":            {"完全均等", "Perfect equality"},
	"screening.chart.lorenz":              {"洛伦兹曲线", "Lorenz curve"},
	"screening.table":                     {"层级表", "Tier table"},
	"screening.total":                     {"共 %s 个单元", "%s units"},
	"screening.rank":                      {"排名", "Rank"},
	"screening.unit":                      {"客户单元", "Unit"},
	"screening.members":                   {"成员客户", "Member clients"},
	"screening.score":                     {"得分占比", "Score"},
	"screening.cum":                       {"累计占比", "Cumulative"},
	"screening.tier":                      {"层级", "Tier"},
	"screening.any_tier":                  {"全部层级", "All tiers"},
	"screening.sort":                      {"排序", "Sort"},
	"screening.sort.rank":                 {"按排名", "By rank"},
	"screening.sort.-members":             {"成员数从多到少", "Most members"},
	"screening.sort.-revenue":             {"营业收入从高到低", "Highest revenue"},
	"screening.sort.-deposits_avg":        {"日均存款从高到低", "Highest deposits"},
	"screening.sort.-loans_avg":           {"日均贷款从高到低", "Highest loans"},
	"screening.sort.-fee_income":          {"中间业务收入从高到低", "Highest fee income"},
	"screening.sort.id":                   {"按编号", "By id"},
	"screening.filter":                    {"筛选", "Filter"},
	"screening.export_csv":                {"导出 CSV", "Export CSV"},
	"screening.export_xls":                {"导出 Excel", "Export Excel"},
	"screening.runs":                      {"批次记录", "Runs"},
	"screening.run_id":                    {"批次", "Run"},
	"screening.run_started":               {"开始", "Started"},
	"screening.run_status":                {"状态", "Status"},
	"screening.run_period":                {"期次", "Period"},
	"screening.run_weights":               {"权重", "Weights"},
	"screening.run_by":                    {"操作人", "By"},
	"screening.run_fp":                    {"数据指纹", "Fingerprint"},
	"screening.run.running":               {"运行中", "Running"},
	"screening.run.done":                  {"完成", "Done"},
	"screening.run.failed":                {"失败", "Failed"},
	"screening.view":                      {"查看", "View"},
	"screening.compare":                   {"比较两个批次", "Compare two runs"},
	"screening.compare_from":              {"较早批次", "Earlier run"},
	"screening.compare_to":                {"较新批次", "Later run"},
	"screening.compare_go":                {"比较", "Compare"},
	"screening.compare_none":              {"请选择两个批次。至少需要保存两个批次才能比较。", "Choose two runs. Comparing takes two stored runs."},
	"screening.compare_same":              {"两个批次之间没有单元改变层级。", "No unit changed tier between the two runs."},
	"screening.compare_total":             {"共 %s 个单元改变层级", "%s units changed tier"},
	"screening.entered":                   {"进入", "Entered"},
	"screening.left":                      {"离开", "Left"},
	"screening.from_tier":                 {"原层级", "From"},
	"screening.to_tier":                   {"新层级", "To"},
	"screening.moved_by":                  {"主要变动指标", "Moved most by"},
	"screening.old_value":                 {"原值", "Before"},
	"screening.new_value":                 {"新值", "After"},
	"screening.absent":                    {"未在批次中", "not in the run"},
	"screening.nominate":                  {"认定申请", "Nominate or exclude"},
	"screening.nominate_help":             {"将客户单元纳入或排除出战略客户名单，须说明理由，经另一位行领导（职级 4）审批后生效；不改变计算层级。", "Put a unit on the strategic list or keep it off, with a reason; it counts once a second person at authority level 4 approves it. Computed tiers do not change."},
	"screening.unit_id":                   {"客户单元编号（集团编号或客户编号）", "Unit id (group id or client id)"},
	"screening.action":                    {"申请事项", "Request"},
	"screening.action.include_core":       {"认定为核心战略客户", "Include as core"},
	"screening.action.include_key":        {"认定为重点战略客户", "Include as key"},
	"screening.action.exclude":            {"排除出名单", "Exclude from the list"},
	"screening.reason":                    {"理由（战略性行业、成长潜力、政策等）", "Reason (strategic industry, growth potential, policy…)"},
	"screening.confirm":                   {"我确认提交，由另一位人员审批后生效", "I confirm: it takes effect when a second person approves it"},
	"screening.submit":                    {"提交申请", "Submit for approval"},
	"screening.adopt":                     {"将本批次层级提交为正式名单", "Propose this run as the official list"},
	"screening.adopt_help":                {"经另一位行领导审批后，本批次的核心、重点单元自审批当日起成为正式战略客户名单；已批准的认定与排除继续有效。", "Once a second person approves, the run's core and key units form the official list from that day; approved nominations and exclusions stand."},
	"screening.proposed":                  {"申请 %s 已提交，等待审批。", "Request %s is submitted and waits for approval."},
	"screening.running":                   {"正在保存筛选批次 %s：%s", "Storing screening run %s: %s"},
	"screening.stage.load":                {"读取数据", "reading the data"},
	"screening.stage.compute":             {"计算", "computing"},
	"screening.stage.save":                {"保存结果", "saving the results"},
	"screening.stage.done":                {"完成", "done"},
	"screening.finished":                  {"批次 %s 已保存。", "Run %s is stored."},
	"screening.failed":                    {"筛选批次未能保存：%s", "The screening run failed: %s"},
	"screening.err.busy":                  {"已有一个筛选批次正在保存，请稍后再试。", "A screening run is being stored: try again when it is done."},
	"screening.go_approvals":              {"前往审批", "Go to approvals"},
	"screening.official":                  {"正式名单", "Official list"},
	"screening.err.weight":                {"每项权重须为 0 到 100 之间的整数。", "Each weight is a whole number from 0 to 100."},
	"screening.err.sum":                   {"四项权重之和须为 100%，请调整后再试。", "The four weights must sum to 100%: adjust them and try again."},
	"screening.err.unit":                  {"请填写客户单元编号。", "Enter the unit's id."},
	"screening.err.action":                {"请选择申请事项。", "Choose what to request."},
	"screening.err.period":                {"期次须为 YYYY-MM 格式，例如 2026-01；留空则用最新一期。", "The period is YYYY-MM, like 2026-01; leave it empty for the latest."},
	"screening.period":                    {"期次（YYYY-MM，留空为最新）", "Period (YYYY-MM, empty for the latest)"},
	"screening.err.reason":                {"请填写理由。", "Enter a reason."},
	"screening.err.rules":                 {"规则有误：%s", "The rules have a problem: %s"},
	"screening.proposals":                 {"规则建议（共 %d 个，仅供认定参考，不改变计算层级）", "What the rules propose (%d units; for nominations, the computed tiers stay)"},
	"screening.rule_tier":                 {"规则建议层级", "Rules propose"},
	"screening.nominate_this":             {"据此提出认定", "Nominate accordingly"},
	"screening.drill":                     {"查看成员与指标", "Members and indicators"},
	"list.title":                          {"战略客户名单", "Strategic client list"},
	"list.in_force":                       {"现行名单（共 %s 个）", "In force (%s units)"},
	"list.empty":                          {"正式名单尚为空：在筛选工作台将一个批次提交为正式名单，或提出认定申请，经审批后即出现在此。", "The official list is empty: propose a run as the list or nominate a unit in the screening workspace; it shows here once approved."},
	"list.from":                           {"生效日期", "Effective from"},
	"list.to":                             {"失效日期", "Until"},
	"list.source":                         {"来源", "Source"},
	"list.source.run":                     {"筛选批次", "Run"},
	"list.source.nomination":              {"认定", "Nomination"},
	"list.source.exclusion":               {"排除", "Exclusion"},
	"list.reason":                         {"理由", "Reason"},
	"list.history":                        {"层级历史", "Tier history"},
	"list.history_of":                     {"%s 的名单历史", "List history of %s"},
	"list.no_history":                     {"该单元从未进入正式名单。", "This unit was never on the official list."},
	"list.excluded":                       {"排除名单", "Exclusions"},
	"list.changes":                        {"最近变动", "Latest changes"},
	"list.current":                        {"现行", "in force"},
	"list.unit_search":                    {"查看某单元的历史", "See a unit's history"},
	"list.show":                           {"查看", "Show"},
	"approvals.kind.nomination":           {"战略客户认定", "Strategic list nomination"},
	"approvals.kind.adoption":             {"战略客户名单", "Strategic list adoption"},
	"approvals.op.include":                {"认定为%s战略客户", "Include as %s"},
	"approvals.op.exclude":                {"排除出战略客户名单", "Exclude from the strategic list"},
	"approvals.op.adopt":                  {"将筛选批次 %s 的层级作为正式名单", "Adopt run %s's tiers as the official list"},
	"audit.action.screening.run":          {"保存筛选批次", "Screening run stored"},
	"audit.action.strategic_list.changed": {"战略客户名单变更", "Strategic list changed"},
	"audit.object.screening_run":          {"筛选批次", "Screening run"},
	"audit.object.strategic_list":         {"战略客户名单", "Strategic list"},
}

// listRequestView describes a nomination or an adoption for the approvals
// inbox: the unit or run it concerns, the change in words and where it
// shows. handled is false for other kinds of request; v is nil when the
// viewer may not see the request's unit.
func (s *Server) listRequestView(ctx context.Context, a *auth, cr kamp.ChangeRequest) (v *requestView, handled bool, err error) {
	own := cr.MadeBy == a.User.Login
	base := requestView{ChangeRequest: cr, Own: own, CanDecide: a.User.Can(kamp.ApproveAction(cr.Kind)) && !own && cr.Status == kamp.RequestPending}
	switch cr.Kind {
	case kamp.RequestAdoption:
		if !a.Viewer.All() {
			return nil, true, nil
		}
		base.UnitName = T(a.Lang, "approvals.kind.adoption")
		base.UnitURL = "/screening?run=" + url.QueryEscape(cr.Detail)
		base.Link = base.UnitURL
		base.Change = T(a.Lang, "approvals.op.adopt", cr.Detail)
		return &base, true, nil
	case kamp.RequestNomination:
		name, isGroup, err := s.db.UnitName(ctx, a.Viewer, cr.Subject)
		if kamp.ErrorCode(err) == kamp.ENOTFOUND {
			return nil, true, nil
		}
		if err != nil {
			return nil, true, err
		}
		base.UnitName, base.UnitURL = name, unitURL(cr.Subject, isGroup)
		base.Link = "/screening/list?unit=" + url.QueryEscape(cr.Subject)
		if cr.Op == store.NominationInclude {
			base.Change = T(a.Lang, "approvals.op.include", T(a.Lang, "screening.tier."+cr.Detail))
		} else {
			base.Change = T(a.Lang, "approvals.op.exclude")
		}
		return &base, true, nil
	}
	return nil, false, nil
}
