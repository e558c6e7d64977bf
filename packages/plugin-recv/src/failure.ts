/** An error of the recv command itself (files it reads, the capture it opens), with its exit code. */
export class RecvError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exit: number,
    readonly suggestions: string[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RecvError';
  }
}

export interface Failure {
  message: string;
  exit: number;
  suggestions: string[];
}

/**
 * Turns any error of a recv run into the message, exit code and suggestions the command prints, by the
 * error's stable `code` (documented exit codes: 2 flags, 3 listen, 4 capture dir, 5 TLS, 6 redaction).
 */
export function describeFailure(err: unknown): Failure {
  const e = err as { code?: unknown; message?: unknown; exit?: unknown; suggestions?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : String(err);
  if (err instanceof RecvError) return { message, exit: err.exit, suggestions: err.suggestions };
  if (code === 'RECV_FLAG_INVALID' || code === 'RECEIVER_OPTIONS_INVALID') {
    return { message, exit: 2, suggestions: ['see logtap recv --help for accepted values'] };
  }
  if (code === 'RECEIVER_LISTEN_FAILED') {
    return {
      message,
      exit: 3,
      suggestions: [
        'pick another address or port with --listen (port 0 picks a free one)',
        'find what holds the port: ss -ltnp',
      ],
    };
  }
  if (code === 'RECEIVER_TLS_INVALID') {
    return {
      message,
      exit: 5,
      suggestions: ['check that --tls-key is the private key of --tls-cert, both PEM'],
    };
  }
  if (code.startsWith('CAPTURE_')) {
    return {
      message,
      exit: 4,
      suggestions: [
        'pick another directory with --dir',
        'check that the directory is writable and has free space',
      ],
    };
  }
  if (code.startsWith('REDACT_')) {
    return {
      message,
      exit: 6,
      suggestions: [
        'list the built-in rules with logtap-redact --help',
        'fix the rule named above in --redact-patterns',
      ],
    };
  }
  return { message: `recv failed: ${message}`, exit: 1, suggestions: [] };
}
