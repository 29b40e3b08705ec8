import { useTranslation } from 'react-i18next';
import { useQueryClient } from '@tanstack/react-query';
import { queryKeys } from '../../lib/query.ts';
import { CaseFiles } from './CaseFiles.tsx';
import { SendFiles } from './SendFiles.tsx';

/**
 * The portal's "Send your records": the sending part (guide, drop zone, pickers, progress; shared
 * with the upload-request page) when the patient may send, and the files the hospital holds.
 */
export function SendRecords({ caseId, token, canSend }: { caseId: string; token: string; canSend: boolean }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const refreshFiles = () => void queryClient.invalidateQueries({ queryKey: queryKeys.caseFiles(caseId) }, { cancelRefetch: false });
  return (
    <div className="send-records" data-testid="send-records">
      <p>{t('portalRecords.intro')}</p>
      {canSend && <SendFiles caseId={caseId} token={token} onFileDone={refreshFiles} />}
      <CaseFiles caseId={caseId} token={token} />
    </div>
  );
}
