CREATE TABLE "consultation_rollups" (
	"kind" text NOT NULL,
	"dim" text NOT NULL,
	"kind_value" text NOT NULL,
	"month" text NOT NULL,
	"value" text NOT NULL,
	"n" integer NOT NULL,
	CONSTRAINT "consultation_rollups_kind_dim_kind_value_month_value_pk" PRIMARY KEY("kind","dim","kind_value","month","value")
);
--> statement-breakpoint
-- What a set of fact rows counts under, per month: -1 for each row of `gone`, +1 for each of `came`;
-- rows that cancel out (a case written without a change to what it counts) are not touched.
-- Rows are locked in key order, so concurrent writers wait for one another rather than deadlock.
CREATE FUNCTION consultation_rollups_apply(gone consultation_facts[], came consultation_facts[]) RETURNS void LANGUAGE sql AS $$
  INSERT INTO consultation_rollups AS r (kind, dim, kind_value, month, value, n)
  SELECT k.kind, e.dim, k.kind_value, f.requested_month, e.value, sum(f.sign)
  FROM (
    SELECT g.*, -1 AS sign FROM unnest(gone) g
    UNION ALL SELECT c.*, 1 AS sign FROM unnest(came) c
  ) f
  CROSS JOIN LATERAL (
    SELECT d.dim, coalesce(d.value, '') FROM (VALUES ('*', ''), ('department', f.department), ('requester', f.requester),
      ('sex', f.sex), ('residence', f.residence), ('country', f.country), ('stage', f.stage), ('subject', f.subject),
      ('reason', f.reason), ('disposition', f.disposition), ('language', f.language)) d(dim, value)
    WHERE f.counted
    UNION ALL SELECT 'outcome', coalesce(o.code, '')
      FROM unnest(CASE WHEN cardinality(f.outcomes) = 0 THEN array[NULL]::text[] ELSE f.outcomes END) o(code) WHERE f.counted
    UNION ALL SELECT 'visit_days', (f.visited_on - f.requested_on)::text WHERE f.counted AND f.visited_on IS NOT NULL
    UNION ALL SELECT 'report_days', (f.reported_on - f.visited_on)::text WHERE f.counted AND f.reported_on IS NOT NULL AND f.visited_on IS NOT NULL
    UNION ALL SELECT s.dim, s.value FROM (VALUES ('survey', ''), ('survey_purpose', f.survey_purpose::text),
      ('survey_understanding', f.survey_understanding::text), ('survey_satisfaction', f.survey_satisfaction::text)) s(dim, value)
    WHERE f.survey_nurse IS NOT NULL AND s.value IS NOT NULL
    UNION ALL SELECT 'survey_nurse', n.code FROM unnest(f.survey_nurse) n(code)
    UNION ALL SELECT 'survey_nurse_any', '' WHERE cardinality(f.survey_nurse) > 0
  ) e(dim, value)
  CROSS JOIN LATERAL (VALUES ('all', ''), ('department', f.department), ('institution', coalesce(f.institution_id::text, '')),
    ('country', coalesce(f.country, '')), ('language', coalesce(f.language, ''))) k(kind, kind_value)
  GROUP BY 1, 2, 3, 4, 5
  HAVING sum(f.sign) <> 0
  ORDER BY 1, 2, 3, 4, 5
  ON CONFLICT (kind, dim, kind_value, month, value) DO UPDATE SET n = r.n + excluded.n
$$;
--> statement-breakpoint
CREATE FUNCTION consultation_rollups_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM consultation_rollups_apply('{}', array(SELECT n::consultation_facts FROM new_rows n));
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE FUNCTION consultation_rollups_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM consultation_rollups_apply(array(SELECT o::consultation_facts FROM old_rows o), array(SELECT n::consultation_facts FROM new_rows n));
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE FUNCTION consultation_rollups_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM consultation_rollups_apply(array(SELECT o::consultation_facts FROM old_rows o), '{}');
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE FUNCTION consultation_rollups_on_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM consultation_rollups;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER consultation_rollups_insert AFTER INSERT ON consultation_facts
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION consultation_rollups_on_insert();
--> statement-breakpoint
CREATE TRIGGER consultation_rollups_update AFTER UPDATE ON consultation_facts
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION consultation_rollups_on_update();
--> statement-breakpoint
CREATE TRIGGER consultation_rollups_delete AFTER DELETE ON consultation_facts
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION consultation_rollups_on_delete();
--> statement-breakpoint
CREATE TRIGGER consultation_rollups_truncate AFTER TRUNCATE ON consultation_facts
  FOR EACH STATEMENT EXECUTE FUNCTION consultation_rollups_on_truncate();
--> statement-breakpoint
SELECT consultation_rollups_apply('{}', array(SELECT f FROM consultation_facts f));
