ALTER TABLE "vibeboxes" ADD COLUMN "step" text;
--> statement-breakpoint
-- Every change to a box's row is announced on channel vibebox_changed (payload: the box id), so
-- the API streams status and step changes (GET /api/vibeboxes/:id/events) without polling,
-- whichever process wrote the row. Hand-written: drizzle-kit does not generate triggers.
CREATE OR REPLACE FUNCTION vibebox_changed() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('vibebox_changed', OLD.id);
  ELSE
    PERFORM pg_notify('vibebox_changed', NEW.id);
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER vibeboxes_changed AFTER INSERT OR UPDATE OR DELETE ON "vibeboxes" FOR EACH ROW EXECUTE FUNCTION vibebox_changed();
