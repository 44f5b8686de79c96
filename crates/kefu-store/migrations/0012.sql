
-- The derived tables (counters, order_facts) leave the migrations: the store creates them in
-- the layout of its code (kefu-store/src/derived.rs) and records that layout here; a database
-- whose recorded layout differs (none recorded: every database before this migration) has
-- them dropped, re-created and recomputed when it is opened.
CREATE TABLE derived_layout (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    -- the statements that created the derived tables
    layout TEXT NOT NULL
);
