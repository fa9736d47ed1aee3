/**
 * Quay's REST API as the quay* tasks use it: its request and response shapes, its auth rules
 * (Bearer OAuth tokens) and its rejections. The tests' API stand-in and the lab's Quay
 * stand-in both serve this one implementation.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type http from 'node:http';

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
  authorization?: string;
}

export interface QuayApiUser {
  password: string;
  email?: string;
}

export interface QuayApiMessage {
  uuid: string;
  content: string;
  severity: string;
  media_type: string;
}

export interface QuayApiRepo {
  namespace: string;
  name: string;
  visibility: string;
  description: string;
  kind: string;
  state: string;
}

export interface QuayApiMirror {
  is_enabled: boolean;
  external_reference: string;
  external_registry_username: string | null;
  /** Stored like Quay stores it; never returned by GET. */
  external_registry_password: string | null;
  sync_interval: number;
  sync_start_date: string;
  robot_username: string;
  rule_value: string[];
  external_registry_config: Record<string, unknown>;
  sync_status: string;
}

export interface QuayApiOptions {
  tls?: { key: string; cert: string };
  /** FEATURE_USER_INITIALIZE (default true). */
  userInitialize?: boolean;
  /** FEATURE_ANONYMOUS_ACCESS (default true): when false, anonymous API calls get 401. */
  anonymousAccess?: boolean;
  /** FEATURE_MAILING: while on, creating the first user requires an email. */
  mailing?: boolean;
  /** Called after every request that changed something (to persist snapshot()). */
  onWrite?: () => void;
}

export interface ApiState {
  users: [string, QuayApiUser][];
  tokens: [string, string][];
  messages: QuayApiMessage[];
  orgs: string[];
  robots: string[];
  repos: [string, QuayApiRepo][];
  mirrors: [string, QuayApiMirror][];
}

interface Reply {
  status: number;
  body?: unknown;
}

type Handler = (m: RegExpMatchArray, body: unknown, user: string | null) => Reply;

interface Route {
  method: string;
  pattern: RegExp;
  /** Anonymous callers allowed (Quay still rejects an invalid token on these). */
  anonymous?: boolean;
  handler: Handler;
}

const ISO_SECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

export class QuayApi {
  readonly users = new Map<string, QuayApiUser>();
  /** token -> username */
  readonly tokens = new Map<string, string>();
  messages: QuayApiMessage[] = [];
  readonly orgs = new Set<string>();
  /** "org+short" */
  readonly robots = new Set<string>();
  /** "ns/name" */
  readonly repos = new Map<string, QuayApiRepo>();
  readonly mirrors = new Map<string, QuayApiMirror>();

  private readonly routes: Route[];

  constructor(private readonly opts: QuayApiOptions = {}) {
    this.routes = this.buildRoutes();
  }

  /** Reads the request body, answers it, and tells onRequest what came in. */
  serve(req: http.IncomingMessage, res: http.ServerResponse, onRequest?: (r: RecordedRequest) => void): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const path = (req.url ?? '/').split('?')[0]!;
      const method = req.method ?? 'GET';
      let body: unknown = null;
      let badJson = false;
      if (raw) {
        try {
          body = JSON.parse(raw);
        } catch {
          badJson = true;
        }
      }
      onRequest?.({ method, path, body, authorization: req.headers.authorization });
      const reply = badJson ? bad('Invalid JSON body') : this.dispatch(method, path, body, req.headers.authorization);
      if (method !== 'GET' && reply.status < 400) this.opts.onWrite?.();
      const text = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
      res.writeHead(reply.status, text && typeof reply.body !== 'string' ? { 'content-type': 'application/json' } : {});
      res.end(text);
    });
  }

  /** Everything the API holds, as JSON. */
  snapshot(): ApiState {
    return {
      users: [...this.users],
      tokens: [...this.tokens],
      messages: this.messages,
      orgs: [...this.orgs],
      robots: [...this.robots],
      repos: [...this.repos],
      mirrors: [...this.mirrors],
    };
  }

  restore(state: ApiState): void {
    const refill = <K, V>(map: Map<K, V>, entries: [K, V][]) => {
      map.clear();
      for (const [k, v] of entries) map.set(k, v);
    };
    refill(this.users, state.users);
    refill(this.tokens, state.tokens);
    refill(this.repos, state.repos);
    refill(this.mirrors, state.mirrors);
    this.messages = state.messages;
    this.orgs.clear();
    for (const o of state.orgs) this.orgs.add(o);
    this.robots.clear();
    for (const r of state.robots) this.robots.add(r);
  }

  private dispatch(method: string, path: string, body: unknown, authorization: string | undefined): Reply {
    if (method === 'GET' && path === '/v2/auth') return this.registryAuth(authorization);
    let user: string | null = null;
    if (authorization !== undefined) {
      const token = /^Bearer (.+)$/.exec(authorization)?.[1];
      user = token ? (this.tokens.get(token) ?? null) : null;
      if (!user) return unauthorized('OAuth access token could not be validated');
    }
    for (const route of this.routes) {
      const m = path.match(route.pattern);
      if (!m || route.method !== method) continue;
      const anonymousOk = route.anonymous && (this.opts.anonymousAccess ?? true);
      if (!user && !anonymousOk) return unauthorized('Requires authentication');
      return route.handler(m, body, user);
    }
    return { status: 404, body: { detail: 'Not Found', status: 404 } };
  }

  /** The registry token endpoint: Basic auth with a user's password. */
  private registryAuth(authorization: string | undefined): Reply {
    const basic = /^Basic (.+)$/.exec(authorization ?? '')?.[1];
    if (!basic) return unauthorized('Invalid username or password');
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = this.users.get(decoded.slice(0, colon));
    if (!user || user.password !== decoded.slice(colon + 1)) return unauthorized('Invalid username or password');
    return { status: 200, body: { token: randomBytes(16).toString('hex') } };
  }

  private buildRoutes(): Route[] {
    const r = (method: string, pattern: RegExp, handler: Handler, anonymous = false): Route => ({ method, pattern, handler, anonymous });
    return [
      r('POST', /^\/api\/v1\/user\/initialize$/, (_m, b) => this.initialize(b), true),
      r('GET', /^\/api\/v1\/user\/?$/, (_m, _b, u) => ({ status: 200, body: { username: u, anonymous: false } })),
      r('GET', /^\/api\/v1\/users\/([^/]+)$/, (m) => (this.users.has(m[1]!) ? { status: 200, body: { username: m[1], is_robot: false } } : notFound()), true),
      r('GET', /^\/api\/v1\/messages$/, () => ({ status: 200, body: { messages: this.messages } }), true),
      r('POST', /^\/api\/v1\/messages$/, (_m, b) => this.createMessage(b)),
      r('DELETE', /^\/api\/v1\/message\/([^/]+)$/, (m) => {
        this.messages = this.messages.filter((x) => x.uuid !== m[1]);
        return { status: 204 };
      }),
      r('GET', /^\/api\/v1\/organization\/([^/]+)$/, (m) => (this.orgs.has(m[1]!) ? { status: 200, body: { name: m[1], is_admin: true } } : notFound())),
      r('POST', /^\/api\/v1\/organization\/$/, (_m, b) => this.createOrg(b)),
      r('GET', /^\/api\/v1\/organization\/([^/]+)\/robots\/([^/]+)$/, (m) => this.getRobot(m[1]!, m[2]!)),
      r('PUT', /^\/api\/v1\/organization\/([^/]+)\/robots\/([^/]+)$/, (m) => this.createRobot(m[1]!, m[2]!)),
      r('POST', /^\/api\/v1\/repository$/, (_m, b) => this.createRepo(b)),
      r('GET', /^\/api\/v1\/repository\/([^/]+)\/([^/]+)$/, (m) => this.getRepo(m[1]!, m[2]!)),
      r('PUT', /^\/api\/v1\/repository\/([^/]+)\/([^/]+)\/changestate$/, (m, b) => this.changeState(m[1]!, m[2]!, b)),
      r('GET', /^\/api\/v1\/repository\/([^/]+)\/([^/]+)\/mirror$/, (m) => this.getMirror(`${m[1]}/${m[2]}`)),
      r('POST', /^\/api\/v1\/repository\/([^/]+)\/([^/]+)\/mirror$/, (m, b) => this.createMirror(m[1]!, m[2]!, b)),
      r('PUT', /^\/api\/v1\/repository\/([^/]+)\/([^/]+)\/mirror$/, (m, b) => this.updateMirror(m[1]!, `${m[1]}/${m[2]}`, b)),
      r('POST', /^\/api\/v1\/repository\/([^/]+)\/([^/]+)\/mirror\/sync-now$/, (m) => {
        const mirror = this.mirrors.get(`${m[1]}/${m[2]}`);
        if (!mirror) return notFound();
        mirror.sync_status = 'SYNC_NOW';
        return { status: 204 };
      }),
    ];
  }

  private initialize(body: unknown): Reply {
    if (this.opts.userInitialize === false) return notFound();
    if (this.users.size > 0) return { status: 400, body: { message: 'Cannot initialize user in a non-empty database' } };
    if (!isObj(body) || typeof body.username !== 'string' || typeof body.password !== 'string') {
      return { status: 400, body: { message: 'Failed to initialize user: username and password are required' } };
    }
    if (this.opts.mailing && (typeof body.email !== 'string' || body.email === '')) {
      return { status: 400, body: { message: 'Failed to initialize user: an email address is required while FEATURE_MAILING is on' } };
    }
    this.users.set(body.username, { password: body.password, email: typeof body.email === 'string' ? body.email : undefined });
    const result: Record<string, unknown> = {
      username: body.username,
      email: body.email ?? null,
      encrypted_password: randomBytes(24).toString('base64'),
    };
    if (body.access_token) {
      const token = randomBytes(20).toString('hex').toUpperCase();
      this.tokens.set(token, body.username);
      result.access_token = token;
    }
    return { status: 200, body: result };
  }

  private createMessage(body: unknown): Reply {
    const msg = isObj(body) ? body.message : undefined;
    if (!isObj(msg) || typeof msg.content !== 'string') return bad("'message' with 'content' is required");
    if (!['text/plain', 'text/markdown'].includes(String(msg.media_type))) return bad(`'${String(msg.media_type)}' is not one of ['text/plain', 'text/markdown']`);
    if (!['info', 'warning', 'error'].includes(String(msg.severity))) return bad(`'${String(msg.severity)}' is not one of ['info', 'warning', 'error']`);
    this.messages.push({ uuid: randomUUID(), content: msg.content, severity: String(msg.severity), media_type: String(msg.media_type) });
    return { status: 201, body: '' };
  }

  private createOrg(body: unknown): Reply {
    if (!isObj(body) || typeof body.name !== 'string') return bad("'name' is a required property");
    if (this.orgs.has(body.name) || this.users.has(body.name)) return bad('A user or organization with this name already exists');
    this.orgs.add(body.name);
    return { status: 201, body: 'Created' };
  }

  private getRobot(org: string, short: string): Reply {
    const name = `${org}+${short}`;
    if (!this.orgs.has(org) || !this.robots.has(name)) return { status: 404, body: { detail: 'Could not find robot with specified username', status: 404 } };
    return { status: 200, body: { name, description: '', token: 'ROBOT-TOKEN' } };
  }

  private createRobot(org: string, short: string): Reply {
    if (!this.orgs.has(org)) return notFound();
    if (!/^[a-z][a-z0-9_]{1,254}$/.test(short)) return bad(`Invalid robot account shortname: ${short}`);
    const name = `${org}+${short}`;
    if (this.robots.has(name)) return bad(`Existing robot with name: ${name}`);
    this.robots.add(name);
    return { status: 201, body: { name, description: '', token: 'ROBOT-TOKEN' } };
  }

  private createRepo(body: unknown): Reply {
    if (!isObj(body)) return bad('Invalid JSON body');
    for (const key of ['repository', 'visibility', 'description']) {
      if (typeof body[key] !== 'string') return bad(`'${key}' is a required property`);
    }
    if (!['public', 'private'].includes(String(body.visibility))) return bad(`'${String(body.visibility)}' is not one of ['public', 'private']`);
    if (body.repo_kind !== undefined && body.repo_kind !== null && !['image', 'application'].includes(String(body.repo_kind))) {
      return bad(`'${String(body.repo_kind)}' is not one of ['image', 'application', None]`);
    }
    const namespace = String(body.namespace);
    if (!this.orgs.has(namespace)) return { status: 403, body: { detail: 'Unauthorized', status: 403 } };
    const key = `${namespace}/${String(body.repository)}`;
    if (this.repos.has(key)) return bad('Repository already exists');
    const kind = String(body.repo_kind ?? 'image');
    this.repos.set(key, { namespace, name: String(body.repository), visibility: String(body.visibility), description: String(body.description), kind, state: 'NORMAL' });
    return { status: 201, body: { namespace, name: body.repository, kind } };
  }

  private getRepo(ns: string, name: string): Reply {
    const repo = this.repos.get(`${ns}/${name}`);
    if (!repo) return notFound();
    return {
      status: 200,
      body: { namespace: ns, name, kind: repo.kind, description: repo.description, is_public: repo.visibility === 'public', state: repo.state, can_write: repo.state === 'NORMAL', can_admin: true },
    };
  }

  private changeState(ns: string, name: string, body: unknown): Reply {
    const repo = this.repos.get(`${ns}/${name}`);
    if (!isObj(body) || typeof body.state !== 'string') return bad("'state' is a required property");
    if (!['NORMAL', 'READ_ONLY', 'MIRROR'].includes(body.state)) return bad(`'${body.state}' is not one of ['NORMAL', 'READ_ONLY', 'MIRROR']`);
    if (!repo) return notFound();
    repo.state = body.state;
    return { status: 200, body: { success: true } };
  }

  private getMirror(key: string): Reply {
    const m = this.mirrors.get(key);
    if (!m) return notFound();
    return {
      status: 200,
      body: {
        is_enabled: m.is_enabled,
        mirror_type: 'PULL',
        external_reference: m.external_reference,
        external_registry_username: m.external_registry_username,
        external_registry_config: m.external_registry_config,
        sync_interval: m.sync_interval,
        sync_start_date: m.sync_start_date,
        sync_expiration_date: null,
        sync_retries_remaining: 3,
        sync_status: m.sync_status,
        root_rule: { rule_kind: 'tag_glob_csv', rule_value: m.rule_value },
        robot_username: m.robot_username,
      },
    };
  }

  private createMirror(ns: string, name: string, body: unknown): Reply {
    const key = `${ns}/${name}`;
    if (!this.repos.has(key)) return notFound();
    if (this.mirrors.has(key)) return { status: 409, body: { detail: `Mirror configuration already exits for repository ${key}` } };
    if (!isObj(body)) return bad('Invalid JSON body');
    for (const k of ['external_reference', 'sync_interval', 'sync_start_date', 'root_rule']) {
      if (!(k in body)) return bad(`'${k}' is a required property`);
    }
    const invalid = validateMirrorFields(body);
    if (invalid) return bad(invalid);
    const robot = this.checkRobot(ns, body.robot_username);
    if (typeof robot !== 'string') return robot;
    const rule = body.root_rule as { rule_value: string[] };
    this.mirrors.set(key, {
      is_enabled: body.is_enabled === undefined ? true : Boolean(body.is_enabled),
      external_reference: String(body.external_reference),
      external_registry_username: (body.external_registry_username as string | null | undefined) ?? null,
      external_registry_password: (body.external_registry_password as string | null | undefined) ?? null,
      sync_interval: Number(body.sync_interval),
      sync_start_date: String(body.sync_start_date),
      robot_username: robot,
      rule_value: rule.rule_value,
      external_registry_config: isObj(body.external_registry_config) ? structuredClone(body.external_registry_config) : {},
      sync_status: 'NEVER_RUN',
    });
    return { status: 201, body: '' };
  }

  /** Field by field, as Quay's PUT does: only the keys present are touched. */
  private updateMirror(ns: string, key: string, body: unknown): Reply {
    if (!isObj(body)) return bad('Invalid JSON body');
    const invalid = validateMirrorFields(body);
    if (invalid) return bad(invalid);
    const m = this.mirrors.get(key);
    if (!m) return notFound();
    if ('is_enabled' in body) m.is_enabled = Boolean(body.is_enabled);
    if ('external_reference' in body) {
      if (body.external_reference === '') return bad('Empty string is an invalid repository location.');
      m.external_reference = String(body.external_reference);
    }
    if ('robot_username' in body) {
      const robot = this.checkRobot(ns, body.robot_username);
      if (typeof robot !== 'string') return robot;
      m.robot_username = robot;
    }
    if ('sync_start_date' in body) m.sync_start_date = String(body.sync_start_date);
    if ('sync_interval' in body) m.sync_interval = Number(body.sync_interval);
    const hasUser = 'external_registry_username' in body;
    const hasPassword = 'external_registry_password' in body;
    if (hasPassword && !hasUser) return bad('Unable to set a new password without also specifying a username.');
    if (hasUser && hasPassword) {
      if (body.external_registry_username === null && body.external_registry_password !== null) {
        return bad('Unable to delete username while setting a password.');
      }
      m.external_registry_password = body.external_registry_password as string | null;
    }
    if (hasUser) m.external_registry_username = body.external_registry_username as string | null;
    if (isObj(body.external_registry_config)) {
      const cfg = body.external_registry_config;
      if ('verify_tls' in cfg) m.external_registry_config.verify_tls = cfg.verify_tls;
      if ('unsigned_images' in cfg) m.external_registry_config.unsigned_images = cfg.unsigned_images;
      if (isObj(cfg.proxy)) {
        const proxy = isObj(m.external_registry_config.proxy) ? m.external_registry_config.proxy : {};
        for (const k of ['http_proxy', 'https_proxy', 'no_proxy']) if (k in cfg.proxy) proxy[k] = cfg.proxy[k];
        m.external_registry_config.proxy = proxy;
      }
    }
    if (isObj(body.root_rule)) m.rule_value = body.root_rule.rule_value as string[];
    return { status: 201, body: '' };
  }

  private checkRobot(ns: string, robot: unknown): string | Reply {
    if (typeof robot !== 'string' || !this.robots.has(robot)) return bad(`Could not find robot with username: ${String(robot)}`);
    if (robot.split('+')[0] !== ns) return bad('Invalid robot');
    return robot;
  }
}

/** Quay's mirror JSON schema checks (types, enums, formats). */
function validateMirrorFields(body: Record<string, unknown>): string | null {
  if ('is_enabled' in body && typeof body.is_enabled !== 'boolean') return `${JSON.stringify(body.is_enabled)} is not of type 'boolean'`;
  if ('external_reference' in body && typeof body.external_reference !== 'string') return "'external_reference' is not of type 'string'";
  if ('sync_interval' in body && (!Number.isInteger(body.sync_interval) || Number(body.sync_interval) < 0)) return `${JSON.stringify(body.sync_interval)} is not a valid sync_interval`;
  if ('sync_start_date' in body && (typeof body.sync_start_date !== 'string' || !ISO_SECONDS.test(body.sync_start_date))) return 'Incorrect DateTime format for sync_start_date.';
  for (const k of ['external_registry_username', 'external_registry_password']) {
    if (k in body && body[k] !== null && typeof body[k] !== 'string') return `'${k}' is not of type 'string', 'null'`;
  }
  if ('root_rule' in body) {
    const rule = body.root_rule;
    if (!isObj(rule) || !('rule_kind' in rule) || !('rule_value' in rule)) return "'rule_kind' and 'rule_value' are required properties";
    if (rule.rule_kind !== 'tag_glob_csv') return 'validation failed: rule_kind must be "tag_glob_csv"';
    if (!Array.isArray(rule.rule_value) || !rule.rule_value.every((v) => typeof v === 'string')) return "'rule_value' is not an array of strings";
  }
  if ('external_registry_config' in body && !isObj(body.external_registry_config)) return "'external_registry_config' is not of type 'object'";
  return null;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(detail: string): Reply {
  return { status: 400, body: { detail, error_message: detail, status: 400, title: 'invalid_request' } };
}

function notFound(): Reply {
  return { status: 404, body: { detail: 'Not Found', error_message: 'Not Found', status: 404, title: 'not_found' } };
}

function unauthorized(detail: string): Reply {
  return { status: 401, body: { detail, error_message: detail, status: 401, title: 'unauthorized' } };
}

