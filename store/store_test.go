package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/store"
	"github.com/kampbank/kamp/store/storetest"
)

var ctx = context.Background()

func sampleEntities() []kamp.Entity {
	return []kamp.Entity{
		{ID: "E1", Name: "华信科技（北京）有限公司", Kind: kamp.KindCompany, USCC: "91110000100000000A", Country: "CN", Industry: "C36", Branch: "BJ", IsClient: true},
		{ID: "E2", Name: "宏达物流有限公司", Kind: kamp.KindCompany, Country: "CN", Branch: "SH", IsClient: true},
		{ID: "P1", Name: "张伟", Kind: kamp.KindPerson, Country: "CN", IsClient: false},
		{ID: "F1", Name: "Acme_Holdings 100% Ltd", Kind: kamp.KindCompany, LEI: "5493001KJTIIGC8Y1R12", Country: "HK", IsClient: true},
	}
}

func load(t *testing.T, db *store.DB, fn func(l *store.Load) error) {
	t.Helper()
	b := kamp.ImportBatch{ID: store.NewID(), StartedAt: time.Now(), FinishedAt: time.Now(), Status: kamp.ImportLoaded, By: "test"}
	if err := db.StartImport(ctx, b, false); err != nil {
		t.Fatal(err)
	}
	l, err := db.BeginLoad(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := fn(l); err != nil {
		l.Rollback(ctx)
		t.Fatal(err)
	}
	if err := l.Commit(ctx, b, nil); err != nil {
		t.Fatal(err)
	}
}

func TestMigrateTwice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
	})
}

func TestEntitiesRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		load(t, db, func(l *store.Load) error { return l.Entities(ctx, sampleEntities()) })
		got, err := db.Entity(ctx, store.System, "E1")
		if err != nil {
			t.Fatal(err)
		}
		if got != sampleEntities()[0] {
			t.Errorf("Entity(E1) = %+v, want %+v", got, sampleEntities()[0])
		}
		if _, err := db.Entity(ctx, store.System, "nope"); kamp.ErrorCode(err) != kamp.ENOTFOUND {
			t.Errorf("missing entity: got %v, want ENOTFOUND", err)
		}
		tru := true
		cases := []struct {
			name string
			f    store.EntityFilter
			want []string
			tot  int
		}{
			{"all", store.EntityFilter{}, []string{"E1", "E2", "F1", "P1"}, 4},
			{"by name part", store.EntityFilter{Q: "物流"}, []string{"E2"}, 1},
			{"by uscc", store.EntityFilter{Q: "91110000100000000A"}, []string{"E1"}, 1},
			{"by lei lower case", store.EntityFilter{Q: "5493001kjtiigc8y1r12"}, []string{"F1"}, 1},
			{"like wildcards are literal", store.EntityFilter{Q: "100%"}, []string{"F1"}, 1},
			{"underscore literal", store.EntityFilter{Q: "x_H"}, nil, 0},
			{"case-insensitive name", store.EntityFilter{Q: "acme_hold"}, []string{"F1"}, 1},
			{"clients", store.EntityFilter{IsClient: &tru}, []string{"E1", "E2", "F1"}, 3},
			{"kind", store.EntityFilter{Kind: "person"}, []string{"P1"}, 1},
			{"branch", store.EntityFilter{Branch: "SH"}, []string{"E2"}, 1},
			{"country", store.EntityFilter{Country: "hk"}, []string{"F1"}, 1},
			{"paged", store.EntityFilter{Limit: 2, Offset: 1}, []string{"E2", "F1"}, 4},
			{"cursor", store.EntityFilter{After: "E2", Limit: 1}, []string{"F1"}, 4},
			{"desc", store.EntityFilter{Sort: "-id", Limit: 2}, []string{"P1", "F1"}, 4},
		}
		for _, c := range cases {
			es, total, err := db.FindEntities(ctx, store.System, c.f)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			var ids []string
			for _, e := range es {
				ids = append(ids, e.ID)
			}
			if total != c.tot || len(ids) != len(c.want) {
				t.Errorf("%s: got %v (total %d), want %v (total %d)", c.name, ids, total, c.want, c.tot)
				continue
			}
			for i := range ids {
				if ids[i] != c.want[i] {
					t.Errorf("%s: got %v, want %v", c.name, ids, c.want)
					break
				}
			}
		}
		if _, _, err := db.FindEntities(ctx, store.System, store.EntityFilter{Limit: 1001}); kamp.ErrorCode(err) != kamp.EINVALID {
			t.Errorf("limit 1001: got %v, want EINVALID", err)
		}
		if _, _, err := db.FindEntities(ctx, store.System, store.EntityFilter{Sort: "x; DROP TABLE"}); kamp.ErrorCode(err) != kamp.EINVALID {
			t.Errorf("bad sort: got %v, want EINVALID", err)
		}
	})
}

func TestUpsertAndFacts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		load(t, db, func(l *store.Load) error {
			if err := l.Entities(ctx, sampleEntities()); err != nil {
				return err
			}
			if err := l.Holdings(ctx, []kamp.Holding{
				{HolderID: "P1", EntityID: "E1", Share: 60_000_000, AsOf: "2026-01-01"},
				{HolderID: "E1", EntityID: "E2", Agreement: true},
			}); err != nil {
				return err
			}
			if err := l.FXRates(ctx, []kamp.FXRate{{Date: "2026-10-30", Currency: "USD", Rate: 71234000000}}); err != nil {
				return err
			}
			if err := l.Exposures(ctx, []kamp.Exposure{{FacilityID: "F-1", ClientID: "E1", Product: "loan", Currency: "CNY", Amount: 12345678901234}}); err != nil {
				return err
			}
			if err := l.Payments(ctx, []kamp.Payment{{TxnID: "T1", Date: "2026-05-01", PayerID: "E1", PayeeName: "某某有限公司", Amount: 10000, Currency: "CNY"}}); err != nil {
				return err
			}
			return l.Metrics(ctx, []kamp.Metric{{ClientID: "E1", Period: "2026-10", Currency: "CNY",
				Revenue: kamp.NullAmount{Amount: -5, Valid: true}, DepositsAvg: kamp.NullAmount{Amount: 9_000_000_000_000_000, Valid: true},
				Custom: map[string]kamp.Amount{"intl_settlement": 42}}})
		})
		// A changed file upserts by key.
		changed := sampleEntities()[:1]
		changed[0].Name = "华信科技集团有限公司"
		load(t, db, func(l *store.Load) error { return l.Entities(ctx, changed) })
		e, err := db.Entity(ctx, store.System, "E1")
		if err != nil || e.Name != "华信科技集团有限公司" {
			t.Fatalf("after upsert: %+v, %v", e, err)
		}
		holders, err := db.HoldersOf(ctx, store.System, "E1")
		if err != nil || len(holders) != 1 || holders[0].HolderName != "张伟" || holders[0].Share != 60_000_000 {
			t.Errorf("HoldersOf(E1) = %+v, %v", holders, err)
		}
		holdings, err := db.HoldingsOf(ctx, store.System, "E1")
		if err != nil || len(holdings) != 1 || !holdings[0].Agreement || holdings[0].Share != 0 {
			t.Errorf("HoldingsOf(E1) = %+v, %v", holdings, err)
		}
		ms, err := db.MetricsOf(ctx, store.System, "E1")
		if err != nil || len(ms) != 1 {
			t.Fatalf("MetricsOf = %+v, %v", ms, err)
		}
		m := ms[0]
		if m.Revenue != (kamp.NullAmount{Amount: -5, Valid: true}) || m.LoansAvg.Valid || m.DepositsAvg.Amount != 9_000_000_000_000_000 || m.Custom["intl_settlement"] != 42 {
			t.Errorf("metric = %+v", m)
		}
		xs, err := db.ExposuresOf(ctx, store.System, "E1")
		if err != nil || len(xs) != 1 || xs[0].Amount != 12345678901234 {
			t.Errorf("ExposuresOf = %+v, %v", xs, err)
		}
		st, err := db.Stats(ctx, store.System)
		if err != nil {
			t.Fatal(err)
		}
		if st.Entities != 4 || st.Clients != 3 || st.Holdings != 2 || st.Metrics != 1 || st.Payments != 1 || st.FXRates != 1 || st.LatestPeriod != "2026-10" || st.LastImport.IsZero() {
			t.Errorf("Stats = %+v", st)
		}
		fx, err := db.FXRates(ctx)
		if err != nil || len(fx) != 1 || fx[0].Rate != 71234000000 {
			t.Errorf("FXRates = %+v, %v", fx, err)
		}
	})
}

func TestLoadRollbackLeavesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		l, err := db.BeginLoad(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Entities(ctx, sampleEntities()); err != nil {
			t.Fatal(err)
		}
		l.Rollback(ctx)
		st, err := db.Stats(ctx, store.System)
		if err != nil || st.Entities != 0 {
			t.Errorf("after rollback: %+v, %v", st, err)
		}
	})
}

func TestImportRecords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		start := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
		b := kamp.ImportBatch{ID: "B1", StartedAt: start, By: "cli"}
		if err := db.StartImport(ctx, b, false); err != nil {
			t.Fatal(err)
		}
		if err := db.StartImport(ctx, b, false); kamp.ErrorCode(err) != kamp.ECONFLICT {
			t.Errorf("duplicate batch: %v", err)
		}
		b.Status, b.FinishedAt = kamp.ImportRejected, start.Add(time.Second)
		b.Files = []kamp.ImportFile{{Name: "entities.csv", Kind: "entities", SHA256: "abc", Rows: 3, Rejected: 1}}
		errs := []kamp.RowError{{File: "entities.csv", Line: 3, Column: "uscc", Value: "X", Reason: "bad"}}
		if err := db.FinishImport(ctx, b, errs); err != nil {
			t.Fatal(err)
		}
		got, err := db.ImportBatch(ctx, "B1")
		if err != nil || got.Status != kamp.ImportRejected || len(got.Files) != 1 || got.Files[0].Rejected != 1 || !got.StartedAt.Equal(start) {
			t.Errorf("ImportBatch = %+v, %v", got, err)
		}
		re, n, err := db.ImportErrors(ctx, "B1", 10, 0)
		if err != nil || n != 1 || re[0] != errs[0] {
			t.Errorf("ImportErrors = %+v %d %v", re, n, err)
		}
		list, total, err := db.Imports(ctx, 10, 0)
		if err != nil || total != 1 || len(list) != 1 || list[0].Files[0].Name != "entities.csv" {
			t.Errorf("Imports = %+v %d %v", list, total, err)
		}
		if ok, err := db.LoadedFile(ctx, "entities", "abc"); err != nil || ok {
			t.Errorf("a rejected file counts as loaded: %v %v", ok, err)
		}
		// A batch left running by a killed process is marked failed.
		if err := db.StartImport(ctx, kamp.ImportBatch{ID: "B2", StartedAt: start, By: "cli"}, false); err != nil {
			t.Fatal(err)
		}
		if err := db.FailRunningImports(ctx); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.ImportBatch(ctx, "B2"); got.Status != kamp.ImportFailed {
			t.Errorf("running batch after FailRunningImports: %s", got.Status)
		}
	})
}

func TestUsersSessionsTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		u, err := db.CreateUser(ctx, kamp.User{Login: "li.na", Role: kamp.RoleAnalyst}, "correct horse")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateUser(ctx, kamp.User{Login: "li.na", Role: kamp.RoleAnalyst}, "correct horse"); kamp.ErrorCode(err) != kamp.ECONFLICT {
			t.Errorf("duplicate login: %v", err)
		}
		if _, err := db.CreateUser(ctx, kamp.User{Login: "x", Role: "king"}, "correct horse"); kamp.ErrorCode(err) != kamp.EINVALID {
			t.Errorf("bad role: %v", err)
		}
		if _, err := db.Authenticate(ctx, "li.na", "wrong password"); kamp.ErrorCode(err) != kamp.EUNAUTHORIZED {
			t.Errorf("wrong password: %v", err)
		}
		_, errUnknown := db.Authenticate(ctx, "nobody", "correct horse")
		_, errWrong := db.Authenticate(ctx, "li.na", "wrong password")
		if kamp.ErrorMessage(errUnknown) != kamp.ErrorMessage(errWrong) {
			t.Errorf("unknown login and wrong password answer differently: %q vs %q", errUnknown, errWrong)
		}
		got, err := db.Authenticate(ctx, "li.na", "correct horse")
		if err != nil || got.ID != u.ID {
			t.Fatalf("Authenticate = %+v, %v", got, err)
		}
		s, err := db.CreateSession(ctx, u.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		su, ss, err := db.SessionUser(ctx, s.Token)
		if err != nil || su.Login != "li.na" || ss.CSRF != s.CSRF {
			t.Fatalf("SessionUser = %+v %+v %v", su, ss, err)
		}
		now = now.Add(2 * time.Hour)
		if _, _, err := db.SessionUser(ctx, s.Token); kamp.ErrorCode(err) != kamp.EUNAUTHORIZED {
			t.Errorf("expired session: %v", err)
		}
		if err := db.DeleteSession(ctx, s.Token); err != nil {
			t.Fatal(err)
		}
		tok, err := db.CreateAPIToken(ctx, u.ID, "warehouse")
		if err != nil {
			t.Fatal(err)
		}
		if tu, err := db.APITokenUser(ctx, tok); err != nil || tu.ID != u.ID {
			t.Errorf("APITokenUser = %+v %v", tu, err)
		}
		if err := db.RevokeAPIToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		if _, err := db.APITokenUser(ctx, tok); kamp.ErrorCode(err) != kamp.EUNAUTHORIZED {
			t.Errorf("revoked token: %v", err)
		}
		if err := db.SetUserLang(ctx, u.ID, "en"); err != nil {
			t.Fatal(err)
		}
		if err := db.SetPassword(ctx, "li.na", "new password!"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Authenticate(ctx, "li.na", "new password!"); err != nil {
			t.Errorf("after SetPassword: %v", err)
		}
	})
}

func TestTransactRollsBackOnError(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		err := db.Transact(ctx, func(tx *store.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO users (id, login, name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
				"u1", "a", "a", "admin", "x", time.Now().UTC()); err != nil {
				return err
			}
			return kamp.Errorf(kamp.EINVALID, "stop")
		})
		if kamp.ErrorCode(err) != kamp.EINVALID {
			t.Fatalf("Transact error = %v", err)
		}
		if n, _ := db.CountUsers(ctx); n != 0 {
			t.Errorf("rolled-back insert is visible: %d users", n)
		}
	})
}

func TestLoginLockout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		if _, err := db.CreateUser(ctx, kamp.User{Login: "wang", Role: kamp.RoleBranchRM}, "right password"); err != nil {
			t.Fatal(err)
		}
		for _, login := range []string{"wang", "nobody"} {
			for i := 1; i < store.MaxLoginFailures; i++ {
				if _, err := db.Authenticate(ctx, login, "wrong"); kamp.ErrorCode(err) != kamp.EUNAUTHORIZED {
					t.Fatalf("%s failure %d: %v", login, i, err)
				}
			}
			// The last allowed failure locks the login, known or not.
			if _, err := db.Authenticate(ctx, login, "wrong"); kamp.ErrorCode(err) != kamp.EUNAUTHORIZED {
				t.Fatalf("%s: last failure: %v", login, err)
			}
			if _, err := db.Authenticate(ctx, login, "right password"); kamp.ErrorCode(err) != kamp.EFORBIDDEN {
				t.Errorf("%s: locked login answered %v, want EFORBIDDEN", login, err)
			}
		}
		if err := db.UnlockLogin(ctx, "nobody"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Authenticate(ctx, "nobody", "wrong"); kamp.ErrorCode(err) != kamp.EUNAUTHORIZED {
			t.Errorf("after UnlockLogin: %v, want EUNAUTHORIZED", err)
		}
		now = now.Add(store.LoginLockout + time.Second)
		if _, err := db.Authenticate(ctx, "wang", "right password"); err != nil {
			t.Fatalf("after the lockout: %v", err)
		}
		// A success clears the count: four more failures do not lock.
		for i := 1; i < store.MaxLoginFailures; i++ {
			db.Authenticate(ctx, "wang", "wrong")
		}
		if _, err := db.Authenticate(ctx, "wang", "right password"); err != nil {
			t.Errorf("four failures after a success locked the login: %v", err)
		}
	})
}
