/**
 * Forms on the API: a submit that keeps the problem+json it got, and fields that show the failing field's
 * message beside them (the API names fields by dotted path, e.g. `upstream_configuration.port`).
 */
import { Border0Error } from '@border0/sdk';
import { type ReactNode, useId, useState } from 'react';
import { describeError } from './api.js';

export interface Submission {
  busy: boolean;
  error: unknown;
  /** The message the API gave for this field (or a field under it), if any. */
  fieldError(field: string): string | undefined;
  run(action: () => Promise<void>): Promise<void>;
}

export function useSubmission(): Submission {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const fields = error instanceof Border0Error ? error.errors : [];
  return {
    busy,
    error,
    fieldError: (field) =>
      fields
        .filter((e) => e.field === field || e.field.startsWith(`${field}.`))
        .map((e) => (e.field === field ? e.message : `${e.field.slice(field.length + 1)}: ${e.message}`))
        .join('; ') || undefined,
    async run(action) {
      setBusy(true);
      setError(undefined);
      try {
        await action();
      } catch (caught) {
        setError(caught);
      } finally {
        setBusy(false);
      }
    },
  };
}

/** A labelled control with its hint and its error from the API, tied to it for screen readers. */
export function Field(props: {
  label: string;
  error?: string | undefined;
  hint?: string;
  children: (ids: { id: string; describedBy: string | undefined; invalid: boolean }) => ReactNode;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [props.hint && hintId, props.error && errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      {props.children({ id, describedBy, invalid: Boolean(props.error) })}
      {props.hint ? (
        <span id={hintId} className="hint">
          {props.hint}
        </span>
      ) : null}
      {props.error ? (
        <span id={errorId} className="field-error">
          {props.error}
        </span>
      ) : null}
    </div>
  );
}

/** The whole failure of a submit, in words (the fields' own messages also stand beside them). */
export function SubmitError({ submission }: { submission: Submission }) {
  if (submission.error === undefined) return null;
  return (
    <p className="error" role="alert">
      {describeError(submission.error)}
    </p>
  );
}

/**
 * A destructive action that asks first: the first press shows "Confirm: …" and "Cancel" in its place (both
 * reachable by keyboard, the confirm button focused), the second does it.
 */
export function ConfirmButton(props: {
  label: string;
  what: string;
  confirm: string;
  busy?: boolean;
  onConfirm: () => void;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button type="button" onClick={() => setAsking(true)} aria-label={`${props.label} ${props.what}`}>
        {props.label}
      </button>
    );
  }
  return (
    <span className="confirm">
      <button
        type="button"
        className="danger"
        // biome-ignore lint/a11y/noAutofocus: the confirmation replaces the button that had the focus.
        autoFocus
        disabled={props.busy}
        onClick={() => {
          setAsking(false);
          props.onConfirm();
        }}
      >
        Confirm: {props.confirm}
      </button>{' '}
      <button type="button" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}
