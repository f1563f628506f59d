/** `border0 client ...`: what a user runs to reach sockets (more client commands join this group). */
import type { Command } from 'commander';
import { registerClientDbCommand } from './client-db.js';
import { registerClientLoginCommands } from './client-login.js';
import { registerClientSshCommands } from './client-ssh.js';
import { registerClientTlsCommand } from './client-tls.js';

export function registerClientCommands(program: Command): void {
  const group = program
    .command('client')
    .description('Reach sockets as a user: border0 client login, then border0 client tls <socket>');
  registerClientLoginCommands(group);
  registerClientTlsCommand(group);
  registerClientSshCommands(group);
  registerClientDbCommand(group);
}
