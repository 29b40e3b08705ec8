ALTER TABLE "dicom_instances" ADD COLUMN "instance_number" integer;--> statement-breakpoint
ALTER TABLE "dicom_instances" ADD COLUMN "image_position" double precision[];--> statement-breakpoint
ALTER TABLE "dicom_instances" ADD COLUMN "image_orientation" double precision[];