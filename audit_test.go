package kamp_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"testing"
	"time"

	"github.com/kampbank/kamp"
)

func sampleEvent() kamp.AuditEvent {
	return kamp.AuditEvent{
		Seq: 42, ID: "0190a1b2c3d4e5f6a7b8c9", At: time.Date(2026, 5, 4, 3, 2, 1, 987654000, time.UTC),
		Actor: "li.na", Action: kamp.AuditLogin, ObjectType: "user", ObjectID: "U1",
		Before: `{"a":1}`, After: `{"a":2,"名称":"华信"}`, PrevHash: "ab12",
	}
}

// TestAuditHashSerialisation recomputes the hash from the documented
// serialisation, written out independently here.
func TestAuditHashSerialisation(t *testing.T) {
	e := sampleEvent()
	h := sha256.New()
	for _, f := range []string{"kamp-audit-v1", "42", e.ID, "2026-05-04T03:02:01.987654Z", e.Actor, e.Action,
		e.ObjectType, e.ObjectID, e.Before, e.After, e.PrevHash} {
		h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(f))))
		h.Write([]byte(f))
	}
	if got, want := kamp.AuditHash(e), hex.EncodeToString(h.Sum(nil)); got != want {
		t.Errorf("AuditHash = %s, want %s", got, want)
	}
}

// TestAuditHashCoversEveryField changes each field in turn and expects a
// different hash; the stored hash itself is not hashed.
func TestAuditHashCoversEveryField(t *testing.T) {
	base := kamp.AuditHash(sampleEvent())
	tests := []struct {
		name   string
		change func(*kamp.AuditEvent)
		same   bool
	}{
		{"seq", func(e *kamp.AuditEvent) { e.Seq++ }, false},
		{"id", func(e *kamp.AuditEvent) { e.ID += "x" }, false},
		{"at", func(e *kamp.AuditEvent) { e.At = e.At.Add(time.Microsecond) }, false},
		{"actor", func(e *kamp.AuditEvent) { e.Actor = "li.nb" }, false},
		{"action", func(e *kamp.AuditEvent) { e.Action = kamp.AuditLogout }, false},
		{"object type", func(e *kamp.AuditEvent) { e.ObjectType = "import" }, false},
		{"object id", func(e *kamp.AuditEvent) { e.ObjectID = "U2" }, false},
		{"before", func(e *kamp.AuditEvent) { e.Before = "" }, false},
		{"after", func(e *kamp.AuditEvent) { e.After = `{"a":3,"名称":"华信"}` }, false},
		{"prev hash", func(e *kamp.AuditEvent) { e.PrevHash = "ab13" }, false},
		// Field boundaries count: moving bytes from one field to the next
		// is a different event.
		{"shifted boundary", func(e *kamp.AuditEvent) { e.Actor, e.Action = "li.nau", "ser.login" }, false},
		{"shifted into empty", func(e *kamp.AuditEvent) { e.Before, e.After = "", `{"a":1}`+e.After }, false},
		// The same instant in another zone is the same event; nanoseconds
		// below the stored microseconds do not count.
		{"zone", func(e *kamp.AuditEvent) { e.At = e.At.In(time.FixedZone("CST", 8*3600)) }, true},
		{"nanoseconds", func(e *kamp.AuditEvent) { e.At = e.At.Add(999 * time.Nanosecond) }, true},
		{"stored hash", func(e *kamp.AuditEvent) { e.Hash = "anything" }, true},
	}
	for _, tt := range tests {
		e := sampleEvent()
		tt.change(&e)
		got := kamp.AuditHash(e)
		if (got == base) != tt.same {
			t.Errorf("%s: hash %s, base %s, want same=%v", tt.name, got, base, tt.same)
		}
		if len(got) != 64 {
			t.Errorf("%s: hash %q is not 64 hex digits", tt.name, got)
		}
	}
}

func TestActorContext(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		ctx  context.Context
		want string
	}{
		{ctx, kamp.ActorSystem},
		{kamp.WithActor(ctx, ""), kamp.ActorSystem},
		{kamp.WithActor(ctx, kamp.ActorCLI), kamp.ActorCLI},
		{kamp.WithActor(kamp.WithActor(ctx, "a"), "li.na"), "li.na"},
	}
	for i, tt := range tests {
		if got := kamp.ActorFrom(tt.ctx); got != tt.want {
			t.Errorf("%d: ActorFrom = %q, want %q", i, got, tt.want)
		}
	}
}

func TestAuditActionsAreDistinct(t *testing.T) {
	seen := map[string]bool{}
	for _, a := range kamp.AuditActions {
		if a == "" || seen[a] {
			t.Errorf("action %q is empty or listed twice", a)
		}
		seen[a] = true
	}
}

func BenchmarkAuditHash(b *testing.B) {
	e := sampleEvent()
	b.ReportAllocs()
	for b.Loop() {
		_ = kamp.AuditHash(e)
	}
}
