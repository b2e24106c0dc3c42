#!/usr/bin/env python3
"""Second oracle for the chat templates: renders every template x case of
fairl-core/src/test/resources/golden/chat with transformers' own chat-template renderer (Python
jinja2 configured by transformers: trim_blocks, lstrip_blocks, loop controls, its tojson and
raise_exception) and compares with expected.json (from @huggingface/jinja). Prints mismatches.
Needs transformers and jinja2 (no torch). Usage: python3 tools/golden/render_templates_jinja2.py
"""
import json
import os
import sys

from transformers.utils.chat_template_utils import _compile_jinja_template

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fairl-core/src/test/resources/golden/chat")
spec = json.load(open(os.path.join(root, "cases.json")))
expected = json.load(open(os.path.join(root, "expected.json")))["results"]
bad = 0
total = 0
for name, specials in spec["templates"].items():
    src = open(os.path.join(root, "templates", name + ".jinja")).read()
    tmpl = _compile_jinja_template(src)
    for case, c in spec["cases"].items():
        total += 1
        want = expected[name][case]
        try:
            got = {"output": tmpl.render(**specials, **c)}
        except Exception as e:  # raise_exception -> TemplateError
            got = {"error": str(e)}
        if got != want:
            bad += 1
            print("MISMATCH", name, case, json.dumps(got)[:300], "vs", json.dumps(want)[:300])
print(f"{total - bad}/{total} renders identical to @huggingface/jinja")
sys.exit(1 if bad else 0)
