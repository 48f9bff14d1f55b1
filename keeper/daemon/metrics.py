"""A small Prometheus registry (text exposition format 0.0.4); one per keeper, no globals."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

Labels = tuple[tuple[str, str], ...]


@dataclass
class Metrics:
    namespace: str = "io_keeper"
    _help: dict[str, tuple[str, str]] = field(default_factory=dict)
    _values: dict[str, dict[Labels, float]] = field(default_factory=lambda: defaultdict(dict))

    def describe(self, name: str, kind: str, help_text: str) -> None:
        self._help[name] = (kind, help_text)

    def inc(self, name: str, amount: float = 1.0, **labels: str) -> None:
        self._help.setdefault(name, ("counter", name.replace("_", " ")))
        key = tuple(sorted(labels.items()))
        series = self._values[name]
        series[key] = series.get(key, 0.0) + amount

    def set(self, name: str, value: float, **labels: str) -> None:
        self._help.setdefault(name, ("gauge", name.replace("_", " ")))
        self._values[name][tuple(sorted(labels.items()))] = float(value)

    def value(self, name: str, **labels: str) -> float:
        return self._values.get(name, {}).get(tuple(sorted(labels.items())), 0.0)

    def total(self, name: str) -> float:
        return sum(self._values.get(name, {}).values())

    def render(self) -> str:
        lines: list[str] = []
        for name in sorted(self._values):
            kind, help_text = self._help.get(name, ("untyped", name))
            full = f"{self.namespace}_{name}"
            lines.append(f"# HELP {full} {help_text}")
            lines.append(f"# TYPE {full} {kind}")
            for labels, value in sorted(self._values[name].items()):
                label_text = ",".join(f'{key}="{_escape(val)}"' for key, val in labels)
                rendered = repr(int(value)) if value.is_integer() else repr(value)
                lines.append(f"{full}{{{label_text}}} {rendered}" if label_text else f"{full} {rendered}")
        return "\n".join(lines) + "\n"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
