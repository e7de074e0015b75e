CREATE TABLE "architectures" (
	"hash" text PRIMARY KEY NOT NULL,
	"family" text NOT NULL,
	"genotype" jsonb NOT NULL,
	"description" text NOT NULL,
	"params" bigint NOT NULL,
	"flops" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "checkpoints" (
	"trial_id" text PRIMARY KEY NOT NULL,
	"epoch" integer NOT NULL,
	"weights" "bytea" NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "protocols" (
	"hash" text PRIMARY KEY NOT NULL,
	"protocol" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "scaling_points" (
	"study_id" text NOT NULL,
	"method" text NOT NULL,
	"phi" real NOT NULL,
	"alpha" real NOT NULL,
	"beta" real NOT NULL,
	"gamma" real NOT NULL,
	"trial_id" text NOT NULL,
	CONSTRAINT "scaling_points_study_id_method_phi_alpha_beta_gamma_pk" PRIMARY KEY("study_id","method","phi","alpha","beta","gamma"),
	CONSTRAINT "scaling_points_method_check" CHECK ("method" in ('compound', 'depth', 'width', 'resolution', 'grid'))
);
--> statement-breakpoint
CREATE TABLE "scaling_studies" (
	"id" text PRIMARY KEY NOT NULL,
	"base" text NOT NULL,
	"config" jsonb NOT NULL,
	"status" text NOT NULL,
	"chosen" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "scaling_studies_status_check" CHECK ("status" in ('running', 'finished', 'stopped', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "searches" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"space" text NOT NULL,
	"strategy" text NOT NULL,
	"seed" integer NOT NULL,
	"trials_requested" integer NOT NULL,
	"config" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "searches_kind_check" CHECK ("kind" in ('search', 'baselines', 'scaling')),
	CONSTRAINT "searches_status_check" CHECK ("status" in ('running', 'paused', 'stopping', 'finished', 'stopped', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "trial_epochs" (
	"trial_id" text NOT NULL,
	"epoch" integer NOT NULL,
	"train_loss" real NOT NULL,
	"train_accuracy" real NOT NULL,
	"val_loss" real NOT NULL,
	"val_accuracy" real NOT NULL,
	"seconds" real NOT NULL,
	CONSTRAINT "trial_epochs_trial_id_epoch_pk" PRIMARY KEY("trial_id","epoch")
);
--> statement-breakpoint
CREATE TABLE "trials" (
	"id" text PRIMARY KEY NOT NULL,
	"search_id" text NOT NULL,
	"trial_index" integer NOT NULL,
	"arch_hash" text NOT NULL,
	"protocol_hash" text NOT NULL,
	"status" text NOT NULL,
	"baseline_name" text,
	"reused_from" text,
	"fidelity" integer DEFAULT 0 NOT NULL,
	"reward" real,
	"val_accuracy" real,
	"test_accuracy" real,
	"params" bigint NOT NULL,
	"flops" bigint NOT NULL,
	"train_seconds" real,
	"samples_per_second" real,
	"backend" text,
	"device" text,
	"worker" text,
	"error" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	CONSTRAINT "trials_search_index_unique" UNIQUE("search_id","trial_index"),
	CONSTRAINT "trials_status_check" CHECK ("status" in ('queued', 'running', 'succeeded', 'failed', 'diverged', 'over_budget', 'reused', 'cancelled'))
);
--> statement-breakpoint
ALTER TABLE "checkpoints" ADD CONSTRAINT "checkpoints_trial_id_trials_id_fk" FOREIGN KEY ("trial_id") REFERENCES "public"."trials"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scaling_points" ADD CONSTRAINT "scaling_points_study_id_scaling_studies_id_fk" FOREIGN KEY ("study_id") REFERENCES "public"."scaling_studies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scaling_points" ADD CONSTRAINT "scaling_points_trial_id_trials_id_fk" FOREIGN KEY ("trial_id") REFERENCES "public"."trials"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trial_epochs" ADD CONSTRAINT "trial_epochs_trial_id_trials_id_fk" FOREIGN KEY ("trial_id") REFERENCES "public"."trials"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trials" ADD CONSTRAINT "trials_search_id_searches_id_fk" FOREIGN KEY ("search_id") REFERENCES "public"."searches"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trials" ADD CONSTRAINT "trials_arch_hash_architectures_hash_fk" FOREIGN KEY ("arch_hash") REFERENCES "public"."architectures"("hash") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trials" ADD CONSTRAINT "trials_protocol_hash_protocols_hash_fk" FOREIGN KEY ("protocol_hash") REFERENCES "public"."protocols"("hash") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "trials_arch_protocol_idx" ON "trials" USING btree ("arch_hash","protocol_hash");--> statement-breakpoint
CREATE INDEX "trials_search_status_idx" ON "trials" USING btree ("search_id","status");