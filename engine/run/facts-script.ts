/**
 * The facts Ansible users reach for, read in one shell command on the host (one round trip).
 * Prints KEY=VALUE lines, then the environment (NUL-separated where `env -0` exists); parseFacts
 * turns that into ansible_facts. `ip route get` only looks the route up; nothing is sent.
 */
export const FACTS_SCRIPT = `
h=$(hostname 2>/dev/null || uname -n)
echo "hostname=$h"
ip=$(getent hosts "$h" 2>/dev/null | awk '{print $1; exit}')
[ -n "$ip" ] && echo "fqdn_names=$(getent hosts "$ip" 2>/dev/null | awk '{for (i = 2; i <= NF; i++) printf "%s ", $i; exit}')"
[ -r /etc/os-release ] && (. /etc/os-release; echo "os_id=$ID"; echo "os_name=$NAME"; echo "os_version_id=$VERSION_ID"; echo "os_like=$ID_LIKE")
[ -r /etc/debian_version ] && echo "debian_version=$(cat /etc/debian_version)"
echo "architecture=$(uname -m)"
echo "route=$(ip -4 route get 8.8.8.8 2>/dev/null | head -n 1)"
echo "vcpus=$(grep -c '^processor' /proc/cpuinfo 2>/dev/null)"
echo "memtotal_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo 2>/dev/null)"
echo "user_id=$(id -un)"
echo "pid1=$(cat /proc/1/comm 2>/dev/null)"
[ -d /run/systemd/system ] && echo "systemd=yes"
echo "--env--"
env -0 2>/dev/null || env
`;

/** ID from /etc/os-release -> Ansible's distribution name and os_family. */
const DISTRIBUTIONS: Record<string, [string, string]> = {
  debian: ['Debian', 'Debian'],
  ubuntu: ['Ubuntu', 'Debian'],
  linuxmint: ['Linux Mint', 'Debian'],
  raspbian: ['Debian', 'Debian'],
  rhel: ['RedHat', 'RedHat'],
  centos: ['CentOS', 'RedHat'],
  fedora: ['Fedora', 'RedHat'],
  rocky: ['Rocky', 'RedHat'],
  almalinux: ['AlmaLinux', 'RedHat'],
  ol: ['OracleLinux', 'RedHat'],
  amzn: ['Amazon', 'RedHat'],
  alpine: ['Alpine', 'Alpine'],
  arch: ['Archlinux', 'Archlinux'],
  sles: ['SLES', 'Suse'],
  'opensuse-leap': ['openSUSE Leap', 'Suse'],
  'opensuse-tumbleweed': ['openSUSE Tumbleweed', 'Suse'],
  gentoo: ['Gentoo', 'Gentoo'],
};

export interface Facts {
  hostname: string;
  nodename: string;
  fqdn: string;
  os_family: string;
  distribution: string;
  distribution_version: string;
  distribution_major_version: string;
  architecture: string;
  default_ipv4: { address?: string; interface?: string };
  processor_vcpus: number;
  memtotal_mb: number;
  env: Record<string, string>;
  user_id: string;
  service_mgr: string;
}

const FACT_KEYS: Record<keyof Facts, true> = {
  hostname: true,
  nodename: true,
  fqdn: true,
  os_family: true,
  distribution: true,
  distribution_version: true,
  distribution_major_version: true,
  architecture: true,
  default_ipv4: true,
  processor_vcpus: true,
  memtotal_mb: true,
  env: true,
  user_id: true,
  service_mgr: true,
};

/** Every variable gathering defines: ansible_facts and the ansible_* name of each fact (for validate). */
export const FACT_VARIABLE_NAMES: readonly string[] = ['ansible_facts', ...Object.keys(FACT_KEYS).map((k) => `ansible_${k}`)];

export function parseFacts(stdout: string): Facts {
  const marker = stdout.indexOf('--env--\n');
  const head = marker >= 0 ? stdout.slice(0, marker) : stdout;
  const envText = marker >= 0 ? stdout.slice(marker + 8) : '';
  const kv = new Map<string, string>();
  for (const line of head.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) kv.set(line.slice(0, eq), line.slice(eq + 1).trim());
  }
  const get = (k: string): string => kv.get(k) ?? '';
  const id = get('os_id').toLowerCase();
  const [distribution, family] = DISTRIBUTIONS[id] ?? [get('os_name') || 'NA', familyFromLike(get('os_like')) ?? (get('os_name') || 'NA')];
  const debianVersion = get('debian_version');
  const version = id === 'debian' && /^\d+(\.\d+)*$/.test(debianVersion) ? debianVersion : get('os_version_id') || 'NA';
  const route = get('route');
  const nodename = get('hostname');
  const fqdnNames = get('fqdn_names').split(/\s+/).filter(Boolean);
  const pid1 = get('pid1');
  return {
    hostname: nodename.split('.')[0]!,
    nodename,
    // As Python's socket.getfqdn: the first name of the host's address with a dot, else its first name.
    fqdn: fqdnNames.find((n) => n.includes('.')) ?? fqdnNames[0] ?? nodename,
    os_family: family,
    distribution,
    distribution_version: version,
    distribution_major_version: version.split('.')[0]!,
    architecture: get('architecture'),
    default_ipv4: {
      ...(/\bsrc (\S+)/.exec(route) ? { address: /\bsrc (\S+)/.exec(route)![1]! } : {}),
      ...(/\bdev (\S+)/.exec(route) ? { interface: /\bdev (\S+)/.exec(route)![1]! } : {}),
    },
    processor_vcpus: Number(get('vcpus')) || 0,
    memtotal_mb: Math.floor((Number(get('memtotal_kb')) || 0) / 1024),
    env: parseEnv(envText),
    user_id: get('user_id'),
    service_mgr: kv.has('systemd') || pid1 === 'systemd' ? 'systemd' : pid1 === 'init' ? 'sysvinit' : pid1 || 'service',
  };
}

function familyFromLike(like: string): string | undefined {
  for (const id of like.split(/\s+/)) if (DISTRIBUTIONS[id]) return DISTRIBUTIONS[id]![1];
  return undefined;
}

function parseEnv(text: string): Record<string, string> {
  const entries = text.includes('\0') ? text.split('\0') : text.split('\n');
  const env: Record<string, string> = {};
  for (const e of entries) {
    const eq = e.indexOf('=');
    if (eq > 0) env[e.slice(0, eq)] = e.slice(eq + 1);
  }
  return env;
}

/** ansible_facts plus the top-level ansible_* names Ansible also sets. */
export function factVariables(facts: Facts): Record<string, unknown> {
  return { ansible_facts: facts, ...Object.fromEntries(Object.entries(facts).map(([k, v]) => [`ansible_${k}`, v])) };
}
