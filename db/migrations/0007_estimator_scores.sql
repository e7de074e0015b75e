CREATE TABLE "estimator_scores" (
	"arch_hash" text NOT NULL,
	"protocol_hash" text NOT NULL,
	"batch_size" integer NOT NULL,
	"estimator" text NOT NULL,
	"seed" integer NOT NULL,
	"version" integer NOT NULL,
	"score" double precision,
	"cpu_seconds" real,
	"backend" text,
	"device" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "estimator_scores_pk" PRIMARY KEY("arch_hash","protocol_hash","batch_size","estimator","seed","version"),
	CONSTRAINT "estimator_scores_estimator_check" CHECK ("estimator" in ('synflow', 'naswot', 'grad_norm', 'snip'))
);
