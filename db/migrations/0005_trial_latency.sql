ALTER TABLE "trials" ADD COLUMN "latency_ms" real;--> statement-breakpoint
ALTER TABLE "trials" ADD COLUMN "latency_batch_ms" real;--> statement-breakpoint
ALTER TABLE "trials" ADD COLUMN "latency_batch_size" integer;--> statement-breakpoint
ALTER TABLE "trials" ADD COLUMN "latency_device" text;