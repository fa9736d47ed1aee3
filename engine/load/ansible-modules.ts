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
  debug: undefined,
  set_fact: undefined,
  assert: undefined,
  fail: undefined,
  pause: undefined,
  setup: undefined,
  stat: undefined,
  mount: undefined,
  cron: undefined,
  firewalld: undefined,
  ufw: undefined,
  sysctl: undefined,
  mysql_db: undefined,
  postgresql_db: undefined,
};

const COLLECTION_PREFIX = /^(ansible\.builtin|ansible\.posix|community\.general|community\.crypto|community\.docker|community\.mysql|community\.postgresql|containers\.podman)\./;

/** The message for a task key that names an Ansible module, or undefined when it names none. */
export function ansibleModuleMessage(key: string, taskNames: readonly string[]): string | undefined {
  const short = key.replace(COLLECTION_PREFIX, '');
  const isFqcn = short !== key;
  if (!(short in MODULE_TO_TASK) && !isFqcn) return undefined;
  const task = MODULE_TO_TASK[short] ?? (taskNames.includes(short) ? short : undefined);
  const use = task ? `use the typed task '${task}'` : `no typed task does this; 'command' can run the program it would`;
  return `'${key}' is an Ansible module; tackle runs typed tasks, not modules: ${use} (see the task reference in the README)`;
}
