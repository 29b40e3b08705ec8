CREATE TABLE "pacs_destinations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"url" text NOT NULL,
	"auth_kind" text DEFAULT 'none' NOT NULL,
	"auth_user" text,
	"auth_secret" text,
	"patient_id_mode" text DEFAULT 'hospital' NOT NULL,
	"issuer" text DEFAULT '' NOT NULL,
	"disabled_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pacs_destinations_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "pacs_export_items" (
	"export_id" uuid NOT NULL,
	"sop_instance_uid" text NOT NULL,
	"status" text NOT NULL,
	"reason" text,
	CONSTRAINT "pacs_export_items_export_id_sop_instance_uid_pk" PRIMARY KEY("export_id","sop_instance_uid")
);
--> statement-breakpoint
CREATE TABLE "pacs_exports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"case_id" uuid NOT NULL,
	"destination_id" uuid NOT NULL,
	"study_instance_uid" text NOT NULL,
	"series_instance_uid" text,
	"status" text DEFAULT 'queued' NOT NULL,
	"total" integer,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"requested_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "hospital_patient_id" text;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "hospital_patient_id_issuer" text;--> statement-breakpoint
ALTER TABLE "pacs_export_items" ADD CONSTRAINT "pacs_export_items_export_id_pacs_exports_id_fk" FOREIGN KEY ("export_id") REFERENCES "public"."pacs_exports"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pacs_exports" ADD CONSTRAINT "pacs_exports_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pacs_exports" ADD CONSTRAINT "pacs_exports_destination_id_pacs_destinations_id_fk" FOREIGN KEY ("destination_id") REFERENCES "public"."pacs_destinations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pacs_exports" ADD CONSTRAINT "pacs_exports_requested_by_users_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "pacs_exports_case_idx" ON "pacs_exports" USING btree ("case_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "pacs_exports_open" ON "pacs_exports" USING btree ("destination_id","case_id","study_instance_uid",coalesce("series_instance_uid", '')) WHERE "pacs_exports"."status" in ('queued', 'sending');