import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, webcrypto, X509Certificate, type KeyObject } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SignPdf } from '@signpdf/signpdf';
import { DEFAULT_BYTE_RANGE_PLACEHOLDER, SIG_FLAGS, Signer, SUBFILTER_ETSI_CADES_DETACHED } from '@signpdf/utils';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

/*
 * PAdES baseline (B-B) signatures over a rendered PDF: the signature dictionary says
 * ETSI.CAdES.detached, the CMS holds content-type, message-digest and signing-certificate-v2 as
 * signed attributes and no signing-time (EN 319 142-1 forbids it: the time is the dictionary's /M).
 * @signpdf/signpdf places the CMS in the PDF; its P12 signer cannot be used, since it writes
 * signing-time and no signing-certificate-v2, so the CMS is built here with PKI.js.
 */

/** The key and certificate files an administrator configured (KAKEHASHI_SIGNING_KEY / _CERT). */
export interface SigningFiles {
  keyFile: string;
  certFile: string;
  /** For an encrypted PEM key (KAKEHASHI_SIGNING_KEY_PASSPHRASE). */
  passphrase: string | null;
}

/** A private key and its certificate, then the rest of the chain as the certificate file gave it. */
export interface SigningIdentity {
  key: KeyObject;
  chain: X509Certificate[];
}

/** A signing file that cannot be used, said so that whoever configured it knows what to fix. */
export class SigningFileError extends Error {}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Reads and checks the configured key and certificate; throws SigningFileError naming the problem. */
export function readSigningIdentity(files: SigningFiles, now: Date = new Date()): SigningIdentity {
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new SigningFileError(`The signing ${what} ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}).`);
    }
  };
  const keyPem = read(files.keyFile, 'key');
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: keyPem, format: 'pem', passphrase: files.passphrase ?? undefined });
  } catch (err) {
    const encrypted = /ENCRYPTED/.test(keyPem);
    throw new SigningFileError(
      encrypted && !files.passphrase
        ? `The signing key ${files.keyFile} is encrypted: set KAKEHASHI_SIGNING_KEY_PASSPHRASE.`
        : `The signing key ${files.keyFile} is not a PEM private key${encrypted ? ' or the passphrase is wrong' : ''} (${(err as Error).message}).`,
    );
  }
  checkKeyType(key, files.keyFile);
  const certPem = read(files.certFile, 'certificate');
  const blocks = certPem.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw new SigningFileError(`The signing certificate ${files.certFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----).`);
  let chain: X509Certificate[];
  try {
    chain = blocks.map((b) => new X509Certificate(b));
  } catch (err) {
    throw new SigningFileError(`The signing certificate ${files.certFile} cannot be read (${(err as Error).message}).`);
  }
  const [own] = chain;
  if (!own.checkPrivateKey(key)) throw new SigningFileError(`The signing certificate ${files.certFile} (its first certificate) is not the certificate of the key ${files.keyFile}.`);
  if (Date.parse(own.validFrom) > now.getTime()) throw new SigningFileError(`The signing certificate ${files.certFile} is not valid before ${own.validFrom}.`);
  if (Date.parse(own.validTo) < now.getTime()) throw new SigningFileError(`The signing certificate ${files.certFile} expired on ${own.validTo}.`);
  return { key, chain };
}

function checkKeyType(key: KeyObject, file: string) {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  if (type === 'rsa' && (details.modulusLength ?? 0) >= 2048) return;
  if (type === 'ec' && (details.namedCurve === 'prime256v1' || details.namedCurve === 'secp384r1')) return;
  throw new SigningFileError(`The signing key ${file} must be RSA of at least 2048 bits or EC on P-256 or P-384 (it is ${type}${details.modulusLength ? ` of ${details.modulusLength} bits` : details.namedCurve ? ` on ${details.namedCurve}` : ''}).`);
}

/**
 * The demo's own key and self-signed certificate, made once into `dataDir/signing/` (the key readable
 * by the owner only) with `subject` (the hospital's name) as its common name. Made in a temporary file
 * and linked into place, so processes starting together end with the same one. One that cannot be
 * read (made before selfSigned's serial numbers were always valid) is made anew: it could sign nothing.
 */
export async function demoSigningIdentity(dataDir: string, subject: string): Promise<SigningIdentity> {
  const dir = path.join(dataDir, 'signing');
  const file = path.join(dir, 'demo-signing.pem');
  const files = { keyFile: file, certFile: file, passphrase: null };
  if (existsSync(file)) {
    try {
      return readSigningIdentity(files);
    } catch (err) {
      if (!(err instanceof SigningFileError)) throw err;
      rmSync(file, { force: true });
    }
  }
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = path.join(dir, `.demo-signing.${randomBytes(6).toString('hex')}.pem`);
    writeFileSync(tmp, await selfSigned(subject), { mode: 0o600, flag: 'wx' });
    try {
      linkSync(tmp, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      rmSync(tmp, { force: true });
    }
  }
  return readSigningIdentity(files);
}

const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

/**
 * A PEM private key and a self-signed certificate for ten years, for signing documents only; its
 * serial number from `random` (16 bytes).
 */
export async function selfSigned(subject: string, now: Date = new Date(), random: Buffer = randomBytes(16)): Promise<string> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 3072 });
  const cert = new pkijs.Certificate();
  cert.version = 2;
  const serial = Buffer.from(random);
  // A positive INTEGER in its shortest encoding: a first byte of 0x01–0x7f. A leading zero byte (one
  // certificate in 256 before this) is padding DER forbids, and OpenSSL then refuses the certificate.
  serial[0] = serial[0]! & 0x7f || 0x01;
  cert.serialNumber = new asn1js.Integer({ valueHex: serial });
  const name = [new pkijs.AttributeTypeAndValue({ type: '2.5.4.3', value: new asn1js.Utf8String({ value: subject.slice(0, 64) }) })];
  cert.issuer.typesAndValues = name;
  cert.subject.typesAndValues = name;
  cert.notBefore.value = new Date(now.getTime() - 60_000);
  cert.notAfter.value = new Date(now.getTime() + 10 * 365 * 86_400_000);
  await cert.subjectPublicKeyInfo.importKey(await webcrypto.subtle.importKey('spki', publicKey.export({ type: 'spki', format: 'der' }), RSA, true, ['verify']));
  cert.extensions = [
    new pkijs.Extension({ extnID: '2.5.29.19', critical: true, extnValue: new pkijs.BasicConstraints({ cA: false }).toSchema().toBER(false) }),
    // digitalSignature and nonRepudiation (contentCommitment): a document signature, nothing else.
    new pkijs.Extension({ extnID: '2.5.29.15', critical: true, extnValue: new asn1js.BitString({ valueHex: new Uint8Array([0xc0]), unusedBits: 6 }).toBER(false) }),
  ];
  await cert.sign(await cryptoKey(privateKey), 'SHA-256');
  const der = Buffer.from(cert.toSchema().toBER(false));
  const certPem = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
  return privateKey.export({ type: 'pkcs8', format: 'pem' }) + certPem;
}

async function cryptoKey(key: KeyObject): Promise<CryptoKey> {
  const der = key.export({ type: 'pkcs8', format: 'der' });
  const curve = { prime256v1: 'P-256', secp384r1: 'P-384' }[key.asymmetricKeyDetails?.namedCurve ?? ''];
  const algorithm = key.asymmetricKeyType === 'ec' ? { name: 'ECDSA', namedCurve: curve! } : RSA;
  return webcrypto.subtle.importKey('pkcs8', der, algorithm, false, ['sign']);
}

const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
};

/** A detached CAdES-BES CMS over `data` (the PDF's signed byte ranges). */
export async function cadesDetached(data: Buffer, identity: SigningIdentity): Promise<Buffer> {
  const chain = identity.chain.map((c) => pkijs.Certificate.fromBER(c.raw));
  const own = chain[0];
  const digest = createHash('sha256').update(data).digest();
  // ESSCertIDv2 with SHA-256, the default algorithm, which DER leaves out (RFC 5035).
  const essCertIdV2 = new asn1js.Sequence({
    value: [
      new asn1js.OctetString({ valueHex: createHash('sha256').update(identity.chain[0].raw).digest() }),
      new pkijs.IssuerSerial({
        issuer: new pkijs.GeneralNames({ names: [new pkijs.GeneralName({ type: 4, value: own.issuer })] }),
        serialNumber: own.serialNumber,
      }).toSchema(),
    ],
  });
  const signedData = new pkijs.SignedData({
    version: 1,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID.data }),
    signerInfos: [
      new pkijs.SignerInfo({
        version: 1,
        sid: new pkijs.IssuerAndSerialNumber({ issuer: own.issuer, serialNumber: own.serialNumber }),
        signedAttrs: new pkijs.SignedAndUnsignedAttributes({
          type: 0,
          attributes: [
            new pkijs.Attribute({ type: OID.contentType, values: [new asn1js.ObjectIdentifier({ value: OID.data })] }),
            new pkijs.Attribute({ type: OID.messageDigest, values: [new asn1js.OctetString({ valueHex: digest })] }),
            new pkijs.Attribute({ type: OID.signingCertificateV2, values: [new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [essCertIdV2] })] })] }),
          ],
        }),
      }),
    ],
    certificates: chain,
  });
  await signedData.sign(await cryptoKey(identity.key), 0, 'SHA-256');
  const contentInfo = new pkijs.ContentInfo({ contentType: OID.signedData, content: signedData.toSchema(true) });
  return Buffer.from(contentInfo.toSchema().toBER(false));
}

class CadesSigner extends Signer {
  constructor(private readonly identity: SigningIdentity) {
    super();
  }
  async sign(pdfBuffer: Buffer): Promise<Buffer> {
    return cadesDetached(pdfBuffer, this.identity);
  }
}

/** Room for the CMS: a certificate chain of three or four RSA certificates and the signature. */
const SIGNATURE_BYTES = 16 * 1024;

/** What the signature dictionary says besides the signature: shown by PDF readers and `pdfsig`. */
export interface SignatureFields {
  /** Who signed (the physician). */
  name: string;
  reason: string;
  location: string;
  contactInfo: string;
  signingTime: Date;
}

/** The part of a pdfkit document the placeholder needs, which its type declarations leave out. */
interface PdfKitInternals {
  ref(data: object): { data: Record<string, unknown>; end(): void };
  initForm(): void;
  _root: { data: { AcroForm?: { data: Record<string, unknown> & { Fields: unknown[] } } } };
  switchToPage(n: number): { dictionary: unknown; annotations: unknown[] };
}

/**
 * Adds an invisible signature field with room for the signature to a pdfkit document (before its
 * `end()`, with pages buffered); `signPdf` fills it once the document's bytes are known.
 */
export function addSignaturePlaceholder(doc: PDFKit.PDFDocument, fields: SignatureFields): void {
  const pdf = doc as unknown as PdfKitInternals;
  const signature = pdf.ref({
    Type: 'Sig',
    Filter: 'Adobe.PPKLite',
    SubFilter: SUBFILTER_ETSI_CADES_DETACHED,
    ByteRange: [0, DEFAULT_BYTE_RANGE_PLACEHOLDER, DEFAULT_BYTE_RANGE_PLACEHOLDER, DEFAULT_BYTE_RANGE_PLACEHOLDER],
    Contents: Buffer.alloc(SIGNATURE_BYTES),
    Name: new String(fields.name),
    Reason: new String(fields.reason),
    Location: new String(fields.location),
    ContactInfo: new String(fields.contactInfo),
    M: fields.signingTime,
  });
  signature.end();
  if (!pdf._root.data.AcroForm) pdf.initForm();
  const form = pdf._root.data.AcroForm!;
  form.data.SigFlags = SIG_FLAGS.SIGNATURES_EXIST | SIG_FLAGS.APPEND_ONLY;
  const page = pdf.switchToPage(0);
  const widget = pdf.ref({ Type: 'Annot', Subtype: 'Widget', FT: 'Sig', F: 132, Rect: [0, 0, 0, 0], V: signature, T: new String('Signature1'), P: page.dictionary });
  page.annotations.push(widget);
  form.data.Fields.push(widget);
  widget.end();
}

/** Fills the placeholder of a PDF made with addSignaturePlaceholder: the PDF, signed. */
export async function signPdf(pdf: Buffer, identity: SigningIdentity): Promise<Buffer> {
  return new SignPdf().sign(pdf, new CadesSigner(identity));
}
