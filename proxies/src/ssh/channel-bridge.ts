/**
 * How a session channel of the client is carried to its upstream channel and how it ends: with the upstream's
 * exit status, or with the proxy's word on why and a status of its own.
 */
import type ssh2 from 'ssh2';
import type { TerminalRecording } from '../recording/terminal-recording.js';

/**
 * Tells the client why its channel ends (on stderr), sends the exit status, and ends the channel. `interrupts`
 * starts the message on a line of its own, for a channel whose output it may cut short.
 */
export function endChannel(
  stream: ssh2.ServerChannel,
  exitStatus: number,
  reason: string,
  options: { interrupts?: boolean } = {},
): void {
  stream.stderr.write(`${options.interrupts ? '\r\n' : ''}border0: ${reason}\r\n`);
  stream.exit(exitStatus);
  stream.end();
}

/**
 * Carries one channel both ways with backpressure: input to the upstream (its end is the client's EOF), output
 * and errors back (recorded), then the exit status or signal, then the close.
 */
export function bridgeChannel(
  stream: ssh2.ServerChannel,
  upstream: ssh2.ClientChannel,
  recording: TerminalRecording | undefined,
): void {
  let exit: { code: number } | { signal: string; dump: boolean; description: string } | undefined;
  stream.pipe(upstream);
  upstream.pipe(stream, { end: false });
  upstream.stderr.pipe(stream.stderr, { end: false });
  if (recording) {
    upstream.on('data', (data: Buffer) => recording.writer.output(data));
    upstream.stderr.on('data', (data: Buffer) => recording.writer.output(data));
    // What the client typed, echoed or not (`stty -echo`, or `ssh host bash` reading commands without a pty).
    if (recording.recordsInput) stream.on('data', (data: Buffer) => recording.writer.input(data));
  }
  upstream.on('exit', (code: number | null, signal?: string, dump?: boolean, description?: string) => {
    exit =
      code !== null
        ? { code }
        : { signal: signal ?? 'SIGKILL', dump: dump ?? false, description: description ?? '' };
  });
  upstream.once('close', () => {
    try {
      if (exit && 'code' in exit) stream.exit(exit.code);
      else if (exit) stream.exit(exit.signal, exit.dump, exit.description);
    } catch {
      // ssh2 refuses signal names outside RFC 4254 (sshd's SIGBUS@openssh.com...): the shell's convention.
      stream.exit(255);
    }
    stream.end();
    void recording?.close();
  });
  stream.once('close', () => {
    upstream.close();
    void recording?.close();
  });
  stream.on('error', () => upstream.close());
  upstream.on('error', () => stream.close());
}
