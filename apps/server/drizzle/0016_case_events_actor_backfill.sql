-- Hand-written backfill: the history stored who made a change as English text (a staff member's
-- e-mail address, "public form", "patient", "patient (consent withdrawn)"). It now stores a code and
-- the staff member's id; the names are translated or looked up on display.
UPDATE "case_events" e SET "actor_kind" = 'user', "actor_user_id" = u."id" FROM "users" u WHERE lower(e."actor_label") = lower(u."email");--> statement-breakpoint
UPDATE "case_events" SET "actor_kind" = 'public_form' WHERE "actor_label" = 'public form';--> statement-breakpoint
UPDATE "case_events" SET "actor_kind" = 'patient' WHERE "actor_label" = 'patient';--> statement-breakpoint
UPDATE "case_events" SET "actor_kind" = 'consent_withdrawn' WHERE "actor_label" = 'patient (consent withdrawn)';
