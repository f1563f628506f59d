/**
 * A login shell (`ssh host`), and the client's terminal (pty) that shells and commands may ask for: its size
 * follows the client's window on the upstream and in the recording.
 */
import type ssh2 from 'ssh2';
import type { SessionChannelKind, SessionChannelState } from './session-channel.js';

export const shellChannel: SessionChannelKind = {
  kind: 'shell',
  recorded: true,
  action: { kind: 'shell' },
  open: (upstream, request, done) =>
    upstream.shell(
      request.window ?? false,
      { env: request.env, agentForward: request.agentForward } as never,
      done,
    ),
};

/** The client's terminal as it is now (a copy: later window changes reach the upstream on their own). */
export function terminalWindow(pty: ssh2.PseudoTtyInfo | undefined): ssh2.PseudoTtyOptions | undefined {
  return (
    pty && {
      rows: pty.rows,
      cols: pty.cols,
      height: pty.height,
      width: pty.width,
      term: pty.term,
      modes: pty.modes,
    }
  );
}

/** Keeps the channel's terminal: asked for before the shell or command, resized while it runs. */
export function followTerminal(channel: ssh2.Session, state: SessionChannelState): void {
  channel.on('pty', (ok, _no, info) => {
    state.pty = info;
    ok?.();
  });
  channel.on('window-change', (ok, _no, info) => {
    if (state.pty) Object.assign(state.pty, { cols: info.cols, rows: info.rows });
    state.upstream?.setWindow(info.rows, info.cols, info.height, info.width);
    state.recording?.writer.resize(info.cols, info.rows);
    ok?.();
  });
}
