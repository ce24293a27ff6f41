// The page's entry point: signs in (or not), wires each part, loads documents and usage.

import { apiKey, setApiKey } from "./api.js";
import { wireAsk } from "./ask.js";
import { documentById, refresh, selection, wireDocuments } from "./documents.js";
import { forgetHistory } from "./history.js";
import { wireReview } from "./review.js";
import { refreshUsage, wireUsage } from "./usage.js";
import { follow, show, wireViewer } from "./viewer.js";

const $ = (id) => document.getElementById(id);

function banner(message) {
  const box = $("banner");
  box.textContent = message;
  box.hidden = !message;
}

let rejected = false; // the server answered 401 to the key this tab holds

function showKeyState() {
  const signedIn = Boolean(apiKey());
  $("key-state").textContent = !signedIn ? "" : rejected ? "Key not accepted." : "Key set for this tab.";
  $("key-clear").hidden = !signedIn;
  $("api-key").value = "";
}

function scopeChanged() {
  const ids = selection();
  $("ask-scope").textContent = ids.length
    ? `Asking ${ids.length} selected document${ids.length === 1 ? "" : "s"}.`
    : "Asking every ready document (tick documents above to ask only those).";
}

function reload() {
  banner("");
  refresh();
  refreshUsage();
}

// Where `folio serve` keeps the operator's key, in the folder it was started from (its
// data directory, unless FOLIO_DATA_DIR names another).
const KEY_FILE = "./data/admin.key";

/** Another key, or none: the answers on the page and in the history were another
 * caller's, maybe another tenant's. */
function changeKey(key) {
  if (key !== apiKey()) {
    forgetHistory();
    $("answer").hidden = true;
    follow(null);
  }
  setApiKey(key);
  rejected = false;
  showKeyState();
  reload();
}

function wireKey() {
  $("key-form").addEventListener("submit", (e) => {
    e.preventDefault();
    changeKey($("api-key").value.trim());
  });
  $("key-clear").addEventListener("click", () => changeKey(""));
  // Said once, in the page's words: the server's own detail says the same for curl users.
  window.addEventListener("folio:unauthorized", () => {
    const wrong = Boolean(apiKey());
    rejected = wrong;
    showKeyState();
    banner(
      wrong
        ? `This API key was not accepted (revoked, or mistyped). Sign in with the key in ${KEY_FILE}, or one made by folio keys create.`
        : `This server needs an API key: paste it above and press Sign in. The server printed it when it first started and keeps it in ${KEY_FILE}.`,
    );
    $("api-key").focus();
  });
}

wireKey();
wireDocuments(scopeChanged);
wireAsk();
wireReview();
wireUsage();
wireViewer();
showKeyState();
reload();
openLinked();

/** A link into the page (a review's export links each cited page): ?document=ID&page=N
 * opens that page in the viewer once the documents are listed. */
async function openLinked() {
  const params = new URLSearchParams(window.location.search);
  const id = params.get("document");
  if (!id) return;
  await refresh();
  const doc = documentById(id);
  show({ id, filename: doc ? doc.filename : id, page: Number(params.get("page")) || 1 });
}
