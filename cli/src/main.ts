/**
 * The `border0` command line: global options, the command groups, and how the process ends. Every failure
 * ends as one `error: ...` line on stderr with exit code 1 (2 when the command line itself is wrong).
 */
import { Command, CommanderError, Option } from 'commander';
import { registerAuditCommands } from './audit.js';
import { registerAuthCommands } from './auth.js';
import { registerClientCommands } from './client.js';
import { registerConnectorCommands } from './connector.js';
import { registerDeclarativeCommands } from './declarative.js';
import { registerDesktopCommand } from './desktop.js';
import { describeFailure } from './errors.js';
import { registerGroupCommands } from './group.js';
import { registerIdentityProviderCommands } from './identity-provider.js';
import { registerInvitationCommands } from './invitation.js';
import { registerMemberCommands } from './member.js';
import { registerOrganizationCommands } from './organization.js';
import { registerPolicyCommands } from './policy.js';
import { registerProxyCommands } from './proxy-run.js';
import { registerServiceAccountCommands } from './service-account.js';
import { registerSessionCommands } from './session.js';
import { registerSocketCommands } from './socket.js';
import { registerStartCommand } from './start.js';
import { visible } from './terminal-text.js';
import { registerTokenCommands } from './token.js';

export function buildProgram(): Command {
  const program = new Command('border0')
    .description(
      'Administer a Border0 organization (sockets, policies, sessions) or run the platform locally.',
    )
    .option('--api-url <url>', 'the Border0 API (env BORDER0_API_URL; default http://127.0.0.1:6080)')
    .option(
      '--token <token>',
      'an API token (env BORDER0_TOKEN; default: the stored token of the organization)',
    )
    .addOption(
      new Option('--output <format>', 'table for people, json for scripts (env BORDER0_OUTPUT)').choices([
        'table',
        'json',
      ]),
    )
    .option('--org <name>', 'use the stored token of this organization instead of the current one')
    .showSuggestionAfterError(true)
    .configureHelp({ showGlobalOptions: true })
    // Failures are printed once, by main(), as a single line.
    .configureOutput({ outputError: () => {} })
    .exitOverride();

  registerStartCommand(program);
  registerAuthCommands(program);
  registerOrganizationCommands(program);
  registerMemberCommands(program);
  registerInvitationCommands(program);
  registerGroupCommands(program);
  registerIdentityProviderCommands(program);
  registerServiceAccountCommands(program);
  registerTokenCommands(program);
  registerSocketCommands(program);
  registerPolicyCommands(program);
  registerConnectorCommands(program);
  registerSessionCommands(program);
  registerAuditCommands(program);
  registerDeclarativeCommands(program);
  registerClientCommands(program);
  registerDesktopCommand(program);
  registerProxyCommands(program);
  return program;
}

/** Runs one command line and returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    // A command may pass on the exit code of a program it ran (border0 client ssh).
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
      // Help was printed because a command group was called without a command.
      if (error.code === 'commander.help') return 2;
    }
    const failure = describeFailure(error);
    console.error(`error: ${visible(failure.message.replace(/\s*\n\s*/g, ' '))}`);
    if (process.env.BORDER0_DEBUG === '1') console.error(error);
    return failure.exitCode;
  }
}

process.exitCode = await main(process.argv);
