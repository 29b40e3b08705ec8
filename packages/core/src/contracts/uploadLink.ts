import { contract } from './contract.ts';
import { uploadLinkView } from '../schemas/records.ts';

/**
 * What the page an upload-request link opens (/send) calls besides the uploads themselves. A module
 * of its own: the web bundles it with that page only, not with every patient page (vite.config.ts).
 */

export const getUploadLink = contract({ method: 'GET', path: '/upload-link', operationId: 'getUploadLink', summary: 'What the page an upload-request link opens shows: the case number and what is asked (audited; send X-Link-Passcode when the link has one)', tag: 'records', action: 'upload_link.read', callers: 'guest', responses: { 200: uploadLinkView } });
