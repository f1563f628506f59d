/** The server's generated OpenAPI document, built from an app over an in-memory store. */
import { pino } from 'pino';
import { createApp, openApiDocument } from '../../src/app.js';
import { SecretBox } from '../../src/crypto/secret-box.js';
import type { Store } from '../../src/db/database.js';
import { LocalEventBus } from '../../src/events/event-bus.js';

export async function generatedDocument(): Promise<Record<string, unknown>> {
  // Building the document touches no table: a store is needed only to satisfy the type.
  const app = createApp(
    {
      db: undefined as unknown as Store,
      secrets: new SecretBox(Buffer.alloc(32)),
      logger: pino({ level: 'silent' }),
      baseDomain: 'localhost',
      geo: { country: () => null },
      events: new LocalEventBus(),
    },
    { defaultMetrics: false },
  );
  return openApiDocument(app);
}
