#!/usr/bin/env python3
"""Hub cache interoperability with Python's huggingface_hub (run on a machine that has it).

1. Reads a cache written by FAI-RL for Java (argv[2]; made by ai.fairl.hub.HubCacheFixture) with
   scan_cache_dir and hf_hub_download(local_files_only=True) and checks the contents.
2. Lets huggingface_hub write a cache from a local server that speaks the Hub's resolve protocol
   (HEAD with X-Repo-Commit/ETag, LFS files as a 302 to a CDN URL with X-Linked-Etag/X-Linked-Size),
   then dumps that cache (links and file contents) as python_cache_manifest.json for the Java test
   HubInteropTest. The CDN redirect names another host (localhost vs 127.0.0.1), as the real Hub's
   CDN is another host: huggingface_hub 1.33 follows same-host redirects on HEAD and then misses
   X-Repo-Commit (that is how the first run of this step failed; see results/).

Usage: python3 tools/golden/hub_interop.py OUT_DIR JAVA_CACHE_DIR
"""
import base64
import hashlib
import http.server
import json
import os
import sys
import threading
import traceback

import huggingface_hub
from huggingface_hub import hf_hub_download, scan_cache_dir

OUT, JCACHE = sys.argv[1], sys.argv[2]
os.makedirs(OUT, exist_ok=True)
COMMIT = "fedcba9876543210fedcba9876543210fedcba98"
CONFIG = b'{"architectures": ["Qwen2ForCausalLM"]}'
CONFIG_ETAG = "0f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6"
WEIGHTS = bytes((i * 7 + 3) % 256 for i in range(4096))
WEIGHTS_SHA = hashlib.sha256(WEIGHTS).hexdigest()
report = {"huggingface_hub": huggingface_hub.__version__}

# ---- 1. Python reads the Java-written cache
try:
    info = scan_cache_dir(JCACHE)
    report["scan"] = [{"repo_id": r.repo_id, "repo_type": r.repo_type, "commit": rev.commit_hash,
                       "refs": sorted(rev.refs), "files": sorted(f.file_name for f in rev.files),
                       "size_on_disk": r.size_on_disk}
                      for r in info.repos for rev in r.revisions]
    report["scan_warnings"] = [str(w) for w in info.warnings]
    p = hf_hub_download("acme/tiny", "model.safetensors", cache_dir=JCACHE, local_files_only=True)
    blob = os.path.basename(os.path.realpath(p))
    report["read_java_cache"] = {
        "path": os.path.relpath(p, JCACHE),
        "sha256_matches_blob_name": hashlib.sha256(open(p, "rb").read()).hexdigest() == blob,
        "config": open(hf_hub_download("acme/tiny", "config.json", cache_dir=JCACHE,
                                       local_files_only=True)).read()}
except Exception:
    report["read_java_cache_error"] = traceback.format_exc()


# ---- 2. Python writes a cache from a local Hub
class Hub(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def _send(self, code, headers, body, head):
        self.send_response(code)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _route(self, head):
        path = self.path.split("?")[0]
        if path.endswith("/resolve/main/config.json") or path.endswith(f"/resolve/{COMMIT}/config.json"):
            return self._send(200, {"X-Repo-Commit": COMMIT, "ETag": f'"{CONFIG_ETAG}"'}, CONFIG, head)
        if path.endswith("/resolve/main/model.safetensors") or path.endswith(f"/resolve/{COMMIT}/model.safetensors"):
            port = self.server.server_address[1]
            return self._send(302, {"X-Repo-Commit": COMMIT, "X-Linked-Etag": f'"{WEIGHTS_SHA}"',
                                    "X-Linked-Size": str(len(WEIGHTS)), "ETag": 'W/"x"',
                                    "Location": f"http://localhost:{port}/cdn/{WEIGHTS_SHA}"}, b"", head)
        if path.startswith("/cdn/"):
            return self._send(200, {"ETag": f'"{WEIGHTS_SHA}"'}, WEIGHTS, head)
        return self._send(404, {"X-Error-Code": "EntryNotFound"}, b'{"error":"Entry not found"}', head)

    def do_HEAD(self):
        self._route(True)

    def do_GET(self):
        self._route(False)


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hub)
threading.Thread(target=srv.serve_forever, daemon=True).start()
endpoint = f"http://127.0.0.1:{srv.server_address[1]}"
pcache = os.path.join(OUT, "pycache")
try:
    for f in ("config.json", "model.safetensors"):
        hf_hub_download("acme/pytiny", f, cache_dir=pcache, endpoint=endpoint)
    manifest = {}
    for root, dirs, files in os.walk(pcache):
        for name in dirs + files:
            full = os.path.join(root, name)
            rel = os.path.relpath(full, pcache)
            if os.path.islink(full):
                manifest[rel] = {"link": os.readlink(full)}
            elif os.path.isfile(full):
                manifest[rel] = {"b64": base64.b64encode(open(full, "rb").read()).decode()}
    with open(os.path.join(OUT, "python_cache_manifest.json"), "w") as fh:
        json.dump({"huggingface_hub": huggingface_hub.__version__, "commit": COMMIT,
                   "weights_sha256": WEIGHTS_SHA, "entries": manifest}, fh, indent=1, sort_keys=True)
    report["python_cache_entries"] = sorted(manifest)
except Exception:
    report["write_python_cache_error"] = traceback.format_exc()
srv.shutdown()
with open(os.path.join(OUT, "hub_interop_report.json"), "w") as fh:
    json.dump(report, fh, indent=1)
print(json.dumps(report, indent=1))
