package web

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/export"
	"github.com/kampbank/kamp/store"
)

// entitiesPerPage is the page size of the entity list.
const entitiesPerPage = 50

// exportChunk is how many rows an export asks the store for at a time.
const exportChunk = store.MaxLimit

// maxQueryLen bounds the search text.
const maxQueryLen = 200

// entityQuery is the entity list's state as it stands in the query string.
type entityQuery struct {
	Q, Kind, Client, Branch, Country, Sort string
	Page                                   int
}

// parseEntityQuery reads and checks the list's query string.
func parseEntityQuery(v url.Values) (entityQuery, error) {
	q := entityQuery{
		Q:       strings.TrimSpace(v.Get("q")),
		Kind:    strings.ToLower(strings.TrimSpace(v.Get("kind"))),
		Client:  strings.TrimSpace(v.Get("client")),
		Branch:  strings.TrimSpace(v.Get("branch")),
		Country: strings.ToUpper(strings.TrimSpace(v.Get("country"))),
		Sort:    strings.TrimSpace(v.Get("sort")),
		Page:    1,
	}
	if len(q.Q) > maxQueryLen {
		return q, kamp.Errorf(kamp.EINVALID, "the search text is longer than %d bytes", maxQueryLen)
	}
	switch kamp.EntityKind(q.Kind) {
	case "", kamp.KindCompany, kamp.KindPerson, kamp.KindState:
	default:
		return q, kamp.Errorf(kamp.EINVALID, "unknown kind %q: use company, person or state", q.Kind)
	}
	if _, err := parseBoolParam("client", q.Client); err != nil {
		return q, err
	}
	switch q.Sort {
	case "", "id", "-id", "name", "-name":
	default:
		return q, kamp.Errorf(kamp.EINVALID, "cannot sort by %q: use id, -id, name or -name", q.Sort)
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

// parseBoolParam reads an optional yes/no parameter: "", 1/0, true/false.
func parseBoolParam(name, v string) (*bool, error) {
	switch strings.ToLower(v) {
	case "":
		return nil, nil
	case "1", "true":
		t := true
		return &t, nil
	case "0", "false":
		f := false
		return &f, nil
	}
	return nil, kamp.Errorf(kamp.EINVALID, "%s must be 1/0 or true/false, not %q", name, v)
}

// filter turns the query into a store filter (paging not set).
func (q entityQuery) filter() store.EntityFilter {
	client, _ := parseBoolParam("client", q.Client)
	return store.EntityFilter{Q: q.Q, Kind: q.Kind, IsClient: client, Branch: q.Branch, Country: q.Country, Sort: q.Sort}
}

// values returns the query as URL values, leaving out empty fields and page
// 1, so that URLs stay short and stable.
func (q entityQuery) values() url.Values {
	v := url.Values{}
	for _, kv := range [][2]string{{"q", q.Q}, {"kind", q.Kind}, {"client", q.Client}, {"branch", q.Branch}, {"country", q.Country}, {"sort", q.Sort}} {
		if kv[1] != "" {
			v.Set(kv[0], kv[1])
		}
	}
	if q.Page > 1 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	return v
}

// url returns /entities with the query.
func (q entityQuery) url() string {
	if enc := q.values().Encode(); enc != "" {
		return "/entities?" + enc
	}
	return "/entities"
}

// sortLink is a sortable column header.
type sortLink struct {
	URL  string
	Dir  string // "asc", "desc" or "" when not sorted by this column
	Next string // the message key of what a click does
}

// entitiesPage is the data of the entity list.
type entitiesPage struct {
	listNav
	Query    entityQuery
	Items    []kamp.Entity
	Total    int
	SortID   sortLink
	SortName sortLink
	Kinds    []kamp.EntityKind
}

// sortLinkFor builds the header link of column col ("id" or "name").
func sortLinkFor(q entityQuery, col string) sortLink {
	cur := q.Sort
	if cur == "" {
		cur = "id"
	}
	l := sortLink{Next: "entities.sort_asc"}
	next := col
	switch cur {
	case col:
		l.Dir, next, l.Next = "asc", "-"+col, "entities.sort_desc"
	case "-" + col:
		l.Dir = "desc"
	}
	q.Sort, q.Page = next, 1
	if next == "id" {
		q.Sort = ""
	}
	l.URL = q.url()
	return l
}

// handleEntities serves GET /entities: search, filters, sorting, paging,
// and with ?format=csv|xlsx the export of everything that matches.
func (s *Server) handleEntities(w http.ResponseWriter, r *http.Request, a *auth) error {
	q, err := parseEntityQuery(r.URL.Query())
	if err != nil {
		return err
	}
	if f := r.URL.Query().Get("format"); f != "" {
		format, err := export.ParseFormat(f)
		if err != nil {
			return err
		}
		return s.exportEntities(w, r, a, q, format)
	}
	f := q.filter()
	f.Limit, f.Offset = entitiesPerPage, (q.Page-1)*entitiesPerPage
	items, total, err := s.db.FindEntities(r.Context(), a.Viewer, f)
	if err != nil {
		return err
	}
	p := entitiesPage{
		listNav: newListNav("/entities", q.values(), q.Page, total, entitiesPerPage),
		Query:   q, Items: items, Total: total,
		SortID:   sortLinkFor(q, "id"),
		SortName: sortLinkFor(q, "name"),
		Kinds:    []kamp.EntityKind{kamp.KindCompany, kamp.KindPerson, kamp.KindState},
	}
	return s.renderPage(w, r, a, http.StatusOK, "entities", p)
}

// entityColumns are the columns of an entity export, named as in
// entities.csv so that an export can be read back.
var entityColumns = []export.Column{
	{Name: "id"}, {Name: "name"}, {Name: "kind"}, {Name: "uscc"}, {Name: "lei"},
	{Name: "country"}, {Name: "industry"}, {Name: "branch"}, {Name: "is_client"},
}

// entityRow is one entity as an export row.
func entityRow(e kamp.Entity, row []string) []string {
	client := "0"
	if e.IsClient {
		client = "1"
	}
	return append(row[:0], e.ID, e.Name, string(e.Kind), e.USCC, e.LEI, e.Country, e.Industry, e.Branch, client)
}

// attachment sets the headers of a file download named name.
func attachment(w http.ResponseWriter, format export.Format, name string) {
	h := w.Header()
	h.Set("Content-Type", format.ContentType())
	h.Set("Content-Disposition", `attachment; filename="`+name+`"; filename*=UTF-8''`+url.PathEscape(name))
	h.Set("Cache-Control", "no-store")
}

// exportEntities streams every entity that matches q, page by page from the
// store with the keyset cursor, so an export of millions of rows never sits
// in memory and each page costs the same. Exports come in id order whatever
// the page's sort: the store's keyset paging follows ids, and offset paging
// by name grows quadratic with the size of the export.
func (s *Server) exportEntities(w http.ResponseWriter, r *http.Request, a *auth, q entityQuery, format export.Format) error {
	f := q.filter()
	f.Sort, f.Limit = "", exportChunk
	// Ask for the first chunk before any byte is sent, so that a failing
	// query still gets a proper error page.
	items, _, err := s.db.FindEntities(r.Context(), a.Viewer, f)
	if err != nil {
		return err
	}
	filter := q.values()
	filter.Del("page")
	if err := s.auditExport(r, a, "entities", format, filter); err != nil {
		return err
	}
	attachment(w, format, "entities-"+s.cfg.Now().UTC().Format("20060102")+format.Extension())
	ew, err := export.New(format, w, "entities", entityColumns)
	if err != nil {
		return s.abortStream(r, err)
	}
	row := make([]string, 0, len(entityColumns))
	rows := 0
	for {
		for _, e := range items {
			if err := ew.WriteRow(entityRow(e, row)); err != nil {
				return s.abortStream(r, err)
			}
		}
		rows += len(items)
		if len(items) < f.Limit {
			break
		}
		f.After = items[len(items)-1].ID
		if items, _, err = s.db.FindEntities(r.Context(), a.Viewer, f); err != nil {
			return s.abortStream(r, err)
		}
	}
	if err := ew.Close(); err != nil {
		return s.abortStream(r, err)
	}
	s.log.Info("exported entities", "request_id", requestID(r.Context()), "format", string(format), "rows", rows)
	return nil
}

// abortStream ends a download that failed after its first byte: the error
// is logged and the connection cut, so the client sees a failed download
// rather than a file that looks complete.
func (s *Server) abortStream(r *http.Request, err error) error {
	s.log.Error("download failed", "request_id", requestID(r.Context()), "path", r.URL.Path, "err", err)
	panic(http.ErrAbortHandler)
}

// currencyTotal is a sum of amounts in one currency.
type currencyTotal struct {
	Currency string
	Amount   kamp.Amount
}

// metricRow is a metric with its custom indicators in column order.
type metricRow struct {
	kamp.Metric
	CustomCells []kamp.NullAmount
}

// entityPage is the data of an entity's page.
type entityPage struct {
	Entity    kamp.Entity
	Holders   []store.HoldingRow
	Holdings  []store.HoldingRow
	Metrics   []metricRow
	Custom    []string
	Exposures []kamp.Exposure
	// Group is the entity's corporate group, nil when it is in none.
	Group *store.EntityGroup
	// Headline figures.
	Latest         *kamp.Metric // the latest period's metric in CNY, if any
	ExposureTotals []currencyTotal
	UnitAutoURL    string
	UnitYuanURL    string
	Yuan           bool
}

// loadEntity gathers an entity with its holders, holdings, metrics and
// exposures.
func (s *Server) loadEntity(r *http.Request, a *auth, id string) (entityPage, error) {
	ctx := r.Context()
	var p entityPage
	var err error
	if p.Entity, err = s.db.Entity(ctx, a.Viewer, id); err != nil {
		return p, err
	}
	if p.Holders, err = s.db.HoldersOf(ctx, a.Viewer, id); err != nil {
		return p, err
	}
	if p.Holdings, err = s.db.HoldingsOf(ctx, a.Viewer, id); err != nil {
		return p, err
	}
	metrics, err := s.db.MetricsOf(ctx, a.Viewer, id)
	if err != nil {
		return p, err
	}
	if p.Exposures, err = s.db.ExposuresOf(ctx, a.Viewer, id); err != nil {
		return p, err
	}
	switch g, err := s.db.GroupOf(ctx, a.Viewer, id); {
	case err == nil:
		p.Group = &g
	case kamp.ErrorCode(err) != kamp.ENOTFOUND:
		return p, err
	}
	seen := map[string]bool{}
	for _, m := range metrics {
		for k := range m.Custom {
			if !seen[k] {
				seen[k] = true
				p.Custom = append(p.Custom, k)
			}
		}
	}
	slices.Sort(p.Custom)
	for i, m := range metrics {
		row := metricRow{Metric: m}
		for _, k := range p.Custom {
			v, ok := m.Custom[k]
			row.CustomCells = append(row.CustomCells, kamp.NullAmount{Amount: v, Valid: ok})
		}
		p.Metrics = append(p.Metrics, row)
		if p.Latest == nil && (m.Currency == kamp.ReportingCurrency || m.Currency == "") {
			p.Latest = &metrics[i]
		}
	}
	totals := map[string]kamp.Amount{}
	for _, e := range p.Exposures {
		c := cmp.Or(e.Currency, kamp.ReportingCurrency)
		totals[c] += e.Amount
	}
	for c, v := range totals {
		p.ExposureTotals = append(p.ExposureTotals, currencyTotal{Currency: c, Amount: v})
	}
	slices.SortFunc(p.ExposureTotals, func(a, b currencyTotal) int {
		// The reporting currency first, then by code.
		if (a.Currency == kamp.ReportingCurrency) != (b.Currency == kamp.ReportingCurrency) {
			if a.Currency == kamp.ReportingCurrency {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Currency, b.Currency)
	})
	return p, nil
}

// handleEntity serves GET /entities/{id}.
func (s *Server) handleEntity(w http.ResponseWriter, r *http.Request, a *auth) error {
	start := time.Now()
	p, err := s.loadEntity(r, a, r.PathValue("id"))
	if err != nil {
		return err
	}
	base := "/entities/" + url.PathEscape(p.Entity.ID)
	p.UnitAutoURL, p.UnitYuanURL, p.Yuan = base, base+"?unit=yuan", unitParam(r) == UnitYuan
	err = s.renderPage(w, r, a, http.StatusOK, "entity", p)
	s.log.Debug("entity page", "request_id", requestID(r.Context()), "id", p.Entity.ID, "elapsed", time.Since(start))
	return err
}
