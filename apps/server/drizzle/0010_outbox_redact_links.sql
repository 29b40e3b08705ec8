-- Data only: messages queued before links were made at sending (0009_outbox_links) kept their
-- reset and portal links in clear. Once a message has gone (or will never go), its stored copy
-- needs no working link: mask the tokens as the administrator's view does (notifications/links.ts).
-- Failed and pending messages keep theirs, so that sending them (again) still delivers a link.
UPDATE email_outbox
SET body_text = regexp_replace(
  regexp_replace(body_text, '(reset-password\?token=)[A-Za-z0-9_-]+', '\1••••••••', 'g'),
  '(/portal#)kg\.[A-Za-z0-9._-]+', '\1••••••••', 'g')
WHERE status IN ('sent', 'cancelled')
  AND (body_text LIKE '%reset-password?token=%' OR body_text LIKE '%/portal#kg.%');
