import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import { Enums, eventTarget, type RenderingEngine, type StackViewport, type Types, utilities as coreUtilities } from '@cornerstonejs/core';
import { annotation, utilities as toolUtilities } from '@cornerstonejs/tools';
import { currentLocale } from '../../lib/i18n.ts';
import { useHospital } from '../../lib/hospital.ts';
import { formatDate } from '../../lib/time.ts';
import { framesOf, getDicomJson, instanceMetadataPath, matchingIndex, num, orderedBySearch, seriesList, TAG, text, type DicomJson, type Frame, type SeriesInfo } from '../../lib/viewer/dicom.ts';
import { headerWindow, presetsFor, suvFactor, voiOf, type PresetId, type VoiRange } from '../../lib/viewer/presets.ts';
import { cornerText, type ViewState } from '../../lib/viewer/overlay.ts';
import { createToolGroup, ENGINE_ID, PRIMARY_TOOLS, prefetch, registerFrames, renderingEngine, setPrimaryTool, setScrolling, startCornerstone, type PrimaryTool } from '../../lib/viewer/cornerstone.ts';
import type { MeasurementsContext } from './Measurements.tsx';
import './Viewer.css';

/*
 * The image viewer: a case's study, read through the server's DICOMweb API, in Cornerstone3D. Its
 * own route (this module and Cornerstone load only here), with the whole screen: series
 * thumbnails, one stack or two side by side (synced scrolling), the tools, the corner overlays and
 * the notice that the images are the patient's copy.
 */

const PANES = ['a', 'b'] as const;
type PaneId = (typeof PANES)[number];
/** The side panel shown, if any. */
type Panel = 'metadata' | 'measurements' | null;

/**
 * The viewer itself, for staff (ViewerPage.tsx) and for the patient from the portal (PortalViewer.tsx,
 * which sets the portal's token for DICOMweb first): `back` is the way out, `flag` the wrong-patient
 * flag the corners show. Nothing of the staff console here: the patient's page loads this module.
 */
/**
 * A study in the viewer. `measurements` (staff only: the patient's page has none) draws the saved
 * measurements' panel, which the toolbar then offers.
 */
export function StudyViewer({ studyUid, flag, back, measurements }: { studyUid: string; flag: string | null; back: ReactNode; measurements?: (context: MeasurementsContext) => ReactNode }) {
  const { t } = useTranslation();
  // Where the hospital says so (default on), the images are said to be the patient's copy.
  const notice = useHospital()?.viewerCopyNotice !== false;
  const ready = useQuery({ queryKey: ['viewer', 'cornerstone'], queryFn: () => startCornerstone().then(() => true), staleTime: Infinity, gcTime: Infinity });
  const series = useQuery({ queryKey: ['viewer', 'series', studyUid], queryFn: ({ signal }) => getDicomJson(`/studies/${studyUid}/series`, signal).then(seriesList), staleTime: Infinity });
  // One rendering engine for the page's life (its WebGL context made once): a study opened next starts at once.
  const engine = ready.data ? renderingEngine() : null;

  const [shown, setShown] = useState<Record<PaneId, string | null>>({ a: null, b: null });
  const [active, setActive] = useState<PaneId>('a');
  const [compare, setCompare] = useState(false);
  const [sync, setSync] = useState(true);
  const [tool, setTool] = useState<PrimaryTool>('windowLevel');
  const [panel, setPanel] = useState<Panel>(null);
  const [full, setFull] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  // When the study was opened: the panes measure their first image and their last from here.
  const openedAt = useRef(performance.now());
  const panes = useRef<Partial<Record<PaneId, PaneHandle>>>({});
  // A pane's handle changes (its series loaded): the toolbar's presets follow.
  const [handles, setHandles] = useState(0);
  const handle = useCallback((pane: PaneId, h: PaneHandle | null) => {
    panes.current[pane] = h ?? undefined;
    setHandles((n) => n + 1);
  }, []);

  // The thumbnails are drawn once the first image is (or could not be): they do not compete with it.
  const [firstDone, setFirstDone] = useState(false);
  const onFirstImage = useCallback(() => setFirstDone(true), []);

  // The first series opens at once; comparing opens the next one beside it.
  const list = series.data ?? [];
  useEffect(() => {
    if (list.length > 0 && !shown.a) setShown((s) => ({ ...s, a: list[0]!.uid }));
  }, [list, shown.a]);
  const openCompare = () => {
    const other = list.find((s) => s.uid !== shown.a) ?? list[0];
    setShown((s) => ({ ...s, b: s.b ?? other?.uid ?? null }));
    setCompare(true);
  };

  useEffect(() => {
    const onChange = () => setFull(document.fullscreenElement === root.current);
    document.addEventListener('fullscreenchange', onChange);
    return () => document.removeEventListener('fullscreenchange', onChange);
  }, []);
  const toggleFull = () => void (document.fullscreenElement ? document.exitFullscreen() : root.current?.requestFullscreen());

  /** Synced scrolling: the other pane follows to the nearest slice, once (its answer does not echo back). */
  const expected = useRef<Partial<Record<PaneId, number>>>({});
  // A saved measurement's image asked for in a series not shown yet: gone to once the series is there.
  const pendingImage = useRef<string | null>(null);
  const onIndex = useCallback(
    (pane: PaneId, index: number) => {
      const pending = pendingImage.current ? (panes.current[pane]?.frames().findIndex((f) => f.imageId === pendingImage.current) ?? -1) : -1;
      if (pending >= 0) {
        pendingImage.current = null;
        if (pending !== index) return panes.current[pane]!.go(pending);
      }
      if (expected.current[pane] === index) {
        delete expected.current[pane];
        return;
      }
      if (!compare || !sync) return;
      const other: PaneId = pane === 'a' ? 'b' : 'a';
      const from = panes.current[pane];
      const to = panes.current[other];
      if (!from || !to) return;
      const target = matchingIndex(from.frames(), index, to.frames());
      if (to.index() !== target) {
        expected.current[other] = target;
        to.go(target);
      }
    },
    [compare, sync],
  );

  const current = panes.current[active];
  const showImage = (seriesUid: string, imageId: string) => {
    const pane = (compare ? PANES : (['a'] as const)).find((p) => shown[p] === seriesUid && panes.current[p]);
    if (pane) {
      setActive(pane);
      return panes.current[pane]!.go(panes.current[pane]!.frames().findIndex((f) => f.imageId === imageId));
    }
    pendingImage.current = imageId;
    setShown((s) => ({ ...s, [active]: seriesUid }));
  };
  // Keys scroll the active pane wherever the focus is in the page (but in a field).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const pane = panes.current[active];
      if (!pane || (e.target as HTMLElement).closest?.('input, select, textarea') || e.altKey || e.ctrlKey || e.metaKey) return;
      const step = ({ ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1, PageDown: 10, PageUp: -10 } as Record<string, number>)[e.key];
      if (step) pane.go(pane.index() + step);
      else if (e.key === 'Home') pane.go(0);
      else if (e.key === 'End') pane.go(pane.frames().length - 1);
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [active]);

  const error = series.error ?? ready.error;

  return (
    <div className="viewer" ref={root} data-testid="viewer">
      <header className="viewer__bar">
        {back}
        {notice && (
          <p className="viewer__notice" data-testid="viewer-notice">
            {t('viewer.notice')}
          </p>
        )}
      </header>
      <Toolbar
        // Another series in the active pane: its own presets, from the image's window.
        key={`${active}-${shown[active] ?? ''}`}
        tool={tool}
        onTool={(x) => {
          setTool(x);
          for (const p of Object.values(panes.current)) p?.setTool(x);
        }}
        pane={current ?? null}
        compare={compare}
        onCompare={(on) => (on ? openCompare() : (setCompare(false), setActive('a')))}
        sync={sync}
        onSync={setSync}
        panel={panel}
        onPanel={setPanel}
        withMeasurements={!!measurements}
        full={full}
        onFull={toggleFull}
      />
      {error ? (
        <p className="viewer__message" role="alert">
          {t('viewer.loadFailed')}
        </p>
      ) : !series.data || !engine ? (
        <p className="viewer__message" role="status">
          {t('viewer.loadingStudy')}
        </p>
      ) : list.length === 0 ? (
        <p className="viewer__message">{t('viewer.noImages')}</p>
      ) : (
        <div className={`viewer__body${panel ? ' viewer__body--panel' : ''}`}>
          <Thumbnails studyUid={studyUid} series={list} selected={shown[active]} onSelect={(uid) => setShown((s) => ({ ...s, [active]: uid }))} drawn={firstDone} />
          <div className={`viewer__panes${compare ? ' viewer__panes--two' : ''}`}>
            {(compare ? PANES : (['a'] as const)).map((p) =>
              shown[p] ? (
                <Pane
                  key={`${p}-${shown[p]}`}
                  id={p}
                  engine={engine}
                  studyUid={studyUid}
                  series={list.find((s) => s.uid === shown[p]) ?? list[0]!}
                  tool={tool}
                  active={p === active}
                  flag={flag}
                  openedAt={openedAt.current}
                  onActivate={() => setActive(p)}
                  onIndex={(i) => onIndex(p, i)}
                  onFirstImage={onFirstImage}
                  handle={handle}
                />
              ) : null,
            )}
          </div>
          {panel === 'metadata' && current && <MetadataPanel header={current.header()} />}
          {panel === 'measurements' && measurements?.({ series: list, panes: () => Object.values(panes.current).filter((p) => !!p), loaded: handles, onShow: showImage })}
        </div>
      )}
      <p className="viewer__help">{t('viewer.help')}</p>
    </div>
  );
}

/** What the page does to a pane: tools, presets, scrolling. */
interface PaneHandle {
  viewport: () => StackViewport | null;
  frames: () => Frame[];
  index: () => number;
  go: (index: number) => void;
  header: () => DicomJson | null;
  setTool: (tool: PrimaryTool) => void;
  modality: () => string | null;
  suv: () => boolean;
  cine: (fps: number | null) => void;
}

function Toolbar(props: {
  tool: PrimaryTool;
  onTool: (t: PrimaryTool) => void;
  pane: PaneHandle | null;
  compare: boolean;
  onCompare: (on: boolean) => void;
  sync: boolean;
  onSync: (on: boolean) => void;
  panel: Panel;
  onPanel: (panel: Panel) => void;
  withMeasurements: boolean;
  full: boolean;
  onFull: () => void;
}) {
  const { t } = useTranslation();
  const { pane } = props;
  const [preset, setPreset] = useState<PresetId | ''>('');
  const [playing, setPlaying] = useState(false);
  const [fps, setFps] = useState(12);
  const vp = () => pane?.viewport() ?? null;
  const apply = (change: (v: StackViewport) => void) => {
    const v = vp();
    if (!v) return;
    change(v);
    v.render();
  };
  const presets = pane ? presetsFor(pane.modality(), pane.suv()) : [];
  const choosePreset = (value: PresetId | '') => {
    setPreset(value);
    apply((v) => {
      const p = presets.find((x) => x.id === value);
      const own = pane?.header() && headerWindow(pane.header()!);
      if (p) v.setProperties({ voiRange: voiOf(p) });
      else if (own && !pane?.suv()) v.setProperties({ voiRange: voiOf(own) });
      else v.resetProperties();
    });
  };
  const cine = (on: boolean, speed = fps) => {
    setPlaying(on);
    pane?.cine(on ? speed : null);
  };
  const button = (label: string, onClick: () => void, extra: Record<string, unknown> = {}) => (
    <button type="button" className="viewer__button" onClick={onClick} {...extra}>
      {label}
    </button>
  );
  return (
    <div className="viewer__tools" role="toolbar" aria-label={t('viewer.toolsLabel')}>
      <span className="viewer__group">
        {(Object.keys(PRIMARY_TOOLS) as PrimaryTool[]).map((x) => button(t(`viewer.tools.${x}`), () => props.onTool(x), { key: x, 'aria-pressed': props.tool === x, 'data-tool': x }))}
      </span>
      <label className="viewer__group">
        <span className="visually-hidden">{t('viewer.preset')}</span>
        <select className="viewer__select" value={preset} onChange={(e) => choosePreset(e.currentTarget.value as PresetId | '')} data-testid="viewer-preset" aria-label={t('viewer.preset')}>
          <option value="">{t('viewer.presetImage')}</option>
          {presets.map((p) => (
            <option key={p.id} value={p.id}>
              {t(`viewer.presets.${p.id}`)}
            </option>
          ))}
        </select>
      </label>
      <span className="viewer__group">
        {button(t('viewer.rotate'), () => apply((v) => v.setViewPresentation({ rotation: ((v.getViewPresentation().rotation ?? 0) + 90) % 360 })))}
        {button(t('viewer.flipHorizontal'), () => apply((v) => v.setCamera({ flipHorizontal: !v.getCamera().flipHorizontal })))}
        {button(t('viewer.flipVertical'), () => apply((v) => v.setCamera({ flipVertical: !v.getCamera().flipVertical })))}
        {button(t('viewer.invert'), () => apply((v) => v.setProperties({ invert: !v.getProperties().invert })), { 'data-testid': 'viewer-invert' })}
        {button(t('viewer.reset'), () => {
          setPreset('');
          apply((v) => {
            v.resetCamera();
            v.resetProperties();
          });
        })}
        {button(t('viewer.clearMeasurements'), () => {
          annotation.state.removeAllAnnotations();
          apply(() => undefined);
        })}
      </span>
      <span className="viewer__group">
        {button(playing ? t('viewer.cineStop') : t('viewer.cinePlay'), () => cine(!playing), { 'aria-pressed': playing, 'data-testid': 'viewer-cine' })}
        <label className="viewer__fps">
          <span className="visually-hidden">{t('viewer.cineSpeed')}</span>
          <input
            type="number"
            className="viewer__select"
            min={1}
            max={60}
            value={fps}
            aria-label={t('viewer.cineSpeed')}
            onChange={(e) => {
              const n = Math.min(60, Math.max(1, Number(e.currentTarget.value) || 1));
              setFps(n);
              if (playing) cine(true, n);
            }}
          />
        </label>
      </span>
      <span className="viewer__group">
        {button(props.compare ? t('viewer.compareOff') : t('viewer.compare'), () => props.onCompare(!props.compare), { 'aria-pressed': props.compare, 'data-testid': 'viewer-compare' })}
        {props.compare && (
          <label className="viewer__check">
            <input type="checkbox" checked={props.sync} onChange={(e) => props.onSync(e.currentTarget.checked)} /> {t('viewer.sync')}
          </label>
        )}
        {button(t('viewer.metadata'), () => props.onPanel(props.panel === 'metadata' ? null : 'metadata'), { 'aria-pressed': props.panel === 'metadata', 'data-testid': 'viewer-metadata' })}
        {props.withMeasurements &&
          button(t('viewer.measurementsPanel'), () => props.onPanel(props.panel === 'measurements' ? null : 'measurements'), { 'aria-pressed': props.panel === 'measurements', 'data-testid': 'viewer-measurements-toggle' })}
        {button(props.full ? t('viewer.exitFullScreen') : t('viewer.fullScreen'), props.onFull)}
      </span>
    </div>
  );
}

/** Each series as a small picture (its middle image, once `drawn`), its number and size; a click shows it in the active pane. */
function Thumbnails({ studyUid, series, selected, onSelect, drawn }: { studyUid: string; series: SeriesInfo[]; selected: string | null; onSelect: (uid: string) => void; drawn: boolean }) {
  const { t } = useTranslation();
  return (
    <nav className="viewer__thumbs" aria-label={t('viewer.seriesTitle')}>
      <ul>
        {series.map((s) => (
          <li key={s.uid}>
            <button type="button" className="viewer__thumb" aria-pressed={s.uid === selected} onClick={() => onSelect(s.uid)} data-testid="viewer-thumb">
              <Thumbnail studyUid={studyUid} seriesUid={s.uid} drawn={drawn} />
              <span>{s.number !== null ? t('viewer.seriesLabel', { number: s.number }) : s.description}</span>
              <span className="viewer__thumb-sub">{s.instances !== null ? t('viewer.seriesImages', { modality: s.modality ?? '', count: s.instances }) : s.modality}</span>
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** A series' middle image, small; where it cannot be read or decoded, words saying so instead of a black square. */
function Thumbnail({ studyUid, seriesUid, drawn }: { studyUid: string; seriesUid: string; drawn: boolean }) {
  const { t } = useTranslation();
  const canvas = useRef<HTMLCanvasElement>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (!drawn) return;
    const abort = new AbortController();
    void (async () => {
      const instances = await getDicomJson(`/studies/${studyUid}/series/${seriesUid}/instances`, abort.signal);
      const sorted = [...instances].sort((a, b) => (num(a, TAG.InstanceNumber) ?? 0) - (num(b, TAG.InstanceNumber) ?? 0));
      const middle = text(sorted[Math.floor(sorted.length / 2)] ?? {}, TAG.SOPInstanceUID);
      if (!middle || abort.signal.aborted) return;
      const header = await getDicomJson(`/studies/${studyUid}/series/${seriesUid}/instances/${middle}/metadata`, abort.signal);
      const frames = framesOf(studyUid, seriesUid, header);
      if (!frames[0] || !canvas.current || abort.signal.aborted) return;
      registerFrames(frames);
      // Drawn on the CPU: a small picture needs no WebGL context of its own.
      await coreUtilities.loadImageToCanvas({ canvas: canvas.current, imageId: frames[0].imageId, thumbnail: true, useCPURendering: true, requestType: Enums.RequestType.Thumbnail });
    })().catch(() => {
      if (!abort.signal.aborted) setFailed(true);
    });
    return () => abort.abort();
  }, [studyUid, seriesUid, drawn]);
  if (failed)
    return (
      <span className="viewer__thumb-canvas viewer__thumb-failed" data-testid="viewer-thumb-failed">
        {t('viewer.thumbnailFailed')}
      </span>
    );
  return <canvas ref={canvas} className="viewer__thumb-canvas" width={96} height={96} aria-hidden="true" />;
}

interface PaneProps {
  id: PaneId;
  engine: RenderingEngine;
  studyUid: string;
  series: SeriesInfo;
  tool: PrimaryTool;
  active: boolean;
  flag: string | null;
  /** performance.now() when the study was opened. */
  openedAt: number;
  onActivate: () => void;
  onIndex: (index: number) => void;
  /** The first image is drawn, or could not be. */
  onFirstImage: () => void;
  handle: (pane: PaneId, h: PaneHandle | null) => void;
}

/** One stack: the series' frames in a Cornerstone viewport, its corners, its slider and its loading bar. */
function Pane({ id, engine, studyUid, series, tool, active, flag, openedAt, onActivate, onIndex, onFirstImage, handle }: PaneProps) {
  const { t } = useTranslation();
  const element = useRef<HTMLDivElement>(null);
  const viewportId = `viewer-${id}`;
  const [frames, setFrames] = useState<Frame[] | null>(null);
  const [failed, setFailed] = useState(false);
  const [view, setView] = useState<ViewState>({ index: 0, total: 0, voi: null, zoom: 1, suv: false });
  const [loaded, setLoaded] = useState(0);
  const [failedImages, setFailedImages] = useState(0);
  // The index of an image asked for that could not be shown (the viewport shows the one before).
  const [broken, setBroken] = useState<number | null>(null);
  const [first, setFirst] = useState(false);
  const indexRef = useRef(0);
  const onIndexRef = useRef(onIndex);
  onIndexRef.current = onIndex;

  // The stack: its order from the search, the first image as soon as its own header is here; the
  // other headers, then the other images, in the background. Scrolling waits for the headers (an
  // image is decoded by its header).
  const ready = useRef(false);
  const [scrollable, setScrollable] = useState(false);
  const wanted = useRef<number | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    const el = element.current!;
    const path = `/studies/${studyUid}/series/${series.uid}`;
    let vp: StackViewport | null = null;
    ready.current = false;
    void (async () => {
      const listed = orderedBySearch(studyUid, series.uid, await getDicomJson(`${path}/instances`, abort.signal));
      let fs: Frame[];
      if (listed) {
        const [head] = await getDicomJson(instanceMetadataPath(studyUid, series.uid, listed[0]!), abort.signal);
        if (!head) throw new Error('no header');
        fs = listed.map((f) => (f.instance === listed[0]!.instance ? { ...f, instance: head } : f));
      } else fs = framesOf(studyUid, series.uid, await getDicomJson(`${path}/metadata`, abort.signal));
      if (abort.signal.aborted) return;
      const withHeader = (f: Frame) => !listed || f.instance === fs[0]!.instance;
      registerFrames(fs.filter(withHeader));
      setFrames(fs);
      if (fs.length === 0) return onFirstImage();
      engine.enableElement({ viewportId, type: Enums.ViewportType.STACK, element: el, defaultOptions: { background: [0, 0, 0] as Types.Point3 } });
      vp = engine.getViewport(viewportId) as StackViewport;
      createToolGroup(viewportId, tool, false).addViewport(viewportId, ENGINE_ID);
      // The first image counts once it is drawn (in the animation frame after render()): then it is
      // timed, since the study was opened and since the page itself was (a cold start: bundle and
      // codecs on the way), and the thumbnails may come. The rest does not wait for the draw.
      const drawn = () => {
        if (abort.signal.aborted) return;
        el.dataset.firstImageMs = String(Math.round(performance.now() - openedAt));
        el.dataset.firstImageSinceLoadMs = String(Math.round(performance.now()));
        setFirst(true);
        onFirstImage();
      };
      el.addEventListener(Enums.Events.IMAGE_RENDERED, drawn, { once: true });
      await vp.setStack(fs.map((f) => f.imageId), 0);
      if (abort.signal.aborted) return;
      const own = headerWindow(fs[0]!.instance);
      const suv = suvFactor(fs[0]!.instance) !== null;
      if (own && !suv) vp.setProperties({ voiRange: voiOf(own) });
      vp.render();
      setView((v) => ({ ...v, total: fs.length, suv, voi: vp!.getProperties().voiRange ?? null, zoom: vp!.getZoom() }));
      if (!fs.every(withHeader)) {
        // The other headers: the same frames, in the same order but where the headers tell otherwise.
        const all = framesOf(studyUid, series.uid, await getDicomJson(`${path}/metadata`, abort.signal));
        if (abort.signal.aborted) return;
        registerFrames(all);
        const shownId = fs[vp.getCurrentImageIdIndex()]?.imageId;
        const reordered = all.length !== fs.length || all.some((f, i) => f.imageId !== fs[i]!.imageId);
        fs = all;
        setFrames(all);
        if (reordered) {
          await vp.setStack(all.map((f) => f.imageId), Math.max(0, all.findIndex((f) => f.imageId === shownId)));
          if (own && !suv) vp.setProperties({ voiRange: voiOf(own) });
          vp.render();
        }
      }
      ready.current = true;
      setScrolling(viewportId, true);
      setScrollable(true);
      setView((v) => ({ ...v, total: fs.length }));
      if (wanted.current !== null) void vp.setImageIdIndex(Math.max(0, Math.min(fs.length - 1, wanted.current)));
      wanted.current = null;
      await prefetch(
        fs.map((f) => f.imageId),
        (done, failed) => (setLoaded(done), setFailedImages(failed)),
        abort.signal,
      );
      if (!abort.signal.aborted) el.dataset.allLoadedMs = String(Math.round(performance.now() - openedAt));
    })().catch(() => {
      if (abort.signal.aborted) return;
      setFailed(true);
      onFirstImage();
    });

    // An image that cannot be shown (not fetched, not decoded): the viewport keeps the one before, so say so.
    const onLoadError = (e: Event) => {
      const { imageId } = (e as CustomEvent<{ imageId?: string }>).detail ?? {};
      const index = vp && imageId ? vp.getImageIds().indexOf(imageId) : -1;
      if (index >= 0) setBroken(index);
    };
    const onNewImage = (e: Event) => {
      const { imageIdIndex } = (e as CustomEvent<{ imageIdIndex: number }>).detail;
      setBroken(null);
      indexRef.current = imageIdIndex;
      setView((v) => ({ ...v, index: imageIdIndex }));
      onIndexRef.current(imageIdIndex);
    };
    const onVoi = (e: Event) => setView((v) => ({ ...v, voi: (e as CustomEvent<{ range: VoiRange }>).detail.range }));
    const onCamera = () => vp && setView((v) => ({ ...v, zoom: vp!.getZoom() }));
    el.addEventListener(Enums.Events.STACK_NEW_IMAGE, onNewImage);
    eventTarget.addEventListener(Enums.Events.IMAGE_LOAD_ERROR, onLoadError);
    el.addEventListener(Enums.Events.VOI_MODIFIED, onVoi);
    el.addEventListener(Enums.Events.CAMERA_MODIFIED, onCamera);
    const resize = new ResizeObserver(() => !engine.hasBeenDestroyed && engine.getViewport(viewportId) && engine.resize(true, false));
    resize.observe(el);
    return () => {
      abort.abort();
      resize.disconnect();
      el.removeEventListener(Enums.Events.STACK_NEW_IMAGE, onNewImage);
      eventTarget.removeEventListener(Enums.Events.IMAGE_LOAD_ERROR, onLoadError);
      el.removeEventListener(Enums.Events.VOI_MODIFIED, onVoi);
      el.removeEventListener(Enums.Events.CAMERA_MODIFIED, onCamera);
      toolUtilities.cine.stopClip(el);
      // Leaving the page: the engine may be gone already, with its viewports.
      if (!engine.hasBeenDestroyed && engine.getViewport(viewportId)) engine.disableElement(viewportId);
    };
    // The tool in use is read once, at creation; later changes go through setTool.
  }, [engine, studyUid, series.uid, viewportId]);

  const go = useCallback(
    (index: number) => {
      const vp = engine.getViewport(viewportId) as StackViewport | undefined;
      if (!vp || !frames?.length) return;
      // Before the headers are here: gone to once they are.
      if (!ready.current) wanted.current = index;
      else void vp.setImageIdIndex(Math.max(0, Math.min(frames.length - 1, index)));
    },
    [engine, viewportId, frames],
  );

  useEffect(() => {
    handle(id, {
      viewport: () => (engine.getViewport(viewportId) as StackViewport | undefined) ?? null,
      frames: () => frames ?? [],
      index: () => indexRef.current,
      go,
      header: () => frames?.[indexRef.current]?.instance ?? null,
      setTool: (x) => setPrimaryTool(viewportId, x),
      modality: () => series.modality ?? (frames?.[0] ? text(frames[0].instance, TAG.Modality) : null),
      suv: () => view.suv,
      cine: (fps) => {
        if (!element.current || !ready.current) return;
        if (fps) toolUtilities.cine.playClip(element.current, { framesPerSecond: fps, loop: true });
        else toolUtilities.cine.stopClip(element.current);
      },
    });
    return () => handle(id, null);
  }, [handle, id, engine, viewportId, frames, go, series.modality, view.suv]);

  const header = frames?.[view.index]?.instance;
  const corners = header ? cornerText(header, view, t, (d) => formatDate(d, currentLocale())) : null;
  const total = frames?.length ?? 0;
  return (
    <section className={`viewer__pane${active ? ' viewer__pane--active' : ''}`} onPointerDown={onActivate} onFocus={onActivate} data-testid="viewer-pane" data-index={view.index} data-loaded={loaded} data-total={total}>
      <div ref={element} className="viewer__canvas" tabIndex={0} role="img" aria-label={t('viewer.viewport', { number: series.number ?? '' })} onContextMenu={(e) => e.preventDefault()} data-testid="viewer-canvas" />
      {corners && (
        <>
          <Corner where="top-left" lines={corners.topLeft} flag={flag} />
          <Corner where="top-right" lines={corners.topRight} />
          <Corner where="bottom-left" lines={corners.bottomLeft} />
          <Corner where="bottom-right" lines={corners.bottomRight} />
        </>
      )}
      {failed ? (
        <p className="viewer__pane-message" role="alert">
          {t('viewer.loadFailed')}
        </p>
      ) : !first ? (
        <p className="viewer__pane-message" role="status">
          {t('viewer.loadingStudy')}
        </p>
      ) : null}
      {broken !== null && (
        <p className="viewer__pane-message viewer__pane-message--error" role="alert" data-testid="viewer-image-failed">
          {t('viewer.imageFailed', { index: broken + 1 })}
        </p>
      )}
      {failedImages > 0 && (
        <p className="viewer__failed" role="alert" data-testid="viewer-images-failed">
          {t('viewer.imagesFailed', { count: failedImages })}
        </p>
      )}
      {first && loaded < total && (
        <div className="viewer__loading" role="status" data-testid="viewer-loading">
          <progress max={total} value={loaded} aria-hidden="true" />
          <span>{t('viewer.loadingImages', { loaded, total })}</span>
        </div>
      )}
      {total > 1 && (
        <input
          type="range"
          className="viewer__slider"
          min={0}
          max={total - 1}
          value={view.index}
          onChange={(e) => go(Number(e.currentTarget.value))}
          disabled={!scrollable}
          aria-label={t('viewer.slice')}
          aria-valuetext={t('viewer.overlay.image', { index: view.index + 1, total })}
          data-testid="viewer-slider"
        />
      )}
    </section>
  );
}

function Corner({ where, lines, flag = null }: { where: string; lines: string[]; flag?: string | null }) {
  return (
    <div className={`viewer__corner viewer__corner--${where}`} data-testid={`viewer-corner-${where}`}>
      {lines.map((l, i) => (
        <span key={i}>{l}</span>
      ))}
      {flag && (
        <strong className="viewer__flag" data-testid="viewer-wrong-patient">
          {flag}
        </strong>
      )}
    </div>
  );
}

/** Standard keywords of the tags the viewer reads by name, for the header panel. */
const KEYWORDS = new Map<string, string>(Object.entries(TAG).map(([k, v]) => [v, k]));

/** The frame's header, every element: tag, keyword where known, VR, value. */
function MetadataPanel({ header }: { header: DicomJson | null }) {
  const { t } = useTranslation();
  const [filter, setFilter] = useState('');
  const rows = Object.entries(header ?? {})
    .map(([tag, el]) => {
      const value = el?.BulkDataURI || el?.InlineBinary ? t('viewer.metadataBinary') : el?.vr === 'SQ' ? t('viewer.metadataSequence', { count: el.Value?.length ?? 0 }) : (el?.Value ?? []).map((v) => (typeof v === 'object' && v ? ((v as { Alphabetic?: string }).Alphabetic ?? '') : String(v))).join(' \\ ');
      return { tag: `(${tag.slice(0, 4)},${tag.slice(4)})`, keyword: KEYWORDS.get(tag) ?? '', vr: el?.vr ?? '', value };
    })
    .filter((r) => !filter || `${r.tag} ${r.keyword} ${r.value}`.toLowerCase().includes(filter.toLowerCase()));
  return (
    <aside className="viewer__panel" aria-label={t('viewer.metadataTitle')} data-testid="viewer-metadata-panel">
      <h2>{t('viewer.metadataTitle')}</h2>
      <input type="search" className="viewer__select" value={filter} onChange={(e) => setFilter(e.currentTarget.value)} aria-label={t('viewer.metadataFilter')} placeholder={t('viewer.metadataFilter')} />
      <table>
        <tbody>
          {rows.map((r) => (
            <tr key={r.tag}>
              <th scope="row">
                {r.tag}
                {r.keyword && <span className="viewer__keyword">{r.keyword}</span>}
              </th>
              <td>{r.vr}</td>
              <td>{r.value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </aside>
  );
}
