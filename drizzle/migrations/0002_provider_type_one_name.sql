ALTER TABLE "vibeboxes" RENAME COLUMN "requested_provider" TO "requested_provider_type";--> statement-breakpoint
ALTER TABLE "vibeboxes" RENAME COLUMN "provider" TO "provider_type";