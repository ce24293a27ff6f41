// The page's entry point: signs in (or not), wires each part, loads documents and usage.

import { apiKey, setApiKey } from "./api.js";
import { wireAsk } from "./ask.js";
import { refresh, selection, wireDocuments } from "./documents.js";
import { refreshUsage, wireUsage } from "./usage.js";
import { wireViewer } from "./viewer.js";

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

function wireKey() {
  $("key-form").addEventListener("submit", (e) => {
    e.preventDefault();
    setApiKey($("api-key").value.trim());
    rejected = false;
    showKeyState();
    reload();
  });
  $("key-clear").addEventListener("click", () => {
    setApiKey("");
    rejected = false;
    showKeyState();
    reload();
  });
  window.addEventListener("folio:unauthorized", (e) => {
    const wrong = Boolean(apiKey());
    rejected = wrong;
    showKeyState();
    banner(
      wrong
        ? `This API key was not accepted: ${e.detail.message}. Check it and sign in again.`
        : `This server needs an API key: enter yours above and press Sign in. (${e.detail.message})`,
    );
    $("api-key").focus();
  });
}

wireKey();
wireDocuments(scopeChanged);
wireAsk();
wireUsage();
wireViewer();
showKeyState();
reload();
