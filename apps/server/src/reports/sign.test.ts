import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as pkijs from 'pkijs';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.ts';
import { renderReportPdf } from './pdf.ts';
import { sampleContent, sampleLetterhead, sampleMeta } from './samples.ts';
import { demoSigningIdentity, readSigningIdentity, selfSigned, type SigningIdentity } from './sign.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'kh-report-sign-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function save(pdf: Buffer): string {
  const file = path.join(dir, `${++n}.pdf`);
  writeFileSync(file, pdf);
  return file;
}
/** pdfsig's report; it exits non-zero for an invalid signature, so its output is read either way. */
const pdfsig = (file: string) => spawnSync('pdfsig', [file], { encoding: 'utf8' }).stdout;
const render = (identity: SigningIdentity) => renderReportPdf({ content: sampleContent('ja'), meta: sampleMeta('ja'), letterhead: sampleLetterhead('ja') }, { signWith: identity });

/** The key and certificate of `pem` (selfSigned's output) in two files, as an administrator configures them. */
function splitFiles(pem: string, name: string) {
  const keyFile = path.join(dir, `${name}.key.pem`);
  const certFile = path.join(dir, `${name}.cert.pem`);
  writeFileSync(keyFile, pem.slice(0, pem.indexOf('-----BEGIN CERTIFICATE-----')));
  writeFileSync(certFile, pem.slice(pem.indexOf('-----BEGIN CERTIFICATE-----')));
  return { keyFile, certFile };
}

/** The CMS in the signature dictionary's /Contents, parsed. */
function cmsOf(pdf: Buffer): pkijs.SignedData {
  const text = pdf.toString('latin1');
  const byteRange = text.match(/\/ByteRange \[(\d+) (\d+) (\d+) (\d+)\]/)!.slice(1).map(Number);
  const hex = text.slice(byteRange[1] + 1, byteRange[2] - 1).replace(/(00)+$/, '');
  const info = pkijs.ContentInfo.fromBER(Buffer.from(hex, 'hex'));
  return new pkijs.SignedData({ schema: info.content });
}

describe('PAdES signature', () => {
  it('makes a demo key and self-signed certificate once, private, named after the hospital', async () => {
    const data = path.join(dir, 'data');
    const first = await demoSigningIdentity(data, 'Kakehashi Demo Hospital 架橋');
    const file = path.join(data, 'signing', 'demo-signing.pem');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(first.chain[0].subject).toBe('CN=Kakehashi Demo Hospital 架橋');
    const again = await demoSigningIdentity(data, 'Another name');
    expect(again.chain[0].fingerprint256).toBe(first.chain[0].fingerprint256);
    // One that cannot be read (as one certificate in 256 was made, its serial number padded) is made anew.
    writeFileSync(file, first.chain[0].toString().replace(/[A-Za-z0-9+/]{64}\n/, `${'A'.repeat(64)}\n`), { mode: 0o600 });
    const remade = await demoSigningIdentity(data, 'Kakehashi Demo Hospital 架橋');
    expect(remade.chain[0].fingerprint256).not.toBe(first.chain[0].fingerprint256);
    expect((await demoSigningIdentity(data, 'Kakehashi Demo Hospital 架橋')).chain[0].fingerprint256).toBe(remade.chain[0].fingerprint256);
  });

  it('signs a report that pdfsig validates: ETSI.CAdES.detached over the whole document, with the signer named', async () => {
    const identity = await demoSigningIdentity(path.join(dir, 'data'), 'Kakehashi Demo Hospital 架橋');
    const file = save(await render(identity));
    const report = pdfsig(file);
    expect(report).toContain('Signature Validation: Signature is Valid.');
    expect(report).toContain('Signer Certificate Common Name: Kakehashi Demo Hospital 架橋');
    expect(report).toContain('Signature Type: ETSI.CAdES.detached');
    expect(report).toContain('Total document signed');
    expect(report).toContain('Signing Time: Dec 06 2026 05:30:00');
    // The demo's certificate is its own issuer: not trusted, as expected.
    expect(report).toMatch(/Certificate Validation: Certificate issuer is unknown\.|Certificate issuer isn't Trusted/);
  });

  it('puts signing-certificate-v2 (the certificate’s SHA-256) and no signing-time among the signed attributes', async () => {
    const identity = await demoSigningIdentity(path.join(dir, 'data'), 'Kakehashi Demo Hospital 架橋');
    const cms = cmsOf(await render(identity));
    const attributes = cms.signerInfos[0].signedAttrs!.attributes;
    expect(attributes.map((a) => a.type).sort()).toEqual(['1.2.840.113549.1.9.16.2.47', '1.2.840.113549.1.9.3', '1.2.840.113549.1.9.4'].sort());
    const v2 = attributes.find((a) => a.type === '1.2.840.113549.1.9.16.2.47')!;
    const der = Buffer.from(v2.values[0].toBER(false));
    const certHash = execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: identity.chain[0].raw });
    expect(der.includes(certHash)).toBe(true);
  });

  it('is invalid once a byte of the signed PDF changes', async () => {
    const identity = await demoSigningIdentity(path.join(dir, 'data'), 'Kakehashi Demo Hospital 架橋');
    const pdf = await render(identity);
    const changed = Buffer.from(pdf);
    // A byte inside the second signed range (the pages, after the signature's /Contents).
    const at = pdf.length - 2000;
    changed[at] = changed[at] ^ 0x01;
    const report = pdfsig(save(changed));
    expect(report).not.toContain('Signature is Valid.');
    expect(report).toMatch(/Signature Validation: (Digest Mismatch|Signature is Invalid)/);
  });

  it('signs with a configured RSA or EC key and its certificate, read from the files the configuration names', async () => {
    const rsa = splitFiles(await selfSigned('Example Hospital RSA'), 'rsa');
    const rsaConfig = loadConfig({ KAKEHASHI_DATA_DIR: dir, KAKEHASHI_SIGNING_KEY: rsa.keyFile, KAKEHASHI_SIGNING_CERT: rsa.certFile });
    expect(rsaConfig.signing).toEqual({ ...rsa, passphrase: null });
    expect(pdfsig(save(await render(readSigningIdentity(rsaConfig.signing!))))).toContain('Signature is Valid.');

    // An EC P-256 key, certified by the RSA one above: a chain of two, the signer's first.
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const ecKey = path.join(dir, 'ec.key.pem');
    writeFileSync(ecKey, ec.privateKey.export({ type: 'sec1', format: 'pem' }));
    const ecCert = path.join(dir, 'ec.cert.pem');
    const csr = execFileSync('openssl', ['req', '-new', '-key', ecKey, '-subj', '/CN=Example Hospital EC']);
    const leaf = execFileSync('openssl', ['x509', '-req', '-days', '30', '-CA', rsa.certFile, '-CAkey', rsa.keyFile, '-set_serial', '7'], { input: csr });
    writeFileSync(ecCert, Buffer.concat([leaf, readFileSync(rsa.certFile)]));
    const identity = readSigningIdentity({ keyFile: ecKey, certFile: ecCert, passphrase: null });
    expect(identity.chain).toHaveLength(2);
    const report = pdfsig(save(await render(identity)));
    expect(report).toContain('Signature is Valid.');
    expect(report).toContain('Signer Certificate Common Name: Example Hospital EC');
  });

  it('makes a certificate OpenSSL reads whatever the random serial number (a leading zero byte is not DER)', async () => {
    for (const first of [0x00, 0x7f, 0x80, 0xff]) {
      const random = Buffer.alloc(16, 0x10);
      random[0] = first;
      const files = splitFiles(await selfSigned('Example Hospital Serial', new Date(), random), `serial-${first}`);
      const serial = new X509Certificate(readFileSync(files.certFile)).serialNumber;
      expect(serial, String(first)).toMatch(/^(0[1-9A-F]|[1-7][0-9A-F])/);
      expect(() => readSigningIdentity({ ...files, passphrase: null }), String(first)).not.toThrow();
    }
  });

  it('reads an encrypted key with its passphrase', async () => {
    const pem = await selfSigned('Example Hospital Encrypted');
    const { keyFile, certFile } = splitFiles(pem, 'encrypted');
    const encrypted = execFileSync('openssl', ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-passout', 'pass:correct horse'], { input: readFileSync(keyFile) });
    writeFileSync(keyFile, encrypted);
    expect(loadConfig({ KAKEHASHI_DATA_DIR: dir, KAKEHASHI_SIGNING_KEY: keyFile, KAKEHASHI_SIGNING_CERT: certFile, KAKEHASHI_SIGNING_KEY_PASSPHRASE: 'correct horse' }).signing).not.toBeNull();
    expect(() => loadConfig({ KAKEHASHI_DATA_DIR: dir, KAKEHASHI_SIGNING_KEY: keyFile, KAKEHASHI_SIGNING_CERT: certFile })).toThrow(/is encrypted: set KAKEHASHI_SIGNING_KEY_PASSPHRASE/);
    expect(() => loadConfig({ KAKEHASHI_DATA_DIR: dir, KAKEHASHI_SIGNING_KEY: keyFile, KAKEHASHI_SIGNING_CERT: certFile, KAKEHASHI_SIGNING_KEY_PASSPHRASE: 'wrong' })).toThrow(/or the passphrase is wrong/);
  });

  it('refuses to start with signing files that cannot sign, saying which and why', async () => {
    const good = splitFiles(await selfSigned('Example Hospital Good'), 'good');
    const other = splitFiles(await selfSigned('Example Hospital Other'), 'other');
    const notPem = path.join(dir, 'not.pem');
    writeFileSync(notPem, 'hello');
    const weak = path.join(dir, 'weak.key.pem');
    writeFileSync(weak, generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const load = (env: Record<string, string>) => () => loadConfig({ KAKEHASHI_DATA_DIR: dir, ...env });
    const cases: [Record<string, string>, RegExp][] = [
      [{ KAKEHASHI_SIGNING_KEY: good.keyFile }, /KAKEHASHI_SIGNING_KEY and KAKEHASHI_SIGNING_CERT go together/],
      [{ KAKEHASHI_SIGNING_KEY_PASSPHRASE: 'x' }, /KAKEHASHI_SIGNING_KEY_PASSPHRASE is set without KAKEHASHI_SIGNING_KEY/],
      [{ KAKEHASHI_SIGNING_KEY: path.join(dir, 'missing.pem'), KAKEHASHI_SIGNING_CERT: good.certFile }, /signing key .*missing\.pem cannot be read \(ENOENT\)/],
      [{ KAKEHASHI_SIGNING_KEY: notPem, KAKEHASHI_SIGNING_CERT: good.certFile }, /signing key .*not\.pem is not a PEM private key/],
      [{ KAKEHASHI_SIGNING_KEY: good.keyFile, KAKEHASHI_SIGNING_CERT: notPem }, /signing certificate .*not\.pem holds no PEM certificate/],
      [{ KAKEHASHI_SIGNING_KEY: good.keyFile, KAKEHASHI_SIGNING_CERT: other.certFile }, /is not the certificate of the key/],
      [{ KAKEHASHI_SIGNING_KEY: weak, KAKEHASHI_SIGNING_CERT: good.certFile }, /RSA of at least 2048 bits .*rsa of 1024 bits/],
    ];
    for (const [env, message] of cases) {
      expect(load(env), JSON.stringify(env)).toThrow(ConfigError);
      expect(load(env), JSON.stringify(env)).toThrow(message);
    }
  });

  it('refuses an expired certificate', async () => {
    const pem = await selfSigned('Example Hospital Old', new Date('2010-01-01T00:00:00Z'));
    const files = splitFiles(pem, 'old');
    expect(() => readSigningIdentity({ ...files, passphrase: null })).toThrow(/certificate .*old\.cert\.pem expired on .*2019 GMT/);
    expect(() => readSigningIdentity({ ...files, passphrase: null }, new Date('2012-01-01T00:00:00Z'))).not.toThrow();
  });
});
