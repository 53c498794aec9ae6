CREATE TABLE "provider_health" (
	"provider_type" text NOT NULL,
	"region" text NOT NULL,
	"available" boolean DEFAULT true NOT NULL,
	"consecutive_failures" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"last_checked_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_ok_at" timestamp with time zone,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "provider_health_provider_type_region_pk" PRIMARY KEY("provider_type","region")
);
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "is_admin" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "vibeboxes" ADD COLUMN "placement" jsonb;