// Package ownership reads public ownership data and maps it onto kamp's
// entities and holdings: GLEIF Level 2 relationship records (the RR-CDF 2.x
// XML format of the Global LEI Foundation, "who owns whom" by accounting
// consolidation) and Open Ownership's Beneficial Ownership Data Standard
// (BODS 0.4 JSON statements about entities, persons and relationships).
//
// The readers stream: ReadRRCDF decodes one RelationshipRecord at a time
// from an encoding/xml token stream, ReadBODS one statement at a time from a
// JSON array or from JSON Lines; neither holds the whole file. They return
// plain records and check only the syntax and the shape of the values; the
// mapping functions (MapRR, MapBODSEntity, MapBODSRelationship) decide what
// becomes of each record and report semantic problems.
//
// # Readings
//
// GLEIF (RR-CDF):
//
//   - Only records whose RelationshipStatus is ACTIVE count, and only those
//     whose StartNode and EndNode are LEIs (NodeIDType LEI or absent).
//   - IS_DIRECTLY_CONSOLIDATED_BY from child (StartNode) to parent (EndNode)
//     becomes a holding of the child by the parent with Agreement set: the
//     parent consolidates the child in its accounts, which under IFRS 10 and
//     US GAAP means it controls it, whatever share it holds. A
//     RelationshipQuantifier in PERCENTAGE units (the first one, preferring
//     the measurement method ACCOUNTING_CONSOLIDATION) gives the Share;
//     without one Share is 0 (control by agreement alone).
//   - IS_ULTIMATELY_CONSOLIDATED_BY is not a holding: it is kept as an
//     ultimate link (child, ultimate parent) and compared with kamp's own
//     ultimate controller by Compare.
//   - Other relationship types (IS_INTERNATIONAL_BRANCH_OF, fund
//     relationships) are passed over.
//   - AsOf is the date part of the Registration's LastUpdateDate.
//
// BODS 0.4:
//
//   - Entity statements become entities of kind company (state for the
//     entity types state and stateBody), person statements entities of kind
//     person. The name is the entity's name, or the person's first name of
//     type individual (else the first name given); an entity with an
//     identifier of scheme XI-LEI carries that LEI. The country is the
//     jurisdiction's (entity) or first nationality's (person) code when it is
//     an ISO 3166-1 alpha-2 code, else CN, the entities.csv default.
//   - The kamp id of a record is its recordId when that is a valid kamp id
//     (1-64 characters of A-Z a-z 0-9 _ . -); otherwise "bods-" followed by
//     the first 16 hex digits of the SHA-256 of the recordId (RecordKey).
//   - Relationship statements become one holding of the subject by the
//     interested party. Interests that ended (an endDate) or that are
//     indirect (directOrIndirect "indirect") are left out: kamp derives
//     indirect control itself. Shareholding and votingRights interests give
//     a share: exact when given, else the range's lower bound (minimum, or
//     exclusiveMinimum plus 0.000001%); decimals past the sixth are dropped.
//     The control interests appointmentOfBoard, otherInfluenceOrControl,
//     seniorManagingOfficial, controlViaCompanyRulesOrArticles,
//     controlByLegalFramework and rightsGrantedByContract set Agreement.
//     Several interests merge: the share is the largest, Agreement is set if
//     any sets it. Other interests (economic rights, trust roles, board
//     seats without appointment rights) give nothing; a relationship left
//     with neither share nor agreement gives no holding.
//   - A statement whose recordStatus is closed gives nothing; an
//     interestedParty or subject that is not a recordId (an unspecified
//     party) gives no holding.
package ownership
