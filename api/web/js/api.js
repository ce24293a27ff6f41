// The REST API, as the page uses it: the key, JSON requests, uploads with progress, and
// server-sent events over a POST. Nothing here knows about the page's elements.

const KEY = "folio.apiKey";

/** The API key of this tab (sessionStorage: gone when the tab closes, never in a URL). */
export function apiKey() {
  return sessionStorage.getItem(KEY) || "";
}

export function setApiKey(key) {
  if (key) sessionStorage.setItem(KEY, key);
  else sessionStorage.removeItem(KEY);
}

/** An error from the API, with its status and the server's own `detail` message. */
export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

function headers(extra = {}) {
  const key = apiKey();
  return key ? { ...extra, Authorization: `Bearer ${key}` } : extra;
}

/** A readable message from an error body: FastAPI's `detail` is a string or a field list. */
function detailOf(status, body) {
  const detail = body && body.detail;
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) return detail.map((d) => `${d.loc.slice(1).join(".")}: ${d.msg}`).join("; ");
  return `the server answered ${status}`;
}

/** Tell the page a key was refused, only if it is still the tab's key: a slow 401 to the
 * request sent before sign-in says nothing of the key signed in with since. */
function refused(error, sentKey) {
  if (error.status === 401 && sentKey === apiKey()) {
    window.dispatchEvent(new CustomEvent("folio:unauthorized", { detail: error }));
  }
}

async function failure(response, sentKey) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    /* not JSON: keep the status */
  }
  const error = new ApiError(response.status, detailOf(response.status, body));
  refused(error, sentKey);
  return error;
}

/** fetch() with the key; throws ApiError on any non-2xx answer. */
export async function request(path, { method = "GET", json, signal } = {}) {
  const sentKey = apiKey();
  const init = { method, headers: headers(json ? { "Content-Type": "application/json" } : {}), signal };
  if (json !== undefined) init.body = JSON.stringify(json);
  let response;
  try {
    response = await fetch(path, init);
  } catch (exc) {
    if (exc.name === "AbortError") throw exc;
    throw new ApiError(0, "the folio server cannot be reached; is `folio serve` running?");
  }
  if (!response.ok) throw await failure(response, sentKey);
  return response;
}

export async function getJSON(path) {
  return (await request(path)).json();
}

/** The original PDF of a document, as bytes. */
export async function documentFile(id) {
  return (await request(`/documents/${encodeURIComponent(id)}/file`)).arrayBuffer();
}

/** POST /documents with XMLHttpRequest, the one browser API that reports upload progress. */
export function upload(file, password, onProgress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    form.append("file", file, file.name);
    if (password) form.append("password", password);
    const sentKey = apiKey();
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/documents");
    for (const [name, value] of Object.entries(headers())) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onerror = () => reject(new ApiError(0, "the upload was cut off; is the server running?"));
    xhr.onload = () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        /* keep null */
      }
      if (xhr.status >= 200 && xhr.status < 300) return resolve(body);
      const error = new ApiError(xhr.status, detailOf(xhr.status, body));
      refused(error, sentKey);
      reject(error);
    };
    xhr.send(form);
  });
}

/** POST `json` to `path` and call onEvent(name, data) for each server-sent event. */
export async function streamEvents(path, json, onEvent, signal) {
  const response = await request(path, { method: "POST", json, signal });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    let chunk;
    try {
      chunk = await reader.read();
    } catch (exc) {
      if (exc.name === "AbortError") throw exc;
      throw new ApiError(0, "the connection closed before the answer was complete; try again");
    }
    const { value, done } = chunk;
    if (done) break;
    buffer += value.replaceAll("\r\n", "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      if (data.length) onEvent(name, JSON.parse(data.join("\n")));
    }
  }
}
