import { loadConfig, type Config } from './config.ts';
import { migrateDatabase, openDatabase, type Database } from './db/client.ts';
import { lockDataDir } from './db/lock.ts';

export interface Runtime {
  config: Config;
  database: Database;
  close(): Promise<void>;
}

/**
 * Opens the configured database for one command. The embedded database is locked to this
 * process first, so a second process stops with a clear message instead of corrupting it.
 */
export async function openRuntime(purpose: string, opts: { migrate?: boolean } = {}): Promise<Runtime> {
  const config = loadConfig();
  const unlock = config.databaseUrl ? () => {} : lockDataDir(config.dataDir, purpose);
  try {
    const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: config.databasePoolSize });
    if (opts.migrate !== false) await migrateDatabase(database);
    return {
      config,
      database,
      async close() {
        await database.close();
        unlock();
      },
    };
  } catch (err) {
    unlock();
    throw err;
  }
}
