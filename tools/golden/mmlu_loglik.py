#!/usr/bin/env python3
"""Per-choice log-likelihood goldens for MMLU, computed with Hugging Face transformers the way
lm-evaluation-harness's HFLM does it.

Input (written by the Java test class ai.fairl.eval.LoglikGoldenInputs): IN/model/ (a tiny Llama
saved by our safetensors writer, with the project's character tokenizer.json) and
IN/questions.json (raw MMLU questions and dev shots). This script formats the prompt itself as
lm-evaluation-harness's mmlu task does (lm_eval/tasks/mmlu/default/_default_template_yaml):
  description "The following are multiple choice questions (with answers) about <subject>.\\n\\n",
  each shot "<question.strip()>\\nA. <c0>\\nB. <c1>\\nC. <c2>\\nD. <c3>\\nAnswer: <letter>\\n\\n",
  then the question the same way ending in "Answer:"; continuations " A" .. " D".
and scores each continuation as HFLM.loglikelihood: _encode_pair (trailing spaces of the context
move to the continuation; whole = enc(context + continuation), continuation tokens = whole past
len(enc(context))), no BOS (add_special_tokens=False), one forward over (context + continuation)
minus its last token, log_softmax, the continuation tokens' log-probabilities summed. fp32, CPU,
eager attention. For cases with score_choice_texts, the continuations " <choice text>" are scored
too (several tokens each).

Run:  python3 tools/golden/mmlu_loglik.py IN OUT.json
"""
import json
import sys

import torch
import transformers
from transformers import AutoModelForCausalLM, AutoTokenizer

IN, OUT = sys.argv[1], sys.argv[2]
LETTERS = "ABCD"


def fmt(q):
    s = q["question"].strip() + "\n"
    for i, c in enumerate(q["choices"]):
        s += f"{LETTERS[i]}. {c}\n"
    return s + "Answer:"


def prompt(case):
    q = case["question"]
    s = f"The following are multiple choice questions (with answers) about {q['subject'].replace('_', ' ')}.\n\n"
    for shot in case["shots"]:
        s += fmt(shot) + " " + LETTERS[shot["answer"]] + "\n\n"
    return s + fmt(q)


def main():
    torch.manual_seed(0)
    tok = AutoTokenizer.from_pretrained(f"{IN}/model")
    model = AutoModelForCausalLM.from_pretrained(
        f"{IN}/model", dtype=torch.float32, attn_implementation="eager").eval()
    print(type(tok).__name__, type(model).__name__, model.config.rope_parameters
          if hasattr(model.config, "rope_parameters") else model.config.rope_scaling, flush=True)
    max_len = model.config.max_position_embeddings

    def enc(s):
        return tok.encode(s, add_special_tokens=False)

    def loglik(context, continuation):
        n_spaces = len(context) - len(context.rstrip())
        if n_spaces > 0:
            continuation = context[-n_spaces:] + continuation
            context = context[:-n_spaces]
        whole = enc(context + continuation)
        ctx = enc(context)
        cont = whole[len(ctx):]
        inp = (ctx + cont)[-(max_len + 1):][:-1]
        with torch.no_grad():
            logits = model(torch.tensor([inp])).logits[0].to(torch.float64)
        logp = torch.log_softmax(logits, dim=-1)[-len(cont):]
        picked = logp.gather(1, torch.tensor(cont).unsqueeze(1)).squeeze(1)
        greedy = bool((logp.argmax(-1) == torch.tensor(cont)).all())
        return float(picked.sum()), len(whole), greedy

    cases = json.load(open(f"{IN}/questions.json"))
    out = []
    for case in cases:
        context = prompt(case)
        conts = [" " + l for l in LETTERS[: len(case["question"]["choices"])]]
        if case["score_choice_texts"]:
            conts += [" " + c for c in case["question"]["choices"]]
        scored = [loglik(context, c) for c in conts]
        out.append({
            "id": case["id"],
            "context": context,
            "context_token_ids": enc(context),
            "continuations": conts,
            "loglikelihoods": [s[0] for s in scored],
            "is_greedy": [s[2] for s in scored],
            "answer": case["question"]["answer"],
        })
        print(case["id"], len(context), [round(s[0], 5) for s in scored], flush=True)
    json.dump({
        "provenance": {
            "script": "tools/golden/mmlu_loglik.py",
            "oracle": "lm-evaluation-harness HFLM.loglikelihood, reimplemented on transformers",
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "device": "cpu",
            "dtype": "float32 (log_softmax in float64)",
        },
        "cases": out,
    }, open(OUT, "w"), indent=1)


if __name__ == "__main__":
    main()
