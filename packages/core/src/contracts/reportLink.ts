import { contract } from './contract.ts';
import { idParam } from '../schemas/common.ts';
import { fileBytes } from '../schemas/records.ts';
import { sharedDocuments, sharedReportQuery } from '../schemas/sharing.ts';

/**
 * What the primary doctor downloads the reply letter and the report with: the page a read link opens
 * (/letter), and a partner institution's member on the case page. The service lets them through only
 * while the patient side's consent stands.
 */

export const getReportLink = contract({ method: 'GET', path: '/report-link', operationId: 'getReportLink', summary: 'What the page a read link opens lists: the case number, the reply letter and the report’s signed languages (audited; send X-Link-Passcode)', tag: 'report', action: 'shared_documents.read', callers: 'guest', responses: { 200: sharedDocuments } });
export const getSharedDocuments = contract({ method: 'GET', path: '/cases/:id/shared', operationId: 'getSharedDocuments', summary: 'What a partner institution’s member (or the case’s read link) may download, with the patient’s consent: the reply letter and the report’s signed languages (audited; 404 without consent)', tag: 'report', action: 'shared_documents.read', callers: 'staff_or_guest', params: idParam, responses: { 200: sharedDocuments } });
export const getReplyLetterPdf = contract({ method: 'GET', path: '/cases/:id/reply-letter.pdf', operationId: 'getReplyLetterPdf', summary: 'The current signed reply letter (返書) as a PDF: the team and coordinators; the partner institution and a read link with the patient’s consent. Each download is an audit event', tag: 'report', action: 'reply_letter.download', callers: 'staff_or_guest', params: idParam, responses: { 200: fileBytes } });
export const getSharedReportPdf = contract({ method: 'GET', path: '/cases/:id/shared/report.pdf', operationId: 'getSharedReportPdf', summary: 'The latest signed report in a language for the partner institution or a read link, with the patient’s consent (audited)', tag: 'report', action: 'shared_documents.report', callers: 'staff_or_guest', params: idParam, query: sharedReportQuery, responses: { 200: fileBytes } });
