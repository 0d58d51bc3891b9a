package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/control"
	"github.com/kampbank/kamp/grouping"
	"github.com/kampbank/kamp/store"
)

// settingsRoles may open the settings page and API.
var settingsRoles = kamp.ActionRoles(kamp.ActSettings)

// regimeNames are the large-exposure regimes the settings offer.
var regimeNames = []string{control.CN2018.Name, control.BaselLEX.Name}

// settingsView is the bank's settings as the page and the API show them:
// the value stored in the app, the server's own (environment or flags),
// and the one in effect.
type settingsView struct {
	Tier1Setting   string // the stored tier-1 capital in yuan, "" when not set
	Tier1Server    kamp.Amount
	Tier1          kamp.Amount // in effect: the setting, else the server's
	RegimeSetting  string
	RegimeServer   string
	Regime         string
	LatestRunTier1 kamp.Amount // what the stored group figures were computed with
	LatestRegime   string
}

func (s *Server) settingsView(ctx context.Context) (settingsView, error) {
	var v settingsView
	var err error
	if v.Tier1Setting, err = s.db.Setting(ctx, store.SettingTier1); err != nil {
		return v, err
	}
	if v.RegimeSetting, err = s.db.Setting(ctx, store.SettingRegime); err != nil {
		return v, err
	}
	v.Tier1Server, v.RegimeServer = s.cfg.Tier1, s.cfg.Regime.Name
	tier1, regime, err := grouping.Limits(ctx, s.db, s.cfg.Tier1, s.cfg.Regime)
	if err != nil {
		return v, err
	}
	v.Tier1, v.Regime = tier1, regime.Name
	run := s.runLimits(ctx)
	v.LatestRunTier1, v.LatestRegime = run.Tier1, run.Regime
	return v, nil
}

// settingsForm is the values and error of the settings form.
type settingsForm struct {
	Tier1  string
	Regime string
	Error  string
}

// settingsPage is the data of GET /settings.
type settingsPage struct {
	View    settingsView
	Form    settingsForm
	Regimes []string
	Saved   bool
}

// handleSettings serves GET /settings.
func (s *Server) handleSettings(w http.ResponseWriter, r *http.Request, a *auth) error {
	v, err := s.settingsView(r.Context())
	if err != nil {
		return err
	}
	f := settingsForm{Tier1: v.Tier1Setting, Regime: v.RegimeSetting}
	return s.renderPage(w, r, a, http.StatusOK, "settings", settingsPage{View: v, Form: f, Regimes: regimeNames, Saved: r.URL.Query().Get("saved") != ""})
}

// saveSettings checks and stores the tier-1 capital (yuan, "" to unset)
// and the regime ("" to unset), and starts a group run when either
// changed, so that the limits apply at once.
func (s *Server) saveSettings(ctx context.Context, tier1, regime string) error {
	tier1, regime = strings.TrimSpace(tier1), strings.TrimSpace(regime)
	if _, err := grouping.ParseTier1(tier1); err != nil {
		return kamp.Errorf(kamp.EINVALID, "settings.err.tier1")
	}
	if regime != "" && !containsString(regimeNames, regime) {
		return kamp.Errorf(kamp.EINVALID, "settings.err.regime")
	}
	before, err := s.settingsView(ctx)
	if err != nil {
		return err
	}
	if err := s.db.SetSetting(ctx, store.SettingTier1, tier1); err != nil {
		return err
	}
	if err := s.db.SetSetting(ctx, store.SettingRegime, regime); err != nil {
		return err
	}
	after, err := s.settingsView(ctx)
	if err != nil {
		return err
	}
	if after.Tier1 != before.Tier1 || after.Regime != before.Regime {
		s.RecomputeGroups()
	}
	return nil
}

// handleSettingsSave serves POST /settings.
func (s *Server) handleSettingsSave(w http.ResponseWriter, r *http.Request, a *auth) error {
	f := settingsForm{Tier1: r.PostForm.Get("tier1"), Regime: r.PostForm.Get("regime")}
	err := s.saveSettings(r.Context(), f.Tier1, f.Regime)
	if formFailure(err) {
		v, verr := s.settingsView(r.Context())
		if verr != nil {
			return verr
		}
		f.Error = formMessage(a.Lang, err)
		return s.renderPage(w, r, a, http.StatusBadRequest, "settings", settingsPage{View: v, Form: f, Regimes: regimeNames})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/settings?saved=1", http.StatusSeeOther)
	return nil
}

// apiSettings is the settings as the API shows and takes them.
type apiSettings struct {
	Tier1Capital        string `json:"tier1_capital"`         // in effect, yuan; "" when none
	Tier1CapitalSetting string `json:"tier1_capital_setting"` // stored in the app; "" when not set
	Regime              string `json:"large_exposure_regime"`
	RegimeSetting       string `json:"large_exposure_regime_setting"`
	Currency            string `json:"currency"`
}

func toAPISettings(v settingsView) apiSettings {
	out := apiSettings{Tier1CapitalSetting: v.Tier1Setting, Regime: v.Regime, RegimeSetting: v.RegimeSetting, Currency: kamp.ReportingCurrency}
	if v.Tier1 > 0 {
		out.Tier1Capital = v.Tier1.String()
	}
	return out
}

// apiGetSettings serves GET /api/v1/settings.
func (s *Server) apiGetSettings(w http.ResponseWriter, r *http.Request, a *auth) error {
	v, err := s.settingsView(r.Context())
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, toAPISettings(v))
	return nil
}

// apiSettingsBody is the body of PUT /api/v1/settings.
type apiSettingsBody struct {
	Tier1Capital *string `json:"tier1_capital_setting"`
	Regime       *string `json:"large_exposure_regime_setting"`
}

// apiPutSettings serves PUT /api/v1/settings: the fields given replace the
// stored settings ("" unsets one); a change starts a group run.
func (s *Server) apiPutSettings(w http.ResponseWriter, r *http.Request, a *auth) error {
	var body apiSettingsBody
	if err := readJSON(w, r, &body); err != nil {
		return err
	}
	cur, err := s.settingsView(r.Context())
	if err != nil {
		return err
	}
	tier1, regime := cur.Tier1Setting, cur.RegimeSetting
	if body.Tier1Capital != nil {
		tier1 = *body.Tier1Capital
	}
	if body.Regime != nil {
		regime = *body.Regime
	}
	if err := s.saveSettings(r.Context(), tier1, regime); err != nil {
		if msg := kamp.ErrorMessage(err); HasMessage(msg) {
			return kamp.Errorf(kamp.ErrorCode(err), "%s", T(LangEN, msg))
		}
		return err
	}
	return s.apiGetSettings(w, r, a)
}
