-- worklists refreshed in part (issue 11): what a store's lists were last computed under (the
-- worklist and metric settings, the bots and the round-robin's agents), so that an import may
-- recompute only the buyers it can have changed when nothing else did. NULL: unknown, the
-- next import recomputes every buyer.
ALTER TABLE worklist_state ADD COLUMN basis TEXT;
