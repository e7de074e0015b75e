ALTER TABLE "scaling_points" ADD COLUMN "repeat" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "scaling_points" DROP CONSTRAINT "scaling_points_study_id_method_phi_alpha_beta_gamma_pk";--> statement-breakpoint
ALTER TABLE "scaling_points" ADD CONSTRAINT "scaling_points_study_id_method_phi_alpha_beta_gamma_repeat_pk" PRIMARY KEY("study_id","method","phi","alpha","beta","gamma","repeat");
