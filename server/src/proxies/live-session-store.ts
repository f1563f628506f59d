/** The live session a proxy asks about, with its socket's upstream (secrets sealed). */
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.js';
import { ApiError, notFound } from '../platform/http/problem.js';

/** The live session that this proxy opened, of a socket of `socketType`, or a clear refusal (another proxy's: 404). */
export async function liveSessionOfSocket(
  db: Kysely<Database>,
  sessionId: string,
  proxyTokenId: string,
  socketType: 'ssh' | 'database',
) {
  const row = await db
    .selectFrom('sessions as s')
    .innerJoin('sockets as k', 'k.id', 's.socket_id')
    .innerJoin('organizations as o', 'o.id', 's.org_id')
    .select([
      's.id',
      's.org_id',
      'o.name as org_name',
      's.result',
      's.ended_at',
      's.user_email',
      's.service_account_name',
      'k.id as socket_id',
      'k.name as socket_name',
      'k.socket_type',
      'k.upstream',
      'k.upstream_secrets',
      'k.ssh_host_key',
    ])
    .where('s.id', '=', sessionId)
    .where('s.proxy_token_id', '=', proxyTokenId)
    .executeTakeFirst();
  if (!row) throw notFound(`session ${sessionId}`);
  if (row.socket_type !== socketType) {
    throw new ApiError(
      'conflict',
      `the socket ${row.socket_name} is not ${socketType === 'ssh' ? 'an ssh' : 'a database'} socket`,
    );
  }
  if (row.result !== 'allowed' || row.ended_at !== null) {
    throw new ApiError('conflict', `the session ${sessionId} is not live`);
  }
  return row;
}
