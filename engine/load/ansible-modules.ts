/**
 * Ansible modules people write as task keys, and the typed task that does the job (undefined:
 * none does; `command` can run the program). tackle never runs modules.
 */
const MODULE_TO_TASK: Record<string, string | undefined> = {
  copy: 'writeConfig',
  lineinfile: 'writeConfig',
  blockinfile: 'writeConfig',
  ini_file: 'writeConfig',
  file: 'directory',
  shell: 'command',
  raw: 'command',
  script: 'command',
  wait_for: 'waitFor',
  uri: 'waitFor',
  get_url: 'command',
  systemd: 'systemdEnable',
  systemd_service: 'systemdEnable',
  service: 'systemdEnable',
  podman_container: 'podmanRun',
  podman_image: 'podmanImage',
  docker_container: 'podmanRun',
  docker_image: 'podmanImage',
  openssl_privatekey: 'genCA',
  x509_certificate: 'signCert',
  openssl_csr: 'signCert',
  ca_certificates: 'trustCA',
  apt: undefined,
  yum: undefined,
  dnf: undefined,
  package: undefined,
  pip: undefined,
  user: undefined,
  group: undefined,
  git: undefined,
  unarchive: undefined,
  stat: undefined,
  mount: undefined,
  cron: undefined,
  firewalld: undefined,
  ufw: undefined,
  sysctl: undefined,
  mysql_db: undefined,
  postgresql_db: undefined,
};

/** Modules that are not programs on the host: what tackle offers instead. */
const MODULE_TO_KEYWORD: Record<string, string> = {
  set_fact: "set variables with `vars:` on the play, block or task, or keep a task's result with `register:`",
  include_vars: 'load variables with the play\'s `vars_files:`',
  setup: 'facts are gathered before the first task unless `gather_facts: false`',
  gather_facts: 'facts are gathered before the first task unless `gather_facts: false`',
  assert: 'fail a task on a condition with `failed_when:`',
  fail: 'fail a task on a condition with `failed_when:`',
  debug: "keep a task's result with `register:` for later tasks; `-v` shows why each task changed",
  pause: "wait with `command: {argv: [sleep, SECONDS]}` or between loop items with `loop_control.pause`",
};

const COLLECTION_PREFIX = /^(ansible\.builtin|ansible\.posix|community\.general|community\.crypto|community\.docker|community\.mysql|community\.postgresql|containers\.podman)\./;

/** The message for a task key that names an Ansible module, or undefined when it names none. */
export function ansibleModuleMessage(key: string, taskNames: readonly string[]): string | undefined {
  const short = key.replace(COLLECTION_PREFIX, '');
  const isFqcn = short !== key;
  if (!(short in MODULE_TO_TASK) && !(short in MODULE_TO_KEYWORD) && !isFqcn) return undefined;
  const task = MODULE_TO_TASK[short] ?? (taskNames.includes(short) ? short : undefined);
  const keyword = MODULE_TO_KEYWORD[short];
  const use = task ? `use the typed task '${task}'` : keyword ? `no task needed: ${keyword}` : `no typed task does this; 'command' can run the program it would`;
  return `'${key}' is an Ansible module; tackle runs typed tasks, not modules: ${use} (see the task reference in the README)`;
}
