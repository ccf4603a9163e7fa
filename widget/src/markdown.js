// Bot text -> safe DOM: markdown (marked) for bullet lists, emphasis and links, then DOMPurify
// with a short allow-list. HTML written in the text is shown as text, never parsed; links
// are http(s), mailto: or tel: only and open in a new tab. The patient's own text is never
// parsed: the UI puts it in with textContent.

import DOMPurify from "dompurify";
import { Marked } from "marked";

const ALLOWED_TAGS = ["p", "br", "ul", "ol", "li", "strong", "em", "b", "i", "code", "a", "del"];
const SAFE_LINK = /^(?:https?:|mailto:|tel:)/i;

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

const marked = new Marked({
  gfm: true,
  breaks: true, // the bot separates lines with single newlines
  renderer: {
    // raw HTML in the text (block or inline) is shown as the characters it is made of
    html({ text }) {
      return escapeHtml(text);
    },
    // images would load from anywhere: show their text as a link instead
    image({ href, text }) {
      return `<a href="${escapeHtml(href || "")}">${escapeHtml(text || href || "image")}</a>`;
    },
    heading({ tokens }) {
      return `<p><strong>${this.parser.parseInline(tokens)}</strong></p>`;
    },
  },
});

let purifier = null;

function getPurifier() {
  if (purifier) return purifier;
  purifier = DOMPurify(window);
  purifier.addHook("afterSanitizeAttributes", (node) => {
    if (node.nodeName !== "A") return;
    const href = node.getAttribute("href") || "";
    if (!SAFE_LINK.test(href)) {
      node.removeAttribute("href");
      return;
    }
    if (/^https?:/i.test(href)) {
      node.setAttribute("target", "_blank");
      node.setAttribute("rel", "noopener noreferrer");
    }
  });
  return purifier;
}

const LIST_ITEM = /^\s*(?:[-*+]|\d+[.)])\s/;

/** A line of prose right after a list item starts a paragraph (markdown would append it to the item). */
function endListsBeforeProse(text) {
  const lines = text.split("\n");
  const out = [];
  for (const line of lines) {
    const previous = out.length ? out[out.length - 1] : "";
    if (LIST_ITEM.test(previous) && line.trim() && !LIST_ITEM.test(line) && !/^\s/.test(line)) out.push("");
    out.push(line);
  }
  return out.join("\n");
}

const SOURCES = "\nSources:\n";

/** The answer's sources ("Sources:" and one "[n] ..." line each, at the end of the text)
 * folded under a toggle: one tap away, without filling a phone's screen. Text only. */
function sourcesToggle(lines) {
  const details = document.createElement("details");
  details.className = "pbw-sources";
  const summary = document.createElement("summary");
  summary.textContent = `Sources (${lines.length})`;
  const list = document.createElement("ul");
  for (const line of lines) {
    const item = document.createElement("li");
    item.textContent = line;
    list.append(item);
  }
  details.append(summary, list);
  return details;
}

/** Bullets shown before "More": the answering fact and one more stay in view on a phone. */
const BULLETS_SHOWN = 1;

/** A long list's later points folded under "More (n)" (text moved, not re-parsed). */
function foldLongLists(fragment) {
  for (const list of fragment.querySelectorAll("ul")) {
    const extra = [...list.children].slice(BULLETS_SHOWN);
    if (!extra.length) continue;
    const details = document.createElement("details");
    details.className = "pbw-more";
    const summary = document.createElement("summary");
    summary.textContent = `More (${extra.length})`;
    const rest = document.createElement("ul");
    rest.append(...extra);
    details.append(summary, rest);
    list.after(details);
  }
}

/** A DocumentFragment for the bot's `text`. */
export function renderMarkdown(text) {
  const [body, sources] = String(text ?? "").split(SOURCES, 2);
  const html = marked.parse(endListsBeforeProse(body), { async: false });
  const fragment = getPurifier().sanitize(html, {
    ALLOWED_TAGS,
    ALLOWED_ATTR: ["href", "target", "rel"],
    ALLOWED_URI_REGEXP: SAFE_LINK,
    RETURN_DOM_FRAGMENT: true,
  });
  const cited = (sources || "").split("\n").map((line) => line.trim()).filter(Boolean);
  if (cited.length) {
    // a medical answer: its later points and its sources folded (a form's summary stays whole)
    foldLongLists(fragment);
    fragment.append(sourcesToggle(cited));
  }
  for (const link of fragment.querySelectorAll("a[target=_blank]")) {
    const note = document.createElement("span");
    note.className = "pbw-sr";
    note.textContent = " (opens in a new tab)";
    link.append(note);
  }
  return fragment;
}
