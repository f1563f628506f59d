/** The loading, empty and error states every view shows the same way. */
import type { ReactNode } from 'react';
import { describeError } from './api.js';
import type { Loaded } from './use-api.js';

export function Load<T>(props: {
  loaded: Loaded<T>;
  what: string;
  empty?: (data: T) => boolean;
  emptyText?: string;
  children: (data: T) => ReactNode;
}) {
  const { loaded } = props;
  if (loaded.state === 'loading') {
    return (
      <p className="note" role="status">
        Loading {props.what}…
      </p>
    );
  }
  if (loaded.state === 'error') {
    return (
      <p className="error" role="alert">
        Could not load {props.what}. {describeError(loaded.error)}
      </p>
    );
  }
  if (props.empty?.(loaded.data)) return <p className="note">{props.emptyText ?? `No ${props.what}.`}</p>;
  return <>{props.children(loaded.data)}</>;
}
