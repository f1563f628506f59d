/** The server's generated OpenAPI document, built from an app over an in-memory store. */
import { pino } from 'pino';
import { createApp, openApiDocument } from '../../src/app.js';
import { SecretBox } from '../../src/platform/crypto/secret-box.js';
import type { Store } from '../../src/platform/db/database.js';
import { LocalEventBus } from '../../src/platform/events/event-bus.js';
import type { RecordingStorage } from '../../src/recordings/storage.js';

/** An app whose routes describe the API: building its document touches no table nor recording. */
export function documentedApp() {
  // The store and the recordings are needed only to satisfy the type.
  return createApp(
    {
      db: undefined as unknown as Store,
      secrets: new SecretBox(Buffer.alloc(32)),
      logger: pino({ level: 'silent' }),
      baseDomain: 'localhost',
      geo: { country: () => null },
      events: new LocalEventBus(),
      recordings: undefined as unknown as RecordingStorage,
    },
    { defaultMetrics: false },
  );
}

export async function generatedDocument(): Promise<Record<string, unknown>> {
  return openApiDocument(documentedApp());
}
