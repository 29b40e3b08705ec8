-- Messages queued before case_id existed: a portal link names the case they are about.
UPDATE "email_outbox" SET "case_id" = ("link"->>'caseId')::uuid WHERE "case_id" IS NULL AND "link"->>'kind' = 'portal';
