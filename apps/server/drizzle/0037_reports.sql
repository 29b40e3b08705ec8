CREATE TABLE "report_texts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"case_id" uuid NOT NULL,
	"report_version" integer NOT NULL,
	"language" text NOT NULL,
	"is_original" boolean NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"content" jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"written_by" uuid NOT NULL,
	"translated_by" uuid,
	"signed_by" uuid,
	"signed_at" timestamp with time zone,
	"amendment_reason" text,
	"verification_code" text,
	"pdf_blob_id" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "report_texts_signed_complete" CHECK (("report_texts"."status" = 'signed') = ("report_texts"."signed_by" is not null and "report_texts"."signed_at" is not null and "report_texts"."verification_code" is not null and "report_texts"."pdf_blob_id" is not null)),
	CONSTRAINT "report_texts_amendment_reason" CHECK (("report_texts"."report_version" > 1) = ("report_texts"."amendment_reason" is not null)),
	CONSTRAINT "report_texts_original_not_ready" CHECK (not ("report_texts"."is_original" and "report_texts"."status" = 'ready')),
	CONSTRAINT "report_texts_translator" CHECK (not "report_texts"."is_original" or "report_texts"."translated_by" is null)
);
--> statement-breakpoint
CREATE TABLE "reports" (
	"case_id" uuid PRIMARY KEY NOT NULL,
	"original_language" text NOT NULL,
	"current_version" integer DEFAULT 1 NOT NULL,
	"delivered_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "report_texts" ADD CONSTRAINT "report_texts_case_id_reports_case_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."reports"("case_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_texts" ADD CONSTRAINT "report_texts_written_by_users_id_fk" FOREIGN KEY ("written_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_texts" ADD CONSTRAINT "report_texts_translated_by_users_id_fk" FOREIGN KEY ("translated_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_texts" ADD CONSTRAINT "report_texts_signed_by_users_id_fk" FOREIGN KEY ("signed_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_texts" ADD CONSTRAINT "report_texts_pdf_blob_id_blobs_id_fk" FOREIGN KEY ("pdf_blob_id") REFERENCES "public"."blobs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reports" ADD CONSTRAINT "reports_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "report_texts_version_language_key" ON "report_texts" USING btree ("case_id","report_version","language");--> statement-breakpoint
CREATE UNIQUE INDEX "report_texts_verification_code_key" ON "report_texts" USING btree ("verification_code");