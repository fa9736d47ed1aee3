/**
 * What Quay keeps in its database, as far as the stand-in needs: a schema that `registry` and
 * `repomirror` both migrate at start (as Quay's alembic migrations do, with no lock between
 * them), and the API's state, so a restarted Quay remembers its users and repositories.
 */
import pg from 'pg';

const MIGRATION_HOLD_SECONDS = 2;

function client(dbUri: string): pg.Client {
  return new pg.Client({ connectionString: dbUri.replace(/^postgresql\+[a-z0-9]+:/, 'postgresql:'), connectionTimeoutMillis: 5000 });
}

async function withClient<T>(dbUri: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = client(dbUri);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

export class MigrationConflict extends Error {}

/**
 * Creates the schema on a fresh database. Like alembic it holds its transaction while it works,
 * so a second migrator started at the same moment collides with it and fails.
 */
export function migrate(dbUri: string): Promise<'migrated' | 'current'> {
  return withClient(dbUri, async (c) => {
    const existing = await c.query("SELECT 1 FROM pg_tables WHERE tablename = 'alembic_version'");
    if (existing.rowCount) return 'current';
    try {
      await c.query('BEGIN');
      await c.query('CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)');
      await c.query('CREATE TABLE tackle_standin_api (id int PRIMARY KEY, state jsonb NOT NULL)');
      await c.query(`SELECT pg_sleep(${MIGRATION_HOLD_SECONDS})`);
      await c.query("INSERT INTO alembic_version VALUES ('tackle-standin-3.7')");
      await c.query('COMMIT');
      return 'migrated';
    } catch (error) {
      await c.query('ROLLBACK').catch(() => undefined);
      const code = (error as { code?: string }).code;
      // 23505 unique_violation, 42P07 duplicate_table: another process migrated at the same time.
      if (code === '23505' || code === '42P07') throw new MigrationConflict(`database migration collided with another migrator: ${(error as Error).message}`);
      throw error;
    }
  });
}

export function loadApiState(dbUri: string): Promise<unknown> {
  return withClient(dbUri, async (c) => (await c.query<{ state: unknown }>('SELECT state FROM tackle_standin_api WHERE id = 1')).rows[0]?.state ?? null);
}

export function saveApiState(dbUri: string, state: unknown): Promise<void> {
  return withClient(dbUri, async (c) => {
    await c.query('INSERT INTO tackle_standin_api (id, state) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state', [JSON.stringify(state)]);
  });
}
