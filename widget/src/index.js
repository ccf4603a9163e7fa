// Entry point of widget.js: one <script> tag adds the chat to any page.
//
//   <script src="https://pharmacy.example.org/static/widget/widget.js" data-drug="ocrelizumab" defer></script>
//
// Settings: see config.js. The stylesheet widget.css is loaded from beside this script; the
// chat stays hidden until it has loaded, so the page never shows it unstyled.

import { contrastRatio, readableTextOn, readConfig } from "./config.js";
import { Widget } from "./widget.js";

const STYLESHEET_TIMEOUT_MS = 5000;

function stylesheetUrl(scriptSrc) {
  const script = new URL(scriptSrc, window.location.href);
  const url = new URL("widget.css", script);
  url.search = script.search; // the same version (cache-busting) query as the script
  return url.href;
}

function loadStylesheet(href) {
  return new Promise((resolve) => {
    const existing = document.querySelector("link[data-pharmabot-widget]");
    if (existing) return resolve();
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = href;
    link.dataset.pharmabotWidget = "";
    const timer = setTimeout(resolve, STYLESHEET_TIMEOUT_MS);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    link.addEventListener("load", done);
    link.addEventListener("error", () => {
      console.warn(`pharmabot widget: could not load ${href}`);
      done();
    });
    document.head.append(link);
  });
}

function applyColours(root, config) {
  root.style.setProperty("--pbw-color", config.color);
  root.style.setProperty("--pbw-on-color", readableTextOn(config.color));
  // the brand colour as text on white only where it is readable (WCAG AA, 4.5:1)
  root.style.setProperty("--pbw-color-text", contrastRatio(config.color, "#ffffff") >= 4.5 ? config.color : "#1a1a1a");
  root.style.setProperty("--pbw-urgent", config.urgentColor);
  root.style.setProperty(
    "--pbw-urgent-text",
    contrastRatio(config.urgentColor, "#fdecea") >= 4.5 ? config.urgentColor : "#5f1410",
  );
}

function start() {
  if (window.__pharmabotWidgetLoaded) return; // the script was included twice
  window.__pharmabotWidgetLoaded = true;
  const script = document.currentScript;
  const config = readConfig(script, window.PharmabotWidget, window.location);
  let storage = null;
  try {
    storage = window.sessionStorage;
  } catch {
    storage = null; // blocked by the browser's privacy settings: no history across reloads
  }
  const widget = new Widget(config, storage);
  applyColours(widget.view.root, config);
  widget.view.root.hidden = true;
  const styled = script && script.src ? loadStylesheet(stylesheetUrl(script.src)) : Promise.resolve();
  const mount = () => {
    widget.mount(document.body);
    styled.then(() => {
      widget.view.root.hidden = false;
      if (widget.store.state.open) widget.view.scrollToEnd();
    });
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount, { once: true });
  else mount();
}

start();
