package store

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/check"
)

// OrgUnits returns every org unit, by code.
func (db *DB) OrgUnits(ctx context.Context) ([]kamp.OrgUnit, error) {
	rows, err := db.query(ctx, `SELECT code, COALESCE(parent, ''), name, kind FROM org_units ORDER BY code`)
	if err != nil {
		return nil, kamp.WrapError(kamp.EINTERNAL, err, "cannot read the org units")
	}
	defer rows.Close()
	var out []kamp.OrgUnit
	for rows.Next() {
		var u kamp.OrgUnit
		if err := rows.Scan(&u.Code, &u.Parent, &u.Name, &u.Kind); err != nil {
			return nil, db.mapErr(err)
		}
		out = append(out, u)
	}
	return out, db.mapErr(rows.Err())
}

// checkUnit checks one unit's fields.
func checkUnit(u kamp.OrgUnit) error {
	if err := check.ID(u.Code); err != nil {
		return kamp.WrapError(kamp.EINVALID, err, "org unit code %q", u.Code)
	}
	if u.Parent != "" {
		if err := check.ID(u.Parent); err != nil {
			return kamp.WrapError(kamp.EINVALID, err, "org unit %s: parent %q", u.Code, u.Parent)
		}
	}
	if strings.TrimSpace(u.Name) == "" {
		return kamp.Errorf(kamp.EINVALID, "org unit %s: a name is required", u.Code)
	}
	return nil
}

// SaveOrgUnits adds the units that are new and updates (name, kind, parent)
// those that exist, keeping the units not given, in one transaction with
// one audit event. The resulting tree must pass kamp.CheckOrgTree, else
// nothing changes.
func (db *DB) SaveOrgUnits(ctx context.Context, units []kamp.OrgUnit) error {
	for i := range units {
		units[i].Code, units[i].Parent = strings.TrimSpace(units[i].Code), strings.TrimSpace(units[i].Parent)
		units[i].Name, units[i].Kind = strings.TrimSpace(units[i].Name), strings.ToLower(strings.TrimSpace(units[i].Kind))
		if err := checkUnit(units[i]); err != nil {
			return err
		}
	}
	return db.Transact(ctx, func(tx *Tx) error {
		before, err := orgUnitsTx(ctx, tx)
		if err != nil {
			return err
		}
		merged := slices.Clone(before)
		pos := map[string]int{}
		for i, u := range merged {
			pos[u.Code] = i
		}
		var changed []kamp.OrgUnit
		for _, u := range units {
			if i, ok := pos[u.Code]; ok {
				if merged[i] != u {
					merged[i] = u
					changed = append(changed, u)
				}
				continue
			}
			pos[u.Code] = len(merged)
			merged = append(merged, u)
			changed = append(changed, u)
		}
		if err := kamp.CheckOrgTree(merged); err != nil {
			return err
		}
		if len(changed) == 0 {
			return nil
		}
		now := db.Now().UTC()
		for _, u := range changed {
			var parent any
			if u.Parent != "" {
				parent = u.Parent
			}
			if _, err := tx.Exec(ctx, `INSERT INTO org_units (code, parent, name, kind, updated_at) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (code) DO UPDATE SET parent = excluded.parent, name = excluded.name, kind = excluded.kind,
				updated_at = excluded.updated_at`, u.Code, parent, u.Name, u.Kind, now); err != nil {
				return err
			}
		}
		_, err = db.AuditTx(ctx, tx, kamp.AuditEvent{Action: kamp.AuditOrgChanged, ObjectType: "org_units",
			ObjectID: changed[0].Code, Before: auditJSON(unitsOf(before, changed)), After: auditJSON(changed)})
		return err
	})
}

// unitsOf returns the units of before with the codes of changed.
func unitsOf(before, changed []kamp.OrgUnit) []kamp.OrgUnit {
	out := []kamp.OrgUnit{}
	for _, c := range changed {
		for _, b := range before {
			if b.Code == c.Code {
				out = append(out, b)
			}
		}
	}
	return out
}

func orgUnitsTx(ctx context.Context, tx *Tx) ([]kamp.OrgUnit, error) {
	rows, err := tx.Query(ctx, `SELECT code, COALESCE(parent, ''), name, kind FROM org_units ORDER BY code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []kamp.OrgUnit
	for rows.Next() {
		var u kamp.OrgUnit
		if err := rows.Scan(&u.Code, &u.Parent, &u.Name, &u.Kind); err != nil {
			return nil, tx.db.mapErr(err)
		}
		out = append(out, u)
	}
	return out, tx.db.mapErr(rows.Err())
}

// DeleteOrgUnit removes a unit that has no units under it and no staff.
func (db *DB) DeleteOrgUnit(ctx context.Context, code string) error {
	return db.Transact(ctx, func(tx *Tx) error {
		units, err := orgUnitsTx(ctx, tx)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(units, func(u kamp.OrgUnit) bool { return u.Code == code })
		if i < 0 {
			return kamp.Errorf(kamp.ENOTFOUND, "no org unit %q", code)
		}
		if slices.ContainsFunc(units, func(u kamp.OrgUnit) bool { return u.Parent == code }) {
			return kamp.Errorf(kamp.ECONFLICT, "org unit %s has units under it: move or delete them first", code)
		}
		var staff int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM users WHERE org_unit = ?`, code).Scan(&staff); err != nil {
			return db.mapErr(err)
		}
		if staff > 0 {
			return kamp.Errorf(kamp.ECONFLICT, "org unit %s has %d staff: move them first", code, staff)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM org_units WHERE code = ?`, code); err != nil {
			return err
		}
		_, err = db.AuditTx(ctx, tx, kamp.AuditEvent{Action: kamp.AuditOrgChanged, ObjectType: "org_units",
			ObjectID: code, Before: auditJSON([]kamp.OrgUnit{units[i]}), After: "[]"})
		return err
	})
}

// User returns the user with the given id, or ENOTFOUND.
func (db *DB) User(ctx context.Context, id string) (kamp.User, error) {
	u, err := scanUser(db.queryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, id))
	if err == sql.ErrNoRows {
		return u, kamp.Errorf(kamp.ENOTFOUND, "no user %q", id)
	}
	return u, db.mapErr(err)
}

// UserByLogin returns the user with the given login, or ENOTFOUND.
func (db *DB) UserByLogin(ctx context.Context, login string) (kamp.User, error) {
	u, err := scanUser(db.queryRow(ctx, `SELECT `+userCols+` FROM users WHERE login = ?`, login))
	if err == sql.ErrNoRows {
		return u, kamp.Errorf(kamp.ENOTFOUND, "no user %q", login)
	}
	return u, db.mapErr(err)
}

// UpdateUser changes a user's name, role, org unit, level and disabled flag
// (not the login, language or password), with an audit event. Disabling a
// user ends their sessions and revokes their API tokens.
func (db *DB) UpdateUser(ctx context.Context, u kamp.User) (kamp.User, error) {
	if !validRoles[u.Role] {
		return u, kamp.Errorf(kamp.EINVALID, "unknown role %q", u.Role)
	}
	if u.Level < kamp.LevelStaff || u.Level > kamp.MaxLevel {
		return u, kamp.Errorf(kamp.EINVALID, "the authority level must be between %d and %d, not %d", kamp.LevelStaff, kamp.MaxLevel, u.Level)
	}
	u.Name = strings.TrimSpace(u.Name)
	if u.Name == "" {
		return u, kamp.Errorf(kamp.EINVALID, "a name is required")
	}
	var after kamp.User
	err := db.Transact(ctx, func(tx *Tx) error {
		before, err := scanUser(tx.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, u.ID))
		if err == sql.ErrNoRows {
			return kamp.Errorf(kamp.ENOTFOUND, "no user %q", u.ID)
		}
		if err != nil {
			return db.mapErr(err)
		}
		if u.OrgUnit != "" && u.OrgUnit != before.OrgUnit {
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM org_units WHERE code = ?`, u.OrgUnit).Scan(&n); err != nil {
				return db.mapErr(err)
			}
			if n == 0 {
				return kamp.Errorf(kamp.EINVALID, "no org unit %q", u.OrgUnit)
			}
		}
		after = before
		after.Name, after.Role, after.OrgUnit, after.Level, after.Disabled = u.Name, u.Role, u.OrgUnit, u.Level, u.Disabled
		if after == before {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET name = ?, role = ?, org_unit = ?, level = ?, disabled = ? WHERE id = ?`,
			after.Name, after.Role, after.OrgUnit, after.Level, after.Disabled, after.ID); err != nil {
			return err
		}
		if after.Disabled && !before.Disabled {
			if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, after.ID); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`,
				db.Now().UTC(), after.ID); err != nil {
				return err
			}
		}
		_, err = db.AuditTx(ctx, tx, kamp.AuditEvent{Action: kamp.AuditUserChanged, ObjectType: "user",
			ObjectID: after.ID, Before: userJSON(before), After: userJSON(after)})
		return err
	})
	return after, err
}

// today is the date of the store's clock.
func (db *DB) today() string { return db.Now().UTC().Format(time.DateOnly) }
