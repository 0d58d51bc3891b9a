package chainrun_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/chainrun"
	"github.com/kampbank/kamp/control"
	"github.com/kampbank/kamp/grouping"
	"github.com/kampbank/kamp/ingest"
	"github.com/kampbank/kamp/screen"
	"github.com/kampbank/kamp/screening"
	"github.com/kampbank/kamp/store"
	"github.com/kampbank/kamp/store/storetest"
)

// files is a small bank: group A (A and A1), clients B and C, non-clients
// S1 and S2. A earns by far the most, so it is strategic whatever the
// tiering. A1 pays S1 twice (100 and 20 USD at 7), S2 pays A 30, B pays
// S1 5, A pays A1 (internal) and a name-only supplier that is S2 written
// with a full-width bracket variant.
var files = map[string]string{
	"entities.csv": "id,name,is_client,industry,branch\n" +
		"A,甲集团,1,C,BR\nA1,甲制造,1,C36,BR\nB,乙商贸,1,F,BR\nC,丙物流,1,G,BR\nS1,供应一号,0,C,BR\nS2,客户二号(北京)有限责任公司,0,F,\n",
	"ownership.csv": "holder_id,entity_id,share_pct\nA,A1,80\n",
	"metrics.csv": "client_id,period,revenue,deposits_avg,loans_avg,fee_income\n" +
		"A,2026-01,100000,100000,100000,100000\nB,2026-01,10,10,10,10\nC,2026-01,1,1,1,1\n",
	"fx.csv": "date,currency,rate\n2026-01-01,USD,7\n",
	"payments.csv": "txn_id,date,payer_id,payer_name,payee_id,payee_name,amount,currency\n" +
		"T1,2026-01-03,A1,,S1,,100,CNY\n" +
		"T2,2026-02-03,A1,,S1,,20,USD\n" +
		"T3,2026-01-04,S2,,A,,30,CNY\n" +
		"T4,2026-01-05,B,,S1,,5,CNY\n" +
		"T5,2026-01-06,A,,A1,,999,CNY\n" +
		"T6,2026-01-07,A,,,客户二号（北京）有限公司,1,CNY\n",
}

func setup(t *testing.T, db *store.DB) context.Context {
	t.Helper()
	ctx := kamp.WithActor(context.Background(), "test")
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if res, err := ingest.Run(ctx, db, []string{dir}, ingest.Options{}); err != nil || res.ErrorCount > 0 {
		t.Fatalf("import: %v %+v", err, res.Errors)
	}
	if _, err := grouping.Recompute(ctx, db, 0, control.CN2018, nil); err != nil {
		t.Fatal(err)
	}
	return ctx
}

func TestRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := setup(t, db)
		// No list, no screening run: the tiers are computed.
		ids, source, err := chainrun.StrategicUnits(ctx, db)
		if err != nil || source != chainrun.SourceComputed || !slices.Contains(ids, "A") {
			t.Fatalf("units %v from %q: %v", ids, source, err)
		}
		var stages []string
		id, err := chainrun.Run(ctx, db, chainrun.Spec{By: "analyst"}, func(stage string, done, total int) {
			if done > total {
				t.Errorf("progress %d of %d", done, total)
			}
			if len(stages) == 0 || stages[len(stages)-1] != stage {
				stages = append(stages, stage)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{chainrun.StageLoad, chainrun.StagePayments, chainrun.StageSave, chainrun.StageDone}; !slices.Equal(stages, want) {
			t.Errorf("stages %v, want %v", stages, want)
		}
		run, err := db.ChainRun(ctx, id)
		if err != nil || run.Status != store.ChainDone || run.Payments != 6 || run.MadeBy != "analyst" || run.Units != len(ids) {
			t.Fatalf("run %+v %v", run, err)
		}
		// S2 is matched by its name's match key: the full-width brackets
		// and 有限责任公司 fold into the same key.
		uc, err := db.UnitChain(ctx, store.System, "A", 10)
		if err != nil {
			t.Fatal(err)
		}
		if uc.UpCount != 2 || uc.DownCount != 1 || uc.Upstream[0].Counterparty != "S1" || uc.Upstream[0].Amount != 240*10_000 ||
			uc.Upstream[0].Payments != 2 || uc.Upstream[0].First != "2026-01-03" || uc.Upstream[0].Last != "2026-02-03" ||
			uc.Upstream[1].Counterparty != "S2" || !uc.Upstream[1].Known || uc.Downstream[0].Amount != 30*10_000 {
			t.Errorf("A's chain %+v", uc)
		}
		ps, _, err := db.Prospects(ctx, store.System, store.ProspectFilter{})
		if err != nil || len(ps) < 2 || ps[0].Key != "S1" || ps[1].Key != "S2" || ps[1].Direction != "both" || ps[1].Amount != 31*10_000 {
			t.Errorf("prospects %+v %v", ps, err)
		}

		// A screening run takes over from the computed tiers, and a date
		// range limits the payments.
		sid, err := screening.Run(ctx, db, nil, screening.Spec{Weights: screen.DefaultWeights(), By: "analyst"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, source, err := chainrun.StrategicUnits(ctx, db); err != nil || source != chainrun.SourceScreening+":"+sid {
			t.Errorf("source %q %v", source, err)
		}
		if _, err := chainrun.Run(ctx, db, chainrun.Spec{From: "2026-01-01", To: "2026-01-31", By: "analyst"}, nil); err != nil {
			t.Fatal(err)
		}
		uc, err = db.UnitChain(ctx, store.System, "A", 10)
		if err != nil || uc.Upstream[0].Counterparty != "S1" || uc.Upstream[0].Amount != 100*10_000 || uc.Upstream[0].Payments != 1 {
			t.Errorf("January chain %+v %v", uc, err)
		}

		// Bad dates are refused before a run starts; a cancelled run is
		// recorded as failed and leaves the results in place.
		if _, err := chainrun.Run(ctx, db, chainrun.Spec{From: "2026-02-01", To: "2026-01-01"}, nil); kamp.ErrorCode(err) != kamp.EINVALID {
			t.Errorf("from after to: %v", err)
		}
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		if _, err := chainrun.Run(cctx, db, chainrun.Spec{By: "analyst"}, func(string, int, int) { cancel() }); err == nil {
			t.Error("a cancelled run succeeded")
		}
		runs, _, err := db.ChainRuns(ctx, 0, 10)
		if err != nil || len(runs) != 3 || runs[0].Status != store.ChainFailed {
			t.Errorf("runs %+v %v", runs, err)
		}
		if latest, err := db.LatestChainRun(ctx); err != nil || latest.From != "2026-01-01" {
			t.Errorf("latest %+v %v", latest, err)
		}
	})
}
