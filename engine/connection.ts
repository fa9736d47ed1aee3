/**
 * The only way a task touches a host. Local and SSH connections implement it alike,
 * so no task knows (or cares) which one it runs over.
 */
export interface ExecOptions {
  /** Bytes written to the command's stdin, then stdin is closed. */
  input?: string | Buffer;
  /** Fails the call with a TimeoutError (and kills the command) after this long. */
  timeoutMs?: number;
  env?: Readonly<Record<string, string>>;
  cwd?: string;
  /**
   * A state read of tackle's own (what a check reads, fact gathering): without timeoutMs, an SSH
   * connection bounds it by its probe timeout (tackle_probe_timeout). A user's command is not one.
   */
  probe?: boolean;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface FileInfo {
  type: 'file' | 'dir' | 'link' | 'other';
  /** Permission bits only (e.g. 0o600). */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtimeMs: number;
}

export interface WriteOptions {
  /** Mode the file has from its first byte (the temp file is created with it). */
  mode?: number;
  /** User name or numeric id. */
  owner?: string | number;
  group?: string | number;
}

/** A command kept running (see Connection.hold); its stdin stays open until release(). */
export interface HeldCommand {
  /** Closes the command's stdin, so it ends, and waits a few seconds at most for it. */
  release(): Promise<void>;
}

export type HoldOutcome = { held: HeldCommand } | { exited: ExecResult };

/** What a held command says at once, before whatever it waits for. */
export interface HoldStart {
  /** A stdout line the command prints first: it (or the ready line, or the command's end) shows the host runs commands. */
  line: string;
  /** Called once that line, the ready line or the end has come. */
  onStarted?: () => void;
}

export interface Connection {
  /** Inventory name of the host. */
  readonly hostName: string;
  /**
   * Runs an argv (never a shell string): each element reaches the program as one argument,
   * whatever it contains. Resolves with the exit code; rejects only on transport failure
   * (ConnectionError), timeout (TimeoutError), or output the host could not keep (TaskError:
   * its temp space is full).
   */
  exec(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /** File content, or null when the path does not exist. */
  readFile(path: string): Promise<Buffer | null>;
  /** Atomic: a temp file in the same directory, created with the final mode, then renamed. */
  writeFile(path: string, data: string | Buffer, opts?: WriteOptions): Promise<void>;
  /** Follows nothing: a symlink is reported as 'link'. Null when missing. */
  stat(path: string): Promise<FileInfo | null>;
  /**
   * Creates the directory and its parents; no error when it exists. Whatever the umask, the
   * parents it creates get 0755 and the directory itself `mode` (default 0755).
   */
  mkdir(path: string, opts?: { mode?: number }): Promise<void>;
  /** No error when missing. */
  remove(path: string, opts?: { recursive?: boolean }): Promise<void>;
  /**
   * Right after a write of `path`: removes the temp files that killed runs' writes of it left
   * beside it, stale ones only (connections/temp-file.ts). Only where the connection can do it
   * without a command; elsewhere the run sends the sweep as one.
   */
  removeStaleTempFiles?(path: string): Promise<void>;
  /**
   * Starts argv (as exec does) and keeps it running: resolves `held` once a line of its stdout is
   * `readyLine`, or with its result when it exits first. It runs until release(), or until the
   * connection ends (its stdin closes then too), as the login user even under become.
   */
  hold(argv: readonly string[], readyLine: string, start?: HoldStart): Promise<HoldOutcome>;
  close(): Promise<void>;
}

export interface BecomeSpec {
  user: string;
  password?: string;
}

export interface ConnectionSpec {
  /** Inventory name. */
  hostName: string;
  kind: 'local' | 'ssh';
  address?: string;
  port?: number;
  user?: string;
  privateKeyFile?: string;
  password?: string;
  /** Defaults to ~/.ssh/known_hosts. */
  knownHostsFile?: string;
  /** True by default; only an explicit inventory opt-out turns it off. */
  hostKeyChecking?: boolean;
  /** Accept and record an unknown (never a changed) host key. */
  trustOnFirstUse?: boolean;
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
  /** How long one SFTP request may go unanswered before the host counts as unreachable. */
  fileTimeoutMs?: number;
  /** The bound of a probe (ExecOptions.probe) given no timeout of its own; 0: none. */
  probeTimeoutMs?: number;
  /** How long a host has, once logged in, to start a command (the run lock, a remote shell, the first echo). */
  startTimeoutMs?: number;
  /** SSH keepalive: a ping this often; after keepaliveCountMax unanswered ones the host is unreachable. */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  become?: BecomeSpec;
}
