package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/kampbank/kamp"
)

// Override operations: an entity added to a group, removed from its
// computed group, or its override cleared (the computed answer again).
const (
	OverrideAdd    = "add"
	OverrideRemove = "remove"
	OverrideClear  = "clear"
)

// GroupOverride is a manual change of a group's members (人工调整), in
// force from CreatedAt until EndedAt (zero while active).
type GroupOverride struct {
	ID         string
	EntityID   string
	EntityName string
	GroupID    string
	Op         string // OverrideAdd or OverrideRemove
	Reason     string
	RequestID  string
	MadeBy     string
	ApprovedBy string
	CreatedAt  time.Time
	EndedAt    time.Time
	EndedBy    string
}

// ProposeGroupOverride records maker's proposal to add entity to group,
// remove it from the group, or clear the entity's active override. It
// takes effect when a second person approves it (DecideRequest) and the
// groups are computed again.
func (db *DB) ProposeGroupOverride(ctx context.Context, maker kamp.User, groupID, op, entityID, reason string) (kamp.ChangeRequest, error) {
	var cr kamp.ChangeRequest
	// Scope first, so that a group out of scope answers as a missing one.
	v, err := db.ViewerFor(ctx, maker)
	if err != nil {
		return cr, err
	}
	if _, err := db.Group(ctx, v, groupID); err != nil {
		return cr, err
	}
	if !maker.Can(kamp.ActProposeOverride) {
		return cr, kamp.Errorf(kamp.EFORBIDDEN, "your role may not propose group overrides")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return cr, kamp.Errorf(kamp.EINVALID, "say why: a reason is required")
	}
	entityID = strings.TrimSpace(entityID)
	e, err := db.Entity(ctx, v, entityID)
	if err != nil {
		return cr, err
	}
	cr = kamp.ChangeRequest{ID: changeRequestID(ctx), Kind: kamp.RequestGroup, Subject: groupID, Op: op, EntityID: e.ID,
		Reason: reason, Status: kamp.RequestPending, MadeBy: maker.Login, MadeAt: db.Now().UTC().Truncate(time.Microsecond)}
	err = db.Transact(ctx, func(tx *Tx) error {
		if err := db.checkOverride(ctx, tx, groupID, op, e.ID); err != nil {
			return err
		}
		var pending int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM change_requests WHERE kind = ? AND entity_id = ? AND status = ?`,
			kamp.RequestGroup, e.ID, kamp.RequestPending).Scan(&pending); err != nil {
			return db.mapErr(err)
		}
		if pending > 0 {
			return kamp.Errorf(kamp.ECONFLICT, "an override of %s already waits for approval", e.ID)
		}
		return db.insertRequest(ctx, tx, cr)
	})
	return cr, err
}

// checkOverride checks that op on entity and group makes sense now: an
// entity is added to a group it is not in, removed from the group it is in
// (not its root), or has an active override to clear.
func (db *DB) checkOverride(ctx context.Context, tx *Tx, groupID, op, entityID string) error {
	var current string
	err := tx.QueryRow(ctx, `SELECT group_id FROM entity_groups WHERE entity_id = ?`, entityID).Scan(&current)
	if err != nil && err != sql.ErrNoRows {
		return db.mapErr(err)
	}
	switch op {
	case OverrideAdd:
		if current == groupID {
			return kamp.Errorf(kamp.ECONFLICT, "%s is already a member of group %s", entityID, groupID)
		}
	case OverrideRemove:
		if current != groupID {
			return kamp.Errorf(kamp.ECONFLICT, "%s is not a member of group %s", entityID, groupID)
		}
		if entityID == groupID {
			return kamp.Errorf(kamp.EINVALID, "%s is the root of its group: it cannot be removed from it", entityID)
		}
	case OverrideClear:
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM group_overrides WHERE entity_id = ? AND ended_at IS NULL`, entityID).Scan(&n); err != nil {
			return db.mapErr(err)
		}
		if n == 0 {
			return kamp.Errorf(kamp.ECONFLICT, "%s has no override to clear", entityID)
		}
	default:
		return kamp.Errorf(kamp.EINVALID, "unknown override %q: use add, remove or clear", op)
	}
	return nil
}

// applyOverride carries out an approved override in tx: it ends the
// entity's active override, if any, and records the new one (none for a
// clear).
func (db *DB) applyOverride(ctx context.Context, tx *Tx, cr kamp.ChangeRequest, by string) error {
	if err := db.checkOverride(ctx, tx, cr.Subject, cr.Op, cr.EntityID); err != nil {
		return err
	}
	now := db.Now().UTC().Truncate(time.Microsecond)
	if _, err := tx.Exec(ctx, `UPDATE group_overrides SET ended_at = ?, ended_by = ? WHERE entity_id = ? AND ended_at IS NULL`,
		now, by, cr.EntityID); err != nil {
		return err
	}
	if cr.Op == OverrideClear {
		return nil
	}
	_, err := tx.Exec(ctx, `INSERT INTO group_overrides (id, entity_id, group_id, op, reason, request_id, made_by, approved_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, NewID(), cr.EntityID, cr.Subject, cr.Op, cr.Reason, cr.ID, cr.MadeBy, by, now)
	return err
}

const overrideCols = `o.id, o.entity_id, COALESCE(e.name, ''), o.group_id, o.op, o.reason, o.request_id, o.made_by, o.approved_by,
	o.created_at, o.ended_at, COALESCE(o.ended_by, '')`

func scanOverride(sc interface{ Scan(...any) error }) (GroupOverride, error) {
	var o GroupOverride
	var ended sql.NullTime
	err := sc.Scan(&o.ID, &o.EntityID, &o.EntityName, &o.GroupID, &o.Op, &o.Reason, &o.RequestID, &o.MadeBy, &o.ApprovedBy,
		&o.CreatedAt, &ended, &o.EndedBy)
	o.EndedAt = ended.Time
	return o, err
}

// GroupOverrides returns the overrides of a group, active and ended, newest
// first; ENOTFOUND when v may not see the group.
func (db *DB) GroupOverrides(ctx context.Context, v Viewer, groupID string) ([]GroupOverride, error) {
	if err := db.checkGroup(ctx, v, groupID); err != nil {
		return nil, err
	}
	return db.overrides(ctx, `WHERE o.group_id = ? ORDER BY o.created_at DESC, o.id`, groupID)
}

// ActiveOverrides returns every override in force, by entity id: what the
// group engine applies on top of its result.
func (db *DB) ActiveOverrides(ctx context.Context) ([]GroupOverride, error) {
	return db.overrides(ctx, `WHERE o.ended_at IS NULL ORDER BY o.entity_id`)
}

func (db *DB) overrides(ctx context.Context, where string, args ...any) ([]GroupOverride, error) {
	rows, err := db.query(ctx, `SELECT `+overrideCols+` FROM group_overrides o LEFT JOIN entities e ON e.id = o.entity_id `+where, args...)
	if err != nil {
		return nil, kamp.WrapError(kamp.EINTERNAL, err, "cannot read the group overrides")
	}
	defer rows.Close()
	var out []GroupOverride
	for rows.Next() {
		o, err := scanOverride(rows)
		if err != nil {
			return nil, db.mapErr(err)
		}
		out = append(out, o)
	}
	return out, db.mapErr(rows.Err())
}

// Setting keys.
const (
	SettingTier1  = "tier1_capital"         // the bank's tier-1 net capital in CNY, an exact decimal
	SettingRegime = "large_exposure_regime" // control.CN2018.Name or control.BaselLEX.Name
)

// Setting returns a setting's value, or "" when it is not set.
func (db *DB) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := db.queryRow(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return v, db.mapErr(err)
}

// SetSetting sets (or with "" clears) a setting, with an audit event that
// shows the value before and after.
func (db *DB) SetSetting(ctx context.Context, key, value string) error {
	return db.Transact(ctx, func(tx *Tx) error {
		var before string
		err := tx.QueryRow(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&before)
		if err != nil && err != sql.ErrNoRows {
			return db.mapErr(err)
		}
		if before == value {
			return nil
		}
		if value == "" {
			_, err = tx.Exec(ctx, `DELETE FROM settings WHERE key = ?`, key)
		} else {
			_, err = tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
				key, value, db.Now().UTC(), kamp.ActorFrom(ctx))
		}
		if err != nil {
			return err
		}
		_, err = db.AuditTx(ctx, tx, kamp.AuditEvent{Action: kamp.AuditSettingChanged, ObjectType: "setting", ObjectID: key,
			Before: auditJSON(map[string]string{key: before}), After: auditJSON(map[string]string{key: value})})
		return err
	})
}
