CREATE TABLE "patient_word_translations" (
	"case_id" uuid NOT NULL,
	"language" text NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"diagnosis" text NOT NULL,
	"current_treatment" text NOT NULL,
	"past_treatment" text NOT NULL,
	"questions" text NOT NULL,
	"translated_by" uuid NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "patient_word_translations_case_id_language_pk" PRIMARY KEY("case_id","language")
);
--> statement-breakpoint
ALTER TABLE "case_classifications" ADD COLUMN "receiving_hospital" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "patient_word_translations" ADD CONSTRAINT "patient_word_translations_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "patient_word_translations" ADD CONSTRAINT "patient_word_translations_translated_by_users_id_fk" FOREIGN KEY ("translated_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;