/**
 * A terminal recording of one session channel (a shell or a command), uploaded to the control plane while
 * the session runs: asciicast v2 in chunks handed off a quarter of a second after their first event, a few
 * uploads at once, so a proxy crash loses well under the promised second (e2e/test/recording-crash.test.ts).
 * What the terminal printed is always recorded (`o` events); what the client sent only when the socket asks
 * for it (`i` events), since that includes passwords typed at prompts.
 */
import { type AsciicastHeader, AsciicastWriter } from '@border0/protocol';
import type { Border0Client } from '@border0/sdk';
import type { Logger } from 'pino';
import { startRecordingUpload } from './recording-upload.js';

export interface TerminalRecording {
  writer: AsciicastWriter;
  /** Whether what the client sends is recorded too (`writer.input`): the socket's `recording_input_enabled`. */
  recordsInput: boolean;
  /** Flushes what is buffered and marks the recording ended; once, however often it is called. */
  close(): Promise<void>;
}

export async function startTerminalRecording(
  client: Border0Client,
  sessionId: string,
  header: Omit<AsciicastHeader, 'version'>,
  log: Logger,
  options: { recordsInput?: boolean } = {},
): Promise<TerminalRecording> {
  const upload = await startRecordingUpload(client, sessionId, 'asciicast-v2', log);
  const writer = new AsciicastWriter({ header, sink: upload.sink, onError: upload.onError });
  let closing: Promise<void> | undefined;
  return {
    writer,
    recordsInput: options.recordsInput === true,
    close() {
      closing ??= writer.close().then(() => upload.end());
      return closing;
    },
  };
}
