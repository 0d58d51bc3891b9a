// Package web serves kamp to people and programs: server-rendered HTML pages
// (html/template, enhanced by htmx), the JSON API under /api/v1, /healthz and
// /metrics. Templates, the message catalogue and static assets are embedded,
// parsed and hashed once at start-up.
//
// The shell is built to be extended: a feature adds its routes in routes(),
// a line to the navigation table (nav.go), its messages to the catalogue
// (i18n.go), a page template under templates/pages/ and its API paths to
// openapi.json.
package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/chainrun"
	"github.com/kampbank/kamp/control"
	"github.com/kampbank/kamp/grouping"
	"github.com/kampbank/kamp/store"
)

// Defaults for Config fields left zero.
const (
	DefaultMaxUploadBytes = 2 << 30 // 2 GiB
	DefaultSessionTTL     = 12 * time.Hour
	DefaultMaxUploadFiles = 20
)

// Config configures a Server.
type Config struct {
	// Addr is the address the server listens on, e.g. ":8080". The Server
	// does not listen itself; cmd/kamp does, and Addr is kept for logs.
	Addr string
	// SecureCookies marks cookies Secure (and the session cookie __Host-)
	// and sends Strict-Transport-Security: set it when kamp is served over
	// HTTPS.
	SecureCookies bool
	// DataDir is where uploads are kept (DataDir/uploads/<batch>/). Empty
	// means a new temporary directory.
	DataDir string
	// Version is kamp's version, shown in the page footer.
	Version string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxUploadBytes limits one upload request; 0 means 2 GiB.
	MaxUploadBytes int64
	// MaxUploadFiles limits the files of one upload; 0 means 20.
	MaxUploadFiles int
	// SessionTTL is how long a sign-in lasts; 0 means 12 hours.
	SessionTTL time.Duration
	// Tier1 is the bank's tier-1 net capital in CNY for the large-exposure
	// limits of corporate groups; 0 flags nothing.
	Tier1 kamp.Amount
	// Regime is the large-exposure regime; zero means control.CN2018.
	Regime control.Regime
}

// Server is kamp's HTTP server: pages, API, health and metrics.
type Server struct {
	cfg     Config
	db      *store.DB
	log     *slog.Logger
	mux     *http.ServeMux
	handler http.Handler
	pages   *engine
	assets  *assets
	metrics *metrics
	imports *importTracker
	groups  *job // the background group recompute
	chain   *job // the background chain run
	// screen is the screening workspace and the run being stored.
	screen  *screenState
	started time.Time

	// routes lists every registered pattern, for the OpenAPI test.
	routes []string

	// ctx is cancelled by Close and stops background imports.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New returns a Server over db. It parses the templates, hashes the static
// assets and prepares DataDir; it does not listen.
func New(cfg Config, db *store.DB, logger *slog.Logger) (*Server, error) {
	if db == nil {
		return nil, fmt.Errorf("web: new server: no database")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxUploadBytes <= 0 {
		cfg.MaxUploadBytes = DefaultMaxUploadBytes
	}
	if cfg.MaxUploadFiles <= 0 {
		cfg.MaxUploadFiles = DefaultMaxUploadFiles
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = DefaultSessionTTL
	}
	if cfg.Regime.Name == "" {
		cfg.Regime = control.CN2018
	}
	if cfg.DataDir == "" {
		dir, err := os.MkdirTemp("", "kamp-data-")
		if err != nil {
			return nil, fmt.Errorf("web: create data directory: %w", err)
		}
		cfg.DataDir = dir
	}
	if err := os.MkdirAll(filepath.Join(cfg.DataDir, "uploads"), 0o750); err != nil {
		return nil, fmt.Errorf("web: create upload directory: %w", err)
	}
	as, err := loadAssets()
	if err != nil {
		return nil, fmt.Errorf("web: load static assets: %w", err)
	}
	pages, err := newEngine(as.URL)
	if err != nil {
		return nil, fmt.Errorf("web: parse templates: %w", err)
	}
	s := &Server{
		cfg:     cfg,
		db:      db,
		log:     logger,
		mux:     http.NewServeMux(),
		pages:   pages,
		assets:  as,
		metrics: newMetrics(),
		imports: newImportTracker(),
		groups:  &job{name: "group recompute", firstStage: grouping.StageLoad, url: "/groups?fragment=progress"},
		chain:   &job{name: "chain run", firstStage: chainrun.StageLoad, url: "/chain?fragment=progress"},
		screen:  newScreenState(db),
		started: cfg.Now(),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.registerRoutes()
	s.handler = s.recoverer(s.withRequestID(s.secureHeaders(s.instrument(s.mux))))
	return s, nil
}

// Handler returns the server's root handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Close cancels the imports still running in the background and waits for
// them to stop. Cancelled imports load nothing (the importer works in one
// transaction). It does not close the database.
func (s *Server) Close() error {
	s.cancel()
	s.wg.Wait()
	return nil
}

// handle registers h for pattern on the mux and remembers the pattern.
func (s *Server) handle(pattern string, h http.Handler) {
	s.routes = append(s.routes, pattern)
	s.mux.Handle(pattern, h)
}

// registerRoutes is the route table. Access: public routes need nothing;
// page routes redirect anonymous people to /login; API routes answer 401.
func (s *Server) registerRoutes() {
	// Public.
	s.handle("GET /healthz", http.HandlerFunc(s.handleHealth))
	s.handle("GET /metrics", http.HandlerFunc(s.handleMetrics))
	s.handle("GET /static/{hash}/{path...}", http.HandlerFunc(s.handleStatic))
	s.handle("GET /login", s.anon(s.handleLoginForm))
	s.handle("POST /login", s.anon(s.handleLogin))
	s.handle("POST /lang", s.anon(s.handleLang))
	s.handle("GET /api/v1/openapi.json", http.HandlerFunc(s.handleOpenAPI))

	// Pages.
	s.handle("POST /logout", s.page(s.handleLogout))
	s.handle("GET /{$}", s.page(s.handleDashboard))
	s.handle("GET /entities", s.page(s.handleEntities))
	s.handle("GET /entities/{id}", s.page(s.handleEntity))
	s.handle("GET /groups", s.page(s.handleGroups))
	s.handle("GET /groups/{id}", s.page(s.handleGroup))
	s.handle("GET /groups/{id}/graph.json", s.page(s.handleGroupGraph))
	s.handle("POST /groups/{id}/overrides", s.page(s.handleOverride))
	s.handle("GET /imports", s.page(s.handleImports, importRoles...))
	s.handle("POST /imports", s.page(s.handleUpload, importRoles...))
	s.handle("GET /imports/{id}", s.page(s.handleImport, importRoles...))
	s.handle("GET /imports/{id}/progress", s.page(s.handleImportProgress, importRoles...))
	s.handle("GET /imports/{id}/report.csv", s.page(s.handleImportReport, importRoles...))
	s.handle("GET /audit", s.page(s.handleAudit, auditRoles...))
	s.handle("GET /org", s.page(s.handleOrg))
	s.handle("POST /org/units", s.page(s.handleOrgUnitSave, kamp.ActionRoles(kamp.ActManageOrg)...))
	s.handle("POST /org/units/import", s.page(s.handleOrgImport, kamp.ActionRoles(kamp.ActManageOrg)...))
	s.handle("POST /org/units/{code}/delete", s.page(s.handleOrgUnitDelete, kamp.ActionRoles(kamp.ActManageOrg)...))
	s.handle("POST /org/people", s.page(s.handlePersonAdd, kamp.ActionRoles(kamp.ActManageOrg)...))
	s.handle("GET /org/people/{login}", s.page(s.handlePerson))
	s.handle("POST /org/people/{login}", s.page(s.handlePersonSave, kamp.ActionRoles(kamp.ActManageOrg)...))
	s.handle("GET /teams", s.page(s.handleTeams))
	s.handle("GET /teams/{unit}", s.page(s.handleTeam))
	s.handle("POST /teams/{unit}/changes", s.page(s.handleTeamChange))
	s.handle("GET /approvals", s.page(s.handleApprovals))
	s.handle("POST /approvals/{id}", s.page(s.handleDecide))
	s.handle("GET /my", s.page(s.handleMy))
	s.handle("GET /settings", s.page(s.handleSettings, settingsRoles...))
	s.handle("POST /settings", s.page(s.handleSettingsSave, settingsRoles...))

	// JSON API.
	s.handle("GET /api/v1/entities", s.api(s.apiEntities))
	s.handle("GET /api/v1/entities/{id}", s.api(s.apiEntity))
	s.handle("GET /api/v1/groups", s.api(s.apiGroups))
	s.handle("GET /api/v1/groups/{id}", s.api(s.apiGroup))
	s.handle("GET /api/v1/groups/{id}/members", s.api(s.apiGroupMembers))
	s.handle("GET /api/v1/groups/{id}/overrides", s.api(s.apiOverrides))
	s.handle("POST /api/v1/groups/{id}/overrides", s.api(s.apiProposeOverride))
	s.handle("GET /api/v1/imports", s.api(s.apiImports, importRoles...))
	s.handle("POST /api/v1/imports", s.api(s.apiUpload, importRoles...))
	s.handle("GET /api/v1/imports/{id}", s.api(s.apiImport, importRoles...))
	s.handle("GET /api/v1/audit", s.api(s.apiAudit, auditRoles...))
	s.handle("GET /api/v1/org-units", s.api(s.apiOrgUnits))
	s.handle("GET /api/v1/staff", s.api(s.apiStaffList))
	s.handle("GET /api/v1/teams", s.api(s.apiTeams))
	s.handle("GET /api/v1/teams/{id}", s.api(s.apiTeam))
	s.handle("POST /api/v1/teams/{id}/changes", s.api(s.apiTeamChange))
	s.handle("GET /api/v1/change-requests", s.api(s.apiChangeRequests))
	s.handle("POST /api/v1/change-requests/{id}/approval", s.api(s.apiApproval))
	s.handle("GET /api/v1/me/teams", s.api(s.apiMyTeams))
	s.handle("GET /api/v1/settings", s.api(s.apiGetSettings))
	s.handle("PUT /api/v1/settings", s.api(s.apiPutSettings, settingsRoles...))
	s.registerScreeningRoutes()
	s.registerChainRoutes()
	s.handle("/api/", s.api(s.apiNotFound))

	// Anything else: the 404 page.
	s.handle("/", http.HandlerFunc(s.handleNotFound))
}
