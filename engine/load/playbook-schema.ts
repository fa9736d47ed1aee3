import type { ErrorObject } from 'ajv';
import { validatorFor } from './schema-validators.ts';
import { unsafeAsText } from '../template/unsafe.ts';
import type { JsonSchema } from '../task.ts';
import { hasTemplate } from '../template/template.ts';

/** JSON schemas of the playbook and inventory formats, and ajv errors in plain English. */

const stringOrList = { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] };
const conditionList = {
  anyOf: [{ type: ['string', 'boolean'] }, { type: 'array', items: { type: ['string', 'boolean'] } }],
};

/** Keys a block, an include or a role entry passes down to the tasks inside it. */
export const INHERITABLE_KEYS_SCHEMA = {
  vars: { type: ['object', 'null'] },
  environment: { type: ['object', 'string', 'null'] },
  become: { type: 'boolean' },
  become_user: { type: 'string' },
  check_mode: { type: 'boolean' },
  diff: { type: 'boolean' },
  delegate_to: { type: 'string' },
  run_once: { type: 'boolean' },
  throttle: { type: 'integer', minimum: 1 },
};

const LOOP_KEYS_SCHEMA = {
  loop: { type: ['array', 'string'] },
  with_items: { type: ['array', 'string'] },
  with_list: { type: ['array', 'string'] },
  with_dict: { type: ['object', 'string'] },
  loop_control: {
    type: 'object',
    additionalProperties: false,
    properties: {
      loop_var: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
      index_var: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
      label: { type: 'string' },
      pause: { type: 'number', minimum: 0 },
    },
  },
};

/** block / rescue / always, with the keys they pass down. */
export const BLOCK_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['block'],
  properties: {
    name: { type: 'string' },
    block: { type: ['array', 'null'] },
    rescue: { type: ['array', 'null'] },
    always: { type: ['array', 'null'] },
    when: conditionList,
    tags: stringOrList,
    ignore_errors: { type: 'boolean' },
    no_log: { type: 'boolean' },
    ...INHERITABLE_KEYS_SCHEMA,
  },
};

/** import_tasks / include_tasks / import_role / include_role entries. */
export const INCLUDE_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string' },
    import_tasks: { type: ['string', 'object'] },
    include_tasks: { type: ['string', 'object'] },
    import_role: { type: 'object', required: ['name'] },
    include_role: { type: 'object', required: ['name'] },
    when: conditionList,
    tags: stringOrList,
    ignore_errors: { type: 'boolean' },
    no_log: { type: 'boolean' },
    apply: { type: 'object' },
    ...LOOP_KEYS_SCHEMA,
    ...INHERITABLE_KEYS_SCHEMA,
  },
};

export const PLAY_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    hosts: stringOrList,
    defaults: { type: ['object', 'null'] },
    defaults_files: stringOrList,
    vars: { type: ['object', 'null'] },
    vars_files: stringOrList,
    tasks: { type: ['array', 'null'] },
    handlers: { type: ['array', 'null'] },
    serial: {
      anyOf: [
        { type: 'integer', minimum: 1 },
        { type: 'string', pattern: '^[0-9]+%$' },
        { type: 'array', items: { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'string', pattern: '^[0-9]+%$' }] } },
      ],
    },
    tags: stringOrList,
    forks: { type: 'integer', minimum: 1 },
    max_fail_percentage: { type: 'number', minimum: 0, maximum: 100 },
    any_errors_fatal: { type: 'boolean' },
    strategy: { enum: ['linear', 'free'] },
    become: { type: 'boolean' },
    become_user: { type: 'string' },
    pre_tasks: { type: ['array', 'null'] },
    post_tasks: { type: ['array', 'null'] },
    roles: { type: ['array', 'null'] },
    gather_facts: { type: 'boolean' },
    environment: { type: ['object', 'string', 'null'] },
    connection: { type: 'string' },
    remote_user: { type: 'string' },
    vars_prompt: { type: 'array', items: { type: 'object', required: ['name'] } },
    run_once: { type: 'boolean' },
    throttle: { type: 'integer', minimum: 1 },
    order: { enum: ['inventory', 'reverse_inventory', 'sorted', 'reverse_sorted', 'shuffle'] },
  },
  required: ['hosts'],
  additionalProperties: false,
};

export const TASK_COMMON_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    when: conditionList,
    tags: stringOrList,
    notify: stringOrList,
    register: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
    no_log: { type: 'boolean' },
    ignore_errors: { type: 'boolean' },
    retries: { type: 'integer', minimum: 0 },
    delay: { type: 'number', minimum: 0 },
    until: { type: ['string', 'boolean'] },
    timeout: { type: 'number', exclusiveMinimum: 0 },
    ...LOOP_KEYS_SCHEMA,
    ...INHERITABLE_KEYS_SCHEMA,
    changed_when: conditionList,
    failed_when: conditionList,
    args: { type: ['object', 'string'] },
  },
};

export const TASK_COMMON_KEYS = Object.keys(TASK_COMMON_SCHEMA.properties as object);
export const HANDLER_ONLY_KEYS = ['listen'];

export const HANDLER_COMMON_SCHEMA: JsonSchema = {
  ...TASK_COMMON_SCHEMA,
  properties: { ...(TASK_COMMON_SCHEMA.properties as object), listen: stringOrList },
};

export const INVENTORY_SCHEMA: JsonSchema = {
  definitions: {
    group: {
      type: ['object', 'null'],
      properties: {
        // A single name is accepted for hosts and children, as Ansible does ("hosts: web1").
        hosts: { type: ['object', 'null', 'string'], additionalProperties: { type: ['object', 'null'] } },
        vars: { type: ['object', 'null'] },
        children: { type: ['object', 'null', 'string'], additionalProperties: { $ref: '#/definitions/group' } },
      },
      additionalProperties: false,
    },
  },
  type: 'object',
  additionalProperties: { $ref: '#/definitions/group' },
};

/** The playbook and inventory schemas the loader validates against (the build precompiles them). */
export const LOADER_SCHEMAS: readonly JsonSchema[] = [PLAY_SCHEMA, BLOCK_SCHEMA, INCLUDE_SCHEMA, TASK_COMMON_SCHEMA, HANDLER_COMMON_SCHEMA, INVENTORY_SCHEMA];

/** One problem: where (a path inside the validated value) and what, in plain English. */
export interface SchemaProblem {
  path: (string | number)[];
  /** Set when the position should be the key itself (an unknown field), not its value. */
  key?: string;
  message: string;
  /** A required field is absent (may only echo a syntax error that cut the map short). */
  missing?: boolean;
}

interface DescribeOptions {
  /** "in genCA", "in play", ...: appended to unknown / missing field messages. */
  where: string;
  /** Drop type-like errors located at a string holding `{{ }}` (checked again after templating). */
  skipTemplated: boolean;
}

/** Validates `value`; returns plain-English problems (empty when valid). */
export function validateAgainst(schema: JsonSchema, value: unknown, opts: DescribeOptions): SchemaProblem[] {
  const validate = validatorFor('load', schema);
  if (validate(unsafeAsText(value))) return [];
  return describeErrors(validate.errors ?? [], opts);
}

function describeErrors(errors: ErrorObject[], opts: DescribeOptions): SchemaProblem[] {
  const branchRoots = errors
    .filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf')
    .map((e) => e.schemaPath + '/');
  const problems: SchemaProblem[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    // Errors from inside an anyOf/oneOf branch are summarised by the anyOf error itself.
    if (branchRoots.some((root) => e.schemaPath.startsWith(root))) continue;
    if (opts.skipTemplated && typeof e.data === 'string' && hasTemplate(e.data)) continue;
    const problem = describeError(e, opts);
    const id = `${problem.path.join('/')}|${problem.key ?? ''}|${problem.message}`;
    if (!seen.has(id)) {
      seen.add(id);
      problems.push(problem);
    }
  }
  return problems;
}

function pathOf(instancePath: string): (string | number)[] {
  if (!instancePath) return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

function showPath(path: readonly (string | number)[]): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

function describeError(e: ErrorObject, opts: DescribeOptions): SchemaProblem {
  const path = pathOf(e.instancePath);
  const field = path.length ? `field '${showPath(path)}'` : `the value ${opts.where}`.trim();
  const params = e.params as Record<string, unknown>;
  const parent = (e.parentSchema ?? {}) as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const known = Object.keys((parent.properties as object | undefined) ?? {});
      const full = showPath([...path, key]);
      return { path, key, message: `unknown field '${full}' ${opts.where}${suggestion(key, known)}` };
    }
    case 'required':
      return { path, missing: true, message: `missing required field '${showPath([...path, String(params.missingProperty)])}' ${opts.where}` };
    case 'type':
      return { path, message: `${field} must be ${String(params.type).split(',').join(' or ')}` };
    case 'enum':
      return { path, message: `${field} must be one of: ${(params.allowedValues as unknown[]).map(String).join(', ')}` };
    case 'const':
      return { path, message: `${field} must be ${JSON.stringify(params.allowedValue)}` };
    case 'pattern':
      // A relative path would resolve against whatever directory the program runs in, and one
      // starting with "-" would be read as an option: paths given to tasks are absolute.
      if (params.pattern === '^/') return { path, message: `${field} must be an absolute path (starting with /)` };
      return { path, message: `${field} must match the pattern ${String(params.pattern)}` };
    case 'format':
      return { path, message: `${field} must be a valid ${String(params.format)}` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { path, message: `${field} must be ${String(params.comparison)} ${String(params.limit)}` };
    case 'minLength':
      return { path, message: `${field} must have at least ${String(params.limit)} character(s)` };
    case 'maxLength':
      return { path, message: `${field} must have at most ${String(params.limit)} characters` };
    case 'minItems':
      return { path, message: `${field} must have at least ${String(params.limit)} item(s)` };
    case 'maxItems':
      return { path, message: `${field} must have at most ${String(params.limit)} items` };
    case 'anyOf':
    case 'oneOf': {
      const branches = (e.schema as { type?: unknown; required?: unknown }[] | undefined) ?? [];
      const types = [...new Set(branches.flatMap((b) => (b.type === undefined ? [] : [b.type].flat().map(String))))];
      if (types.length) return { path, message: `${field} must be ${types.join(' or ')}` };
      // Branches that only require fields: "exactly one of content, text".
      const alternatives = branches.map((b) => (Array.isArray(b.required) ? b.required.map(String).join(' + ') : '')).filter(Boolean);
      if (alternatives.length === branches.length && alternatives.length > 1) {
        return { path, message: `${field} needs ${e.keyword === 'oneOf' ? 'exactly one' : 'at least one'} of: ${alternatives.map((a) => `'${a}'`).join(', ')}` };
      }
      return { path, message: `${field} does not match any allowed form` };
    }
    default:
      return { path, message: `${field} ${e.message ?? 'is invalid'}` };
  }
}

/** Edit distance (Levenshtein), for "did you mean" hints. */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = above;
    }
  }
  return row[b.length]!;
}

export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const limit = Math.max(2, Math.floor(word.length / 3));
  for (const c of candidates) {
    // The distance is at least the difference in length: skip the quadratic work (a 1 MB key took seconds).
    if (Math.abs(c.length - word.length) > limit) continue;
    const d = c.toLowerCase() === word.toLowerCase() ? 0 : editDistance(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

export function suggestion(word: string, candidates: readonly string[]): string {
  const c = closest(word, candidates);
  return c ? ` (did you mean '${c}'?)` : '';
}
