// Builds the widget into bot/web/static/widget/ (served by the web app at /static/widget/):
//   widget.js   one self-contained script (socket.io-client, marked, DOMPurify bundled in)
//   widget.css  its stylesheet, loaded by widget.js from beside itself
// Usage: npm ci && npm run build   (add --watch to rebuild on change)
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = path.dirname(fileURLToPath(import.meta.url));
const outdir = path.resolve(here, "..", "bot", "web", "static", "widget");
const pkg = JSON.parse(await readFile(path.join(here, "package.json"), "utf8"));
const watch = process.argv.includes("--watch");

const options = {
  entryPoints: [
    { in: path.join(here, "src", "index.js"), out: "widget" },
    { in: path.join(here, "src", "widget.css"), out: "widget" },
  ],
  outdir,
  bundle: true,
  minify: !watch,
  sourcemap: true,
  format: "iife",
  target: ["es2020"],
  legalComments: "eof",
  banner: { js: `/* pharmabot chat widget ${pkg.version}; sources in widget/src */` },
  define: { "process.env.NODE_ENV": '"production"' },
  logLevel: "info",
};

await mkdir(outdir, { recursive: true });
// keep the generated files out of git: a fresh clone builds them (make widget)
await writeFile(
  path.join(outdir, ".gitignore"),
  "# built by widget/build.mjs from widget/src (demo.css is not built)\nwidget.js\nwidget.css\n*.map\n",
);

if (watch) {
  const context = await esbuild.context(options);
  await context.watch();
} else {
  await esbuild.build(options);
}
