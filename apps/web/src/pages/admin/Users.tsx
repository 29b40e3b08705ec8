import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import { useMutation, useQuery } from '@tanstack/react-query';
import { LOCALES, ROLES, institutionList, user as userSchema, type Locale, type Role } from '@kakehashi/core';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { call, errorMessage } from '../../lib/api.ts';
import { queryClient, queryKeys } from '../../lib/query.ts';
import { institutionsQuery, usersQuery } from '../../lib/staffQueries.ts';
import { useSubmit } from '../../lib/useSubmit.ts';
import { useFormat } from '../../lib/time.ts';
import { useMe } from '../../lib/session.tsx';
import { PageHead } from '../../components/PageHead.tsx';
import { ErrorAlert, Notice } from '../../components/Alert.tsx';
import { Dialog } from '../../components/Dialog.tsx';
import { Check, Field } from '../../components/Field.tsx';
import { DataTable, FilterActions } from '../../components/DataTable.tsx';
import { useUrlParams } from '../../lib/useUrlParams.ts';
import { FormActions } from '../../components/FormActions.tsx';

type User = z.infer<typeof userSchema>;
type Institution = z.infer<typeof institutionList>['items'][number];

const PAGE_SIZE = 25;

function isRole(v: string | null): v is Role {
  return !!v && (ROLES as readonly string[]).includes(v);
}

function InstitutionSelect({
  value,
  onChange,
  institutions,
  error,
}: {
  value: string;
  onChange: (v: string) => void;
  institutions: Institution[];
  error?: string;
}) {
  const { t } = useTranslation();
  return (
    <Field label={t('users.institution')} error={error}>
      {(p) => (
        <select {...p} className="input" name="institutionId" value={value} onChange={(e) => onChange(e.target.value)}>
          <option value="">{t('users.noInstitution')}</option>
          {institutions
            .filter((i) => !i.disabled || i.id === value)
            .map((i) => (
              <option key={i.id} value={i.id}>
                {i.name}
              </option>
            ))}
        </select>
      )}
    </Field>
  );
}

function RoleSelect({ value, onChange, error }: { value: Role; onChange: (r: Role) => void; error?: string }) {
  const { t } = useTranslation();
  return (
    <Field label={t('users.role')} error={error}>
      {(p) => (
        <select {...p} className="input" name="role" value={value} onChange={(e) => onChange(e.target.value as Role)}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {t(`roles.${r}`)}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

function AddUserForm({ institutions, onSaved, onCancel }: { institutions: Institution[]; onSaved: (invited: boolean) => void; onCancel: () => void }) {
  const { t } = useTranslation();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('coordinator');
  const [institutionId, setInstitutionId] = useState('');
  const [locale, setLocale] = useState<Locale | ''>('');
  const [password, setPassword] = useState('');
  const { busy, error, fieldErrors, run } = useSubmit();

  async function submit(e: FormEvent) {
    e.preventDefault();
    await run(async () => {
      await call(CONTRACTS.createUser, { body: { email, name, role, institutionId: institutionId || null, locale: locale || null, ...(password ? { password } : {}) } });
      onSaved(!password);
    });
  }

  return (
    <form className="form" onSubmit={submit} noValidate>
      <ErrorAlert>{error}</ErrorAlert>
      <Field label={t('users.email')} error={fieldErrors.email}>
        {(p) => <input {...p} className="input" type="email" name="email" autoComplete="off" required value={email} onChange={(e) => setEmail(e.target.value)} />}
      </Field>
      <Field label={t('users.name')} error={fieldErrors.name}>
        {(p) => <input {...p} className="input" name="name" autoComplete="off" required value={name} onChange={(e) => setName(e.target.value)} />}
      </Field>
      <div className="form__row">
        <RoleSelect value={role} onChange={setRole} error={fieldErrors.role} />
        <InstitutionSelect value={institutionId} onChange={setInstitutionId} institutions={institutions} error={fieldErrors.institutionId} />
      </div>
      <Field label={t('users.locale')} error={fieldErrors.locale}>
        {(p) => (
          <select {...p} className="input" name="locale" value={locale} onChange={(e) => setLocale(e.target.value as Locale | '')}>
            <option value="">{t('users.localeAuto')}</option>
            {LOCALES.map((l) => (
              <option key={l} value={l} lang={l}>
                {t(`languages.${l}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={t('users.password')} hint={t('users.passwordHelp')} error={fieldErrors.password}>
        {(p) => (
          <input {...p} className="input" type="password" name="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />
        )}
      </Field>
      <FormActions submitLabel={t('common.create')} busy={busy} onCancel={onCancel} />
    </form>
  );
}

function EditUserForm({
  user,
  institutions,
  isSelf,
  onSaved,
  onCancel,
}: {
  user: User;
  institutions: Institution[];
  isSelf: boolean;
  onSaved: (message: string) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const [name, setName] = useState(user.name);
  const [role, setRole] = useState<Role>(user.role);
  const [institutionId, setInstitutionId] = useState(user.institution?.id ?? '');
  const [disabled, setDisabled] = useState(user.disabled);
  const { busy, error, fieldErrors, run } = useSubmit();

  async function send(body: z.input<typeof CONTRACTS.updateUser.body>, message: string) {
    await run(async () => {
      await call(CONTRACTS.updateUser, { params: { id: user.id }, body });
      onSaved(message);
    });
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    const body: Record<string, unknown> = {};
    if (name !== user.name) body.name = name;
    if (role !== user.role) body.role = role;
    if (institutionId !== (user.institution?.id ?? '')) body.institutionId = institutionId || null;
    if (disabled !== user.disabled) body.disabled = disabled;
    void send(body, t('common.saved'));
  }

  return (
    <form className="form" onSubmit={submit} noValidate>
      <dl className="facts facts--compact">
        <div>
          <dt>{t('users.email')}</dt>
          <dd className="cell-mono">{user.email}</dd>
        </div>
        <div>
          <dt>{t('users.createdAt')}</dt>
          <dd>{fmt.dateTime(user.createdAt)}</dd>
        </div>
      </dl>
      <ErrorAlert>{error}</ErrorAlert>
      <Field label={t('users.name')} error={fieldErrors.name}>
        {(p) => <input {...p} className="input" name="name" required value={name} onChange={(e) => setName(e.target.value)} />}
      </Field>
      <div className="form__row">
        <RoleSelect value={role} onChange={setRole} error={fieldErrors.role} />
        <InstitutionSelect value={institutionId} onChange={setInstitutionId} institutions={institutions} error={fieldErrors.institutionId} />
      </div>
      {!isSelf && <Check label={t('common.disabled')} name="disabled" checked={disabled} onChange={setDisabled} />}
      <FormActions submitLabel={t('common.save')} busy={busy} onCancel={onCancel} />
      {user.totpEnabled && (
        <div className="form__aside">
          <button type="button" className="button button--danger-outline" disabled={busy} onClick={() => void send({ resetTotp: true }, t('users.resetTotpDone'))}>
            {t('users.resetTotp')}
          </button>
        </div>
      )}
    </form>
  );
}

/** Users appear in the user list, the staff to put on a team and the token form. */
function usersChanged() {
  return Promise.all([queryClient.invalidateQueries({ queryKey: queryKeys.users() }), queryClient.invalidateQueries({ queryKey: queryKeys.staff() })]);
}

export function UsersPage() {
  const { t } = useTranslation();
  const me = useMe();
  const { params, update, clear } = useUrlParams();
  const q = params.get('q') ?? '';
  const roleParam = params.get('role');
  const role = isRole(roleParam) ? roleParam : '';
  const includeDisabled = params.get('includeDisabled') === 'true';
  const page = Math.max(1, Number(params.get('page')) || 1);

  const [search, setSearch] = useState(q);
  // Controls answer at once; the URL (and so the list) follows.
  const [roleChoice, setRoleChoice] = useState<Role | ''>(role);
  const [showDisabled, setShowDisabled] = useState(includeDisabled);
  useEffect(() => {
    setSearch(q);
    setRoleChoice(role);
    setShowDisabled(includeDisabled);
  }, [q, role, includeDisabled]);
  const [notice, setNotice] = useState<string | null>(null);
  const [dialog, setDialog] = useState<User | 'new' | null>(null);

  const list = useQuery(usersQuery({ q: q || undefined, role: role || undefined, includeDisabled: includeDisabled ? 'true' : 'false', page, pageSize: PAGE_SIZE }));
  const institutions = useQuery(institutionsQuery());
  const toggle = useMutation({
    mutationFn: (u: User) => call(CONTRACTS.updateUser, { params: { id: u.id }, body: { disabled: !u.disabled } }),
    onSuccess: () => {
      setNotice(t('common.saved'));
      void usersChanged();
    },
  });

  function toggleDisabled(u: User) {
    setNotice(null);
    toggle.mutate(u);
  }

  function saved(message: string) {
    setDialog(null);
    setNotice(message);
    void usersChanged();
  }

  return (
    <>
      <PageHead
        title={t('users.title')}
        intro={t('users.intro')}
        action={
          <button type="button" className="button" onClick={() => { setNotice(null); setDialog('new'); }}>
            {t('users.add')}
          </button>
        }
      />
      <form
        className="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          update({ q: search.trim() });
        }}
      >
        <Field label={t('common.search')}>
          {(p) => (
            <input {...p} className="input" type="search" name="q" placeholder={t('users.searchPlaceholder')} value={search} onChange={(e) => setSearch(e.target.value)} />
          )}
        </Field>
        <Field label={t('users.role')}>
          {(p) => (
            <select
              {...p}
              className="input"
              name="role"
              value={roleChoice}
              onChange={(e) => {
                setRoleChoice(e.target.value as Role | '');
                update({ role: e.target.value });
              }}
            >
              <option value="">{t('users.allRoles')}</option>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {t(`roles.${r}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Check
          label={t('users.includeDisabled')}
          name="includeDisabled"
          checked={showDisabled}
          onChange={(v) => {
            setShowDisabled(v);
            update({ includeDisabled: v ? 'true' : null });
          }}
        />
        <FilterActions
          onReset={() => {
            setSearch('');
            clear();
          }}
        />
      </form>
      <Notice>{notice}</Notice>
      <ErrorAlert>{(toggle.error ?? list.error) && errorMessage(toggle.error ?? list.error)}</ErrorAlert>
      <DataTable
        label={t('users.title')}
        loading={list.isFetching}
        items={list.data?.items}
        columns={[t('users.name'), t('users.email'), t('users.role'), t('users.institution'), t('users.totp'), t('common.status'), t('common.actions')]}
        rowKey={(u) => u.id}
        rowClassName={(u) => (u.disabled ? 'row--disabled' : undefined)}
        paging={list.data && { page: list.data.page, pageSize: list.data.pageSize, total: list.data.total, onPage: (p) => update({ page: String(p) }) }}
        timeZoneNote
        renderRow={(u) => (
          <>
            <td>{u.name}</td>
            <td className="cell-mono">{u.email}</td>
            <td>{t(`roles.${u.role}`)}</td>
            <td className="cell-wrap">{u.institution?.name ?? t('common.none')}</td>
            <td>{u.totpEnabled ? t('home.twoStepOn') : t('home.twoStepOff')}</td>
            <td>
              <span className={`badge ${u.disabled ? 'badge--off' : 'badge--ok'}`}>{u.disabled ? t('common.disabled') : t('common.active')}</span>
            </td>
            <td>
              <div className="cell-actions">
                <button type="button" className="button button--secondary button--small" onClick={() => { setNotice(null); setDialog(u); }}>
                  {t('common.edit')}
                </button>
                {u.id !== me.id && (
                  <button type="button" className="button button--secondary button--small" onClick={() => void toggleDisabled(u)}>
                    {u.disabled ? t('common.enable') : t('common.disable')}
                  </button>
                )}
              </div>
            </td>
          </>
        )}
      />
      {dialog === 'new' && (
        <Dialog title={t('users.add')} onClose={() => setDialog(null)}>
          <AddUserForm
            institutions={institutions.data?.items ?? []}
            onSaved={(invited) => saved(invited ? t('users.invited') : t('users.created'))}
            onCancel={() => setDialog(null)}
          />
        </Dialog>
      )}
      {dialog && dialog !== 'new' && (
        <Dialog title={t('users.editTitle')} onClose={() => setDialog(null)}>
          <EditUserForm
            user={dialog}
            isSelf={dialog.id === me.id}
            institutions={institutions.data?.items ?? []}
            onSaved={saved}
            onCancel={() => setDialog(null)}
          />
        </Dialog>
      )}
    </>
  );
}
