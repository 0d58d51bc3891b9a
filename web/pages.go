package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/store"
)

// loginPage is the data of the sign-in form.
type loginPage struct {
	Next  string
	Login string
	Error string // message key, or ""
}

// handleLoginForm serves GET /login.
func (s *Server) handleLoginForm(w http.ResponseWriter, r *http.Request, a *auth) error {
	next := safeNext(r.URL.Query().Get("next"))
	if a.User != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	s.ensureAnonCSRF(w, a)
	w.Header().Set("Cache-Control", "no-store")
	return s.renderPage(w, r, a, http.StatusOK, "login", loginPage{Next: next})
}

// handleLogin serves POST /login. A failed sign-in says so without telling
// whether the login exists.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request, a *auth) error {
	w.Header().Set("Cache-Control", "no-store")
	login := strings.TrimSpace(r.PostForm.Get("login"))
	password := r.PostForm.Get("password")
	data := loginPage{Next: safeNext(r.PostForm.Get("next")), Login: login}
	if login == "" || password == "" {
		data.Error = "login.missing"
		return s.renderPage(w, r, a, http.StatusBadRequest, "login", data)
	}
	u, err := s.db.Authenticate(r.Context(), login, password)
	if kamp.ErrorCode(err) == kamp.EUNAUTHORIZED {
		s.log.Info("sign-in failed", "request_id", requestID(r.Context()), "login", login)
		s.auditSignIn(r, kamp.AuditLoginFailed, attemptedLogin(login), "")
		data.Error = "login.failed"
		return s.renderPage(w, r, a, http.StatusUnauthorized, "login", data)
	}
	if kamp.ErrorCode(err) == kamp.EFORBIDDEN {
		s.log.Info("sign-in refused: login locked", "request_id", requestID(r.Context()), "login", login)
		s.auditSignIn(r, kamp.AuditLoginFailed, attemptedLogin(login), "")
		data.Error = "login.locked"
		return s.renderPage(w, r, a, http.StatusTooManyRequests, "login", data)
	}
	if err != nil {
		return err
	}
	// A new sign-in always gets a new session (no session fixation): the
	// session the browser came with, if any, ends here.
	if a.Session != "" {
		if err := s.db.DeleteSession(r.Context(), a.Session); err != nil {
			return err
		}
	}
	sess, err := s.db.CreateSession(r.Context(), u.ID, s.cfg.SessionTTL)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name: s.sessionCookieName(), Value: sess.Token, Path: "/",
		Expires: sess.ExpiresAt, MaxAge: int(s.cfg.SessionTTL / time.Second),
		HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
	s.log.Info("signed in", "request_id", requestID(r.Context()), "login", u.Login)
	s.auditSignIn(r, kamp.AuditLogin, u.Login, u.ID)
	http.Redirect(w, r, data.Next, http.StatusSeeOther)
	return nil
}

// handleLogout serves POST /logout.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request, a *auth) error {
	if a.Session != "" {
		if err := s.db.DeleteSession(r.Context(), a.Session); err != nil {
			return err
		}
		s.auditSignIn(r, kamp.AuditLogout, a.User.Login, a.User.ID)
	}
	http.SetCookie(w, &http.Cookie{
		Name: s.sessionCookieName(), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// handleLang serves POST /lang: the language switch. The choice is kept on
// the person's record when signed in, and in a cookie in any case.
func (s *Server) handleLang(w http.ResponseWriter, r *http.Request, a *auth) error {
	lang := r.PostForm.Get("lang")
	if lang != LangZH && lang != LangEN {
		return kamp.Errorf(kamp.EINVALID, "unknown language %q", lang)
	}
	if a.User != nil {
		if err := s.db.SetUserLang(r.Context(), a.User.ID, lang); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{
		Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, safeNext(r.PostForm.Get("next")), http.StatusSeeOther)
	return nil
}

// dashboardPage is the data of the dashboard.
type dashboardPage struct {
	Stats     store.Stats
	Empty     bool
	CanImport bool
}

// handleDashboard serves GET /.
func (s *Server) handleDashboard(w http.ResponseWriter, r *http.Request, a *auth) error {
	st, err := s.db.Stats(r.Context(), a.Viewer)
	if err != nil {
		return err
	}
	return s.renderPage(w, r, a, http.StatusOK, "dashboard", dashboardPage{
		Stats: st, Empty: st.Entities == 0 && !st.Scoped, CanImport: allowed(a.User, importRoles),
	})
}

// handleNotFound serves every path no route matches: the 404 page, or a
// JSON 404 under /api/.
func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	a, err := s.resolve(r, false)
	if err != nil {
		s.pageError(w, r, &auth{Lang: LangZH}, err)
		return
	}
	s.pageError(w, r, a, kamp.Errorf(kamp.ENOTFOUND, "error.notfound"))
}
