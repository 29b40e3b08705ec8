CREATE TABLE "dicom_instances" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"case_id" uuid NOT NULL,
	"series_id" uuid NOT NULL,
	"file_id" uuid NOT NULL,
	"sop_instance_uid" text NOT NULL,
	"sop_class_uid" text,
	"transfer_syntax_uid" text NOT NULL,
	"rows" integer,
	"columns" integer,
	"frames" integer NOT NULL,
	"frame_ranges" jsonb NOT NULL,
	"big_endian" boolean NOT NULL,
	"deflated" boolean NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dicom_series" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"study_id" uuid NOT NULL,
	"series_instance_uid" text NOT NULL,
	"number" integer,
	"description" text,
	"modality" text,
	"body_part" text
);
--> statement-breakpoint
CREATE TABLE "dicom_studies" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"case_id" uuid NOT NULL,
	"study_instance_uid" text NOT NULL,
	"study_date" text,
	"description" text,
	"accession_number" text,
	"patient_name" text,
	"patient_id" text,
	"patient_birth_date" text,
	"patient_sex" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "dicom_instances" ADD CONSTRAINT "dicom_instances_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dicom_instances" ADD CONSTRAINT "dicom_instances_series_id_dicom_series_id_fk" FOREIGN KEY ("series_id") REFERENCES "public"."dicom_series"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dicom_instances" ADD CONSTRAINT "dicom_instances_file_id_case_files_id_fk" FOREIGN KEY ("file_id") REFERENCES "public"."case_files"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dicom_series" ADD CONSTRAINT "dicom_series_study_id_dicom_studies_id_fk" FOREIGN KEY ("study_id") REFERENCES "public"."dicom_studies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dicom_studies" ADD CONSTRAINT "dicom_studies_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "dicom_instances_case_uid" ON "dicom_instances" USING btree ("case_id","sop_instance_uid");--> statement-breakpoint
CREATE INDEX "dicom_instances_series_idx" ON "dicom_instances" USING btree ("series_id");--> statement-breakpoint
CREATE UNIQUE INDEX "dicom_series_study_uid" ON "dicom_series" USING btree ("study_id","series_instance_uid");--> statement-breakpoint
CREATE UNIQUE INDEX "dicom_studies_case_uid" ON "dicom_studies" USING btree ("case_id","study_instance_uid");