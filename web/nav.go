package web

import (
	"strings"

	"github.com/kampbank/kamp"
)

// navItem is one entry of the left rail.
type navItem struct {
	Key   string   // message key of the label
	Path  string   // where it links
	Roles []string // roles that see it; none: everyone signed in
	// Also lists other paths whose pages belong to the entry.
	Also []string
}

// navigation is the left rail, in the order of ui-and-api.md: 工作台 ·
// 客户 · 集团 · 战略客户 · 产业链 · 机构与团队 · 数据导入 · 审计 · 设置. A
// feature adds its line at its place; entries not built yet are absent.
var navigation = []navItem{
	{Key: "nav.dashboard", Path: "/"},
	{Key: "nav.entities", Path: "/entities"},
	{Key: "nav.groups", Path: "/groups"},
	// nav.screening, nav.chain go here.
	{Key: "nav.screening", Path: "/screening"},
	{Key: "nav.chain", Path: "/chain"},
	{Key: "nav.organisation", Path: "/org", Also: []string{"/teams", "/approvals", "/my"}},
	{Key: "nav.imports", Path: "/imports", Roles: importRoles},
	{Key: "nav.audit", Path: "/audit", Roles: auditRoles},
	{Key: "nav.settings", Path: "/settings", Roles: settingsRoles},
}

// navLink is a navigation entry as a page shows it.
type navLink struct {
	Key    string
	Path   string
	Active bool
}

// navFor returns the entries u may see, marking the one path lies under.
func navFor(u *kamp.User, path string) []navLink {
	if u == nil {
		return nil
	}
	var out []navLink
	for _, it := range navigation {
		if !allowed(u, it.Roles) {
			continue
		}
		active := path == it.Path
		for _, p := range append([]string{it.Path}, it.Also...) {
			if p != "/" && (path == p || strings.HasPrefix(path, p+"/")) {
				active = true
			}
		}
		out = append(out, navLink{Key: it.Key, Path: it.Path, Active: active})
	}
	return out
}
