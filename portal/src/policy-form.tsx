/**
 * Creating and editing a policy: its name and the sockets it applies to, and its document, edited either in
 * the builder or as JSON. The JSON is validated as you type with the document's own schema (the zod schema in
 * @border0/sdk/policy that the API validates with and the spec is generated from); the API's field errors
 * show beside the fields too.
 */
import type { Schema } from '@border0/sdk';
import { PolicyDocument, type PolicyDocumentValue } from '@border0/sdk/policy';
import { type FormEvent, useMemo, useState } from 'react';
import { api } from './api.js';
import { Field, SubmitError, useSubmission } from './form.js';
import { PolicyBuilder } from './policy-builder.js';
import { navigate } from './router.js';

type Policy = Schema<'Policy'>;

const STARTER: PolicyDocumentValue = {
  permissions: { ssh: { shell: {} } },
  condition: { who: { email: [] } },
};

/** The schema's verdict on the JSON text: the document, or each problem with its dotted path. */
export function checkDocument(text: string): {
  doc?: PolicyDocumentValue;
  problems: { path: string; message: string }[];
} {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problems: [{ path: '(JSON)', message: (error as Error).message }] };
  }
  const result = PolicyDocument.safeParse(value);
  if (result.success) return { doc: result.data, problems: [] };
  return {
    problems: result.error.issues.map((issue) => ({
      path: issue.path.join('.') || '(document)',
      message:
        issue.code === 'unrecognized_keys'
          ? `unknown field ${issue.keys.map((k) => `"${k}"`).join(', ')}`
          : issue.message,
    })),
  };
}

const tagRulesText = (rules: Record<string, string>[]) =>
  rules
    .map((rule) =>
      Object.entries(rule)
        .map(([k, v]) => `${k}=${v}`)
        .join(', '),
    )
    .join('\n');

function tagRulesOf(text: string): Record<string, string>[] {
  return text
    .split('\n')
    .filter((line) => line.trim())
    .map((line) =>
      Object.fromEntries(
        line.split(',').map((pair) => {
          const at = pair.indexOf('=');
          return at === -1 ? [pair.trim(), ''] : [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
        }),
      ),
    );
}

export function PolicyForm({
  existing,
  socketNames,
}: {
  existing?: Policy;
  socketNames: Map<string, string>;
}) {
  const [name, setName] = useState(existing?.name ?? '');
  const [description, setDescription] = useState(existing?.description ?? '');
  const [orgWide, setOrgWide] = useState(existing?.org_wide ?? false);
  const [sockets, setSockets] = useState(
    (existing?.socket_ids ?? []).map((id) => socketNames.get(id) ?? id).join('\n'),
  );
  const [tagRules, setTagRules] = useState(tagRulesText(existing?.tag_rules ?? []));
  const [text, setText] = useState(() => JSON.stringify(existing?.document ?? STARTER, null, 2));
  const [lastGood, setLastGood] = useState<PolicyDocumentValue>(existing?.document ?? STARTER);
  const submission = useSubmission();
  const check = useMemo(() => checkDocument(text), [text]);
  const problemAt = (path: string) =>
    [
      ...check.problems.filter((p) => p.path === path || p.path.startsWith(`${path}.`)).map((p) => p.message),
      submission.fieldError(`document.${path}`),
    ]
      .filter(Boolean)
      .join('; ') || undefined;
  const editText = (next: string) => {
    setText(next);
    const { doc } = checkDocument(next);
    if (doc) setLastGood(doc);
  };
  const build = (doc: PolicyDocumentValue) => {
    setLastGood(doc);
    setText(JSON.stringify(doc, null, 2));
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void submission.run(async () => {
      if (!check.doc) throw new Error('The document is not valid yet: see the problems under it.');
      const body = {
        name: name.trim(),
        org_wide: orgWide,
        sockets: sockets
          .split('\n')
          .map((s) => s.trim())
          .filter(Boolean),
        tag_rules: tagRulesOf(tagRules),
        document: check.doc as Schema<'PolicyDocument'>,
      };
      const saved = existing
        ? await api.modify(
            '/api/v1/policies/{policy}',
            { params: { path: { policy: existing.id } } },
            () => ({
              ...body,
              description: description.trim() || null,
            }),
          )
        : await api.post('/api/v1/policies', {
            body: { ...body, ...(description.trim() && { description: description.trim() }) },
          });
      navigate(`/policies/${saved.id}`);
    });
  };

  const jsonId = 'policy-document-json';
  return (
    <form className="form" onSubmit={submit} aria-label={existing ? 'Edit policy' : 'New policy'} noValidate>
      <fieldset>
        <legend>Policy</legend>
        <Field label="Name" error={submission.fieldError('name')}>
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              value={name}
              onChange={(e) => setName(e.target.value)}
              aria-describedby={describedBy}
              aria-invalid={invalid || undefined}
            />
          )}
        </Field>
        <Field label="Description" error={submission.fieldError('description')}>
          {({ id }) => <input id={id} value={description} onChange={(e) => setDescription(e.target.value)} />}
        </Field>
        <label className="check">
          <input type="checkbox" checked={orgWide} onChange={(e) => setOrgWide(e.target.checked)} /> Applies
          to every socket
        </label>
        <Field label="Sockets" hint="Names, one per line" error={submission.fieldError('sockets')}>
          {({ id, describedBy, invalid }) => (
            <textarea
              id={id}
              rows={2}
              value={sockets}
              onChange={(e) => setSockets(e.target.value)}
              aria-describedby={describedBy}
              aria-invalid={invalid || undefined}
            />
          )}
        </Field>
        <Field
          label="Tag rules"
          hint="One rule per line: key=value, key=value (a socket with all of them)"
          error={submission.fieldError('tag_rules')}
        >
          {({ id, describedBy, invalid }) => (
            <textarea
              id={id}
              rows={2}
              value={tagRules}
              onChange={(e) => setTagRules(e.target.value)}
              aria-describedby={describedBy}
              aria-invalid={invalid || undefined}
            />
          )}
        </Field>
      </fieldset>
      <div className="policy-editor">
        <PolicyBuilder doc={lastGood} onChange={build} errors={problemAt} />
        <div className="field json">
          <label htmlFor={jsonId}>Document (JSON)</label>
          <textarea
            id={jsonId}
            className="code"
            rows={22}
            spellCheck={false}
            value={text}
            onChange={(e) => editText(e.target.value)}
            aria-describedby={`${jsonId}-status`}
            aria-invalid={check.problems.length > 0 || undefined}
          />
          <div id={`${jsonId}-status`} aria-live="polite">
            {check.problems.length === 0 ? (
              <span className="ok">The document is valid.</span>
            ) : (
              <ul className="field-error problems">
                {check.problems.map((p) => (
                  <li key={`${p.path}:${p.message}`}>
                    {p.path}: {p.message}
                  </li>
                ))}
              </ul>
            )}
          </div>
          {submission.fieldError('document') ? (
            <span className="field-error">{submission.fieldError('document')}</span>
          ) : null}
        </div>
      </div>
      <SubmitError submission={submission} />
      <div className="actions">
        <button type="submit" className="primary" disabled={submission.busy}>
          {existing ? 'Save policy' : 'Create policy'}
        </button>
      </div>
    </form>
  );
}
