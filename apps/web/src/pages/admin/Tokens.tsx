import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import { useMutation, useQuery } from '@tanstack/react-query';
import { apiToken, createdApiToken } from '@kakehashi/core';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { call, errorMessage } from '../../lib/api.ts';
import { queryClient, queryKeys } from '../../lib/query.ts';
import { tokensQuery, usersQuery } from '../../lib/staffQueries.ts';
import { useSubmit } from '../../lib/useSubmit.ts';
import { useFormat } from '../../lib/time.ts';
import { useMe } from '../../lib/session.tsx';
import { PageHead } from '../../components/PageHead.tsx';
import { DataTable } from '../../components/DataTable.tsx';
import { ErrorAlert, Notice } from '../../components/Alert.tsx';
import { ConfirmDialog, Dialog } from '../../components/Dialog.tsx';
import { Field } from '../../components/Field.tsx';
import { CopyBox } from '../../components/CopyBox.tsx';
import { FormActions } from '../../components/FormActions.tsx';

type ApiToken = z.infer<typeof apiToken>;
type Created = z.infer<typeof createdApiToken>;

function CreateTokenForm({ onCreated, onCancel }: { onCreated: (c: Created) => void; onCancel: () => void }) {
  const { t } = useTranslation();
  const me = useMe();
  // The server caps pageSize at 200; an administrator picks among active users.
  const users = useQuery(usersQuery({ pageSize: 200, includeDisabled: 'false' }));
  const [userId, setUserId] = useState(me.id);
  const [name, setName] = useState('');
  const { busy, error, fieldErrors, run } = useSubmit();

  async function submit(e: FormEvent) {
    e.preventDefault();
    await run(async () => onCreated(await call(CONTRACTS.createToken, { body: { userId, name } })));
  }

  return (
    <form className="form" onSubmit={submit} noValidate>
      <ErrorAlert>{error ?? (users.error && errorMessage(users.error))}</ErrorAlert>
      <Field label={t('tokens.name')} error={fieldErrors.name}>
        {(p) => <input {...p} className="input" name="name" required autoComplete="off" value={name} onChange={(e) => setName(e.target.value)} />}
      </Field>
      <Field label={t('tokens.user')} error={fieldErrors.userId}>
        {(p) => (
          <select {...p} className="input" name="userId" value={userId} onChange={(e) => setUserId(e.target.value)}>
            {!users.data && <option value={me.id}>{me.name}</option>}
            {users.data?.items.map((u) => (
              <option key={u.id} value={u.id}>
                {t('tokens.userOption', { name: u.name, email: u.email })}
              </option>
            ))}
          </select>
        )}
      </Field>
      <FormActions submitLabel={t('tokens.add')} busy={busy} onCancel={onCancel} />
    </form>
  );
}

export function TokensPage() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const list = useQuery(tokensQuery());
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<Created | null>(null);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const revocation = useMutation({
    mutationFn: (tok: ApiToken) => call(CONTRACTS.revokeToken, { params: { id: tok.id } }),
    onSuccess: () => {
      setNotice(t('tokens.revoked'));
      void queryClient.invalidateQueries({ queryKey: queryKeys.tokens() });
    },
    onSettled: () => setRevoking(null),
  });
  const busy = revocation.isPending;
  const error = revocation.error && errorMessage(revocation.error);

  function revoke(tok: ApiToken) {
    revocation.mutate(tok);
  }

  return (
    <>
      <PageHead
        title={t('tokens.title')}
        intro={t('tokens.intro')}
        action={
          <button type="button" className="button" onClick={() => { setNotice(null); setCreated(null); setCreating(true); }}>
            {t('tokens.add')}
          </button>
        }
      />
      {created && (
        <section className="secret-panel" aria-labelledby="secret-title">
          <h2 id="secret-title">{created.token.name}</h2>
          <Notice tone="warning">{t('tokens.shownOnce')}</Notice>
          <CopyBox value={created.secret} testId="token-secret" label={created.token.name} />
          <div className="form__actions">
            <button type="button" className="button button--secondary" onClick={() => setCreated(null)}>
              {t('common.close')}
            </button>
          </div>
        </section>
      )}
      <Notice>{notice}</Notice>
      <ErrorAlert>{error ?? (list.error && errorMessage(list.error))}</ErrorAlert>
      <DataTable
        label={t('tokens.title')}
        loading={list.isFetching}
        items={list.data?.items}
        columns={[t('tokens.name'), t('tokens.user'), t('tokens.prefix'), t('tokens.createdAt'), t('tokens.lastUsedAt'), t('common.status'), t('common.actions')]}
        rowKey={(tok) => tok.id}
        rowClassName={(tok) => (tok.revokedAt ? 'row--disabled' : undefined)}
        timeZoneNote
        renderRow={(tok) => (
          <>
            <td>{tok.name}</td>
            <td>
              {tok.user.name}
              <span className="cell-sub cell-mono">{tok.user.email}</span>
            </td>
            <td className="cell-mono cell-prefix">{tok.prefix}</td>
            <td className="cell-nowrap">{fmt.dateTime(tok.createdAt)}</td>
            <td className="cell-nowrap">{tok.lastUsedAt ? fmt.dateTime(tok.lastUsedAt) : t('tokens.never')}</td>
            <td>
              {tok.revokedAt ? (
                <span className="badge badge--off">{t('tokens.revokedOn', { at: fmt.dateTime(tok.revokedAt) })}</span>
              ) : (
                <span className="badge badge--ok">{t('common.active')}</span>
              )}
            </td>
            <td>
              {!tok.revokedAt && (
                <button type="button" className="button button--danger-outline button--small" onClick={() => setRevoking(tok)}>
                  {t('tokens.revoke')}
                </button>
              )}
            </td>
          </>
        )}
      />
      {creating && (
        <Dialog title={t('tokens.add')} onClose={() => setCreating(false)}>
          <CreateTokenForm
            onCancel={() => setCreating(false)}
            onCreated={(c) => {
              setCreating(false);
              setCreated(c);
              void queryClient.invalidateQueries({ queryKey: queryKeys.tokens() });
            }}
          />
        </Dialog>
      )}
      {revoking && (
        <ConfirmDialog
          title={t('tokens.revoke')}
          message={t('tokens.confirmRevoke', { name: revoking.name })}
          confirmLabel={t('tokens.revoke')}
          busy={busy}
          onConfirm={() => void revoke(revoking)}
          onCancel={() => setRevoking(null)}
        />
      )}
    </>
  );
}
