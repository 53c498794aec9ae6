CREATE TABLE "reconcile_runs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL,
	"deployment" text NOT NULL,
	"dry_run" boolean NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resources_seen" integer NOT NULL,
	"orphans_found" integer NOT NULL,
	"orphans_deleted" integer NOT NULL,
	"vanished_reported" integer NOT NULL,
	"rows_resolved" integer NOT NULL,
	"errors" integer NOT NULL,
	"findings" jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "vibeboxes" ADD COLUMN "deployment" text DEFAULT 'default/vibebox' NOT NULL;--> statement-breakpoint
ALTER TABLE "vibeboxes" ADD COLUMN "state_seq" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "reconcile_runs_started_idx" ON "reconcile_runs" USING btree ("deployment","started_at");--> statement-breakpoint
CREATE INDEX "vibeboxes_deployment_status_idx" ON "vibeboxes" USING btree ("deployment","status");