// Package dataset loads the interchange files of data-formats.md that an
// engine reads from a folder into columns the engines take as they are:
// entity ids with an id → index lookup, kind=state and is_client flags,
// ownership edges between entity indexes with exact shares, exposures
// summed exactly per entity in the reporting currency, metrics rows as exact
// columns, payments streamed to a sink (never held whole), and the result
// files of earlier steps (groups.csv, tiers.csv) for --reuse. It is what `kamp
// groups|screen|chain --data DIR` run on, so it is built for speed: a
// million entities and a million and a half ownership rows load in a small
// fraction of a second on two cores.
//
// # How it works
//
// A .csv or .csv.gz file is read in blocks of a few MiB, each cut after its
// last complete record (the quote state is followed by counting quotes, so a
// quoted field may hold line ends), and the blocks are parsed on
// GOMAXPROCS goroutines. Fields are slices of the block, never strings of
// their own; ids are copied once into one arena per file. The workers'
// results are merged in file order, so the result does not depend on how
// the file was cut. Ids are found through an open-addressing hash table
// built in parallel partitions (which also finds duplicate ids): its slots
// hold short ids inline, so that a lookup costs one cache miss, and lookups
// are issued in batches so that those misses overlap; an id equal to the
// one on the row before (files sorted by a column) is not looked up again.
// The largest tables are given transparent huge pages where the system
// allows it, since first touching memory page by page costs more than the
// work itself.
//
// The fast parser follows package tabular's rules exactly (its fuzz test
// checks that they agree). Whatever it does not handle itself — a CSV syntax
// error, bytes that are not UTF-8, a corrupt gzip stream, a record longer
// than 64 MiB — makes it read the file again, sequentially, with package
// tabular, whose error is then reported. An .xlsx file is read that way
// from the start.
//
// # Checks
//
// The engines must not trust bad input silently. Every row is checked for
// its number of fields, and every column an engine reads is checked as
// data-formats.md says, with package check's validators and the importer's
// wording: required values, ids, references to entities, enumerations,
// exact numbers and their ranges, dates, currencies, duplicate keys, and the
// 100.01% limit on the shares held in one entity. A file with bad rows fails
// the load with a *ProblemError, which lists the first problems as
// file:line:column: "value": reason and counts them all. Columns that no
// engine reads (an entity's name beyond being present, uscc, lei, country,
// industry, branch; an exposure's product) are not checked here: `kamp
// import` checks every column before data reaches the database.
//
// # Readings
//
//   - Exposures are converted to the reporting currency (CNY) row by row,
//     at the latest rate of the row's currency dated on or before its as_of
//     date; a row without as_of takes the latest rate of its currency. A row
//     dated before its currency's first rate is a bad row, as in the
//     importer. CNY is 1 unless fx.csv gives rates for it.
//   - The sum per entity is exact: amount (1e-4) × rate (1e-10) in 128-bit
//     integers, rounded half-up to 1e-4 once per entity at the end. The
//     control engine sums those entity amounts per group exactly.
//   - The rows of a (date, currency) pair in fx.csv, and facility ids in
//     exposures.csv, must be unique; duplicate ownership rows are kept for
//     the engine to merge (engines.md §1).
package dataset
