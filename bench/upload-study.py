"""
Builds a CT study for bench/upload.ts: `count` instances of `side`×`side` 16-bit pixels, every one a
real CT frame (pydicom's CT_small.dcm, 128×128, scaled up by repeating its pixels) under fresh UIDs
(one study, a series per 100 instances). One instance in 16 is re-encoded as JPEG lossless (dcmcjpeg)
and one in 16 as RLE (dcmcrle), so the study holds the transfer syntaxes a CD brings, not one alone.

Run with Debian's Python (it has pydicom): /usr/bin/python3 bench/upload-study.py <dir> <count> <side> [ct]
Writes <dir>/IM00001.dcm … and <dir>/done when complete (the caller caches the folder on that).

With `ct` (bench/viewer.ts): one series of `count` slices as a CT scanner writes them, every one
native (explicit VR little endian), each slice its own pixels (the frame shifted by its index) and
its own position (Image Position/Slice Location 1 mm apart), so a viewer stacks them in order, and
the bench case's patient (WANG^Test, 1962-03-04, M).
"""
import copy
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import pydicom
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

SOURCE = '/usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm'


def main():
    out, count, side = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    ct = len(sys.argv) > 4 and sys.argv[4] == 'ct'
    os.makedirs(out, exist_ok=True)
    src = pydicom.dcmread(SOURCE)
    pixels = src.pixel_array
    index = (np.arange(side) * pixels.shape[0]) // side
    big = np.ascontiguousarray(pixels[index][:, index]).astype(pixels.dtype)
    base = copy.deepcopy(src)
    base.Rows = side
    base.Columns = side
    base.PixelData = big.tobytes()
    base.PatientName = 'Test^Bench'
    base.PatientID = 'BENCH-0001'
    base.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian

    # The templates: the frame as it is, and re-encoded by dcmtk.
    work = tempfile.mkdtemp(prefix='kh-study-templates-')
    try:
        plain = os.path.join(work, 'plain.dcm')
        base.save_as(plain, write_like_original=False)
        jpeg = os.path.join(work, 'jpeg.dcm')
        rle = os.path.join(work, 'rle.dcm')
        subprocess.run(['dcmcjpeg', plain, jpeg], check=True)
        subprocess.run(['dcmcrle', plain, rle], check=True)
        templates = {name: pydicom.dcmread(os.path.join(work, f'{name}.dcm')) for name in ('plain', 'jpeg', 'rle')}
    finally:
        shutil.rmtree(work, ignore_errors=True)

    study = generate_uid()
    series = None
    for i in range(count):
        if ct:
            series = series or generate_uid()
            ds = templates['plain']
            ds.PixelData = np.roll(big, i, axis=0).tobytes()
            ds.ImagePositionPatient = [0, 0, float(i)]
            ds.SliceLocation = float(i)
            ds.SliceThickness = ds.SpacingBetweenSlices = 1.0
            # The case's patient (test/factories.ts), so the study is not held for the wrong-patient review.
            ds.PatientName, ds.PatientBirthDate, ds.PatientSex = 'WANG^Test', '19620304', 'M'
        elif i % 100 == 0:
            series = generate_uid()
        if not ct:
            ds = templates['jpeg' if i % 16 == 7 else 'rle' if i % 16 == 15 else 'plain']
        sop = generate_uid()
        ds.SOPInstanceUID = sop
        ds.file_meta.MediaStorageSOPInstanceUID = sop
        ds.StudyInstanceUID = study
        ds.SeriesInstanceUID = series
        ds.SeriesNumber = 1 if ct else i // 100 + 1
        ds.InstanceNumber = i + 1 if ct else i % 100 + 1
        ds.save_as(os.path.join(out, f'IM{i + 1:05d}.dcm'), write_like_original=False)
    with open(os.path.join(out, 'done'), 'w') as f:
        f.write(f'{count} {side}\n')


if __name__ == '__main__':
    main()
