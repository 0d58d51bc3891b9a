package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/kampbank/kamp"
)

// argon2id parameters (RFC 9106's second recommended option, with 64 MiB).
const (
	argonTime    = 3
	argonMemory  = 64 * 1024
	argonThreads = 2
	argonKeyLen  = 32
)

// HashPassword returns an argon2id hash of password in the PHC string format.
func HashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("reading random salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches a hash made by HashPassword.
func CheckPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// RandomToken returns n random bytes, base64url-encoded.
func RandomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

const userCols = `id, login, name, role, org_unit, level, lang, disabled, created_at`

func scanUser(sc interface{ Scan(...any) error }) (kamp.User, error) {
	var u kamp.User
	err := sc.Scan(&u.ID, &u.Login, &u.Name, &u.Role, &u.OrgUnit, &u.Level, &u.Lang, &u.Disabled, &u.CreatedAt)
	return u, err
}

// validRoles lists the roles a user may have.
var validRoles = map[string]bool{
	kamp.RoleAdmin: true, kamp.RoleAnalyst: true, kamp.RoleLeadRM: true, kamp.RoleBranchRM: true,
	kamp.RoleProduct: true, kamp.RoleSupport: true, kamp.RoleRisk: true, kamp.RoleAuditor: true,
}

// CreateUser adds a user with an argon2id hash of password. An empty ID is
// generated; an empty Lang is zh-CN.
func (db *DB) CreateUser(ctx context.Context, u kamp.User, password string) (kamp.User, error) {
	u.Login = strings.TrimSpace(u.Login)
	if u.Login == "" {
		return u, kamp.Errorf(kamp.EINVALID, "a login is required")
	}
	if !validRoles[u.Role] {
		return u, kamp.Errorf(kamp.EINVALID, "unknown role %q", u.Role)
	}
	if len(password) < 8 {
		return u, kamp.Errorf(kamp.EINVALID, "the password must have at least 8 characters")
	}
	if u.ID == "" {
		u.ID = NewID()
	}
	if u.Name == "" {
		u.Name = u.Login
	}
	if u.Lang == "" {
		u.Lang = "zh-CN"
	}
	if u.Level == 0 {
		u.Level = 1
	}
	u.CreatedAt = db.Now().UTC().Truncate(time.Microsecond)
	hash, err := HashPassword(password)
	if err != nil {
		return u, kamp.WrapError(kamp.EINTERNAL, err, "cannot hash the password")
	}
	err = db.Transact(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO users (id, login, name, role, org_unit, level, lang, password_hash, disabled, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			u.ID, u.Login, u.Name, u.Role, u.OrgUnit, u.Level, u.Lang, hash, u.Disabled, u.CreatedAt); err != nil {
			return err
		}
		_, err := db.AuditTx(ctx, tx, kamp.AuditEvent{At: u.CreatedAt, Action: kamp.AuditUserCreated,
			ObjectType: "user", ObjectID: u.ID, After: userJSON(u)})
		return err
	})
	if kamp.ErrorCode(err) == kamp.ECONFLICT {
		return u, kamp.Errorf(kamp.ECONFLICT, "the login %q is taken", u.Login)
	}
	return u, err
}

// SetPassword replaces a user's password.
func (db *DB) SetPassword(ctx context.Context, login, password string) error {
	if len(password) < 8 {
		return kamp.Errorf(kamp.EINVALID, "the password must have at least 8 characters")
	}
	hash, err := HashPassword(password)
	if err != nil {
		return kamp.WrapError(kamp.EINTERNAL, err, "cannot hash the password")
	}
	return db.Transact(ctx, func(tx *Tx) error {
		var id string
		if err := tx.QueryRow(ctx, `SELECT id FROM users WHERE login = ?`, login).Scan(&id); err != nil {
			if err == sql.ErrNoRows {
				return kamp.Errorf(kamp.ENOTFOUND, "no user %q", login)
			}
			return db.mapErr(err)
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, id); err != nil {
			return err
		}
		// The event says that the password changed, never what it is.
		_, err := db.AuditTx(ctx, tx, kamp.AuditEvent{Action: kamp.AuditPasswordChanged,
			ObjectType: "user", ObjectID: id, After: auditJSON(map[string]string{"login": login})})
		return err
	})
}

// userJSON is a user as audit events show it: everything but the password.
func userJSON(u kamp.User) string {
	return auditJSON(map[string]any{"id": u.ID, "login": u.Login, "name": u.Name, "role": u.Role,
		"org_unit": u.OrgUnit, "level": u.Level, "lang": u.Lang, "disabled": u.Disabled})
}

// Users lists all users by login.
func (db *DB) Users(ctx context.Context) ([]kamp.User, error) {
	rows, err := db.query(ctx, `SELECT `+userCols+` FROM users ORDER BY login`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []kamp.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, db.mapErr(err)
		}
		out = append(out, u)
	}
	return out, db.mapErr(rows.Err())
}

// CountUsers returns how many users exist.
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, db.mapErr(err)
}

// errBadLogin is the one answer to a wrong login or password, so that the
// answer does not tell which logins exist.
func errBadLogin() error {
	return kamp.Errorf(kamp.EUNAUTHORIZED, "wrong login or password")
}

// Sign-in throttling: after MaxLoginFailures failed sign-ins in a row for
// one login, it is locked for LoginLockout, even with the right password.
const (
	MaxLoginFailures = 5
	LoginLockout     = 15 * time.Minute
)

// Authenticate returns the user whose login and password match. A wrong
// login and a wrong password get the same EUNAUTHORIZED answer; a login
// locked after too many failures gets EFORBIDDEN, whether or not the user
// exists.
func (db *DB) Authenticate(ctx context.Context, login, password string) (kamp.User, error) {
	login = strings.TrimSpace(login)
	now := db.Now().UTC()
	var locked sql.NullTime
	err := db.queryRow(ctx, `SELECT locked_until FROM login_failures WHERE login = ?`, login).Scan(&locked)
	if err != nil && err != sql.ErrNoRows {
		return kamp.User{}, db.mapErr(err)
	}
	if locked.Valid && now.Before(locked.Time) {
		return kamp.User{}, kamp.Errorf(kamp.EFORBIDDEN, "too many failed sign-ins for this login; try again after %s UTC", locked.Time.UTC().Format("15:04"))
	}
	var hash string
	row := db.queryRow(ctx, `SELECT `+userCols+`, password_hash FROM users WHERE login = ?`, login)
	var u kamp.User
	err = row.Scan(&u.ID, &u.Login, &u.Name, &u.Role, &u.OrgUnit, &u.Level, &u.Lang, &u.Disabled, &u.CreatedAt, &hash)
	if err == sql.ErrNoRows {
		// Spend the same time as a real check so that timing does not tell.
		CheckPassword(dummyHash, password)
		return kamp.User{}, db.loginFailed(ctx, login, now)
	}
	if err != nil {
		return kamp.User{}, db.mapErr(err)
	}
	if !CheckPassword(hash, password) || u.Disabled {
		return kamp.User{}, db.loginFailed(ctx, login, now)
	}
	if _, err := db.exec(ctx, `DELETE FROM login_failures WHERE login = ?`, login); err != nil {
		return kamp.User{}, err
	}
	return u, nil
}

// UnlockLogin clears a login's failed sign-ins and lockout.
func (db *DB) UnlockLogin(ctx context.Context, login string) error {
	_, err := db.exec(ctx, `DELETE FROM login_failures WHERE login = ?`, strings.TrimSpace(login))
	return err
}

// loginFailed counts a failed sign-in, locks the login after too many, and
// returns the answer for the failure.
func (db *DB) loginFailed(ctx context.Context, login string, now time.Time) error {
	if len(login) > 128 {
		login = login[:128]
	}
	err := db.Transact(ctx, func(tx *Tx) error {
		var failures int
		err := tx.QueryRow(ctx, `SELECT failures FROM login_failures WHERE login = ?`, login).Scan(&failures)
		if err != nil && err != sql.ErrNoRows {
			return err
		}
		failures++
		var until any
		if failures >= MaxLoginFailures {
			until, failures = now.Add(LoginLockout), 0
		}
		_, err = tx.Exec(ctx, `INSERT INTO login_failures (login, failures, last_failure, locked_until) VALUES (?, ?, ?, ?)
			ON CONFLICT (login) DO UPDATE SET failures = excluded.failures, last_failure = excluded.last_failure, locked_until = excluded.locked_until`,
			login, failures, now, until)
		return err
	})
	if err != nil {
		return err
	}
	return errBadLogin()
}

// dummyHash is checked against when the login does not exist.
var dummyHash = "$argon2id$v=19$m=65536,t=3,p=2$c29tZXNhbHRzb21lc2FsdA$0aWlbwAUEdf2RmyIaVfhPxXvIq6OIM5XFtj9s64kVEA"

// SetUserLang keeps a user's language choice.
func (db *DB) SetUserLang(ctx context.Context, userID, lang string) error {
	_, err := db.exec(ctx, `UPDATE users SET lang = ? WHERE id = ?`, lang, userID)
	return err
}

// Session is a signed-in browser session. Token is only set by CreateSession:
// the database keeps its SHA-256 hash.
type Session struct {
	Token     string
	UserID    string
	CSRF      string
	ExpiresAt time.Time
}

// CreateSession starts a session for the user, valid for ttl.
func (db *DB) CreateSession(ctx context.Context, userID string, ttl time.Duration) (Session, error) {
	now := db.Now().UTC().Truncate(time.Microsecond)
	s := Session{Token: RandomToken(32), UserID: userID, CSRF: RandomToken(24), ExpiresAt: now.Add(ttl)}
	_, err := db.exec(ctx, `INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		tokenHash(s.Token), s.UserID, s.CSRF, now, s.ExpiresAt)
	return s, err
}

// SessionUser returns the user and session of a session token, or
// EUNAUTHORIZED when it is unknown, expired, or its user is disabled.
func (db *DB) SessionUser(ctx context.Context, token string) (kamp.User, Session, error) {
	var s Session
	if token == "" {
		return kamp.User{}, s, kamp.Errorf(kamp.EUNAUTHORIZED, "not signed in")
	}
	row := db.queryRow(ctx, `SELECT u.id, u.login, u.name, u.role, u.org_unit, u.level, u.lang, u.disabled, u.created_at,
		s.csrf, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?`, tokenHash(token))
	var u kamp.User
	err := row.Scan(&u.ID, &u.Login, &u.Name, &u.Role, &u.OrgUnit, &u.Level, &u.Lang, &u.Disabled, &u.CreatedAt, &s.CSRF, &s.ExpiresAt)
	if err == sql.ErrNoRows {
		return u, s, kamp.Errorf(kamp.EUNAUTHORIZED, "not signed in")
	}
	if err != nil {
		return u, s, db.mapErr(err)
	}
	if u.Disabled || !db.Now().Before(s.ExpiresAt) {
		return kamp.User{}, Session{}, kamp.Errorf(kamp.EUNAUTHORIZED, "the session has ended; sign in again")
	}
	s.UserID = u.ID
	return u, s, nil
}

// DeleteSession ends a session.
func (db *DB) DeleteSession(ctx context.Context, token string) error {
	_, err := db.exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash(token))
	return err
}

// CreateAPIToken issues a bearer token for the user's integrations. Only its
// hash is kept; the token is shown once.
func (db *DB) CreateAPIToken(ctx context.Context, userID, name string) (string, error) {
	token := "kamp_" + RandomToken(32)
	th := tokenHash(token)
	err := db.Transact(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO api_tokens (token_hash, user_id, name, created_at) VALUES (?, ?, ?, ?)`,
			th, userID, name, db.Now().UTC().Truncate(time.Microsecond)); err != nil {
			return err
		}
		// The token's SHA-256 names it; the token itself is never recorded.
		_, err := db.AuditTx(ctx, tx, kamp.AuditEvent{Action: kamp.AuditTokenCreated, ObjectType: "api_token", ObjectID: th,
			After: auditJSON(map[string]string{"user_id": userID, "name": name})})
		return err
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// RevokeAPIToken revokes a token.
func (db *DB) RevokeAPIToken(ctx context.Context, token string) error {
	th, now := tokenHash(token), db.Now().UTC().Truncate(time.Microsecond)
	return db.Transact(ctx, func(tx *Tx) error {
		r, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL`, now, th)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return kamp.Errorf(kamp.ENOTFOUND, "no such token")
		}
		var userID, name string
		if err := tx.QueryRow(ctx, `SELECT user_id, name FROM api_tokens WHERE token_hash = ?`, th).Scan(&userID, &name); err != nil {
			return db.mapErr(err)
		}
		_, err = db.AuditTx(ctx, tx, kamp.AuditEvent{At: now, Action: kamp.AuditTokenRevoked, ObjectType: "api_token", ObjectID: th,
			Before: auditJSON(map[string]any{"user_id": userID, "name": name, "revoked_at": nil}),
			After:  auditJSON(map[string]any{"user_id": userID, "name": name, "revoked_at": now.Format(time.RFC3339Nano)})})
		return err
	})
}

// APITokenUser returns the user of a bearer token, or EUNAUTHORIZED.
func (db *DB) APITokenUser(ctx context.Context, token string) (kamp.User, error) {
	row := db.queryRow(ctx, `SELECT u.id, u.login, u.name, u.role, u.org_unit, u.level, u.lang, u.disabled, u.created_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ? AND t.revoked_at IS NULL`, tokenHash(token))
	u, err := scanUser(row)
	if err == sql.ErrNoRows || (err == nil && u.Disabled) {
		return kamp.User{}, kamp.Errorf(kamp.EUNAUTHORIZED, "invalid or revoked token")
	}
	return u, db.mapErr(err)
}
