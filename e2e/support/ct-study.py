"""
Builds a CT study for the viewer's end-to-end test and bench: one series of `count` axial slices of
`side`×`side` 16-bit pixels, a second, thicker series over the same extent (every other slice) and
a PET series (pet_series), each CT slice a real CT frame (pydicom's CT_small.dcm, 128×128) resampled so the body's cross-section
narrows towards both ends (scrolling shows it), with positions 1 mm apart, under fresh UIDs.
One slice in 16 is re-encoded as JPEG lossless (dcmcjpeg) and one in 16 as RLE (dcmcrle).

Run with Debian's Python (it has pydicom):
  /usr/bin/python3 e2e/support/ct-study.py <dir> <count> <side> <patient name> <patient id>
Writes <dir>/thin/IM00001.dcm …, <dir>/thick/…, <dir>/pet/…, and <dir>/study.json (the UIDs) when complete.
"""
import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import pydicom
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

SOURCE = '/usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm'


def pet_series(out, base, study, frame_of_reference, count, uids):
    """
    A PET series over the same body (F-18 FDG, 370 MBq injected an hour before the scan, 75 kg):
    128×128 slices every 5 mm, activity in Bq/ml following the CT's tissue (about SUV 1.5) with a
    hot sphere in the middle (about SUV 9), and every header value SUV needs.
    """
    side = 128
    centre = (side - 1) / 2
    spacing = float(base.PixelSpacing[0]) * base.Rows / side
    series = generate_uid()
    os.makedirs(os.path.join(out, 'pet'), exist_ok=True)
    ct = pydicom.dcmread(SOURCE).pixel_array.astype(np.float64)
    tissue = np.clip((ct - ct.min()) / (ct.max() - ct.min()), 0, 1)
    yy, xx = np.mgrid[0:side, 0:side]
    slices = list(range(0, count, 5))
    for n, k in enumerate(slices):
        ds = copy.deepcopy(base)
        ds.SOPClassUID = '1.2.840.10008.5.1.4.1.1.128'
        ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
        ds.Modality = 'PT'
        ds.Rows = side
        ds.Columns = side
        ds.PixelSpacing = [spacing, spacing]
        ds.BitsAllocated = 16
        ds.BitsStored = 16
        ds.HighBit = 15
        ds.PixelRepresentation = 0
        ds.RescaleSlope = 1
        ds.RescaleIntercept = 0
        for tag in ('WindowCenter', 'WindowWidth'):
            if tag in ds:
                del ds[tag]
        activity = 5000 * tissue
        depth = (k - count / 2) / 20
        activity = activity + 30000 * np.exp(-(((yy - centre) / 8) ** 2 + ((xx - centre - 20) / 8) ** 2 + depth ** 2))
        ds.PixelData = np.ascontiguousarray(activity.astype(np.uint16)).tobytes()
        ds.Units = 'BQML'
        ds.CorrectedImage = ['ATTN', 'DECY']
        ds.DecayCorrection = 'START'
        ds.PatientWeight = 75
        ds.SeriesDate = ds.AcquisitionDate = '20261020'
        ds.SeriesTime = ds.AcquisitionTime = '100000'
        drug = pydicom.Dataset()
        drug.Radiopharmaceutical = 'Fluorodeoxyglucose'
        drug.RadiopharmaceuticalStartTime = '090000'
        drug.RadionuclideTotalDose = 370000000
        drug.RadionuclideHalfLife = 6586.2
        ds.RadiopharmaceuticalInformationSequence = [drug]
        ds.SeriesInstanceUID = series
        ds.SeriesNumber = 3
        ds.SeriesDescription = 'PET FDG'
        ds.SliceThickness = 5.0
        ds.SpacingBetweenSlices = 5.0
        ds.InstanceNumber = n + 1
        ds.ImagePositionPatient = [-centre * spacing, -centre * spacing, -float(k)]
        ds.SliceLocation = -float(k)
        sop = generate_uid()
        ds.SOPInstanceUID = sop
        ds.file_meta.MediaStorageSOPInstanceUID = sop
        ds.save_as(os.path.join(out, 'pet', f'PT{n + 1:05d}.dcm'), write_like_original=False)
    uids['series'].append({'seriesInstanceUid': series, 'folder': 'pet', 'count': len(slices)})


def main():
    out, count, side, name, pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
    src = pydicom.dcmread(SOURCE)
    pixels = src.pixel_array.astype(np.int32)
    air = int(pixels.min())
    base = copy.deepcopy(src)
    base.Rows = side
    base.Columns = side
    base.PatientName = name
    base.PatientID = pid
    base.PatientBirthDate = '19580312'
    base.PatientSex = 'M'
    base.StudyDate = '20261020'
    base.StudyDescription = 'CT chest abdomen pelvis'
    base.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    spacing = float(src.PixelSpacing[0]) * 128 / side
    base.PixelSpacing = [spacing, spacing]
    base.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    study = generate_uid()
    frame_of_reference = generate_uid()
    base.StudyInstanceUID = study
    base.FrameOfReferenceUID = frame_of_reference
    for tag in ('OtherPatientIDsSequence',):
        if tag in base:
            del base[tag]

    centre = (side - 1) / 2
    grid = np.arange(side) - centre

    def slice_pixels(position):
        # An ellipsoid body: full size in the middle, narrowing to a third at both ends.
        t = (position - count / 2) / (count / 2)
        scale = 0.33 + 0.67 * np.sqrt(max(0.0, 1 - t * t))
        src_index = centre + grid / scale
        idx = np.clip(np.round(src_index * 128 / side).astype(int), 0, 127)
        inside = (src_index >= 0) & (src_index <= side - 1)
        img = pixels[idx][:, idx]
        img[~inside, :] = air
        img[:, ~inside] = air
        return np.ascontiguousarray(img.astype(src.pixel_array.dtype))

    work = tempfile.mkdtemp(prefix='kh-ct-')
    uids = {'studyInstanceUid': study, 'series': []}
    try:
        for folder, number, step, description in (('thin', 1, 1, 'Axial 1 mm'), ('thick', 2, 2, 'Axial 2 mm')):
            series = generate_uid()
            os.makedirs(os.path.join(out, folder), exist_ok=True)
            uids['series'].append({'seriesInstanceUid': series, 'folder': folder, 'count': len(range(0, count, step))})
            for n, k in enumerate(range(0, count, step)):
                ds = copy.deepcopy(base)
                ds.PixelData = slice_pixels(k).tobytes()
                ds.SeriesInstanceUID = series
                ds.SeriesNumber = number
                ds.SeriesDescription = description
                ds.SliceThickness = float(step)
                ds.SpacingBetweenSlices = float(step)
                ds.InstanceNumber = n + 1
                ds.ImagePositionPatient = [-centre * spacing, -centre * spacing, -float(k)]
                ds.SliceLocation = -float(k)
                sop = generate_uid()
                ds.SOPInstanceUID = sop
                ds.file_meta.MediaStorageSOPInstanceUID = sop
                file = os.path.join(out, folder, f'IM{n + 1:05d}.dcm')
                kind = 'jpeg' if n % 16 == 7 else 'rle' if n % 16 == 15 else 'plain'
                if kind == 'plain':
                    ds.save_as(file, write_like_original=False)
                else:
                    plain = os.path.join(work, 'plain.dcm')
                    ds.save_as(plain, write_like_original=False)
                    subprocess.run(['dcmcjpeg' if kind == 'jpeg' else 'dcmcrle', plain, file], check=True)
        pet_series(out, base, study, frame_of_reference, count, uids)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    with open(os.path.join(out, 'study.json'), 'w') as f:
        json.dump(uids, f)


main()
