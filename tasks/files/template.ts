import { defineTask, type CheckResult, type TaskContext } from '../../engine/task.ts';
import { modeSchema } from './file-mode.ts';
import writeConfig, { type WriteConfigParams, type WriteConfigPlan } from './writeConfig.ts';

export interface TemplateParams {
  src: string;
  dest: string;
  mode: string | number;
  owner?: string | number;
  group?: string | number;
  backup?: boolean;
  createDirs?: boolean;
}

/** The rendered file is written exactly as writeConfig writes `text`: atomically, with mode, owner and diff. */
function asWrite(ctx: TaskContext<TemplateParams>, text: string): TaskContext<WriteConfigParams> {
  return { ...ctx, params: writeParams(ctx.params, text) };
}

function writeParams(p: TemplateParams, text: string): WriteConfigParams {
  const { src: _src, dest, ...attributes } = p;
  return { path: dest, text, ...attributes };
}

export default defineTask<TemplateParams, WriteConfigPlan>({
  name: 'template',
  summary:
    "Renders a Jinja template from templates/ (the role's, then the playbook's) with the host's variables and writes it to the host, as Ansible's template module does.",
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['src', 'dest'],
    properties: {
      src: {
        type: 'string',
        minLength: 1,
        description: "Template file on the controller: a name looked up in templates/ of the role, then of the playbook, or an absolute path. `{% if %}`, `{% for %}`, `{% set %}`, filters and lookups work as in Ansible (trim_blocks on).",
      },
      dest: { type: 'string', pattern: '^/', description: 'Absolute path of the file on the target. A symlink or directory there is an error, not followed.' },
      mode: { ...modeSchema, default: '0644', description: `${modeSchema.description} An owner-only mode (0600, 0400) marks the file as holding secrets: --diff then hides its content.` },
      owner: { type: ['string', 'integer'], description: 'User name or uid; when omitted an existing file keeps its owner.' },
      group: { type: ['string', 'integer'], description: 'Group name or gid; when omitted an existing file keeps its group.' },
      backup: { type: 'boolean', default: false, description: 'Before replacing different content, copy the old file to DEST.YYYYMMDDTHHMMSS~.' },
      createDirs: { type: 'boolean', default: false, description: 'Create a missing parent directory (mode 0755). Otherwise a missing parent is an error.' },
    },
  },
  outputs: (p) => [p.dest],
  templateFiles: (p) => (typeof p.src === 'string' ? [p.src] : []),
  inputs: (p) => writeConfig.inputs!(writeParams(p, '')),

  check(ctx): Promise<CheckResult<WriteConfigPlan>> {
    return writeConfig.check(asWrite(ctx, ctx.renderTemplate(ctx.params.src)));
  },
  async change(ctx, plan) {
    // The text rendered by check() is in the plan; change() writes that, not a second rendering.
    return writeConfig.change(asWrite(ctx, ''), plan);
  },
});
