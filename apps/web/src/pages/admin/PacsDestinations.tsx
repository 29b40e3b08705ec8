import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import { useQuery } from '@tanstack/react-query';
import { PACS_AUTH_KINDS, PATIENT_ID_MODES, pacsDestination } from '@kakehashi/core';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { call, errorMessage } from '../../lib/api.ts';
import { queryClient, queryKeys } from '../../lib/query.ts';
import { pacsDestinationsQuery } from '../../lib/staffQueries.ts';
import { useSubmit } from '../../lib/useSubmit.ts';
import { PageHead } from '../../components/PageHead.tsx';
import { ErrorAlert, Notice } from '../../components/Alert.tsx';
import { Dialog } from '../../components/Dialog.tsx';
import { Check, Field } from '../../components/Field.tsx';
import { DataTable } from '../../components/DataTable.tsx';
import { FormActions } from '../../components/FormActions.tsx';

type Destination = z.infer<typeof pacsDestination>;
type AuthKind = (typeof PACS_AUTH_KINDS)[number];
type Mode = (typeof PATIENT_ID_MODES)[number];

interface Draft {
  name: string;
  url: string;
  authKind: AuthKind;
  authUser: string;
  secret: string;
  patientIdMode: Mode;
  issuer: string;
  disabled: boolean;
}

const emptyDraft: Draft = { name: '', url: '', authKind: 'none', authUser: '', secret: '', patientIdMode: 'hospital', issuer: '', disabled: false };

function DestinationForm({ initial, existing, onSaved, onCancel }: { initial: Draft; existing?: Destination; onSaved: () => void; onCancel: () => void }) {
  const { t } = useTranslation();
  const [d, setD] = useState<Draft>(initial);
  const { busy, error, fieldErrors, run } = useSubmit();
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setD((x) => ({ ...x, [k]: v }));
  // A secret stored for this kind of authentication is kept when the field is left empty.
  const kept = !!existing?.hasSecret && existing.authKind === d.authKind;

  async function submit(e: FormEvent) {
    e.preventDefault();
    const body = {
      name: d.name,
      url: d.url.trim(),
      authKind: d.authKind,
      authUser: d.authKind === 'basic' ? d.authUser : null,
      patientIdMode: d.patientIdMode,
      issuer: d.issuer,
      ...(d.secret ? { secret: d.secret } : {}),
    };
    await run(async () => {
      if (existing) await call(CONTRACTS.updatePacsDestination, { params: { id: existing.id }, body: { ...body, disabled: d.disabled } });
      else await call(CONTRACTS.createPacsDestination, { body: { ...body, secret: d.secret || null } });
      onSaved();
    });
  }

  return (
    <form className="form" onSubmit={submit} noValidate>
      <ErrorAlert>{error}</ErrorAlert>
      <Field label={t('pacs.name')} error={fieldErrors.name}>
        {(p) => <input {...p} className="input" name="name" required value={d.name} onChange={(e) => set('name', e.target.value)} />}
      </Field>
      <Field label={t('pacs.url')} hint={t('pacs.urlHelp')} error={fieldErrors.url}>
        {(p) => <input {...p} className="input" name="url" type="url" required inputMode="url" value={d.url} onChange={(e) => set('url', e.target.value)} />}
      </Field>
      <Field label={t('pacs.auth')} error={fieldErrors.authKind}>
        {(p) => (
          <select {...p} className="input" name="authKind" value={d.authKind} onChange={(e) => set('authKind', e.target.value as AuthKind)}>
            {PACS_AUTH_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`pacs.authKinds.${k}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
      {d.authKind !== 'none' && (
        <div className="form__row">
          {d.authKind === 'basic' && (
            <Field label={t('pacs.user')} error={fieldErrors.authUser}>
              {(p) => <input {...p} className="input" name="authUser" autoComplete="off" value={d.authUser} onChange={(e) => set('authUser', e.target.value)} />}
            </Field>
          )}
          <Field label={d.authKind === 'basic' ? t('pacs.password') : t('pacs.token')} hint={kept ? t('pacs.secretKept') : null} error={fieldErrors.secret}>
            {(p) => <input {...p} className="input" name="secret" type="password" autoComplete="new-password" value={d.secret} onChange={(e) => set('secret', e.target.value)} />}
          </Field>
        </div>
      )}
      <Field label={t('pacs.patientIdMode')} error={fieldErrors.patientIdMode}>
        {(p) => (
          <select {...p} className="input" name="patientIdMode" value={d.patientIdMode} onChange={(e) => set('patientIdMode', e.target.value as Mode)}>
            {PATIENT_ID_MODES.map((m) => (
              <option key={m} value={m}>
                {t(`pacs.modes.${m}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
      {d.patientIdMode !== 'keep' && (
        <Field label={t('pacs.issuer')} hint={t('pacs.issuerHelp')} error={fieldErrors.issuer}>
          {(p) => <input {...p} className="input" name="issuer" maxLength={64} value={d.issuer} onChange={(e) => set('issuer', e.target.value)} />}
        </Field>
      )}
      {existing && <Check label={t('common.disabled')} name="disabled" checked={d.disabled} onChange={(v) => set('disabled', v)} />}
      <FormActions submitLabel={existing ? t('common.save') : t('common.create')} busy={busy} onCancel={onCancel} />
    </form>
  );
}

/** The hospital's PACS destinations (DICOMweb STOW-RS), for administrators. */
export function PacsDestinationsPage() {
  const { t } = useTranslation();
  const list = useQuery(pacsDestinationsQuery());
  const [editing, setEditing] = useState<Destination | 'new' | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  function saved(message: string) {
    setEditing(null);
    setNotice(message);
    void queryClient.invalidateQueries({ queryKey: queryKeys.pacsDestinations() });
  }

  return (
    <>
      <PageHead
        title={t('pacs.title')}
        intro={t('pacs.intro')}
        action={
          <button type="button" className="button" onClick={() => { setNotice(null); setEditing('new'); }}>
            {t('pacs.add')}
          </button>
        }
      />
      <Notice>{notice}</Notice>
      <ErrorAlert>{list.error && errorMessage(list.error)}</ErrorAlert>
      <DataTable
        label={t('pacs.title')}
        loading={list.isFetching}
        items={list.data?.items}
        columns={[t('pacs.name'), t('pacs.url'), t('pacs.auth'), t('pacs.patientIdMode'), t('common.status'), t('common.actions')]}
        rowKey={(d) => d.id}
        rowClassName={(d) => (d.disabled ? 'row--disabled' : undefined)}
        renderRow={(d) => (
          <>
            <td className="cell-wrap">{d.name}</td>
            <td className="cell-wrap">
              <code>{d.url}</code>
            </td>
            <td>
              {t(`pacs.authKinds.${d.authKind}`)}
              {d.authUser && <span className="cell-sub">{d.authUser}</span>}
            </td>
            <td>
              {t(`pacs.modes.${d.patientIdMode}`)}
              {d.patientIdMode !== 'keep' && d.issuer && <span className="cell-sub">{d.issuer}</span>}
            </td>
            <td>
              <span className={`badge ${d.disabled ? 'badge--off' : 'badge--ok'}`}>{d.disabled ? t('common.disabled') : t('common.active')}</span>
            </td>
            <td>
              <button type="button" className="button button--secondary button--small" onClick={() => { setNotice(null); setEditing(d); }}>
                {t('common.edit')}
              </button>
            </td>
          </>
        )}
      />
      {editing === 'new' && (
        <Dialog title={t('pacs.add')} onClose={() => setEditing(null)}>
          <DestinationForm initial={emptyDraft} onSaved={() => saved(t('pacs.created'))} onCancel={() => setEditing(null)} />
        </Dialog>
      )}
      {editing && editing !== 'new' && (
        <Dialog title={t('pacs.editTitle')} onClose={() => setEditing(null)}>
          <DestinationForm
            existing={editing}
            initial={{ ...emptyDraft, name: editing.name, url: editing.url, authKind: editing.authKind, authUser: editing.authUser ?? '', patientIdMode: editing.patientIdMode, issuer: editing.issuer, disabled: editing.disabled }}
            onSaved={() => saved(t('common.saved'))}
            onCancel={() => setEditing(null)}
          />
        </Dialog>
      )}
    </>
  );
}
