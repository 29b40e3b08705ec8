ALTER TABLE "case_documents" ADD COLUMN "note_locale" text;--> statement-breakpoint
ALTER TABLE "case_messages" ADD COLUMN "locale" text;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "eligibility_reason_locale" text;