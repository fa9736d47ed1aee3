import type { Connection } from '../../engine/connection.ts';
import { TaskError } from '../../engine/errors.ts';
import { defineTask, type CheckResult, type Fingerprint } from '../../engine/task.ts';
import { requireProgram } from '../../engine/exec-helpers.ts';

export interface WaitForParams {
  url?: string;
  status: number | number[];
  caFile?: string;
  validateCerts: boolean;
  bodyContains?: string;
  port?: number;
  host: string;
  retries: number;
  delay: number;
  timeout: number;
  diagnose: string[][];
}

interface ProbeResult {
  ready: boolean;
  /** What the probe saw, for the failure message: "HTTP 503: {...}", "curl: (7) Failed to connect ...". */
  seen: string;
  status?: number;
}

const BODY_EXCERPT_CHARS = 300;
const STATUS_MARKER = '\n__tackle_http_status:';

export default defineTask<WaitForParams>({
  name: 'waitFor',
  summary: 'Waits, probing from the target host, until a URL answers with the expected status (and body) or a TCP port accepts connections.',
  schema: {
    type: 'object',
    additionalProperties: false,
    oneOf: [{ required: ['url'] }, { required: ['port'] }],
    properties: {
      url: { type: 'string', pattern: '^https?://', description: 'http(s) URL fetched with curl on the target, so `localhost` is the target itself.' },
      status: {
        oneOf: [
          { type: 'integer' },
          { type: 'array', items: { type: 'integer' }, minItems: 1 },
        ],
        default: 200,
        description: 'Expected HTTP status code, or a list of them. Redirects are not followed.',
      },
      caFile: { type: 'string', pattern: '^/', description: 'CA certificate file (absolute path) on the target to verify the TLS server with.' },
      validateCerts: { type: 'boolean', default: true, description: 'false: accept any TLS certificate (curl -k).' },
      bodyContains: { type: 'string', description: 'Also require this text in the response body.' },
      port: { type: 'integer', minimum: 1, maximum: 65535, description: 'TCP port that must accept a connection (instead of `url`).' },
      host: { type: 'string', default: '127.0.0.1', description: 'Host for the TCP probe, as seen from the target.' },
      retries: { type: 'integer', minimum: 1, default: 30, description: 'Number of probes before giving up.' },
      delay: { type: 'number', minimum: 0, default: 2, description: 'Seconds between probes.' },
      timeout: { type: 'number', exclusiveMinimum: 0, default: 5, description: 'Seconds one probe may take.' },
      diagnose: {
        type: 'array',
        default: [],
        items: { type: 'array', minItems: 1, items: { type: 'string' } },
        description: 'Commands (argv) run on the target when the wait fails, e.g. `podman logs` and `systemctl status`; their output ends the failure message.',
      },
    },
    description:
      'Never reports changed. Fails after the last probe with what it last saw (status code and body excerpt, or the connection error). In check mode it probes once and does not wait: the service may only appear after changes that check mode merely simulated, so an unreachable target is reported ok with "not reachable yet (check mode: not waited)".',
  },

  async check(ctx): Promise<CheckResult> {
    const p = ctx.params;
    const target = describeTarget(p);
    if (ctx.checkMode) {
      const result = await probe(ctx.conn, p);
      const fingerprint = probeFingerprint(target, result);
      if (result.ready) return { changed: false, reasons: [`${target} ready`], data: dataOf(result, 1), fingerprint };
      return {
        changed: false,
        fingerprint,
        reasons: [`${target} not reachable yet (check mode: not waited); last: ${result.seen}`],
        data: { ...dataOf(result, 1), ready: false },
      };
    }
    const retries = p.retries;
    const delayMs = p.delay * 1000;
    const started = Date.now();
    let last: ProbeResult | undefined;
    let first: Fingerprint | undefined;
    for (let attempt = 1; attempt <= retries; attempt++) {
      last = await probe(ctx.conn, p);
      first ??= probeFingerprint(target, last);
      if (last.ready) {
        return { changed: false, reasons: [`${target} ready after ${attempt} probe${attempt > 1 ? 's' : ''}`], data: dataOf(last, attempt), fingerprint: first };
      }
      ctx.log(`${target}: probe ${attempt}/${retries}: ${last.seen}`);
      if (attempt < retries) await sleep(delayMs);
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const diagnostics = await diagnose(ctx.conn, p.diagnose);
    throw new TaskError(`${target} not ready after ${retries} probes over ${seconds}s; last: ${last!.seen}${diagnostics}`);
  },

  async change() {
    // check() never reports a change.
  },
});

const DIAGNOSTIC_TAIL_CHARS = 4000;

/** Each command's output (its tail), so a failed wait says why without another login. */
async function diagnose(conn: Connection, commands: readonly string[][]): Promise<string> {
  let out = '';
  for (const argv of commands) {
    const r = await conn.exec(argv, { timeoutMs: 30_000 }).catch((error: unknown) => ({ code: -1, stdout: '', stderr: String(error) }));
    const text = `${r.stdout}${r.stderr}`.trimEnd();
    const tail = text.length > DIAGNOSTIC_TAIL_CHARS ? `...${text.slice(-DIAGNOSTIC_TAIL_CHARS)}` : text;
    out += `\n--- ${argv.join(' ')} (exit ${r.code}):\n${tail || '(no output)'}`;
  }
  return out;
}

/**
 * What a probe saw, as check mode's one probe sees it (a real run's first probe is the same
 * question): ready or not, and the HTTP status; not the body or the error text, which may hold
 * times or ids.
 */
function probeFingerprint(target: string, result: ProbeResult): Fingerprint {
  return { [target]: `${result.ready ? 'ready' : 'not ready'}${result.status === undefined ? '' : ` (HTTP ${result.status})`}` };
}

function describeTarget(p: WaitForParams): string {
  if (p.url !== undefined) return p.url;
  if (p.port === undefined) throw new TaskError('waitFor needs `url` or `port`');
  return `tcp ${p.host}:${p.port}`;
}

function dataOf(result: ProbeResult, attempts: number): Record<string, unknown> {
  return { ready: result.ready, attempts, ...(result.status !== undefined ? { status: result.status } : {}) };
}

function probe(conn: Connection, p: WaitForParams): Promise<ProbeResult> {
  if (p.url !== undefined && p.port !== undefined) throw new TaskError('waitFor takes `url` or `port`, not both');
  return p.url !== undefined ? probeHttp(conn, p, p.url) : probeTcp(conn, p, p.port!);
}

async function probeHttp(conn: Connection, p: WaitForParams, url: string): Promise<ProbeResult> {
  const timeout = p.timeout;
  const tls = p.validateCerts === false ? ['-k'] : p.caFile !== undefined ? ['--cacert', p.caFile] : [];
  const argv = ['curl', '-sS', '-o', '-', '-w', `${STATUS_MARKER}%{http_code}`, '--max-time', String(timeout), ...tls, '--', url];
  const r = await conn.exec(argv, { timeoutMs: (timeout + 10) * 1000 });
  requireProgram(r, 'curl', conn.hostName, 'curl');
  const at = r.stdout.lastIndexOf(STATUS_MARKER);
  const body = at === -1 ? r.stdout : r.stdout.slice(0, at);
  const status = at === -1 ? 0 : Number(r.stdout.slice(at + STATUS_MARKER.length).trim());
  if (r.code !== 0) return { ready: false, seen: `curl exit ${r.code}: ${r.stderr.trim() || 'no error text'}` };
  const wanted = Array.isArray(p.status) ? p.status : [p.status];
  const excerpt = body.trim().slice(0, BODY_EXCERPT_CHARS);
  if (!wanted.includes(status)) {
    return { ready: false, status, seen: `HTTP ${status} (want ${wanted.join(' or ')})${excerpt ? `: ${excerpt}` : ''}` };
  }
  if (p.bodyContains !== undefined && !body.includes(p.bodyContains)) {
    return { ready: false, status, seen: `HTTP ${status} but the body lacks ${JSON.stringify(p.bodyContains)}: ${excerpt}` };
  }
  return { ready: true, status, seen: `HTTP ${status}` };
}

/** bash's /dev/tcp connect, bounded by coreutils `timeout`; host and port go in as $0 and $1, never into the script. */
async function probeTcp(conn: Connection, p: WaitForParams, port: number): Promise<ProbeResult> {
  const timeout = p.timeout;
  const host = p.host;
  const argv = ['timeout', String(timeout), 'bash', '-c', 'exec 3<>"/dev/tcp/$0/$1"', host, String(port)];
  const r = await conn.exec(argv, { timeoutMs: (timeout + 10) * 1000 });
  if (r.code === 0) return { ready: true, seen: 'connected' };
  requireProgram(r, 'timeout or bash (the TCP probe runs both)', conn.hostName, 'coreutils');
  if (r.code === 124) return { ready: false, seen: `no answer within ${timeout}s` };
  const reason = r.stderr.trim().split('\n').pop() ?? '';
  return { ready: false, seen: `connect failed (exit ${r.code})${reason ? `: ${reason}` : ''}` };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
