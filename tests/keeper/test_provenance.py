"""Receipts POSTed (and appended to a JSONL file) end up in recorded batches; `io-keeper prove`
verifies one on-chain with provenance.verify_receipt, and a tampered receipt fails."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.keeper.conftest import keeper_config, localnet_fixture, start_keeper, stop_keeper, wait_for
from tests.keeper.receipts import make_receipts
from tests.keeper.wallet import Manifest
from tests.localnet.conftest import IO_KEEPER, Localnet

localnet = localnet_fixture("--time-scale", "10")


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(IO_KEEPER), *args], capture_output=True, text=True, timeout=60)


def test_receipts_are_batched_recorded_and_provable(localnet: Localnet, tmp_path: Path, keepers) -> None:  # noqa: ANN001
    base_ts = Manifest.read(localnet.state_dir).settings["emission_start_ts"] - 120
    feed = tmp_path / "receipts.jsonl"
    config = keeper_config(
        tmp_path,
        localnet.url,
        localnet.state_dir,
        provenance={"batch_max_receipts": 64, "receipt_files": [str(feed)]},
        emission={"enabled": False},
        settlement={"enabled": False},
        burn={"enabled": False},
    )
    keeper = start_keeper(config)
    keepers.append(keeper)
    posted = make_receipts(300, base_ts)
    ids: list[str] = []
    for start in range(0, len(posted), 70):
        answer = keeper.post("/receipts", posted[start : start + 70])
        ids.extend(answer["ids"])
    assert keeper.post("/receipts", posted[:5])["new"] == 0  # re-posting is harmless
    from_file = make_receipts(40, base_ts)
    feed.write_text("".join(json.dumps(item) + "\n" for item in from_file) + "not json\n" + json.dumps(from_file[0])[:20])
    total = len(posted) + len(from_file)

    def all_recorded() -> bool:
        summary = keeper.status()["journal"]
        return (
            summary["receipts"] == total
            and summary["batches"].get("recorded", 0) >= 1
            and summary["receipts_unbatched"] == 0
            and "pending" not in summary["batches"]
        )

    wait_for(all_recorded, 60, "every receipt in a recorded batch")
    assert keeper.metric("feed_invalid_lines_total") == 1
    proof = keeper.get(f"/receipts/{ids[123]}")
    assert proof["status"] == "recorded" and len(proof["proof"]) == 6  # 64-leaf batches

    explore = cli("explore", "batches", "--rpc-url", localnet.url, "--json")
    assert explore.returncode == 0, explore.stderr
    accounts = json.loads(explore.stdout)
    batches = [item for item in accounts if item["type"] == "Batch"]
    assert sum(item["leaf_count"] for item in batches) == total
    assert [item["sequence"] for item in batches] == list(range(len(batches)))
    assert next(item for item in accounts if item["type"] == "ProvenanceConfig")["total_leaves"] == total

    assert stop_keeper(keeper) == 0
    good = cli("prove", ids[123], "--config", str(config))
    assert good.returncode == 0, good.stdout + good.stderr
    assert "VERIFIED by provenance.verify_receipt" in good.stdout
    as_json = json.loads(cli("prove", ids[7], "--config", str(config), "--json").stdout)
    assert as_json["verified_on_chain"] is True and as_json["sequence"] == 0

    tampered = dict(posted[123], output_hash="ab" * 32)
    tampered_path = tmp_path / "tampered.json"
    tampered_path.write_text(json.dumps(tampered))
    bad = cli("prove", ids[123], "--config", str(config), "--receipt", str(tampered_path))
    assert bad.returncode == 1
    assert "FAILED: InvalidProof" in bad.stdout
    unknown = cli("prove", "00" * 32, "--config", str(config))
    assert unknown.returncode == 1 and "not in the journal" in unknown.stderr
