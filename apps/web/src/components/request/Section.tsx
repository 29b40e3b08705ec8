import type { ReactNode } from 'react';
import { get, useFormContext, useFormState } from 'react-hook-form';
import type { RequestValues } from './form.ts';

/** A section of the form with its own heading, for people who read it in steps. */
export function Section({ id, title, intro, children }: { id: string; title: string; intro?: string; children: ReactNode }) {
  return (
    <section className="card form-section" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {intro && <p className="muted">{intro}</p>}
      <div className="form">{children}</div>
    </section>
  );
}

/** The request form's fields and, by path, the problem to show beside each. */
export function useRequestField() {
  const form = useFormContext<RequestValues>();
  const { errors } = useFormState({ control: form.control });
  const error = (path: string): string | undefined => (get(errors, path) as { message?: string } | undefined)?.message;
  return { ...form, error };
}

/** The words that differ when staff write for someone else (see RequestForm). */
export type Words = Record<
  | 'requesterIntro'
  | 'requesterType'
  | 'requesterName'
  | 'emailHint'
  | 'preferredLocaleHint'
  | 'medicalIntro'
  | 'questions'
  | 'datesIntro'
  | 'consentIntro'
  | 'consentAccept'
  | 'consentBy'
  | 'consentByHint'
  | 'note'
  | 'submit',
  string
>;
