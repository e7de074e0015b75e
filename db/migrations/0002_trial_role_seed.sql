ALTER TABLE "searches" DROP CONSTRAINT "searches_kind_check";--> statement-breakpoint
DROP INDEX "trials_arch_protocol_idx";--> statement-breakpoint
-- Generated as ADD COLUMN ... NOT NULL; edited to fill existing rows first (their meaning is kept:
-- the role follows the search kind, the repeat seed is the protocol's seed).
ALTER TABLE "trials" ADD COLUMN "role" text;--> statement-breakpoint
ALTER TABLE "trials" ADD COLUMN "seed" integer;--> statement-breakpoint
UPDATE "trials" SET "role" = CASE WHEN "searches"."kind" = 'baselines' THEN 'baseline' ELSE 'search' END FROM "searches" WHERE "searches"."id" = "trials"."search_id";--> statement-breakpoint
UPDATE "trials" SET "seed" = COALESCE(("protocols"."protocol"->>'seed')::int, 0) FROM "protocols" WHERE "protocols"."hash" = "trials"."protocol_hash";--> statement-breakpoint
ALTER TABLE "trials" ALTER COLUMN "role" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "trials" ALTER COLUMN "seed" SET NOT NULL;--> statement-breakpoint
CREATE INDEX "trials_arch_protocol_idx" ON "trials" USING btree ("arch_hash","protocol_hash","seed");--> statement-breakpoint
ALTER TABLE "searches" ADD CONSTRAINT "searches_kind_check" CHECK ("kind" in ('search', 'baselines', 'scaling', 'final'));--> statement-breakpoint
ALTER TABLE "trials" ADD CONSTRAINT "trials_role_check" CHECK ("role" in ('search', 'final', 'baseline'));
