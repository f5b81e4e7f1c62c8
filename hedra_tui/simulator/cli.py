"""``hedra-tui sim``: run the simulator in the foreground and say how to point clients at it."""

from __future__ import annotations

import argparse
import contextlib
import sys

from . import DEMO_API_KEY
from .faults import MODES, parse_fault_flag
from .ratelimit import DEFAULT_RATE_LIMIT, RateLimitSpec

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def add_sim_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 = any free)")
    parser.add_argument("--count", type=int, default=5000, help="generations in history")
    parser.add_argument("--inflight", type=int, default=20, help="jobs in flight (kept steady)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (same seed, same data)")
    parser.add_argument("--speed", type=float, default=1.0, help="time acceleration factor")
    parser.add_argument("--api-key", default=DEMO_API_KEY, help="the key clients must send")
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="MODE[:ARG]",
        help=f"start with a fault: {', '.join(MODES)} (429:SECONDS, slow:SECONDS, MODE:COUNT)",
    )
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds added to every response"
    )
    parser.add_argument(
        "--api",
        choices=("v2", "v3"),
        default="v2",
        help="which API to print set-up for (both are served: v3 under /v3)",
    )
    parser.add_argument(
        "--rate-limit",
        default=str(DEFAULT_RATE_LIMIT),
        metavar="N/SECONDS",
        help=(
            "the key's request limit, shared by every client: N requests per window, "
            f"e.g. 600/60s; off: none (default {DEFAULT_RATE_LIMIT}, never met)"
        ),
    )
    parser.add_argument(
        "--rate-headers",
        choices=("all", "v3"),
        default="all",
        help="send X-RateLimit-* on both APIs, or only on v3 (the v2 spec names none)",
    )
    parser.add_argument("--no-drift", action="store_true", help="strictly spec-shaped data only")
    parser.add_argument(
        "--public", action="store_true", help="allow binding a non-loopback address"
    )


def run_sim(args: argparse.Namespace) -> int:
    if args.host not in LOOPBACK and not args.public:
        print(
            "hedra-tui: error: refusing to bind a non-loopback address without --public",
            file=sys.stderr,
        )
        return 2
    if not 1 <= args.count + args.inflight <= 100_000 + 10_000:
        print("hedra-tui: error: --count must be between 0 and 100000", file=sys.stderr)
        return 2
    try:
        rate_limit = RateLimitSpec.parse(args.rate_limit)
    except ValueError as exc:
        print(f"hedra-tui: error: --rate-limit: {exc}", file=sys.stderr)
        return 2
    print(f"hedra-tui sim: building {args.count:,} generations (seed {args.seed})…", flush=True)
    from .server import SimServer  # uvicorn and starlette: only when a simulator runs

    server = SimServer(
        count=args.count,
        inflight=args.inflight,
        seed=args.seed,
        speed=args.speed,
        api_key=args.api_key,
        drift=not args.no_drift,
        host=args.host,
        port=args.port,
        latency=args.latency,
        rate_limit=rate_limit,
        rate_headers=args.rate_headers,
    )
    for spec in args.fault:
        try:
            server.faults.set(**parse_fault_flag(spec))
        except (ValueError, TypeError) as exc:
            print(f"hedra-tui: error: --fault {spec}: {exc}", file=sys.stderr)
            return 2
    if getattr(args, "api", "v2") == "v3":
        from .v3 import v3_credential

        base = server.base_url + "/v3"
        print(f"hedra-tui sim: serving the Hedra v3 API at {base} (and v2 at {server.base_url})")
        print(
            f"  export HEDRA_BASE_URL={base} HEDRA_API_KEY={v3_credential(args.api_key)}"
            " HEDRA_API_VERSION=v3"
        )
    else:
        print(f"hedra-tui sim: serving the Hedra v2 API at {server.base_url} (v3 under /v3)")
        print(f"  export HEDRA_BASE_URL={server.base_url} HEDRA_API_KEY={args.api_key}")
    print('  control: POST /_sim/faults {"mode": "503", "count": 3}, GET /_sim/stats, ...')
    print("  Ctrl+C to stop", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    print("hedra-tui sim: stopped")
    return 0
