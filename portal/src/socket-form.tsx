/**
 * Creating and editing a socket: the common fields, then the upstream form of its type. The API validates;
 * its problem+json names the failing fields, shown beside them. Secrets (passwords, private keys) are
 * write-only: the form never shows them, and left empty on edit the stored one stays.
 */
import type { Schema } from '@border0/sdk';
import { type FormEvent, useState } from 'react';
import { api } from './api.js';
import { Field, SubmitError, useSubmission } from './form.js';
import { follow, navigate } from './router.js';
import { Load } from './states.js';
import { useApi } from './use-api.js';

type Socket = Schema<'Socket'>;
type SocketType = Schema<'SocketType'>;
const TYPES: SocketType[] = ['http', 'ssh', 'database', 'tls'];

/** Every form value as a string; turned into the API's shape on submit. */
type Values = Record<string, string>;

const DEFAULT_PORT: Record<string, string> = {
  http: '80',
  ssh: '22',
  postgres: '5432',
  mysql: '3306',
  tls: '',
};

function valuesOf(socket: Socket | undefined): Values {
  if (!socket) {
    return {
      socket_type: 'http',
      scheme: 'http',
      tls_verify: 'full',
      port: '80',
      authentication_type: '',
      protocol: 'postgres',
      username_provider: 'defined',
      recording_enabled: 'true',
    };
  }
  const u = socket.upstream_configuration as Record<string, unknown>;
  const text = (v: unknown) => (v === undefined || v === null ? '' : String(v));
  const tls = (u.tls ?? {}) as Record<string, unknown>;
  const databaseTls = tls.enabled ? text(tls.verify ?? 'full') : 'off';
  return {
    socket_type: socket.socket_type,
    name: socket.name,
    display_name: text(socket.display_name),
    description: text(socket.description),
    tags: Object.entries(socket.tags)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
    recording_enabled: String(socket.recording_enabled),
    connector_ids: socket.connector_ids.join(','),
    hostname: text(u.hostname),
    port: text(u.port),
    scheme: text(u.scheme ?? 'http'),
    host_header: text(u.host_header),
    authentication_type: text(u.authentication_type),
    username: text(u.username),
    username_provider: text(u.username_provider ?? 'defined'),
    protocol: text(u.protocol ?? 'postgres'),
    database: text(u.database),
    headers: Object.entries((u.headers ?? {}) as Record<string, string>)
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n'),
    tls_verify: socket.socket_type === 'database' ? databaseTls : text(tls.verify ?? 'full'),
    tls_ca_certificate: text(tls.ca_certificate),
    tls_server_name: text(tls.server_name),
    tls_client_certificate: text(tls.client_certificate),
  };
}

/** `Name: value` lines as HTTP headers; a line without `:` is passed on as is, for the API to name. */
function headersOf(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const at = line.indexOf(':');
    headers[(at === -1 ? line : line.slice(0, at)).trim()] = at === -1 ? '' : line.slice(at + 1).trim();
  }
  return headers;
}

/** `key=value` lines as tags; a line without `=` is passed on as is, for the API to name. */
function tagsOf(text: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const at = line.indexOf('=');
    tags[(at === -1 ? line : line.slice(0, at)).trim()] = at === -1 ? '' : line.slice(at + 1).trim();
  }
  return tags;
}

const port = (v: string) => (v.trim() === '' ? (undefined as never) : Number(v));
const optional = (v: string | undefined) => (v?.trim() ? v.trim() : undefined);

/** Upstream fields the form shows; any others (set through the API by a newer client) are kept on edit. */
const UPSTREAM_FIELDS = [
  'headers',
  'tls',
  'hostname',
  'port',
  'scheme',
  'host_header',
  'authentication_type',
  'username',
  'username_provider',
  'password',
  'private_key',
  'protocol',
  'database',
];
/** What the API answers but never takes back. */
const READ_ONLY = ['password_set', 'private_key_set', 'host_key'];
/** Form values that stand for a field inside the upstream's `tls`. */
const TLS_FIELDS: Record<string, string> = {
  tls_verify: 'verify',
  tls_ca_certificate: 'ca_certificate',
  tls_server_name: 'server_name',
  tls_client_certificate: 'client_certificate',
};

/**
 * The upstream to send: the form's fields over what the socket has that the form does not show, so an edit
 * never drops settings made elsewhere (an upstream is replaced whole; an omitted secret stays stored).
 */
function upstreamWithKept(v: Values, existing: Socket | undefined): Schema<'UpstreamConfigurationInput'> {
  const kept = Object.fromEntries(
    Object.entries(existing?.upstream_configuration ?? {}).filter(
      ([key]) => !UPSTREAM_FIELDS.includes(key) && !READ_ONLY.includes(key),
    ),
  );
  return { ...kept, ...upstreamOf(v) } as Schema<'UpstreamConfigurationInput'>;
}

function upstreamOf(v: Values): Schema<'UpstreamConfigurationInput'> {
  const base = { hostname: v.hostname?.trim() ?? '', port: port(v.port ?? '') };
  switch (v.socket_type) {
    case 'ssh':
      return {
        type: 'ssh',
        ...base,
        authentication_type: (v.authentication_type || 'border0_certificate') as never,
        username_provider: (v.username_provider || 'defined') as never,
        ...(optional(v.username) && { username: optional(v.username) }),
        ...(optional(v.password) && { password: v.password }),
        ...(optional(v.private_key) && { private_key: v.private_key }),
      };
    case 'database':
      return {
        type: 'database',
        ...base,
        protocol: (v.protocol || 'postgres') as never,
        authentication_type: (v.authentication_type || 'username_and_password') as never,
        ...(optional(v.username) && { username: optional(v.username) }),
        ...(optional(v.password) && { password: v.password }),
        ...(optional(v.database) && { database: optional(v.database) }),
        ...(optional(v.private_key) && { private_key: v.private_key }),
        // TLS to the database: off, or on with how its certificate is verified.
        ...(v.tls_verify &&
          v.tls_verify !== 'off' && {
            tls: {
              enabled: true,
              verify: v.tls_verify as never,
              ...(optional(v.tls_ca_certificate) && { ca_certificate: v.tls_ca_certificate?.trim() }),
              ...(optional(v.tls_client_certificate) && {
                client_certificate: v.tls_client_certificate?.trim(),
              }),
            },
          }),
      };
    case 'tls':
      return { type: 'tls', ...base };
    default:
      return {
        type: 'http',
        ...base,
        scheme: (v.scheme || 'http') as never,
        ...(optional(v.host_header) && { host_header: optional(v.host_header) }),
        ...(optional(v.headers) && { headers: headersOf(v.headers ?? '') }),
        // How the upstream's certificate is checked: https only.
        ...(v.scheme === 'https' && {
          tls: {
            verify: (v.tls_verify || 'full') as never,
            ...(optional(v.tls_ca_certificate) && { ca_certificate: v.tls_ca_certificate?.trim() }),
            ...(optional(v.tls_server_name) && { server_name: optional(v.tls_server_name) }),
          },
        }),
      };
  }
}

export function SocketForm({ existing }: { existing?: Socket }) {
  const [values, setValues] = useState<Values>(() => valuesOf(existing));
  const submission = useSubmission();
  const connectors = useApi(
    async () => (await api.get('/api/v1/connectors', { params: { query: { limit: 500 } } })).items,
    [],
  );
  const type = values.socket_type as SocketType;
  const set = (key: string) => (e: { target: { value: string } }) =>
    setValues((v) => ({ ...v, [key]: e.target.value }));
  const input = (
    key: string,
    label: string,
    extra: { hint?: string; type?: string; required?: boolean } = {},
  ) => (
    <Field
      label={label}
      error={submission.fieldError(fieldPath(key))}
      {...(extra.hint && { hint: extra.hint })}
    >
      {({ id, describedBy, invalid }) => (
        <input
          id={id}
          name={key}
          type={extra.type ?? 'text'}
          value={values[key] ?? ''}
          onChange={set(key)}
          required={extra.required}
          aria-describedby={describedBy}
          aria-invalid={invalid || undefined}
          autoComplete="off"
        />
      )}
    </Field>
  );
  const textarea = (key: string, label: string, hint: string) => (
    <Field label={label} error={submission.fieldError(fieldPath(key))} hint={hint}>
      {({ id, describedBy, invalid }) => (
        <textarea
          id={id}
          name={key}
          rows={3}
          value={values[key] ?? ''}
          onChange={set(key)}
          aria-describedby={describedBy}
          aria-invalid={invalid || undefined}
          spellCheck={false}
          autoComplete="off"
        />
      )}
    </Field>
  );
  const select = (key: string, label: string, options: string[]) => (
    <Field label={label} error={submission.fieldError(fieldPath(key))}>
      {({ id, describedBy, invalid }) => (
        <select
          id={id}
          name={key}
          value={values[key] ?? ''}
          onChange={set(key)}
          aria-describedby={describedBy}
          aria-invalid={invalid || undefined}
        >
          {options.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
  const secretHint = existing ? 'Write-only: leave empty to keep the stored one.' : undefined;
  const chosenConnectors = (values.connector_ids ?? '').split(',').filter(Boolean);
  const toggleConnector = (id: string, on: boolean) =>
    setValues((v) => {
      const ids = new Set((v.connector_ids ?? '').split(',').filter(Boolean));
      if (on) ids.add(id);
      else ids.delete(id);
      return { ...v, connector_ids: [...ids].join(',') };
    });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void submission.run(async () => {
      const common = {
        name: values.name?.trim() ?? '',
        recording_enabled: values.recording_enabled === 'true',
        tags: tagsOf(values.tags ?? ''),
        connector_ids: chosenConnectors,
        upstream_configuration: upstreamWithKept(values, existing),
      };
      let saved: Socket;
      if (existing) {
        saved = await api.modify(
          '/api/v1/sockets/{socket}',
          { params: { path: { socket: existing.id } } },
          () => ({
            ...common,
            display_name: optional(values.display_name) ?? null,
            description: optional(values.description) ?? null,
          }),
        );
      } else {
        saved = await api.post('/api/v1/sockets', {
          body: {
            ...common,
            socket_type: type,
            ...(optional(values.display_name) && { display_name: optional(values.display_name) }),
            ...(optional(values.description) && { description: optional(values.description) }),
          },
        });
      }
      navigate(`/sockets/${saved.id}`);
    });
  };

  return (
    <form className="form" onSubmit={submit} aria-label={existing ? 'Edit socket' : 'New socket'} noValidate>
      <fieldset>
        <legend>Socket</legend>
        {existing ? (
          <p className="note">Type: {type}</p>
        ) : (
          <Field label="Type" error={submission.fieldError('socket_type')}>
            {({ id }) => (
              <select
                id={id}
                value={type}
                onChange={(e) =>
                  setValues((v) => ({
                    ...v,
                    socket_type: e.target.value,
                    port:
                      DEFAULT_PORT[
                        e.target.value === 'database' ? (v.protocol ?? 'postgres') : e.target.value
                      ] ?? '',
                    authentication_type: '',
                    tls_verify: e.target.value === 'database' ? 'off' : 'full',
                  }))
                }
              >
                {TYPES.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
        {input('name', 'Name', {
          hint: 'Lower-case letters, digits and dashes: part of the DNS name.',
          required: true,
        })}
        {input('display_name', 'Display name')}
        {input('description', 'Description')}
        <Field
          label="Tags"
          error={submission.fieldError('tags')}
          hint="One key=value per line; policies select sockets by tags."
        >
          {({ id, describedBy, invalid }) => (
            <textarea
              id={id}
              rows={3}
              value={values.tags ?? ''}
              onChange={set('tags')}
              aria-describedby={describedBy}
              aria-invalid={invalid || undefined}
            />
          )}
        </Field>
        {select('recording_enabled', 'Recording', ['true', 'false'])}
      </fieldset>
      <fieldset>
        <legend>Upstream ({type})</legend>
        {type === 'http' ? select('scheme', 'Scheme', ['http', 'https']) : null}
        {type === 'database' ? select('protocol', 'Protocol', ['postgres', 'mysql']) : null}
        {input('hostname', 'Host', { required: true })}
        {input('port', 'Port', { type: 'number' })}
        {type === 'http' ? input('host_header', 'Host header') : null}
        {type === 'ssh'
          ? select('authentication_type', 'Login to the upstream', [
              'border0_certificate',
              'username_and_password',
              'private_key',
            ])
          : null}
        {type === 'ssh' ? select('username_provider', 'User name', ['defined', 'prompt_client']) : null}
        {type === 'database'
          ? select('authentication_type', 'Login to the upstream', [
              'username_and_password',
              'no_auth',
              'tls',
            ])
          : null}
        {type === 'ssh' || type === 'database' ? input('username', 'Upstream user') : null}
        {type === 'ssh' || type === 'database'
          ? input('password', 'Upstream password', {
              type: 'password',
              ...(secretHint && { hint: secretHint }),
            })
          : null}
        {type === 'ssh'
          ? input('private_key', 'Upstream private key', {
              hint: `PEM, or a reference the connector resolves${secretHint ? `. ${secretHint}` : ''}`,
            })
          : null}
        {type === 'database' ? input('database', 'Default database') : null}
        {type === 'http'
          ? textarea(
              'headers',
              'Headers',
              'One “Name: value” per line, sent to the upstream with every request.',
            )
          : null}
      </fieldset>
      {type === 'http' && values.scheme === 'https' ? (
        <fieldset>
          <legend>Upstream TLS</legend>
          {select('tls_verify', 'Verify the certificate', ['full', 'ca', 'none'])}
          <p className="note">
            full: chains to a trusted CA and names the upstream; ca: the chain only; none: encrypted, not
            verified.
          </p>
          {textarea('tls_ca_certificate', 'CA certificate', 'PEM; trusted instead of the public CAs.')}
          {input('tls_server_name', 'Server name', {
            hint: 'Sent in SNI and checked with full (default: the host header, else the host).',
          })}
        </fieldset>
      ) : null}
      {type === 'database' ? (
        <fieldset>
          <legend>Upstream TLS</legend>
          {select('tls_verify', 'TLS to the database', ['off', 'full', 'ca', 'none'])}
          <p className="note">
            full: chains to a trusted CA and names the host; ca: the chain only; none: encrypted, not
            verified.
          </p>
          {values.tls_verify && values.tls_verify !== 'off' ? (
            <>
              {textarea('tls_ca_certificate', 'CA certificate', 'PEM; trusted instead of the public CAs.')}
              {textarea(
                'tls_client_certificate',
                'Client certificate',
                'PEM, presented to the database; required with login by TLS.',
              )}
              {textarea(
                'private_key',
                'Client certificate private key',
                `PEM, or a reference the connector resolves. ${secretHint ?? 'Write-only.'}`,
              )}
            </>
          ) : null}
        </fieldset>
      ) : null}
      <fieldset>
        <legend>Connectors</legend>
        <Load
          loaded={connectors}
          what="connectors"
          empty={(c) => c.length === 0}
          emptyText="No connectors yet: the built-in proxy reaches the upstream itself only with `border0 start`."
        >
          {(items) => (
            <div className="checks">
              {items.map((c) => (
                <label key={c.id}>
                  <input
                    type="checkbox"
                    checked={chosenConnectors.includes(c.id)}
                    onChange={(e) => toggleConnector(c.id, e.target.checked)}
                  />{' '}
                  {c.name} ({c.status})
                </label>
              ))}
            </div>
          )}
        </Load>
        {submission.fieldError('connector_ids') ? (
          <span className="field-error">{submission.fieldError('connector_ids')}</span>
        ) : null}
      </fieldset>
      <SubmitError submission={submission} />
      <div className="actions">
        <button type="submit" className="primary" disabled={submission.busy}>
          {existing ? 'Save socket' : 'Create socket'}
        </button>
        <a
          href={existing ? `/sockets/${existing.id}` : '/sockets'}
          onClick={(e) => follow(e, existing ? `/sockets/${existing.id}` : '/sockets')}
        >
          Cancel
        </a>
      </div>
    </form>
  );
}

/** Where a form value goes in the request body, for the API's field errors. */
function fieldPath(key: string): string {
  if (TLS_FIELDS[key]) return `upstream_configuration.tls.${TLS_FIELDS[key]}`;
  return UPSTREAM_FIELDS.includes(key) ? `upstream_configuration.${key}` : key;
}
