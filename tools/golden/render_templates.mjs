// Renders every chat template under fairl-core/src/test/resources/golden/chat/templates with every
// case of cases.json using @huggingface/jinja (the oracle), and writes expected.json next to them.
// Rerun: (cd /tmp/x && npm install @huggingface/jinja) && NODE_PATH=/tmp/x/node_modules node tools/golden/render_templates.mjs
import { readFileSync, writeFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(join(process.env.NODE_PATH || process.cwd(), "x.js"));
const { Template } = require("@huggingface/jinja");
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const dir = join(root, "fairl-core/src/test/resources/golden/chat");
const spec = JSON.parse(readFileSync(join(dir, "cases.json"), "utf8"));
const pkgJson = join(dirname(require.resolve("@huggingface/jinja")), "..", "package.json");
const out = { oracle: "@huggingface/jinja " + JSON.parse(readFileSync(pkgJson, "utf8")).version, results: {} };
for (const [name, specials] of Object.entries(spec.templates)) {
  const source = readFileSync(join(dir, "templates", name + ".jinja"), "utf8");
  const template = new Template(source);
  out.results[name] = {};
  for (const [caseName, c] of Object.entries(spec.cases)) {
    const vars = { ...specials, ...c };
    try {
      out.results[name][caseName] = { output: template.render(vars) };
    } catch (e) {
      out.results[name][caseName] = { error: String(e.message || e) };
    }
  }
}
writeFileSync(join(dir, "expected.json"), JSON.stringify(out, null, 1) + "\n");
console.log("wrote", join(dir, "expected.json"));
