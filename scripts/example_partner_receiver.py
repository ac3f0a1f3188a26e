"""An example partner endpoint for Terrain's requests (a partner's action URL).

Terrain POSTs the request a promise implies (`terrain.promise.parcel.reroute`, ...) as JSON,
signed with the partner's action secret (`terrain partners set NAME --action-url URL
--action-secret S`) and with the promise id as `Idempotency-Key`. This receiver:
- refuses (401) what is not signed by Terrain with that secret, or signed too long ago;
- does each promise once: a redelivery (same Idempotency-Key) is answered 200 again, not redone;
- prints one JSON line per request it accepted.

    TERRAIN_ACTION_SECRET=... python scripts/example_partner_receiver.py --port 9000

Standard library plus Terrain's partner client module (integrations/client/partner.py, which
needs only httpx): copy both into a partner's code base as a starting point.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from integrations.client.partner import SIGNATURE_HEADER, InvalidSignature, verify_signature  # noqa: E402


def make_server(secret: str, host: str = "127.0.0.1", port: int = 9000) -> ThreadingHTTPServer:
    done: dict[str, dict] = {}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                verify_signature(secret, body, self.headers.get(SIGNATURE_HEADER))
            except InvalidSignature as refused:
                return self._answer(401, {"error": str(refused)})
            request = json.loads(body)
            key = self.headers.get("Idempotency-Key") or request["promise_id"]
            with lock:
                first = key not in done
                if first:  # here a real partner would act: reroute the parcel, book the call-back…
                    done[key] = {"accepted": True, "promise_id": request["promise_id"], "type": request["type"]}
            if first:
                print(
                    json.dumps(
                        {
                            "received": request["type"],
                            "promise_id": request["promise_id"],
                            "reference": request["reference"],
                            "due_at": request["due_at"],
                        }
                    ),
                    flush=True,
                )
            self._answer(200, done[key])

        def _answer(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:  # one JSON line per accepted request is enough
            pass

    return ThreadingHTTPServer((host, port), Handler)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000)
    args = parser.parse_args()
    secret = os.environ.get("TERRAIN_ACTION_SECRET")
    if not secret:
        parser.error("set TERRAIN_ACTION_SECRET (the --action-secret given to `terrain partners set`)")
    server = make_server(secret, args.host, args.port)
    print(json.dumps({"listening": f"http://{args.host}:{server.server_address[1]}"}), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
