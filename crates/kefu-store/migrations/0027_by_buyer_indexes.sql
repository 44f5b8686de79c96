-- a refresh of the worklists in part (after an import) recomputes some thousands of buyers
-- of a store's hundreds of thousands: their orders before the days it reads whole, and their
-- stored items to remove, are found by buyer instead of by scanning every order and item
CREATE INDEX orders_by_buyer ON orders (store_id, buyer_id);
CREATE INDEX worklist_items_by_buyer ON worklist_items (store_id, buyer_id);
