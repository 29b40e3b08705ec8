import { contract } from './contract.ts';
import {
  dicomDatasetList,
  dicomFramesParam,
  dicomInstanceParam,
  dicomInstanceQuery,
  dicomMultipart,
  dicomSeriesParam,
  dicomSeriesQuery,
  dicomStudyParam,
  dicomStudyQuery,
} from '../schemas/dicomweb.ts';

/*
 * DICOMweb (PS3.18) for standard viewers and PACS, with a staff session, an API token or a patient's
 * portal link: base URL /api/v1/dicomweb. Studies are those of the cases the caller may see (a held
 * study only to staff). Searching studies is one audit event; opening a study — any search or
 * retrieval inside it — one event per study, principal and hour.
 */
const d = { tag: 'dicomweb', callers: 'staff_or_guest' } as const;
const read = { ...d, action: 'dicomweb.read' } as const;

export const searchDicomStudies = contract({ ...d, method: 'GET', path: '/dicomweb/studies', operationId: 'searchDicomStudies', summary: 'QIDO-RS: the studies of the cases the caller may see, as application/dicom+json (audited)', action: 'dicomweb.search', query: dicomStudyQuery, responses: { 200: dicomDatasetList } });
export const searchDicomSeries = contract({ ...read, method: 'GET', path: '/dicomweb/studies/:studyUid/series', operationId: 'searchDicomSeries', summary: 'QIDO-RS: the series of a study (opens the study: audited once an hour)', params: dicomStudyParam, query: dicomSeriesQuery, responses: { 200: dicomDatasetList } });
export const searchDicomStudyInstances = contract({ ...read, method: 'GET', path: '/dicomweb/studies/:studyUid/instances', operationId: 'searchDicomStudyInstances', summary: 'QIDO-RS: the instances of a study (opens the study: audited once an hour)', params: dicomStudyParam, query: dicomInstanceQuery, responses: { 200: dicomDatasetList } });
export const searchDicomInstances = contract({ ...read, method: 'GET', path: '/dicomweb/studies/:studyUid/series/:seriesUid/instances', operationId: 'searchDicomInstances', summary: 'QIDO-RS: the instances of a series (opens the study: audited once an hour)', params: dicomSeriesParam, query: dicomInstanceQuery, responses: { 200: dicomDatasetList } });
export const retrieveDicomStudy = contract({ ...read, method: 'GET', path: '/dicomweb/studies/:studyUid', operationId: 'retrieveDicomStudy', summary: 'WADO-RS: every instance of a study as multipart/related; type="application/dicom", streamed (deflated and big-endian files in explicit VR little endian)', params: dicomStudyParam, responses: { 200: dicomMultipart } });
export const retrieveDicomSeries = contract({ ...read, method: 'GET', path: '/dicomweb/studies/:studyUid/series/:seriesUid', operationId: 'retrieveDicomSeries', summary: 'WADO-RS: every instance of a series as multipart/related; type="application/dicom"', params: dicomSeriesParam, responses: { 200: dicomMultipart } });
export const retrieveDicomInstance = contract({ ...read, method: 'GET', path: '/dicomweb/studies/:studyUid/series/:seriesUid/instances/:instanceUid', operationId: 'retrieveDicomInstance', summary: 'WADO-RS: one instance as multipart/related; type="application/dicom"', params: dicomInstanceParam, responses: { 200: dicomMultipart } });
export const retrieveDicomStudyMetadata = contract({ ...read, method: 'GET', path: '/dicomweb/studies/:studyUid/metadata', operationId: 'retrieveDicomStudyMetadata', summary: 'WADO-RS: the headers of every instance of a study in DICOM JSON (bulk data left out)', params: dicomStudyParam, responses: { 200: dicomDatasetList } });
export const retrieveDicomSeriesMetadata = contract({ ...read, method: 'GET', path: '/dicomweb/studies/:studyUid/series/:seriesUid/metadata', operationId: 'retrieveDicomSeriesMetadata', summary: 'WADO-RS: the headers of every instance of a series in DICOM JSON', params: dicomSeriesParam, responses: { 200: dicomDatasetList } });
export const retrieveDicomInstanceMetadata = contract({ ...read, method: 'GET', path: '/dicomweb/studies/:studyUid/series/:seriesUid/instances/:instanceUid/metadata', operationId: 'retrieveDicomInstanceMetadata', summary: 'WADO-RS: the header of one instance in DICOM JSON', params: dicomInstanceParam, responses: { 200: dicomDatasetList } });
export const retrieveDicomFrames = contract({ ...read, method: 'GET', path: '/dicomweb/studies/:studyUid/series/:seriesUid/instances/:instanceUid/frames/:frames', operationId: 'retrieveDicomFrames', summary: 'WADO-RS: frames of an instance (numbered from 1) as multipart/related, read from the encrypted store by range: native pixel data as application/octet-stream (little endian), compressed frames in their transfer syntax’s media type', params: dicomFramesParam, responses: { 200: dicomMultipart } });
