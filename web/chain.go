package web

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/chainrun"
	"github.com/kampbank/kamp/check"
	"github.com/kampbank/kamp/export"
	"github.com/kampbank/kamp/store"
)

// Chain marketing (产业链): the bank-wide prospect list found by the chain
// engine in the stored payments, where an analyst assigns a prospect to a
// branch RM as a lead or dismisses it with a reason (kept with history);
// a prospect's page; a strategic unit's supply-chain graph; and the run
// that finds them, started from the list by analysts in the background.
// A payments import does not start a run by itself: the list offers the
// button, and shows when the run is older than the data.

// chainRunRoles may start chain runs.
var chainRunRoles = kamp.ActionRoles(kamp.ActImport)

// prospectsPerPage is the page size of the prospect list.
const prospectsPerPage = 50

// chainTop is how many counterparties each way a unit's chain shows.
const chainTop = 30

// chainRunsShown is how many runs the list's history shows.
const chainRunsShown = 10

// RunChain runs chain discovery in the background as spec says and returns
// at once; the prospect list shows its progress. A request while a run is
// going runs once more after it, with the latest spec. Close stops it.
func (s *Server) RunChain(spec chainrun.Spec) {
	s.start(s.chain, func(ctx context.Context, progress func(string, int, int)) (string, error) {
		return chainrun.Run(kamp.WithActor(ctx, cmp.Or(spec.By, kamp.ActorSystem)), s.db, spec, progress)
	})
}

// prospectURL is the page of a prospect.
func prospectURL(key string) string { return "/chain/prospects/" + url.PathEscape(key) }

// chainQuery is the prospect list's state as it stands in the query
// string.
type chainQuery struct {
	Industry, Branch, MinAmount, MinUnits, Status, Direction, Sort string
	Mine                                                           bool
	Page                                                           int
}

// parseChainQuery reads the list's filters into a store filter for a.
func parseChainQuery(v url.Values, a *auth) (chainQuery, store.ProspectFilter, error) {
	q := chainQuery{Industry: strings.TrimSpace(v.Get("industry")), Branch: strings.TrimSpace(v.Get("branch")),
		MinAmount: strings.TrimSpace(v.Get("min_amount")), MinUnits: strings.TrimSpace(v.Get("min_units")),
		Status: v.Get("status"), Direction: v.Get("direction"), Sort: v.Get("sort"), Page: 1}
	f := store.ProspectFilter{Industry: q.Industry, Branch: q.Branch, Status: q.Status, Direction: q.Direction, Sort: q.Sort}
	if q.MinAmount != "" {
		n, err := check.ParseFixed(q.MinAmount, kamp.AmountScale, false)
		if err != nil {
			return q, f, kamp.Errorf(kamp.EINVALID, "chain.err.min_amount")
		}
		f.MinAmount = kamp.Amount(n)
	}
	if q.MinUnits != "" {
		n, err := strconv.Atoi(q.MinUnits)
		if err != nil || n < 0 {
			return q, f, kamp.Errorf(kamp.EINVALID, "chain.err.min_units")
		}
		f.MinUnits = n
	}
	if q.Status != "" && !slices.Contains(store.ProspectStatuses, q.Status) {
		return q, f, kamp.Errorf(kamp.EINVALID, "unknown status %q: use %s", q.Status, strings.Join(store.ProspectStatuses, ", "))
	}
	if q.Direction != "" && !slices.Contains(store.ProspectDirections, q.Direction) {
		return q, f, kamp.Errorf(kamp.EINVALID, "unknown direction %q: use %s", q.Direction, strings.Join(store.ProspectDirections, ", "))
	}
	if q.Sort != "" && !slices.Contains(store.ProspectSorts, q.Sort) {
		return q, f, kamp.Errorf(kamp.EINVALID, "cannot sort by %q: use %s", q.Sort, strings.Join(store.ProspectSorts, ", "))
	}
	if m := v.Get("mine"); m == "1" || m == "true" {
		q.Mine, f.AssigneeID = true, a.User.ID
	}
	if p := v.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 1_000_000 {
			return q, f, kamp.Errorf(kamp.EINVALID, "page must be a number from 1")
		}
		q.Page = n
	}
	return q, f, nil
}

// values returns the query as URL values without empty fields and page 1.
func (q chainQuery) values() url.Values {
	v := url.Values{}
	for _, kv := range [][2]string{{"industry", q.Industry}, {"branch", q.Branch}, {"min_amount", q.MinAmount}, {"min_units", q.MinUnits},
		{"status", q.Status}, {"direction", q.Direction}, {"sort", q.Sort}} {
		if kv[1] != "" {
			v.Set(kv[0], kv[1])
		}
	}
	if q.Mine {
		v.Set("mine", "1")
	}
	if q.Page > 1 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	return v
}

// prospectRow is a prospect as the list and its page show it.
type prospectRow struct {
	store.Prospect
	URL       string
	EntityURL string // "" when the prospect is a name only
	Units     []unitLinkRow
	// More: it is linked to more units than listed.
	More bool
}

// unitLinkRow is a unit a prospect is linked to, with its page.
type unitLinkRow struct {
	store.UnitLink
	URL string
}

func newProspectRow(p store.Prospect) prospectRow {
	r := prospectRow{Prospect: p, URL: prospectURL(p.Key)}
	if p.Known {
		r.EntityURL = "/entities/" + url.PathEscape(p.Counterparty)
	}
	for _, u := range p.LinkedUnits {
		r.Units = append(r.Units, unitLinkRow{UnitLink: u, URL: unitURL(u.ID, u.IsGroup)})
	}
	r.More = len(p.LinkedUnits) == store.DefaultLinkedUnits && p.Units > store.DefaultLinkedUnits
	return r
}

// rmOption is a branch RM the assign form offers.
type rmOption struct {
	Login, Name, OrgUnit string
}

// branchRMs returns the active branch RMs, by login.
func (s *Server) branchRMs(r *http.Request) ([]rmOption, error) {
	users, err := s.db.Users(r.Context())
	if err != nil {
		return nil, err
	}
	var out []rmOption
	for _, u := range users {
		if u.Role == kamp.RoleBranchRM && !u.Disabled {
			out = append(out, rmOption{Login: u.Login, Name: u.Name, OrgUnit: u.OrgUnit})
		}
	}
	slices.SortFunc(out, func(a, b rmOption) int { return strings.Compare(a.Login, b.Login) })
	return out, nil
}

// chainPage is the data of GET /chain.
type chainPage struct {
	listNav
	Query      chainQuery
	Items      []prospectRow
	Total      int
	Run        *store.ChainRun
	Runs       []store.ChainRun
	Stale      bool // the data changed since the latest run
	Job        jobState
	Industries []string
	Branches   []kamp.OrgUnit
	Statuses   []string
	Directions []string
	Sorts      []string
	CanWork    bool
	CanRun     bool
	RMs        []rmOption
	Return     string // this page's URL, where the row forms come back
	Error      string
}

// handleChain serves GET /chain: the prospect list with its filters,
// sorting and paging, the latest run and a run's progress; ?format=csv|xlsx
// exports every prospect that matches, and ?fragment=progress returns the
// progress alone for htmx.
func (s *Server) handleChain(w http.ResponseWriter, r *http.Request, a *auth) error {
	if r.URL.Query().Get("fragment") == "progress" {
		return s.renderTemplate(w, r, a, http.StatusOK, "chain", "chain_progress_fragment", s.chain.state())
	}
	q, f, err := parseChainQuery(r.URL.Query(), a)
	if kamp.ErrorCode(err) == kamp.EINVALID && r.URL.Query().Get("format") == "" {
		// A wrong filter is shown next to the filters, the values kept.
		p := chainPage{Query: q, Error: formMessage(a.Lang, err), Job: s.chain.state(), Statuses: store.ProspectStatuses,
			Directions: store.ProspectDirections, Sorts: store.ProspectSorts, Return: "/chain"}
		if p.Branches, err = s.db.OrgUnits(r.Context()); err != nil {
			return err
		}
		return s.renderPage(w, r, a, http.StatusBadRequest, "chain", p)
	}
	if err != nil {
		return err
	}
	if fm := r.URL.Query().Get("format"); fm != "" {
		format, err := export.ParseFormat(fm)
		if err != nil {
			return err
		}
		return s.exportProspects(w, r, a, q, f, format)
	}
	ctx := r.Context()
	f.Limit, f.Offset = prospectsPerPage, (q.Page-1)*prospectsPerPage
	items, total, err := s.db.Prospects(ctx, a.Viewer, f)
	if err != nil {
		return err
	}
	p := chainPage{listNav: newListNav("/chain", q.values(), q.Page, total, prospectsPerPage), Query: q, Total: total,
		Job: s.chain.state(), Statuses: store.ProspectStatuses, Directions: store.ProspectDirections, Sorts: store.ProspectSorts,
		CanWork: a.User.Can(kamp.ActWorkProspects), CanRun: allowed(a.User, chainRunRoles), Return: r.URL.RequestURI()}
	for _, it := range items {
		p.Items = append(p.Items, newProspectRow(it))
	}
	if p.Industries, err = s.db.ProspectIndustries(ctx); err != nil {
		return err
	}
	if p.Branches, err = s.db.OrgUnits(ctx); err != nil {
		return err
	}
	if p.CanWork {
		if p.RMs, err = s.branchRMs(r); err != nil {
			return err
		}
	}
	if p.Runs, _, err = s.db.ChainRuns(ctx, 0, chainRunsShown); err != nil {
		return err
	}
	if run, err := s.db.LatestChainRun(ctx); err == nil {
		p.Run = &run
		if v, err := s.db.DataVersion(ctx); err == nil {
			p.Stale = !strings.HasPrefix(run.Fingerprint, v+"/")
		}
	} else if kamp.ErrorCode(err) != kamp.ENOTFOUND {
		return err
	}
	return s.renderPage(w, r, a, http.StatusOK, "chain", p)
}

// prospectColumns are the columns of the prospect export.
var prospectColumns = []export.Column{
	{Name: "rank", Numeric: true}, {Name: "prospect_key"}, {Name: "counterparty"}, {Name: "known"}, {Name: "name"},
	{Name: "amount_cny", Numeric: true}, {Name: "payments", Numeric: true}, {Name: "units", Numeric: true}, {Name: "linked_units"},
	{Name: "direction"}, {Name: "industry"}, {Name: "branch"}, {Name: "status"}, {Name: "assignee"}, {Name: "note"},
}

// exportProspects streams every prospect that matches q, in the page's
// order, a store page at a time; exact amounts; audited.
func (s *Server) exportProspects(w http.ResponseWriter, r *http.Request, a *auth, q chainQuery, f store.ProspectFilter, format export.Format) error {
	filter := q.values()
	filter.Del("page")
	job := exportJob{object: "prospects", filter: filter, file: "prospects-" + s.cfg.Now().UTC().Format("20060102") + format.Extension(),
		sheet: "prospects", columns: prospectColumns}
	return streamExport(s, w, r, a, format, job, func(offset int) ([]store.Prospect, error) {
		f.Limit, f.Offset, f.LinkedUnits, f.UnitIDsOnly = exportChunk, offset, -1, true
		items, _, err := s.db.Prospects(r.Context(), a.Viewer, f)
		return items, err
	}, func(p store.Prospect, cells []string) []string {
		known := "0"
		if p.Known {
			known = "1"
		}
		units := make([]string, 0, len(p.LinkedUnits))
		for _, u := range p.LinkedUnits {
			units = append(units, u.ID)
		}
		return append(cells, strconv.Itoa(p.Rank), p.Key, p.Counterparty, known, p.Name, p.Amount.String(),
			strconv.FormatInt(p.Payments, 10), strconv.Itoa(p.Units), strings.Join(units, " "), p.Direction, p.Industry, p.Branch,
			p.Status, p.AssigneeLogin, p.Note)
	})
}

// handleChainRun serves POST /chain/runs: start a run over the payments
// dated from..to (both optional) in the background.
func (s *Server) handleChainRun(w http.ResponseWriter, r *http.Request, a *auth) error {
	spec := chainrun.Spec{From: strings.TrimSpace(r.PostForm.Get("from")), To: strings.TrimSpace(r.PostForm.Get("to")), By: a.User.Login}
	if err := spec.Check(); err != nil {
		return err
	}
	s.RunChain(spec)
	s.log.Info("chain run started", "request_id", requestID(r.Context()), "by", a.User.Login, "from", spec.From, "to", spec.To)
	http.Redirect(w, r, "/chain", http.StatusSeeOther)
	return nil
}

// edgeRow is a counterparty of a unit as tables show it.
type edgeRow struct {
	store.ChainEdge
	URL         string // the entity's page, "" for a name
	ProspectURL string // the prospect's page, "" for a client
	UnitURL     string // the unit's page
}

func newEdgeRow(e store.ChainEdge) edgeRow {
	r := edgeRow{ChainEdge: e, UnitURL: unitURL(e.UnitID, e.UnitIsGroup)}
	if e.Known {
		r.URL = "/entities/" + url.PathEscape(e.Counterparty)
	}
	if k := e.Prospect(); k != "" {
		r.ProspectURL = prospectURL(k)
	}
	return r
}

// prospectPage is the data of GET /chain/prospects/{key}.
type prospectPage struct {
	P       prospectRow
	Edges   []edgeRow
	History []store.ProspectWork
	CanWork bool
	RMs     []rmOption
	Return  string
	// The form's state after an error: which form, what was entered.
	Form     string
	Assignee string
	Note     string
	Error    string
}

// loadProspect fills a prospect's page.
func (s *Server) loadProspect(r *http.Request, a *auth, key string) (*prospectPage, error) {
	p, edges, hist, err := s.db.ProspectDetail(r.Context(), a.Viewer, key)
	if err != nil {
		return nil, err
	}
	pg := &prospectPage{P: newProspectRow(p), History: hist, CanWork: a.User.Can(kamp.ActWorkProspects), Return: prospectURL(key)}
	for _, e := range edges {
		pg.Edges = append(pg.Edges, newEdgeRow(e))
	}
	if pg.CanWork {
		if pg.RMs, err = s.branchRMs(r); err != nil {
			return nil, err
		}
	}
	return pg, nil
}

// handleProspect serves GET /chain/prospects/{key}: a prospect, its links
// to the units the person sees, and the history of the work on it.
func (s *Server) handleProspect(w http.ResponseWriter, r *http.Request, a *auth) error {
	p, err := s.loadProspect(r, a, r.PathValue("key"))
	if err != nil {
		return err
	}
	return s.renderPage(w, r, a, http.StatusOK, "chain_prospect", p)
}

// handleProspectWork serves POST /chain/prospects/{key}/assignment and
// …/dismissal: assign the prospect to a branch RM, or dismiss it with a
// reason; then back to where the form was (the list or the prospect's
// page). A mistake shows the prospect's page with the message next to the
// form and what was entered.
func (s *Server) handleProspectWork(dismiss bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, a *auth) error {
		key := r.PathValue("key")
		assignee, note := strings.TrimSpace(r.PostForm.Get("assignee")), r.PostForm.Get("note")
		var err error
		if dismiss {
			_, err = s.db.DismissProspect(r.Context(), *a.User, key, note)
		} else {
			_, err = s.db.AssignProspect(r.Context(), *a.User, key, assignee, note)
		}
		if kamp.ErrorCode(err) == kamp.ENOTFOUND {
			return err
		}
		if formFailure(err) {
			p, lerr := s.loadProspect(r, a, key)
			if lerr != nil {
				return lerr
			}
			p.Form, p.Assignee, p.Note, p.Error = "assign", assignee, note, formMessage(a.Lang, err)
			if dismiss {
				p.Form = "dismiss"
			}
			return s.renderPage(w, r, a, statusOf(kamp.ErrorCode(err)), "chain_prospect", p)
		}
		if err != nil {
			return err
		}
		s.log.Info("prospect worked", "request_id", requestID(r.Context()), "prospect", key, "dismiss", dismiss, "by", a.User.Login)
		back := safeNext(r.PostForm.Get("return"))
		if back == "/" {
			back = prospectURL(key)
		}
		http.Redirect(w, r, back, http.StatusSeeOther)
		return nil
	}
}

// unitChainPage is the data of a unit's chain page.
type unitChainPage struct {
	UnitID, Name string
	IsGroup      bool
	UnitURL      string
	Chain        store.UnitChain
	Up, Down     []edgeRow
	// Sides are the upstream and downstream tables.
	Sides   []chainSide
	DataURL string
	Top     int
}

// chainSide is one direction's table of a unit's chain.
type chainSide struct {
	Key    string // "upstream" or "downstream"
	Rows   []edgeRow
	Count  int
	Amount kamp.Amount
}

// handleUnitChain serves GET /groups/{id}/chain and /entities/{id}/chain:
// a strategic unit's supply-chain graph (upstream left, downstream right)
// and the same data as tables; ?format=json returns the graph's data for
// the chart script.
func (s *Server) handleUnitChain(w http.ResponseWriter, r *http.Request, a *auth) error {
	id := r.PathValue("id")
	name, isGroup, err := s.db.UnitName(r.Context(), a.Viewer, id)
	if err != nil {
		return err
	}
	uc, err := s.db.UnitChain(r.Context(), a.Viewer, id, chainTop)
	if err != nil {
		return err
	}
	base := unitURL(id, isGroup)
	if r.URL.Query().Get("format") == "json" {
		s.writeJSON(w, r, http.StatusOK, newChainGraph(a.Lang, id, name, uc))
		return nil
	}
	p := unitChainPage{UnitID: id, Name: name, IsGroup: isGroup, UnitURL: base, Chain: uc, DataURL: base + "/chain?format=json", Top: chainTop}
	for _, e := range uc.Upstream {
		p.Up = append(p.Up, newEdgeRow(e))
	}
	for _, e := range uc.Downstream {
		p.Down = append(p.Down, newEdgeRow(e))
	}
	p.Sides = []chainSide{{"upstream", p.Up, uc.UpCount, uc.UpAmount}, {"downstream", p.Down, uc.DownCount, uc.DownAmount}}
	return s.renderPage(w, r, a, http.StatusOK, "chain_unit", p)
}

// chainGraph is the data of a unit's chain chart.
type chainGraph struct {
	Labels     map[string]string `json:"labels"`
	Unit       chainNode         `json:"unit"`
	Upstream   []chainNode       `json:"upstream"`
	Downstream []chainNode       `json:"downstream"`
}

// chainNode is a unit or counterparty of the chart.
type chainNode struct {
	ID       string  `json:"id"`
	Name     string  `json:"name"`
	Client   bool    `json:"client"`
	Known    bool    `json:"known"`
	Amount   string  `json:"amount,omitempty"` // exact, CNY
	Value    float64 `json:"value,omitempty"`  // for the edge width
	Payments int64   `json:"payments,omitempty"`
	First    string  `json:"first,omitempty"`
	Last     string  `json:"last,omitempty"`
	URL      string  `json:"url,omitempty"`
}

func newChainGraph(lang, id, name string, uc store.UnitChain) chainGraph {
	g := chainGraph{Labels: map[string]string{}, Unit: chainNode{ID: id, Name: name, Client: true, Known: true},
		Upstream: []chainNode{}, Downstream: []chainNode{}}
	for _, k := range []string{"title", "unit", "client", "prospect", "upstream", "downstream", "amount", "payments", "period", "empty"} {
		g.Labels[k] = T(lang, "chain.graph."+k)
	}
	g.Labels["title"] = T(lang, "chain.graph.title", name)
	for _, side := range []struct {
		edges []store.ChainEdge
		out   *[]chainNode
	}{{uc.Upstream, &g.Upstream}, {uc.Downstream, &g.Downstream}} {
		for _, e := range side.edges {
			v, _ := strconv.ParseFloat(e.Amount.String(), 64)
			n := chainNode{ID: store.ProspectKey(e.Counterparty, e.Known), Name: e.Name, Client: e.IsClient, Known: e.Known,
				Amount: e.Amount.String(), Value: v, Payments: e.Payments, First: e.First, Last: e.Last}
			if e.Known {
				n.URL = "/entities/" + url.PathEscape(e.Counterparty)
			} else {
				n.URL = prospectURL(n.ID)
			}
			*side.out = append(*side.out, n)
		}
	}
	return g
}

func init() {
	for k, m := range chainMessages {
		catalogue[k] = m
	}
}

// chainMessages are the chain pages' messages, merged into the catalogue.
var chainMessages = map[string]message{
	"nav.chain":                       {"产业链", "Chain"},
	"chain.title":                     {"产业链营销", "Chain marketing"},
	"chain.intro":                     {"战略客户的上下游交易对手中尚未成为本行客户的主体，按交易金额排列。", "Counterparties of the strategic clients that are not yet clients of the bank, by amount."},
	"chain.run":                       {"最近一次批次：%s 完成，%s 笔交易流水，%s 个战略客户单元，%s 条上下游关系，%s 个潜在客户。", "Latest run: finished %s; %s payments, %s strategic units, %s links, %s prospects."},
	"chain.run_range":                 {"交易日期范围：%s 至 %s", "Payment dates: %s to %s"},
	"chain.stale":                     {"数据在最近一次批次之后有变化，请重新运行。", "The data changed after the latest run: run it again."},
	"chain.never":                     {"尚无产业链批次。", "No chain run yet."},
	"chain.empty":                     {"尚无潜在客户。导入 payments.csv 并确定战略客户名单（或运行一次筛选）后，点击“立即运行”；也可从演示银行开始。", "No prospects yet. Import payments.csv and settle the strategic list (or store a screening run), then press \"Run now\"; or start with the demo bank."},
	"chain.none_match":                {"没有符合筛选条件的潜在客户。", "No prospect matches the filters."},
	"chain.run_now":                   {"立即运行", "Run now"},
	"chain.from":                      {"起始日期", "From date"},
	"chain.to":                        {"截止日期", "To date"},
	"chain.running":                   {"产业链批次运行中：%s", "Chain run in progress: %s"},
	"chain.failed":                    {"产业链批次失败：%s", "The chain run failed: %s"},
	"chain.stage.load":                {"读取主体、集团和战略客户", "reading entities, groups and strategic units"},
	"chain.stage.payments":            {"处理交易流水", "going through the payments"},
	"chain.stage.save":                {"保存结果", "saving the results"},
	"chain.stage.done":                {"完成", "done"},
	"chain.industry":                  {"行业", "Industry"},
	"chain.branch":                    {"机构", "Org unit"},
	"chain.min_amount":                {"最低金额（元）", "Minimum amount (CNY)"},
	"chain.min_units":                 {"最少关联战略客户数", "Minimum strategic units linked"},
	"chain.status":                    {"状态", "Status"},
	"chain.direction":                 {"方向", "Direction"},
	"chain.sort":                      {"排序", "Sort"},
	"chain.mine":                      {"仅看分配给我的", "Assigned to me only"},
	"chain.any":                       {"全部", "Any"},
	"chain.filter":                    {"筛选", "Filter"},
	"chain.reset":                     {"重置", "Reset"},
	"chain.total":                     {"共 %s 个潜在客户", "%s prospects"},
	"chain.export_csv":                {"导出 CSV", "Export CSV"},
	"chain.export_xls":                {"导出 Excel", "Export Excel"},
	"chain.rank":                      {"排名", "Rank"},
	"chain.name":                      {"名称", "Name"},
	"chain.name_only":                 {"仅名称", "name only"},
	"chain.amount":                    {"交易金额", "Amount"},
	"chain.payments":                  {"笔数", "Payments"},
	"chain.units":                     {"关联战略客户", "Strategic units linked"},
	"chain.work":                      {"处理", "Action"},
	"chain.assignee":                  {"分配给客户经理", "Assign to branch RM"},
	"chain.choose_rm":                 {"选择支行客户经理", "Choose a branch RM"},
	"chain.note":                      {"备注", "Note"},
	"chain.assign":                    {"分配", "Assign"},
	"chain.reason":                    {"排除原因", "Reason for dismissal"},
	"chain.dismiss":                   {"排除", "Dismiss"},
	"chain.no_rms":                    {"尚无支行客户经理：请先在“机构与团队”中添加。", "No branch RM yet: add one under Organisation."},
	"chain.sort.rank":                 {"金额（从高到低）", "Amount (high to low)"},
	"chain.sort.-units":               {"关联战略客户数", "Strategic units linked"},
	"chain.sort.-payments":            {"笔数", "Payments"},
	"chain.sort.name":                 {"名称", "Name"},
	"chain.dir.upstream":              {"上游（供应商）", "Upstream (supplier)"},
	"chain.dir.downstream":            {"下游（客户）", "Downstream (customer)"},
	"chain.dir.both":                  {"上下游", "Both"},
	"chain.status.open":               {"待处理", "Open"},
	"chain.status.assigned":           {"已分配", "Assigned"},
	"chain.status.dismissed":          {"已排除", "Dismissed"},
	"chain.assigned_to":               {"已分配给 %s", "Assigned to %s"},
	"chain.history":                   {"批次历史", "Run history"},
	"chain.run_started":               {"开始", "Started"},
	"chain.run_finished":              {"结束", "Finished"},
	"chain.run_status":                {"状态", "Status"},
	"chain.run_by":                    {"发起人", "By"},
	"chain.run_message":               {"说明", "Notes"},
	"chain.run_prospects":             {"潜在客户", "Prospects"},
	"chain.run.running":               {"运行中", "Running"},
	"chain.run.done":                  {"完成", "Done"},
	"chain.run.failed":                {"失败", "Failed"},
	"chain.err.min_amount":            {"最低金额须为不超过 4 位小数的非负数，如 1000000。", "The minimum amount must be a number of at most 4 decimals, not negative, like 1000000."},
	"chain.err.min_units":             {"最少关联战略客户数须为非负整数。", "The minimum number of units must be a whole number, not negative."},
	"chain.prospect.title":            {"潜在客户", "Prospect"},
	"chain.prospect.key":              {"编号", "Key"},
	"chain.prospect.entity":           {"主体", "Entity"},
	"chain.prospect.links":            {"与战略客户的交易", "Payments with strategic units"},
	"chain.prospect.no_links":         {"您的范围内没有与该潜在客户交易的战略客户。", "No strategic unit in your scope pays or is paid by this prospect."},
	"chain.prospect.history":          {"处理记录", "History"},
	"chain.prospect.no_history":       {"尚未处理。", "Not worked on yet."},
	"chain.prospect.at":               {"时间", "When"},
	"chain.prospect.by":               {"操作人", "By"},
	"chain.prospect.action":           {"操作", "Action"},
	"chain.prospect.work_title":       {"分配或排除", "Assign or dismiss"},
	"chain.prospect.back":             {"返回潜在客户列表", "Back to the prospects"},
	"chain.unit.title":                {"%s的产业链", "Supply chain of %s"},
	"chain.unit.link":                 {"产业链", "Supply chain"},
	"chain.unit.none":                 {"尚无产业链批次：在“产业链”页面运行一次后，这里显示该客户单元的上下游。", "No chain run yet: once one runs on the Chain page, this shows the unit's suppliers and customers."},
	"chain.unit.empty":                {"最近一次批次中该客户单元没有上下游交易（可能不是战略客户）。", "The latest run found no payments of this unit with others (it may not be a strategic unit)."},
	"chain.unit.upstream":             {"上游（供应商）：%s 个，合计", "Upstream (suppliers): %s, total"},
	"chain.unit.downstream":           {"下游（客户）：%s 个，合计", "Downstream (customers): %s, total"},
	"chain.unit.top":                  {"图和表列出每个方向金额最大的 %s 个交易对手。", "The chart and tables list the %s largest counterparties each way."},
	"chain.unit.first":                {"首笔", "First"},
	"chain.unit.last":                 {"末笔", "Last"},
	"chain.unit.kind":                 {"类型", "Kind"},
	"chain.unit.client":               {"本行客户", "Client"},
	"chain.unit.prospect":             {"潜在客户", "Prospect"},
	"chain.unit.graph_nojs":           {"图需要 JavaScript；下表列出相同数据。", "The chart needs JavaScript; the tables below hold the same data."},
	"chain.unit.back":                 {"返回客户单元", "Back to the unit"},
	"chain.graph.title":               {"%s的上下游", "Suppliers and customers of %s"},
	"chain.graph.unit":                {"战略客户", "Strategic unit"},
	"chain.graph.client":              {"本行客户", "Client"},
	"chain.graph.prospect":            {"潜在客户（非本行客户）", "Prospect (not a client)"},
	"chain.graph.upstream":            {"上游", "Upstream"},
	"chain.graph.downstream":          {"下游", "Downstream"},
	"chain.graph.amount":              {"金额（元）", "Amount (CNY)"},
	"chain.graph.payments":            {"笔数", "Payments"},
	"chain.graph.period":              {"期间", "Period"},
	"chain.graph.empty":               {"没有上下游交易", "No payments with others"},
	"audit.action.chain.run":          {"产业链批次", "Chain run"},
	"audit.action.prospect.assigned":  {"分配潜在客户", "Prospect assigned"},
	"audit.action.prospect.dismissed": {"排除潜在客户", "Prospect dismissed"},
	"audit.object.chain_run":          {"产业链批次", "Chain run"},
	"audit.object.prospect":           {"潜在客户", "Prospect"},
	"audit.object.prospects":          {"潜在客户列表", "Prospect list"},
}
