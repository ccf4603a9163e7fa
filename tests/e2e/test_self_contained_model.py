"""A trained model is self-contained: a second server needs only the code and the model file.

The Rasa server is started from a copy of the repository's tracked files plus
``models/current.tar.gz``, with no build/ folder: it must answer without fetching the
published encoder (``build/minilm``) and with the spaCy pipeline built from the code.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.localbot import ROOT, free_port
from testkit import copy_project


@pytest.fixture(scope="module")
def copied_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path]]:
    model = ROOT / "models" / "current.tar.gz"
    if not model.exists():
        pytest.fail("models/current.tar.gz missing: run `make setup`")
    copy = copy_project(tmp_path_factory.mktemp("second-server"), model)
    endpoints = copy / "endpoints.test.yml"
    endpoints.write_text(f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {copy / 'tracker.db'}\n")
    port, token = free_port(), secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items() if k != "PHARMA_MINILM_DIR"}
    env.update({"RASA_API_TOKEN": token, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"})
    log = open(copy / "rasa.log", "wb")  # noqa: SIM115 (kept open for the process)
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "rasa", "--port", str(port), "--endpoints", str(endpoints)],
        cwd=copy,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the copied server exited:\n{(copy / 'rasa.log').read_text()[-3000:]}")
            if time.monotonic() > deadline:
                pytest.fail("the copied server did not answer within 300 s")
            try:
                with urllib.request.urlopen(f"{url}/", timeout=2):  # noqa: S310 (local URL)
                    break
            except OSError:
                time.sleep(0.5)
        yield url, token, copy
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def _parse(url: str, token: str, text: str) -> dict[str, Any]:
    req = urllib.request.Request(
        f"{url}/model/parse?token={token}",
        data=json.dumps({"text": text}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310 (local URL)
        return dict(json.loads(resp.read()))


def test_the_copy_has_no_build_folder_but_a_spacy_pipeline(copied_server: tuple[str, str, Path]) -> None:
    _, _, copy = copied_server
    assert not (copy / "build" / "minilm").exists(), "the server fetched the published encoder"
    assert (copy / "build" / "spacy" / "en_pharma" / "meta.json").exists()


def test_the_copied_server_reads_intents_and_red_flags(copied_server: tuple[str, str, Path]) -> None:
    url, token, copy = copied_server
    question = _parse(url, token, "how often is the ocrevus infusion given")
    assert question["intent"]["name"] == "ask_dosing"
    urgent = _parse(url, token, "my throat is swelling and i cant breathe")
    assert any(e["entity"] == "red_flag" for e in urgent["entities"])
    assert not (copy / "build" / "minilm").exists()
