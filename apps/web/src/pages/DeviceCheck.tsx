import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from '../lib/nav.tsx';
import { storedPortalToken } from '../lib/portal.ts';
import { HospitalContact } from '../components/Hospital.tsx';
import { useDocumentTitle } from '../lib/useDocumentTitle.ts';
import { measureSpeed, ProbeRefused, verdictOf, type Speed, type Verdict } from '../lib/connectionSpeed.ts';

/**
 * /device-check: a patient (no account, often on a phone) checks camera, microphone, speaker,
 * the connection to the hospital and the browser before a video visit. Nothing leaves the
 * device except the speed test's random data (lib/connectionSpeed.ts); every track and audio context is
 * stopped when the page is left.
 */

type Status = 'idle' | 'running' | 'pass' | 'warn' | 'fail';
type StepName = 'camera' | 'microphone' | 'speaker' | 'connection' | 'browser';
type MediaProblem = 'denied' | 'missing' | 'busy' | 'unsupported' | 'other';

/** Microphone: a level above this (dBFS) for a few frames counts as hearing the user. */
const HEARD_DB = -42;
const HEARD_FRAMES = 3;
const SILENT_AFTER_MS = 8000;

type AudioContextCtor = typeof AudioContext;
function audioContextClass(): AudioContextCtor | null {
  const w = window as unknown as { AudioContext?: AudioContextCtor; webkitAudioContext?: AudioContextCtor };
  return w.AudioContext ?? w.webkitAudioContext ?? null;
}

function canCapture(): boolean {
  return typeof navigator !== 'undefined' && !!navigator.mediaDevices && typeof navigator.mediaDevices.getUserMedia === 'function';
}

/** What went wrong with getUserMedia, in the terms the advice is written in. */
function classify(e: unknown): MediaProblem {
  const name = e && typeof e === 'object' && 'name' in e ? String((e as { name: unknown }).name) : '';
  if (['NotAllowedError', 'PermissionDeniedError', 'SecurityError'].includes(name)) return 'denied';
  if (['NotFoundError', 'DevicesNotFoundError', 'OverconstrainedError'].includes(name)) return 'missing';
  if (['NotReadableError', 'TrackStartError', 'AbortError'].includes(name)) return 'busy';
  return 'other';
}

function stopStream(s: MediaStream | null) {
  s?.getTracks().forEach((track) => track.stop());
}

function StatusBadge({ status }: { status: Status }) {
  const { t } = useTranslation();
  const tone = { idle: 'badge--off', running: 'badge--off', pass: 'badge--ok', warn: 'badge--warn', fail: 'badge--error' }[status];
  const mark = { idle: '', running: '', pass: '✓ ', warn: '! ', fail: '✕ ' }[status];
  return (
    <span className={`badge ${tone}`} data-testid="step-status">
      <span aria-hidden="true">{mark}</span>
      {t(`deviceCheck.status.${status}`)}
    </span>
  );
}

function Step({ n, name, title, status, children }: { n: number; name: StepName; title: string; status: Status; children: ReactNode }) {
  const { t } = useTranslation();
  const id = `check-${name}`;
  return (
    <li className={`check-step check-step--${status}`} data-testid={`check-${name}`} data-status={status}>
      <section aria-labelledby={id}>
        <div className="check-step__head">
          <span className="check-step__num" aria-hidden="true">
            {n}
          </span>
          <div className="check-step__title">
            <h2 id={id}>
              <span className="visually-hidden">{t('deviceCheck.step', { n })} </span>
              {title}
            </h2>
            <StatusBadge status={status} />
          </div>
        </div>
        <div className="check-step__body">{children}</div>
      </section>
    </li>
  );
}

/** Result line of a step: announced politely, coloured by its outcome. */
function Outcome({ tone, children, testId }: { tone: 'success' | 'warning' | 'error' | 'info'; children: ReactNode; testId?: string }) {
  if (!children) return null;
  return (
    <div className={`alert alert--${tone}`} role={tone === 'error' ? 'alert' : 'status'} data-testid={testId}>
      {children}
    </div>
  );
}

function AllowHelp() {
  const { t } = useTranslation();
  return (
    <div className="allow-help" data-testid="allow-help">
      <h3>{t('deviceCheck.allow.title')}</h3>
      <ul>
        <li>{t('deviceCheck.allow.computer')}</li>
        <li>{t('deviceCheck.allow.iphone')}</li>
        <li>{t('deviceCheck.allow.android')}</li>
      </ul>
    </div>
  );
}

function MediaProblemText({ device, problem }: { device: 'camera' | 'microphone'; problem: MediaProblem }) {
  const { t } = useTranslation();
  if (problem === 'denied') {
    return (
      <>
        <Outcome tone="error" testId={`${device}-problem`}>
          {t(`deviceCheck.${device}.denied`)}
        </Outcome>
        <AllowHelp />
      </>
    );
  }
  const text =
    problem === 'missing'
      ? t(`deviceCheck.${device}.missing`)
      : problem === 'busy'
        ? t(`deviceCheck.${device}.busy`)
        : problem === 'unsupported'
          ? t('deviceCheck.browser.fail')
          : t('deviceCheck.problem');
  return (
    <Outcome tone="error" testId={`${device}-problem`}>
      {text}
    </Outcome>
  );
}

/** A step's status, told to the page as it changes. */
function useStepStatus(onStatus: (s: Status) => void) {
  const [status, setStatus] = useState<Status>('idle');
  const update = useCallback(
    (s: Status) => {
      setStatus(s);
      onStatus(s);
    },
    [onStatus],
  );
  return [status, update] as const;
}

/** Start (or try again) and, while the device is on, stop: the camera's and the microphone's buttons. */
function StartStop({
  device,
  status,
  live,
  busy,
  onStart,
  onStop,
}: {
  device: 'camera' | 'microphone';
  status: Status;
  live: boolean;
  busy: boolean;
  onStart: () => Promise<void>;
  onStop: () => void;
}) {
  const { t } = useTranslation();
  return (
    <div className="form__actions">
      <button type="button" className="button button--large" onClick={() => void onStart()} disabled={busy}>
        {status === 'idle' ? t(`deviceCheck.${device}.start`) : t('deviceCheck.again')}
      </button>
      {live && (
        <button type="button" className="button button--secondary button--large" onClick={onStop}>
          {t(`deviceCheck.${device}.stop`)}
        </button>
      )}
    </div>
  );
}

function CameraStep({ onStatus }: { onStatus: (s: Status) => void }) {
  const { t } = useTranslation();
  const [status, update] = useStepStatus(onStatus);
  const [problem, setProblem] = useState<MediaProblem | null>(null);
  const [label, setLabel] = useState('');
  const [live, setLive] = useState(false);
  const video = useRef<HTMLVideoElement>(null);
  const stream = useRef<MediaStream | null>(null);

  const stop = useCallback(() => {
    stopStream(stream.current);
    stream.current = null;
    if (video.current) video.current.srcObject = null;
    setLive(false);
  }, []);

  // Leaving the page turns the camera off.
  useEffect(() => stop, [stop]);

  async function start() {
    stop();
    setProblem(null);
    if (!canCapture()) {
      setProblem('unsupported');
      update('fail');
      return;
    }
    update('running');
    try {
      const s = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'user' }, audio: false });
      stream.current = s;
      const track = s.getVideoTracks()[0];
      setLabel(track?.label ?? '');
      if (video.current) {
        video.current.srcObject = s;
        await video.current.play().catch(() => undefined);
      }
      setLive(true);
      update(track && track.readyState === 'live' ? 'pass' : 'fail');
    } catch (e) {
      setProblem(classify(e));
      update('fail');
    }
  }

  return (
    <Step n={1} name="camera" title={t('deviceCheck.camera.title')} status={status}>
      <p>{t('deviceCheck.camera.intro')}</p>
      <div className={`camera-preview${live ? ' camera-preview--live' : ''}`}>
        <video ref={video} className="camera-preview__video" muted playsInline autoPlay aria-label={t('deviceCheck.camera.preview')} data-testid="camera-video" />
      </div>
      {status === 'pass' && (
        <Outcome tone="success" testId="camera-ok">
          {live ? t('deviceCheck.camera.pass') : t('deviceCheck.camera.off')}
        </Outcome>
      )}
      {status === 'pass' && label && <p className="muted check-step__device">{t('deviceCheck.using', { name: label })}</p>}
      {problem && <MediaProblemText device="camera" problem={problem} />}
      <StartStop device="camera" status={status} live={live} busy={status === 'running'} onStart={start} onStop={stop} />
    </Step>
  );
}

function MicrophoneStep({ onStatus }: { onStatus: (s: Status) => void }) {
  const { t } = useTranslation();
  const [status, update] = useStepStatus(onStatus);
  const [problem, setProblem] = useState<MediaProblem | null>(null);
  const [listening, setListening] = useState(false);
  const [label, setLabel] = useState('');
  const stream = useRef<MediaStream | null>(null);
  const context = useRef<AudioContext | null>(null);
  const frame = useRef(0);
  const silentTimer = useRef(0);
  const bar = useRef<HTMLDivElement>(null);
  const meter = useRef<HTMLDivElement>(null);

  const stop = useCallback(() => {
    cancelAnimationFrame(frame.current);
    window.clearTimeout(silentTimer.current);
    stopStream(stream.current);
    stream.current = null;
    void context.current?.close().catch(() => undefined);
    context.current = null;
    if (bar.current) bar.current.style.width = '0%';
    setListening(false);
  }, []);

  useEffect(() => stop, [stop]);

  async function start() {
    stop();
    setProblem(null);
    const Ctx = audioContextClass();
    if (!canCapture() || !Ctx) {
      setProblem('unsupported');
      update('fail');
      return;
    }
    update('running');
    try {
      const s = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
      stream.current = s;
      setLabel(s.getAudioTracks()[0]?.label ?? '');
      const ctx = new Ctx();
      context.current = ctx;
      await ctx.resume().catch(() => undefined);
      const analyser = ctx.createAnalyser();
      analyser.fftSize = 1024;
      // Not connected to the speakers: no echo, no feedback.
      ctx.createMediaStreamSource(s).connect(analyser);
      const samples = new Float32Array(analyser.fftSize);
      let loud = 0;
      let heard = false;
      let lastAria = 0;
      setListening(true);
      silentTimer.current = window.setTimeout(() => {
        if (!heard) update('warn');
      }, SILENT_AFTER_MS);
      const tick = (now: number) => {
        analyser.getFloatTimeDomainData(samples);
        let sum = 0;
        for (const v of samples) sum += v * v;
        const rms = Math.sqrt(sum / samples.length);
        const db = rms > 0 ? 20 * Math.log10(rms) : -100;
        // -60 dBFS (a quiet room) … -10 dBFS (speaking close to the microphone) fills the bar.
        const level = Math.max(0, Math.min(1, (db + 60) / 50));
        if (bar.current) bar.current.style.width = `${Math.round(level * 100)}%`;
        if (meter.current && now - lastAria > 250) {
          meter.current.setAttribute('aria-valuenow', String(Math.round(level * 100)));
          lastAria = now;
        }
        loud = db > HEARD_DB ? loud + 1 : 0;
        if (!heard && loud >= HEARD_FRAMES) {
          heard = true;
          window.clearTimeout(silentTimer.current);
          update('pass');
        }
        frame.current = requestAnimationFrame(tick);
      };
      frame.current = requestAnimationFrame(tick);
    } catch (e) {
      stop();
      setProblem(classify(e));
      update('fail');
    }
  }

  return (
    <Step n={2} name="microphone" title={t('deviceCheck.microphone.title')} status={status}>
      <p>{t('deviceCheck.microphone.intro')}</p>
      <div
        ref={meter}
        className={`level${listening ? ' level--live' : ''}`}
        role="meter"
        aria-label={t('deviceCheck.microphone.level')}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={0}
        data-testid="mic-level"
      >
        <div ref={bar} className="level__bar" />
      </div>
      {status === 'running' && listening && <Outcome tone="info">{t('deviceCheck.microphone.listening')}</Outcome>}
      {status === 'pass' && (
        <Outcome tone="success" testId="mic-ok">
          {t('deviceCheck.microphone.pass')}
        </Outcome>
      )}
      {status === 'warn' && (
        <Outcome tone="warning" testId="mic-silent">
          {t('deviceCheck.microphone.silent')}
        </Outcome>
      )}
      {label && listening && <p className="muted check-step__device">{t('deviceCheck.using', { name: label })}</p>}
      {problem && <MediaProblemText device="microphone" problem={problem} />}
      <StartStop device="microphone" status={status} live={listening} busy={status === 'running' && !listening} onStart={start} onStop={stop} />
    </Step>
  );
}

function SpeakerStep({ onStatus }: { onStatus: (s: Status) => void }) {
  const { t } = useTranslation();
  const [status, update] = useStepStatus(onStatus);
  const [phase, setPhase] = useState<'ready' | 'playing' | 'asking' | 'answered'>('ready');
  const [unsupported, setUnsupported] = useState(false);
  const context = useRef<AudioContext | null>(null);

  useEffect(
    () => () => {
      void context.current?.close().catch(() => undefined);
      context.current = null;
    },
    [],
  );

  async function play() {
    const Ctx = audioContextClass();
    if (!Ctx) {
      setUnsupported(true);
      update('fail');
      return;
    }
    setUnsupported(false);
    update('running');
    setPhase('playing');
    try {
      const ctx = context.current ?? new Ctx();
      context.current = ctx;
      await ctx.resume().catch(() => undefined);
      // Three rising notes (C5, E5, G5), each with a soft start and end so nothing clicks.
      const start = ctx.currentTime + 0.05;
      const notes = [523.25, 659.25, 783.99];
      const oscillators = notes.map((hz, i) => {
        const osc = ctx.createOscillator();
        const gain = ctx.createGain();
        osc.type = 'sine';
        osc.frequency.value = hz;
        const at = start + i * 0.45;
        gain.gain.setValueAtTime(0, at);
        gain.gain.linearRampToValueAtTime(0.3, at + 0.03);
        gain.gain.setValueAtTime(0.3, at + 0.32);
        gain.gain.linearRampToValueAtTime(0, at + 0.4);
        osc.connect(gain).connect(ctx.destination);
        osc.start(at);
        osc.stop(at + 0.42);
        return osc;
      });
      const ended = new Promise<void>((resolve) => {
        oscillators[oscillators.length - 1].onended = () => resolve();
        // Some browsers never report the end of a muted context: ask anyway.
        window.setTimeout(resolve, 2500);
      });
      await ended;
      setPhase('asking');
    } catch {
      setUnsupported(true);
      setPhase('ready');
      update('fail');
    }
  }

  function answer(heard: boolean) {
    setPhase('answered');
    update(heard ? 'pass' : 'fail');
  }

  return (
    <Step n={3} name="speaker" title={t('deviceCheck.speaker.title')} status={status}>
      <p>{t('deviceCheck.speaker.intro')}</p>
      <div className="form__actions">
        <button type="button" className="button button--large" onClick={() => void play()} disabled={phase === 'playing'} data-testid="play-tone">
          {phase === 'playing' ? t('deviceCheck.speaker.playing') : phase === 'answered' ? t('deviceCheck.again') : t('deviceCheck.speaker.play')}
        </button>
      </div>
      {phase === 'asking' && (
        <fieldset className="question" data-testid="speaker-question">
          <legend>{t('deviceCheck.speaker.question')}</legend>
          <div className="form__actions">
            <button type="button" className="button button--large" onClick={() => answer(true)}>
              {t('deviceCheck.speaker.yes')}
            </button>
            <button type="button" className="button button--secondary button--large" onClick={() => answer(false)}>
              {t('deviceCheck.speaker.no')}
            </button>
          </div>
        </fieldset>
      )}
      {phase === 'answered' && status === 'pass' && (
        <Outcome tone="success" testId="speaker-ok">
          {t('deviceCheck.speaker.pass')}
        </Outcome>
      )}
      {phase === 'answered' && status === 'fail' && (
        <Outcome tone="error" testId="speaker-problem">
          {t('deviceCheck.speaker.fail')}
        </Outcome>
      )}
      {unsupported && <Outcome tone="error">{t('deviceCheck.browser.fail')}</Outcome>}
    </Step>
  );
}

const VERDICT_STATUS: Record<Verdict, Status> = { good: 'pass', reduced: 'warn', audio: 'warn' };

function ConnectionStep({ onStatus }: { onStatus: (s: Status) => void }) {
  const { t } = useTranslation();
  const [status, update] = useStepStatus(onStatus);
  const [speed, setSpeed] = useState<Speed | null>(null);
  const [refused, setRefused] = useState<string | null>(null);
  const run = useRef(0);

  const check = useCallback(async () => {
    const mine = ++run.current;
    const cancelled = () => mine !== run.current;
    update('running');
    setSpeed(null);
    setRefused(null);
    try {
      const measured = await measureSpeed(cancelled);
      if (cancelled()) return;
      setSpeed(measured);
      update(VERDICT_STATUS[verdictOf(measured)]);
    } catch (e) {
      if (cancelled()) return;
      if (e instanceof ProbeRefused) setRefused(e.message);
      update('fail');
    }
  }, [update]);

  useEffect(() => {
    void check();
    return () => {
      run.current++;
    };
  }, [check]);

  const verdict = speed ? verdictOf(speed) : null;
  return (
    <Step n={4} name="connection" title={t('deviceCheck.connection.title')} status={status}>
      <p>{t('deviceSpeed.intro')}</p>
      {status === 'running' && <p role="status">{t('deviceSpeed.measuring')}</p>}
      {speed && (
        <dl className="speed" data-testid="speed">
          <div>
            <dt>{t('deviceSpeed.download')}</dt>
            <dd data-testid="speed-down">{t('deviceSpeed.mbps', { value: speed.downMbps })}</dd>
          </div>
          <div>
            <dt>{t('deviceSpeed.upload')}</dt>
            <dd data-testid="speed-up">{t('deviceSpeed.mbps', { value: speed.upMbps })}</dd>
          </div>
          <div>
            <dt>{t('deviceSpeed.responseTime')}</dt>
            <dd data-testid="rtt">{t('deviceSpeed.ms', { value: speed.rttMs })}</dd>
          </div>
        </dl>
      )}
      {verdict && (
        <div data-testid="connection-verdict" data-verdict={verdict}>
          <Outcome tone={verdict === 'good' ? 'success' : 'warning'}>{t(`deviceSpeed.${verdict}`)}</Outcome>
        </div>
      )}
      {status === 'fail' && (
        <Outcome tone="error" testId="connection-problem">
          {refused ?? t('deviceCheck.connection.fail')}
        </Outcome>
      )}
      <p className="muted">{t('deviceSpeed.needs')}</p>
      <div className="form__actions">
        <button type="button" className="button button--secondary button--large" onClick={() => void check()} disabled={status === 'running'}>
          {t('deviceCheck.again')}
        </button>
      </div>
    </Step>
  );
}

/** Feature detection, not the user agent: what a video call needs. */
export function browserSupport() {
  const secure = typeof window !== 'undefined' && window.isSecureContext !== false;
  const media = canCapture();
  const rtc = typeof window !== 'undefined' && typeof (window as unknown as { RTCPeerConnection?: unknown }).RTCPeerConnection === 'function';
  const audio = typeof window !== 'undefined' && !!audioContextClass();
  return { secure, media, rtc, audio, ok: secure && media && rtc && audio };
}

function BrowserStep({ onStatus }: { onStatus: (s: Status) => void }) {
  const { t } = useTranslation();
  const [support] = useState(browserSupport);
  const status: Status = support.ok ? 'pass' : 'fail';
  useEffect(() => onStatus(status), [onStatus, status]);
  return (
    <Step n={5} name="browser" title={t('deviceCheck.browser.title')} status={status}>
      {support.ok ? (
        <Outcome tone="success">{t('deviceCheck.browser.pass')}</Outcome>
      ) : (
        <>
          <Outcome tone="error" testId="browser-problem">
            {support.secure ? t('deviceCheck.browser.fail') : t('deviceCheck.browser.insecure')}
          </Outcome>
          {support.secure && <p>{t('deviceCheck.browser.inApp')}</p>}
        </>
      )}
    </Step>
  );
}

const STEPS: StepName[] = ['camera', 'microphone', 'speaker', 'connection', 'browser'];

export function DeviceCheckPage() {
  const { t } = useTranslation();
  useDocumentTitle(t('deviceCheck.title'));
  const [statuses, setStatuses] = useState<Record<StepName, Status>>({ camera: 'idle', microphone: 'idle', speaker: 'idle', connection: 'idle', browser: 'idle' });
  const [hasPortal] = useState(() => !!storedPortalToken());
  const setters = useRef(
    Object.fromEntries(STEPS.map((s) => [s, (v: Status) => setStatuses((all) => (all[s] === v ? all : { ...all, [s]: v }))])) as Record<StepName, (v: Status) => void>,
  ).current;

  const values = STEPS.map((s) => statuses[s]);
  const done = values.every((v) => v === 'pass' || v === 'warn' || v === 'fail');
  const failed = values.some((v) => v === 'fail' || v === 'warn');

  return (
    <div className="device-check" data-testid="device-check">
      <div className="page-head">
        <div>
          <h1>{t('deviceCheck.title')}</h1>
          <p>{t('deviceCheck.intro')}</p>
          <p className="muted">{t('deviceCheck.sameDevice')}</p>
        </div>
      </div>
      <ol className="check-steps">
        <CameraStep onStatus={setters.camera} />
        <MicrophoneStep onStatus={setters.microphone} />
        <SpeakerStep onStatus={setters.speaker} />
        <ConnectionStep onStatus={setters.connection} />
        <BrowserStep onStatus={setters.browser} />
      </ol>
      <section className="card check-summary" aria-labelledby="check-summary" data-testid="check-summary" aria-live="polite">
        <h2 id="check-summary">{t('deviceCheck.summary.title')}</h2>
        {!done ? (
          <p>{t('deviceCheck.summary.notYet')}</p>
        ) : failed ? (
          <div className="alert alert--warning">{t('deviceCheck.summary.problems')}</div>
        ) : (
          <div className="alert alert--success">{t('deviceCheck.summary.ready')}</div>
        )}
        {hasPortal && (
          <p>
            <Link to="/portal">{t('deviceCheck.backToPortal')}</Link>
          </p>
        )}
      </section>
      <HospitalContact />
    </div>
  );
}
