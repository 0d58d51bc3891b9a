package store_test

import (
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/store"
	"github.com/kampbank/kamp/store/storetest"
)

// accessFixture is a small bank: head office HO with the strategic-client
// department SCD, branches B1 (sub-branch B101) and B2. Group G (root G,
// branch B1) holds M1 (B101) and M2 (B2); clients X (B2) and Y (no branch)
// stand alone; Z is a client of the head office itself.
var accessUnits = []kamp.OrgUnit{
	{Code: "HO", Name: "总行", Kind: kamp.UnitHeadOffice},
	{Code: "SCD", Name: "战略客户部", Kind: kamp.UnitDepartment, Parent: "HO"},
	{Code: "B1", Name: "一分行", Kind: kamp.UnitBranch, Parent: "HO"},
	{Code: "B101", Name: "一支行", Kind: kamp.UnitSubBranch, Parent: "B1"},
	{Code: "B2", Name: "二分行", Kind: kamp.UnitBranch, Parent: "HO"},
}

var accessEntities = []kamp.Entity{
	{ID: "G", Name: "环球集团", Kind: kamp.KindCompany, Country: "CN", Branch: "B1", IsClient: true},
	{ID: "M1", Name: "环球物流", Kind: kamp.KindCompany, Country: "CN", Branch: "B101", IsClient: true},
	{ID: "M2", Name: "环球能源", Kind: kamp.KindCompany, Country: "CN", Branch: "B2", IsClient: true},
	{ID: "X", Name: "星河贸易", Kind: kamp.KindCompany, Country: "CN", Branch: "B2", IsClient: true},
	{ID: "Y", Name: "远航物流", Kind: kamp.KindCompany, Country: "CN", IsClient: true},
	{ID: "Z", Name: "总行客户", Kind: kamp.KindCompany, Country: "CN", Branch: "HO", IsClient: true},
}

func accessFixture(t *testing.T, db *store.DB) map[string]kamp.User {
	t.Helper()
	if err := db.SaveOrgUnits(ctx, slices.Clone(accessUnits)); err != nil {
		t.Fatal(err)
	}
	load(t, db, func(l *store.Load) error {
		if err := l.Entities(ctx, accessEntities); err != nil {
			return err
		}
		return l.Holdings(ctx, []kamp.Holding{
			{HolderID: "G", EntityID: "M1", Share: 80_000_000},
			{HolderID: "G", EntityID: "M2", Share: 51_000_000},
		})
	})
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	run := sampleRun("R1", at)
	if err := db.StartGroupRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	members := []store.EntityGroup{
		{EntityID: "G", UltimateID: "G", GroupID: "G"},
		{EntityID: "M1", ControllerID: "G", UltimateID: "G", GroupID: "G", Depth: 1},
		{EntityID: "M2", ControllerID: "G", UltimateID: "G", GroupID: "G", Depth: 1},
	}
	groups := []store.GroupSummary{{GroupID: "G", Members: 3, Clients: 3, MaxDepth: 1}}
	if err := db.SaveGroupRun(ctx, run, members, groups); err != nil {
		t.Fatal(err)
	}
	users := map[string]kamp.User{}
	for _, u := range []kamp.User{
		{Login: "analyst", Role: kamp.RoleAnalyst, OrgUnit: "SCD", Level: kamp.LevelManager},
		{Login: "junior", Role: kamp.RoleAnalyst, OrgUnit: "SCD", Level: kamp.LevelStaff},
		{Login: "lead", Role: kamp.RoleLeadRM, OrgUnit: "SCD", Level: kamp.LevelManager},
		{Login: "rm1", Role: kamp.RoleBranchRM, OrgUnit: "B1"},
		{Login: "rm101", Role: kamp.RoleBranchRM, OrgUnit: "B101"},
		{Login: "rm2", Role: kamp.RoleBranchRM, OrgUnit: "B2"},
		{Login: "hq", Role: kamp.RoleSupport, OrgUnit: "HO"},
		{Login: "nobody", Role: kamp.RoleProduct, OrgUnit: "SCD"},
		{Login: "auditor", Role: kamp.RoleAuditor, OrgUnit: "SCD"},
	} {
		created, err := db.CreateUser(ctx, u, "a good password")
		if err != nil {
			t.Fatal(err)
		}
		users[u.Login] = created
	}
	return users
}

// expectedEntities is the need-to-know rule written out independently of
// the store: by role, subtree and team.
func expectedEntities(u kamp.User, team bool) []string {
	if kamp.BankWide(u.Role) {
		return []string{"G", "M1", "M2", "X", "Y", "Z"}
	}
	var subtree []string
	switch u.OrgUnit {
	case "HO":
		subtree = []string{"HO", "SCD", "B1", "B101", "B2"}
	case "B1":
		subtree = []string{"B1", "B101"}
	case "B101":
		subtree = []string{"B101"}
	case "B2":
		subtree = []string{"B2"}
	}
	var out []string
	for _, e := range accessEntities {
		inTeam := team && (e.ID == "G" || e.ID == "M1" || e.ID == "M2")
		if inTeam || (e.Branch != "" && slices.Contains(subtree, e.Branch)) {
			out = append(out, e.ID)
		}
	}
	return out
}

func checkScope(t *testing.T, db *store.DB, u kamp.User, team bool) {
	t.Helper()
	v, err := db.ViewerFor(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	want := expectedEntities(u, team)
	// Lists, through the SQL path (bank-wide) or the index.
	got, total, err := db.FindEntities(ctx, v, store.EntityFilter{Limit: store.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range got {
		ids = append(ids, e.ID)
	}
	if !slices.Equal(ids, want) || total != len(want) {
		t.Errorf("%s: FindEntities = %v (total %d), want %v", u.Login, ids, total, want)
	}
	// Search by part of a name: 物流 matches M1 and Y.
	got, _, err = db.FindEntities(ctx, v, store.EntityFilter{Q: "物流", Sort: "name"})
	if err != nil {
		t.Fatal(err)
	}
	ids = ids[:0]
	for _, e := range got {
		ids = append(ids, e.ID)
	}
	sort.Strings(ids)
	var wantQ []string
	for _, id := range want {
		if id == "M1" || id == "Y" {
			wantQ = append(wantQ, id)
		}
	}
	if !slices.Equal(ids, wantQ) {
		t.Errorf("%s: search 物流 = %v, want %v", u.Login, ids, wantQ)
	}
	// One by one: a forbidden entity is exactly a missing one.
	for _, e := range accessEntities {
		_, err := db.Entity(ctx, v, e.ID)
		if slices.Contains(want, e.ID) != (err == nil) {
			t.Errorf("%s: Entity(%s) = %v", u.Login, e.ID, err)
		}
		if err != nil && kamp.ErrorCode(err) != kamp.ENOTFOUND {
			t.Errorf("%s: Entity(%s) = %v, want ENOTFOUND", u.Login, e.ID, err)
		}
		if _, err := db.MetricsOf(ctx, v, e.ID); slices.Contains(want, e.ID) != (err == nil) {
			t.Errorf("%s: MetricsOf(%s) = %v", u.Login, e.ID, err)
		}
	}
	if _, err := db.Entity(ctx, v, "nope"); kamp.ErrorCode(err) != kamp.ENOTFOUND {
		t.Errorf("%s: Entity(nope) = %v", u.Login, err)
	}
	// The group: seen when a member is seen; members as the entity rule says.
	var wantMembers []string
	for _, id := range want {
		if id == "G" || id == "M1" || id == "M2" {
			wantMembers = append(wantMembers, id)
		}
	}
	_, gerr := db.Group(ctx, v, "G")
	if (len(wantMembers) > 0) != (gerr == nil) {
		t.Errorf("%s: Group(G) = %v, want members %v", u.Login, gerr, wantMembers)
	}
	groups, gtotal, err := db.Groups(ctx, v, store.GroupFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if (len(groups) == 1) != (len(wantMembers) > 0) || gtotal != len(groups) {
		t.Errorf("%s: Groups = %d (total %d), want members %v", u.Login, len(groups), gtotal, wantMembers)
	}
	members, mtotal, err := db.GroupMembers(ctx, v, "G", 0, -1)
	if len(wantMembers) == 0 {
		if kamp.ErrorCode(err) != kamp.ENOTFOUND {
			t.Errorf("%s: GroupMembers(G) = %v, want ENOTFOUND", u.Login, err)
		}
	} else {
		if err != nil {
			t.Fatal(err)
		}
		var mids []string
		for _, m := range members {
			mids = append(mids, m.EntityID)
		}
		sort.Strings(mids)
		if !slices.Equal(mids, wantMembers) || mtotal != len(wantMembers) {
			t.Errorf("%s: GroupMembers(G) = %v (total %d), want %v", u.Login, mids, mtotal, wantMembers)
		}
		hs, err := db.GroupHoldings(ctx, v, "G")
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hs {
			if !slices.Contains(wantMembers, h.HolderID) || !slices.Contains(wantMembers, h.EntityID) {
				t.Errorf("%s: GroupHoldings shows %s→%s", u.Login, h.HolderID, h.EntityID)
			}
		}
	}
	st, err := db.Stats(ctx, v)
	if err != nil {
		t.Fatal(err)
	}
	if st.Entities != int64(len(want)) {
		t.Errorf("%s: Stats.Entities = %d, want %d", u.Login, st.Entities, len(want))
	}
}

func TestAccessRule(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		users := accessFixture(t, db)
		for _, u := range users {
			checkScope(t, db, u, false)
		}
		if v, _ := db.ViewerFor(ctx, kamp.User{Role: kamp.RoleBranchRM, OrgUnit: "B1", Disabled: true}); v.All() {
			t.Error("a disabled person sees everything")
		}
		var zero store.Viewer
		if got, _, err := db.FindEntities(ctx, zero, store.EntityFilter{}); err != nil || len(got) != 0 {
			t.Errorf("the zero viewer sees %d entities (%v)", len(got), err)
		}

		// The lead joins G's team by maker-checker; then they see the whole
		// group, and rm2 still only M2 of it.
		ctx := kamp.WithActor(ctx, "analyst")
		if _, err := db.ProposeTeamChange(ctx, users["lead"], "X", store.TeamAdd, "lead", "wants X"); kamp.ErrorCode(err) != kamp.ENOTFOUND {
			t.Errorf("the lead proposed on a unit they cannot see: %v", err)
		}
		if _, err := db.ProposeTeamChange(ctx, users["rm1"], "G", store.TeamAdd, "lead", "x"); kamp.ErrorCode(err) != kamp.EFORBIDDEN {
			t.Errorf("a branch RM proposed a team change: %v", err)
		}
		if _, err := db.ProposeTeamChange(ctx, users["analyst"], "G", store.TeamAdd, "lead", " "); kamp.ErrorCode(err) != kamp.EINVALID {
			t.Errorf("a proposal without a reason: %v", err)
		}
		if _, err := db.ProposeTeamChange(ctx, users["analyst"], "G", store.TeamAdd, "auditor", "x"); kamp.ErrorCode(err) != kamp.EINVALID {
			t.Errorf("an auditor proposed for a team: %v", err)
		}
		cr, err := db.ProposeTeamChange(ctx, users["analyst"], "G", store.TeamAdd, "lead", "new lead for 环球")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ProposeTeamChange(ctx, users["junior"], "G", store.TeamAdd, "lead", "again"); kamp.ErrorCode(err) != kamp.ECONFLICT {
			t.Errorf("a second pending request for the same person: %v", err)
		}
		checkScope(t, db, users["lead"], false) // not yet approved
		if _, err := db.DecideRequest(ctx, users["analyst"], cr.ID, true, ""); kamp.ErrorCode(err) != kamp.EFORBIDDEN {
			t.Errorf("the maker approved their own request: %v", err)
		}
		if _, err := db.DecideRequest(ctx, users["junior"], cr.ID, true, ""); kamp.ErrorCode(err) != kamp.EFORBIDDEN {
			t.Errorf("a level-1 analyst approved: %v", err)
		}
		if _, err := db.DecideRequest(ctx, users["rm1"], cr.ID, true, ""); kamp.ErrorCode(err) != kamp.EFORBIDDEN {
			t.Errorf("a branch RM approved: %v", err)
		}
		if _, err := db.DecideRequest(ctx, users["lead"], cr.ID, true, ""); kamp.ErrorCode(err) != kamp.ENOTFOUND {
			t.Errorf("the lead approved a request on a unit they cannot see: %v", err)
		}
		pending, _, err := db.ChangeRequests(ctx, store.System, kamp.RequestPending, "", 0, 0)
		if err != nil || len(pending) != 1 || pending[0].ID != cr.ID {
			t.Fatalf("pending requests = %v, %v", pending, err)
		}
		v2, _ := db.ViewerFor(ctx, users["rm2"])
		if got, _, err := db.ChangeRequests(ctx, v2, "", "", 0, 0); err != nil || len(got) != 1 {
			t.Errorf("rm2 (sees a member of G) sees %d requests (%v)", len(got), err)
		}
		vx, _ := db.ViewerFor(ctx, users["nobody"])
		if got, _, err := db.ChangeRequests(ctx, vx, "", "", 0, 0); err != nil || len(got) != 0 {
			t.Errorf("nobody sees %d requests (%v)", len(got), err)
		}
		ctx2 := kamp.WithActor(ctx, "auditor")
		if _, err := db.DecideRequest(ctx2, users["auditor"], cr.ID, true, ""); kamp.ErrorCode(err) != kamp.EFORBIDDEN {
			t.Errorf("an auditor approved: %v", err)
		}
		approver, err := db.CreateUser(ctx, kamp.User{Login: "boss", Role: kamp.RoleAdmin, OrgUnit: "HO", Level: kamp.LevelExecutive}, "a good password")
		if err != nil {
			t.Fatal(err)
		}
		done, err := db.DecideRequest(ctx, approver, cr.ID, true, "ok")
		if err != nil || done.Status != kamp.RequestApproved || done.DecidedBy != "boss" {
			t.Fatalf("approve: %+v, %v", done, err)
		}
		if _, err := db.DecideRequest(ctx, approver, cr.ID, false, "late"); kamp.ErrorCode(err) != kamp.ECONFLICT {
			t.Errorf("deciding twice: %v", err)
		}
		checkScope(t, db, users["lead"], true)
		checkScope(t, db, users["rm2"], false)
		mine, err := db.MyTeams(ctx, users["lead"])
		if err != nil || len(mine) != 1 || mine[0].UnitID != "G" || mine[0].Role != kamp.RoleLeadRM || mine[0].Name != "环球集团" || mine[0].Lead == "" {
			t.Errorf("MyTeams(lead) = %+v, %v", mine, err)
		}

		// Removal: rejected first (a note is required), then approved; the
		// history keeps the spell.
		rm, err := db.ProposeTeamChange(ctx, users["analyst"], "G", store.TeamRemove, "lead", "rotation")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.DecideRequest(ctx, approver, rm.ID, false, ""); kamp.ErrorCode(err) != kamp.EINVALID {
			t.Errorf("a rejection without a note: %v", err)
		}
		if _, err := db.DecideRequest(ctx, approver, rm.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		checkScope(t, db, users["lead"], false)
		hist, err := db.Team(ctx, store.System, "G", true)
		if err != nil || len(hist) != 1 || hist[0].Until == "" || hist[0].RemovedBy != "boss" || hist[0].AddedBy != "boss" {
			t.Errorf("team history = %+v, %v", hist, err)
		}
		cur, err := db.Team(ctx, store.System, "G", false)
		if err != nil || len(cur) != 0 {
			t.Errorf("current team = %+v, %v", cur, err)
		}
		// Every step is in the audit trail, and the chain holds.
		events, _, err := db.AuditEvents(ctx, store.AuditFilter{}, 100, 0)
		if err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		for _, e := range events {
			count[e.Action]++
		}
		if count[kamp.AuditRequestMade] != 2 || count[kamp.AuditRequestApproved] != 2 || count[kamp.AuditTeamChanged] != 2 || count[kamp.AuditOrgChanged] != 1 {
			t.Errorf("audit actions: %v", count)
		}
		if _, broken, err := db.VerifyAudit(ctx); err != nil || broken != nil {
			t.Errorf("VerifyAudit: %v %v", broken, err)
		}
	})
}

func TestOrgUnitsEdit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if err := db.SaveOrgUnits(ctx, slices.Clone(accessUnits)); err != nil {
			t.Fatal(err)
		}
		for _, bad := range [][]kamp.OrgUnit{
			{{Code: "B3", Name: "三分行", Kind: kamp.UnitBranch, Parent: "B1"}},
			{{Code: "B3", Name: "三分行", Kind: kamp.UnitBranch, Parent: "nope"}},
			{{Code: "HO2", Name: "另一总行", Kind: kamp.UnitHeadOffice}},
			{{Code: "B 3", Name: "x", Kind: kamp.UnitBranch, Parent: "HO"}},
			{{Code: "B3", Name: "", Kind: kamp.UnitBranch, Parent: "HO"}},
			{{Code: "D1", Name: "d", Kind: kamp.UnitDepartment, Parent: "D2"}, {Code: "D2", Name: "d", Kind: kamp.UnitDepartment, Parent: "D1"}},
		} {
			if err := db.SaveOrgUnits(ctx, bad); kamp.ErrorCode(err) != kamp.EINVALID {
				t.Errorf("SaveOrgUnits(%v) = %v, want EINVALID", bad, err)
			}
		}
		// Move B101 under B2 and rename it.
		if err := db.SaveOrgUnits(ctx, []kamp.OrgUnit{{Code: "B101", Name: "二支行", Kind: kamp.UnitSubBranch, Parent: "B2"}}); err != nil {
			t.Fatal(err)
		}
		units, err := db.OrgUnits(ctx)
		if err != nil || len(units) != len(accessUnits) {
			t.Fatalf("OrgUnits = %v, %v", units, err)
		}
		if i := slices.IndexFunc(units, func(u kamp.OrgUnit) bool { return u.Code == "B101" }); units[i].Parent != "B2" || units[i].Name != "二支行" {
			t.Errorf("B101 = %+v", units[i])
		}
		if err := db.DeleteOrgUnit(ctx, "B2"); kamp.ErrorCode(err) != kamp.ECONFLICT {
			t.Errorf("deleting a unit with children: %v", err)
		}
		if _, err := db.CreateUser(ctx, kamp.User{Login: "x", Role: kamp.RoleBranchRM, OrgUnit: "B101"}, "a good password"); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteOrgUnit(ctx, "B101"); kamp.ErrorCode(err) != kamp.ECONFLICT {
			t.Errorf("deleting a unit with staff: %v", err)
		}
		u, _ := db.UserByLogin(ctx, "x")
		u.OrgUnit = "B1"
		if _, err := db.UpdateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteOrgUnit(ctx, "B101"); err != nil {
			t.Errorf("deleting an empty leaf: %v", err)
		}
		u.OrgUnit = "B101"
		if _, err := db.UpdateUser(ctx, u); kamp.ErrorCode(err) != kamp.EINVALID {
			t.Errorf("moving a person to a deleted unit: %v", err)
		}
		// Disabling a person ends their sessions and revokes their tokens.
		u.OrgUnit = "B1"
		tok, err := db.CreateAPIToken(ctx, u.ID, "bot")
		if err != nil {
			t.Fatal(err)
		}
		sess, err := db.CreateSession(ctx, u.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		u.Disabled = true
		if _, err := db.UpdateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if _, err := db.APITokenUser(ctx, tok); err == nil {
			t.Error("a disabled person's token still works")
		}
		if _, _, err := db.SessionUser(ctx, sess.Token); err == nil {
			t.Error("a disabled person's session still works")
		}
	})
}

// TestChangeRequestsPaging checks that the change requests page through
// offsets without loss or repetition, the access rule applied before the
// offset, and that more says whether a page follows.
func TestChangeRequestsPaging(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		users := accessFixture(t, db)
		ctx := kamp.WithActor(ctx, "analyst")
		n := 0
		for _, unit := range []string{"G", "X", "Y", "Z"} {
			for _, login := range []string{"lead", "rm1", "rm101", "rm2", "hq"} {
				if _, err := db.ProposeTeamChange(ctx, users["analyst"], unit, store.TeamAdd, login, "cover "+unit); err != nil {
					t.Fatalf("%s on %s: %v", login, unit, err)
				}
				n++
			}
		}
		rm2, err := db.ViewerFor(ctx, users["rm2"])
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name     string
			v        store.Viewer
			subjects []string
		}{{"system", store.System, []string{"G", "X", "Y", "Z"}}, {"rm2", rm2, []string{"G", "X"}}} {
			all, more, err := db.ChangeRequests(ctx, c.v, kamp.RequestPending, "", 0, store.MaxLimit)
			if err != nil || more {
				t.Fatalf("%s: all: %v (more %v)", c.name, err, more)
			}
			if want := n * len(c.subjects) / 4; len(all) != want {
				t.Fatalf("%s: %d requests, want %d", c.name, len(all), want)
			}
			for i, cr := range all {
				if !slices.Contains(c.subjects, cr.Subject) {
					t.Errorf("%s: sees a request on %s", c.name, cr.Subject)
				}
				if i > 0 && cr.MadeAt.After(all[i-1].MadeAt) {
					t.Errorf("%s: request %d is newer than the one before it", c.name, i)
				}
			}
			var paged []kamp.ChangeRequest
			for offset := 0; ; {
				page, more, err := db.ChangeRequests(ctx, c.v, kamp.RequestPending, "", offset, 3)
				if err != nil {
					t.Fatal(err)
				}
				paged = append(paged, page...)
				offset += len(page)
				if more != (offset < len(all)) || len(page) == 0 && more {
					t.Fatalf("%s: at offset %d of %d, more = %v", c.name, offset, len(all), more)
				}
				if !more {
					break
				}
			}
			if len(paged) != len(all) {
				t.Fatalf("%s: paged %d requests, want %d", c.name, len(paged), len(all))
			}
			for i := range all {
				if paged[i].ID != all[i].ID {
					t.Fatalf("%s: request %d is %s paged, %s at once", c.name, i, paged[i].ID, all[i].ID)
				}
			}
		}
	})
}

// TestChangeRequestID checks that a proposal takes the id of its context,
// and that a second proposal with that id is refused as a conflict.
func TestChangeRequestID(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		users := accessFixture(t, db)
		ctx := store.WithChangeRequestID(kamp.WithActor(ctx, "analyst"), "q-fixed")
		cr, err := db.ProposeTeamChange(ctx, users["analyst"], "G", store.TeamAdd, "lead", "cover G")
		if err != nil || cr.ID != "q-fixed" {
			t.Fatalf("first proposal: %+v, %v", cr, err)
		}
		if got, err := db.ChangeRequest(ctx, store.System, "q-fixed"); err != nil || got.Subject != "G" {
			t.Fatalf("stored: %+v, %v", got, err)
		}
		if _, err := db.ProposeTeamChange(ctx, users["analyst"], "X", store.TeamAdd, "lead", "cover X"); kamp.ErrorCode(err) != kamp.ECONFLICT {
			t.Errorf("a second proposal with the same id: %v, want ECONFLICT", err)
		}
	})
}
