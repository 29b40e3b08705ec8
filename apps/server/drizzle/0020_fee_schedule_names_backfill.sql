-- Hand-written backfill: an existing fee keeps its one name in every language until an administrator translates it.
UPDATE "fee_schedules" SET "name_ja" = "name", "name_zh" = "name", "name_en" = "name";
