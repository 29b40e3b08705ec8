CREATE TABLE "portal_link_settings" (
	"id" boolean PRIMARY KEY DEFAULT true NOT NULL,
	"link_days" integer NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "email_outbox" ADD COLUMN "case_id" uuid;--> statement-breakpoint
ALTER TABLE "email_outbox" ADD COLUMN "refused_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "cases_requester_email_idx" ON "cases" USING btree (lower("requester_email"));--> statement-breakpoint
CREATE INDEX "email_outbox_refused_idx" ON "email_outbox" USING btree ("case_id","refused_at");