package store_test

import (
	"slices"
	"testing"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/chain"
	"github.com/kampbank/kamp/store"
	"github.com/kampbank/kamp/store/storetest"
)

// chainFixture is accessFixture with two non-clients, P1 (B101, 制造业)
// and P2 (B2, 批发零售), and payments: M1 pays P1 100 CNY, X pays P1 50,
// P2 pays X 10 USD (at 7), G pays a name known to no entity 20, M1 pays
// M2 999 (internal). The strategic units are G and X.
func chainFixture(t *testing.T, db *store.DB) map[string]kamp.User {
	t.Helper()
	users := accessFixture(t, db)
	load(t, db, func(l *store.Load) error {
		if err := l.Entities(ctx, []kamp.Entity{
			{ID: "P1", Name: "精工制造", Kind: kamp.KindCompany, Country: "CN", Branch: "B101", Industry: "制造业"},
			{ID: "P2", Name: "百货商行", Kind: kamp.KindCompany, Country: "CN", Branch: "B2", Industry: "批发零售"},
		}); err != nil {
			return err
		}
		if err := l.FXRates(ctx, []kamp.FXRate{{Date: "2026-01-01", Currency: "USD", Rate: 70_000_000_000}}); err != nil {
			return err
		}
		return l.Payments(ctx, []kamp.Payment{
			{TxnID: "T1", Date: "2026-01-05", PayerID: "M1", PayeeID: "P1", Amount: 100 * 10_000, Currency: "CNY"},
			{TxnID: "T2", Date: "2026-01-06", PayerID: "X", PayeeID: "P1", Amount: 50 * 10_000, Currency: "CNY"},
			{TxnID: "T3", Date: "2026-01-07", PayerID: "P2", PayeeID: "X", Amount: 10 * 10_000, Currency: "USD"},
			{TxnID: "T4", Date: "2026-01-08", PayerID: "G", PayeeName: "未知供应商有限责任公司", Amount: 20 * 10_000, Currency: "CNY"},
			{TxnID: "T5", Date: "2026-01-09", PayerID: "M1", PayeeID: "M2", Amount: 999 * 10_000, Currency: "CNY"},
		})
	})
	return users
}

// saveChain runs the engine over the stored data with units G and X and
// stores the run.
func saveChain(t *testing.T, db *store.DB, id string) *chain.Result {
	t.Helper()
	in, err := db.ChainData(ctx)
	if err != nil {
		t.Fatal(err)
	}
	acc, err := chain.New(chain.Input{IDs: in.IDs, Names: in.Names, IsClient: in.IsClient, Root: in.Root,
		Units: []int32{in.Index("G"), in.Index("X")}, FX: in.FX})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.EachPayment(ctx, acc.Add); err != nil {
		t.Fatal(err)
	}
	res, err := acc.Result()
	if err != nil {
		t.Fatal(err)
	}
	run := store.ChainRun{ID: id, StartedAt: db.Now(), MadeBy: "analyst", Fingerprint: "f"}
	if err := db.StartChainRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	run.FinishedAt, run.Payments, run.Units = db.Now(), 5, 2
	if err := db.SaveChainRun(ctx, run, res); err != nil {
		t.Fatal(err)
	}
	return res
}

func prospectKeys(ps []store.Prospect) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Key)
	}
	return out
}

const unknownKey = "n:未知供应商有限公司"

func TestChainData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		chainFixture(t, db)
		in, err := db.ChainData(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(in.IDs, []string{"G", "M1", "M2", "P1", "P2", "X", "Y", "Z"}) {
			t.Fatalf("ids %v", in.IDs)
		}
		g := in.Index("G")
		for _, id := range []string{"G", "M1", "M2"} {
			if in.Root[in.Index(id)] != g {
				t.Errorf("root of %s is %d, want %d", id, in.Root[in.Index(id)], g)
			}
		}
		if x := in.Index("X"); in.Root[x] != x || in.IsClient[in.Index("P1")] || !in.IsClient[x] || in.Names[x] != "星河贸易" {
			t.Errorf("X or P1 read wrong: %+v", in)
		}
		if len(in.FX) != 1 || in.Index("NOPE") != -1 {
			t.Errorf("fx %v", in.FX)
		}
	})
}

func TestChainRunProspectsAndScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		users := chainFixture(t, db)
		all := store.System
		// Before any run: nothing, and no error.
		if ps, total, err := db.Prospects(ctx, all, store.ProspectFilter{}); err != nil || total != 0 || len(ps) != 0 {
			t.Fatalf("before a run: %v %d %v", ps, total, err)
		}
		if uc, err := db.UnitChain(ctx, all, "G", 10); err != nil || uc.RunID != "" {
			t.Fatalf("before a run: %+v %v", uc, err)
		}
		saveChain(t, db, "C1")
		run, err := db.LatestChainRun(ctx)
		if err != nil || run.ID != "C1" || run.Status != store.ChainDone || run.Edges != 4 || run.Prospects != 3 || run.Units != 2 {
			t.Fatalf("run %+v %v", run, err)
		}
		ps, total, err := db.Prospects(ctx, all, store.ProspectFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"P1", "P2", unknownKey}; total != 3 || !slices.Equal(prospectKeys(ps), want) {
			t.Fatalf("prospects %v (%d), want %v", prospectKeys(ps), total, want)
		}
		p1 := ps[0]
		if p1.Amount != 150*10_000 || p1.Units != 2 || p1.Direction != "upstream" || p1.Name != "精工制造" || p1.Industry != "制造业" ||
			p1.Branch != "B101" || p1.Status != store.ProspectOpen || len(p1.LinkedUnits) != 2 || p1.LinkedUnits[0].ID != "G" || !p1.LinkedUnits[0].IsGroup {
			t.Errorf("P1 %+v", p1)
		}
		if p2 := ps[1]; p2.Amount != 70*10_000 || p2.Direction != "downstream" || p2.Payments != 1 {
			t.Errorf("P2 %+v", p2)
		}
		if u := ps[2]; u.Known || u.Name != "未知供应商有限公司" || u.Amount != 20*10_000 {
			t.Errorf("unknown %+v", u)
		}

		// Filters and sorting.
		for _, c := range []struct {
			f    store.ProspectFilter
			want []string
		}{
			{store.ProspectFilter{MinUnits: 2}, []string{"P1"}},
			{store.ProspectFilter{Industry: "批发零售"}, []string{"P2"}},
			{store.ProspectFilter{Branch: "B1"}, []string{"P1"}},
			{store.ProspectFilter{MinAmount: 70 * 10_000}, []string{"P1", "P2"}},
			{store.ProspectFilter{Direction: "downstream"}, []string{"P2"}},
			{store.ProspectFilter{Sort: "name"}, []string{unknownKey, "P2", "P1"}}, // byte order: 未 < 百 < 精
			{store.ProspectFilter{Sort: "rank", Offset: 1, Limit: 1}, []string{"P2"}},
		} {
			got, n, err := db.Prospects(ctx, all, c.f)
			if err != nil || !slices.Equal(prospectKeys(got), c.want) {
				t.Errorf("%+v: %v (%d) %v, want %v", c.f, prospectKeys(got), n, err, c.want)
			}
		}
		if _, _, err := db.Prospects(ctx, all, store.ProspectFilter{Sort: "bogus"}); kamp.ErrorCode(err) != kamp.EINVALID {
			t.Errorf("bad sort: %v", err)
		}
		if _, _, err := db.Prospects(ctx, all, store.ProspectFilter{Branch: "NOPE"}); kamp.ErrorCode(err) != kamp.EINVALID {
			t.Errorf("bad branch: %v", err)
		}

		// Need-to-know: rm1 (B1) and rm101 (B101) see group G but not X.
		viewer := func(login string) store.Viewer {
			v, err := db.ViewerFor(ctx, users[login])
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		for login, want := range map[string][]string{
			"rm1": {"P1", unknownKey}, "rm101": {"P1", unknownKey}, "rm2": {"P1", "P2", unknownKey},
			"nobody": nil, "lead": nil, "auditor": {"P1", "P2", unknownKey},
		} {
			got, n, err := db.Prospects(ctx, viewer(login), store.ProspectFilter{})
			if err != nil || n != len(want) || !slices.Equal(prospectKeys(got), want) {
				t.Errorf("%s sees %v (%d) %v, want %v", login, prospectKeys(got), n, err, want)
			}
		}
		got, _, _ := db.Prospects(ctx, viewer("rm1"), store.ProspectFilter{})
		if len(got) == 0 || len(got[0].LinkedUnits) != 1 || got[0].LinkedUnits[0].ID != "G" {
			t.Errorf("rm1 sees P1's units %+v, want G only", got)
		}
		if _, _, _, err := db.ProspectDetail(ctx, viewer("rm1"), "P2"); kamp.ErrorCode(err) != kamp.ENOTFOUND {
			t.Errorf("rm1 P2 detail: %v", err)
		}
		p, edges, hist, err := db.ProspectDetail(ctx, viewer("rm1"), "P1")
		if err != nil || p.Key != "P1" || len(edges) != 1 || edges[0].UnitID != "G" || edges[0].UnitName != "环球集团" || len(hist) != 0 {
			t.Errorf("rm1 P1 detail %+v %+v %v %v", p, edges, hist, err)
		}

		// The unit's chain.
		uc, err := db.UnitChain(ctx, viewer("rm1"), "G", 10)
		if err != nil || uc.RunID != "C1" || uc.UpCount != 2 || uc.DownCount != 0 || uc.UpAmount != 120*10_000 || len(uc.Upstream) != 2 ||
			uc.Upstream[0].Counterparty != "P1" || uc.Upstream[0].Name != "精工制造" || uc.Upstream[0].IsClient || uc.Upstream[0].Prospect() != "P1" ||
			uc.Upstream[1].Prospect() != unknownKey {
			t.Errorf("G's chain %+v %v", uc, err)
		}
		if _, err := db.UnitChain(ctx, viewer("rm1"), "X", 10); kamp.ErrorCode(err) != kamp.ENOTFOUND {
			t.Errorf("rm1 sees X's chain: %v", err)
		}
		if uc, err := db.UnitChain(ctx, all, "X", 1); err != nil || uc.UpCount != 1 || uc.DownCount != 1 || uc.Downstream[0].Amount != 70*10_000 {
			t.Errorf("X's chain %+v %v", uc, err)
		}

		inds, err := db.ProspectIndustries(ctx)
		if err != nil || !slices.Equal(inds, []string{"批发零售", "制造业"}) && !slices.Equal(inds, []string{"制造业", "批发零售"}) {
			t.Errorf("industries %v %v", inds, err)
		}
	})
}

func TestProspectWork(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		users := chainFixture(t, db)
		saveChain(t, db, "C1")
		actx := kamp.WithActor(ctx, "junior")
		// Scope first, then authority, then the assignee.
		if _, err := db.AssignProspect(actx, users["nobody"], "P1", "rm1", ""); kamp.ErrorCode(err) != kamp.ENOTFOUND {
			t.Errorf("nobody: %v", err)
		}
		if _, err := db.AssignProspect(actx, users["rm1"], "P1", "rm1", ""); kamp.ErrorCode(err) != kamp.EFORBIDDEN {
			t.Errorf("rm1: %v", err)
		}
		if _, err := db.AssignProspect(actx, users["junior"], "P1", "analyst", ""); kamp.ErrorCode(err) != kamp.EINVALID {
			t.Errorf("to an analyst: %v", err)
		}
		if _, err := db.AssignProspect(actx, users["junior"], "P1", "", ""); kamp.ErrorCode(err) != kamp.EINVALID {
			t.Errorf("to no one: %v", err)
		}
		if _, err := db.AssignProspect(actx, users["junior"], "NOPE", "rm1", ""); kamp.ErrorCode(err) != kamp.ENOTFOUND {
			t.Errorf("missing: %v", err)
		}
		// rm1 does not see P2 until it is assigned to them.
		w, err := db.AssignProspect(actx, users["junior"], "P2", "rm1", "百货商行是 X 的客户")
		if err != nil || w.Seq != 1 || w.AssigneeLogin != "rm1" || w.Status != store.ProspectAssigned {
			t.Fatalf("assign: %+v %v", w, err)
		}
		if _, err := db.AssignProspect(actx, users["junior"], "P2", "rm1", ""); kamp.ErrorCode(err) != kamp.ECONFLICT {
			t.Errorf("assigned twice: %v", err)
		}
		v1, err := db.ViewerFor(ctx, users["rm1"])
		if err != nil {
			t.Fatal(err)
		}
		mine, _, err := db.Prospects(ctx, v1, store.ProspectFilter{AssigneeID: users["rm1"].ID})
		if err != nil || !slices.Equal(prospectKeys(mine), []string{"P2"}) || mine[0].AssigneeLogin != "rm1" || mine[0].Note != "百货商行是 X 的客户" {
			t.Errorf("rm1's leads %+v %v", mine, err)
		}
		// rm1 sees the lead but none of X's edges.
		if p, edges, hist, err := db.ProspectDetail(ctx, v1, "P2"); err != nil || p.Status != store.ProspectAssigned || len(edges) != 0 || len(hist) != 1 {
			t.Errorf("rm1's lead detail %+v %v %v %v", p, edges, hist, err)
		}

		if _, err := db.DismissProspect(actx, users["junior"], "P2", "  "); kamp.ErrorCode(err) != kamp.EINVALID {
			t.Errorf("dismiss without a reason: %v", err)
		}
		if _, err := db.DismissProspect(actx, users["junior"], "P2", "已是他行核心客户"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.DismissProspect(actx, users["junior"], "P2", "again"); kamp.ErrorCode(err) != kamp.ECONFLICT {
			t.Errorf("dismissed twice: %v", err)
		}
		// Dismissed, it leaves rm1's view again.
		if _, _, _, err := db.ProspectDetail(ctx, v1, "P2"); kamp.ErrorCode(err) != kamp.ENOTFOUND {
			t.Errorf("rm1 still sees the dismissed P2: %v", err)
		}
		if _, err := db.AssignProspect(actx, users["lead"], unknownKey, "rm2", ""); kamp.ErrorCode(err) != kamp.ENOTFOUND {
			t.Errorf("lead off the team: %v", err)
		}
		if _, err := db.AssignProspect(actx, users["analyst"], unknownKey, "rm2", "名称客户"); err != nil {
			t.Fatal(err)
		}

		// The work survives a new run.
		saveChain(t, db, "C2")
		_, _, hist, err := db.ProspectDetail(ctx, store.System, "P2")
		if err != nil || len(hist) != 2 || hist[0].Status != store.ProspectDismissed || hist[0].Note != "已是他行核心客户" || hist[0].By != "junior" ||
			hist[1].Status != store.ProspectAssigned || hist[1].AssigneeLogin != "rm1" {
			t.Errorf("history %+v %v", hist, err)
		}
		for status, want := range map[string][]string{
			store.ProspectOpen: {"P1"}, store.ProspectDismissed: {"P2"}, store.ProspectAssigned: {unknownKey},
		} {
			got, _, err := db.Prospects(ctx, store.System, store.ProspectFilter{Status: status})
			if err != nil || !slices.Equal(prospectKeys(got), want) {
				t.Errorf("status %s: %v %v, want %v", status, prospectKeys(got), err, want)
			}
		}
		// Audited.
		evs, _, err := db.AuditEvents(ctx, store.AuditFilter{}, 50, 0)
		if err != nil {
			t.Fatal(err)
		}
		counts := map[string]int{}
		for _, e := range evs {
			counts[e.Action]++
		}
		if counts[store.AuditProspectAssigned] != 2 || counts[store.AuditProspectDismissed] != 1 || counts[store.AuditChainRun] != 2 {
			t.Errorf("audit %v", counts)
		}
		if n, broken, err := db.VerifyAudit(ctx); err != nil || broken != nil || n == 0 {
			t.Errorf("audit chain: %d %v %v", n, broken, err)
		}
	})
}
