"""The keeper's packages import only downward:

    cli                          may import everything
    daemon, explorer, localnet   import client (and themselves), never each other
    client                       the SDK: imports nothing of keeper outside itself
    localnet/node                runs in its own environment: imports nothing outside itself

Every module under keeper/ is parsed (imports inside functions count too), so a sideways or
upward import fails here with the module and the line that made it.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

KEEPER = Path(__file__).resolve().parents[1] / "keeper"

# package -> the packages it may import from (itself included)
ALLOWED: dict[str, frozenset[str]] = {
    "client": frozenset({"client"}),
    "daemon": frozenset({"client", "daemon"}),
    "explorer": frozenset({"client", "explorer"}),
    "localnet": frozenset({"client", "localnet", "localnet.node"}),
    "localnet.node": frozenset({"localnet.node"}),
    "cli": frozenset({"client", "daemon", "explorer", "localnet", "localnet.node", "cli"}),
    "": frozenset(),  # keeper/__init__.py
}


@dataclass(frozen=True)
class KeeperImport:
    module: str  # the importing module, e.g. keeper.daemon.tasks
    line: int
    target: str  # the imported keeper module, e.g. keeper.client.merkle


def module_name(path: Path, root: Path = KEEPER) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_of(module: str) -> str:
    """The layer a keeper module belongs to: client, daemon, explorer, localnet, localnet.node, cli, or "" (keeper itself)."""
    parts = module.split(".")[1:]
    if parts[:2] == ["localnet", "node"]:
        return "localnet.node"
    return parts[0] if parts else ""


def keeper_imports(path: Path, root: Path = KEEPER) -> list[KeeperImport]:
    module = module_name(path, root)
    is_package = path.name == "__init__.py"
    found: list[KeeperImport] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            # `from keeper.client import merkle` imports keeper.client.merkle (a module or a name of the package).
            targets = [f"{prefix}.{alias.name}" if prefix == "keeper" else prefix for alias in node.names]
        found.extend(KeeperImport(module, node.lineno, target) for target in targets if target == "keeper" or target.startswith("keeper."))
    return found


def all_imports() -> list[KeeperImport]:
    return [item for path in sorted(KEEPER.rglob("*.py")) for item in keeper_imports(path)]


def violations(imports: list[KeeperImport]) -> list[str]:
    bad = []
    for item in imports:
        source, target = package_of(item.module), package_of(item.target)
        if target not in ALLOWED[source]:
            bad.append(f"{item.module}:{item.line} imports {item.target} ({source or 'keeper'} may import only {sorted(ALLOWED[source])})")
    return bad


def test_every_package_imports_only_downward() -> None:
    imports = all_imports()
    # The walk does see the imports: each layer imports the client, and the CLI the layers.
    assert len(imports) > 100
    by_layer = {(package_of(item.module), package_of(item.target)) for item in imports}
    assert {("daemon", "client"), ("explorer", "client"), ("localnet", "client"), ("cli", "daemon"), ("cli", "explorer")} <= by_layer
    assert violations(imports) == []


def test_every_module_belongs_to_a_layer() -> None:
    strays = [module_name(path) for path in KEEPER.rglob("*.py") if package_of(module_name(path)) not in ALLOWED]
    assert strays == [], "modules outside client/daemon/explorer/localnet/cli"
    top = sorted(path.name for path in KEEPER.glob("*.py"))
    assert top == ["__init__.py"], f"modules at keeper/'s top: {top}"


def test_the_checker_sees_sideways_upward_and_relative_imports(tmp_path: Path) -> None:
    samples = [
        KeeperImport("keeper.explorer.read", 1, "keeper.daemon.models"),  # sideways
        KeeperImport("keeper.client.protocol", 2, "keeper.daemon.rpc"),  # upward
        KeeperImport("keeper.client.escrow", 3, "keeper.client.fees"),  # fine
        KeeperImport("keeper.localnet.node.chain", 4, "keeper.client.spl"),  # the node imports nothing outside itself
        KeeperImport("keeper.cli.main", 5, "keeper.localnet.node.records"),  # fine
    ]
    assert [line.split(" ")[0] for line in violations(samples)] == ["keeper.explorer.read:1", "keeper.client.protocol:2", "keeper.localnet.node.chain:4"]
    package = tmp_path / "keeper" / "daemon"
    package.mkdir(parents=True)
    source = package / "tasks.py"
    source.write_text("from ..explorer import read\nfrom . import rpc\nimport keeper.cli.main\n")
    assert [(item.line, item.target) for item in keeper_imports(source, tmp_path / "keeper")] == [
        (1, "keeper.explorer"),
        (2, "keeper.daemon"),
        (3, "keeper.cli.main"),
    ]


def test_io_keeper_run_does_not_load_the_chain_environment() -> None:
    """`io-keeper` (and so `io-keeper run`) starts the node as a separate process: importing
    the CLI loads none of the node (its chain, LiteSVM on the chain environment's solders) but
    the records it shares with clients, which need only solders' basic types."""
    probe = "import sys, keeper.cli.main, keeper.daemon.app\nprint('\\n'.join(sorted(m for m in sys.modules if m.startswith('keeper.localnet.node.'))))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert loaded == ["keeper.localnet.node.records"]
