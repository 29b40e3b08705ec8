import { useState, type FormEvent } from 'react';
import { Field } from '../Field.tsx';

/** The words of a link page's passcode step, in that page's own catalog section. */
export interface PasscodeWords {
  title: string;
  intro: string;
  wrong: string;
  tooMany: string;
  label: string;
  submit: string;
}

/** Asks for the passcode a link was given with (by telephone or fax): the upload-request page's and the read link's. */
export function PasscodeForm({ testId, words, wrong, limited, onSubmit }: { testId: string; words: PasscodeWords; wrong: boolean; limited: string | null; onSubmit: (passcode: string) => void }) {
  const [value, setValue] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (value.trim()) onSubmit(value.trim());
  };
  return (
    <section className="card" data-testid={`${testId}-passcode`}>
      <h1>{words.title}</h1>
      <p>{words.intro}</p>
      {wrong && (
        <div className="alert alert--error" role="alert">
          {words.wrong}
        </div>
      )}
      {limited && (
        <div className="alert alert--error" role="alert" data-testid={`${testId}-too-many`}>
          <p>{words.tooMany}</p>
          <p>{limited}</p>
        </div>
      )}
      <form className="form" onSubmit={submit}>
        <Field label={words.label}>
          {(p) => <input {...p} className="input" name="passcode" autoComplete="off" autoCapitalize="none" spellCheck={false} maxLength={64} value={value} onChange={(e) => setValue(e.target.value)} />}
        </Field>
        <div className="form__actions">
          <button type="submit" className="button">
            {words.submit}
          </button>
        </div>
      </form>
    </section>
  );
}
