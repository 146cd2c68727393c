"""`protod report`: one self-contained HTML file (no network) from run directories.

It reads whatever the directories hold — eval.json (`protod eval`), gap.json (`protod gap`), metrics.json and
trajectories.jsonl (`protod simulate`), train_log.jsonl (`protod train`) — and lays out: a results table with
intervals, pass@k curves, acceptance by difficulty, the gap plot, training curves, and a transcript browser that
shows each dialogue turn by turn beside the user's stance / trust / patience and each concern's status, with the
persona's hidden concerns revealed. Figures are matplotlib PNGs inlined as base64; the browser is a few lines of
inline JavaScript over embedded JSON.
"""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path
from typing import Any

from protod.eval.passk import CLUSTERED_CI, wilson_interval
from protod.run.trajectories import read_trajectories

MAX_TRANSCRIPTS = 300


def pyplot():
    """matplotlib.pyplot on the Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def png_img(fig: Any) -> str:
    """`fig` as an HTML <img> holding its PNG inline (the report is one self-contained file); closes the figure."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    pyplot().close(fig)
    return f'<img alt="figure" src="data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}">'


def gap_figure(gap: dict[str, Any]) -> Any:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4.0))
    ks = [int(k) for k in gap["deployable_pass_at_k"]]
    ax.plot(ks, [gap["deployable_pass_at_k"][str(k)] for k in ks], "o-", label="deployable view pass@k")
    ax.plot(ks, [gap["privileged_pass_at_k"][str(k)] for k in ks], "s--", alpha=0.6, label="privileged view pass@k")
    ax.axhline(gap["privileged_pass_at_1"], color="crimson", linestyle=":", label="privileged view pass@1")
    ax.set_xscale("log", base=2)
    _finish(ax, ks, "k (samples per user)", "acceptance", "Proactivity gap", legend_size=8)
    return fig


def _finish(ax: Any, ks: list[int], xlabel: str, ylabel: str, title: str, legend_size: int) -> None:
    """Shared styling of the probability-vs-k plots."""
    ax.set_xticks(ks, [str(k) for k in ks])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, 1.02)
    ax.set_title(title)
    _legend_outside(ax, legend_size)


def _legend_outside(ax: Any, size: int) -> None:
    """The legend right of the plot, never over the data (the saved image grows to hold it: bbox_inches="tight")."""
    ax.legend(fontsize=size, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)


def _passk_figure(results: list[dict[str, Any]]) -> Any:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4.0))
    for r in results:
        ks = sorted(int(k) for k in r["pass_at_k"])
        ax.plot(ks, [r["pass_at_k"][str(k)] for k in ks], "o-", label=f"{r['agent']} / {r['simulator']} pass@k")
        ax.plot(ks, [r["pass_hat_k"][str(k)] for k in ks], "x:", alpha=0.6, label=f"{r['agent']} / {r['simulator']} pass^k")
    all_k = sorted({int(k) for r in results for k in r["pass_at_k"]})
    _finish(ax, all_k, "k", "probability", "pass@k (at least one of k succeeds) and pass^k (all k succeed)", legend_size=7)
    return fig


def _difficulty_figure(rows: list[tuple[str, dict[str, float]]]) -> Any:
    plt = pyplot()
    order = {"easy": 0, "medium": 1, "hard": 2}
    difficulties = sorted({d for _, by in rows for d in by}, key=lambda d: (order.get(d, 9), d))
    fig, ax = plt.subplots(figsize=(7.5, 4.0))
    width = 0.8 / max(len(rows), 1)
    for i, (label, by) in enumerate(rows):
        ax.bar([j + i * width for j in range(len(difficulties))], [by.get(d, 0.0) for d in difficulties], width, label=label)
    ax.set_xticks([j + width * (len(rows) - 1) / 2 for j in range(len(difficulties))], difficulties)
    ax.set_ylabel("acceptance")
    ax.set_ylim(0, 1.02)
    ax.set_title("Acceptance by difficulty")
    _legend_outside(ax, 8)
    return fig


def _training_figure(name: str, log: list[dict[str, Any]]) -> Any:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4.0))
    steps = [r["step"] for r in log]
    for key in ("loss", "pg_loss", "aopd_loss", "reward_mean"):
        values = [r.get(key) for r in log]
        if any(v is not None for v in values):
            ax.plot(steps, [v if v is not None else float("nan") for v in values], label=key)
    ax.set_xlabel("step")
    ax.set_title(f"Training: {name}")
    _legend_outside(ax, 8)
    return fig


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    out = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                value = json.loads(line)
            except (ValueError, RecursionError):
                raise ValueError(f"{path}:{lineno}: not a JSON line") from None
            if not isinstance(value, dict):
                raise ValueError(f"{path}:{lineno}: expected a JSON object, got {type(value).__name__}")
            out.append(value)
    return out


_REDO = "rerun the command that wrote it, or leave its directory out of the report"


def collect(dirs: list[Path]) -> dict[str, Any]:
    from protod.store.records import GapCurve, Metrics, ReportedEval
    from protod.store.files import read_model

    found: dict[str, Any] = {"evals": [], "gaps": [], "simulations": [], "training": [], "transcripts": []}
    for root in dirs:
        if not root.exists():
            raise ValueError(f"{root}: no such directory")
        # every file through its model: a damaged one is refused naming its field, never a KeyError mid-page
        for path in sorted(root.rglob("eval.json")):
            found["evals"].append((path.parent, read_model(path, ReportedEval, _REDO).model_dump()))
        for path in sorted(root.rglob("gap.json")):
            found["gaps"].append((path.parent, read_model(path, GapCurve, _REDO).model_dump()))
        for path in sorted(root.rglob("metrics.json")):
            found["simulations"].append((path.parent, read_model(path, Metrics, _REDO).model_dump()))
        for path in sorted(root.rglob("train_log.jsonl")):
            found["training"].append((path.parent, _read_jsonl(path)))
        for path in sorted(root.rglob("trajectories.jsonl")):
            for rec in read_trajectories(path)[: MAX_TRANSCRIPTS]:
                if len(found["transcripts"]) < MAX_TRANSCRIPTS:
                    found["transcripts"].append(_transcript(rec, path.parent.name))
    if not any(found.values()):
        raise ValueError(f"nothing to report in {', '.join(map(str, dirs))}: expected eval.json, gap.json, metrics.json, "
                         "trajectories.jsonl or train_log.jsonl from protod eval / gap / simulate / train")
    return found


def _transcript(rec: dict[str, Any], run: str) -> dict[str, Any]:
    return {
        "label": f"{run} | {rec['id']} | {rec['persona']['stratum']} | {rec['decision']}",
        "agent": rec["agent"], "simulator": rec["simulator"], "decision": rec["decision"], "status": rec.get("status", "ok"),
        "traits": rec["persona"]["traits"], "concerns": [c["id"] for c in rec["persona"]["concerns"]],
        "initial": rec["persona"]["initial_state"],
        "turns": [{"agent": t["agent"], "user": t["user"], "acts": t["acts"], "events": t["events"], "state": t["state"]}
                  for t in rec["turns"]],
    }


def html_table(headers: list[str], rows: list[list[str]]) -> str:
    """An HTML table of escaped text cells."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _eval_ci(cell: dict[str, Any], parent: dict[str, Any] | None = None) -> str:
    """An eval cell's interval; marked * when its eval.json predates clustering by user (no ci_method)."""
    old = not (parent or cell).get("ci_method")
    return f"{cell['ci_low']:.2f}–{cell['ci_high']:.2f}" + (" *" if old else "")


def build_report(dirs: list[Path], lead: str = "") -> str:
    """One self-contained HTML page over the runs in `dirs`; `lead` is HTML put first (e.g. the demo's own section)."""
    found = collect(dirs)
    sections: list[str] = [lead] if lead else []
    rows, diff_rows, eval_results = [], [], []
    for where, ev in found["evals"]:
        for r in ev["results"]:
            eval_results.append(r)
            rows.append([str(where.name), r["agent"], r["simulator"], str(r["n_dialogues"]), f"{r['acceptance']:.3f}",
                         _eval_ci(r), f"{r['pass_at_k'].get('1', 0):.3f}",
                         f"{r['concern_discovery_rate']:.2f}", f"{r['concern_resolution_rate']:.2f}",
                         f"{r['unsupported_claim_rate']:.3f}", str(r["error_count"])])
            by: dict[str, list[float]] = {}
            for stratum, s in r["by_stratum"].items():
                by.setdefault(stratum.split("/")[0], []).extend([1.0] * round(s["acceptance"] * s["n"]) + [0.0] * (s["n"] - round(s["acceptance"] * s["n"])))
            diff_rows.append((f"{r['agent']} / {r['simulator']}", {d: sum(v) / len(v) for d, v in by.items() if v}))
    in_eval = {str(Path(r["run_dir"]).resolve()) for _, ev in found["evals"] for r in ev["results"]}
    for where, m in found["simulations"]:
        if str(where.resolve()) in in_eval or m.get("n") is None:
            continue
        ok = m["n"]
        # `simulate` holds one dialogue per user: Wilson over dialogues is already Wilson over users
        low, high = wilson_interval(round(m["acceptance_rate"] * ok), ok)
        cfg = m.get("run", {}).get("config", {})
        rows.append([str(where.name), str(cfg.get("agent", "?")), str(cfg.get("simulator", "rule")), str(ok),
                     f"{m['acceptance_rate']:.3f}", f"{low:.2f}–{high:.2f}", "–", f"{m['concern_discovery_rate']:.2f}",
                     f"{m['concern_resolution_rate']:.2f}", "–", str(m["error_count"])])
        if m.get("by_difficulty"):
            diff_rows.append((f"{cfg.get('agent', where.name)}", {d: v["acceptance_rate"] for d, v in m["by_difficulty"].items()}))
    if rows:
        sections.append("<h2>Results</h2>" + html_table(
            ["run", "agent", "simulator", "dialogues", "acceptance", "95% CI by user", "pass@1", "concerns found", "resolved",
             "unsupported claims", "errors"], rows) + f"<p>95% CI by user: {html.escape(CLUSTERED_CI)} (a user's dialogues "
            "are not independent; a simulate run holds one dialogue per user)."
            + (" Marked *: an eval.json written before intervals were clustered, which treats every dialogue as "
               "independent." if any(not r.get("ci_method") for r in eval_results) else "")
            + (f" Noise floor: rows of an eval differing in acceptance by less than "
               f"{max(r['min_detectable_difference'] for r in floors):.3f} cannot be told apart at their size (80% "
               "power, alpha 0.05)." if (floors := [r for r in eval_results if 'min_detectable_difference' in r]) else "")
            + "</p>")
    strata_rows = [[r["agent"], r["simulator"], stratum, str(v["n"]), f"{v['acceptance']:.3f}", _eval_ci(v, r)]
                   for r in eval_results for stratum, v in r["by_stratum"].items()]
    if strata_rows:
        sections.append("<details><summary>Acceptance by stratum (difficulty / primary concern)</summary>"
                        + html_table(["agent", "simulator", "stratum", "dialogues", "acceptance", "95% CI by user"], strata_rows) + "</details>")
    figures = []
    if eval_results:
        figures.append(png_img(_passk_figure(eval_results)))
    if diff_rows:
        figures.append(png_img(_difficulty_figure(diff_rows)))
    for _, gap in found["gaps"]:
        figures.append(png_img(gap_figure(gap)))
    if figures:
        sections.append("<h2>Curves</h2><div class='figs'>" + "".join(figures) + "</div>")
    if found["training"]:
        sections.append("<h2>Training</h2><div class='figs'>" + "".join(png_img(_training_figure(w.name, log)) for w, log in found["training"]) + "</div>")
    if found["transcripts"]:
        data = json.dumps(found["transcripts"]).replace("</", "<\\/")
        sections.append(
            "<h2>Transcripts</h2><p>Pick a dialogue: each agent turn, the user's reply, what the turn was perceived to do, "
            "and the user's state after it. The persona's hidden concerns are revealed.</p>"
            "<select id='pick'></select><div id='dialogue'></div>"
            f"<script type='application/json' id='transcripts'>{data}</script>"
        )
    return _PAGE.replace("{{BODY}}", "\n".join(sections))


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>protod report</title>
<style>
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1180px;color:#1d2330;padding:0 16px}
h1{font-size:22px} h2{font-size:18px;margin-top:28px;border-bottom:1px solid #dde2ea;padding-bottom:4px}
table{border-collapse:collapse;font-size:13px;margin:8px 0} th,td{border:1px solid #dde2ea;padding:4px 8px;text-align:right}
th{background:#f3f5f9} td:nth-child(-n+3){text-align:left}
.figs img{display:block;max-width:100%;margin:8px 0;border:1px solid #eef0f4}
select{font-size:13px;max-width:100%;margin:8px 0}
.turn{display:grid;grid-template-columns:1fr 1fr 260px;gap:10px;border-top:1px solid #eef0f4;padding:8px 0}
.who{font-size:11px;color:#667;text-transform:uppercase} .acts{font-size:11px;color:#667}
.bar{height:8px;background:#e8ecf3;border-radius:4px;margin:2px 0 6px} .bar span{display:block;height:8px;border-radius:4px}
.chip{display:inline-block;font-size:11px;padding:1px 6px;border-radius:9px;margin:1px;color:#fff}
.hidden{background:#8a94a6}.voiced{background:#d98b1e}.resolved{background:#2e9d5b}
.persona{background:#f7f8fb;padding:8px 12px;border-radius:6px;font-size:13px}
</style></head>
<body><h1>protod report</h1>
{{BODY}}
<script>
(function(){
  window.addEventListener('error', function(e){ document.body.dataset.jsError = String(e.message); });
  var node = document.getElementById('transcripts');
  if (!node) { document.body.dataset.ready = '1'; return; }
  var dialogues = JSON.parse(node.textContent), pick = document.getElementById('pick'), view = document.getElementById('dialogue');
  function esc(s){ return String(s).replace(/[&<>"]/g, function(c){ return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]; }); }
  function bar(label, value, colour){ return '<div>' + label + ' ' + value.toFixed(2) + '</div><div class="bar"><span style="width:' + Math.round(100 * value) + '%;background:' + colour + '"></span></div>'; }
  function show(i){
    var d = dialogues[i], out = [];
    out.push('<div class="persona"><b>' + esc(d.agent) + '</b> vs <b>' + esc(d.simulator) + '</b> simulator, decision <b>' + esc(d.decision) + '</b><br>');
    out.push('Visible traits: ' + Object.keys(d.traits).map(function(k){ return esc(d.traits[k]); }).join('; ') + '<br>');
    out.push('Hidden concerns (revealed): ' + d.concerns.map(esc).join(', ') + '<br>Initial stance ' + d.initial.stance.toFixed(2) + ', trust ' + d.initial.trust.toFixed(2) + ', patience ' + d.initial.patience + '</div>');
    d.turns.forEach(function(t, k){
      var chips = Object.keys(t.state.concerns).map(function(c){ var s = t.state.concerns[c]; return '<span class="chip ' + s + '">' + esc(c) + ': ' + s + '</span>'; }).join(' ');
      out.push('<div class="turn"><div><div class="who">agent, turn ' + (k + 1) + '</div>' + esc(t.agent) + '<div class="acts">' + esc(t.acts.join(', ')) + '</div></div>'
        + '<div><div class="who">user</div>' + esc(t.user) + '<div class="acts">' + esc(t.events.join(', ')) + '</div></div>'
        + '<div>' + bar('stance', t.state.stance, '#3b6fd8') + bar('trust', t.state.trust, '#8a5cd1') + '<div>patience ' + t.state.patience + ', ' + esc(t.state.decision) + '</div>' + chips + '</div></div>');
    });
    view.innerHTML = out.join('');
  }
  dialogues.forEach(function(d, i){ var o = document.createElement('option'); o.value = i; o.textContent = d.label; pick.appendChild(o); });
  pick.addEventListener('change', function(){ show(+pick.value); });
  if (dialogues.length) show(0);
  document.body.dataset.ready = '1';
})();
</script></body></html>
"""
