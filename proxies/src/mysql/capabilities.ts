/**
 * Capability flags (https://dev.mysql.com/doc/dev/mysql-server/latest/group__group__cs__capabilities__flags.html)
 * and the set this proxy lets a session have. The relay reads packets whose layout depends on the flags, so it
 * keeps only those whose layouts it knows: no compression, no query attributes (a parameter block before a
 * COM_QUERY's text), no optional metadata, and none of MariaDB's extended capabilities (progress packets inside
 * results, bulk statements, metadata caching).
 */

export const CLIENT = {
  LONG_PASSWORD: 1, // MariaDB: CLIENT_MYSQL
  FOUND_ROWS: 1 << 1,
  LONG_FLAG: 1 << 2,
  CONNECT_WITH_DB: 1 << 3,
  NO_SCHEMA: 1 << 4,
  COMPRESS: 1 << 5,
  ODBC: 1 << 6,
  LOCAL_FILES: 1 << 7,
  IGNORE_SPACE: 1 << 8,
  PROTOCOL_41: 1 << 9,
  INTERACTIVE: 1 << 10,
  SSL: 1 << 11,
  IGNORE_SIGPIPE: 1 << 12,
  TRANSACTIONS: 1 << 13,
  SECURE_CONNECTION: 1 << 15,
  MULTI_STATEMENTS: 1 << 16,
  MULTI_RESULTS: 1 << 17,
  PS_MULTI_RESULTS: 1 << 18,
  PLUGIN_AUTH: 1 << 19,
  CONNECT_ATTRS: 1 << 20,
  PLUGIN_AUTH_LENENC_CLIENT_DATA: 1 << 21,
  CAN_HANDLE_EXPIRED_PASSWORDS: 1 << 22,
  SESSION_TRACK: 1 << 23,
  DEPRECATE_EOF: 1 << 24,
} as const;

/** What a session may have, if both the upstream and the client have it. */
export const SUPPORTED =
  CLIENT.LONG_PASSWORD |
  CLIENT.FOUND_ROWS |
  CLIENT.LONG_FLAG |
  CLIENT.CONNECT_WITH_DB |
  CLIENT.NO_SCHEMA |
  CLIENT.ODBC |
  CLIENT.LOCAL_FILES |
  CLIENT.IGNORE_SPACE |
  CLIENT.PROTOCOL_41 |
  CLIENT.INTERACTIVE |
  CLIENT.IGNORE_SIGPIPE |
  CLIENT.TRANSACTIONS |
  CLIENT.SECURE_CONNECTION |
  CLIENT.MULTI_STATEMENTS |
  CLIENT.MULTI_RESULTS |
  CLIENT.PS_MULTI_RESULTS |
  CLIENT.PLUGIN_AUTH |
  CLIENT.CONNECT_ATTRS |
  CLIENT.PLUGIN_AUTH_LENENC_CLIENT_DATA |
  CLIENT.CAN_HANDLE_EXPIRED_PASSWORDS |
  CLIENT.SESSION_TRACK |
  CLIENT.DEPRECATE_EOF;

/** Flags without which this proxy does not relay (pre-4.1 clients and servers). */
export const REQUIRED = CLIENT.PROTOCOL_41 | CLIENT.SECURE_CONNECTION;

/** Server status flags the relay reads. */
export const SERVER_STATUS = {
  IN_TRANS: 0x0001,
  AUTOCOMMIT: 0x0002,
  MORE_RESULTS_EXISTS: 0x0008,
  CURSOR_EXISTS: 0x0040,
  NO_BACKSLASH_ESCAPES: 0x0200,
} as const;

/** Character sets whose multibyte characters may hold 0x5C (a backslash byte) inside: ids of gbk, big5, sjis, cp932, gb18030. */
export const BACKSLASH_UNSAFE_CHARSETS = new Set([1, 13, 28, 84, 87, 88, 95, 96, 248, 249, 250]);
