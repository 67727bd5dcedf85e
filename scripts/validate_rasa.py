"""`rasa data validate`, failing on every warning except two that Rasa 3.6 gets wrong for us.

Run with the rasa env's Python (`make validate`). Tolerated, and only these:
- "The intent 'EXTERNAL_…' is listed in the domain file, but is not found in the NLU training
  data": external intents are sent by the backend through Rasa's trigger_intent API, never typed,
  so they must not have training examples.
- "The utterance 'utter_ask_<slot>' is not used in any story or rule" for a slot a form requires:
  the form asks with it; Rasa 3.6's validator does not look inside forms.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
WARNING = re.compile(r"UserWarning: (.*)")


def form_slots(domain_path: Path) -> set[str]:
    domain = yaml.safe_load(domain_path.read_text(encoding="utf-8"))
    return {slot for form in (domain.get("forms") or {}).values() for slot in form.get("required_slots") or []}


def tolerated(message: str, slots: set[str]) -> bool:
    m = re.match(r"The intent '([^']+)' is listed in the domain file, but is not found in the NLU training data", message)
    if m:
        return m.group(1).startswith("EXTERNAL_")
    m = re.match(r"The utterance 'utter_ask_([^']+)' is not used in any story or rule", message)
    return bool(m) and m.group(1) in slots


def main() -> int:
    run = subprocess.run([sys.executable, "-m", "rasa", "data", "validate", "--domain", "domain.yml",
                          "--data", "bot/data", "--config", "config.yml"],
                         cwd=ROOT, capture_output=True, text=True)
    output = run.stdout + run.stderr
    slots = form_slots(ROOT / "domain.yml")
    warnings = [m.group(1).strip() for m in WARNING.finditer(output)]
    unexpected = [w for w in warnings if not tolerated(w, slots)
                  and "Deprecat" not in w]  # library deprecation notices are not about our data
    for warning in warnings:
        print(("tolerated: " if warning not in unexpected else "WARNING:   ") + warning)
    if run.returncode != 0:
        print(output[-3000:])
        print("rasa data validate failed")
        return run.returncode
    if unexpected:
        print(f"{len(unexpected)} warning(s) about the project's data")
        return 1
    print("Rasa project valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
