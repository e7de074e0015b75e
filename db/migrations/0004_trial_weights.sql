CREATE TABLE "trial_weights" (
	"trial_id" text PRIMARY KEY NOT NULL,
	"epoch" integer NOT NULL,
	"weights" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "trial_weights" ADD CONSTRAINT "trial_weights_trial_id_trials_id_fk" FOREIGN KEY ("trial_id") REFERENCES "public"."trials"("id") ON DELETE no action ON UPDATE no action;