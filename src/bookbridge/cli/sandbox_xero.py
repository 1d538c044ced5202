"""`bookbridge sandbox xero`: run the local Xero sandbox until interrupted.

It prints one line, ``Xero sandbox listening on http://HOST:PORT (tenant ID)``, to stdout and
flushes it, so a script or test can start the process, read the line and connect. SIGINT and
SIGTERM stop it cleanly (exit code 0).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``xero`` to the ``sandbox`` command group."""
    xero = sub.add_parser("xero", help="a local Xero (PKCE OAuth, /connections, Accounting API, limits, faults)")
    xero.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    xero.add_argument("--port", type=int, default=0, help="TCP port (default: any free port, printed on start)")
    xero.add_argument("--data", type=Path, default=None, metavar="DIR", help="keep state as JSON files in DIR")
    xero.add_argument("--tenant-id", default=None, metavar="ID", help="tenant id of the (first) organisation")
    xero.add_argument("--org-name", default=None, metavar="NAME", help="name of the (first) organisation")
    xero.add_argument("--extra-org", action="append", default=[], metavar="NAME",
                      help="also connect another organisation with this name (repeatable), to try choosing one")
    xero.add_argument("--client-id", default=None, help="accept only this OAuth client id (default: any)")
    xero.add_argument("--client-secret", default=None,
                      help="require this client secret (a Xero web app); default: a PKCE app without a secret")
    xero.add_argument("--time-scale", type=float, default=1.0, metavar="X",
                      help="speed up rate-limit windows (60: per-minute limits apply per second)")
    xero.add_argument("--no-limits", action="store_true", help="turn rate limiting off")
    xero.add_argument("--idempotency-window", type=float, default=None, metavar="S",
                      help="seconds an Idempotency-Key answer is remembered (default 360, Xero's six minutes)")
    xero.add_argument("--fault-5xx-rate", type=float, default=0.0, metavar="R", help="share of API calls answered 500/503")
    xero.add_argument("--fault-drop-rate", type=float, default=0.0, metavar="R",
                      help="share of API calls whose connection is closed without an answer")
    xero.add_argument("--fault-lost-after-commit-rate", type=float, default=0.0, metavar="R",
                      help="share of API writes stored and then left unanswered")
    xero.add_argument("--latency-ms", type=int, default=0, metavar="N", help="delay added to every API answer")
    xero.add_argument("--seed", type=int, default=None, metavar="N", help="seed for fault injection (reproducible runs)")
    xero.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Start the Xero sandbox and serve until SIGINT or SIGTERM."""
    from bookbridge.core.errors import UsageError
    from bookbridge.sandbox.xero import DEFAULT_ORG_NAME, DEFAULT_TENANT_ID, FaultConfig, XeroSandbox
    from bookbridge.sandbox.xero.seed import stable_id
    from bookbridge.sandbox.xero.server import IDEMPOTENCY_WINDOW_SECONDS

    if args.time_scale <= 0:
        raise UsageError("--time-scale must be a positive number")
    faults = FaultConfig(
        error_5xx_rate=args.fault_5xx_rate, drop_rate=args.fault_drop_rate,
        lost_after_commit_rate=args.fault_lost_after_commit_rate, latency_ms=args.latency_ms, seed=args.seed,
    )
    tenants = [(args.tenant_id or DEFAULT_TENANT_ID, args.org_name or DEFAULT_ORG_NAME)]
    tenants += [(stable_id("sandbox", "extra-org", name), name) for name in args.extra_org]
    try:
        sandbox = XeroSandbox(
            host=args.host, port=args.port, data_dir=args.data, tenants=tenants, client_id=args.client_id,
            client_secret=args.client_secret, time_scale=args.time_scale, limits=not args.no_limits, faults=faults,
            idempotency_window=args.idempotency_window if args.idempotency_window is not None else IDEMPOTENCY_WINDOW_SECONDS,
        )
    except OSError as exc:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from exc
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        # A server stops on these signals by design; it is not an interruption of unfinished work.
        signal.signal(signum, lambda *_: stop.set())
    sandbox.start()
    print(f"Xero sandbox listening on {sandbox.base_url} (tenant {sandbox.tenant_id})", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        sandbox.stop()
    print("Xero sandbox stopped.", file=sys.stderr, flush=True)
    return 0
