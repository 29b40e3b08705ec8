import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { AdminApi } from '../support/api.ts';
import { caseThroughApi } from '../support/cases.ts';
import { adminStatePath } from '../support/env.ts';
import { LOCALE_LIST, staffPage, t } from '../support/ui.ts';
import { shoot } from '../support/shots.ts';
import { startOrthanc } from '../../apps/server/test/orthanc.ts';

/*
 * An administrator sets up the hospital's PACS (a real Orthanc from Debian with its DICOMweb
 * plugin) as a destination; a coordinator enters the patient's hospital ID on the case and sends
 * the MR study the patient sent from the Records page; the send is shown until done, and Orthanc
 * holds the images under the hospital's patient ID.
 */

const SAMPLES = '/usr/lib/python3/dist-packages/pydicom/data/test_files';
const NO_STATE = { cookies: [], origins: [] };
const STUDY = '1.3.6.1.4.1.5962.1.2.4.20040826185059.5457';

test('an administrator adds a PACS destination; a coordinator sends a study to it from the case', async ({ browser }) => {
  test.setTimeout(180_000);
  const orthanc = await startOrthanc();
  const admin = await AdminApi.open();
  const created = await caseThroughApi(admin);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kakehashi-e2e-pacs-'));
  const dicom = path.join(root, 'CD', 'DICOM');
  fs.mkdirSync(dicom, { recursive: true });
  for (const n of [1, 2, 3]) {
    const file = path.join(dicom, `IM000${n}`);
    fs.copyFileSync(path.join(SAMPLES, 'MR_small.dcm'), file);
    execFileSync('dcmodify', ['-nb', '-i', `(0008,0018)=1.2.826.0.1.3680043.2.1125.78.${n}`, file]);
  }
  const destinationName = `Hospital PACS ${Date.now()} (test)`;
  try {
    await test.step('the patient sends a CD through the portal; the coordinator confirms the study is this patient’s', async () => {
      const context = await browser.newContext({ locale: 'zh-CN', storageState: NO_STATE });
      const page = await context.newPage();
      await page.goto(`/portal#${created.token}`);
      await page.getByTestId('portal-send').getByTestId('choose-folder').setInputFiles(path.join(root, 'CD'));
      await expect
        .poll(async () => (await admin.call<{ items: { status: string }[] }>('GET', `/cases/${created.id}/files`)).items.filter((f) => f.status === 'stored' || f.status === 'held').length, { timeout: 60_000 })
        .toBe(3);
      await context.close();
      await admin.call('POST', `/cases/${created.id}/studies/${STUDY}/review`, { decision: 'confirm', reason: 'The referring hospital’s images of this patient (test).' });
    });

    await test.step('an administrator adds the PACS as a destination', async () => {
      const context = await browser.newContext({ locale: 'en-GB', storageState: adminStatePath(), viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const en = t('en').pacs;
      await page.goto('/admin/pacs');
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(en.title);
      await page.getByRole('button', { name: en.add }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel(en.name).fill(destinationName);
      await dialog.getByLabel(en.url, { exact: true }).fill(orthanc.dicomweb);
      await dialog.getByLabel(en.auth).selectOption('basic');
      await dialog.getByLabel(en.user).fill(orthanc.user);
      await dialog.getByLabel(en.password).fill(orthanc.password);
      await dialog.getByLabel(en.patientIdMode).selectOption('hospital');
      await dialog.getByLabel(en.issuer, { exact: true }).fill('KAKEHASHI');
      await shoot(page, 'pacs-destination-form-en', dialog);
      await dialog.getByRole('button', { name: t('en').common.create }).click();
      await expect(page.getByText(en.created)).toBeVisible();
      const row = page.getByRole('row').filter({ hasText: destinationName });
      await expect(row).toContainText(en.authKinds.basic);
      await expect(row).toContainText(orthanc.user);
      await expect(page.getByText(orthanc.password)).toHaveCount(0);
      await shoot(page, 'pacs-destinations-en');
      await context.close();
    });

    const coordinator = await admin.buildUser({ role: 'coordinator', locale: 'ja' });
    const { context, page } = await staffPage(browser, coordinator, 'ja');
    const ja = t('ja').pacs;

    await test.step('the coordinator enters the hospital patient ID on the case', async () => {
      await page.goto(`/cases/${created.id}/records`);
      const panel = page.getByRole('region', { name: ja.cardTitle });
      await expect(panel.getByTestId('hospital-id')).toContainText(ja.hospitalIdNone);
      await panel.getByRole('button', { name: t('ja').common.edit }).click();
      await panel.getByLabel(ja.hospitalId).fill('H-000777');
      await panel.getByLabel(ja.hospitalIssuer).fill('TOKYO-UNIV-HOSP');
      await panel.getByRole('button', { name: t('ja').common.save }).click();
      await expect(panel.getByText(ja.hospitalIdSaved)).toBeVisible();
      await expect(panel.getByTestId('hospital-id')).toContainText('H-000777');
    });

    await test.step('the coordinator sends the study; the send is shown until done', async () => {
      const panel = page.getByRole('region', { name: ja.cardTitle });
      const form = panel.getByTestId('pacs-send');
      await form.getByLabel(ja.destination).selectOption({ label: destinationName });
      await form.getByRole('button', { name: ja.send }).click();
      await expect(panel.getByText(ja.sending)).toBeVisible();
      const sent = panel.getByTestId('pacs-export').first();
      await expect(sent).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
      await expect(sent).toContainText(destinationName);
      await expect(sent).toContainText(ja.status.done);
      await shoot(page, 'pacs-send-ja', panel);
      await shoot(page, 'records-pacs-ja');
      await page.setViewportSize({ width: 390, height: 844 });
      await shoot(page, 'pacs-send-ja-390', panel);
      await page.setViewportSize({ width: 1280, height: 900 });
    });

    await test.step('Orthanc holds the three images under the hospital’s patient ID', async () => {
      const patients = (await orthanc.get('/patients?expand')) as { MainDicomTags: { PatientID: string } }[];
      expect(patients.map((p) => p.MainDicomTags.PatientID)).toEqual(['H-000777']);
      expect(((await orthanc.get('/statistics')) as { CountInstances: number }).CountInstances).toBe(3);
    });

    await test.step('the panel in the other languages', async () => {
      for (const locale of LOCALE_LIST.filter((l) => l !== 'ja')) {
        const other = await staffPage(browser, await admin.buildUser({ role: 'coordinator', locale }), locale);
        await other.page.goto(`/cases/${created.id}/records`);
        const panel = other.page.getByRole('region', { name: t(locale).pacs.cardTitle });
        await expect(panel.getByTestId('pacs-export').first()).toContainText(t(locale).pacs.status.done);
        await shoot(other.page, `pacs-send-${locale}`, panel);
        await other.context.close();
      }
    });
    await context.close();
  } finally {
    await admin.dispose();
    await orthanc.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
});
