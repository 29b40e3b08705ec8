-- Nobody can be in two visits at once: a database guarantee, whatever the number of concurrent bookings.
CREATE EXTENSION IF NOT EXISTS btree_gist;
--> statement-breakpoint
ALTER TABLE visit_participants ADD CONSTRAINT visit_participants_no_overlap
  EXCLUDE USING gist (user_id WITH =, tstzrange(starts_at, ends_at) WITH &&) WHERE (active);
