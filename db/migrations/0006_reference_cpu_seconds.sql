ALTER TABLE "searches" DROP CONSTRAINT "searches_kind_check";--> statement-breakpoint
ALTER TABLE "trials" ADD COLUMN "cpu_seconds" real;--> statement-breakpoint
ALTER TABLE "searches" ADD CONSTRAINT "searches_kind_check" CHECK ("kind" in ('search', 'baselines', 'scaling', 'final', 'reference'));