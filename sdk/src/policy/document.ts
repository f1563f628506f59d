/**
 * The policy document (version v2): what a policy allows (permissions) and under which conditions (who, from
 * where, when). Strict at every level. The one schema of the document: the API validates with it, the spec
 * is generated from it (names and descriptions through zod's `.meta`), and the engine compiles what it accepts.
 * Pure: zod and Intl only, so the portal's editor can validate with it as you type.
 */
import { z } from 'zod';
import { commandListProblem } from './command.js';
import { isIpOrCidr } from './ip.js';
import { isTimeZone } from './time-of-day.js';

const MAX_ITEMS = 1000;
const THIRTY_DAYS_SECONDS = 30 * 24 * 60 * 60;

/** ISO 3166-1 alpha-2, plus XK (Kosovo), which geolocation databases report though it is user-assigned. */
const COUNTRY_CODES = new Set(
  (
    'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS ' +
    'BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE ' +
    'EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM ' +
    'HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC ' +
    'LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA ' +
    'NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW ' +
    'SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO ' +
    'TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW'
  ).split(' '),
);

const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

function isPortSpec(value: string): boolean {
  if (value === '*') return true;
  const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(value);
  if (!match) return false;
  const from = Number(match[1]);
  const to = match[2] === undefined ? from : Number(match[2]);
  return from >= 1 && to <= 65535 && from <= to;
}

const Empty = z.strictObject({});
const list = <T extends z.ZodTypeAny>(item: T) => z.array(item).max(MAX_ITEMS);

const MaxSessionDuration = z
  .number()
  .int()
  .positive()
  .max(THIRTY_DAYS_SECONDS)
  .meta({ description: 'Longest session in seconds (at most 30 days).', example: 3600 });

export const TcpForwardingConnection = z
  .strictObject({
    destination_address: z
      .string()
      .refine(
        (v) => v === '*' || isIpOrCidr(v) || HOST_NAME.test(v),
        'expected a host name, an IP address, a CIDR range or "*"',
      )
      .meta({ example: '10.0.0.5' }),
    destination_port: z
      .string()
      .refine(isPortSpec, 'expected a port (1-65535), a range "a-b" or "*"')
      .meta({ example: '5432' }),
  })
  .meta({ id: 'TcpForwardingConnection' });

/** One allowed command: matched exactly, so it must be something a client can send and a shell reads alike. */
const AllowedCommand = z
  .string()
  .min(1)
  .max(4096)
  .superRefine((command, ctx) => {
    const problem = commandListProblem(command);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const SshPermissions = z
  .strictObject({
    shell: Empty.meta({ id: 'SshShellPermission' }).optional(),
    exec: z
      .strictObject({
        commands: list(AllowedCommand).optional().meta({
          description:
            'Allowed commands, each compared exactly (character for character) with the command the client sends; absent allows any command. Commands with control characters are never allowed.',
        }),
      })
      .meta({ id: 'SshExecPermission' })
      .optional(),
    sftp: Empty.meta({ id: 'SshSftpPermission' }).optional(),
    tcp_forwarding: z
      .strictObject({
        allowed_connections: list(TcpForwardingConnection)
          .optional()
          .meta({ description: 'Allowed destinations; absent allows any destination.' }),
      })
      .meta({ id: 'SshTcpForwardingPermission' })
      .optional(),
    allowed_usernames: list(z.string().min(1).max(64))
      .optional()
      .meta({ description: 'Upstream usernames a session may use; absent allows any.' }),
    max_session_duration_seconds: MaxSessionDuration.optional(),
    agent_forwarding: Empty.meta({ id: 'SshAgentForwardingPermission' }).optional(),
  })
  .meta({ id: 'SshPermissions', description: 'SSH access. An absent action is denied.' });

export const DATABASE_QUERY_TYPES = ['read_only', 'read_write', 'ddl', 'admin', 'all'] as const;
export type QueryType = (typeof DATABASE_QUERY_TYPES)[number];

export const DatabaseAccess = z
  .strictObject({
    database: z
      .string()
      .min(1)
      .max(128)
      .meta({ description: 'A database name, or `*` for every database.', example: 'app' }),
    allowed_query_types: z.array(z.enum(DATABASE_QUERY_TYPES)).min(1, 'must name at least one query type'),
  })
  .meta({ id: 'DatabaseAccess' });

export const DatabasePermissions = z
  .strictObject({
    allowed_databases: list(DatabaseAccess)
      .optional()
      .meta({ description: 'Databases and query types allowed; absent allows all of them.' }),
    max_session_duration_seconds: MaxSessionDuration.optional(),
  })
  .meta({ id: 'DatabasePermissions' });

export const PolicyPermissions = z
  .strictObject({
    ssh: SshPermissions.optional(),
    database: DatabasePermissions.optional(),
    http: Empty.meta({ id: 'HttpPermissions' }).optional(),
    tls: Empty.meta({ id: 'TlsPermissions' }).optional(),
  })
  .meta({ id: 'PolicyPermissions', description: 'A present key allows that socket type.' });

const ServiceAccountName = z
  .string()
  .max(63)
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, 'expected a service account name');

export const PolicyWho = z
  .strictObject({
    // Browsers' rule for email addresses, which accepts a one-label domain such as `admin@localhost`.
    email: list(z.email({ pattern: z.regexes.html5Email, error: 'expected an email address' })).optional(),
    group: list(z.uuid('expected a group id')).optional(),
    service_account: list(ServiceAccountName).optional(),
  })
  .meta({ id: 'PolicyWho' });

const IpOrCidr = z.string().refine(isIpOrCidr, 'expected an IPv4 or IPv6 address or CIDR range');
const Country = z
  .string()
  .refine(
    (v) => COUNTRY_CODES.has(v),
    'expected an ISO 3166-1 alpha-2 country code in upper case, e.g. "NL"',
  );

export const PolicyWhere = z
  .strictObject({
    allowed_ip: list(IpOrCidr)
      .optional()
      .meta({ example: ['0.0.0.0/0', '::/0'] }),
    country: list(Country)
      .optional()
      .meta({ example: ['NL', 'US'] }),
    country_not: list(Country)
      .optional()
      .meta({ example: ['KP'] }),
  })
  .meta({ id: 'PolicyWhere' });

const DateTime = z.iso
  .datetime({ offset: true, error: 'expected an ISO 8601 date-time, e.g. "2026-01-01T00:00:00Z"' })
  .nullable()
  .optional();

const timeOfDay = (example: string) =>
  z
    .string()
    .superRefine((value, ctx) => {
      const match = /^([01]\d|2[0-3]):[0-5]\d (\S+)$/.exec(value);
      if (!match) {
        ctx.addIssue({
          code: 'custom',
          message: 'expected HH:MM with a time zone, e.g. "08:00 Europe/Amsterdam"',
        });
      } else if (!isTimeZone(match[2]!)) {
        ctx.addIssue({
          code: 'custom',
          message: `unknown time zone "${match[2]}": expected an IANA zone, e.g. "UTC"`,
        });
      }
    })
    .optional()
    .meta({ description: 'HH:MM and an IANA time zone.', example });

export const PolicyWhen = z
  .strictObject({
    after: DateTime,
    before: DateTime,
    time_of_day_after: timeOfDay('08:00 Europe/Amsterdam'),
    time_of_day_before: timeOfDay('18:00 UTC'),
  })
  .superRefine((when, ctx) => {
    if (when.after && when.before && Date.parse(when.after) >= Date.parse(when.before)) {
      ctx.addIssue({ code: 'custom', path: ['after'], message: 'must be earlier than before' });
    }
  })
  .meta({
    id: 'PolicyWhen',
    description: 'Validity period, and a daily window (which may span midnight) in its own time zone.',
  });

export const PolicyCondition = z
  .strictObject({
    who: PolicyWho.optional(),
    where: PolicyWhere.optional(),
    when: PolicyWhen.optional(),
  })
  .meta({ id: 'PolicyCondition' });

export const PolicyDocument = z
  .strictObject({ permissions: PolicyPermissions, condition: PolicyCondition })
  .meta({ id: 'PolicyDocument', description: 'What a policy allows, to whom, from where and when.' });

export type PolicyDocumentValue = z.infer<typeof PolicyDocument>;
