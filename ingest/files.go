// Package ingest imports the interchange files of data-formats.md into the
// store: it reads them (CSV, CSV.gz, XLSX) as streams, validates every field
// and reference, and loads an import — one file or a folder — all or
// nothing. Bad rows are reported with file, line, column, value and reason;
// with quarantine the good rows load and the bad ones are kept with their
// reasons. Public ownership data — GLEIF Level 2 relationship records
// (RR-CDF XML) and Open Ownership BODS statements (JSON) — loads the same way
// (see public.go and package ownership). ISO 20022 camt.053 bank statements
// load as payments (see camt.go and package camt).
package ingest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kampbank/kamp"
)

// Kinds of interchange file, in the order an import loads them: what a file
// refers to loads before it.
const (
	KindFX        = "fx"
	KindEntities  = "entities"
	KindOwnership = "ownership"
	KindMetrics   = "metrics"
	KindExposures = "exposures"
	KindPayments  = "payments"
)

// Kinds lists the kinds in load order.
var Kinds = []string{KindFX, KindEntities, KindOwnership, KindGLEIF, KindBODS, KindMetrics, KindExposures, KindPayments, KindCamt053}

func kindRank(k string) int {
	for i, x := range Kinds {
		if x == k {
			return i
		}
	}
	return len(Kinds)
}

// suffixes are the file forms an import accepts.
var suffixes = []string{".csv.gz", ".csv", ".xlsx"}

// KindOf tells the kind of an interchange file from its base name: the kind's
// name, optionally followed by "_", "-" or "." and anything, then .csv,
// .csv.gz or .xlsx (case-insensitive): entities.csv, payments_2026-10.csv.gz.
// Public ownership files are told by publicKindOf (public.go), camt.053
// statements by camtKindOf (camt.go).
func KindOf(path string) (string, bool) {
	base := strings.ToLower(filepath.Base(path))
	if k, ok := camtKindOf(base); ok {
		return k, true
	}
	if k, ok := publicKindOf(base); ok {
		return k, true
	}
	stem := ""
	for _, s := range suffixes {
		if strings.HasSuffix(base, s) {
			stem = strings.TrimSuffix(base, s)
			break
		}
	}
	if stem == "" {
		return "", false
	}
	for _, k := range Kinds {
		if isPublic(k) || k == KindCamt053 {
			continue
		}
		if stem == k {
			return k, true
		}
		if strings.HasPrefix(stem, k) && len(stem) > len(k) && strings.ContainsRune("_-.", rune(stem[len(k)])) {
			return k, true
		}
	}
	return "", false
}

// inputFile is one file of an import.
type inputFile struct {
	path string
	name string // base name
	kind string
	size int64
	sha  string
}

// collect expands folders into the interchange files they hold and orders
// all files for loading. A named file whose kind cannot be told is an error;
// other files in a folder (results, notes) are passed over.
func collect(paths []string) ([]inputFile, []string, error) {
	var files []inputFile
	var warnings []string
	seen := map[string]bool{}
	add := func(p string, explicit bool) error {
		kind, ok := KindOf(p)
		if !ok && isOrgUnits(p) {
			// The bank's organisation is not data of an import: it has
			// its own command and page.
			msg := fmt.Sprintf("%s: org units load with `kamp org import` or on the Organisation page (/org), not with an import; passed over", filepath.Base(p))
			if explicit {
				return kamp.Errorf(kamp.EINVALID, "%s", msg)
			}
			warnings = append(warnings, msg)
			return nil
		}
		if !ok {
			if explicit {
				return kamp.Errorf(kamp.EINVALID, "%s: cannot tell which interchange file this is: name it fx, entities, ownership, metrics, exposures or payments, ending in .csv, .csv.gz or .xlsx (or name a GLEIF relationship file *rr*.xml, a BODS file *.json or *.jsonl, a camt.053 statement *camt053*.xml)", filepath.Base(p))
			}
			warnings = append(warnings, fmt.Sprintf("%s: not an interchange file name; passed over", filepath.Base(p)))
			return nil
		}
		abs, _ := filepath.Abs(p)
		if seen[abs] {
			return nil
		}
		seen[abs] = true
		st, err := os.Stat(p)
		if err != nil {
			return kamp.WrapError(kamp.EINVALID, err, "%s: cannot read the file", filepath.Base(p))
		}
		files = append(files, inputFile{path: p, name: filepath.Base(p), kind: kind, size: st.Size()})
		return nil
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, nil, kamp.WrapError(kamp.EINVALID, err, "%s: no such file or folder", p)
		}
		if !st.IsDir() {
			if err := add(p, true); err != nil {
				return nil, nil, err
			}
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			return nil, nil, kamp.WrapError(kamp.EINVALID, err, "%s: cannot read the folder", p)
		}
		for _, e := range entries {
			if e.IsDir() {
				continue
			}
			if err := add(filepath.Join(p, e.Name()), false); err != nil {
				return nil, nil, err
			}
		}
	}
	if len(files) == 0 {
		return nil, warnings, kamp.Errorf(kamp.EINVALID, "no interchange files found in %s", strings.Join(paths, ", "))
	}
	sort.SliceStable(files, func(i, j int) bool {
		ri, rj := kindRank(files[i].kind), kindRank(files[j].kind)
		if ri != rj {
			return ri < rj
		}
		return files[i].name < files[j].name
	})
	return files, warnings, nil
}

// hashFile returns the SHA-256 of a file's bytes as hex.
func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// isOrgUnits reports whether path names an org-units file (package org):
// org-units.csv, org-units_2026.xlsx and the like.
func isOrgUnits(path string) bool {
	base := strings.ToLower(filepath.Base(path))
	return strings.HasPrefix(base, "org-units") || strings.HasPrefix(base, "org_units")
}
