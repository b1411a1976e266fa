"""docs/integration_events.md against the code (issue 17 item 3): pure, no database. Every topic
a system hears is documented with its version and recipients, and its JSON example has exactly
the envelope and the facts the code writes (``outbox.rules.ENVELOPE``, ``FACTS``); the SAP
postings CSV's documented header is the one served. Neither can go stale without the other."""

from __future__ import annotations

import json
import re
from pathlib import Path

from ca_api.outbox.postings import HEADER
from ca_api.outbox.rules import ENVELOPE, FACTS, INTEGRATION_TOPICS, Topic

DOC = Path(__file__).resolve().parents[1] / "docs" / "integration_events.md"
README = Path(__file__).resolve().parents[1] / "README.md"


def _text() -> str:
    return DOC.read_text(encoding="utf-8")


def _table() -> dict[str, tuple[int, set[str]]]:
    rows = {}
    for line in _text().splitlines():
        m = re.match(r"^\|\s*`([A-Z_]+)`\s*\|\s*(\d+)\s*\|\s*([A-Z_, ]+)\s*\|$", line)
        if m:
            rows[m.group(1)] = (int(m.group(2)), {r.strip() for r in m.group(3).split(",")})
    return rows


def _examples() -> dict[str, dict[str, object]]:
    sections = re.split(r"^### ", _text(), flags=re.M)[1:]
    out = {}
    for section in sections:
        name = section.splitlines()[0].strip()
        block = re.search(r"```json\n(.*?)\n```", section, flags=re.S)
        assert block is not None, f"{name} has no JSON example"
        out[name] = json.loads(block.group(1))
    return out


def test_the_table_lists_every_topic_each_system_hears_with_its_version() -> None:
    code: dict[str, tuple[int, set[str]]] = {}
    for recipient, topics in INTEGRATION_TOPICS.items():
        for topic, version in topics.items():
            seen = code.setdefault(topic.value, (version, set()))
            assert seen[0] == version, topic  # one version per topic, whoever hears it
            seen[1].add(recipient.value)
    assert _table() == code


def test_each_topic_has_an_example_of_exactly_what_the_code_writes() -> None:
    examples = _examples()
    assert set(examples) == set(_table())
    for name, example in examples.items():
        topic = Topic(name)
        assert list(example) == list(ENVELOPE), name
        assert example["topic"] == name
        versions = {v[topic] for v in INTEGRATION_TOPICS.values() if topic in v}
        assert {example["version"]} == versions, name
        facts = example["facts"]
        assert isinstance(facts, dict)
        assert list(facts) == list(FACTS[topic]), name


def test_the_postings_csv_header_is_the_one_served() -> None:
    block = re.search(r"```csv\n(.*?)\n```", _text(), flags=re.S)
    assert block is not None
    assert block.group(1).split(",") == HEADER


def test_the_readme_links_the_document() -> None:
    assert "docs/integration_events.md" in README.read_text(encoding="utf-8")
