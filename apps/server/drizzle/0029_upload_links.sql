ALTER TABLE "guest_links" ADD COLUMN "passcode_hash" text;--> statement-breakpoint
ALTER TABLE "guest_links" ADD COLUMN "note" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "guest_links" ADD COLUMN "locale" text;