CREATE TABLE "retention_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone DEFAULT now() NOT NULL,
	"retention_days" integer NOT NULL,
	"closed_before" timestamp with time zone NOT NULL,
	"cases" jsonb NOT NULL,
	"blobs" integer NOT NULL,
	"bytes" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "case_files" ADD COLUMN "purged_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "retention_runs_started_idx" ON "retention_runs" USING btree ("started_at");--> statement-breakpoint
CREATE INDEX "case_files_blob_idx" ON "case_files" USING btree ("blob_id");