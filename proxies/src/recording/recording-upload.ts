/**
 * A recording of a session on the control plane, whatever its format: created, then its chunks stored as
 * they are handed off (`sink`, for a LineChunkWriter or an AsciicastWriter), then marked ended once the writer
 * has drained. Failures are logged, never thrown into the session.
 */
import type { ChunkSink } from '@border0/protocol';
import type { Border0Client } from '@border0/sdk';
import type { Logger } from 'pino';

/** What openapi-fetch needs to send bytes as they are (it serialises bodies to JSON by default). */
const binaryBody = {
  bodySerializer: (body: unknown) => body as Uint8Array,
  headers: { 'content-type': 'application/octet-stream' },
};

export interface RecordingUpload {
  id: string;
  sink: ChunkSink;
  onError: (error: Error, seq: number) => void;
  /** Once the writer has drained: marks the recording ended (once). */
  end(): Promise<void>;
}

export async function startRecordingUpload(
  client: Border0Client,
  sessionId: string,
  format: 'asciicast-v2' | 'query-log' | 'http-log',
  log: Logger,
): Promise<RecordingUpload> {
  const recording = await client.post('/api/v1/proxy/sessions/{session_id}/recordings', {
    params: { path: { session_id: sessionId } },
    body: { format },
  });
  const path = { session_id: sessionId, recording_id: recording.id };
  let ending: Promise<void> | undefined;
  return {
    id: recording.id,
    sink: async (seq, bytes) => {
      await client.put('/api/v1/proxy/sessions/{session_id}/recordings/{recording_id}/chunks/{seq}', {
        params: { path: { ...path, seq } },
        body: bytes,
        ...binaryBody,
      });
    },
    onError: (error, seq) => log.warn({ err: error, recording: recording.id, seq }, `${format} chunk lost`),
    end() {
      ending ??= client
        .post('/api/v1/proxy/sessions/{session_id}/recordings/{recording_id}/end', { params: { path } })
        .then(
          () => undefined,
          (error: unknown) => log.warn({ err: error, recording: recording.id }, 'recording end not reported'),
        );
      return ending;
    },
  };
}
