-- Every e-mail's delivery becomes a job of kind 'email' with the message's id, history included (the
-- outbox screen shows sent and failed messages from their jobs). A message being sent when the server
-- stopped ('sending') is due again when its lease runs out, as it was before.
INSERT INTO "jobs" ("id", "kind", "status", "run_at", "due_at", "attempts", "last_error", "created_at", "finished_at")
SELECT "id", 'email',
  CASE "status" WHEN 'sending' THEN 'pending' WHEN 'sent' THEN 'done' ELSE "status" END,
  CASE "status" WHEN 'sending' THEN coalesce("locked_until", now()) ELSE "next_attempt_at" END,
  "due_at", "attempts", "last_error", "created_at",
  CASE "status" WHEN 'sent' THEN "sent_at" END
FROM "email_outbox";
