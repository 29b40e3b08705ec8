CREATE TABLE "indicator_actuals" (
	"fiscal_year" integer NOT NULL,
	"indicator" text NOT NULL,
	"actual" integer NOT NULL,
	"note" text DEFAULT '' NOT NULL,
	"entered_by" uuid NOT NULL,
	"entered_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "indicator_actuals_fiscal_year_indicator_pk" PRIMARY KEY("fiscal_year","indicator"),
	CONSTRAINT "indicator_actuals_actual" CHECK ("indicator_actuals"."actual" >= 0)
);
--> statement-breakpoint
CREATE TABLE "indicator_plans" (
	"fiscal_year" integer NOT NULL,
	"indicator" text NOT NULL,
	"planned" integer NOT NULL,
	"updated_by" uuid NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "indicator_plans_fiscal_year_indicator_pk" PRIMARY KEY("fiscal_year","indicator"),
	CONSTRAINT "indicator_plans_planned" CHECK ("indicator_plans"."planned" >= 0)
);
--> statement-breakpoint
ALTER TABLE "indicator_actuals" ADD CONSTRAINT "indicator_actuals_entered_by_users_id_fk" FOREIGN KEY ("entered_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "indicator_plans" ADD CONSTRAINT "indicator_plans_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;