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

/** What openapi-fetch needs to send bytes as they are (it serialises bodies to JSON by default). */
const binaryBody = {
  bodySerializer: (body: unknown) => body as Uint8Array,
  headers: { 'content-type': 'application/octet-stream' },
};

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
  const recording = await client.post('/api/v1/proxy/sessions/{session_id}/recordings', {
    params: { path: { session_id: sessionId } },
    body: { format: 'asciicast-v2' },
  });
  const path = { session_id: sessionId, recording_id: recording.id };
  const writer = new AsciicastWriter({
    header,
    sink: async (seq, bytes) => {
      await client.put('/api/v1/proxy/sessions/{session_id}/recordings/{recording_id}/chunks/{seq}', {
        params: { path: { ...path, seq } },
        body: bytes,
        ...binaryBody,
      });
    },
    onError: (error, seq) => log.warn({ err: error, recording: recording.id, seq }, 'recording chunk lost'),
  });
  let closing: Promise<void> | undefined;
  return {
    writer,
    recordsInput: options.recordsInput === true,
    close() {
      closing ??= (async () => {
        await writer.close();
        await client
          .post('/api/v1/proxy/sessions/{session_id}/recordings/{recording_id}/end', { params: { path } })
          .catch((error: unknown) =>
            log.warn({ err: error, recording: recording.id }, 'recording end not reported'),
          );
      })();
      return closing;
    },
  };
}
