import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Pager } from './Pager.tsx';
import { TimeZoneNote } from './PageHead.tsx';

export interface Paging {
  page: number;
  pageSize: number;
  total: number;
  onPage: (page: number) => void;
}

/**
 * A list as a table: a scrollable, labelled region with column headers, a "nothing found" row,
 * "loading" before the first answer, and optionally a pager and the time zone note below.
 * `renderRow` returns the cells (<td>) of one row.
 */
export function DataTable<T>({
  label,
  columns,
  items,
  loading,
  rowKey,
  renderRow,
  rowClassName,
  onRowClick,
  paging,
  timeZoneNote,
  className,
  testId,
}: {
  label: string;
  columns: string[];
  /** null or undefined until the first answer. */
  items: readonly T[] | null | undefined;
  loading?: boolean;
  rowKey: (item: T) => string;
  renderRow: (item: T) => ReactNode;
  rowClassName?: (item: T) => string | undefined;
  onRowClick?: (item: T) => void;
  paging?: Paging | null;
  timeZoneNote?: boolean;
  className?: string;
  testId?: string;
}) {
  const { t } = useTranslation();
  if (!items) return loading ? <p role="status">{t('common.loading')}</p> : null;
  return (
    <>
      <div className="table-wrap" tabIndex={0} role="region" aria-label={label}>
        <table className={`table${onRowClick ? ' table--clickable' : ''}${className ? ` ${className}` : ''}`} data-testid={testId}>
          <thead>
            <tr>
              {columns.map((c) => (
                <th key={c} scope="col">
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {items.length === 0 && (
              <tr>
                <td colSpan={columns.length}>{t('common.noResults')}</td>
              </tr>
            )}
            {items.map((item) => (
              <tr key={rowKey(item)} className={rowClassName?.(item)} onClick={onRowClick ? () => onRowClick(item) : undefined}>
                {renderRow(item)}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {paging && <Pager page={paging.page} pageSize={paging.pageSize} total={paging.total} onPage={paging.onPage} />}
      {timeZoneNote && <TimeZoneNote />}
    </>
  );
}

/** The buttons of a filter form: search (submits it) and clear. */
export function FilterActions({ onReset }: { onReset: () => void }) {
  const { t } = useTranslation();
  return (
    <div className="filters__actions">
      <button type="submit" className="button">
        {t('common.search')}
      </button>
      <button type="button" className="button button--secondary" onClick={onReset}>
        {t('common.reset')}
      </button>
    </div>
  );
}
