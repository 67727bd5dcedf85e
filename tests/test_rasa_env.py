"""The rasa env (Rasa 3.6.21 on Python 3.11) is created by the Makefile and must work: Rasa
imports, and the knowledge base's pure normalization imports there too (NLU components use it)."""

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RASA_PY = ROOT / ".venv" / "rasa" / "bin" / "python"


def test_rasa_env_runs_rasa_3_6_and_our_normalizer():
    assert RASA_PY.exists(), "rasa env missing: run `make env-rasa`"
    code = ("import sys, rasa, rasa_sdk; from knowledge_base.normalize import normalize_query;"
            "assert sys.version_info[:2] == (3, 11), sys.version;"
            "print(rasa.__version__, normalize_query('đăng ký thường trú').folded)")
    out = subprocess.run([str(RASA_PY), "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[0] == "3.6.21"
    assert "dang ky thuong tru" in out.stdout
