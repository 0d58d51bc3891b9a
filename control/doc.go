// Package control is kamp's control and corporate-group engine (engines.md §1):
// from entities and ownership edges it derives who controls whom, each
// entity's immediate and ultimate controller, control cycles, controller
// conflicts and group roots, and it sums credit exposure per group against
// large-exposure limits.
//
// The package is pure: no I/O beyond the writers it is handed, no clock, no
// randomness. Entities are addressed by int32 indexes into the Input's
// columns, results are columns of the same length, and every output is the
// same whatever the order of the input rows (ties are broken by comparing ids
// as byte strings).
//
// # How it works
//
// Duplicate (holder, held) edges are merged into a compressed list of each
// entity's holders. Most entities need only a glance at that list: when its
// holders have at most 50% in all and no agreement, nobody controls it; when
// one holder controls it alone and the others together hold at most 50%
// without an agreement, every controller must be that holder or control it,
// so the entity depends on that holder alone. The entities are then solved
// in the order of the strongly connected components (Tarjan) of this
// dependency graph, holders first. For an entity on no cycle of it, every
// holder's controllers are already known as a small DAG of control classes:
// the entity's share of each holder is added to that holder and to every
// class that controls it, and the nearest controller is the unique
// qualifying class (more than 50%, or an agreement) with no qualifying class
// below it. Entities on a dependency cycle (cross-holdings, rarely more than
// a handful) are solved together by applying the control rule from the empty
// relation up to its least fixed point, then cut into control cycles. The
// cost is proportional to the edges times the depth of the control
// hierarchy: about 0.12 s of CPU for 1M entities and 1.5M edges.
//
// # Readings
//
// Where engines.md §1 leaves room, this package reads it as follows.
//
//   - Self-control is not control: an entity never counts as its own
//     controller, however its subsidiaries hold it (the c/a/b case).
//   - A control cycle is a set of two or more entities each of which controls
//     the others. When the nearest controllers of a cycle from outside it are
//     not unique, the representative is flagged as a conflict and keeps no
//     controller; the other members still name the representative and are
//     not flagged.
//   - Conflicts are decided on control classes: an entity whose nearest
//     controllers are all members of one cycle has no conflict, it gets that
//     cycle's representative.
//   - A conflicted entity keeps its controllers for the control relation
//     itself (they still control what it controls); only its immediate
//     controller, ultimate controller and group root stop at it.
//   - The state rule is applied link by link along immediate controllers: an
//     entity whose immediate controller is a state body is its own group
//     root, a state body is always its own group root, even when it sits on a
//     control cycle.
//   - Depth in Result is per entity (hops up to its own group root); a
//     group's depth is the largest depth of its members (Groups.Depth).
//   - Shares are checked per edge to lie in 0..100% (a negative share would
//     make the rule non-monotone); a share of 0 without an agreement is
//     accepted and counts for nothing. Merged duplicates may pass 100%; they
//     saturate at 2147.483647%, which changes no comparison with 50%. Ids are not checked for uniqueness by
//     Compute (the importer does); the writers reject duplicates.
//   - Group exposure: interbank classification is not in the data formats
//     yet, so every client and group is treated as non-interbank; a group of
//     one entity is a single client (the single-client limit), a group of two
//     or more entities a group of connected clients (the group limit).
//     "Above" is strict everywhere: exactly at a threshold is not a large
//     exposure, exactly at the limit is not a breach, exactly at 90% of the
//     limit is not near. The headroom is the limit amount rounded down to
//     the Amount unit, minus the exposure. Groups without exposure are left
//     out, and the rows are sorted by exposure descending, then group id.
package control
