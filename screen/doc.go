// Package screen is kamp's screening engine (engines.md §2): it ranks the
// client units of one period by a weighted score, splits them into the core
// ("5% model"), key ("80/20 model") and general tiers, and measures how
// concentrated the scores are.
//
// It is pure: plain values in, plain values out, no I/O, clock or randomness,
// and the same inputs give byte-identical outputs whatever the order of the
// input rows, units or indicators. The work has three steps:
//
//  1. An Aggregator sums each indicator exactly per (unit, currency) as rows
//     arrive, in columnar slices indexed by unit and interned currency.
//  2. Aggregator.Totals converts every (unit, currency) sum at its Rates entry
//     and sums exactly per unit in 128-bit integers of 1e-14 yuan (Sum), then
//     takes each unit's share of each indicator: the first and only place
//     where floating point enters. The result, Data, is kept.
//  3. Data.Score ranks for given Weights. It is the cheap what-if recompute:
//     a weighted sum of the stored shares, a radix sort, and one walk down
//     the ranking with an exact accumulator, so that rounding cannot move a
//     unit across the 50% or 80% boundary.
//
// WriteTiersCSV and WriteConcentrationJSON write the result files. Rules
// (ParseRules, ApplyRules) are the qualitative configuration that proposes
// tiers for the approved strategic list; they never change the computed
// tiers.
package screen
