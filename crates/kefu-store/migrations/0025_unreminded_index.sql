-- the start page counts unpaid orders nobody reminded on every request: a partial index of
-- exactly those items (the rule of kefu_app::worklists::not_reminded), covering owner and
-- amount, so that the count reads them and not every item of the store
CREATE INDEX worklist_items_not_reminded ON worklist_items (store_id, owner_id, amount_cents)
    WHERE kind = 'unpaid' AND outcome = 'open' AND reminders = 0 AND status = 'open'
        AND contacts = '[]';
