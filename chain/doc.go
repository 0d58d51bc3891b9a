// Package chain is kamp's supply-chain discovery engine (engines.md §3): from
// a stream of payments it finds, for every strategic unit (a group of tier
// core or key), the counterparties its members pay (upstream) and those that
// pay them (downstream), and ranks the counterparties that are not clients as
// prospects.
//
// The package is pure: plain values in, plain values out, no I/O beyond the
// writers it is handed, no clock, no randomness, and the same inputs give
// byte-identical outputs whatever the order of the payments. Entities are
// int32 indexes into the columns of Input.
//
// # How it works
//
// New indexes the entities once: their order by id (and, when Add first
// needs it, a map from id to index), a NameIndex of match keys, the group
// root and strategic unit of each entity (or none) and the FX rates per
// currency, sorted by date. Accumulator.Add then takes one payment at a
// time: it parses the date, resolves both sides (an id by the id map, a name
// by its match key built in a reused buffer), drops internal payments and
// those touching no strategic unit, converts the amount exactly (Amount ×
// Rate, 128-bit integers of 1e-14 yuan) and adds it to one or two edges found
// through a single map keyed by (unit, direction, counterparty). Unmatched
// names are interned once. So memory grows with the distinct (unit,
// counterparty) pairs and names, not with the payments, and Add allocates
// only for a new pair or a new name. Accumulator.Result sorts the edges,
// rounds each exact sum half-up to 4 decimals, and folds the edges of every
// non-client counterparty into a prospect. Partitioning by (unit,
// counterparty) pairs lets the work be split across machines.
//
// On a large bank the map of edges, millions of pairs, misses the cache on
// every payment, and Add runs on one core. Shards (Accumulator.NewShard)
// take payments on parallel goroutines instead, each checking and resolving
// its payments as Add does but aggregating by sorting, not hashing: a
// payment appends a compact record (edge key, amount, date, rate) per edge
// it touches to a bucket of consecutive (unit, direction) slots, in the
// order of the result. Result then ranks the counterparties by their
// strings, sorts each bucket (small enough for the cache) by radix on the
// final edge order, and sums the runs of equal keys, buckets on parallel
// goroutines; WriteResult writes the edges as they come, in order, without
// keeping them. So that the records, too, grow with the edges and not with
// the payments, a shard compacts a bucket when it fills (64 chunks of 256
// records at first, then twice what the last compaction left, or four
// times when it saved less than a quarter): it sorts
// the bucket and folds each run of one edge into one record and its exact
// sum. Unmatched names are interned in a table the shards share (a
// lookup of a name already there takes no lock; adding one takes its
// stripe's), and name-only sides are looked up in a NameIndex, an
// open-addressing table that costs fewer cache misses than a map of
// strings. The result is byte-identical to Add's whatever shard takes which
// payment (the sums are exact), except that an exact sum overflowing 128
// bits is reported by Result rather than by the payment that made it
// overflow.
//
// # Readings
//
// Where engines.md §3 leaves room, this package reads it as follows.
//
//   - A side with an id is that entity, and a name beside it is ignored. A
//     side with only a name is matched by names.MatchKey to the one entity
//     with that key; a key of no entity or of two or more stays unmatched
//     and is the counterparty string. Keys shared by two or more entities
//     that payments used are listed in Result.Ambiguous, never guessed. A
//     name whose match key is empty (only spaces and brackets) is an error.
//   - Payments outside From..To are skipped after their date is checked and
//     nothing else. A payment whose two sides are unmatched names, or that
//     touches no strategic unit, is accepted and counted in Stats only; no
//     FX rate is needed for it.
//   - The rate of a payment is that of its currency on the latest date on or
//     before the last day of the payment's month; the reporting currency is
//     1 when FX has no such rate for it. Any other currency without one is
//     an error ("unknown currency").
//   - Members of a unit are all entities of its group. The counterparty of
//     an edge is never a member of the unit (that payment is internal), so
//     the exclusion of the unit's own members from prospects holds by
//     construction. A non-client member of another strategic unit is a
//     prospect.
//   - A payment adds to at most one edge per counterparty, so a prospect's
//     amount and payments are the sums over its edges: each payment counted
//     once. Its units are the distinct units of its edges.
//   - Prospects are ranked by their written (rounded) amount, so that the
//     file reads back in the same order; then units descending, then the
//     counterparty in byte order, then known before unmatched. Edges are
//     sorted by unit id, direction ("downstream" before "upstream"),
//     counterparty, then known before unmatched.
//   - Transaction ids are not checked for uniqueness (that would hold every
//     payment in memory); the importer checks them.
//   - A rounded amount above the kamp.Amount range (about 9.2e14 yuan) is an
//     error of Result; exact sums above 2^128 units of 1e-14 are an error of
//     Add.
package chain
