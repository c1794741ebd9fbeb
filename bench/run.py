"""`python -m bench.run --sizes 35,350`: every benchmark of docs/BENCHMARKS.md, each in its own process, into one JSON file."""

from __future__ import annotations

import argparse
import functools
import json
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import machine
from bench.child import MeasurementFailed, measure
from bench.corpus import build_corpus, docx_forms_inbox
from bench.prefect_flow import prefect_env
from bench.prefect_server import prefect_server
from bench.warehouses import DEFAULT_PG_URL, pg_available, pg_schema, sqlite_url

PARTS = ("raw", "parallel", "steps", "docx", "flows", "nightly", "queries", "peers")
RUNNERS = ("thread", "process-1", "process-2")  # the task runner, and for processes PARINDEX_WORKERS


def _log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


class Bench:
    """One benchmark run: where it works, what it measures, and the results saved after every measurement."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.work: Path = args.work
        self.work.mkdir(parents=True, exist_ok=True)
        self.parts = set(args.only.split(",")) if args.only else set(PARTS)
        self.api_url: str | None = None  # the benchmark's Prefect server, once started
        self.pg_url: str | None = None if args.no_pg else args.pg_url
        if self.pg_url and (why := pg_available(self.pg_url)):
            _log(f"PostgreSQL measurements skipped: {why}")
            self.pg_url = None
        self.results: dict[str, Any] = {
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": "python -m bench.run " + " ".join(sys.argv[1:]),
            "machine": machine.describe(self.pg_url),
            "code": machine.code_version(),
            "sizes": {},
            "errors": [],
        }

    def save(self) -> None:
        self.args.out.parent.mkdir(parents=True, exist_ok=True)
        self.args.out.write_text(json.dumps(self.results, ensure_ascii=False, indent=1, default=str), encoding="utf-8")

    def run(
        self, where: dict[str, Any], key: str, label: str, target: str, kwargs: dict[str, Any], env: Mapping[str, str | None] | None = None
    ) -> dict[str, Any] | None:
        """One measurement in its own process; a failure is recorded and the run goes on."""
        _log(f"{label} …")
        try:
            result = measure(target, kwargs, env)
        except (MeasurementFailed, OSError) as exc:
            _log(f"{label} FAILED: {exc}")
            self.results["errors"].append({"measurement": label, "error": str(exc)})
            self.save()
            return None
        where[key] = result
        _log(f"{label}: {result.get('seconds', result.get('ingest', ''))} s, peak {result['maxrss_mb']} MB")
        self.save()
        return result

    # ------------------------------------------------------------ per corpus size

    def size(self, n: int) -> None:
        entry: dict[str, Any] = self.results["sizes"].setdefault(str(n), {})
        begun = time.perf_counter()
        corpus = build_corpus(self.work / f"corpus-{n}", n)
        suffixes = [p.suffix for p in corpus.inbox.rglob("*") if p.is_file()]
        entry["corpus"] = {
            "submissions": n,
            "files": corpus.files,
            "forms": len(corpus.forms),
            "pdf_forms": sum(1 for f in corpus.forms if f.fmt == "pdf"),
            "pdf_files": suffixes.count(".pdf"),
            "docx_files": suffixes.count(".docx"),
            "ready_seconds": round(time.perf_counter() - begun, 1),
        }
        _log(f"corpus {n}: {corpus.files} files ({entry['corpus']['ready_seconds']} s)")
        inbox = str(corpus.inbox)
        if "raw" in self.parts:
            self.run(entry, "raw", f"raw bound N={n}", "bench.raw:raw_bound", {"inbox": inbox})
        if "parallel" in self.parts:  # what 2 bare processes gain over 1 here: the ceiling of the flows' speed-up
            self.run(entry, "parallel", f"raw bound in 1 and 2 processes N={n}", "bench.parallel:parallel_bound", {"inbox": inbox})
        # Plain steps twice: documents read in this process (against the raw bound, CPU counted), then each in a
        # reader process with its limits (pipeline.isolation), as the ingest flow reads them.
        if "steps" in self.parts:
            for key, isolation, label in (("steps", "none", ""), ("steps_guarded", "child", ", reader processes")):
                if isolation not in self.args.steps_isolation.split(","):
                    continue
                url = sqlite_url(self.work / "db" / f"{key}-{n}.db")
                arguments = {"inbox": inbox, "db_url": url, "corpus": str(corpus.root), "rerun": key == "steps"}
                self.run(entry, key, f"plain steps{label} N={n}", "bench.plain_steps:pipeline_steps", arguments, {"PARINDEX_ISOLATION": isolation})
        if "docx" in self.parts:
            # The Word forms, their packages' evidence taken in by an earlier run (as when a unit sends its
            # evidence first, or resends its form alone), and once more with that evidence never sent.
            docx_inbox = docx_forms_inbox(corpus, self.work / f"docx-forms-{n}")
            evidence = str(docx_forms_inbox(corpus, self.work / f"docx-evidence-{n}", part="evidence"))
            for key, isolation, before, label in (
                ("docx_forms", "none", evidence, ""),
                ("docx_forms_guarded", "child", evidence, ", reader processes"),
                ("docx_forms_alone", "none", None, ", their evidence never sent"),
            ):
                url = sqlite_url(self.work / "db" / f"{key}-{n}.db")
                self.run(
                    entry,
                    key,
                    f"DOCX forms only{label} N={n}",
                    "bench.plain_steps:pipeline_steps",
                    {"inbox": str(docx_inbox), "db_url": url, "rerun": False, "sent_before": before},
                    {"PARINDEX_ISOLATION": isolation},
                )
        if "flows" in self.parts:
            modes: list[tuple[str, str | None]] = [("server", self.api_url)] if n in self.flow_sizes and self.api_url else []
            modes += [("ephemeral", None)] if n in self.ephemeral_sizes else []
            for mode, api_url in modes:
                flows: dict[str, Any] = entry.setdefault("flows" if mode == "server" else "flows_ephemeral", {})
                rounds = self.args.rounds if mode == "server" else 1
                for index in range(rounds):  # the runners in turn, round after round: the machine's drift falls on all
                    measured: dict[str, Any] = flows if index == 0 else {}
                    for name in self.runners:
                        runner, _, count = name.partition("-")
                        workers = int(count) if count else None
                        url = sqlite_url(self.work / "db" / f"flow-{mode}-{name}-{n}.db")
                        label = f"Prefect flow ({mode} API, {name}) N={n}" + (f", round {index + 1}/{rounds}" if rounds > 1 else "")
                        self.run(
                            measured,
                            name,
                            label,
                            "bench.prefect_flow:flow_run",
                            {"inbox": inbox, "out_dir": str(self.work / "out" / name)},
                            prefect_env(self.work, url, runner, workers, api_url),
                        )
                    if rounds > 1:
                        entry.setdefault("flow_rounds", []).append(
                            {name: {"ingest": run["ingest"], "ingest_cpu": run.get("ingest_cpu")} for name, run in measured.items()}
                        )

    @property
    def flow_sizes(self) -> set[int]:
        return {int(s) for s in self.args.flow_sizes.split(",")} if self.args.flow_sizes else {n for n in self.sizes if n <= 350}

    @property
    def runners(self) -> list[str]:
        return [r for r in self.args.runners.split(",") if r.strip()]

    @property
    def ephemeral_sizes(self) -> set[int]:
        return {int(s) for s in self.args.ephemeral_sizes.split(",") if s.strip()} & set(self.sizes)

    @property
    def sizes(self) -> list[int]:
        return [int(s) for s in self.args.sizes.split(",") if s.strip()]

    # ------------------------------------------------------------ fixed-size measurements

    def nightly(self) -> None:
        from bench.nightly import known_inbox, record_known

        count = self.args.nightly_docs
        entry: dict[str, Any] = self.results.setdefault("nightly", {"documents": count})

        def measure_on(inbox: Path, url: str, layout: str, flows: bool) -> None:
            where = entry.setdefault(layout, {})
            where["recorded"] = record_known(inbox, url)
            arguments: dict[str, Any] = {"inbox": str(inbox), "db_url": url}
            self.run(where, "steps", f"nightly no-change, plain steps ({layout})", "bench.nightly:nightly_steps", arguments)
            if not flows or "flows" not in self.parts:
                return
            arguments = {"inbox": str(inbox), "out_dir": str(self.work / "out" / "nightly"), "rerun": False, "publish": False}
            if self.api_url:
                self.run(
                    where,
                    "flow",
                    f"nightly no-change, Prefect flow ({layout})",
                    "bench.prefect_flow:flow_run",
                    arguments,
                    prefect_env(self.work, url, api_url=self.api_url),
                )
            if layout == "sqlite":
                self.run(
                    where,
                    "flow_ephemeral",
                    f"nightly no-change, Prefect flow, temporary API ({layout})",
                    "bench.prefect_flow:flow_run",
                    arguments,
                    prefect_env(self.work, url),
                )

        folders = known_inbox(self.work / f"nightly-{count}", count)
        measure_on(folders, sqlite_url(self.work / "db" / "nightly.db"), "sqlite", True)
        if self.pg_url:
            with pg_schema(self.pg_url, "bench_nightly") as url:
                measure_on(folders, url, "postgresql", True)
        zips = known_inbox(self.work / f"nightly-{count}-zip", count, zipped=True)
        measure_on(zips, sqlite_url(self.work / "db" / "nightly-zip.db"), "sqlite, packages as .zip", False)

    def queries(self) -> None:
        from bench.query_speed import build_warehouse

        entry: dict[str, Any] = self.results.setdefault("queries", {"score_rows_asked": self.args.score_rows})

        def measure_on(url: str, dialect: str) -> None:
            where = entry.setdefault(dialect, {})
            _log(f"building a warehouse of {self.args.score_rows} score rows ({dialect}) …")
            where["build"] = build_warehouse(url, self.args.score_rows)
            _log(f"built: {where['build']}")
            self.run(where, "timing", f"ranking and report queries ({dialect})", "bench.query_speed:time_queries", {"db_url": url})

        measure_on(sqlite_url(self.work / "db" / "queries.db"), "sqlite")
        if self.pg_url:
            with pg_schema(self.pg_url, "bench_queries") as url:
                measure_on(url, "postgresql")

    def peers(self) -> None:
        from bench.peers import PEERS, build_variants

        candidates = [n for n in self.sizes if n <= 350] or self.sizes
        corpus = build_corpus(self.work / f"corpus-{max(candidates)}", max(candidates))
        variants = build_variants(self.work / "variants")
        entry: dict[str, Any] = self.results.setdefault("peers", {"corpus": {"submissions": corpus.submissions, "limit": self.args.peer_forms}})
        for peer in PEERS:
            self.run(
                entry.setdefault("corpus_forms", {}),
                peer,
                f"peer {peer} on corpus PDF forms",
                "bench.peers:peer_run",
                {"peer": peer, "corpus": str(corpus.root), "limit": self.args.peer_forms},
            )
            self.run(
                entry.setdefault("variants", {}),
                peer,
                f"peer {peer} on layout variants",
                "bench.peers:peer_run",
                {"peer": peer, "corpus": str(variants)},
            )

    def all(self) -> None:
        steps: list[tuple[str, Callable[[], None]]] = []
        if "flows" in self.parts:
            steps.append(("prefect", self.warm_prefect))
        steps += [(f"size {n}", functools.partial(self.size, n)) for n in self.sizes]
        for part in ("nightly", "queries", "peers"):
            if part in self.parts:
                steps.append((part, getattr(self, part)))
        with ExitStack() as stack:
            if "flows" in self.parts:
                _log("starting the benchmark's Prefect server …")
                try:
                    self.api_url = stack.enter_context(prefect_server(self.work))
                    _log(f"Prefect server at {self.api_url}")
                except RuntimeError as exc:  # the flows on a server are skipped, the rest still measured
                    _log(f"no Prefect server: {exc}")
                    self.results["errors"].append({"measurement": "Prefect server", "error": str(exc)})
            for name, step in steps:
                try:
                    step()
                except Exception as exc:  # one broken benchmark must not lose the others' results
                    _log(f"{name} FAILED: {type(exc).__name__}: {exc}")
                    self.results["errors"].append({"measurement": name, "error": f"{type(exc).__name__}: {exc}"})
        self.results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
        self.save()

    def warm_prefect(self) -> None:
        """Create the temporary servers' Prefect database once, so no flow measurement pays its migrations."""
        self.run(
            self.results,
            "prefect_first_start",
            "Prefect first start (database creation)",
            "bench.prefect_flow:first_start",
            {},
            prefect_env(self.work, sqlite_url(self.work / "db" / "warm.db")),
        )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--sizes", default="35,350", help="submissions per corpus, comma-separated (e.g. 35,350,3500)")
    parser.add_argument("--flow-sizes", default=None, help="sizes also run through the Prefect flows (default: the sizes up to 350)")
    parser.add_argument("--ephemeral-sizes", default="35", help="sizes also run through the flows on Prefect's temporary API server")
    parser.add_argument("--runners", default=",".join(RUNNERS), help="task runners of the flow measurements: thread, process-<workers>")
    parser.add_argument(
        "--rounds", type=int, default=1, help="rounds of the flow runners on the benchmark's server, in turn: speed-ups are the median of the rounds'"
    )
    parser.add_argument("--only", default=None, help=f"measure only these parts, comma-separated: {', '.join(PARTS)}")
    parser.add_argument(
        "--steps-isolation",
        default="none,child",
        help="how the plain steps read documents: none (in-process, against the raw bound), child (reader processes, as ingest)",
    )
    parser.add_argument("--nightly-docs", type=int, default=10_000, help="known documents for the nightly no-change run")
    parser.add_argument("--score-rows", type=int, default=1_000_000, help="score rows in the query benchmark's warehouse")
    parser.add_argument("--peer-forms", type=int, default=40, help="PDF forms of the corpus each peer reads")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="PostgreSQL server for the PostgreSQL measurements")
    parser.add_argument("--no-pg", action="store_true", help="skip the PostgreSQL measurements")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "parindex-bench", help="corpora, warehouses, Prefect home")
    parser.add_argument("--out", type=Path, default=Path("bench-results.json"), help="where the results JSON is written")
    parser.add_argument("--markdown", type=Path, default=None, help="also write the results as Markdown tables here")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error(f"--rounds must be 1 or more, not {args.rounds}")
    unknown = set(args.only.split(",")) - set(PARTS) if args.only else set()
    if unknown:
        parser.error(f"unknown parts {', '.join(sorted(unknown))}: choose from {', '.join(PARTS)}")
    for runner in args.runners.split(","):
        kind, _, workers = runner.partition("-")
        if kind not in ("thread", "process", "dask") or (workers and not workers.isdigit()):
            parser.error(f"unknown runner {runner!r}: use thread, process-<workers> or dask-<workers>")
    return args


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    bench = Bench(args)
    bench.all()
    if args.markdown is not None:
        from bench.report import render

        args.markdown.write_text(render(bench.results), encoding="utf-8")
    _log(f"results in {args.out}" + (f" and {args.markdown}" if args.markdown else "") + f"; {len(bench.results['errors'])} error(s)")
    return bench.results


if __name__ == "__main__":
    main()
