"""The Rasa project is valid: `rasa data validate` passes without a single warning."""

import os
import subprocess

from tests.stack import RASA_PY, ROOT


def test_rasa_data_validate_is_clean():
    run = subprocess.run(
        [str(RASA_PY), "-m", "rasa", "data", "validate", "--domain", "domain.yml", "--data", "bot/data",
         "--config", "config.yml", "--fail-on-warnings"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, PYTHONPATH=str(ROOT), RASA_TELEMETRY_ENABLED="false"))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]


def test_several_hundred_training_examples_with_and_without_diacritics():
    import yaml

    from knowledge_base.normalize import fold_accents

    examples = []
    for path in sorted((ROOT / "bot" / "data" / "nlu").glob("*.yml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            if "intent" in item:
                examples += [line.strip()[2:] for line in item["examples"].splitlines() if line.strip()]
    assert len(examples) >= 500
    unaccented = sum(1 for e in examples if fold_accents(e) == e)
    assert 0.25 <= unaccented / len(examples) <= 0.6
