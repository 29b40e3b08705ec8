import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import { useQuery } from '@tanstack/react-query';
import { INSTITUTION_KINDS, MOU_STATUSES, institution as institutionSchema, type InstitutionKind, type MouStatus } from '@kakehashi/core';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { call, errorMessage } from '../../lib/api.ts';
import { queryClient, queryKeys } from '../../lib/query.ts';
import { institutionsQuery } from '../../lib/staffQueries.ts';
import { useSubmit } from '../../lib/useSubmit.ts';
import { useFormat } from '../../lib/time.ts';
import { PageHead } from '../../components/PageHead.tsx';
import { ErrorAlert, Notice } from '../../components/Alert.tsx';
import { Dialog } from '../../components/Dialog.tsx';
import { Check, Field } from '../../components/Field.tsx';
import { DataTable } from '../../components/DataTable.tsx';
import { FormActions } from '../../components/FormActions.tsx';

type Institution = z.infer<typeof institutionSchema>;

interface Draft {
  name: string;
  country: string;
  kind: InstitutionKind;
  mouStatus: MouStatus;
  mouSignedOn: string;
  disabled: boolean;
}

const emptyDraft: Draft = { name: '', country: '', kind: 'partner', mouStatus: 'none', mouSignedOn: '', disabled: false };

function InstitutionForm({
  initial,
  existing,
  onSaved,
  onCancel,
}: {
  initial: Draft;
  existing?: Institution;
  onSaved: () => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const [d, setD] = useState<Draft>(initial);
  const { busy, error, fieldErrors, run } = useSubmit();
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setD((x) => ({ ...x, [k]: v }));

  async function submit(e: FormEvent) {
    e.preventDefault();
    const body = {
      name: d.name,
      country: d.country.trim().toUpperCase(),
      kind: d.kind,
      mouStatus: d.mouStatus,
      mouSignedOn: d.mouSignedOn || null,
    };
    await run(async () => {
      if (existing) await call(CONTRACTS.updateInstitution, { params: { id: existing.id }, body: { ...body, disabled: d.disabled } });
      else await call(CONTRACTS.createInstitution, { body });
      onSaved();
    });
  }

  return (
    <form className="form" onSubmit={submit} noValidate>
      <ErrorAlert>{error}</ErrorAlert>
      <Field label={t('institutions.name')} error={fieldErrors.name}>
        {(p) => <input {...p} className="input" name="name" required value={d.name} onChange={(e) => set('name', e.target.value)} />}
      </Field>
      <div className="form__row">
        <Field label={t('institutions.country')} error={fieldErrors.country}>
          {(p) => (
            <input
              {...p}
              className="input input--short"
              name="country"
              required
              maxLength={2}
              autoCapitalize="characters"
              value={d.country}
              onChange={(e) => set('country', e.target.value.toUpperCase())}
            />
          )}
        </Field>
        <Field label={t('institutions.kind')} error={fieldErrors.kind}>
          {(p) => (
            <select {...p} className="input" name="kind" value={d.kind} onChange={(e) => set('kind', e.target.value as InstitutionKind)}>
              {INSTITUTION_KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`institutions.kinds.${k}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <div className="form__row">
        <Field label={t('institutions.mouStatus')} error={fieldErrors.mouStatus}>
          {(p) => (
            <select {...p} className="input" name="mouStatus" value={d.mouStatus} onChange={(e) => set('mouStatus', e.target.value as MouStatus)}>
              {MOU_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {t(`institutions.mou.${s}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('institutions.mouSignedOn')} error={fieldErrors.mouSignedOn}>
          {(p) => <input {...p} className="input" type="date" name="mouSignedOn" value={d.mouSignedOn} onChange={(e) => set('mouSignedOn', e.target.value)} />}
        </Field>
      </div>
      {existing && <Check label={t('common.disabled')} name="disabled" checked={d.disabled} onChange={(v) => set('disabled', v)} />}
      <FormActions submitLabel={existing ? t('common.save') : t('common.create')} busy={busy} onCancel={onCancel} />
    </form>
  );
}

export function InstitutionsPage() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const list = useQuery(institutionsQuery());
  const [editing, setEditing] = useState<Institution | 'new' | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  function saved(message: string) {
    setEditing(null);
    setNotice(message);
    // Institutions are named on users and cases too.
    void queryClient.invalidateQueries({ queryKey: queryKeys.institutions() });
    void queryClient.invalidateQueries({ queryKey: queryKeys.users() });
    void queryClient.invalidateQueries({ queryKey: queryKeys.cases() });
  }

  return (
    <>
      <PageHead
        title={t('institutions.title')}
        intro={t('institutions.intro')}
        action={
          <button type="button" className="button" onClick={() => { setNotice(null); setEditing('new'); }}>
            {t('institutions.add')}
          </button>
        }
      />
      <Notice>{notice}</Notice>
      <ErrorAlert>{list.error && errorMessage(list.error)}</ErrorAlert>
      <DataTable
        label={t('institutions.title')}
        loading={list.isFetching}
        items={list.data?.items}
        columns={[t('institutions.name'), t('institutions.countryShort'), t('institutions.kind'), t('institutions.mouStatus'), t('common.status'), t('common.actions')]}
        rowKey={(i) => i.id}
        rowClassName={(i) => (i.disabled ? 'row--disabled' : undefined)}
        renderRow={(i) => (
          <>
            <td className="cell-wrap">{i.name}</td>
            <td>{i.country}</td>
            <td>{t(`institutions.kinds.${i.kind}`)}</td>
            <td>
              {t(`institutions.mou.${i.mouStatus}`)}
              {i.mouSignedOn && <span className="cell-sub">{fmt.date(i.mouSignedOn)}</span>}
            </td>
            <td>
              <span className={`badge ${i.disabled ? 'badge--off' : 'badge--ok'}`}>{i.disabled ? t('common.disabled') : t('common.active')}</span>
            </td>
            <td>
              <button type="button" className="button button--secondary button--small" onClick={() => { setNotice(null); setEditing(i); }}>
                {t('common.edit')}
              </button>
            </td>
          </>
        )}
      />
      {editing === 'new' && (
        <Dialog title={t('institutions.add')} onClose={() => setEditing(null)}>
          <InstitutionForm initial={emptyDraft} onSaved={() => saved(t('institutions.created'))} onCancel={() => setEditing(null)} />
        </Dialog>
      )}
      {editing && editing !== 'new' && (
        <Dialog title={t('institutions.editTitle')} onClose={() => setEditing(null)}>
          <InstitutionForm
            existing={editing}
            initial={{
              name: editing.name,
              country: editing.country,
              kind: editing.kind,
              mouStatus: editing.mouStatus,
              mouSignedOn: editing.mouSignedOn ?? '',
              disabled: editing.disabled,
            }}
            onSaved={() => saved(t('common.saved'))}
            onCancel={() => setEditing(null)}
          />
        </Dialog>
      )}
    </>
  );
}
