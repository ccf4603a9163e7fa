// The widget's settings: defaults, then a global object, then the script tag's data- attributes.
//
//   <script src=".../widget.js" data-server-url="https://bot.example.org" data-drug="ocrelizumab"
//           data-color="#0b5cad" data-greeting="Questions about ocrelizumab? Ask here." defer></script>
//
// or, before the script tag: window.PharmabotWidget = { serverUrl: "...", drug: "...", ... }.
// The data- attributes win. Every setting is optional.

export const DEFAULTS = Object.freeze({
  // Rasa server (socket.io channel); default: this page's host on port 5005
  serverUrl: "",
  socketPath: "/socket.io",
  // the drug this page is about (a monograph id), sent as metadata with every message
  drug: "",
  // sent, hidden, when a new conversation starts; the bot answers with its greeting
  initialPayload: "/greet",
  // an extra welcome line shown by the widget itself at the start ("" for none)
  greeting: "",
  title: "Medicine questions",
  launcherLabel: "Ask about your medicine",
  disclaimer:
    "This chat gives general information from the medicine's official label. It is not medical advice: " +
    "please consult your physician or pharmacist about your own treatment.",
  // how long conversations are kept (RETENTION_PERIOD; the demo page passes data-retention)
  retention: "90 days",
  privacyNote:
    "Privacy: this conversation is kept for {retention}, to answer you and, if you ask, to pass your " +
    'question to a consultant. Type "delete my data" at any time to have it deleted. Please share only ' +
    "what your question needs. In an emergency, call your local emergency number.",
  // brand colour (launcher, header, your messages, buttons) and the colour of urgent replies
  color: "#0b5cad",
  urgentColor: "#b3261e",
  position: "right", // or "left"
  open: false, // open the chat when the page loads
  storageKey: "pharmabot-widget",
});

const BOOLEAN_KEYS = new Set(["open"]);
const HEX_COLOUR = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;

/** camelCase key -> data attribute name: serverUrl -> data-server-url */
function attributeName(key) {
  return "data-" + key.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
}

function parseBoolean(value) {
  if (typeof value === "boolean") return value;
  return ["1", "true", "yes", "on", ""].includes(String(value).trim().toLowerCase());
}

/** The settings for one widget, from the global object and the script tag (either may be null). */
export function readConfig(script, globalConfig, location) {
  const config = { ...DEFAULTS };
  const sources = [];
  if (globalConfig && typeof globalConfig === "object") sources.push((key) => globalConfig[key]);
  if (script) {
    sources.push((key) => {
      const name = attributeName(key);
      return script.hasAttribute(name) ? script.getAttribute(name) : undefined;
    });
  }
  for (const read of sources) {
    for (const key of Object.keys(DEFAULTS)) {
      const value = read(key);
      if (value === undefined || value === null) continue;
      config[key] = BOOLEAN_KEYS.has(key) ? parseBoolean(value) : String(value);
    }
  }
  config.drug = config.drug.trim().toLowerCase();
  for (const key of ["color", "urgentColor"]) {
    if (!HEX_COLOUR.test(config[key].trim())) config[key] = DEFAULTS[key];
  }
  config.position = config.position === "left" ? "left" : "right";
  config.serverUrl = normaliseServerUrl(config.serverUrl, location);
  return config;
}

function normaliseServerUrl(value, location) {
  const raw = (value || "").trim();
  if (!raw) {
    const protocol = location && location.protocol === "https:" ? "https:" : "http:";
    const host = (location && location.hostname) || "localhost";
    return `${protocol}//${host.includes(":") ? `[${host}]` : host}:5005`;
  }
  try {
    const url = new URL(raw, location ? location.href : undefined);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("not http(s)");
    return url.origin + url.pathname.replace(/\/+$/, "");
  } catch {
    console.warn(`pharmabot widget: ignoring server URL ${JSON.stringify(raw)}`);
    return normaliseServerUrl("", location);
  }
}

function luminance(hex) {
  let h = hex.replace("#", "");
  if (h.length === 3) h = [...h].map((c) => c + c).join("");
  const [r, g, b] = [0, 2, 4].map((i) => {
    const c = parseInt(h.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** The WCAG contrast ratio of two #rrggbb colours (1 to 21). */
export function contrastRatio(a, b) {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

/** Black or white text, whichever reads better on the colour `hex`. */
export function readableTextOn(hex) {
  return contrastRatio(hex, "#ffffff") >= contrastRatio(hex, "#111111") ? "#ffffff" : "#111111";
}
