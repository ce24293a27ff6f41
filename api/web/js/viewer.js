// The PDF viewer beside the answer: pdf.js renders one page on a canvas with its text
// layer above it, and a quote is highlighted by wrapping its characters in <mark>.

import { documentFile } from "./api.js";
import { highlight } from "./highlight.js";

// pdf.js (400 KB) is loaded on the first citation opened, not with the page.
let pdfjs = null;
async function library() {
  if (!pdfjs) {
    pdfjs = await import("/web/vendor/pdfjs/pdf.min.mjs");
    pdfjs.GlobalWorkerOptions.workerSrc = "/web/vendor/pdfjs/pdf.worker.min.mjs";
  }
  return pdfjs;
}

const $ = (id) => document.getElementById(id);
const loaded = new Map(); // document id -> Promise<PDFDocumentProxy>
const passwords = new Map(); // document id -> password typed at upload (memory only)
let current = { id: null, doc: null, page: 1, quote: "", filename: "" };
let rendering = Promise.resolve();
let opener = null;
let shown = 0; // the latest show(): an earlier one still loading must not draw over it
// Zoom over the fitted width, kept for the tab: pages of every document open at it.
const ZOOMS = [0.5, 0.75, 1, 1.25, 1.5, 2, 3];
let zoom = 1;

export function rememberPassword(id, password) {
  if (password) passwords.set(id, password);
}

/** Forget a deleted document's PDF; close the viewer if it shows it. */
export function forget(id) {
  loaded.delete(id);
  passwords.delete(id);
  if (current.id === id) close();
}

/** The viewer follows the answer on screen: its first citation (`cited`), or, with none,
 * it closes; a closed viewer stays closed (the reader opens it with a citation). */
export function follow(cited) {
  if ($("viewer").hidden) return;
  if (cited) show(cited, { focus: false });
  else close(false);
}

/** A new question is on its way: the previous answer's highlight goes. */
export function clearQuote() {
  if ($("viewer").hidden) return;
  current = { ...current, quote: "", citedQuote: "" };
  for (const mark of document.querySelectorAll("#viewer mark.hl")) mark.replaceWith(mark.textContent);
  $("viewer-note").textContent = "A new question: its answer's first citation opens here.";
}

/** Show `page` of document `id`, with `quote` (if any) highlighted on it; `focus` puts
 * the keyboard on the page (a citation opened), not when the viewer follows an answer. */
export async function show({ id, filename, page, quote = "" }, { focus = true } = {}) {
  const viewer = $("viewer");
  if (focus) opener = document.activeElement; // focus goes back there when the viewer closes
  viewer.hidden = false;
  document.body.classList.add("viewing");
  $("viewer-title").textContent = filename;
  $("viewer-note").textContent = "Opening the PDF…";
  const ticket = ++shown;
  try {
    const doc = await open(id);
    if (ticket !== shown) return;
    const cited = clamp(page, doc.numPages);
    current = { id, doc, page: cited, quote, filename, cited, citedQuote: quote };
    await draw();
    viewer.scrollIntoView({ block: "nearest" });
    // Keyboard users land on the page: arrows turn it, Escape closes it.
    if (focus) $("viewer-scroll").focus({ preventScroll: true });
  } catch (exc) {
    $("viewer-note").textContent = `The PDF could not be shown: ${exc.message}`;
  }
}

function close(restoreFocus = true) {
  $("viewer").hidden = true;
  if (restoreFocus) opener?.focus?.();
  document.body.classList.remove("viewing");
  current = { id: null, doc: null, page: 1, quote: "", filename: "" };
}

function clamp(page, pages) {
  return Math.min(Math.max(1, page | 0), pages);
}

function open(id) {
  if (!loaded.has(id)) {
    const promise = Promise.all([documentFile(id), library()]).then(([data]) => {
      const task = pdfjs.getDocument({
        data,
        password: passwords.get(id),
        isEvalSupported: false,
        standardFontDataUrl: "/web/vendor/pdfjs/standard_fonts/",
      });
      task.onPassword = (update, reason) => askPassword(id, update, reason);
      return task.promise;
    });
    promise.catch(() => loaded.delete(id));
    loaded.set(id, promise);
  }
  return loaded.get(id);
}

function askPassword(id, update, reason) {
  const form = $("viewer-password");
  const input = $("viewer-password-input");
  form.hidden = false;
  $("viewer-note").textContent =
    reason === pdfjs.PasswordResponses.INCORRECT_PASSWORD ? "That password does not open it." : "";
  input.value = "";
  input.focus();
  form.onsubmit = (e) => {
    e.preventDefault();
    form.hidden = true;
    passwords.set(id, input.value);
    update(input.value);
  };
}

async function draw() {
  rendering = rendering.then(drawNow, drawNow);
  return rendering;
}

async function drawNow() {
  const { doc, page: number, quote } = current;
  if (!doc) return;
  const page = await doc.getPage(number);
  const box = $("viewer-page-box");
  const width = Math.max(280, $("viewer-scroll").clientWidth - 16);
  const scale = (zoom * width) / page.getViewport({ scale: 1 }).width;
  const viewport = page.getViewport({ scale });
  const ratio = window.devicePixelRatio || 1;
  const canvas = $("viewer-canvas");
  canvas.width = Math.floor(viewport.width * ratio);
  canvas.height = Math.floor(viewport.height * ratio);
  canvas.style.width = `${Math.floor(viewport.width)}px`;
  canvas.style.height = `${Math.floor(viewport.height)}px`;
  box.style.setProperty("--scale-factor", String(scale));
  box.style.setProperty("--total-scale-factor", String(scale));
  box.style.setProperty("--user-unit", "1");
  box.style.width = canvas.style.width;
  box.style.height = canvas.style.height;
  const transform = ratio !== 1 ? [ratio, 0, 0, ratio, 0, 0] : null;
  await page.render({ canvasContext: canvas.getContext("2d"), viewport, transform }).promise;
  const layer = $("viewer-text");
  layer.replaceChildren();
  const text = new pdfjs.TextLayer({
    textContentSource: await page.getTextContent(),
    container: layer,
    viewport,
  });
  await text.render();
  const pages = doc.numPages;
  $("viewer-page").textContent = `Page ${number} of ${pages}`;
  $("viewer").dataset.page = String(number);
  $("viewer-prev").disabled = number <= 1;
  $("viewer-next").disabled = number >= pages;
  showZoom();
  $("viewer-note").textContent = quote ? note(highlight(text.textDivs, quote)) : "";
  $("viewer").dataset.ready = "true";
}

function note(found) {
  if (found === "exact") return "The quote is highlighted.";
  if (found === "partial") return "The start of the quote is highlighted (the PDF's text differs after it).";
  return "The quote was not found in this page's text layer; it is in the page's extracted text.";
}

function showZoom() {
  $("viewer-zoom-fit").textContent = `${Math.round(zoom * 100)}%`;
  $("viewer-zoom-out").disabled = zoom <= ZOOMS[0];
  $("viewer-zoom-in").disabled = zoom >= ZOOMS[ZOOMS.length - 1];
  $("viewer").dataset.zoom = String(zoom);
}

/** One step in or out (`step` ±1), or back to the fitted width (0). */
function zoomBy(step) {
  const at = ZOOMS.indexOf(zoom);
  const next = step === 0 ? 1 : ZOOMS[Math.min(ZOOMS.length - 1, Math.max(0, at + step))];
  if (next === zoom) return;
  zoom = next;
  showZoom();
  if (current.doc) draw();
}

export function wireViewer() {
  $("viewer-prev").addEventListener("click", () => turn(-1));
  $("viewer-next").addEventListener("click", () => turn(1));
  $("viewer-close").addEventListener("click", () => close());
  $("viewer-zoom-out").addEventListener("click", () => zoomBy(-1));
  $("viewer-zoom-in").addEventListener("click", () => zoomBy(1));
  $("viewer-zoom-fit").addEventListener("click", () => zoomBy(0));
  $("viewer-scroll").addEventListener("keydown", (e) => {
    if (e.key === "ArrowLeft" || e.key === "PageUp") turn(-1);
    if (e.key === "ArrowRight" || e.key === "PageDown") turn(1);
    if (e.key === "+" || e.key === "=") zoomBy(1);
    if (e.key === "-") zoomBy(-1);
    if (e.key === "0") zoomBy(0);
    if (e.key === "Escape") close();
  });
  showZoom();
  let resizing;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => current.doc && draw(), 200);
  });
}

function turn(step) {
  if (!current.doc) return;
  const page = clamp(current.page + step, current.doc.numPages);
  if (page === current.page) return;
  // Another page: the quote is on the cited one only.
  current = { ...current, page, quote: page === current.cited ? current.citedQuote : "" };
  draw();
}
