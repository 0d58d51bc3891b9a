package kamp

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"time"
)

// Audit actions: what an audit event records. An action is "area.verb"; the
// audit page and API filter by the whole action or by its area ("user.").
const (
	AuditImportLoaded      = "import.loaded"   // an import loaded every row (or was a no-op)
	AuditImportPartial     = "import.partial"  // good rows loaded, bad rows quarantined
	AuditImportRejected    = "import.rejected" // bad rows found, nothing loaded
	AuditImportFailed      = "import.failed"   // an import could not run, nothing loaded
	AuditLogin             = "user.login"
	AuditLoginFailed       = "user.login_failed"
	AuditLogout            = "user.logout"
	AuditUserCreated       = "user.created"
	AuditPasswordChanged   = "user.password_changed"
	AuditTokenCreated      = "token.created"
	AuditTokenRevoked      = "token.revoked"
	AuditExport            = "export"
	AuditUserChanged       = "user.changed"
	AuditOrgChanged        = "org.changed"      // org units added, renamed, moved or deleted
	AuditRequestMade       = "request.made"     // a change proposed for approval
	AuditRequestApproved   = "request.approved" // approved: the change took effect
	AuditRequestRejected   = "request.rejected"
	AuditTeamChanged       = "team.changed" // a coverage team's members changed
	AuditSettingChanged    = "setting.changed"
	AuditScreeningRun      = "screening.run"          // a screening run stored
	AuditStrategicList     = "strategic_list.changed" // the official strategic list changed
	AuditChainRun          = "chain.run"              // a chain run stored
	AuditProspectAssigned  = "prospect.assigned"      // a prospect assigned to a branch RM as a lead
	AuditProspectDismissed = "prospect.dismissed"     // a prospect dismissed with a reason
)

// AuditActions lists the actions kamp records, in the order the audit page
// offers them as filters.
var AuditActions = []string{
	AuditImportLoaded, AuditImportPartial, AuditImportRejected, AuditImportFailed,
	AuditLogin, AuditLoginFailed, AuditLogout,
	AuditUserCreated, AuditPasswordChanged, AuditTokenCreated, AuditTokenRevoked,
	AuditExport, AuditUserChanged, AuditOrgChanged,
	AuditRequestMade, AuditRequestApproved, AuditRequestRejected, AuditTeamChanged, AuditSettingChanged,
	AuditScreeningRun, AuditStrategicList, AuditChainRun, AuditProspectAssigned, AuditProspectDismissed,
}

// Actors that are not people: the command line, and kamp itself (changes
// made with no person or command behind them).
const (
	ActorCLI    = "cli"
	ActorSystem = "system"
)

// AuditTimeFormat is how an event's time enters its hash: UTC with exactly
// six decimals of seconds, the precision both databases keep.
const AuditTimeFormat = "2006-01-02T15:04:05.000000Z"

// auditHashTag starts every hashed serialisation, so that an audit hash can
// never be mistaken for the hash of anything else, and a future change of
// the serialisation can be told apart by its version.
const auditHashTag = "kamp-audit-v1"

// AuditEvent is one recorded change (审计事件): who did what to which object,
// when, with the object's state before and after, chained to the previous
// event by SHA-256. Seq numbers the events 1, 2, 3, … with no gaps.
type AuditEvent struct {
	Seq        int64
	ID         string
	At         time.Time
	Actor      string // a login, ActorCLI or ActorSystem
	Action     string // one of the Audit* actions
	ObjectType string // what kind of object changed: "user", "import", "api_token", "entities", …
	ObjectID   string
	Before     string // the object before the change as JSON, or ""
	After      string // the object after the change as JSON, or ""
	PrevHash   string // Hash of event Seq-1; "" for the first event
	Hash       string // AuditHash of this event, lower-case hex
}

// AuditHash returns the lower-case hex SHA-256 that chains e to the event
// before it. The hashed bytes are the tag "kamp-audit-v1" followed by these
// fields of e in this order, each written as its length in bytes (8 bytes,
// big-endian) and then its bytes, so that no two different events serialise
// alike: Seq in decimal, ID, At in UTC as AuditTimeFormat, Actor, Action,
// ObjectType, ObjectID, Before, After, PrevHash. Hash itself is not hashed.
func AuditHash(e AuditEvent) string {
	h := sha256.New()
	var n [8]byte
	field := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	field(auditHashTag)
	field(strconv.FormatInt(e.Seq, 10))
	field(e.ID)
	field(e.At.UTC().Format(AuditTimeFormat))
	field(e.Actor)
	field(e.Action)
	field(e.ObjectType)
	field(e.ObjectID)
	field(e.Before)
	field(e.After)
	field(e.PrevHash)
	return hex.EncodeToString(h.Sum(nil))
}

// actorKey is the context key of the actor.
type actorKey struct{}

// WithActor returns a context that names actor (a login, ActorCLI or
// ActorSystem) as the one making the changes done with it, for the audit
// events they record.
func WithActor(ctx context.Context, actor string) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

// ActorFrom returns the actor named by WithActor, or ActorSystem.
func ActorFrom(ctx context.Context) string {
	if a, ok := ctx.Value(actorKey{}).(string); ok && a != "" {
		return a
	}
	return ActorSystem
}
