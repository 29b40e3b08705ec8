"""
Builds one study with a short series per transfer syntax the records step accepts, for the viewer's
codec test (e2e/tests/viewer-codecs.spec.ts): each series shows the same kind of picture, an 8×8
grid of flat 8×8-pixel blocks, each block its own value (a different arrangement on every frame),
so the test can read the viewer's canvas at each block's centre and compare it with what the file
holds. Flat blocks on the 8×8 grid of JPEG's transform keep even the lossy syntaxes close to the
original there.

Each file is encoded by dcmtk, GDCM, OpenJPH or libjxl (independent of the viewer's decoders), its
transfer syntax checked with dcmdump, and decoded again by the same tool: the values the test
expects are those of that decoded copy (the original's for the lossless syntaxes, which must come
back unchanged).

Run with Debian's Python (it has pydicom and numpy):
  /usr/bin/python3 e2e/support/codec-study.py <dir> <patient name> <patient id>
Writes <dir>/<folder>/*.dcm for each series and <dir>/study.json (the UIDs and the expected block
values of every frame, in the viewer's order) when complete.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import pydicom
import pydicom._uid_dict
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate, generate_pixel_data_frame
from pydicom.uid import ExplicitVRLittleEndian, UID, generate_uid

HTJ2K_LOSSLESS = '1.2.840.10008.1.2.4.201'
HTJ2K = '1.2.840.10008.1.2.4.203'
JPEG_XL_LOSSLESS = '1.2.840.10008.1.2.4.110'
JPEG_XL = '1.2.840.10008.1.2.4.112'
# pydicom 2.3 predates the HTJ2K and JPEG XL transfer syntaxes and refuses to write a UID it does not know as one.
for uid, name in ((HTJ2K_LOSSLESS, 'High-Throughput JPEG 2000 Image Compression (Lossless Only)'), (HTJ2K, 'High-Throughput JPEG 2000 Image Compression'), (JPEG_XL_LOSSLESS, 'JPEG XL Lossless'), (JPEG_XL, 'JPEG XL')):
    pydicom._uid_dict.UID_dictionary.setdefault(uid, (name, 'Transfer Syntax', '', '', ''))

SIDE = 64
BLOCK = 8
GRID = SIDE // BLOCK
FRAMES = 3
CT = '1.2.840.10008.5.1.4.1.1.2'
# Multi-frame Grayscale Word Secondary Capture: frames of one instance, no position per frame.
MULTIFRAME_SC = '1.2.840.10008.5.1.4.1.1.7.3'

def encapsulating(encode_frame):
    """
    An encoder of single-component frames by a command-line tool (dcmtk and GDCM have no HTJ2K or
    JPEG XL encoder): `encode_frame(pixels, signed, bits, work)` gives each frame's compressed bytes,
    written encapsulated (one fragment a frame) under the series' transfer syntax.
    """
    def encode(plain, file, syntax, work):
        ds = pydicom.dcmread(plain)
        frames = ds.pixel_array.reshape(-1, ds.Rows, ds.Columns)
        ds.file_meta.TransferSyntaxUID = UID(syntax)
        ds.PixelData = encapsulate([encode_frame(f, ds.PixelRepresentation == 1, ds.BitsStored, work) for f in frames])
        ds['PixelData'].VR = 'OB'
        ds['PixelData'].is_undefined_length = True
        ds.save_as(file, write_like_original=False)
    return encode


def decoding(decode_frame):
    """A decoder of those files: `decode_frame(bytes, signed, rows, columns, work)` gives a frame's values."""
    def decode(file, work):
        ds = pydicom.dcmread(file)
        frames = [decode_frame(b, ds.PixelRepresentation == 1, ds.Rows, ds.Columns, work).astype(np.float64) for b in generate_pixel_data_frame(ds.PixelData, int(ds.get('NumberOfFrames', 1)))]
        return np.stack(frames) if len(frames) > 1 else frames[0]
    return decode


def run_on_file(command, data, work, name_in, name_out):
    """Writes `data` to a file, runs `command(input, output)` and returns the output's bytes."""
    source, target = os.path.join(work, name_in), os.path.join(work, name_out)
    with open(source, 'wb') as f:
        f.write(data)
    subprocess.run(command(source, target), check=True, capture_output=True)
    with open(target, 'rb') as f:
        return f.read()


def htj2k_encoder(*options):
    """OpenJPH's ojph_compress, from raw little-endian samples."""
    def frame(pixels, signed, bits, work):
        shape = ['-dims', f'{{{pixels.shape[1]},{pixels.shape[0]}}}', '-num_comps', '1', '-signed', 'true' if signed else 'false', '-bit_depth', str(bits), '-downsamp', '{1,1}']
        return run_on_file(lambda i, o: ['ojph_compress', '-i', i, '-o', o, *shape, *options], pixels.astype('<i2' if signed else '<u2').tobytes(), work, 'frame.yuv', 'frame.j2c')
    return encapsulating(frame)


htj2k_decode = decoding(lambda data, signed, rows, columns, work: np.frombuffer(run_on_file(lambda i, o: ['ojph_expand', '-i', i, '-o', o], data, work, 'frame.j2c', 'frame.yuv'), dtype='<i2' if signed else '<u2').reshape(rows, columns))


def pgm(pixels):
    return f'P5\n{pixels.shape[1]} {pixels.shape[0]}\n65535\n'.encode() + pixels.astype('>u2').tobytes()


def from_pgm(data, rows, columns):
    return np.frombuffer(data[data.index(b'65535\n') + 6:], dtype='>u2').reshape(rows, columns)


def jxl_encoder(*options):
    """libjxl's cjxl, from a 16-bit PGM (JPEG XL has no signed samples)."""
    return encapsulating(lambda pixels, signed, bits, work: run_on_file(lambda i, o: ['cjxl', i, o, *options], pgm(pixels), work, 'frame.pgm', 'frame.jxl'))


jxl_decode = decoding(lambda data, signed, rows, columns, work: from_pgm(run_on_file(lambda i, o: ['djxl', i, o], data, work, 'frame.jxl', 'frame.pgm'), rows, columns))


def series(folder, description, syntax, encoder=None, decoder=None, bits=16, signed=False, multiframe=False, lossy=False):
    """
    A series of the study: its transfer syntax; the encoder (a command, input and output appended, or
    a function) and decoder (a command, or a function of the file) that make and check it.
    """
    return dict(folder=folder, description=description, syntax=syntax, encoder=encoder, decoder=decoder, bits=bits, signed=signed, multiframe=multiframe, lossy=lossy)


SERIES = [
    series('native', 'Native explicit little endian', '1.2.840.10008.1.2.1'),
    series('jpeg-baseline', 'JPEG baseline 8-bit', '1.2.840.10008.1.2.4.50', ['dcmcjpeg', '+eb', '+q', '95', '+un'], ['dcmdjpeg'], bits=8, lossy=True),
    series('jpeg-extended', 'JPEG extended 12-bit', '1.2.840.10008.1.2.4.51', ['dcmcjpeg', '+ee', '+q', '95', '+un'], ['dcmdjpeg'], bits=12, lossy=True),
    series('jpeg-lossless', 'JPEG lossless process 14', '1.2.840.10008.1.2.4.57', ['dcmcjpeg', '+el'], ['dcmdjpeg']),
    series('jpeg-lossless-sv1', 'JPEG lossless SV1', '1.2.840.10008.1.2.4.70', ['dcmcjpeg', '+e1'], ['dcmdjpeg']),
    series('jpeg-ls', 'JPEG-LS lossless multi-frame', '1.2.840.10008.1.2.4.80', ['dcmcjpls', '+el'], ['dcmdjpls'], multiframe=True),
    series('jpeg-ls-near', 'JPEG-LS near-lossless', '1.2.840.10008.1.2.4.81', ['dcmcjpls', '+en', '+un'], ['dcmdjpls'], lossy=True),
    series('j2k', 'JPEG 2000 lossless', '1.2.840.10008.1.2.4.90', ['gdcmconv', '--j2k'], ['gdcmconv', '--raw']),
    series('j2k-lossy', 'JPEG 2000 lossy multi-frame', '1.2.840.10008.1.2.4.91', ['gdcmconv', '--j2k', '--lossy', '-q', '60'], ['gdcmconv', '--raw'], multiframe=True, lossy=True),
    series('htj2k', 'HTJ2K lossless', HTJ2K_LOSSLESS, htj2k_encoder('-reversible', 'true'), htj2k_decode),
    series('htj2k-lossy', 'HTJ2K lossy multi-frame', HTJ2K, htj2k_encoder('-reversible', 'false', '-qstep', '0.0005'), htj2k_decode, multiframe=True, lossy=True),
    series('jpeg-xl', 'JPEG XL lossless', JPEG_XL_LOSSLESS, jxl_encoder('-d', '0'), jxl_decode),
    series('jpeg-xl-lossy', 'JPEG XL lossy multi-frame', JPEG_XL, jxl_encoder('-d', '0.5'), jxl_decode, multiframe=True, lossy=True),
    series('rle', 'RLE lossless', '1.2.840.10008.1.2.5', ['dcmcrle'], ['dcmdrle']),
    series('implicit', 'Implicit little endian', '1.2.840.10008.1.2', ['dcmconv', '+ti'], ['dcmconv', '+te']),
    series('deflated', 'Deflated explicit little endian', '1.2.840.10008.1.2.1.99', ['dcmconv', '+td'], ['dcmconv', '+te']),
    series('big-endian', 'Explicit big endian multi-frame', '1.2.840.10008.1.2.2', ['dcmconv', '+tb'], ['dcmconv', '+te'], multiframe=True),
    # Signed values (two's complement), as CT often stores them: JPEG-LS has no sign of its own. No
    # signed HTJ2K: Debian's OpenJPH (0.9) writes negative samples its own old way, which OpenJPEG
    # (and the viewer's OpenJPH) read back as the top value — its own ojph_expand alone undoes it.
    series('jpeg-ls-signed', 'JPEG-LS lossless signed', '1.2.840.10008.1.2.4.80', ['dcmcjpls', '+el'], ['dcmdjpls'], signed=True),
    series('j2k-signed', 'JPEG 2000 lossless signed', '1.2.840.10008.1.2.4.90', ['gdcmconv', '--j2k'], ['gdcmconv', '--raw'], signed=True),
]


def block_values(bits, signed, frame):
    """
    The 64 block values of a frame, row by row: every value from near the bottom of the range to near
    its top, arranged anew on each frame (signed: the same, less half the range).
    """
    top = (1 << bits) - 1
    low, high = top * 0.06, top * 0.97
    order = [(k * 37 + frame * 11) % (GRID * GRID) for k in range(GRID * GRID)]
    shift = 1 << (bits - 1) if signed else 0
    return [int(round(low + (high - low) * o / (GRID * GRID - 1))) - shift for o in order]


def image(values, dtype):
    blocks = np.array(values, dtype=dtype).reshape(GRID, GRID)
    return np.ascontiguousarray(np.kron(blocks, np.ones((BLOCK, BLOCK), dtype=dtype)))


def centres(pixels):
    """Each block's value where the test reads the canvas: the mean of its four central pixels."""
    c = BLOCK // 2
    return [float(pixels[r * BLOCK + c - 1:r * BLOCK + c + 1, k * BLOCK + c - 1:k * BLOCK + c + 1].mean()) for r in range(GRID) for k in range(GRID)]


def dataset(study, series, number, description, bits, signed, multiframe):
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.is_little_endian = True
    ds.is_implicit_VR = False
    ds.SOPClassUID = MULTIFRAME_SC if multiframe else CT
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.PatientName = NAME
    ds.PatientID = PID
    ds.PatientBirthDate = '19610704'
    ds.PatientSex = 'F'
    ds.StudyInstanceUID = study
    ds.StudyDate = '20261105'
    ds.StudyTime = '093000'
    ds.StudyDescription = 'Codec test pattern'
    ds.AccessionNumber = ''
    ds.ReferringPhysicianName = ''
    ds.StudyID = '1'
    ds.SeriesInstanceUID = series
    ds.SeriesNumber = number
    ds.SeriesDescription = description
    ds.Modality = 'OT'
    ds.ImageType = ['DERIVED', 'SECONDARY']
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = 'MONOCHROME2'
    ds.Rows = SIDE
    ds.Columns = SIDE
    ds.PixelSpacing = [1.0, 1.0]
    ds.BitsAllocated = 8 if bits == 8 else 16
    ds.BitsStored = bits
    ds.HighBit = bits - 1
    ds.PixelRepresentation = 1 if signed else 0
    # The window covers the whole range the values may take: the canvas's grey is then a straight line of the value.
    top = (1 << bits) - 1
    ds.WindowCenter = top / 2 - ((1 << (bits - 1)) if signed else 0)
    ds.WindowWidth = top + 1
    ds.RescaleIntercept = 0
    ds.RescaleSlope = 1
    return ds


def check_syntax(file, syntax):
    dump = subprocess.run(['dcmdump', '-M', '-Un', '+P', '0002,0010', file], check=True, capture_output=True, text=True).stdout
    found = re.search(r'\[([0-9.]+)\]', dump)
    if not found or found.group(1) != syntax:
        raise SystemExit(f'{file}: transfer syntax {found and found.group(1)}, not {syntax}')


def decoded(file, decoder, work):
    """
    The values of a file as dcmtk or GDCM decodes it (frames first), through its modality rescale:
    dcmcjpeg's lossy modes stretch the values over the stored range and write the rescale back.
    """
    if callable(decoder):
        return decoder(file, work)
    plain = file
    if decoder is not None:
        plain = os.path.join(work, 'decoded.dcm')
        subprocess.run(decoder + [file, plain], check=True, capture_output=True)
    ds = pydicom.dcmread(plain)
    return ds.pixel_array * float(ds.get('RescaleSlope', 1)) + float(ds.get('RescaleIntercept', 0))


def main():
    global NAME, PID
    out, NAME, PID = sys.argv[1], sys.argv[2], sys.argv[3]
    study = generate_uid()
    result = {'studyInstanceUid': study, 'series': []}
    work = tempfile.mkdtemp(prefix='kh-codec-')
    try:
        for number, x in enumerate(SERIES, start=1):
            folder, syntax, bits, signed, multiframe, encoder, decoder = (x[k] for k in ('folder', 'syntax', 'bits', 'signed', 'multiframe', 'encoder', 'decoder'))
            os.makedirs(os.path.join(out, folder), exist_ok=True)
            series_uid = generate_uid()
            dtype = np.uint8 if bits == 8 else np.int16 if signed else np.uint16
            originals = [block_values(bits, signed, f) for f in range(FRAMES)]
            files = []
            for n in range(1 if multiframe else FRAMES):
                ds = dataset(study, series_uid, number, x['description'], bits, signed, multiframe)
                sop = generate_uid()
                ds.SOPInstanceUID = sop
                ds.file_meta.MediaStorageSOPInstanceUID = sop
                ds.InstanceNumber = n + 1
                if multiframe:
                    ds.NumberOfFrames = FRAMES
                    ds.FrameIncrementPointer = pydicom.tag.Tag(0x0018, 0x2002)
                    ds.FrameLabelVector = [f'F{f + 1}' for f in range(FRAMES)]
                    ds.PixelData = np.stack([image(v, dtype) for v in originals]).tobytes()
                else:
                    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
                    # Positions going down, as the viewer orders them: the first instance is shown first.
                    ds.ImagePositionPatient = [0, 0, -5.0 * n]
                    ds.SliceThickness = 5.0
                    ds.PixelData = image(originals[n], dtype).tobytes()
                file = os.path.join(out, folder, f'S{number:02d}I{n + 1:03d}.dcm')
                if encoder is None:
                    ds.save_as(file, write_like_original=False)
                else:
                    plain = os.path.join(work, 'plain.dcm')
                    ds.save_as(plain, write_like_original=False)
                    if callable(encoder):
                        encoder(plain, file, syntax, work)
                    else:
                        subprocess.run(encoder + [plain, file], check=True, capture_output=True)
                check_syntax(file, syntax)
                files.append(file)
            # What an independent decoder reads back, frame by frame.
            frames = []
            for file in files:
                pixels = decoded(file, decoder, work)
                frames.extend(list(pixels) if multiframe else [pixels])
            expected = [centres(p) for p in frames]
            error = max(abs(e - o) for f in range(FRAMES) for e, o in zip(expected[f], originals[f]))
            if not x['lossy'] and error != 0:
                raise SystemExit(f'{folder}: lossless, yet decoded {error} away from the original')
            result['series'].append({
                'folder': folder,
                'description': x['description'],
                'seriesInstanceUid': series_uid,
                'number': number,
                'transferSyntaxUid': syntax,
                'bits': bits,
                'signed': signed,
                'multiframe': multiframe,
                'files': len(files),
                'lossy': x['lossy'],
                # How far the decoded copy is from the original at the block centres (0 when lossless).
                'encodingError': error,
                'frames': expected,
            })
    finally:
        shutil.rmtree(work, ignore_errors=True)
    with open(os.path.join(out, 'study.json'), 'w') as f:
        json.dump(result, f)


main()
