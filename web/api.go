package web

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/store"
)

//go:embed openapi.json
var openapiFS embed.FS

// apiErrorsShown is how many bad rows GET /api/v1/imports/{id} includes.
const apiErrorsShown = 100

// maxIdempotencyKey bounds the Idempotency-Key header.
const maxIdempotencyKey = 255

// apiList is the shape of every API list.
type apiList[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// apiEntity is an entity as the API shows it.
type apiEntity struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	USCC     string `json:"uscc"`
	LEI      string `json:"lei"`
	Country  string `json:"country"`
	Industry string `json:"industry"`
	Branch   string `json:"branch"`
	IsClient bool   `json:"is_client"`
}

func toAPIEntity(e kamp.Entity) apiEntity {
	return apiEntity{ID: e.ID, Name: e.Name, Kind: string(e.Kind), USCC: e.USCC, LEI: e.LEI,
		Country: e.Country, Industry: e.Industry, Branch: e.Branch, IsClient: e.IsClient}
}

// apiHolding is an ownership edge: share_pct is an exact decimal percent,
// null when control is by agreement alone.
type apiHolding struct {
	HolderID   string  `json:"holder_id"`
	HolderName string  `json:"holder_name"`
	EntityID   string  `json:"entity_id"`
	EntityName string  `json:"entity_name"`
	SharePct   *string `json:"share_pct"`
	Control    string  `json:"control"`
	AsOf       string  `json:"as_of"`
}

func toAPIHoldings(rows []store.HoldingRow) []apiHolding {
	out := make([]apiHolding, 0, len(rows))
	for _, h := range rows {
		a := apiHolding{HolderID: h.HolderID, HolderName: h.HolderName, EntityID: h.EntityID, EntityName: h.EntityName, AsOf: h.AsOf}
		if h.Share != 0 || !h.Agreement {
			s := h.Share.String()
			a.SharePct = &s
		}
		if h.Agreement {
			a.Control = "agreement"
		}
		out = append(out, a)
	}
	return out
}

// apiMetric is one period's indicators; amounts are exact decimal strings
// in currency, null when not given.
type apiMetric struct {
	Period      string            `json:"period"`
	Currency    string            `json:"currency"`
	DepositsAvg *string           `json:"deposits_avg"`
	LoansAvg    *string           `json:"loans_avg"`
	Revenue     *string           `json:"revenue"`
	FeeIncome   *string           `json:"fee_income"`
	Custom      map[string]string `json:"custom"`
}

func nullAmountString(a kamp.NullAmount) *string {
	if !a.Valid {
		return nil
	}
	s := a.Amount.String()
	return &s
}

func toAPIMetrics(ms []kamp.Metric) []apiMetric {
	out := make([]apiMetric, 0, len(ms))
	for _, m := range ms {
		a := apiMetric{Period: m.Period, Currency: m.Currency, DepositsAvg: nullAmountString(m.DepositsAvg),
			LoansAvg: nullAmountString(m.LoansAvg), Revenue: nullAmountString(m.Revenue),
			FeeIncome: nullAmountString(m.FeeIncome), Custom: map[string]string{}}
		for k, v := range m.Custom {
			a.Custom[k] = v.String()
		}
		out = append(out, a)
	}
	return out
}

// apiExposure is one facility's exposure.
type apiExposure struct {
	FacilityID string `json:"facility_id"`
	Product    string `json:"product"`
	Currency   string `json:"currency"`
	Amount     string `json:"amount"`
	AsOf       string `json:"as_of"`
}

// apiEntityDetail is GET /api/v1/entities/{id}.
type apiEntityDetail struct {
	apiEntity
	Holders   []apiHolding  `json:"holders"`
	Holdings  []apiHolding  `json:"holdings"`
	Metrics   []apiMetric   `json:"metrics"`
	Exposures []apiExposure `json:"exposures"`
}

// encodeCursor makes an opaque cursor of a position.
func encodeCursor(pos string) string { return base64.RawURLEncoding.EncodeToString([]byte(pos)) }

// decodeCursor reads a cursor made by encodeCursor.
func decodeCursor(c string) (string, error) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(c)
	// Only the canonical form is a cursor (the decoder skips newlines).
	if err != nil || len(b) == 0 || encodeCursor(string(b)) != c {
		return "", kamp.Errorf(kamp.EINVALID, "cursor is not valid: pass next_cursor as it was returned")
	}
	return string(b), nil
}

// limitParam reads ?limit=: default 50, from 1 to 1000.
func limitParam(v url.Values) (int, error) {
	s := v.Get("limit")
	if s == "" {
		return store.DefaultLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > store.MaxLimit {
		return 0, kamp.Errorf(kamp.EINVALID, "limit must be a number from 1 to %d", store.MaxLimit)
	}
	return n, nil
}

// apiEntities serves GET /api/v1/entities: filters q, kind, is_client,
// branch, country; keyset paging in id order.
func (s *Server) apiEntities(w http.ResponseWriter, r *http.Request, a *auth) error {
	v := r.URL.Query()
	limit, err := limitParam(v)
	if err != nil {
		return err
	}
	if _, err := parseBoolParam("is_client", v.Get("is_client")); err != nil {
		return err
	}
	q, err := parseEntityQuery(url.Values{"q": {v.Get("q")}, "kind": {v.Get("kind")}, "client": {v.Get("is_client")},
		"branch": {v.Get("branch")}, "country": {v.Get("country")}})
	if err != nil {
		return err
	}
	f := q.filter()
	f.Limit = limit
	if c := v.Get("cursor"); c != "" {
		if f.After, err = decodeCursor(c); err != nil {
			return err
		}
	}
	items, _, err := s.db.FindEntities(r.Context(), a.Viewer, f)
	if err != nil {
		return err
	}
	out := apiList[apiEntity]{Items: make([]apiEntity, 0, len(items))}
	for _, e := range items {
		out.Items = append(out.Items, toAPIEntity(e))
	}
	if len(items) == limit {
		out.NextCursor = encodeCursor(items[len(items)-1].ID)
	}
	s.writeJSON(w, r, http.StatusOK, out)
	return nil
}

// apiEntity serves GET /api/v1/entities/{id}.
func (s *Server) apiEntity(w http.ResponseWriter, r *http.Request, a *auth) error {
	p, err := s.loadEntity(r, a, r.PathValue("id"))
	if err != nil {
		return err
	}
	out := apiEntityDetail{apiEntity: toAPIEntity(p.Entity), Holders: toAPIHoldings(p.Holders),
		Holdings: toAPIHoldings(p.Holdings), Exposures: make([]apiExposure, 0, len(p.Exposures))}
	ms := make([]kamp.Metric, len(p.Metrics))
	for i, m := range p.Metrics {
		ms[i] = m.Metric
	}
	out.Metrics = toAPIMetrics(ms)
	for _, e := range p.Exposures {
		out.Exposures = append(out.Exposures, apiExposure{FacilityID: e.FacilityID, Product: e.Product,
			Currency: e.Currency, Amount: e.Amount.String(), AsOf: e.AsOf})
	}
	s.writeJSON(w, r, http.StatusOK, out)
	return nil
}

// apiFile is one file of an import batch.
type apiFile struct {
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	SHA256   string `json:"sha256"`
	Rows     int    `json:"rows"`
	Loaded   int    `json:"loaded"`
	Rejected int    `json:"rejected"`
	Skipped  bool   `json:"skipped"`
}

// apiProgress is how far a running import has come in its current file.
type apiProgress struct {
	File  string `json:"file"`
	Rows  int64  `json:"rows"`
	Bytes int64  `json:"bytes"`
	Total int64  `json:"total"`
}

// apiBatch is an import batch.
type apiBatch struct {
	ID         string       `json:"id"`
	Status     string       `json:"status"`
	By         string       `json:"by"`
	StartedAt  time.Time    `json:"started_at"`
	FinishedAt *time.Time   `json:"finished_at"`
	Files      []apiFile    `json:"files"`
	Progress   *apiProgress `json:"progress,omitempty"`
	Message    string       `json:"message,omitempty"`
}

func toAPIBatch(b kamp.ImportBatch, st *importState) apiBatch {
	out := apiBatch{ID: b.ID, Status: b.Status, By: b.By, StartedAt: b.StartedAt.UTC(), Files: make([]apiFile, 0, len(b.Files))}
	if !b.FinishedAt.IsZero() {
		t := b.FinishedAt.UTC()
		out.FinishedAt = &t
	}
	for _, f := range b.Files {
		out.Files = append(out.Files, apiFile{Name: f.Name, Kind: f.Kind, SHA256: f.SHA256, Rows: f.Rows,
			Loaded: f.Loaded, Rejected: f.Rejected, Skipped: f.Skipped})
	}
	if st != nil {
		if b.Status == kamp.ImportRunning {
			p := st.Progress
			out.Progress = &apiProgress{File: p.File, Rows: p.Rows, Bytes: p.Bytes, Total: p.Total}
		}
		if st.Err != "" {
			out.Message = st.Err
			if HasMessage(st.Err) {
				out.Message = T(LangEN, st.Err)
			}
		}
	}
	return out
}

// apiRowError is one problem of the error report.
type apiRowError struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column string `json:"column"`
	Value  string `json:"value"`
	Reason string `json:"reason"`
}

// apiImportDetail is GET /api/v1/imports/{id}.
type apiImportDetail struct {
	apiBatch
	ErrorCount int           `json:"error_count"`
	Errors     []apiRowError `json:"errors"`
}

// apiImports serves GET /api/v1/imports, newest first. Its cursor encodes
// an offset.
func (s *Server) apiImports(w http.ResponseWriter, r *http.Request, a *auth) error {
	v := r.URL.Query()
	limit, err := limitParam(v)
	if err != nil {
		return err
	}
	offset := 0
	if c := v.Get("cursor"); c != "" {
		pos, err := decodeCursor(c)
		if err != nil {
			return err
		}
		n, err := strconv.Atoi(strings.TrimPrefix(pos, "o:"))
		if err != nil || n < 0 || !strings.HasPrefix(pos, "o:") {
			return kamp.Errorf(kamp.EINVALID, "cursor is not valid: pass next_cursor as it was returned")
		}
		offset = n
	}
	batches, total, err := s.db.Imports(r.Context(), limit, offset)
	if err != nil {
		return err
	}
	out := apiList[apiBatch]{Items: make([]apiBatch, 0, len(batches))}
	for _, b := range batches {
		var st *importState
		if t, ok := s.imports.get(b.ID); ok {
			st = &t
		}
		out.Items = append(out.Items, toAPIBatch(b, st))
	}
	if offset+len(batches) < total && len(batches) > 0 {
		out.NextCursor = encodeCursor("o:" + strconv.Itoa(offset+len(batches)))
	}
	s.writeJSON(w, r, http.StatusOK, out)
	return nil
}

// apiImport serves GET /api/v1/imports/{id}: the batch, its progress while
// it runs, and its first bad rows.
func (s *Server) apiImport(w http.ResponseWriter, r *http.Request, a *auth) error {
	id := r.PathValue("id")
	b, st, err := s.loadBatch(r.Context(), id)
	if err != nil {
		return err
	}
	errs, total, err := s.db.ImportErrors(r.Context(), id, apiErrorsShown, 0)
	if err != nil {
		return err
	}
	out := apiImportDetail{apiBatch: toAPIBatch(b, st), ErrorCount: total, Errors: make([]apiRowError, 0, len(errs))}
	for _, e := range errs {
		out.Errors = append(out.Errors, apiRowError(e))
	}
	s.writeJSON(w, r, http.StatusOK, out)
	return nil
}

// idempotentID derives the id of what a POST creates from the caller and
// their Idempotency-Key, per kind of thing (scope), so that a retry by the
// same person finds what the first attempt created, across restarts,
// without a table of keys.
func idempotentID(prefix, scope, userID, key string) string {
	sum := sha256.Sum256([]byte("kamp-" + scope + "\x00" + userID + "\x00" + key))
	return prefix + hex.EncodeToString(sum[:12])
}

// proposedBefore prepares a proposal (a change request) made with an
// Idempotency-Key (checked here): the request gets an id derived from the caller and the
// key, per scope (under the returned context), and when the first attempt
// already made it, whatever its status now, proposedBefore answers with it
// (200) and returns done. Without a key it does nothing.
func (s *Server) proposedBefore(w http.ResponseWriter, r *http.Request, a *auth, scope string) (ctx context.Context, done bool, err error) {
	ctx = r.Context()
	key := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	if err := checkIdempotencyKey(key); err != nil || key == "" {
		return ctx, false, err
	}
	id := idempotentID("q", scope, a.User.ID, key)
	cr, err := s.db.ChangeRequest(ctx, a.Viewer, id)
	switch {
	case kamp.ErrorCode(err) == kamp.ENOTFOUND:
		return store.WithChangeRequestID(ctx, id), false, nil
	case err != nil:
		return ctx, false, err
	}
	login := ""
	if cr.Kind == kamp.RequestTeam {
		logins, _, err := s.loginsByID(ctx)
		if err != nil {
			return ctx, false, err
		}
		login = logins[cr.UserID]
	}
	w.Header().Set("Location", "/api/v1/change-requests?subject="+url.QueryEscape(cr.Subject))
	s.writeJSON(w, r, http.StatusOK, toAPIChangeRequest(cr, login))
	return ctx, true, nil
}

// checkIdempotencyKey validates an Idempotency-Key header.
func checkIdempotencyKey(key string) error {
	if len(key) > maxIdempotencyKey {
		return kamp.Errorf(kamp.EINVALID, "Idempotency-Key is longer than %d bytes", maxIdempotencyKey)
	}
	for _, r := range key {
		if r > unicode.MaxASCII || !unicode.IsPrint(r) {
			return kamp.Errorf(kamp.EINVALID, "Idempotency-Key must be printable ASCII")
		}
	}
	return nil
}

// apiUpload serves POST /api/v1/imports: a multipart upload of files in
// the field "files" and an optional quarantine=true. It answers 202 with the
// running batch at once. With an Idempotency-Key, the batch id derives from
// the key and the caller, so a retry returns the batch of the first attempt
// (200) instead of importing again, even after a restart.
func (s *Server) apiUpload(w http.ResponseWriter, r *http.Request, a *auth) error {
	key := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	if err := checkIdempotencyKey(key); err != nil {
		return err
	}
	id := store.NewID()
	if key != "" {
		id = idempotentBatchID(a.User.ID, key)
		b, st, err := s.loadBatch(r.Context(), id)
		if err == nil {
			w.Header().Set("Location", "/api/v1/imports/"+url.PathEscape(id))
			s.writeJSON(w, r, http.StatusOK, toAPIBatch(b, st))
			return nil
		}
		if kamp.ErrorCode(err) != kamp.ENOTFOUND {
			return err
		}
	}
	if !s.reserve(id, a.User) {
		// The first attempt is still being received.
		return kamp.Errorf(kamp.ECONFLICT, "an upload with this Idempotency-Key is still in progress")
	}
	mr, err := s.multipartReader(w, r)
	if err != nil {
		s.imports.drop(id)
		return err
	}
	up, err := s.receiveUpload(mr, id)
	if err != nil {
		s.imports.drop(id)
		var ue *uploadError
		if errors.As(err, &ue) {
			return ue.Err
		}
		return err
	}
	// The answer is built before the import starts: a quick import may be
	// over, and forgotten by the tracker, before launch returns.
	st := importState{ID: id, By: a.User.Login, StartedAt: s.cfg.Now().UTC(), Files: up.Names, Quarantine: up.Quarantine}
	resp := toAPIBatch(st.batch(), &st)
	s.launch(up, a.User)
	w.Header().Set("Location", "/api/v1/imports/"+url.PathEscape(id))
	s.writeJSON(w, r, http.StatusAccepted, resp)
	return nil
}

// apiNotFound answers API paths no route matches.
func (s *Server) apiNotFound(w http.ResponseWriter, r *http.Request, a *auth) error {
	return kamp.Errorf(kamp.ENOTFOUND, "no such API route: %s %s", r.Method, r.URL.Path)
}

// handleOpenAPI serves the OpenAPI document.
func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	body, err := openapiFS.ReadFile("openapi.json")
	if err != nil {
		s.apiError(w, r, kamp.WrapError(kamp.EINTERNAL, err, "read openapi document"))
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(body)
}
