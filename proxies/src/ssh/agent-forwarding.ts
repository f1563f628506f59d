/**
 * Agent forwarding through the proxy, when a policy allows it (asked per session channel, and again at every
 * use): the upstream asks for the person's agent, and each request opens an `auth-agent@openssh.com` channel
 * back to the client (as sshd does for `ssh -A`), so keys never leave the client. ssh2's server can open such
 * channels on the wire (Protocol#openssh_authAgent) but has no public method for it; this opens one as its own
 * openChannel does for other types (ssh2 1.17).
 */
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { SshChannelHost } from './channel-host.js';
import type { SessionChannelState } from './session-channel.js';

const require = createRequire(import.meta.url);
const { MAX_WINDOW, PACKET_SIZE } = require('ssh2/lib/Channel.js') as {
  MAX_WINDOW: number;
  PACKET_SIZE: number;
};

interface ServerConnectionInternals {
  _chanMgr: { add(callback: unknown): number };
  _protocol: { openssh_authAgent(channel: number, initWindow: number, maxPacket: number): void };
}

/** Opens an agent channel to the client of `connection` (which must have asked for agent forwarding). */
function openAgentChannel(
  connection: ssh2.Connection,
  done: (error: Error | undefined, stream?: Duplex) => void,
) {
  const internals = connection as unknown as ServerConnectionInternals;
  if (
    typeof internals._chanMgr?.add !== 'function' ||
    typeof internals._protocol?.openssh_authAgent !== 'function'
  ) {
    done(new Error('this ssh2 version cannot open agent channels'));
    return;
  }
  // ssh2 calls this back with the channel on CHANNEL_OPEN_CONFIRMATION, or an error on failure.
  const callback = Object.assign((error: Error | undefined, stream?: Duplex) => done(error, stream), {
    type: 'auth-agent@openssh.com',
  });
  const local = internals._chanMgr.add(callback);
  if (local === -1) {
    done(new Error('no free channels'));
    return;
  }
  internals._protocol.openssh_authAgent(local, MAX_WINDOW, PACKET_SIZE);
}

/** An agent for ssh2's Client (`agent` + `agentForward`) that is the client's agent, reached over its connection. */
export class ClientAgent extends ssh2.OpenSSHAgent {
  readonly #connection: ssh2.Connection;
  readonly #allowed: () => Promise<boolean>;

  /** `allowed` is asked at every use: ssh2 keeps forwarding on for the connection once one channel had it. */
  constructor(connection: ssh2.Connection, allowed: () => Promise<boolean>) {
    super('');
    this.#connection = connection;
    this.#allowed = allowed;
  }

  override getStream(cb: (error: Error | undefined, stream?: Duplex) => void): void {
    this.#allowed().then(
      (allowed) =>
        allowed ? openAgentChannel(this.#connection, cb) : cb(new Error('agent forwarding is not allowed')),
      (error: Error) => cb(error),
    );
  }
}

/**
 * A session channel's `auth-agent-req@openssh.com`: the upstream may then use the person's keys (through the
 * client, one request at a time), only when a policy says so.
 */
export function allowAgentForwarding(
  host: SshChannelHost,
  state: SessionChannelState,
  ok: (() => void) | undefined,
  no: (() => void) | undefined,
): void {
  (async () => {
    const decision = host.login.refusal
      ? { allowed: false, reason: host.login.refusal }
      : await host.login.decide({ kind: 'agent_forwarding' });
    if (!decision.allowed) {
      host.report.event('ssh.denied', { kind: 'agent_forwarding', reason: decision.reason });
      return no?.();
    }
    state.agent = true;
    host.report.event('ssh.agent_forwarding', {});
    ok?.();
  })().catch(() => no?.());
}
