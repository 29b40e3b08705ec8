import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';

/**
 * Requests without credentials that the gate refused, counted per action and day rather than
 * written to the audit log one row each: anyone can send them without end.
 */
export async function countAnonymousDenial(db: Db, action: string): Promise<void> {
  await db.execute(sql`
    insert into denied_requests (day, action, count) values (current_date, ${action}, 1)
    on conflict (day, action) do update set count = denied_requests.count + 1`);
}
