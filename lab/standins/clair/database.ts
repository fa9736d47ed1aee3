/** Clair's database connections: libpq key/value connstrings (or URLs), and the uuid-ossp it needs. */
import pg from 'pg';
import { errorText } from '../shared/log.ts';

/** Parses `host=... port=... dbname=... user=... password='a b' sslmode=disable`. */
export function parseConnstring(connstring: string): pg.ClientConfig {
  if (/^postgres(ql)?:\/\//.test(connstring)) return { connectionString: connstring };
  const fields: Record<string, string> = {};
  const pattern = /\s*([a-z_]+)\s*=\s*('((?:\\.|[^'\\])*)'|\S*)/g;
  for (const m of connstring.matchAll(pattern)) fields[m[1]!] = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : m[2]!;
  return {
    host: fields.host,
    port: fields.port ? Number(fields.port) : undefined,
    database: fields.dbname,
    user: fields.user,
    password: fields.password,
    ssl: fields.sslmode === undefined || fields.sslmode === 'disable' ? false : { rejectUnauthorized: fields.sslmode === 'verify-full' },
  };
}

/** null when the database answers with these credentials and has uuid-ossp, else why not. */
export async function checkClairDatabase(connstring: string): Promise<string | null> {
  const client = new pg.Client({ ...parseConnstring(connstring), connectionTimeoutMillis: 5000, query_timeout: 5000 });
  try {
    await client.connect();
    const result = await client.query("SELECT 1 FROM pg_extension WHERE extname = 'uuid-ossp'");
    return result.rowCount ? null : 'the uuid-ossp extension is not installed in the database';
  } catch (error) {
    return errorText(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}
