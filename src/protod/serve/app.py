"""The web app of `protod serve`: server-rendered pages, plain HTML forms, one small script.

Every POST stores what the person sent (flushed to disk) before it answers, then redirects (a reload never sends a
turn twice; a stale page's turn number is checked too). Templates are autoescaped and the Content-Security-Policy
allows only this server's own script, so text a person or a model typed is never run as HTML or script.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from protod.serve import labels as lab
from protod.serve.dialogue import PERSON_DECISIONS, STATUSES, Players
from protod.serve.inputs import NOTICES, TurnRefused, check_labeller, check_turn
from protod.serve.store import SessionStore

HERE = Path(__file__).parent
CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'"


def create_app(out: Path, device: str | None = None) -> FastAPI:
    from protod.agent.registry import SCRIPTED_AGENTS
    from protod.world import builtin_scenarios, load_scenario
    from protod.user.simulator import SIMULATORS

    store = SessionStore(out)
    players = Players(store, device)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True, undefined=jinja2.StrictUndefined)
    templates = Jinja2Templates(env=env)
    app = FastAPI(title="protod serve", docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.middleware("http")
    async def headers(request: Request, call_next: Any) -> Response:
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return templates.TemplateResponse(request, name, {"error": None, "notices": [], **context}, status_code=status)

    def home(request: Request, error: str | None = None, status: int = 200) -> HTMLResponse:
        return page(request, "index.html", status, error=error, scenarios=builtin_scenarios(), agents=sorted(SCRIPTED_AGENTS),
                    simulators=SIMULATORS, sessions=store.list(), queues=lab.queues(out), out=str(out))

    def see_session(sid: str, notices: list[str] = ()) -> RedirectResponse:
        query = "?" + "&".join(f"n={quote(n)}" for n in notices) if notices else ""
        return RedirectResponse(f"/s/{sid}{query}", status_code=303)

    @app.get("/", response_class=HTMLResponse)
    async def index(request: Request) -> HTMLResponse:
        return home(request)

    @app.post("/play/{mode}")
    async def start(request: Request, mode: str) -> Response:
        form = await request.form()
        try:
            seed = _int(form.get("seed", "0"), "seed")
            sid = await run_in_threadpool(
                players.start, mode, str(form.get("scenario", "")).strip() or "merchant_recruitment", seed,
                str(form.get("stratum", "")).strip() or None, agent=str(form.get("agent", "prober")),
                simulator=str(form.get("simulator", "rule")), sim_model=str(form.get("sim_model", "")).strip() or None,
                view=str(form.get("view", "deployable")), reveal=form.get("reveal") == "on")
        except Exception as e:  # noqa: BLE001  (any bad choice - pack, spec, stratum - is the person's to fix)
            return home(request, f"Could not start: {_reason(e)}", 400)
        return see_session(sid)

    def session_page(request: Request, sid: str, status: int = 200, error: str | None = None, draft: str = "") -> HTMLResponse:
        session = players.load(sid)
        notices = [NOTICES[n] for n in request.query_params.getlist("n") if n in NOTICES]
        name = "play_user.html" if session.mode == "user" else "play_agent.html"
        return page(request, name, status, s=session, error=error, notices=notices, draft=draft, statuses=STATUSES,
                    decisions=PERSON_DECISIONS, state=session.state, card=session.persona_card(), budget=session.pack.turn_budget)

    @app.get("/s/{sid}", response_class=HTMLResponse)
    async def show(request: Request, sid: str) -> Response:
        try:
            session = players.load(sid)
        except KeyError:
            return home(request, f"No session {sid!r} under {out}.", 404)
        try:  # a restart may have come between a stored line and its answer: finish that step first
            with store.lock(sid):
                if session.mode == "user":
                    await run_in_threadpool(players.agent_turn, session)
                else:
                    await run_in_threadpool(players.answer_pending, session)
        except Exception as e:  # noqa: BLE001  (a model that fails: say so, keep the session)
            return session_page(request, sid, 502, error=f"The other side could not answer: {_reason(e)}. Reload to try again.")
        return session_page(request, sid)

    @app.post("/s/{sid}/say")
    async def say(request: Request, sid: str) -> Response:
        form = await request.form()
        draft = str(form.get("text", ""))
        try:
            session = players.load(sid)
        except KeyError:
            return home(request, f"No session {sid!r} under {out}.", 404)
        with store.lock(sid):
            session = players.load(sid)
            if session.end is not None:
                return session_page(request, sid, 409, error="This call has ended; your text was not sent.", draft=draft)
            if str(form.get("turn")) != str(len(session.turns) + 1):
                return session_page(request, sid, 409, draft=draft,
                                    error="This page was out of date (that turn was already sent); check the dialogue and send again if needed.")
            try:
                text, notices = check_turn(draft)
                if session.mode == "user":
                    panel = {"stance": _float(form.get("stance"), "stance"), "trust": _float(form.get("trust"), "trust"),
                             "decision": str(form.get("decision", "continue")),
                             "concerns": {c.id: str(form[f"concern_{c.id}"]) for c in session.persona.concerns
                                          if f"concern_{c.id}" in form}}
                    await run_in_threadpool(players.person_answers, session, text, panel)
                else:
                    await run_in_threadpool(players.person_says, session, text)
            except (TurnRefused, ValueError) as e:
                return session_page(request, sid, 400, error=str(e), draft=draft)
            except Exception as e:  # noqa: BLE001  (the turn is stored; the other side failed)
                return session_page(request, sid, 502, error=f"Your turn is saved, but the other side could not answer: {_reason(e)}. Reload to try again.")
        return see_session(sid, notices)

    @app.post("/s/{sid}/end")
    async def end(request: Request, sid: str) -> Response:
        try:
            with store.lock(sid):
                session = players.load(sid)
                await run_in_threadpool(players.finish, session, None, True)
        except KeyError:
            return home(request, f"No session {sid!r} under {out}.", 404)
        return see_session(sid)

    # -- labelling ---------------------------------------------------------------------------------------------------
    @app.post("/label")
    async def new_queue(request: Request) -> Response:
        form = await request.form()
        try:
            who = check_labeller(str(form.get("labeller", "")))
            n = _int(form.get("n") or "0", "lines") or None
            qid = await run_in_threadpool(lab.make_queue, out, Path(str(form.get("source", "")).strip()), n,
                                          _int(form.get("seed") or "0", "seed"))
        except (ValueError, OSError) as e:
            return home(request, f"Could not make a queue: {_reason(e)}", 400)
        return RedirectResponse(f"/label/{qid}/{who}", status_code=303)

    def label_page(request: Request, qid: str, who: str, index: int | None, status: int = 200, error: str | None = None) -> HTMLResponse:
        items = lab.queue_items(out, qid)
        done = lab.labels_of(out, qid, who)
        if index is None:
            index = next((i for i, it in enumerate(items) if (it["pack"], it["text"]) not in done), len(items))
        if index >= len(items):
            return page(request, "label_done.html", qid=qid, who=who, n=len(items))
        item = items[index]
        pack = load_scenario(item["pack"])
        return page(request, "label.html", status, error=error, qid=qid, who=who, index=index, n=len(items), item=item,
                    pack=pack, label=done.get((item["pack"], item["text"])), n_done=len(done))

    @app.get("/label/{qid}/{who}", response_class=HTMLResponse)
    async def label(request: Request, qid: str, who: str, i: int | None = None) -> Response:
        try:
            check_labeller(who)
            return label_page(request, qid, who, i)
        except (KeyError, TurnRefused):
            return home(request, f"No label queue {qid!r} for {who!r} under {out}.", 404)

    @app.post("/label/{qid}/{who}/{index}")
    async def save(request: Request, qid: str, who: str, index: int) -> Response:
        form = await request.form()
        try:
            check_labeller(who)
            items = lab.queue_items(out, qid)
            item = items[index]
        except (KeyError, IndexError, TurnRefused):
            return home(request, f"No line {index} in label queue {qid!r}.", 404)
        pack = load_scenario(item["pack"])
        try:
            facts = {f.id: str(form.get(f"fact_{f.id}", "none")) for f in pack.facts}
            probes = form.getlist("probe")
            known = {c.id for c in pack.concerns} | {lab.OPEN_PROBE}
            if any(p not in known for p in probes) or any(v not in ("none", "stated", "not") for v in facts.values()):
                raise ValueError("the form named a fact, concern or choice this pack does not have; reload the page")
            record = lab.label_record(
                item["pack"], item["text"], [f for f, v in facts.items() if v == "stated"], [f for f, v in facts.items() if v == "not"],
                _tri(form.get("false_claim")), [str(p) for p in probes], _tri(form.get("closing_ask")), form.get("nonsense") == "on")
        except ValueError as e:
            return label_page(request, qid, who, index, 400, error=str(e))
        lab.save_label(out, qid, who, record)
        return RedirectResponse(f"/label/{qid}/{who}", status_code=303)

    @app.get("/label/{qid}", response_class=HTMLResponse)
    async def agree(request: Request, qid: str) -> Response:
        try:
            people = lab.labellers(out, qid)
            lab.queue_items(out, qid)
        except KeyError:
            return home(request, f"No label queue {qid!r} under {out}.", 404)
        pairs = []
        for i, a in enumerate(people):
            for b in people[i + 1:]:
                recs_a = list(lab.labels_of(out, qid, a).values())
                recs_b = list(lab.labels_of(out, qid, b).values())
                pairs.append((a, b, lab.agreement(recs_a, recs_b)))
        return page(request, "agreement.html", qid=qid, people=people, pairs=pairs)

    return app


def _reason(e: Exception) -> str:
    return " ".join(str(e).split())[:300] or type(e).__name__


def _int(value: Any, name: str) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        raise ValueError(f"{name} {str(value)[:40]!r}: expected a whole number") from None


def _float(value: Any, name: str) -> float:
    try:
        return float(str(value).strip())
    except ValueError:
        raise ValueError(f"{name} {str(value)[:40]!r}: expected a number from 0 to 1") from None


def _tri(value: Any) -> bool | None:
    """A yes / no / can't-tell radio as true / false / null."""
    if value in (None, "", "no"):
        return False
    if value == "yes":
        return True
    if value == "unsure":
        return None
    raise ValueError(f"{str(value)[:40]!r}: expected yes, no or unsure")
