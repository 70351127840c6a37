"""``winit audit --html``: the page of an audit (and of the signal through the model) in the
report's style, self-contained, the failing groups first with the histogram of exactly the
values their checks used."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch", reason="winit audit reads torch models: pip install torch")
pytest.importorskip("jinja2", reason="the page needs the report extra: pip install 'winit[report]'")

from typing import Any

from tests.audit_page import unwrapped
from winit.__main__ import main
from winit.audit import AuditResult, audit
from winit.audit.api import KEPT
from winit.audit.model import load_spec
from winit.audit.page import breakable, render_audit
from winit.signal.measuring import measure
from winit.signal.result import Signal

DOUBLED = "tests.test_audit_page:doubled_mlp()"
DEEP = "tests.test_audit_checks:deep_unit_normal()"
GPT2 = "transformers:GPT2Model(GPT2Config(n_layer=3, n_embd=64, n_head=2, n_positions=64, vocab_size=500))"


def doubled_mlp() -> Any:
    """Four He-initialised ReLU layers of 64, the third's weight scaled by 2 after its init
    call: the pooled ``*.weight`` group fails, the forward RMS doubles from that layer on."""
    nn = pytest.importorskip("torch").nn
    layers: list[Any] = []
    for _ in range(4):
        linear = nn.Linear(64, 64)
        nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
        nn.init.zeros_(linear.bias)
        layers += [linear, nn.ReLU()]
    model = nn.Sequential(*layers)
    with pytest.importorskip("torch").no_grad():
        model[4].weight.mul_(2.0)
    return model


def doubled_norm() -> Any:
    """A linear layer and a layer norm whose gain is scaled by 2 after its init call: the norm's
    output RMS check fails on that layer."""
    torch = pytest.importorskip("torch")
    model = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.LayerNorm(64))
    with torch.no_grad():
        model[1].weight.mul_(2.0)
    return model


def page_of(spec: str, **kwargs: object) -> tuple[AuditResult, Signal, str]:
    """The audit, the signal and the page of ``spec``, the page's wrap points (``<wbr>``)
    removed so that names read as written."""
    result = audit(spec, seed=0, paths=["built"], **kwargs)  # type: ignore[arg-type]
    signal = measure(load_spec(spec))
    return result, signal, unwrapped(render_audit(result, signal))


def group_ids(page: str) -> list[tuple[str, bool]]:
    """The groups' sections in page order, each as (id, open)."""
    found = re.finditer(r'<details id="(group-\d+)"( open)?', page)
    return [(m[1], m[2] is not None) for m in found]


def test_a_passing_gpt2_page_says_pass_and_draws_no_histogram() -> None:
    pytest.importorskip("transformers", reason="a real GPT-2: pip install transformers")
    result, signal, page = page_of(GPT2)
    assert result.passed and signal.passed
    assert 'class="verdict pass"' in page
    assert "standardised values" not in page and 'class="failing"' not in page


def test_a_passing_gpt2_page_draws_the_per_layer_rms_of_every_layer() -> None:
    pytest.importorskip("transformers", reason="a real GPT-2: pip install transformers")
    _, signal, page = page_of(GPT2)
    layers = [la for la in signal.layers if la.kind == "layer"]
    signal_part = page[page.index('id="signal"') :]
    assert 'alt="RMS at init per layer' in signal_part
    assert all(f"<code>{la.name}</code>" in signal_part for la in layers)


def test_a_gpt2_page_draws_the_rms_per_block_first() -> None:
    pytest.importorskip("transformers", reason="a real GPT-2: pip install transformers")
    _, _, page = page_of(GPT2)
    signal_part = page[page.index('id="signal"') :]
    alts = re.findall(r'<img src="data:[^"]*" alt="([^":]+):', signal_part)
    assert alts == ["RMS at init per block", "RMS at init per layer"]


def test_a_failing_group_comes_first_open_and_highlighted() -> None:
    result, _, page = page_of(DOUBLED)
    failing = [g for g in result.groups if not g.passed]
    assert [g.pattern for g in failing] == ["*.weight"]
    sections = group_ids(page)
    assert sections[0][1] and not any(o for _, o in sections[1:])
    first_row = page[page.index("<tbody>") : page.index("</tr>", page.index("<tbody>"))]
    assert 'class="failing"' in first_row and "<code>*.weight</code>" in first_row


def test_a_failing_group_shows_the_histogram_of_its_values_against_the_named_law() -> None:
    _, _, page = page_of(DOUBLED)
    first = page[page.index('<details id="group-') : page.index("</details>")]
    assert 'alt="*.weight (built): standardised values: values (' in first
    assert "; named law: N(0, " in first


def test_the_values_kept_for_the_histogram_are_the_ones_the_mean_check_used() -> None:
    result = audit(DOUBLED, seed=0, paths=["built"], sample=400)
    g = next(g for g in result.groups if g.pattern == "*.weight")
    mean = next(r.check for r in g.rows if r.check.name.startswith("mean"))
    assert len(g.kept) == mean.n == 4 * 400
    assert np.mean(g.kept) == pytest.approx(mean.measured, rel=1e-12, abs=1e-15)


def test_a_group_keeps_at_most_a_bounded_sample() -> None:
    result = audit(DOUBLED, seed=0, paths=["built"])
    g = next(g for g in result.groups if g.pattern == "*.weight")
    assert g.read > KEPT and 0 < len(g.kept) <= KEPT


def test_a_layer_whose_signal_check_fails_is_highlighted_in_the_layer_table() -> None:
    _, signal, page = page_of("tests.test_audit_page:doubled_norm()")
    rows = re.findall(r'<tr id="[^"]+" class="failing"><td class="num">\d+</td><td class="name"><code>([^<]+)</code>',
                      page)  # fmt: skip
    failing_layers = {f.subject for f in signal.failures} & {la.name for la in signal.layers}
    assert failing_layers and set(rows) == failing_layers


def test_the_verdict_links_every_failing_layer_to_its_row_in_the_layer_table() -> None:
    _, signal, page = page_of("tests.test_audit_page:doubled_norm()")
    verdict = page[page.index('id="verdict"') : page.index("</section>")]
    links = re.findall(r'<a href="#((?!group-)[^"]+)"><code>([^<]+)</code></a>', verdict)
    failing = {f.subject for f in signal.failures} & {la.name for la in signal.layers}
    assert failing and {name for _, name in links} >= failing
    for anchor, name in links:
        assert re.search(rf'<tr id="{re.escape(anchor)}"[^>]*><td class="num">\d+</td><td class="name"><code>'
                         rf"{re.escape(name)}</code>", page)  # fmt: skip


def test_the_signal_table_opens_with_its_verdict_so_a_narrow_page_cannot_cut_it_off() -> None:
    _, _, page = page_of(DEEP)
    table = page[page.index('id="signal"') :]
    head = table[table.index("<thead>") : table.index("</thead>")]
    assert head.startswith("<thead><tr><th>Verdict</th>")


def test_a_failing_signal_check_on_all_layers_comes_first_in_the_signal_table() -> None:
    _, signal, page = page_of(DEEP)
    table = page[page.index('id="signal"') :]
    first = table[table.index("<tbody>") : table.index("</tr>", table.index("<tbody>"))]
    assert not signal.passed and 'class="failing"' in first
    assert signal.failures[0].subject in first


def test_the_page_is_self_contained() -> None:
    _, _, page = page_of(DOUBLED)
    assert "<script" not in page and "<link" not in page
    assert not re.search(r"(?:src|href)=\"(?!data:|#)", page)
    assert not re.search(r"url\((?!data:)", page)


def test_the_html_option_writes_the_page_and_keeps_the_exit_status(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "audit.html"
    status = main(["audit", DOUBLED, "--paths", "built", "--signal", "off", "--html", str(out)])
    capsys.readouterr()
    assert status == 1
    assert 'class="verdict fail"' in out.read_text(encoding="utf-8")


def test_an_unwritable_html_path_is_a_usage_error_in_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "file").write_text("")
    bad = tmp_path / "file" / "audit.html"
    status = main(["audit", DOUBLED, "--paths", "built", "--signal", "off", "--html", str(bad)])
    err = capsys.readouterr().err.strip()
    assert status == 2 and "--html" in err and "\n" not in err


def test_html_without_the_report_extra_is_a_usage_error_naming_the_install(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "jinja2", None)
    for name in ("winit.audit.page", "winit.report.render"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    out = tmp_path / "audit.html"
    status = main(["audit", DOUBLED, "--paths", "built", "--html", str(out)])
    err = capsys.readouterr().err.strip()
    assert status == 2 and "pip install 'winit[report]'" in err and "\n" not in err
    assert not out.exists()


def test_the_group_table_shows_each_groups_value_count() -> None:
    result, _, page = page_of(DOUBLED)
    table = page[page.index('<table class="groups') : page.index("</table>")]
    for g in result.groups:
        assert f'<td class="num" data-label="Values (read)">{g.values} ({g.read})</td>' in table


def test_a_long_name_may_wrap_after_each_separator_of_its_path_and_nowhere_else() -> None:
    name = "params/LinenBlock_0/attention.query:kernel<0>"
    wrapped = str(breakable(name))
    assert wrapped == "params/<wbr>LinenBlock_0/<wbr>attention.<wbr>query:<wbr>kernel&lt;0&gt;"


def test_a_layer_index_stays_on_the_line_of_the_name_it_indexes() -> None:
    assert str(breakable("h.0.attn/layers/12")) == "h.0.<wbr>attn/<wbr>layers/12"


def test_every_cell_of_the_group_table_but_the_result_is_labelled_for_a_narrow_screen() -> None:
    _, _, page = page_of(DOUBLED)
    table = page[page.index('<table class="groups stack">') : page.index("</table>")]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table[table.index("<tbody>") :])
    cells = [re.findall(r"<td([^>]*)>", row) for row in rows]
    assert rows and all(all("data-label=" in c for c in row[1:]) for row in cells)
