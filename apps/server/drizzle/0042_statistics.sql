CREATE TABLE "consultation_facts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"case_id" uuid,
	"imported_number" text,
	"case_number" text NOT NULL,
	"counted" boolean NOT NULL,
	"institution_id" uuid,
	"department" text NOT NULL,
	"language" text,
	"country" text,
	"residence" text,
	"requester" text,
	"sex" text,
	"stage" text,
	"subject" text,
	"outcomes" text[] DEFAULT '{}'::text[] NOT NULL,
	"reason" text,
	"disposition" text,
	"survey_purpose" smallint,
	"survey_understanding" smallint,
	"survey_satisfaction" smallint,
	"survey_nurse" text[],
	"requested_on" date NOT NULL,
	"requested_month" text NOT NULL,
	"visited_on" date,
	"reported_on" date,
	CONSTRAINT "consultation_facts_case_id_unique" UNIQUE("case_id"),
	CONSTRAINT "consultation_facts_imported_number_unique" UNIQUE("imported_number"),
	CONSTRAINT "consultation_facts_one_source" CHECK ((case_id is null) <> (imported_number is null))
);
--> statement-breakpoint
CREATE TABLE "imported_consultations" (
	"case_number" text PRIMARY KEY NOT NULL,
	"requested_on" date NOT NULL,
	"department" text NOT NULL,
	"requester" text,
	"sex" text,
	"residence" text,
	"stage" text,
	"subject" text,
	"outcomes" text[] DEFAULT '{}'::text[] NOT NULL,
	"reason" text,
	"disposition" text,
	"survey_purpose" smallint,
	"survey_understanding" smallint,
	"survey_satisfaction" smallint,
	"survey_nurse" text[] DEFAULT '{}'::text[] NOT NULL,
	"visited_on" date,
	"reported_on" date,
	"imported_by" uuid NOT NULL,
	"imported_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "consultation_facts" ADD CONSTRAINT "consultation_facts_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consultation_facts" ADD CONSTRAINT "consultation_facts_imported_number_imported_consultations_case_number_fk" FOREIGN KEY ("imported_number") REFERENCES "public"."imported_consultations"("case_number") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "imported_consultations" ADD CONSTRAINT "imported_consultations_department_departments_code_fk" FOREIGN KEY ("department") REFERENCES "public"."departments"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "imported_consultations" ADD CONSTRAINT "imported_consultations_imported_by_users_id_fk" FOREIGN KEY ("imported_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "consultation_facts_month_idx" ON "consultation_facts" USING btree ("requested_on","department");--> statement-breakpoint
CREATE INDEX "consultation_facts_institution_idx" ON "consultation_facts" USING btree ("institution_id","requested_on");