package ingest

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/camt"
	"github.com/kampbank/kamp/check"
	"github.com/kampbank/kamp/names"
	"github.com/kampbank/kamp/store"
)

// KindCamt053 is the kind of an ISO 20022 camt.053 bank-to-customer
// statement (docs/data-formats.md, "camt.053 statements"). Its booked
// entries load as payments, in the payments stage.
const KindCamt053 = "camt053"

// camtKindOf tells a camt.053 statement from its lower-cased base name: a
// .xml file whose name contains "camt053" or "camt.053" (camt053_2026-10.xml,
// acme.camt053.xml, bank-camt.053.001.08.xml).
func camtKindOf(base string) (string, bool) {
	stem, ok := strings.CutSuffix(base, ".xml")
	if ok && (strings.Contains(stem, "camt053") || strings.Contains(stem, "camt.053")) {
		return KindCamt053, true
	}
	return "", false
}

// camtFile reads, checks and loads one camt.053 statement file: each booked
// entry (or each transaction of a batch booking) becomes a payment; pending
// and information-only entries are counted and passed over.
func (im *importer) camtFile(f *inputFile, meta *kamp.ImportFile) error {
	fh, err := os.Open(f.path)
	if err != nil {
		im.readErr(f.name, err)
		return nil
	}
	defer fh.Close()
	cr := &countingReader{r: fh}
	buf := buffer[kamp.Payment]{pipe: im.pipe, put: func(ps []kamp.Payment) error { return im.load.Payments(im.ctx, ps) }}
	seen := map[string]int{}   // txn_id -> line of its entry
	owners := map[int]string{} // statement line -> owner's entity id, or ""
	var byName map[string]string
	var n int64
	notBooked := 0
	err = camt.Read(cr, f.name, func(e camt.Entry) error {
		n++
		if im.errCount > im.opt.MaxErrors {
			im.warnings = append(im.warnings, fmt.Sprintf("stopped after %d bad rows", im.opt.MaxErrors))
			return errTooManyErrors
		}
		if n%65536 == 0 {
			if err := im.ctx.Err(); err != nil {
				return err
			}
			im.publicProgress(f, cr, n)
		}
		if !e.Booked() && (e.Err == nil || e.Err.Element != "Sts") {
			// Not booked, with a known status: nothing to load, whatever
			// else is wrong with it.
			notBooked++
			return nil
		}
		ownerID, ok := owners[e.Statement.Line]
		if !ok {
			var oerr error
			if ownerID, oerr = im.camtOwner(e.Statement, &byName); oerr != nil {
				return oerr
			}
			owners[e.Statement.Line] = ownerID
		}
		p, err := camt.ToPayment(e.Statement, e, ownerID)
		if err != nil {
			var ce *camt.Error
			if !errors.As(err, &ce) {
				return fmt.Errorf("%s: line %d: %w", f.name, e.Line, err)
			}
			meta.Rejected++
			im.bad(f.name, e.Line, ce.Element, ce.Value, ce.Reason)
			return nil
		}
		if !im.camtCurrency(f.name, e.Line, &p) {
			meta.Rejected++
			return nil
		}
		if first, dup := seen[p.TxnID]; dup {
			meta.Rejected++
			im.bad(f.name, e.Line, "txn_id", p.TxnID, "duplicate txn_id: the same as the entry on line "+strconv.Itoa(first))
			return nil
		}
		p.TxnID = strings.Clone(p.TxnID)
		seen[p.TxnID] = e.Line
		return buf.add(p)
	})
	meta.Rows = int(n)
	if err != nil {
		var ce *camt.Error
		if errors.As(err, &ce) {
			im.fatal = true
			im.bad(f.name, ce.Line, ce.Element, ce.Value, ce.Reason)
			return nil
		}
		return err
	}
	loaded, err := buf.end()
	if err != nil {
		return err
	}
	meta.Loaded = int(loaded)
	if notBooked > 0 {
		im.warnings = append(im.warnings, fmt.Sprintf("%s: %d entries are not booked (pending or information only) and were passed over", f.name, notBooked))
	}
	im.publicProgress(f, cr, n)
	return nil
}

// camtCurrency checks a payment's currency as payments.csv's are: a known
// ISO 4217 code with an exchange rate on or before the end of the payment's
// month. A problem is reported on column Amt@Ccy.
func (im *importer) camtCurrency(file string, line int, p *kamp.Payment) bool {
	r := row{im: im, file: file, line: line, rec: []string{p.Currency}, col: []column{{"currency", 0}}, ok: true}
	before := len(im.errs)
	p.Currency = r.currency(check.PeriodEnd(p.Date[:7]))
	for i := before; i < len(im.errs); i++ {
		im.errs[i].Column = "Amt@Ccy"
	}
	return r.ok
}

// camtOwner resolves a statement's account owner to a kamp entity: the
// entity whose id is the owner's Acct/Ownr/Id, else the one stored entity
// whose name has the same names.MatchKey as Acct/Ownr/Nm. It returns "" when
// neither resolves, and the owner stays name-only. *byName is the index of
// stored names by match key, read on first need (nil until then); a key
// several entities share maps to "".
func (im *importer) camtOwner(st camt.Statement, byName *map[string]string) (string, error) {
	if st.OwnerID != "" {
		if _, ok := im.ents[st.OwnerID]; ok {
			return st.OwnerID, nil
		}
	}
	key := names.MatchKey(st.OwnerName)
	if key == "" {
		return "", nil
	}
	if *byName == nil {
		m, err := im.camtNames()
		if err != nil {
			return "", err
		}
		*byName = m
	}
	return (*byName)[key], nil
}

// camtNames indexes the stored entities by the match key of their names.
func (im *importer) camtNames() (map[string]string, error) {
	m := map[string]string{}
	after := ""
	for {
		page, _, err := im.db.FindEntities(im.ctx, store.System, store.EntityFilter{Sort: "id", After: after, Limit: store.MaxLimit})
		if err != nil {
			return nil, fmt.Errorf("reading entity names to resolve statement owners: %w", err)
		}
		for _, e := range page {
			k := names.MatchKey(e.Name)
			if k == "" {
				continue
			}
			if _, dup := m[k]; dup {
				m[k] = ""
			} else {
				m[strings.Clone(k)] = e.ID
			}
		}
		if len(page) < store.MaxLimit {
			break
		}
		after = page[len(page)-1].ID
	}
	return m, nil
}
