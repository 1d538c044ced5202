"""`bookbridge sandbox netsuite`: run the local NetSuite sandbox until interrupted.

It prints one line, ``NetSuite sandbox listening on http://HOST:PORT (account ID)``, to stdout and
flushes it, so a script or test can start the process, read the line and connect with
``bookbridge connect BOOK --provider netsuite --base-url URL``. SIGINT and SIGTERM stop it
cleanly (exit code 0).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the ``netsuite`` sub-command to the ``sandbox`` group."""
    parser = sub.add_parser("netsuite", help="a local NetSuite (OAuth 2.0 + PKCE, REST records, SuiteQL, "
                                             "concurrency governance, faults)")
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="TCP port (default: any free port, printed on start)")
    parser.add_argument("--data", type=Path, default=None, metavar="DIR", help="keep state as JSON files in DIR")
    parser.add_argument("--account", default=None, metavar="ID",
                        help="account id to serve, e.g. 1234567 or 1234567_SB1 (default 1234567_SB1)")
    parser.add_argument("--client-id", default=None, help="accept only this integration's client id (default: any)")
    parser.add_argument("--client-secret", default=None,
                        help="require this client secret (a confidential client); without it the integration is a "
                             "public client and PKCE is required")
    parser.add_argument("--concurrency", type=int, default=None, metavar="N",
                        help="requests the account allows in flight at once (default 5, a developer account)")
    parser.add_argument("--time-scale", type=float, default=1.0, metavar="X",
                        help="speed up time-based limits (NetSuite publishes only concurrency limits, so this "
                             "scales the Retry-After hint)")
    parser.add_argument("--no-limits", action="store_true", help="turn concurrency governance off")
    parser.add_argument("--retry-after", action="store_true", help="send Retry-After with 429 answers (NetSuite "
                                                                   "documents none)")
    parser.add_argument("--fault-5xx-rate", type=float, default=0.0, metavar="R", help="share of API calls answered 500/503")
    parser.add_argument("--fault-drop-rate", type=float, default=0.0, metavar="R",
                        help="share of API calls whose connection is closed without an answer")
    parser.add_argument("--fault-lost-after-commit-rate", type=float, default=0.0, metavar="R",
                        help="share of API writes stored and then left unanswered")
    parser.add_argument("--latency-ms", type=int, default=0, metavar="N", help="delay added to every API answer")
    parser.add_argument("--seed", type=int, default=None, metavar="N", help="seed for fault injection (reproducible runs)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Start the NetSuite sandbox and serve until SIGINT or SIGTERM."""
    from bookbridge.connectors.netsuite.account import parse_account
    from bookbridge.core.errors import UsageError
    from bookbridge.sandbox.common.errors import SandboxError
    from bookbridge.sandbox.netsuite import DEFAULT_ACCOUNT_ID, FaultConfig, NetSuiteSandbox
    from bookbridge.sandbox.netsuite.server import DEFAULT_CONCURRENCY

    if args.time_scale <= 0:
        raise UsageError("--time-scale must be a positive number")
    concurrency = DEFAULT_CONCURRENCY if args.concurrency is None else args.concurrency
    if concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    try:
        faults = FaultConfig(error_5xx_rate=args.fault_5xx_rate, drop_rate=args.fault_drop_rate,
                             lost_after_commit_rate=args.fault_lost_after_commit_rate, latency_ms=args.latency_ms,
                             seed=args.seed)
    except SandboxError as exc:
        raise UsageError(exc.user_message) from None
    account = parse_account(args.account).realm if args.account else DEFAULT_ACCOUNT_ID
    try:
        sandbox = NetSuiteSandbox(
            host=args.host, port=args.port, data_dir=args.data, account_id=account, client_id=args.client_id,
            client_secret=args.client_secret, concurrency=concurrency, time_scale=args.time_scale,
            limits=not args.no_limits, faults=faults, retry_after=args.retry_after,
        )
    except OSError as exc:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from exc
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        # A server stops on these signals by design; it is not an interruption of unfinished work.
        signal.signal(signum, lambda *_: stop.set())
    sandbox.start()
    print(f"NetSuite sandbox listening on {sandbox.base_url} (account {sandbox.account_id})", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        sandbox.stop()
    print("NetSuite sandbox stopped.", file=sys.stderr, flush=True)
    return 0
