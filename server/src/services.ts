/** What every route needs, built once per server: the store, the secret box, settings, the logger, events. */

import type { CountryResolver } from '@border0/geoip';
import type { Logger } from 'pino';
import type { SecretBox } from './platform/crypto/secret-box.js';
import type { Store } from './platform/db/database.js';
import type { EventBus } from './platform/events/event-bus.js';
import type { RecordingStorage } from './recordings/storage.js';

export interface Services {
  db: Store;
  secrets: SecretBox;
  logger: Logger;
  /** Sockets are reachable at `<socket>-<org>.<baseDomain>`. */
  baseDomain: string;
  /**
   * The API's public base URL (`https://api.example.net`): the issuer of identity tokens names it. The
   * request's own origin when absent.
   */
  publicUrl?: string | undefined;
  /** The country of client addresses, for policies' `where`. */
  geo: CountryResolver;
  /** Change events for the data plane (the proxies' event stream). */
  events: EventBus;
  /** Where the chunks of session recordings are kept (a local directory or an S3-compatible bucket). */
  recordings: RecordingStorage;
  /** Aborted when the server stops: responses that would stay open (a followed recording) end then. */
  shutdown?: AbortSignal | undefined;
  /** How often proxies register and re-assert their live sessions (default PROXY_HEARTBEAT_SECONDS). */
  proxyHeartbeatSeconds?: number | undefined;
}
