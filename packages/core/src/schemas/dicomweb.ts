import { z } from 'zod';
import { dicomUid } from './records.ts';

/**
 * DICOMweb (PS3.18): the query keys of QIDO-RS searches, the paths of WADO-RS retrievals and the
 * DICOM JSON model (F.2) they answer with. A search key may be given by its keyword or its tag;
 * any other key is refused (400), so a client learns at once that a filter was not applied.
 */

/** One DICOM JSON attribute: its VR, and its values (or binary content inline; bulk data is left out). */
export const dicomAttribute = z
  .object({ vr: z.string().length(2), Value: z.array(z.unknown()).optional(), InlineBinary: z.string().optional(), BulkDataURI: z.string().optional() })
  .meta({ id: 'DicomAttribute' });
/** A dataset in the DICOM JSON model: attributes by tag (eight upper-case hex digits). */
export const dicomDataset = z.record(z.string().regex(/^[0-9A-F]{8}$/), dicomAttribute).meta({ id: 'DicomDataset' });
export const dicomDatasetList = z.array(dicomDataset);

/** A key given once or repeated (`includefield=a&includefield=b`). */
const oneOrMore = z.union([z.string().max(1024), z.array(z.string().max(1024)).max(64)]);
/** DA matching: a date, or a range with either end open (`20240101-20241231`, `-20241231`). */
const dateRange = z.string().regex(/^(\d{8}|\d{8}-|-\d{8}|\d{8}-\d{8})$/);
/** UID list matching: one UID, or several separated by commas or backslashes. */
const uidList = z.string().max(64 * 100).regex(/^[0-9.]+([,\\][0-9.]+)*$/);
/** Matching of text keys: exact, or with `*` and `?` wildcards (PS3.4 C.2.2.2.4). */
const text = z.string().max(256);

const paging = {
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
  offset: z.coerce.number().int().min(0).optional(),
  /** Attributes to add to each result (`all` or keywords/tags): the answer always holds every attribute indexed. */
  includefield: oneOrMore.optional(),
  /** Accepted; names are always matched without regard to case and spacing. */
  fuzzymatching: z.enum(['true', 'false']).optional(),
};

export const dicomStudyQuery = z.strictObject({
  ...paging,
  PatientID: text.optional(),
  '00100020': text.optional(),
  PatientName: text.optional(),
  '00100010': text.optional(),
  StudyDate: dateRange.optional(),
  '00080020': dateRange.optional(),
  ModalitiesInStudy: z.string().max(64).optional(),
  '00080061': z.string().max(64).optional(),
  StudyInstanceUID: uidList.optional(),
  '0020000D': uidList.optional(),
  AccessionNumber: text.optional(),
  '00080050': text.optional(),
});
export const dicomSeriesQuery = z.strictObject({
  ...paging,
  Modality: z.string().max(16).optional(),
  '00080060': z.string().max(16).optional(),
  SeriesInstanceUID: uidList.optional(),
  '0020000E': uidList.optional(),
});
export const dicomInstanceQuery = z.strictObject({
  ...paging,
  SOPInstanceUID: uidList.optional(),
  '00080018': uidList.optional(),
  SOPClassUID: uidList.optional(),
  '00080016': uidList.optional(),
});

export const dicomStudyParam = z.object({ studyUid: dicomUid });
export const dicomSeriesParam = dicomStudyParam.extend({ seriesUid: dicomUid });
export const dicomInstanceParam = dicomSeriesParam.extend({ instanceUid: dicomUid });
/** Frame numbers, from 1, separated by commas (`1`, `3,4,5`). */
export const dicomFramesParam = dicomInstanceParam.extend({ frames: z.string().max(1000).regex(/^[1-9]\d{0,8}(,[1-9]\d{0,8})*$/) });

/** A multipart/related answer of DICOM instances (application/dicom) or frames (their media type). */
export const dicomMultipart = z.string().meta({ description: 'multipart/related: one part per instance or frame, as binary', format: 'binary' });
