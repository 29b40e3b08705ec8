ALTER TABLE "case_files" ADD COLUMN "document_kind" text;--> statement-breakpoint
ALTER TABLE "case_files" ADD COLUMN "accepted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "case_files" ADD COLUMN "accepted_by" uuid;--> statement-breakpoint
ALTER TABLE "case_files" ADD COLUMN "deleted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "dicom_studies" ADD COLUMN "review" text DEFAULT 'ok' NOT NULL;--> statement-breakpoint
ALTER TABLE "dicom_studies" ADD COLUMN "review_check" jsonb;--> statement-breakpoint
ALTER TABLE "dicom_studies" ADD COLUMN "review_reason" text;--> statement-breakpoint
ALTER TABLE "dicom_studies" ADD COLUMN "reviewed_by" uuid;--> statement-breakpoint
ALTER TABLE "dicom_studies" ADD COLUMN "reviewed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "uploads" ADD COLUMN "document_kind" text;--> statement-breakpoint
ALTER TABLE "case_files" ADD CONSTRAINT "case_files_accepted_by_users_id_fk" FOREIGN KEY ("accepted_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dicom_studies" ADD CONSTRAINT "dicom_studies_reviewed_by_users_id_fk" FOREIGN KEY ("reviewed_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;