/**
 * Error classes and the exit-code table (docs/cli.md). Only src/main.ts
 * turns these into a process exit code; everything else throws them.
 */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  notFound: 3,
  permission: 4,
  busy: 5,
  kernel: 6,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** What each exit code means, for people: the man page's EXIT STATUS is built from this. */
export const EXIT_MEANING: Record<ExitCode, string> = {
  [EXIT.ok]: 'success (for assert and health: the host matches, all healthy)',
  [EXIT.failed]: 'the operation failed, or a check found a problem',
  [EXIT.usage]: 'usage error (unknown option, bad argument syntax)',
  [EXIT.notFound]: 'not found (parent, type, device, group, definition)',
  [EXIT.permission]: 'permission denied (needs root, or cannot open /dev/vfio/N)',
  [EXIT.busy]: 'busy or no capacity (in use, available_instances is 0, lock held)',
  [EXIT.kernel]: 'the kernel refused (an errno from a sysfs write or an ioctl)',
};

export class AccelError extends Error {
  readonly exitCode: ExitCode;
  /** A second line telling the user what to do, printed after the message. */
  readonly hint: string | undefined;

  constructor(message: string, exitCode: ExitCode, hint?: string) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.hint = hint;
  }
}

/** A check found a problem or an operation failed for a reason that is not the kernel's. */
export class FailedError extends AccelError {
  constructor(message: string, hint?: string) {
    super(message, EXIT.failed, hint);
  }
}

export class UsageError extends AccelError {
  constructor(message: string, hint?: string) {
    super(message, EXIT.usage, hint);
  }
}

export class NotFoundError extends AccelError {
  constructor(message: string, hint?: string) {
    super(message, EXIT.notFound, hint);
  }
}

export class PermissionError extends AccelError {
  constructor(message: string, hint?: string) {
    super(message, EXIT.permission, hint);
  }
}

export class BusyError extends AccelError {
  constructor(message: string, hint?: string) {
    super(message, EXIT.busy, hint);
  }
}

/** The kernel refused: an errno from a sysfs write or an ioctl. */
export class KernelError extends AccelError {
  readonly op: string;
  readonly target: string;
  readonly errno: string;

  constructor(op: string, target: string, errno: string, detail?: string, hint?: string) {
    super(`${op} ${target}: ${errno}${detail ? ` (${detail})` : ''}`, EXIT.kernel, hint);
    this.op = op;
    this.target = target;
    this.errno = errno;
  }
}

/** A sysfs attribute whose content does not parse: names the file. */
export class MalformedError extends AccelError {
  constructor(file: string, content: string, expected: string) {
    const shown = JSON.stringify(content.length > 40 ? content.slice(0, 40) + '…' : content);
    super(`malformed ${file}: ${shown} is not ${expected}`, EXIT.failed);
  }
}

const ERRNO_EXIT: Record<string, ExitCode> = {
  ENOENT: EXIT.notFound,
  ENODEV: EXIT.notFound,
  ENXIO: EXIT.notFound,
  EACCES: EXIT.permission,
  EPERM: EXIT.permission,
  EROFS: EXIT.permission,
  EBUSY: EXIT.busy,
  EAGAIN: EXIT.busy,
  ENOSPC: EXIT.busy,
};

/**
 * Wrap a failed filesystem or ioctl operation. Opening /dev/vfio/N without
 * rights is a permission problem, EBUSY is busy, ENOENT is not found; every
 * other errno is the kernel refusing.
 */
export function fromErrno(op: string, target: string, err: unknown, hint?: string): AccelError {
  if (err instanceof AccelError) return err;
  const code = errnoName(err);
  if (code === undefined) throw err;
  const exit = ERRNO_EXIT[code];
  const message = `${op} ${target}: ${code}`;
  switch (exit) {
    case EXIT.notFound:
      return new NotFoundError(message, hint);
    case EXIT.permission:
      return new PermissionError(message, hint);
    case EXIT.busy:
      return new BusyError(message, hint);
    default:
      return new KernelError(op, target, code, undefined, hint);
  }
}

export function errnoName(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string') {
    return (err as { code: string }).code;
  }
  return undefined;
}
