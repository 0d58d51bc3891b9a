// Package names normalises and matches the names of companies, persons and
// state bodies as they are written in payments, imports and search boxes.
//
// Two levels are kept strictly apart:
//
//   - MatchKey is the match key of engines.md §3, the one rule that decides
//     which entity a name-only payment side is. It is deliberately narrow
//     (full-width ASCII, white space, brackets, ASCII case and the
//     有限责任公司 suffix) so that every part of kamp — import, search and the
//     chain engine — reaches the same result. Index resolves a key to the one
//     entity that has it and reports keys shared by two or more entities as
//     ambiguous; it never picks one of them.
//   - Normalize and Branch are richer readings for people: Unicode NFKC,
//     punctuation, legal-form variants and branch names. They feed search and
//     the Suggester, whose candidates are shown to a person to confirm and are
//     never merged silently.
//
// The package is pure and safe for concurrent use once an Index or Suggester
// is built.
package names
