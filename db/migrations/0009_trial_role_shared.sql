ALTER TABLE "trials" DROP CONSTRAINT "trials_role_check";--> statement-breakpoint
ALTER TABLE "trials" ADD CONSTRAINT "trials_role_check" CHECK ("role" in ('search', 'final', 'baseline', 'shared'));