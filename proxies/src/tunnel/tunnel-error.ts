/** The one error type the tunnel server raises to its callers (the gateway), with a stable code to branch on. */

export type TunnelErrorCode =
  /** No connector currently serves the socket. */
  | 'no-tunnel'
  /** The connector refused the channel, usually because it could not reach the upstream. */
  | 'channel-refused'
  /** The connector did not answer the channel request in time. */
  | 'channel-timeout'
  /** The connector could not resolve a secret reference (not configured on the socket, unset, unreadable). */
  | 'secret-unresolved'
  /** The tunnel server was closed. */
  | 'server-closed';

export class TunnelError extends Error {
  override readonly name = 'TunnelError';

  constructor(
    readonly code: TunnelErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
