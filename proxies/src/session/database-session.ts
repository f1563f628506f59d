/** A database socket: carried by the handler of its protocol. */
import { statusLine } from '@border0/protocol';
import { carryMysqlSession } from '../mysql/mysql-socket.js';
import { carryPostgresSession } from '../postgres/postgres-socket.js';
import type { AdmittedClient, ConnectionContext } from './client-admission.js';

export async function carryDatabaseSession(ctx: ConnectionContext, admitted: AdmittedClient): Promise<void> {
  const upstream = admitted.lookup.socket.upstream_configuration;
  const protocol = upstream.type === 'database' ? upstream.protocol : undefined;
  if (protocol === 'postgres') return carryPostgresSession(ctx, admitted);
  if (protocol === 'mysql') return carryMysqlSession(ctx, admitted);
  const reason = `this proxy does not carry ${protocol ?? 'these'} database sockets yet`;
  admitted.log.info({ reason }, 'connection refused');
  if (admitted.banner) admitted.tls.end(statusLine(false, reason));
  else admitted.tls.destroy();
}
