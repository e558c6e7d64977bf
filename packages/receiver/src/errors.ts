/** Base class of every error the receiver throws; `code` is stable and commands translate by it. */
export class ReceiverError extends Error {
  readonly code: string = 'RECEIVER_ERROR';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The server could not bind its address (in use, permission, bad host). */
export class ListenError extends ReceiverError {
  override readonly code = 'RECEIVER_LISTEN_FAILED';
  constructor(
    readonly host: string,
    readonly port: number,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot listen on ${formatHostPort(host, port)}: ${reason}`, options);
  }
}

/** The TLS certificate or key was rejected by node:tls. */
export class TlsConfigError extends ReceiverError {
  override readonly code = 'RECEIVER_TLS_INVALID';
  constructor(reason: string, options?: { cause?: unknown }) {
    super(
      `the TLS certificate or key is not usable: ${reason}; pass a PEM certificate and its matching private key`,
      options,
    );
  }
}

/** An option passed to the receiver is out of range or inconsistent. */
export class ReceiverOptionsError extends ReceiverError {
  override readonly code = 'RECEIVER_OPTIONS_INVALID';
  constructor(
    readonly option: string,
    reason: string,
  ) {
    super(`invalid receiver option ${option}: ${reason}`);
  }
}

/** A push body on /logtap/raw (or a request in general) that cannot be accepted. */
export class PushRejectedError extends ReceiverError {
  override readonly code: string = 'RECEIVER_PUSH_INVALID';
  constructor(
    message: string,
    readonly httpStatus: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
