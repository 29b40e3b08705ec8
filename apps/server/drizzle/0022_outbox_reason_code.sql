-- Why a message was cancelled is kept as a code and translated on display.
UPDATE "email_outbox" SET "last_error" = 'link_unavailable' WHERE "status" = 'cancelled' AND "last_error" = 'The link of this message can no longer be made.';
