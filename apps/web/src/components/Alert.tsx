import type { ReactNode } from 'react';

/** An error the user must notice: announced at once by screen readers. */
export function ErrorAlert({ children }: { children: ReactNode }) {
  if (!children) return null;
  return (
    <div className="alert alert--error" role="alert">
      {children}
    </div>
  );
}

/** A confirmation or notice: announced politely. */
export function Notice({ children, tone = 'success' }: { children: ReactNode; tone?: 'success' | 'info' | 'warning' }) {
  if (!children) return null;
  return (
    <div className={`alert alert--${tone}`} role="status">
      {children}
    </div>
  );
}
