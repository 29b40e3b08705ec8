import { cache, getConfiguration, getEnabledElement, imageLoader, init as initCore, metaData, RenderingEngine, type StackViewport, type Types } from '@cornerstonejs/core';
import { init as initLoader, wadors } from '@cornerstonejs/dicom-image-loader';
import {
  addTool,
  AngleTool,
  BaseTool,
  Enums as ToolEnums,
  EllipticalROITool,
  init as initTools,
  LengthTool,
  PanTool,
  StackScrollTool,
  ToolGroupManager,
  WindowLevelTool,
  ZoomTool,
  type Types as ToolTypes,
} from '@cornerstonejs/tools';
import i18next, { type TFunction } from 'i18next';
import { dicomwebHeaders, type Frame } from './dicom.ts';
import { roiLines, type RoiStats } from './overlay.ts';
import { suvFactor } from './presets.ts';

/*
 * Cornerstone3D, set up once per page load: the renderer, the DICOMweb (WADO-RS) image loader with
 * its decoders in web workers (their WebAssembly codecs are files of this build), and the tools.
 * Only the viewer's route imports this module.
 */

/** The tools a user picks for the primary button (and one finger). */
export const PRIMARY_TOOLS = {
  windowLevel: WindowLevelTool.toolName,
  pan: PanTool.toolName,
  zoom: ZoomTool.toolName,
  length: LengthTool.toolName,
  angle: AngleTool.toolName,
  ellipse: EllipticalROITool.toolName,
} as const;
export type PrimaryTool = keyof typeof PRIMARY_TOOLS;

/**
 * Two fingers: the image follows them as on a phone's photo viewer (zoom by the change in their
 * distance, pan by their midpoint's move). Cornerstone's own pinch zooms several times faster than
 * the fingers move.
 */
class PinchTool extends BaseTool {
  static toolName = 'Pinch';
  constructor(props = {}) {
    super(props, { supportedInteractionTypes: ['Touch'] });
  }
  touchDragCallback(evt: ToolTypes.EventTypes.TouchDragEventType) {
    const { element, currentPointsList: now, lastPointsList: before } = evt.detail;
    if (now.length < 2 || before.length < 2) return;
    const viewport = getEnabledElement(element)?.viewport as StackViewport | undefined;
    if (!viewport) return;
    const spread = (l: typeof now) => Math.hypot(l[0]!.canvas[0] - l[1]!.canvas[0], l[0]!.canvas[1] - l[1]!.canvas[1]);
    const middle = (l: typeof now): Types.Point2 => [(l[0]!.canvas[0] + l[1]!.canvas[0]) / 2, (l[0]!.canvas[1] + l[1]!.canvas[1]) / 2];
    const from = viewport.canvasToWorld(middle(before));
    const to = viewport.canvasToWorld(middle(now));
    const { focalPoint, position } = viewport.getCamera();
    const shift = [from[0] - to[0], from[1] - to[1], from[2] - to[2]];
    viewport.setCamera({
      focalPoint: focalPoint!.map((v, i) => v + shift[i]!) as Types.Point3,
      position: position!.map((v, i) => v + shift[i]!) as Types.Point3,
    });
    const ratio = spread(now) / Math.max(1, spread(before));
    viewport.setZoom(Math.min(50, Math.max(0.1, viewport.getZoom() * ratio)));
    viewport.render();
  }
}

/** SUV factors by image ID (PET series whose header allows SUV), read by Cornerstone's scaling. */
const suvByImageId = new Map<string, number>();

let ready: Promise<void> | null = null;

export const ENGINE_ID = 'kakehashi-viewer';
let engine: RenderingEngine | null = null;
/** The page's rendering engine, made once (after startCornerstone) and kept: its WebGL context and shaders serve every study opened. */
export function renderingEngine(): RenderingEngine {
  if (!engine || engine.hasBeenDestroyed) engine = new RenderingEngine(ENGINE_ID);
  return engine;
}

/** Starts Cornerstone (once); resolves when images can be loaded and shown. */
export function startCornerstone(): Promise<void> {
  ready ??= (async () => {
    // One WebGL context (Cornerstone makes seven by default): two panes at most share it, and
    // each context costs its making (some 30 ms where WebGL runs in software).
    const config = getConfiguration();
    initCore({ ...config, rendering: { ...config.rendering, webGlContextCount: 1 } });
    // A few decoders at once: enough to keep the network busy, leaving a core for the page. Each
    // request carries the portal's token when the patient opens their images (dicomwebHeaders).
    initLoader({ maxWebWorkers: Math.max(1, Math.min(4, (navigator.hardwareConcurrency || 2) - 1)), beforeSend: () => dicomwebHeaders() });
    initTools();
    metaData.addProvider((type: string, imageId: string) => {
      const suvbw = type === 'scalingModule' ? suvByImageId.get(imageId) : undefined;
      return suvbw === undefined ? undefined : { suvbw };
    }, 10_000);
    for (const tool of [WindowLevelTool, PanTool, ZoomTool, PinchTool, StackScrollTool, LengthTool, AngleTool, EllipticalROITool]) addTool(tool);
    renderingEngine();
  })();
  return ready;
}

/** Makes a series' frames loadable: their headers go to the loader's metadata (and PET's SUV factor to the scaling). */
export function registerFrames(frames: Frame[]): void {
  for (const f of frames) {
    if (wadors.metaDataManager.get(f.imageId)) continue;
    wadors.metaDataManager.add(f.imageId, f.instance as Parameters<typeof wadors.metaDataManager.add>[1]);
    const suv = suvFactor(f.instance);
    if (suv !== null) suvByImageId.set(f.imageId, suv);
  }
}

/**
 * A study opened by its address (a cold start): Cornerstone is started and the first image (from
 * openStudyEarly) fetched and decoded into its cache while the console around the viewer renders;
 * the viewer then finds it there.
 */
export async function preloadFirstImage(first: Promise<Frame | null>): Promise<void> {
  await startCornerstone();
  const frame = await first;
  if (!frame) return;
  registerFrames([frame]);
  // A failure is the viewer's to show when it asks for the image itself.
  await imageLoader.loadAndCacheImage(frame.imageId).catch(() => undefined);
}

/**
 * Loads every frame into the cache, a few at a time, telling how many are done so far and how many
 * of them failed (could not be fetched or decoded; the first shown is loaded by the viewport itself).
 * Stops when `signal` aborts.
 */
export async function prefetch(imageIds: string[], onLoaded: (done: number, failed: number) => void, signal: AbortSignal, parallel = 6): Promise<void> {
  let next = 0;
  let done = 0;
  let failed = 0;
  const worker = async () => {
    while (next < imageIds.length && !signal.aborted) {
      const id = imageIds[next++]!;
      if (!cache.isLoaded(id)) await imageLoader.loadAndCacheImage(id).catch(() => failed++);
      if (!signal.aborted) onLoaded(++done, failed);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

type ToolGroup = NonNullable<ReturnType<typeof ToolGroupManager.getToolGroup>>;
const { Primary, Auxiliary, Secondary, Wheel } = ToolEnums.MouseBindings;

/**
 * A tool group for one viewport: the chosen tool on the primary button and one finger, pan on the
 * middle button, zoom on the right one, pinch (zoom and pan) on two fingers, scrolling on the wheel
 * (once `scrolling`: setScrolling); measurements not chosen stay drawn (passive).
 */
export function createToolGroup(id: string, primary: PrimaryTool, scrolling = true): ToolGroup {
  ToolGroupManager.destroyToolGroup(id);
  const group = ToolGroupManager.createToolGroup(id)!;
  const configuration: Record<string, Record<string, unknown>> = {
    [ZoomTool.toolName]: { pinchToZoom: false },
    // The ellipse's label in the page's language (Cornerstone writes English).
    [EllipticalROITool.toolName]: { getTextLines: (data: { cachedStats: Record<string, RoiStats> }, target: string) => roiLines(data.cachedStats[target], i18next.t as TFunction) },
  };
  for (const name of Object.values(PRIMARY_TOOLS)) group.addTool(name, configuration[name]);
  group.addTool(StackScrollTool.toolName);
  group.addTool(PinchTool.toolName);
  for (const name of [LengthTool.toolName, AngleTool.toolName, EllipticalROITool.toolName, WindowLevelTool.toolName]) group.setToolPassive(name);
  group.setToolActive(PanTool.toolName, { bindings: [{ mouseButton: Auxiliary }] });
  group.setToolActive(ZoomTool.toolName, { bindings: [{ mouseButton: Secondary }] });
  group.setToolActive(PinchTool.toolName, { bindings: [{ numTouchPoints: 2 }] });
  setScrolling(group, scrolling);
  setPrimaryTool(group, primary);
  return group;
}

/** Scrolling by the wheel on or off (off while the images' headers are still on their way: an image is decoded by its header). */
export function setScrolling(which: ToolGroup | string, on: boolean): void {
  const group = typeof which === 'string' ? ToolGroupManager.getToolGroup(which) : which;
  if (!group) return;
  if (on) group.setToolActive(StackScrollTool.toolName, { bindings: [{ mouseButton: Wheel }] });
  else group.setToolDisabled(StackScrollTool.toolName);
}

/** Puts this tool on the primary button (and one finger) of a tool group (by its ID, or itself), taking it from the one there. */
export function setPrimaryTool(which: ToolGroup | string, primary: PrimaryTool): void {
  const group = typeof which === 'string' ? ToolGroupManager.getToolGroup(which) : which;
  if (!group) return;
  const current = group.getActivePrimaryMouseButtonTool();
  if (current) group.setToolPassive(current);
  group.setToolActive(PRIMARY_TOOLS[primary], { bindings: [{ mouseButton: Primary }] });
}
