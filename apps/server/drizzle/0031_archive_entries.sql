CREATE TABLE "dicomdir_entries" (
	"file_id" uuid NOT NULL,
	"sop_instance_uid" text NOT NULL,
	"path" text NOT NULL,
	CONSTRAINT "dicomdir_entries_file_id_sop_instance_uid_pk" PRIMARY KEY("file_id","sop_instance_uid")
);
--> statement-breakpoint
ALTER TABLE "case_files" ADD COLUMN "parent_id" uuid;--> statement-breakpoint
ALTER TABLE "case_files" ADD COLUMN "archive_entry" integer;--> statement-breakpoint
ALTER TABLE "dicomdir_entries" ADD CONSTRAINT "dicomdir_entries_file_id_case_files_id_fk" FOREIGN KEY ("file_id") REFERENCES "public"."case_files"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_files" ADD CONSTRAINT "case_files_parent_id_case_files_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."case_files"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "case_files_archive_entry" ON "case_files" USING btree ("parent_id","archive_entry");