"""What pydicom (Debian's python3-pydicom) reads from DICOM files: the expected values of dicom.test.ts.

Usage: python3 dicom.pydicom.py FILE... ; prints one JSON object, by file: the fields readDicom returns,
with the SHA-256 of each frame's bytes (native: a slice of Pixel Data; encapsulated: pydicom's frames).
"""
import hashlib
import json
import sys

import pydicom
from pydicom.encaps import generate_pixel_data_frame
from pydicom.multival import MultiValue
from pydicom.pixel_data_handlers.util import get_expected_length


def text(ds, keyword):
    if keyword not in ds:
        return None
    value = ds[keyword].value
    if isinstance(value, (list, MultiValue)):
        value = '\\'.join(str(v) for v in value)
    value = str(value) if value is not None else ''
    return value or None


def integer(ds, keyword):
    value = text(ds, keyword)
    return int(value) if value is not None else None


def decimals(ds, keyword, count):
    if keyword not in ds:
        return None
    value = ds[keyword].value
    values = list(value) if isinstance(value, (list, MultiValue)) else [value]
    try:
        numbers = [float(v) for v in values if v is not None and str(v) != '']
    except (TypeError, ValueError):
        return None
    return numbers if len(numbers) == count and len(values) == count else None


def place_number(ds):
    try:
        number = integer(ds, 'InstanceNumber')
    except ValueError:
        return None
    return number if number is not None and abs(number) < 2 ** 31 else None


def frame_hashes(ds):
    if 'PixelData' not in ds or not ds.PixelData:
        return []
    frames = int(ds.get('NumberOfFrames') or 1)
    data = ds.PixelData
    if ds.file_meta.TransferSyntaxUID.is_compressed:
        return [hashlib.sha256(f).hexdigest() for f in generate_pixel_data_frame(data, frames)]
    if ds.BitsAllocated % 8:
        return None  # bit-packed frames: not compared here
    size = get_expected_length(ds, 'bytes') // frames
    return [hashlib.sha256(data[i * size:(i + 1) * size]).hexdigest() for i in range(frames)]


def read(path):
    ds = pydicom.dcmread(path, force=True)
    meta = getattr(ds, 'file_meta', None) or {}
    series_modality = text(ds, 'Modality')
    return {
        'transferSyntaxUid': str(meta.TransferSyntaxUID) if 'TransferSyntaxUID' in meta else None,
        'sopClassUid': text(ds, 'SOPClassUID') or (str(meta.MediaStorageSOPClassUID) if 'MediaStorageSOPClassUID' in meta else None),
        'sopInstanceUid': text(ds, 'SOPInstanceUID') or (str(meta.MediaStorageSOPInstanceUID) if 'MediaStorageSOPInstanceUID' in meta else None),
        'studyInstanceUid': text(ds, 'StudyInstanceUID'),
        'seriesInstanceUid': text(ds, 'SeriesInstanceUID'),
        'patient': {
            'name': text(ds, 'PatientName'),
            'id': text(ds, 'PatientID'),
            'birthDate': text(ds, 'PatientBirthDate'),
            'sex': text(ds, 'PatientSex'),
        },
        'study': {
            'date': text(ds, 'StudyDate'),
            'description': text(ds, 'StudyDescription'),
            'accessionNumber': text(ds, 'AccessionNumber'),
            'modality': text(ds, 'ModalitiesInStudy') or series_modality,
        },
        'series': {
            'number': integer(ds, 'SeriesNumber'),
            'description': text(ds, 'SeriesDescription'),
            'modality': series_modality,
            'bodyPart': text(ds, 'BodyPartExamined'),
        },
        'place': {
            'number': place_number(ds),
            'position': decimals(ds, 'ImagePositionPatient', 3),
            'orientation': decimals(ds, 'ImageOrientationPatient', 6),
        },
        'rows': integer(ds, 'Rows'),
        'columns': integer(ds, 'Columns'),
        'frameHashes': frame_hashes(ds),
        'directoryFileIds': [
            [str(part) for part in (r.ReferencedFileID if isinstance(r.ReferencedFileID, MultiValue) else [r.ReferencedFileID])]
            for r in ds.get('DirectoryRecordSequence', [])
            if 'ReferencedFileID' in r
        ],
    }


result = {}
for path in sys.argv[1:]:
    try:
        result[path] = read(path)
    except Exception as error:  # the test says which files pydicom could not read
        result[path] = {'error': f'{type(error).__name__}: {error}'}
print(json.dumps(result))
