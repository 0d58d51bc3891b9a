package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/store"
)

// Cookie names. The session cookie takes the __Host- prefix when cookies are
// Secure, so that no subdomain can set or shadow it.
const (
	sessionCookie       = "kamp_session"
	secureSessionCookie = "__Host-kamp_session"
	csrfCookie          = "kamp_csrf"
	langCookie          = "kamp_lang"
)

// csrfField is the name of the hidden form field, csrfHeader the header API
// calls authenticated by the session cookie send.
const (
	csrfField  = "csrf"
	csrfHeader = "X-CSRF-Token"
)

// maxFormBytes limits the body of a plain (not multipart) form.
const maxFormBytes = 1 << 20

// importRoles may use the import pages and API.
var importRoles = []string{kamp.RoleAdmin, kamp.RoleAnalyst}

// auth is who is asking, resolved once per request.
type auth struct {
	// User is the signed-in person, nil when anonymous.
	User *kamp.User
	// Session is the session cookie's token, "" for bearer or anonymous.
	Session string
	// CSRF is the token forms must carry: the session's, or for anonymous
	// forms (login, language) the value of the kamp_csrf cookie.
	CSRF string
	// Bearer is set when the API call came with a bearer token.
	Bearer bool
	// Lang is the language to answer in.
	Lang string
	// Viewer is the signed-in person's need-to-know scope, which every
	// store query for them takes; the zero Viewer (anonymous) sees nothing.
	Viewer store.Viewer
}

// handlerFunc is a handler that returns its error for the wrapper to show.
type handlerFunc func(w http.ResponseWriter, r *http.Request, a *auth) error

// sessionCookieName is the name of the session cookie under this config.
func (s *Server) sessionCookieName() string {
	if s.cfg.SecureCookies {
		return secureSessionCookie
	}
	return sessionCookie
}

// resolve finds the person behind a request from its session cookie (and,
// when allowBearer, an Authorization: Bearer header). An invalid or expired
// credential leaves the request anonymous; only a database fault is an
// error.
func (s *Server) resolve(r *http.Request, allowBearer bool) (*auth, error) {
	a := &auth{}
	ctx := r.Context()
	if allowBearer {
		if h := r.Header.Get("Authorization"); h != "" {
			scheme, token, _ := strings.Cut(h, " ")
			if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
				return a, nil
			}
			u, err := s.db.APITokenUser(ctx, strings.TrimSpace(token))
			if err != nil {
				if kamp.ErrorCode(err) == kamp.EUNAUTHORIZED {
					return a, nil
				}
				return nil, err
			}
			a.User, a.Bearer, a.Lang = &u, true, NormalizeLang(u.Lang)
			return a, nil
		}
	}
	if c, err := r.Cookie(s.sessionCookieName()); err == nil && c.Value != "" {
		u, sess, err := s.db.SessionUser(ctx, c.Value)
		switch {
		case err == nil:
			a.User, a.Session, a.CSRF = &u, c.Value, sess.CSRF
			a.Lang = cookieLang(r)
			if u.Lang != "" {
				a.Lang = NormalizeLang(u.Lang)
			}
			return a, nil
		case kamp.ErrorCode(err) != kamp.EUNAUTHORIZED:
			return nil, err
		}
	}
	a.Lang = cookieLang(r)
	if c, err := r.Cookie(csrfCookie); err == nil {
		a.CSRF = c.Value
	}
	return a, nil
}

// cookieLang is the language of the kamp_lang cookie, or LangZH.
func cookieLang(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil {
		return NormalizeLang(c.Value)
	}
	return LangZH
}

// ensureAnonCSRF gives an anonymous visitor a CSRF cookie for the login and
// language forms, unless the request brought one.
func (s *Server) ensureAnonCSRF(w http.ResponseWriter, a *auth) {
	if a.CSRF != "" {
		return
	}
	a.CSRF = randomToken()
	http.SetCookie(w, &http.Cookie{
		Name: csrfCookie, Value: a.CSRF, Path: "/",
		HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
}

// randomToken returns 32 random bytes, base64url-encoded.
func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// validCSRF compares a submitted token with the expected one in constant
// time.
func validCSRF(expected, got string) bool {
	return expected != "" && subtle.ConstantTimeCompare([]byte(expected), []byte(got)) == 1
}

// errCSRF is the error of a form whose CSRF token does not match.
func errCSRF() error {
	return kamp.Errorf(kamp.EFORBIDDEN, "csrf.failed")
}

// isMultipart reports whether r carries a multipart/form-data body.
func isMultipart(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "multipart/form-data"
}

// checkFormCSRF verifies the CSRF token of a POSTed form. A plain form is
// parsed (at most 1 MiB). For a multipart form the token must be its first
// part (the hidden field comes first in every kamp form), so that no file
// is read before the request is known to be genuine; the reader, positioned
// after that part, is kept in the context for the handler.
func (s *Server) checkFormCSRF(w http.ResponseWriter, r *http.Request, a *auth) (*http.Request, error) {
	if isMultipart(r) {
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUploadBytes)
		mr, err := r.MultipartReader()
		if err != nil {
			return r, kamp.WrapError(kamp.EINVALID, err, "the upload is not a valid multipart form")
		}
		p, err := mr.NextPart()
		if err != nil || p.FormName() != csrfField {
			return r, errCSRF()
		}
		v, err := readSmall(p, 512)
		if err != nil || !validCSRF(a.CSRF, v) {
			return r, errCSRF()
		}
		return r.WithContext(context.WithValue(r.Context(), keyMultipart, mr)), nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return r, kamp.WrapError(kamp.EINVALID, err, "the form could not be read")
	}
	if !validCSRF(a.CSRF, r.PostForm.Get(csrfField)) {
		return r, errCSRF()
	}
	return r, nil
}

// multipartReader returns the multipart reader checkFormCSRF left in the
// context, or opens one (for API calls, whose CSRF comes in a header).
func (s *Server) multipartReader(w http.ResponseWriter, r *http.Request) (*multipart.Reader, error) {
	if mr, ok := r.Context().Value(keyMultipart).(*multipart.Reader); ok {
		return mr, nil
	}
	if !isMultipart(r) {
		return nil, kamp.Errorf(kamp.EINVALID, "send the files as multipart/form-data")
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUploadBytes)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, kamp.WrapError(kamp.EINVALID, err, "the upload is not a valid multipart form")
	}
	return mr, nil
}

// readSmall reads a form value of at most max bytes.
func readSmall(p *multipart.Part, max int64) (string, error) {
	b, err := io.ReadAll(io.LimitReader(p, max+1))
	if err != nil {
		return "", fmt.Errorf("read form field %s: %w", p.FormName(), err)
	}
	if int64(len(b)) > max {
		return "", kamp.Errorf(kamp.EINVALID, "form field %s is too long", p.FormName())
	}
	return string(b), nil
}

// allowed reports whether the user's role is among roles (none: everyone).
func allowed(u *kamp.User, roles []string) bool {
	return len(roles) == 0 || (u != nil && slices.Contains(roles, u.Role))
}

// anon wraps a page handler that anonymous people may use. POSTs must carry
// the CSRF token of the session, or of the kamp_csrf cookie when anonymous.
func (s *Server) anon(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, err := s.resolve(r, false)
		if err != nil {
			s.pageError(w, r, &auth{Lang: LangZH}, err)
			return
		}
		s.servePage(w, r, a, h)
	})
}

// servePage runs a page handler after checking the CSRF token of a POST,
// showing any error as a page.
func (s *Server) servePage(w http.ResponseWriter, r *http.Request, a *auth, h handlerFunc) {
	if r.Method == http.MethodPost {
		var err error
		if r, err = s.checkFormCSRF(w, r, a); err != nil {
			s.pageError(w, r, a, err)
			return
		}
	}
	if err := h(w, r, a); err != nil {
		s.pageError(w, r, a, err)
	}
}

// page wraps a handler for signed-in people with one of roles (none:
// everyone). Anonymous requests are sent to /login?next=… .
func (s *Server) page(h handlerFunc, roles ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, err := s.resolve(r, false)
		if err != nil {
			s.pageError(w, r, &auth{Lang: LangZH}, err)
			return
		}
		if a.User == nil {
			next := r.URL.RequestURI()
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				next = "/"
			}
			if r.Header.Get("HX-Request") == "true" {
				// An htmx request (the progress poll) must not swap the login
				// page into a fragment: send the whole page to the login.
				next = "/"
				if cu, err := url.Parse(r.Header.Get("HX-Current-URL")); err == nil {
					next = safeNext(cu.RequestURI())
				}
				w.Header().Set("HX-Redirect", "/login?next="+url.QueryEscape(next))
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			http.Redirect(w, r, "/login?next="+url.QueryEscape(next), http.StatusSeeOther)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		if !allowed(a.User, roles) {
			s.pageError(w, r, a, kamp.Errorf(kamp.EFORBIDDEN, "error.forbidden"))
			return
		}
		if a.Viewer, err = s.db.ViewerFor(r.Context(), *a.User); err != nil {
			s.pageError(w, r, a, err)
			return
		}
		// Changes made for this request are audited as the person's.
		r = r.WithContext(kamp.WithActor(r.Context(), a.User.Login))
		s.servePage(w, r, a, h)
	})
}

// api wraps a JSON API handler for signed-in callers (bearer token or
// session cookie) with one of roles. Anonymous calls get 401 JSON; calls
// authenticated by the session cookie that change something must send the
// session's CSRF token in X-CSRF-Token.
func (s *Server) api(h handlerFunc, roles ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		a, err := s.resolve(r, true)
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		if a.User == nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="kamp"`)
			s.apiError(w, r, kamp.Errorf(kamp.EUNAUTHORIZED, "authentication required: send a bearer token or sign in"))
			return
		}
		if !allowed(a.User, roles) {
			s.apiError(w, r, kamp.Errorf(kamp.EFORBIDDEN, "your role may not do this"))
			return
		}
		if a.Viewer, err = s.db.ViewerFor(r.Context(), *a.User); err != nil {
			s.apiError(w, r, err)
			return
		}
		r = r.WithContext(kamp.WithActor(r.Context(), a.User.Login))
		safe := r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions
		if !safe && !a.Bearer && !validCSRF(a.CSRF, r.Header.Get(csrfHeader)) {
			s.apiError(w, r, kamp.Errorf(kamp.EFORBIDDEN, "missing or wrong %s header", csrfHeader))
			return
		}
		if err := h(w, r, a); err != nil {
			s.apiError(w, r, err)
		}
	})
}

// safeNext returns next when it is a local path ("/…", not "//…" or
// "/\…"), else "/". It keeps the login redirect from sending people to
// another site.
func safeNext(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n\t") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return next
}
