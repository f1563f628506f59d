/**
 * The policy builder: who, where, when and permissions as form controls over a policy document. It edits the
 * same document as the JSON editor beside it; lists are typed one item per line.
 */
import type { PolicyDocumentValue } from '@border0/sdk/policy';

type Doc = PolicyDocumentValue;
type Lines = string[] | undefined;

const linesOf = (value: Lines) => (value ?? []).join('\n');
const listOf = (text: string): string[] | undefined => {
  const items = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return items.length ? items : undefined;
};

/** Drops the keys whose value is undefined. Empty objects stay: `shell: {}` is what allows a shell. */
function defined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function ListArea(props: {
  label: string;
  hint: string;
  value: Lines;
  onChange: (value: string[] | undefined) => void;
  errors: (path: string) => string | undefined;
  path: string;
}) {
  const id = `builder-${props.path.replaceAll('.', '-')}`;
  const error = props.errors(props.path);
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <textarea
        id={id}
        rows={2}
        defaultValue={linesOf(props.value)}
        key={linesOf(props.value)}
        onBlur={(e) => props.onChange(listOf(e.target.value))}
        aria-describedby={`${id}-hint${error ? ` ${id}-error` : ''}`}
        aria-invalid={Boolean(error) || undefined}
      />
      <span id={`${id}-hint`} className="hint">
        {props.hint}
      </span>
      {error ? (
        <span id={`${id}-error`} className="field-error">
          {error}
        </span>
      ) : null}
    </div>
  );
}

function TextInput(props: {
  label: string;
  value: string | null | undefined;
  placeholder?: string;
  onChange: (value: string | undefined) => void;
  errors: (path: string) => string | undefined;
  path: string;
}) {
  const id = `builder-${props.path.replaceAll('.', '-')}`;
  const error = props.errors(props.path);
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        defaultValue={props.value ?? ''}
        key={props.value ?? ''}
        placeholder={props.placeholder}
        onBlur={(e) => props.onChange(e.target.value.trim() || undefined)}
        aria-invalid={Boolean(error) || undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      />
      {error ? (
        <span id={`${id}-error`} className="field-error">
          {error}
        </span>
      ) : null}
    </div>
  );
}

export function PolicyBuilder(props: {
  doc: Doc;
  onChange: (doc: Doc) => void;
  errors: (path: string) => string | undefined;
}) {
  const { doc, errors } = props;
  const who = doc.condition.who ?? {};
  const where = doc.condition.where ?? {};
  const when = doc.condition.when ?? {};
  const permissions = doc.permissions;
  // A condition part left with no field is dropped (the builder never writes an empty `who`).
  const setCondition = (key: 'who' | 'where' | 'when', value: Record<string, unknown>) => {
    const part = defined(value);
    props.onChange({
      ...doc,
      condition: defined({ ...doc.condition, [key]: Object.keys(part).length ? part : undefined }),
    });
  };
  const setPermission = (key: keyof Doc['permissions'], value: object | undefined) =>
    props.onChange({ ...doc, permissions: defined({ ...permissions, [key]: value }) });
  const ssh = permissions.ssh;
  const setSsh = (change: Record<string, unknown>) =>
    setPermission('ssh', defined({ ...(ssh ?? {}), ...change }));

  return (
    <div className="builder">
      <fieldset>
        <legend>Who</legend>
        <ListArea
          label="Emails"
          hint="One per line"
          path="condition.who.email"
          value={who.email}
          errors={errors}
          onChange={(email) => setCondition('who', { ...who, email })}
        />
        <ListArea
          label="Group ids"
          hint="One per line"
          path="condition.who.group"
          value={who.group}
          errors={errors}
          onChange={(group) => setCondition('who', { ...who, group })}
        />
        <ListArea
          label="Service accounts"
          hint="One name per line"
          path="condition.who.service_account"
          value={who.service_account}
          errors={errors}
          onChange={(service_account) => setCondition('who', { ...who, service_account })}
        />
      </fieldset>
      <fieldset>
        <legend>Where</legend>
        <ListArea
          label="Allowed IP ranges"
          hint="Addresses or CIDR ranges, one per line"
          path="condition.where.allowed_ip"
          value={where.allowed_ip}
          errors={errors}
          onChange={(allowed_ip) => setCondition('where', { ...where, allowed_ip })}
        />
        <ListArea
          label="Countries"
          hint="ISO codes such as NL, one per line"
          path="condition.where.country"
          value={where.country}
          errors={errors}
          onChange={(country) => setCondition('where', { ...where, country })}
        />
        <ListArea
          label="Not from countries"
          hint="ISO codes, one per line"
          path="condition.where.country_not"
          value={where.country_not}
          errors={errors}
          onChange={(country_not) => setCondition('where', { ...where, country_not })}
        />
      </fieldset>
      <fieldset>
        <legend>When</legend>
        <TextInput
          label="Valid after"
          placeholder="2026-01-01T00:00:00Z"
          path="condition.when.after"
          value={when.after}
          errors={errors}
          onChange={(after) => setCondition('when', { ...when, after })}
        />
        <TextInput
          label="Valid before"
          placeholder="2027-01-01T00:00:00Z"
          path="condition.when.before"
          value={when.before}
          errors={errors}
          onChange={(before) => setCondition('when', { ...when, before })}
        />
        <TextInput
          label="Daily from"
          placeholder="08:00 Europe/Amsterdam"
          path="condition.when.time_of_day_after"
          value={when.time_of_day_after}
          errors={errors}
          onChange={(time_of_day_after) => setCondition('when', { ...when, time_of_day_after })}
        />
        <TextInput
          label="Daily until"
          placeholder="18:00 Europe/Amsterdam"
          path="condition.when.time_of_day_before"
          value={when.time_of_day_before}
          errors={errors}
          onChange={(time_of_day_before) => setCondition('when', { ...when, time_of_day_before })}
        />
      </fieldset>
      <fieldset>
        <legend>Permissions</legend>
        {(['http', 'tls'] as const).map((type) => (
          <label key={type} className="check">
            <input
              type="checkbox"
              checked={Boolean(permissions[type])}
              onChange={(e) => setPermission(type, e.target.checked ? {} : undefined)}
            />{' '}
            {type.toUpperCase()} sockets
          </label>
        ))}
        <label className="check">
          <input
            type="checkbox"
            checked={Boolean(permissions.database)}
            onChange={(e) => setPermission('database', e.target.checked ? {} : undefined)}
          />{' '}
          Database sockets (every database and query type unless narrowed in JSON)
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={Boolean(ssh)}
            onChange={(e) => setPermission('ssh', e.target.checked ? { shell: {} } : undefined)}
          />{' '}
          SSH sockets
        </label>
        {ssh ? (
          <div className="indent">
            {(['shell', 'exec', 'sftp', 'tcp_forwarding', 'agent_forwarding'] as const).map((kind) => (
              <label key={kind} className="check">
                <input
                  type="checkbox"
                  checked={Boolean(ssh[kind])}
                  onChange={(e) => setSsh({ [kind]: e.target.checked ? {} : undefined })}
                />{' '}
                {kind.replace('_', ' ')}
              </label>
            ))}
            <ListArea
              label="Allowed commands (exec)"
              hint="Exact commands, one per line; empty allows any"
              path="permissions.ssh.exec.commands"
              value={ssh.exec?.commands}
              errors={errors}
              onChange={(commands) => setSsh({ exec: commands ? { commands } : ssh.exec ? {} : undefined })}
            />
            <ListArea
              label="Upstream user names"
              hint="One per line; empty allows any"
              path="permissions.ssh.allowed_usernames"
              value={ssh.allowed_usernames}
              errors={errors}
              onChange={(allowed_usernames) => setSsh({ allowed_usernames })}
            />
          </div>
        ) : null}
        {errors('permissions') ? <span className="field-error">{errors('permissions')}</span> : null}
      </fieldset>
    </div>
  );
}
