/**
 * The `sftp` subsystem: relayed as it is (never recorded as a terminal), while the file operations the client
 * asks for become session events (sftp-operations.ts reads them from the bytes on their way).
 */
import type ssh2 from 'ssh2';
import type { SessionReport } from '../session/session-report.js';
import type { SessionChannelKind } from './session-channel.js';
import { SftpOperationParser } from './sftp-operations.js';

export const sftpChannel: SessionChannelKind = {
  kind: 'sftp',
  recorded: false,
  action: { kind: 'sftp' },
  open: (upstream, _request, done) => upstream.subsys('sftp', done),
  watch: (stream, host) => recordSftpOperations(stream, host.report),
};

/** File operations of an sftp channel become session events: what the client asked the server to do. */
function recordSftpOperations(stream: ssh2.ServerChannel, report: SessionReport): void {
  const parser = new SftpOperationParser();
  stream.on('data', (chunk: Buffer) => {
    for (const { op, requestId: _id, ...details } of parser.push(chunk))
      report.event(`ssh.sftp.${op}`, details);
  });
}
