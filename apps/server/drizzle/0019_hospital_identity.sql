CREATE TABLE "hospital_settings" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"name" jsonb NOT NULL,
	"department" jsonb NOT NULL,
	"contact_email" text DEFAULT '' NOT NULL,
	"contact_phone" text DEFAULT '' NOT NULL,
	"contact_fax" text DEFAULT '' NOT NULL,
	"contact_hours" jsonb NOT NULL,
	"reply_to" text DEFAULT '' NOT NULL,
	"expect_first_answer" jsonb NOT NULL,
	"expect_opinion" jsonb NOT NULL,
	"expect_fee" jsonb NOT NULL,
	"payment_instructions" jsonb NOT NULL,
	"logo" "bytea",
	"logo_type" text,
	"logo_updated_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "hospital_settings_one_row" CHECK (id = 1)
);
--> statement-breakpoint
ALTER TABLE "fee_schedules" ADD COLUMN "name_ja" text;--> statement-breakpoint
ALTER TABLE "fee_schedules" ADD COLUMN "name_zh" text;--> statement-breakpoint
ALTER TABLE "fee_schedules" ADD COLUMN "name_en" text;