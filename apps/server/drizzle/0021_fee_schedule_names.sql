ALTER TABLE "fee_schedules" ALTER COLUMN "name_ja" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "fee_schedules" ALTER COLUMN "name_zh" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "fee_schedules" ALTER COLUMN "name_en" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "fee_schedules" DROP COLUMN "name";