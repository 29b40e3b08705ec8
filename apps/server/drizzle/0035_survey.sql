CREATE TABLE "surveys" (
	"case_id" uuid PRIMARY KEY NOT NULL,
	"opened_at" timestamp with time zone DEFAULT now() NOT NULL,
	"opened_by" uuid,
	"purpose" smallint,
	"understanding" smallint,
	"satisfaction" smallint,
	"nurse" text[] DEFAULT '{}'::text[] NOT NULL,
	"comment" text DEFAULT '' NOT NULL,
	"reminded_at" timestamp with time zone,
	"submitted_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "surveys_scales" CHECK ("surveys"."purpose" between 1 and 4 and "surveys"."understanding" between 1 and 4 and "surveys"."satisfaction" between 1 and 4),
	CONSTRAINT "surveys_submitted_complete" CHECK ("surveys"."submitted_at" is null or ("surveys"."purpose" is not null and "surveys"."understanding" is not null and "surveys"."satisfaction" is not null))
);
--> statement-breakpoint
ALTER TABLE "hospital_settings" ADD COLUMN "survey_answers_visible_to_staff" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "surveys" ADD CONSTRAINT "surveys_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "surveys" ADD CONSTRAINT "surveys_opened_by_users_id_fk" FOREIGN KEY ("opened_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;