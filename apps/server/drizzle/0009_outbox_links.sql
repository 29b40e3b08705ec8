ALTER TABLE "email_outbox" ADD COLUMN "link" jsonb;--> statement-breakpoint
ALTER TABLE "email_outbox" ADD COLUMN "due_at" timestamp with time zone DEFAULT now() NOT NULL;