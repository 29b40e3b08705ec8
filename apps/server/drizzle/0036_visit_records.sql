CREATE TABLE "case_classifications" (
	"case_id" uuid PRIMARY KEY NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"subject" text,
	"stage" text,
	"outcomes" text[] DEFAULT '{}'::text[] NOT NULL,
	"reason" text,
	"disposition" text,
	"follow_ups" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"updated_by" uuid NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "visit_records" (
	"visit_id" uuid PRIMARY KEY NOT NULL,
	"case_id" uuid NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"held" boolean NOT NULL,
	"not_held_reason" text,
	"started_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"attendance" jsonb NOT NULL,
	"doctor_notes" text DEFAULT '' NOT NULL,
	"nurse_notes" text DEFAULT '' NOT NULL,
	"psych_notes" text DEFAULT '' NOT NULL,
	"updated_by" uuid NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "visit_records_reason_iff_not_held" CHECK (held = (not_held_reason is null)),
	CONSTRAINT "visit_records_times_ordered" CHECK (started_at is null or ended_at is null or started_at < ended_at)
);
--> statement-breakpoint
ALTER TABLE "case_classifications" ADD CONSTRAINT "case_classifications_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_classifications" ADD CONSTRAINT "case_classifications_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "visit_records" ADD CONSTRAINT "visit_records_visit_id_visits_id_fk" FOREIGN KEY ("visit_id") REFERENCES "public"."visits"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "visit_records" ADD CONSTRAINT "visit_records_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "visit_records" ADD CONSTRAINT "visit_records_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "visit_records_case_idx" ON "visit_records" USING btree ("case_id");