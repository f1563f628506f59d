/**
 * A command (`ssh host cmd`): the policy decides the command exactly as the upstream will run it (the policy
 * engine refuses control characters and matches allowed commands exactly), and the same string is run,
 * reported and recorded.
 */
import type { SessionChannelKind } from './session-channel.js';

export function execChannel(command: string): SessionChannelKind {
  return {
    kind: 'exec',
    command,
    recorded: true,
    action: { kind: 'exec', command },
    open: (upstream, request, done) =>
      upstream.exec(
        command,
        { env: request.env, pty: request.window ?? undefined, agentForward: request.agentForward } as never,
        done,
      ),
  };
}
