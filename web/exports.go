package web

import (
	"net/http"
	"net/url"

	"github.com/kampbank/kamp/export"
)

// exportJob is one offset-paged export: what the audit trail calls it, the
// filter it records, the file and sheet names and the columns.
type exportJob struct {
	object  string // the audit event's object type: "groups", "prospects", …
	filter  url.Values
	file    string // the file name, extension included
	sheet   string
	columns []export.Column
}

// streamExport writes every item of an offset-paged list: page(offset)
// reads exportChunk items from offset, row appends an item's cells. The
// first page is read before any byte is sent, so that a failing query
// still gets a proper error page; the export is audited before it is sent.
// Later failures cut the download (abortStream).
func streamExport[T any](s *Server, w http.ResponseWriter, r *http.Request, a *auth, format export.Format, job exportJob,
	page func(offset int) ([]T, error), row func(item T, cells []string) []string) error {
	items, err := page(0)
	if err != nil {
		return err
	}
	if err := s.auditExport(r, a, job.object, format, job.filter); err != nil {
		return err
	}
	attachment(w, format, job.file)
	ew, err := export.New(format, w, job.sheet, job.columns)
	if err != nil {
		return s.abortStream(r, err)
	}
	cells := make([]string, 0, len(job.columns))
	for offset := 0; ; {
		for _, it := range items {
			if err := ew.WriteRow(row(it, cells[:0])); err != nil {
				return s.abortStream(r, err)
			}
		}
		if len(items) < exportChunk {
			break
		}
		offset += len(items)
		if items, err = page(offset); err != nil {
			return s.abortStream(r, err)
		}
	}
	if err := ew.Close(); err != nil {
		return s.abortStream(r, err)
	}
	return nil
}
