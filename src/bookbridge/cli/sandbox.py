"""`bookbridge sandbox qbo`: run the local QuickBooks Online sandbox until interrupted.

It prints one line, ``QBO sandbox listening on http://HOST:PORT (realm ID)``, to stdout and
flushes it, so a script or test can start the process, read the line and connect. SIGINT and
SIGTERM stop it cleanly (exit code 0).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

# Other providers' sandboxes live in their own modules, each exposing ``add_parser(sub)`` that adds
# its sub-command (with ``handler`` set) to the ``sandbox`` group.
PROVIDER_MODULES: list[str] = [
    "bookbridge.cli.sandbox_xero",
    "bookbridge.cli.sandbox_netsuite",
    "bookbridge.cli.sandbox_intacct",
]


def register(subparsers: argparse._SubParsersAction) -> None:
    sandbox = subparsers.add_parser("sandbox", help="run a local server that behaves like an accounting API")
    sub = sandbox.add_subparsers(dest="sandbox_command", metavar="PROVIDER", required=True)
    qbo = sub.add_parser("qbo", help="a local QuickBooks Online (OAuth, v3 API, limits, faults)")
    qbo.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    qbo.add_argument("--port", type=int, default=0, help="TCP port (default: any free port, printed on start)")
    qbo.add_argument("--data", type=Path, default=None, metavar="DIR", help="keep state as JSON files in DIR")
    qbo.add_argument("--realm", default=None, metavar="ID", help="company id (realmId) to serve")
    qbo.add_argument("--client-id", default=None, help="accept only this OAuth client id (default: any)")
    qbo.add_argument("--client-secret", default=None, help="accept only this OAuth client secret (default: any)")
    qbo.add_argument("--time-scale", type=float, default=1.0, metavar="X",
                     help="speed up rate-limit windows (60: per-minute limits apply per second)")
    qbo.add_argument("--no-limits", action="store_true", help="turn rate limiting off")
    qbo.add_argument("--fault-5xx-rate", type=float, default=0.0, metavar="R", help="share of API calls answered 500/503")
    qbo.add_argument("--fault-drop-rate", type=float, default=0.0, metavar="R",
                     help="share of API calls whose connection is closed without an answer")
    qbo.add_argument("--fault-lost-after-commit-rate", type=float, default=0.0, metavar="R",
                     help="share of API writes stored and then left unanswered")
    qbo.add_argument("--latency-ms", type=int, default=0, metavar="N", help="delay added to every API answer")
    qbo.add_argument("--seed", type=int, default=None, metavar="N", help="seed for fault injection (reproducible runs)")
    qbo.set_defaults(handler=run)
    import importlib

    for name in PROVIDER_MODULES:
        importlib.import_module(name).add_parser(sub)


def run(args: argparse.Namespace) -> int:
    """Start the QBO sandbox and serve until SIGINT or SIGTERM."""
    from bookbridge.core.errors import UsageError
    from bookbridge.sandbox.qbo import DEFAULT_REALM_ID, FaultConfig, QboSandbox

    faults = FaultConfig(
        error_5xx_rate=args.fault_5xx_rate,
        drop_rate=args.fault_drop_rate,
        lost_after_commit_rate=args.fault_lost_after_commit_rate,
        latency_ms=args.latency_ms,
        seed=args.seed,
    )
    if args.time_scale <= 0:
        raise UsageError("--time-scale must be a positive number")
    try:
        sandbox = QboSandbox(
            host=args.host,
            port=args.port,
            data_dir=args.data,
            realm_id=args.realm or DEFAULT_REALM_ID,
            client_id=args.client_id,
            client_secret=args.client_secret,
            time_scale=args.time_scale,
            limits=not args.no_limits,
            faults=faults,
        )
    except OSError as exc:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from exc
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        # A server stops on these signals by design; it is not an interruption of unfinished work.
        signal.signal(signum, lambda *_: stop.set())
    sandbox.start()
    print(f"QBO sandbox listening on {sandbox.base_url} (realm {sandbox.realm_id})", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        sandbox.stop()
    print("QBO sandbox stopped.", file=sys.stderr, flush=True)
    return 0
