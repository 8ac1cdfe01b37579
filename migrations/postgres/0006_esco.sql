-- ESCO, the European classification of occupations and skills: the concepts that
-- profiles and job postings refer to by URI, with ESCO's English description and the
-- labels citizens see. Public data, shared by every municipality; written only by the
-- importers of host/src/import.rs (`jobunivers import esco-occupations | esco-skills |
-- esco-labels`, and the demo's Danish subset).
CREATE TABLE esco_concepts (
    -- http://data.europa.eu/esco/occupation/<uuid>, .../isco/C<code> (an ISCO-08 group,
    -- part of ESCO's occupations) or .../skill/<uuid>.
    uri TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('occupation', 'skill')),
    -- ESCO's English text: the preferred label, the alternative labels and the
    -- definition, run together (the English label when only a label was imported).
    description_en TEXT NOT NULL,
    label_en TEXT NULL,
    label_da TEXT NULL,
    -- What searches match, lowercased by the host (SQLite's lower() knows only ASCII):
    -- the Danish and English labels, one per line ('' without labels), and the
    -- description.
    search_labels TEXT NOT NULL DEFAULT '',
    search_text TEXT NOT NULL DEFAULT '',
    imported_ms BIGINT NOT NULL
);

CREATE INDEX esco_concepts_by_kind ON esco_concepts (kind);
