"""`protod gap` and `protod report`: a self-contained HTML file, rendered in a real headless browser."""

import json
import re
import subprocess

import pytest
from browser import find_chromium
from typer.testing import CliRunner

from protod.cli import app

BROWSER_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
                 "--disable-component-update", "--disable-sync"]


def _browser():
    return find_chromium("the report's browser tests")


@pytest.fixture(scope="module")
def report_file(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    runner = CliRunner()
    assert runner.invoke(app, ["eval", "-n", "12", "-k", "2", "--out", str(root / "ev")]).exit_code == 0
    assert runner.invoke(app, ["simulate", "--agent", "prober", "-n", "6", "--out", str(root / "sim")]).exit_code == 0
    (root / "gap").mkdir()
    gap = {"deployable_pass_at_k": {"1": 0.1, "2": 0.15, "4": 0.2}, "privileged_pass_at_k": {"1": 0.6, "2": 0.7, "4": 0.8},
           "privileged_pass_at_1": 0.6}
    (root / "gap" / "gap.json").write_text(json.dumps(gap))
    (root / "train").mkdir()
    (root / "train" / "train_log.jsonl").write_text("".join(
        json.dumps({"step": i, "loss": 1.0 / i, "pg_loss": 0.5 / i, "aopd_loss": 0.2, "reward_mean": 0.1 * i}) + "\n" for i in range(1, 6)))
    out = root / "report.html"
    r = runner.invoke(app, ["report", str(root), "--out", str(out)])
    assert r.exit_code == 0, r.output
    return out


def test_report_is_self_contained_and_complete(report_file):
    page = report_file.read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)  # no network requests
    for part in ("Results", "95% CI", "Curves", "Training", "Transcripts", "data:image/png;base64"):
        assert part in page
    assert page.count("<img") >= 4  # pass@k, by difficulty, gap, training
    transcripts = json.loads(re.search(r"<script type='application/json' id='transcripts'>(.*?)</script>", page, re.S).group(1).replace("<\\/", "</"))
    assert transcripts and {"turns", "concerns", "traits", "decision"} <= set(transcripts[0])


def test_report_names_the_interval_and_marks_an_unclustered_eval_json(report_file, tmp_path):
    from protod.eval.passk import CLUSTERED_CI
    from protod.eval.report import build_report

    assert "95% CI by user" in report_file.read_text() and CLUSTERED_CI in report_file.read_text()
    assert "Noise floor" in report_file.read_text()
    assert "Marked *" not in report_file.read_text()
    old = json.loads((report_file.parent / "ev" / "eval.json").read_text())
    for cell in old["results"]:  # an eval.json written before intervals were clustered: still read, but marked
        cell.pop("ci_method")
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "eval.json").write_text(json.dumps(old))
    page = build_report([tmp_path / "old"])
    assert "Marked *" in page and re.search(r"<td>\d\.\d\d–\d\.\d\d \*</td>", page)


def test_report_with_nothing_to_show_is_a_clear_error(tmp_path):
    r = CliRunner().invoke(app, ["report", str(tmp_path), "--out", str(tmp_path / "r.html")])
    assert r.exit_code == 2 and "nothing to report" in r.output


def test_report_renders_in_a_headless_browser(report_file, tmp_path):
    browser = _browser()
    profile = tmp_path / "profile"
    dom = subprocess.run([browser, *BROWSER_FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
                          "--virtual-time-budget=5000", "--dump-dom", report_file.as_uri()],
                         capture_output=True, text=True, timeout=120)
    body = re.search(r"<body[^>]*>", dom.stdout)
    assert body and 'data-ready="1"' in body.group(0), (body, dom.stderr[-2000:])
    assert "data-js-error" not in body.group(0)
    assert not re.search(r"CONSOLE.*(Uncaught|Error)", dom.stderr), dom.stderr[-2000:]
    assert "turn 1" in dom.stdout.lower()  # the transcript browser rendered a dialogue

    shot = tmp_path / "shot.png"
    subprocess.run([browser, *BROWSER_FLAGS, f"--user-data-dir={tmp_path / 'profile2'}", "--window-size=1280,1800",
                    f"--screenshot={shot}", report_file.as_uri()], capture_output=True, timeout=120)
    import matplotlib.image

    pixels = matplotlib.image.imread(shot)[..., :3]
    non_white = (pixels.mean(axis=-1) < 0.95).mean()
    assert non_white > 0.02 and pixels.std() > 0.05, (non_white, pixels.std())  # not a blank page


def test_gap_command_compares_the_two_views(tmp_path):
    from protod.backends.fake_server import FakeOpenAIServer

    def respond(body):  # the "model" probes only when it is shown the concerns
        system = body["messages"][0]["content"]
        if "What really holds this person back" in system:
            return "How do you feel about paying a commission on each order, given your margins? Would you like to join FeastFleet?"
        return "FeastFleet is the leading delivery app in the city. Would you like to join FeastFleet?"

    with FakeOpenAIServer(respond) as srv:
        out = tmp_path / "gap"
        r = CliRunner().invoke(app, ["gap", "--model", f"openai:fake@{srv.base_url}", "--k", "1,2", "-n", "6", "--out", str(out)])
    assert r.exit_code == 0, r.output
    gap = json.loads((out / "gap.json").read_text())
    assert set(gap["deployable_pass_at_k"]) == {"1", "2"} and gap["privileged_pass_at_1"] >= gap["deployable_pass_at_k"]["2"]
    assert (out / "gap.png").stat().st_size > 1000
    # intervals cluster each user's 2 dialogues (the fake model answers alike, so a user's dialogues agree and the
    # interval is Wilson over the 6 users, not over 12 dialogues)
    from protod.eval.passk import wilson_interval
    from protod.run.trajectories import read_trajectories

    assert gap["acceptance_ci_method"].startswith("95% Wilson interval clustered by user") and "clustered by user" in r.output
    for view in ("deployable", "privileged"):
        by_user: dict = {}
        for rec in read_trajectories(out / "runs" / f"{view}__rule" / "trajectories.jsonl"):
            by_user.setdefault(rec["persona"]["id"], []).append(rec["decision"] == "accept")
        assert len(by_user) == 6 and all(len(set(v)) == 1 for v in by_user.values()), by_user
        accepted = sum(v[0] for v in by_user.values())
        assert gap[f"{view}_acceptance_ci"] == pytest.approx(list(wilson_interval(accepted, 6)))
    r = CliRunner().invoke(app, ["gap", "--model", "smollm2", "--k", "4,2", "--out", str(tmp_path / "bad")])
    assert r.exit_code == 2 and "increasing" in r.output


def test_every_figure_is_legible_with_its_legend_off_the_data():
    """Issue 22: the pass@k legend covered its curves and the training curves were four thumbnails in a row. Every
    figure keeps its legend outside every plot and is drawn wide enough to read at the page's width."""
    import base64
    import io

    import matplotlib.image

    from protod.eval.demo_summary import _curves_figure
    from protod.eval.report import _difficulty_figure, _passk_figure, png_img, _training_figure, gap_figure

    ks = {"1": 0.2, "2": 0.35, "4": 0.5}
    curves = {key: [0.1, 0.4, 0.3, 0.6] for key in ("reward_mean", "acceptance", "probing_rate", "aopd_loss")}
    figures = [
        gap_figure({"deployable_pass_at_k": ks, "privileged_pass_at_k": ks, "privileged_pass_at_1": 0.7}),
        _passk_figure([{"agent": a, "simulator": "rule", "pass_at_k": ks, "pass_hat_k": ks} for a in ("x", "y")]),
        _difficulty_figure([("x", {"easy": 0.9, "hard": 0.2}), ("y", {"easy": 0.7, "hard": 0.1})]),
        _training_figure("run", [{"step": i, "loss": 1 / i, "reward_mean": i / 10} for i in range(1, 6)]),
        _curves_figure({"arms": {a: {"label": a.upper(), "curves": curves} for a in ("grpo", "siavpo", "random")}}),
    ]
    for fig in figures:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        plots = [ax.get_window_extent(renderer) for ax in fig.axes]
        legends = [ax.get_legend() for ax in fig.axes if ax.get_legend()] + list(fig.legends)
        assert legends, fig
        for legend in legends:
            box = legend.get_window_extent(renderer)
            assert not any(box.overlaps(plot) for plot in plots), (fig, box)
        image = png_img(fig)
        pixels = matplotlib.image.imread(io.BytesIO(base64.b64decode(image.split("base64,")[1].rstrip('">'))))
        assert pixels.shape[1] >= 650, pixels.shape  # px at the report's dpi: shown full width, not as a thumbnail
