CREATE TABLE "reply_letters" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"case_id" uuid NOT NULL,
	"report_version" integer NOT NULL,
	"language" text NOT NULL,
	"letter" jsonb NOT NULL,
	"written_by" uuid NOT NULL,
	"signed_at" timestamp with time zone NOT NULL,
	"pdf_blob_id" uuid NOT NULL
);
--> statement-breakpoint
CREATE TABLE "report_sharing_consents" (
	"case_id" uuid PRIMARY KEY NOT NULL,
	"given" boolean NOT NULL,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "reply_letters" ADD CONSTRAINT "reply_letters_case_id_reports_case_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."reports"("case_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reply_letters" ADD CONSTRAINT "reply_letters_written_by_users_id_fk" FOREIGN KEY ("written_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reply_letters" ADD CONSTRAINT "reply_letters_pdf_blob_id_blobs_id_fk" FOREIGN KEY ("pdf_blob_id") REFERENCES "public"."blobs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_sharing_consents" ADD CONSTRAINT "report_sharing_consents_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "reply_letters_version_key" ON "reply_letters" USING btree ("case_id","report_version");