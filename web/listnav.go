package web

import (
	"net/url"
	"strconv"
)

// listNav holds the paging and export links of a list page.
type listNav struct {
	Page, Pages           int
	PrevURL, NextURL      string
	ExportCSV, ExportXLSX string
}

// newListNav returns the links of page (1-based) of a list of total rows
// shown perPage at a time, at path with the list's query v (whose "page" is
// replaced; page 1 leaves it out). Exports cover every page.
func newListNav(path string, v url.Values, page, total, perPage int) listNav {
	n := listNav{Page: page, Pages: max(1, (total+perPage-1)/perPage)}
	link := func(v url.Values) string {
		if enc := v.Encode(); enc != "" {
			return path + "?" + enc
		}
		return path
	}
	at := func(p int) string {
		w := cloneValues(v)
		w.Del("page")
		if p > 1 {
			w.Set("page", strconv.Itoa(p))
		}
		return link(w)
	}
	if page > 1 {
		n.PrevURL = at(page - 1)
	}
	if page < n.Pages {
		n.NextURL = at(page + 1)
	}
	ev := cloneValues(v)
	ev.Del("page")
	ev.Set("format", "csv")
	n.ExportCSV = path + "?" + ev.Encode()
	ev.Set("format", "xlsx")
	n.ExportXLSX = path + "?" + ev.Encode()
	return n
}

func cloneValues(v url.Values) url.Values {
	w := make(url.Values, len(v))
	for k, vs := range v {
		w[k] = append([]string(nil), vs...)
	}
	return w
}
