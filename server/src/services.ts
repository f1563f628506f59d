/** What every route needs, built once per server: the store, the secret box, settings, the logger. */
import type { Logger } from 'pino';
import type { SecretBox } from './crypto/secret-box.js';
import type { Store } from './db/database.js';
import type { CountryResolver } from './geo/country-resolver.js';

export interface Services {
  db: Store;
  secrets: SecretBox;
  logger: Logger;
  /** Sockets are reachable at `<socket>-<org>.<baseDomain>`. */
  baseDomain: string;
  /** The country of client addresses, for policies' `where`. */
  geo: CountryResolver;
}
