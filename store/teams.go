package store

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/kampbank/kamp"
)

// A coverage team (服务团队) serves one strategic unit: a group (its id is
// the group id) or a client outside any group (its own id). Its history is
// kept in team_members, a row per person per spell on the team. Changes go
// through change requests: one person proposes, a second with the
// authority approves (kamp.ActProposeTeam, kamp.ActApproveTeam).

const teamCols = `t.id, t.unit_id, t.user_id, u.login, u.name, t.role, u.org_unit, t.since, COALESCE(t.until, ''),
	t.added_by, COALESCE(t.removed_by, '')`

func scanTeamMember(sc interface{ Scan(...any) error }) (kamp.TeamMember, error) {
	var m kamp.TeamMember
	err := sc.Scan(&m.ID, &m.UnitID, &m.UserID, &m.Login, &m.Name, &m.Role, &m.OrgUnit, &m.Since, &m.Until, &m.AddedBy, &m.RemovedBy)
	return m, err
}

// UnitName returns the name of a strategic unit (its group root's or
// client's name), or ENOTFOUND when there is no such unit or v may not see
// it. A unit is a stored group, or else an entity.
func (db *DB) UnitName(ctx context.Context, v Viewer, unitID string) (name string, isGroup bool, err error) {
	g, err := db.Group(ctx, v, unitID)
	if err == nil {
		return g.RootName, true, nil
	}
	if kamp.ErrorCode(err) != kamp.ENOTFOUND {
		return "", false, err
	}
	e, err := db.Entity(ctx, v, unitID)
	if err != nil {
		return "", false, kamp.Errorf(kamp.ENOTFOUND, "no client or group %q", unitID)
	}
	return e.Name, false, nil
}

// Team returns the members of a unit's coverage team: the current ones, or
// with history the whole record, newest spell first. ENOTFOUND when v may
// not see the unit.
func (db *DB) Team(ctx context.Context, v Viewer, unitID string, history bool) ([]kamp.TeamMember, error) {
	if _, _, err := db.UnitName(ctx, v, unitID); err != nil {
		return nil, err
	}
	q := `SELECT ` + teamCols + ` FROM team_members t JOIN users u ON u.id = t.user_id WHERE t.unit_id = ?`
	if !history {
		q += ` AND t.until IS NULL ORDER BY CASE t.role WHEN 'lead_rm' THEN 0 WHEN 'branch_rm' THEN 1 WHEN 'product' THEN 2 ELSE 3 END, u.login`
	} else {
		q += ` ORDER BY t.since DESC, t.id`
	}
	rows, err := db.query(ctx, q, unitID)
	if err != nil {
		return nil, kamp.WrapError(kamp.EINTERNAL, err, "cannot read the team of %s", unitID)
	}
	defer rows.Close()
	var out []kamp.TeamMember
	for rows.Next() {
		m, err := scanTeamMember(rows)
		if err != nil {
			return nil, db.mapErr(err)
		}
		out = append(out, m)
	}
	return out, db.mapErr(rows.Err())
}

// TeamUnit is a unit with a coverage team, as lists show it.
type TeamUnit struct {
	UnitID  string
	Name    string
	IsGroup bool
	Lead    string // the lead account manager's name, "" when none
	Members int    // current members
	Role    string // the listed person's role in the team (MyTeams only)
	Since   string // since when (MyTeams only)
}

// Teams returns one page of the units with a current coverage team that v
// may see, by unit id, and how many there are.
func (db *DB) Teams(ctx context.Context, v Viewer, offset, limit int) ([]TeamUnit, int, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	if limit > MaxLimit || offset < 0 {
		return nil, 0, kamp.Errorf(kamp.EINVALID, "limit must be between 1 and %d and offset not negative", MaxLimit)
	}
	q, args := `SELECT DISTINCT unit_id FROM team_members WHERE until IS NULL`, []any(nil)
	if cond, cargs := v.unitCond("unit_id"); cond != "" {
		q, args = q+" AND "+cond, cargs
	}
	ids, err := db.teamUnitIDs(ctx, q+` ORDER BY unit_id`, args...)
	if err != nil {
		return nil, 0, err
	}
	var out []TeamUnit
	for _, id := range ids[min(offset, len(ids)):min(offset+limit, len(ids))] {
		name, isGroup, err := db.UnitName(ctx, v, id)
		if kamp.ErrorCode(err) == kamp.ENOTFOUND {
			continue // the unit is gone (no such group or entity any more)
		}
		if err != nil {
			return nil, 0, err
		}
		t := TeamUnit{UnitID: id, Name: name, IsGroup: isGroup}
		if err := db.teamSummary(ctx, &t); err != nil {
			return nil, 0, err
		}
		out = append(out, t)
	}
	return out, len(ids), nil
}

func (db *DB) teamUnitIDs(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, kamp.WrapError(kamp.EINTERNAL, err, "cannot read the teams")
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, db.mapErr(err)
		}
		ids = append(ids, id)
	}
	return ids, db.mapErr(rows.Err())
}

// teamSummary fills in a unit's lead and member count.
func (db *DB) teamSummary(ctx context.Context, t *TeamUnit) error {
	err := db.queryRow(ctx, `SELECT COUNT(*), COALESCE(MAX(CASE WHEN t.role = 'lead_rm' THEN u.name END), '')
		FROM team_members t JOIN users u ON u.id = t.user_id WHERE t.unit_id = ? AND t.until IS NULL`, t.UnitID).Scan(&t.Members, &t.Lead)
	return db.mapErr(err)
}

// MyTeams returns the units whose current coverage teams u is on, with u's
// role and start date, by unit id: "my clients".
func (db *DB) MyTeams(ctx context.Context, u kamp.User) ([]TeamUnit, error) {
	rows, err := db.query(ctx, `SELECT unit_id, role, since FROM team_members WHERE user_id = ? AND until IS NULL ORDER BY unit_id`, u.ID)
	if err != nil {
		return nil, kamp.WrapError(kamp.EINTERNAL, err, "cannot read the teams of %s", u.Login)
	}
	var out []TeamUnit
	for rows.Next() {
		var t TeamUnit
		if err := rows.Scan(&t.UnitID, &t.Role, &t.Since); err != nil {
			rows.Close()
			return nil, db.mapErr(err)
		}
		out = append(out, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, db.mapErr(err)
	}
	v, err := db.ViewerFor(ctx, u)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Name, out[i].IsGroup, err = db.UnitName(ctx, v, out[i].UnitID); err != nil {
			return nil, err
		}
		if err := db.teamSummary(ctx, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Team change operations.
const (
	TeamAdd    = "add"
	TeamRemove = "remove"
)

// checkTeamChange checks that op on person in unit's current team makes
// sense now: an active person of a team role joining a team they are not
// on, or a current member leaving.
func (db *DB) checkTeamChange(ctx context.Context, tx *Tx, unitID, op string, person kamp.User) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM team_members WHERE unit_id = ? AND user_id = ? AND until IS NULL`,
		unitID, person.ID).Scan(&n); err != nil {
		return db.mapErr(err)
	}
	switch op {
	case TeamAdd:
		if person.Disabled {
			return kamp.Errorf(kamp.EINVALID, "%s is disabled", person.Login)
		}
		if !slices.Contains(kamp.TeamRoles, person.Role) {
			return kamp.Errorf(kamp.EINVALID, "%s is a %s; a team has lead account managers, branch RMs, product specialists and support staff", person.Login, person.Role)
		}
		if n > 0 {
			return kamp.Errorf(kamp.ECONFLICT, "%s is already on the team of %s", person.Login, unitID)
		}
	case TeamRemove:
		if n == 0 {
			return kamp.Errorf(kamp.ECONFLICT, "%s is not on the team of %s", person.Login, unitID)
		}
	default:
		return kamp.Errorf(kamp.EINVALID, "unknown team change %q: use add or remove", op)
	}
	return nil
}

// ProposeTeamChange records maker's proposal to add person (by login) to,
// or remove them from, unit's coverage team. It takes effect when a second
// person approves it (DecideRequest).
func (db *DB) ProposeTeamChange(ctx context.Context, maker kamp.User, unitID, op, personLogin, reason string) (kamp.ChangeRequest, error) {
	var cr kamp.ChangeRequest
	// Scope first, so that a unit out of scope answers as a missing one.
	v, err := db.ViewerFor(ctx, maker)
	if err != nil {
		return cr, err
	}
	if _, _, err := db.UnitName(ctx, v, unitID); err != nil {
		return cr, err
	}
	if !maker.Can(kamp.ActProposeTeam) {
		return cr, kamp.Errorf(kamp.EFORBIDDEN, "your role may not propose team changes")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return cr, kamp.Errorf(kamp.EINVALID, "say why: a reason is required")
	}
	person, err := db.UserByLogin(ctx, strings.TrimSpace(personLogin))
	if err != nil {
		return cr, err
	}
	cr = kamp.ChangeRequest{ID: changeRequestID(ctx), Kind: kamp.RequestTeam, Subject: unitID, Op: op, UserID: person.ID, UserName: person.Name,
		Reason: reason, Status: kamp.RequestPending, MadeBy: maker.Login, MadeAt: db.Now().UTC().Truncate(time.Microsecond)}
	err = db.Transact(ctx, func(tx *Tx) error {
		if err := db.checkTeamChange(ctx, tx, unitID, op, person); err != nil {
			return err
		}
		var pending int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM change_requests WHERE kind = ? AND subject = ? AND user_id = ? AND status = ?`,
			kamp.RequestTeam, unitID, person.ID, kamp.RequestPending).Scan(&pending); err != nil {
			return db.mapErr(err)
		}
		if pending > 0 {
			return kamp.Errorf(kamp.ECONFLICT, "a change for %s on this team already waits for approval", person.Login)
		}
		return db.insertRequest(ctx, tx, cr)
	})
	return cr, err
}

// changeRequestIDKey is the context key of WithChangeRequestID.
type changeRequestIDKey struct{}

// WithChangeRequestID returns a context under which the change request a
// Propose method makes gets id instead of a new one: the web server derives
// it from the caller's Idempotency-Key, so that a retry finds the request
// the first attempt made. A second request with the same id is refused
// (ECONFLICT).
func WithChangeRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, changeRequestIDKey{}, id)
}

// changeRequestID returns the id set by WithChangeRequestID, or a new one.
func changeRequestID(ctx context.Context) string {
	if id, ok := ctx.Value(changeRequestIDKey{}).(string); ok && id != "" {
		return id
	}
	return NewID()
}

// insertRequest records a new change request in tx, with its audit event.
func (db *DB) insertRequest(ctx context.Context, tx *Tx, cr kamp.ChangeRequest) error {
	if _, err := tx.Exec(ctx, `INSERT INTO change_requests (id, kind, subject, op, user_id, entity_id, detail, reason, status, made_by, made_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, cr.ID, cr.Kind, cr.Subject, cr.Op, cr.UserID, cr.EntityID, cr.Detail, cr.Reason, cr.Status, cr.MadeBy, cr.MadeAt); err != nil {
		return err
	}
	_, err := db.AuditTx(ctx, tx, kamp.AuditEvent{Action: kamp.AuditRequestMade, ObjectType: "change_request", ObjectID: cr.ID,
		After: requestJSON(cr)})
	return err
}

func requestJSON(cr kamp.ChangeRequest) string {
	return auditJSON(map[string]any{"id": cr.ID, "kind": cr.Kind, "subject": cr.Subject, "op": cr.Op, "user_id": cr.UserID,
		"entity_id": cr.EntityID, "detail": cr.Detail, "reason": cr.Reason, "status": cr.Status, "made_by": cr.MadeBy, "decided_by": cr.DecidedBy, "note": cr.Note})
}

const requestCols = `r.id, r.kind, r.subject, r.op, r.user_id, COALESCE(u.name, ''), r.entity_id, r.detail, r.reason, r.status, r.made_by, r.made_at,
	r.decided_by, r.decided_at, r.note`

func scanRequest(sc interface{ Scan(...any) error }) (kamp.ChangeRequest, error) {
	var cr kamp.ChangeRequest
	var decided sql.NullTime
	err := sc.Scan(&cr.ID, &cr.Kind, &cr.Subject, &cr.Op, &cr.UserID, &cr.UserName, &cr.EntityID, &cr.Detail, &cr.Reason, &cr.Status, &cr.MadeBy, &cr.MadeAt,
		&cr.DecidedBy, &decided, &cr.Note)
	cr.DecidedAt = decided.Time
	return cr, err
}

// ChangeRequests returns the change requests on units v may see, newest
// first: those with status (all when ""), of subject (all when ""), from
// the offset-th on, at most limit of them; more says whether there are
// others after them.
func (db *DB) ChangeRequests(ctx context.Context, v Viewer, status, subject string, offset, limit int) (crs []kamp.ChangeRequest, more bool, err error) {
	if limit <= 0 || limit > MaxLimit {
		limit = DefaultLimit
	}
	q := `SELECT ` + requestCols + ` FROM change_requests r LEFT JOIN users u ON u.id = r.user_id WHERE 1 = 1`
	var args []any
	if status != "" {
		q, args = q+` AND r.status = ?`, append(args, status)
	}
	if subject != "" {
		q, args = q+` AND r.subject = ?`, append(args, subject)
	}
	rows, err := db.query(ctx, q+` ORDER BY r.made_at DESC, r.id`, args...)
	if err != nil {
		return nil, false, kamp.WrapError(kamp.EINTERNAL, err, "cannot read the change requests")
	}
	var all []kamp.ChangeRequest
	for rows.Next() {
		cr, err := scanRequest(rows)
		if err != nil {
			rows.Close()
			return nil, false, db.mapErr(err)
		}
		all = append(all, cr)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, false, db.mapErr(err)
	}
	visible, err := db.visibleRequests(ctx, v, all)
	if err != nil {
		return nil, false, err
	}
	if offset >= len(visible) {
		return nil, false, nil
	}
	visible = visible[offset:]
	if len(visible) > limit {
		return visible[:limit], true, nil
	}
	return visible, false, nil
}

// ChangeRequest returns one change request, or ENOTFOUND when there is none
// or v may not see its unit.
func (db *DB) ChangeRequest(ctx context.Context, v Viewer, id string) (kamp.ChangeRequest, error) {
	cr, err := scanRequest(db.queryRow(ctx, `SELECT `+requestCols+` FROM change_requests r LEFT JOIN users u ON u.id = r.user_id
		WHERE r.id = ?`, id))
	if err == sql.ErrNoRows {
		return cr, kamp.Errorf(kamp.ENOTFOUND, "no change request %q", id)
	}
	if err != nil {
		return cr, db.mapErr(err)
	}
	if visible, err := db.visibleRequests(ctx, v, []kamp.ChangeRequest{cr}); err != nil {
		return kamp.ChangeRequest{}, err
	} else if len(visible) == 0 {
		return kamp.ChangeRequest{}, kamp.Errorf(kamp.ENOTFOUND, "no change request %q", id)
	}
	return cr, nil
}

// DecideRequest approves or rejects a pending change request as checker,
// who must have the authority and must not be its maker. An approved team
// change takes effect at once: a person joins from today, or leaves today;
// a new lead account manager ends the spell of the one before. An approved
// group override is recorded and takes effect at the next group run (the
// caller starts one). Every decision is audited, and so is the change.
func (db *DB) DecideRequest(ctx context.Context, checker kamp.User, id string, approve bool, note string) (kamp.ChangeRequest, error) {
	v, err := db.ViewerFor(ctx, checker)
	if err != nil {
		return kamp.ChangeRequest{}, err
	}
	cr, err := db.ChangeRequest(ctx, v, id)
	if err != nil {
		return cr, err
	}
	if act := kamp.ApproveAction(cr.Kind); !checker.Can(act) {
		return cr, kamp.Errorf(kamp.EFORBIDDEN, "approving this takes one of the roles %s at authority level %d or above",
			strings.Join(kamp.ActionRoles(act), ", "), kamp.ActionLevel(act))
	}
	if checker.Login == cr.MadeBy {
		return cr, kamp.Errorf(kamp.EFORBIDDEN, "a second person must decide: you made this request")
	}
	note = strings.TrimSpace(note)
	if !approve && note == "" {
		return cr, kamp.Errorf(kamp.EINVALID, "say why the request is rejected: a note is required")
	}
	now := db.Now().UTC().Truncate(time.Microsecond)
	err = db.Transact(ctx, func(tx *Tx) error {
		var status string
		if err := tx.QueryRow(ctx, `SELECT status FROM change_requests WHERE id = ?`, id).Scan(&status); err != nil {
			return db.mapErr(err)
		}
		if status != kamp.RequestPending {
			return kamp.Errorf(kamp.ECONFLICT, "the request was already %s", status)
		}
		cr.Status, cr.DecidedBy, cr.DecidedAt, cr.Note = kamp.RequestRejected, checker.Login, now, note
		action := kamp.AuditRequestRejected
		if approve {
			cr.Status, action = kamp.RequestApproved, kamp.AuditRequestApproved
			apply := db.applyTeamChange
			switch cr.Kind {
			case kamp.RequestGroup:
				apply = db.applyOverride
			case kamp.RequestNomination, kamp.RequestAdoption:
				apply = db.applyListRequest
			}
			if err := apply(ctx, tx, cr, checker.Login); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE change_requests SET status = ?, decided_by = ?, decided_at = ?, note = ? WHERE id = ?`,
			cr.Status, cr.DecidedBy, cr.DecidedAt, cr.Note, cr.ID); err != nil {
			return err
		}
		_, err := db.AuditTx(ctx, tx, kamp.AuditEvent{Action: action, ObjectType: "change_request", ObjectID: cr.ID,
			Before: auditJSON(map[string]string{"status": kamp.RequestPending}), After: requestJSON(cr)})
		return err
	})
	return cr, err
}

// applyTeamChange carries out an approved team change in tx.
func (db *DB) applyTeamChange(ctx context.Context, tx *Tx, cr kamp.ChangeRequest, by string) error {
	person, err := scanUser(tx.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, cr.UserID))
	if err != nil {
		return db.mapErr(err)
	}
	if err := db.checkTeamChange(ctx, tx, cr.Subject, cr.Op, person); err != nil {
		return err
	}
	if cr.Op == TeamAdd {
		return db.addTeamMembers(ctx, tx, cr.Subject, []kamp.User{person}, by)
	}
	return db.removeTeamMember(ctx, tx, cr.Subject, person.ID, by)
}

// teamTx reads a unit's current members in tx, for audit events.
func teamTx(ctx context.Context, tx *Tx, unitID string) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT u.login || ':' || t.role FROM team_members t JOIN users u ON u.id = t.user_id
		WHERE t.unit_id = ? AND t.until IS NULL ORDER BY u.login`, unitID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, tx.db.mapErr(err)
		}
		out = append(out, s)
	}
	return out, tx.db.mapErr(rows.Err())
}

// addTeamMembers puts people on a unit's team from today; a lead account
// manager replaces the current one. One audit event records the team
// before and after.
func (db *DB) addTeamMembers(ctx context.Context, tx *Tx, unitID string, people []kamp.User, by string) error {
	before, err := teamTx(ctx, tx, unitID)
	if err != nil {
		return err
	}
	today := db.today()
	for _, p := range people {
		if p.Role == kamp.RoleLeadRM {
			if _, err := tx.Exec(ctx, `UPDATE team_members SET until = ?, removed_by = ? WHERE unit_id = ? AND role = ? AND until IS NULL`,
				today, by, unitID, kamp.RoleLeadRM); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO team_members (id, unit_id, user_id, role, since, added_by) VALUES (?, ?, ?, ?, ?, ?)`,
			NewID(), unitID, p.ID, p.Role, today, by); err != nil {
			return err
		}
	}
	return db.auditTeam(ctx, tx, unitID, before)
}

func (db *DB) removeTeamMember(ctx context.Context, tx *Tx, unitID, userID, by string) error {
	before, err := teamTx(ctx, tx, unitID)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE team_members SET until = ?, removed_by = ? WHERE unit_id = ? AND user_id = ? AND until IS NULL`,
		db.today(), by, unitID, userID); err != nil {
		return err
	}
	return db.auditTeam(ctx, tx, unitID, before)
}

func (db *DB) auditTeam(ctx context.Context, tx *Tx, unitID string, before []string) error {
	after, err := teamTx(ctx, tx, unitID)
	if err != nil {
		return err
	}
	_, err = db.AuditTx(ctx, tx, kamp.AuditEvent{Action: kamp.AuditTeamChanged, ObjectType: "team", ObjectID: unitID,
		Before: auditJSON(before), After: auditJSON(after)})
	return err
}

// SeedTeam puts people (by login) on a unit's team at once, without a
// change request: for setting up teams from the command line and the demo
// bank. The actor in ctx is recorded as having added them.
func (db *DB) SeedTeam(ctx context.Context, unitID string, logins []string) error {
	return db.Transact(ctx, func(tx *Tx) error {
		var people []kamp.User
		for _, l := range logins {
			p, err := scanUser(tx.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE login = ?`, l))
			if err == sql.ErrNoRows {
				return kamp.Errorf(kamp.ENOTFOUND, "no user %q", l)
			}
			if err != nil {
				return db.mapErr(err)
			}
			if err := db.checkTeamChange(ctx, tx, unitID, TeamAdd, p); err != nil {
				return err
			}
			people = append(people, p)
		}
		return db.addTeamMembers(ctx, tx, unitID, people, kamp.ActorFrom(ctx))
	})
}
