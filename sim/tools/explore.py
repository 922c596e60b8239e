"""``python -m sim.explore`` (also ``python -m sim.tools.explore``, ``make explore``): serve the explorer.

    python -m sim.explore                        # http://127.0.0.1:8765/ on this machine only
    python -m sim.explore --port 9000 --scenario take_the_gloves_off
    python -m sim.explore --set map=synthetic --set people_per_agent=200
    python -m sim.explore --host 0.0.0.0         # reachable from other machines: on purpose only

It runs ``solara run sim.explore.app`` with Solara's front-end served from the installed
``solara-assets`` package (no network is needed or used) and its telemetry off. The scenario
and the ``--set`` overrides are validated before the server starts.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "build_parser", "server_command", "server_env", "main"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
APP = "sim.explore.app"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m sim.explore", description="Serve the sahel-sim explorer (a SolaraViz app).")
    p.add_argument("--host", default=DEFAULT_HOST,
                   help=f"address to bind (default {DEFAULT_HOST}: this machine only)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.add_argument("--scenario", default="baseline", help="scenario shown first (any configs/scenario)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="Hydra override applied to every run, e.g. map=synthetic (repeatable)")
    return p


def server_env(args: argparse.Namespace, base: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    env.update({
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",    # telemetry would try to reach the internet
        "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/",     # an asset missing from solara-assets fails at once
        "SIM_EXPLORE_OVERRIDES": shlex.join(args.overrides),
        "SIM_EXPLORE_SCENARIO": args.scenario,
    })
    env.setdefault("PYTHONHASHSEED", "0")
    return env


def server_command(args: argparse.Namespace) -> list[str]:
    return [sys.executable, "-m", "solara", "run", APP, "--host", args.host, "--port", str(args.port),
            "--production", "--no-open", "--log-level", "warning"]


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from sim.config import ConfigError
    from sim.explore.session import build_configs

    try:
        build_configs(args.scenario, {}, None, tuple(args.overrides))
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"sahel-sim explorer: http://{args.host}:{args.port}/ (bound to {args.host}; Ctrl-C stops it)", flush=True)
    try:
        return subprocess.call(server_command(args), env=server_env(args))
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
