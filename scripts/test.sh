#!/usr/bin/env bash
# Installs everything the tests need (system packages when missing, npm packages) and runs every test:
# type checks, unit and API tests (Vitest, on PostgreSQL and embedded PGlite), browser tests (Playwright).
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# System packages: Chromium and CJK fonts for the browser tests, PostgreSQL for the API tests,
# Python's icalendar to read the calendar invitations with a second, independent parser; pydicom (its
# sample files, and a reference reader) and dcmtk for the DICOM reader's tests; clamd for the scanning hook.
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
fc-list 2>/dev/null | grep -qi 'Noto Sans CJK' || need+=(fonts-noto-cjk)
command -v pg_ctlcluster >/dev/null || need+=(postgresql)
/usr/bin/python3 -c 'import icalendar' 2>/dev/null || need+=(python3-icalendar)
/usr/bin/python3 -c 'import pydicom' 2>/dev/null || need+=(python3-pydicom)
command -v dcmodify >/dev/null || need+=(dcmtk)
# GDCM's gdcmconv encodes and decodes JPEG 2000 for the viewer's codec study (e2e/support/codec-study.py).
command -v gdcmconv >/dev/null || need+=(libgdcm-tools)
# OpenJPH's ojph_compress and ojph_expand: HTJ2K for the same study (dcmtk and GDCM have none).
command -v ojph_compress >/dev/null || need+=(openjph-tools)
# libjxl's cjxl and djxl: JPEG XL for the same study.
command -v cjxl >/dev/null || need+=(libjxl-tools)
# NumPy for pydicom's pixel data (the DICOMweb tests' study and reference frames); Orthanc from Debian
# with its DICOMweb plugin, a real PACS for the DICOMweb tests (each test file starts and stops its own).
/usr/bin/python3 -c 'import numpy' 2>/dev/null || need+=(python3-numpy)
[ -x /usr/sbin/Orthanc ] || need+=(orthanc)
[ -e /usr/share/orthanc/plugins/libOrthancDicomWeb.so ] || need+=(orthanc-dicomweb)
# Info-ZIP's zip makes a password-protected archive for the ZIP checks.
command -v zip >/dev/null || need+=(zip)
# poppler's pdftotext, pdffonts, pdfinfo and pdfsig read the report PDFs back and validate their signatures.
command -v pdfsig >/dev/null || need+=(poppler-utils)
# ClamAV's clamd for the documents' scanning hook (started by its test with a signature of its own).
command -v clamd >/dev/null || need+=(clamav-daemon)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing system packages: ${need[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${need[@]}" >/dev/null
fi

# PostgreSQL: TEST_DATABASE_URL if given, else the local server (started if stopped).
if [ -z "${TEST_DATABASE_URL:-}" ]; then
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    for version in $(ls /etc/postgresql); do
      as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    done
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
  export TEST_DATABASE_URL='postgres://postgres@127.0.0.1:5432/postgres'
  if ! psql "$TEST_DATABASE_URL" -qtAc 'select 1' >/dev/null 2>&1; then
    # A stock Debian server asks for a password over TCP: use a test role that may create databases.
    # CREATEROLE: one test runs the server as a role that may only insert and read audit rows.
    as_root su postgres -c "psql -qtAc \"do \\\$\\\$ begin if not exists (select from pg_roles where rolname = 'kakehashi_test') then create role kakehashi_test login createdb createrole password 'kakehashi_test'; else alter role kakehashi_test createdb createrole; end if; end \\\$\\\$\"" >/dev/null
    export TEST_DATABASE_URL='postgres://kakehashi_test:kakehashi_test@127.0.0.1:5432/postgres'
  fi
fi

# npm packages, when missing or older than the lockfile.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

npm run typecheck
npm run build
npx vitest run
npm run test:e2e
