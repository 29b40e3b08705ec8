CREATE TABLE "report_follow_ups" (
	"case_id" uuid NOT NULL,
	"number" integer NOT NULL,
	"question" text NOT NULL,
	"language" text NOT NULL,
	"asked_at" timestamp with time zone DEFAULT now() NOT NULL,
	"translation" text,
	"translation_language" text,
	"translated_by" uuid,
	"answered_in_version" integer,
	"answered_by" uuid,
	"answered_at" timestamp with time zone,
	"version" integer DEFAULT 1 NOT NULL,
	CONSTRAINT "report_follow_ups_case_id_number_pk" PRIMARY KEY("case_id","number"),
	CONSTRAINT "report_follow_ups_translation" CHECK (("report_follow_ups"."translation" is null) = ("report_follow_ups"."translation_language" is null) and ("report_follow_ups"."translation" is null) = ("report_follow_ups"."translated_by" is null)),
	CONSTRAINT "report_follow_ups_answer" CHECK (("report_follow_ups"."answered_in_version" is null) = ("report_follow_ups"."answered_by" is null) and ("report_follow_ups"."answered_by" is null) = ("report_follow_ups"."answered_at" is null))
);
--> statement-breakpoint
ALTER TABLE "hospital_settings" ADD COLUMN "follow_up_question_limit" integer DEFAULT 3 NOT NULL;--> statement-breakpoint
ALTER TABLE "report_follow_ups" ADD CONSTRAINT "report_follow_ups_case_id_reports_case_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."reports"("case_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_follow_ups" ADD CONSTRAINT "report_follow_ups_translated_by_users_id_fk" FOREIGN KEY ("translated_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_follow_ups" ADD CONSTRAINT "report_follow_ups_answered_by_users_id_fk" FOREIGN KEY ("answered_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hospital_settings" ADD CONSTRAINT "hospital_settings_follow_up_limit" CHECK ("hospital_settings"."follow_up_question_limit" between 0 and 10);