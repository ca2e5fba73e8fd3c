// Errors a user can act on. Each carries the exit code the CLI ends with and a message that
// is one paragraph: what went wrong, which object or server, what to do about it.

/** 2: bad flags or kubeconfig (nothing was sent to a cluster). 3: the cluster refused or never got ready. */
export type ErrorExitCode = 2 | 3;

export class NetconformError extends Error {
  readonly exitCode: ErrorExitCode;
  constructor(message: string, options: { exitCode: ErrorExitCode; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = 'NetconformError';
    this.exitCode = options.exitCode;
  }
}

export class UsageError extends NetconformError {
  constructor(message: string, cause?: unknown) {
    super(message, { exitCode: 2, cause });
    this.name = 'UsageError';
  }
}

export class SetupError extends NetconformError {
  constructor(message: string, cause?: unknown) {
    super(message, { exitCode: 3, cause });
    this.name = 'SetupError';
  }
}

/** The runner could not command a probe (API server → kubelet exec failed). Never a network verdict. */
export class ControlError extends Error {
  readonly status?: number;
  readonly code?: string;
  constructor(message: string, options: { status?: number; code?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'ControlError';
    this.status = options.status;
    this.code = options.code;
  }
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The first string `code` along an error's cause chain (ECONNREFUSED, UND_ERR_CONNECT_TIMEOUT, …). */
export function causeCode(err: unknown): string | undefined {
  for (let e: unknown = err; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** The value of a settled promise, or its error thrown. */
export function settledValue<T>(s: PromiseSettledResult<T>): T {
  if (s.status === 'rejected') throw s.reason;
  return s.value;
}
