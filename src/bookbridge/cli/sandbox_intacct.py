"""`bookbridge sandbox intacct`: run the local Sage Intacct XML gateway until interrupted.

It prints one line, ``Sage Intacct sandbox listening on http://HOST:PORT (company ID)``, to stdout
and flushes it, so a script or test can start the process, read the line and connect. SIGINT and
SIGTERM stop it cleanly (exit code 0).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the ``intacct`` sub-command to the ``sandbox`` group."""
    parser = sub.add_parser(
        "intacct", help="a local Sage Intacct (XML gateway and REST API with OAuth, sessions, limits, faults)")
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="TCP port (default: any free port, printed on start)")
    parser.add_argument("--data", type=Path, default=None, metavar="DIR", help="keep state as JSON files in DIR")
    parser.add_argument("--company-id", default=None, metavar="ID", help="the company users sign in to")
    # --client-id/--client-secret name the Web Services sender, as for the OAuth sandboxes.
    parser.add_argument("--client-id", "--sender-id", dest="sender_id", default=None,
                        help="accept only this Web Services sender ID (default: any)")
    parser.add_argument("--client-secret", "--sender-password", dest="sender_password", default=None,
                        help="accept only this sender password (default: any)")
    parser.add_argument("--user-id", default=None, help="accept only this company user (default: any)")
    parser.add_argument("--user-password", default=None, help="accept only this user password (default: any)")
    parser.add_argument("--authorized-sender", action="append", default=None, metavar="ID",
                        help="sender IDs authorised for the company (repeatable; default: every sender)")
    parser.add_argument("--session-seconds", type=int, default=1800, metavar="S",
                        help="how long a session lives without calls (default 1800)")
    parser.add_argument("--time-scale", type=float, default=1.0, metavar="X",
                        help="speed up rate-limit windows (60: per-minute limits apply per second)")
    parser.add_argument("--no-limits", action="store_true", help="turn rate limiting off")
    parser.add_argument("--fault-5xx-rate", type=float, default=0.0, metavar="R", help="share of calls answered 500/503")
    parser.add_argument("--fault-drop-rate", type=float, default=0.0, metavar="R",
                        help="share of calls whose connection is closed without an answer")
    parser.add_argument("--fault-lost-after-commit-rate", type=float, default=0.0, metavar="R",
                        help="share of writes stored and then left unanswered")
    parser.add_argument("--latency-ms", type=int, default=0, metavar="N", help="delay added to every answer")
    parser.add_argument("--seed", type=int, default=None, metavar="N", help="seed for fault injection")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Start the Intacct sandbox and serve until SIGINT or SIGTERM."""
    from bookbridge.core.errors import UsageError
    from bookbridge.sandbox.common.errors import SandboxError
    from bookbridge.sandbox.intacct import DEFAULT_COMPANY_ID, FaultConfig, IntacctSandbox

    if args.time_scale <= 0:
        raise UsageError("--time-scale must be a positive number")
    if args.session_seconds <= 0:
        raise UsageError("--session-seconds must be a positive number")
    try:
        faults = FaultConfig(error_5xx_rate=args.fault_5xx_rate, drop_rate=args.fault_drop_rate,
                             lost_after_commit_rate=args.fault_lost_after_commit_rate, latency_ms=args.latency_ms,
                             seed=args.seed)
    except SandboxError as exc:
        raise UsageError(exc.user_message) from None
    try:
        sandbox = IntacctSandbox(
            host=args.host, port=args.port, data_dir=args.data, company_id=args.company_id or DEFAULT_COMPANY_ID,
            sender_id=args.sender_id, sender_password=args.sender_password, user_id=args.user_id,
            user_password=args.user_password,
            authorized_senders=tuple(args.authorized_sender) if args.authorized_sender else None,
            time_scale=args.time_scale, limits=not args.no_limits, faults=faults,
            session_seconds=args.session_seconds,
        )
    except OSError as exc:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from exc
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        # A server stops on these signals by design; it is not an interruption of unfinished work.
        signal.signal(signum, lambda *_: stop.set())
    sandbox.start()
    print(f"Sage Intacct sandbox listening on {sandbox.base_url} (company {sandbox.company_id})", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        sandbox.stop()
    print("Sage Intacct sandbox stopped.", file=sys.stderr, flush=True)
    return 0
